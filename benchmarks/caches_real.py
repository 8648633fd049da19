"""NCR and diffusers' caches on real model families (Wan, LTX-Video) at equal steps: speed-up and compute.

    .venv/bin/python -m benchmarks.caches_real [--families wan ltx] [--preset mid] [--steps 10] [--device cpu]

The transformers are built locally with random weights (engine/backends/random_init.py: ``mid`` is a small
model that runs on a CPU; ``full`` has the shapes of Wan 2.1 1.3B and LTX-Video 2B, for a GPU), so the
pictures mean nothing and fidelity is not reported: only the sampling time against full compute, and the
share of the blocks' multiply-adds spent, each cache at its default setting, through the product's own
backend (``DiffusersBackend``, the same path as ``--model DIR --cache NAME``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from benchmarks.backends import SHAPES
from benchmarks.report import write_section
from engine.backends import RenderRequest
from engine.backends.diffusers_video import DiffusersBackend
from engine.backends.random_init import build_ltx, build_wan
from engine.caches import CACHES, CacheSettings
from engine.ncr import NCRConfig

# NCR's levels apart, beside its default (the step level): the token level alone, and both together.
NCR_VARIANTS = {"ncr token 50%": NCRConfig(reuse_below=0.0, token_ratio=0.5, refresh_every=3),
                "ncr token 50% + step": NCRConfig(token_ratio=0.5, refresh_every=3)}


def render_seconds(folder: Path, cache: str, request: RenderRequest, device: str) -> tuple[float, float]:
    """Sampling seconds and compute spent of one render, after a first render that loads the weights (and, for
    MagCache, calibrates its ratios on this model)."""
    settings = CacheSettings(name="ncr", ncr=NCR_VARIANTS[cache]) if cache in NCR_VARIANTS else CacheSettings(
        name=cache)
    backend = DiffusersBackend(folder, device=device, cache=settings)
    warm = request if cache == "magcache" else request.model_copy(update={"steps": 1})
    backend.render(warm)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    clip = backend.render(request)
    return clip.timings["sampling"], clip.compute_fraction


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", nargs="+", default=["wan", "ltx"])
    parser.add_argument("--preset", default="mid")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    rows = ["| family | cache | sampling (s) | speed-up | compute spent |", "| --- | --- | --- | --- | --- |"]
    with tempfile.TemporaryDirectory() as tmp:
        for family in args.families:
            build = build_wan if family == "wan" else build_ltx
            folder = build(Path(tmp) / family, preset=args.preset)
            width, height, frames = SHAPES[(family, args.preset)]
            request = RenderRequest(mode="t2v", prompt="a red ball bounces across a meadow", frames=frames,
                                    steps=args.steps, guidance=5.0, seed=0, width=width, height=height)
            base = None
            for cache in ("off", *[c for c in CACHES if c != "off"], *NCR_VARIANTS):
                try:
                    seconds, spent = render_seconds(folder, cache, request, args.device)
                except Exception as exc:  # a cache diffusers does not support on this family: say so
                    rows.append(f"| {family} | {cache} | - | - | not applicable: {str(exc).splitlines()[0][:90]} |")
                    print(rows[-1], flush=True)
                    continue
                base = seconds if cache == "off" else base
                rows.append(f"| {family} | {cache} | {seconds:.1f} | {base / seconds:.2f}x | {spent:.0%} |")
                print(rows[-1], flush=True)
    device = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"
    shapes = ", ".join(f"{f} " + "x".join(map(str, SHAPES[(f, args.preset)])) for f in args.families)
    body = "\n".join([
        f"Random-weight `{args.preset}` transformers ({device}), {args.steps} steps, CFG 5, t2v at {shapes} "
        f"(width x height x frames), each cache at its default setting, and NCR's token level (50% of the tokens "
        f"on two steps in three) alone and with its default step level. Random weights make the pictures "
        f"meaningless, so no fidelity is given: speed and compute only. Wan's pipeline calls the transformer "
        f"once per guidance branch (NCR keeps one cache per branch); LTX's batches both.", "", *rows])
    print(body)
    write_section(f"Caches on real model families ({args.preset}, {device})",
                  f"python -m benchmarks.caches_real --preset {args.preset} --steps {args.steps} --device "
                  f"{args.device}", body)


if __name__ == "__main__":
    t = time.perf_counter()
    main()
    print(f"({time.perf_counter() - t:.0f}s)")
