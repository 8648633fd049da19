"""NCR and diffusers' own caches against full compute, with the product's own sampler, at equal steps.

    .venv/bin/python -m benchmarks.ncr [--prompts 12] [--steps 16] [--peers] [--plot FILE]

Every setting samples the same held-out prompts (unseen attribute combinations) with the same seeds through
``ReelPipeline`` exactly as ``generate`` does: CFG 3, camera guidance on. Reported per setting: wall-clock
speed-up of the sampling loop (the transformer, guidance and the camera guidance's decode/encode), PSNR of
the decoded frames against full compute, the evaluator's alignment (shape, colour, scene, motion, camera),
and the compute spent (multiply-adds of the blocks' linear layers that ran, against full compute: the same
meter for every method). ``--peers`` adds diffusers' caches at several thresholds and draws PSNR against
speed-up for all of them (``--plot``, a PNG). The frame level is measured on image-to-video and extend.
"""

from __future__ import annotations

import argparse
import shlex
import time
from dataclasses import dataclass

import numpy as np
import torch

from benchmarks.report import ROOT, write_section
from engine.caches import CacheSettings, apply_cache, calibrate_mag_ratios
from engine.eval.metrics import psnr
from engine.eval.video import alignment
from engine.ncr import NCRConfig
from engine.pipeline import SHIPPED_WEIGHTS, load_pipeline
from engine.world.captions import canonical_caption
from engine.world.dataset import sample_spec
from engine.world.render import render_clip

FIVE = ("shape", "colour", "scene", "motion", "camera")
PLOT = ROOT / "benchmarks" / "ncr_peers.png"


@dataclass
class Result:
    seconds: float  # sampling time with the setting
    full_seconds: float  # sampling time at full compute, each prompt timed right before the setting's
    frames: list[np.ndarray]
    alignment: float
    macs: float

    @property
    def speedup(self) -> float:
        return self.full_seconds / self.seconds


def _sample(pipe, attrs, source, i: int, steps: int, mode: str, repeats: int):
    extra = {"image": source[0]} if mode == "i2v" else {"video": source, "context_frames": 8} \
        if mode == "extend" else {}
    times = []
    for _ in range(repeats):
        out = pipe(canonical_caption(attrs), attributes=attrs, mode=mode, num_inference_steps=steps, seed=i, **extra)
        times.append(out.timings["sampling"])
    return out, min(times)


def run(pipe, settings: CacheSettings, cases, steps: int, mode: str = "t2v", repeats: int = 1) -> Result:
    """Sample every case with ``settings`` installed (metered even when it is "off"), each case right after
    the same case at full compute, so that both times see the same machine (a shared CPU drifts by 10-20%
    over minutes). Each is sampled ``repeats`` times and its fastest time kept: the same seed gives the same
    frames, and the fastest run is the one least disturbed."""
    seconds = full_seconds = hits = macs = 0.0
    frames = []
    for i, (attrs, source) in enumerate(cases):
        pipe.use_cache(None)
        full_seconds += _sample(pipe, attrs, source, i, steps, mode, repeats)[1]
        pipe.cache = apply_cache(pipe.transformer, settings)
        try:
            out, took = _sample(pipe, attrs, source, i, steps, mode, repeats)
            macs += pipe.cache.macs()
        finally:
            pipe.use_cache(None)
        seconds += took
        frames.append(out.frames)
        hits += float(np.mean(list(alignment(out.frames, {a: attrs[a] for a in FIVE}).values())))
    return Result(seconds, full_seconds, frames, hits / len(cases), macs)


def fidelity(frames: list[np.ndarray], reference: list[np.ndarray]) -> float:
    return float(np.mean([min(psnr(a, b), 99.0) for a, b in zip(frames, reference)]))


def ncr_settings() -> dict[str, CacheSettings]:
    off = dict(reuse_below=0.0)
    whole = dict(reused="output")  # step rows reuse the transformer's whole output; "residual reuse" rows do not
    rows = {
        "token 35%, refresh 3": NCRConfig(token_ratio=0.35, refresh_every=3, **off),
        "step: skip half the blocks below 0.4": NCRConfig(skip_below=0.4, **off),
        "step: noise-aware, log-SNR 1.5": NCRConfig(reuse_snr=1.5, **whole),
        "step: noise-aware, log-SNR 1.75": NCRConfig(reuse_snr=1.75, **whole),
        "step: noise-aware, log-SNR 2": NCRConfig(reuse_snr=2.0, **whole),
        "step: noise-aware, log-SNR 2.25 under 0.85": NCRConfig(reuse_snr=2.25, reuse_below=0.85, **whole),
        "step: noise-aware, log-SNR 2.5 under 0.85": NCRConfig(reuse_snr=2.5, reuse_below=0.85, **whole),
        "step: reuse, every 3rd runs": NCRConfig(reuse_every=3, **whole),
        "step: reuse, every 3rd runs under 0.9": NCRConfig(reuse_every=3, reuse_below=0.9, **whole),
        "step: reuse, every 4th runs": NCRConfig(reuse_every=4, **whole),
        "step: reuse, every 5th runs": NCRConfig(reuse_every=5, **whole),
        "step: reuse, every 6th runs": NCRConfig(reuse_every=6, **whole),
        "step: reuse, every 8th runs": NCRConfig(reuse_every=8, **whole),
        "step: reuse, every 10th runs": NCRConfig(reuse_every=10, **whole),
        "reuse every 5th + token 35%": NCRConfig(reuse_every=5, token_ratio=0.35, refresh_every=2, **whole),
        "residual reuse: noise-aware, log-SNR 2.25 under 0.85": NCRConfig(reuse_snr=2.25, reuse_below=0.85),
        "residual reuse: every 3rd runs under 0.9": NCRConfig(reuse_every=3, reuse_below=0.9),
        "residual reuse: every 5th runs": NCRConfig(reuse_every=5),
        "**default** (`NCRConfig()`): residual reuse, every 8th runs": NCRConfig(),
    }
    return {name: CacheSettings(name="ncr", ncr=config) for name, config in rows.items()}


def peer_settings(ratios: list[float]) -> dict[str, CacheSettings]:
    knobs = {
        "first-block": ("threshold", [0.05, 0.1, 0.2, 0.35, 0.5]),
        "taylorseer": ("cache interval", [2, 3, 5, 8]),
        "magcache": ("threshold", [0.06, 0.12, 0.24, 0.5, 1.0]),
        "pab": ("attention skip range", [2, 3, 5, 8]),
        "sea": ("threshold", [0.25, 0.5, 1.0, 2.0, 4.0]),
    }
    return {f"{name}, {knob} {value}": CacheSettings(name=name, threshold=value,
                                                    mag_ratios=ratios if name == "magcache" else None)
            for name, (knob, values) in knobs.items() for value in values}


def mag_ratios(pipe, steps: int) -> list[float]:
    """MagCache's per-step ratios for the shipped model, calibrated on a prompt none of the benchmarks draws."""
    calibration = sample_spec(0, seed=77, split="train").attributes()
    return calibrate_mag_ratios(pipe.transformer, lambda: pipe(
        canonical_caption(calibration), attributes=calibration, num_inference_steps=steps, seed=0))


def frontier(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The (speed-up, PSNR) points no other point beats on both, fastest last: a method's curve."""
    return sorted(p for p in points if not any(q != p and q[0] >= p[0] and q[1] >= p[1] for q in points))


def against_peers(points: dict[str, list[tuple[float, float]]], names: dict[tuple[str, tuple], str],
                  from_speedup: float = 2.0) -> list[str]:
    """For every peer setting at ``from_speedup`` or more: the NCR setting (either reuse) at least as fast with
    the best PSNR."""
    ncr = [(p, series) for series, pts in points.items() if series.startswith("ncr") for p in pts]
    lines = []
    for method, pts in points.items():
        if method.startswith("ncr"):
            continue
        for peer in sorted(p for p in pts if p[0] >= from_speedup):
            rivals = [(p, series) for p, series in ncr if p[0] >= peer[0]]
            if rivals:
                best, series = max(rivals, key=lambda r: r[0][1])
                said = f"NCR {names[series, best]} at {best[0]:.2f}x has {best[1]:.1f} dB ({best[1] - peer[1]:+.1f})"
            else:
                said = "no NCR setting is as fast"
            lines.append(f"- {names[method, peer]} ({peer[0]:.2f}x, {peer[1]:.1f} dB): {said}")
    return lines


def plot(points: dict[str, list[tuple[float, float]]], path) -> None:
    """PSNR (dB) against speed-up, drawn with PIL (no plotting library needed): every setting a dot, and each
    method's curve through the settings no other of its settings beats on both (its frontier)."""
    from PIL import Image, ImageDraw, ImageFont

    w, h, left, bottom, top, right = 900, 600, 70, 60, 30, 200
    image = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(image)
    draw.font = ImageFont.load_default(size=13)  # Pillow's own scalable font: the bitmap one drops spaces
    xs = [x for pts in points.values() for x, _ in pts]
    ys = [y for pts in points.values() for _, y in pts]
    x_lo, x_hi = min(1.0, min(xs)) * 0.95, max(xs) * 1.05
    y_lo, y_hi = max(10.0, min(ys) - 2), min(60.0, max(ys) + 2)

    def at(x: float, y: float) -> tuple[float, float]:
        y = min(max(y, y_lo), y_hi)
        return (left + (x - x_lo) / (x_hi - x_lo) * (w - left - right),
                h - bottom - (y - y_lo) / (y_hi - y_lo) * (h - top - bottom))

    draw.rectangle([left, top, w - right, h - bottom], outline="black")
    for tick in np.arange(np.ceil(x_lo * 2) / 2, x_hi, 0.5):
        px, _ = at(tick, y_lo)
        draw.line([px, h - bottom, px, h - bottom + 5], fill="black")
        draw.text((px - 10, h - bottom + 8), f"{tick:.1f}x", fill="black")
    for tick in range(int(y_lo) // 5 * 5 + 5, int(y_hi) + 1, 5):
        _, py = at(x_lo, tick)
        draw.line([left - 5, py, left, py], fill="black")
        draw.text((left - 40, py - 6), f"{tick} dB", fill="black")
    draw.text((left + 200, h - 25), "speed-up (wall clock, sampling + camera guidance)", fill="black")
    draw.text((left, 8), "PSNR against full compute (built-in model, product's default sampler)", fill="black")
    colours = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    for i, (name, pts) in enumerate(points.items()):
        colour = colours[i % len(colours)]
        line = [at(x, y) for x, y in frontier(pts)]
        if len(line) > 1:
            draw.line(line, fill=colour, width=3 if name == "ncr" else 2)
        for px, py in (at(x, y) for x, y in pts):
            filled = (px, py) in line
            draw.ellipse([px - 4, py - 4, px + 4, py + 4], fill=colour if filled else "white", outline=colour, width=2)
        draw.line([w - right + 15, top + 26 * i + 7, w - right + 40, top + 26 * i + 7], fill=colour, width=3)
        draw.text((w - right + 48, top + 26 * i), name, fill=colour)
    image.save(path)


def _row_name(name: str, setting: CacheSettings) -> str:
    return f"{setting.name}: {name.split(', ', 1)[-1] if setting.name != 'ncr' else name}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=12)
    parser.add_argument("--steps", type=int, default=16)
    parser.add_argument("--weights", default=str(SHIPPED_WEIGHTS))
    parser.add_argument("--peers", action="store_true", help="add diffusers' caches and the plot")
    parser.add_argument("--plot", default=str(PLOT))
    parser.add_argument("--repeats", type=int, default=1, help="samplings per case; the fastest time is kept")
    parser.add_argument("--only", nargs="*", default=None,
                        help="run only the settings whose name holds one of these words (a section of its own)")
    args = parser.parse_args()

    pipe = load_pipeline(args.weights)
    specs = [sample_spec(i, seed=5150, split="heldout") for i in range(args.prompts)]
    cases = [(s.attributes(), render_clip(s, audio=False).frames) for s in specs]
    run(pipe, CacheSettings(name="off"), cases[:1], 2)  # warm up
    full = run(pipe, CacheSettings(name="off"), cases, args.steps)

    settings = ncr_settings()
    if args.peers or args.only:
        settings |= peer_settings(mag_ratios(pipe, args.steps))
    if args.only:
        settings = {k: v for k, v in settings.items() if any(w in k or w in _row_name(k, v) for w in args.only)}
    rows = ["| method, setting | speed-up | PSNR vs full (dB) | alignment (5 attrs) | compute spent |",
            "| --- | --- | --- | --- | --- |",
            f"| full compute | 1.00x | - | {full.alignment:.0%} | 100% |"]
    points: dict[str, list[tuple[float, float]]] = {}
    names: dict[tuple[str, tuple], str] = {}  # (series, point) -> the setting's name
    for name, setting in settings.items():
        result = run(pipe, setting, cases, args.steps, repeats=args.repeats)
        speed, quality = result.speedup, fidelity(result.frames, full.frames)
        rows.append(f"| {_row_name(name, setting)} | {speed:.2f}x "
                    f"| {quality:.1f} | {result.alignment:.0%} | {result.macs / full.macs:.0%} |")
        series = setting.name if setting.name != "ncr" else "ncr" if setting.ncr.reused == "output" else \
            "ncr, residual reuse"
        if setting.name != "ncr" or name.startswith(("step: reuse", "step: noise", "**default**", "residual reuse")):
            points.setdefault(series, []).append((speed, quality))
            names[series, (speed, quality)] = name if setting.name == "ncr" else _row_name(name, setting)
        print(rows[-1], flush=True)

    if args.only:
        body = "\n".join([f"The settings of \"NCR\" (NCR's and its peers') whose name holds {', '.join(args.only)}, "
                           f"measured the same way "
                          f"({args.prompts} held-out prompts, {args.steps} steps, CFG 3, camera guidance on, each "
                          f"prompt timed right after full compute).", "", *rows])
        print(body)
        write_section("NCR: selected settings", f"python -m benchmarks.ncr --only {shlex.join(args.only)}", body)
        return
    frame_rows = ["| mode | given frames | frame level: speed-up, max pixel difference | default NCR: speed-up, PSNR, "
                  "compute |", "| --- | --- | --- | --- |"]
    frame_only = CacheSettings(name="ncr", ncr=NCRConfig(reuse_below=0.0))
    for mode, given in (("i2v", 1), ("extend", 8)):
        base = run(pipe, CacheSettings(name="off"), cases, args.steps, mode)
        exact = run(pipe, frame_only, cases, args.steps, mode, args.repeats)
        diff = max(float(np.abs(a.astype(int) - b.astype(int)).max()) for a, b in zip(exact.frames, base.frames))
        default = run(pipe, CacheSettings(), cases, args.steps, mode, args.repeats)
        frame_rows.append(f"| {mode} | {given}/16 | {exact.speedup:.2f}x, {diff:.0f} of 255 | "
                          f"{default.speedup:.2f}x, {fidelity(default.frames, base.frames):.1f} dB, "
                          f"{default.macs / base.macs:.0%} |")
        print(frame_rows[-1], flush=True)

    if args.peers:
        plot(points, args.plot)
    body = "\n".join([
        f"{args.prompts} held-out T2V prompts (unseen combinations), {args.steps} Euler steps, CFG 3, camera "
        f"guidance on: the sampler `generate` runs. Wall clock of the sampling loop (transformer, guidance, the "
        f"camera guidance's decode/encode); each prompt is timed right after the same prompt at full compute, "
        f"so both see the same machine (the fastest of {args.repeats} each); torch threads "
        f"{torch.get_num_threads()}. Compute: multiply-adds of "
        f"the blocks' linear layers that ran, the same meter for every method.", "", *rows, "",
        *([f"PSNR against speed-up: `{args.plot.replace(str(ROOT) + '/', '')}` (each method's curve joins the "
            f"settings none of its others beats on both).", "",
            "Every peer setting at 2x or more, against the NCR setting at least as fast with the best PSNR:", "",
            *against_peers(points, names), ""] if args.peers else []),
        "Frame level on conditioned modes (given frames run through the blocks once; exact, because given frames "
        "attend only to given frames):", "", *frame_rows,
    ])
    print(body)
    flags = f"--prompts {args.prompts} --steps {args.steps} --repeats {args.repeats}{' --peers' if args.peers else ''}"
    write_section("NCR", f"python -m benchmarks.ncr {flags}", body)


if __name__ == "__main__":
    t = time.perf_counter()
    main()
    print(f"({time.perf_counter() - t:.0f}s)")
