"""Real video model backends: seconds per denoising step and peak memory, through the product's own path.

    .venv/bin/python -m benchmarks.backends [--device cpu|cuda] [--presets tiny mid] [--steps 4]

Random-weight Wan 2.1 and LTX-Video pipelines are built (engine.backends.random_init), saved as folders and
rendered through ``DiffusersBackend`` exactly as ``--model DIR`` would. Preset ``full`` shapes the transformer
as Wan 2.1 T2V 1.3B and LTX-Video 2B and renders at their native size and frame count (for a GPU); on a CPU
the tiny and mid presets render at a small size. The weights are random, so only time and memory mean
anything here. A step is timed from one step's end to the next (the first step, which also carries the
text encoding, is left out); "shot" is the whole render with its VAE decode.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import torch

from benchmarks.report import write_section
from engine.backends import RenderRequest
from engine.backends.diffusers_video import DiffusersBackend
from engine.backends.random_init import build_ltx, build_wan

# (width, height, frames) per family and preset: native for full, small enough for a CPU otherwise.
SHAPES = {
    ("wan", "tiny"): (64, 64, 17), ("wan", "mid"): (256, 256, 17), ("wan", "full"): (832, 480, 81),
    ("ltx", "tiny"): (64, 64, 25), ("ltx", "mid"): (256, 256, 25), ("ltx", "full"): (704, 480, 161),
}


def _params(module) -> float:
    return sum(p.numel() for p in module.parameters()) / 1e6


def measure(family: str, preset: str, device: str, steps: int, folder: Path) -> dict:
    builder = build_wan if family == "wan" else build_ltx
    builder(folder / f"{family}-{preset}", preset=preset)
    backend = DiffusersBackend(folder / f"{family}-{preset}", device=device)
    width, height, frames = SHAPES[(family, preset)]
    request = RenderRequest(prompt="a red kite flies over a windy beach, the camera pans left", frames=frames,
                            steps=steps, guidance=backend.capabilities.default_guidance, width=width, height=height)
    stamps = []
    backend.render(request.model_copy(update={"steps": 2}))  # load and warm up
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    backend.render(request, lambda event: stamps.append(time.perf_counter()))
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    shot = time.perf_counter() - started
    per_step = (stamps[-1] - stamps[0]) / max(1, len(stamps) - 1)
    peak = (torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda")
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
    plan = backend.memory(request, width, height)
    return {"family": family, "preset": preset, "params": _params(backend.transformer), "size": f"{width}x{height}",
            "frames": frames, "tokens": plan.tokens, "step": per_step, "shot": shot, "peak": peak,
            "estimate": plan.needed / 2**30}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--presets", nargs="+", default=["tiny", "mid"])
    parser.add_argument("--families", nargs="+", default=["wan", "ltx"])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for preset in args.presets:
            for family in args.families:
                row = measure(family, preset, args.device, args.steps, Path(tmp))
                rows.append(row)
                print(row, flush=True)
    peak_name = "peak GPU memory (GiB)" if args.device.startswith("cuda") else "peak process RSS (GiB)"
    lines = [f"| family | preset | transformer params (M) | size | frames | tokens | s / step | s / shot "
             f"({args.steps} steps) | {peak_name} | reelwright's estimate (GiB) | NCR speed-up |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['family']} | {r['preset']} | {r['params']:.2f} | {r['size']} | {r['frames']} | "
                     f"{r['tokens']} | {r['step']:.3f} | {r['shot']:.2f} | {r['peak']:.2f} | {r['estimate']:.2f} | "
                     f"not yet (NCR runs on the built-in model only) |")
    body = "\n".join(lines) + (
        f"\n\nDevice: {args.device}. Random weights: time and memory only, no picture quality. Classifier-free "
        f"guidance on (two batch rows per step), as the product samples. Tokens: what the transformer attends "
        f"over per batch row (latent frames x latent height x width / patch). The tiny and mid presets use small "
        f"text encoders and VAEs with each family's real compression (LTX's tiny VAE compresses 4x, as in "
        f"diffusers' own tests), so the step time is the transformer's. On the CPU the peak is the whole "
        f"process's resident memory, every preset before it included; the estimate is what reelwright checks "
        f"before a render (weights + working memory).")
    command = ".venv/bin/python -m benchmarks.backends " + " ".join(
        [f"--device {args.device}", "--presets " + " ".join(args.presets), f"--steps {args.steps}"])
    if args.no_write:
        print(body)
    else:
        write_section("Real model backends", command, body)


if __name__ == "__main__":
    main()
