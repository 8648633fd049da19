"""NCR against full compute at equal step count: wall-clock speed-up, PSNR, prompt alignment, compute.

    .venv/bin/python -m benchmarks.ncr [--prompts 8] [--steps 16]

Per level on its own and combined, a curve of settings, and the frame level on I2V and extend, where
its saving follows the share of given frames.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from benchmarks.report import write_section
from engine.eval.metrics import psnr
from engine.eval.video import read_clip
from engine.ncr import NCRConfig, apply_ncr, remove_ncr
from engine.pipeline import SHIPPED_WEIGHTS, load_pipeline
from engine.world.captions import canonical_caption
from engine.world.dataset import sample_spec
from engine.world.render import render_clip

FOUR = ("shape", "colour", "scene", "motion")


def run(pipe, config: NCRConfig | None, cases, steps: int, mode: str = "t2v"):
    """(seconds of sampling, frames per case, alignment, mean compute fraction)."""
    remove_ncr(pipe.transformer)
    if config is not None:
        apply_ncr(pipe.transformer, config)
    seconds, frames, hits, fractions = 0.0, [], 0, []
    for i, (attrs, source) in enumerate(cases):
        extra = {}
        if mode == "i2v":
            extra = {"image": source[0]}
        elif mode == "extend":
            extra = {"video": source, "context_frames": 8}
        out = pipe(canonical_caption(attrs), attributes=attrs, mode=mode, num_inference_steps=steps, seed=i,
                   camera_guidance=None, **extra)  # NCR alone: guidance's decode-encode is the same either way
        seconds += out.timings["sampling"]
        frames.append(out.frames)
        seen = read_clip(out.frames).attributes
        hits += sum(seen[a] == attrs[a] for a in FOUR) / len(FOUR)
        fractions.append(out.compute_fraction)
    remove_ncr(pipe.transformer)
    return seconds, frames, hits / len(cases), float(np.mean(fractions))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--steps", type=int, default=16)
    parser.add_argument("--weights", default=str(SHIPPED_WEIGHTS))
    args = parser.parse_args()

    pipe = load_pipeline(args.weights)
    specs = [sample_spec(i, seed=5150, split="heldout") for i in range(args.prompts)]
    cases = [(s.attributes(), render_clip(s, audio=False).frames) for s in specs]
    run(pipe, None, cases[:1], 2)  # warm up
    base_s, base_frames, base_align, _ = run(pipe, None, cases, args.steps)

    off = dict(reuse_below=0.0)  # each level measured on its own unless a row says otherwise
    settings = {
        "frame level only": NCRConfig(token_ratio=1.0, **off),
        "token 50%, refresh 2": NCRConfig(token_ratio=0.5, refresh_every=2, **off),
        "token 35%, refresh 3": NCRConfig(token_ratio=0.35, refresh_every=3, **off),
        "token 25%, refresh 4": NCRConfig(token_ratio=0.25, refresh_every=4, **off),
        "token 15%, refresh 5": NCRConfig(token_ratio=0.15, refresh_every=5, **off),
        "step: skip half the blocks below 0.4": NCRConfig(token_ratio=1.0, skip_below=0.4, **off),
        "step: velocity reuse below 0.8, every 3rd step runs": NCRConfig(token_ratio=1.0, reuse_below=0.8,
                                                                         reuse_every=3),
        "step: velocity reuse below 0.9, every 3rd": NCRConfig(token_ratio=1.0, reuse_below=0.9, reuse_every=3),
        "step: velocity reuse throughout, every 3rd": NCRConfig(token_ratio=1.0, reuse_below=1.0, reuse_every=3),
        "step: velocity reuse throughout, every 4th": NCRConfig(token_ratio=1.0, reuse_below=1.0, reuse_every=4),
        "token 25%, refresh 4 + skip blocks": NCRConfig(token_ratio=0.25, refresh_every=4, skip_below=0.4, **off),
        "token 35%, refresh 3 + velocity reuse below 0.95, every 3rd": NCRConfig(
            token_ratio=0.35, refresh_every=3, reuse_below=0.95, reuse_every=3),
        "**default**: velocity reuse throughout, every 5th (`NCRConfig()`)": NCRConfig(),
    }
    rows = ["| T2V setting | speed-up | PSNR vs full (dB) | alignment (4 attrs) | compute spent |",
            "| --- | --- | --- | --- | --- |",
            f"| full compute | 1.00x | - | {base_align:.0%} | 100% |"]
    for name, config in settings.items():
        secs, frames, align, frac = run(pipe, config, cases, args.steps)
        quality = np.mean([min(psnr(a, b), 99.0) for a, b in zip(frames, base_frames)])
        rows.append(f"| {name} | {base_s / secs:.2f}x | {quality:.1f} | {align:.0%} | {frac:.0%} |")

    frame_rows = ["| mode | given frames | speed-up (frame level) | max pixel difference | compute spent | "
                  "default NCR: speed-up, PSNR, compute |", "| --- | --- | --- | --- | --- | --- |"]
    for mode, given in (("i2v", 1), ("extend", 8)):
        full_s, full_frames, _, _ = run(pipe, None, cases, args.steps, mode)
        secs, frames, _, frac = run(pipe, NCRConfig(token_ratio=1.0, reuse_below=0.0), cases, args.steps, mode)
        diff = max(float(np.abs(a.astype(int) - b.astype(int)).max()) for a, b in zip(frames, full_frames))
        d_secs, d_frames, _, d_frac = run(pipe, NCRConfig(), cases, args.steps, mode)
        quality = np.mean([min(psnr(a, b), 99.0) for a, b in zip(d_frames, full_frames)])
        frame_rows.append(f"| {mode} | {given}/16 | {full_s / secs:.2f}x | {diff:.0f} of 255 | {frac:.0%} | "
                          f"{full_s / d_secs:.2f}x, {quality:.1f} dB, {d_frac:.0%} |")

    body = "\n".join([
        f"{args.prompts} held-out T2V prompts, {args.steps} Euler steps, CFG 3, sampling time only (decoding is "
        f"the same either way), camera guidance off (it adds the same either way), "
        f"torch threads {torch.get_num_threads()}.", "", *rows, "",
        "Frame level on conditioned modes (given frames run through the blocks once; exact by construction, "
        "because given frames attend only to given frames):", "", *frame_rows,
    ])
    print(body)
    write_section("NCR", f"python -m benchmarks.ncr --prompts {args.prompts} --steps {args.steps}", body)


if __name__ == "__main__":
    t = time.perf_counter()
    main()
    print(f"({time.perf_counter() - t:.0f}s)")
