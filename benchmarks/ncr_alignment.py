"""Whether a step cache keeps what was asked for, on many prompts: the evaluator's reading of every attribute
for NCR's settings on either reuse and for MagCache beside them, with the product's sampler.

    .venv/bin/python -m benchmarks.ncr_alignment [--prompts 80] [--steps 16]

benchmarks/ncr.py scores fidelity on 12 prompts; twelve are too few to see a cache lose a few points of
motion. Here every setting draws the engine benchmark's unseen prompts (benchmarks/engine.py, same seeds).
"""

from __future__ import annotations

import argparse
import time

from benchmarks.engine import FOUR, alignment
from benchmarks.ncr import mag_ratios
from benchmarks.report import write_section
from engine.caches import CacheSettings
from engine.ncr import NCRConfig
from engine.pipeline import SHIPPED_WEIGHTS, load_pipeline


def settings(ratios: list[float]) -> dict[str, CacheSettings | None]:
    dense, snr = dict(reuse_every=3, reuse_below=0.9), dict(reuse_snr=2.25, reuse_below=0.85)
    return {
        "full compute": None,
        "NCR default (residual reuse, every 8th runs)": CacheSettings(),
        "NCR whole-output reuse, every 8th runs": CacheSettings(ncr=NCRConfig(reused="output")),
        "NCR residual reuse, every 3rd runs under 0.9": CacheSettings(ncr=NCRConfig(**dense)),
        "NCR whole-output reuse, every 3rd runs under 0.9": CacheSettings(ncr=NCRConfig(**dense, reused="output")),
        "NCR whole-output reuse, log-SNR 2.25 under 0.85": CacheSettings(ncr=NCRConfig(**snr, reused="output")),
        "MagCache 0.12": CacheSettings(name="magcache", threshold=0.12, mag_ratios=ratios),
        "MagCache 0.24": CacheSettings(name="magcache", threshold=0.24, mag_ratios=ratios),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=80)
    parser.add_argument("--steps", type=int, default=16)
    args = parser.parse_args()

    pipe = load_pipeline(SHIPPED_WEIGHTS)
    ratios = mag_ratios(pipe, args.steps)
    axes = ("shape", "colour", "scene", "motion", "camera", "all four")
    rows = ["| setting | " + " | ".join(axes) + " | median seconds a shot |", "| --- |" + " --- |" * (len(axes) + 1)]
    for name, setting in settings(ratios).items():
        pipe.use_cache(setting)
        hits, seconds = alignment(pipe, "heldout", args.prompts, args.steps, 3.0)
        seconds = sorted(seconds)[len(seconds) // 2]
        rows.append(f"| {name} | " + " | ".join(f"{hits[a]:.0%}" for a in axes) + f" | {seconds:.2f} |")
        print(rows[-1], flush=True)
    pipe.use_cache(None)
    body = "\n".join([
        f"{args.prompts} unseen T2V prompts (benchmarks/engine.py's), {args.steps} steps, CFG 3, camera guidance "
        f"on, read back by the evaluator; \"all four\" is {', '.join(FOUR)} all right.", "", *rows])
    print(body)
    write_section("NCR: alignment on many prompts",
                  f"python -m benchmarks.ncr_alignment --prompts {args.prompts} --steps {args.steps}", body)


if __name__ == "__main__":
    t = time.perf_counter()
    main()
    print(f"({time.perf_counter() - t:.0f}s)")
