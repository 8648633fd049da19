"""World renderer speed and evaluator accuracy on fresh ground-truth renders, as rendered and softened the
way generated frames are (through the shipped autoencoder, blurred).

    .venv/bin/python -m benchmarks.world [--clips 500]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable

import numpy as np
import torch
from scipy import ndimage

from benchmarks.report import write_section
from engine.autoencoder import VideoAutoencoder, frames_to_tensor, tensor_to_frames
from engine.eval.sync import detect_onsets, score_onsets
from engine.eval.video import read_clip
from engine.world import AXES, render_clip
from engine.world.dataset import sample_spec, stream_clips

AUTOENCODER = "engine/weights/autoencoder"


def render_speed(side: int, audio: bool, seconds: float = 4.0) -> float:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        render_clip(sample_spec(n, seed=99, split="all", height=side, width=side), audio=audio)
        n += 1
    return n / (time.perf_counter() - start)


def pooled_speed(side: int, workers: int, count: int = 6000) -> float:
    start = time.perf_counter()
    for _ in stream_clips(seed=99, count=count, split="all", workers=workers, height=side, width=side):
        pass
    return count / (time.perf_counter() - start)


def softeners() -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Ways a generated clip is softer than a render: the shipped decoder's round trip (what perfect latents
    decode to) and Gaussian blur."""
    vae = VideoAutoencoder.from_pretrained(AUTOENCODER).eval()

    @torch.no_grad()
    def round_trip(frames: np.ndarray) -> np.ndarray:
        return tensor_to_frames(vae.decode(vae.encode(frames_to_tensor(frames)[None])))[0]

    def blur(sigma: float) -> Callable[[np.ndarray], np.ndarray]:
        return lambda frames: np.clip(ndimage.gaussian_filter(frames.astype(np.float32), (0, sigma, sigma, 0)),
                                      0, 255).astype(np.uint8)

    return {"autoencoder round trip": round_trip, "blur 1.2 px": blur(1.2), "blur 2 px": blur(2.0)}


def tally(counter: Counter, seen: dict[str, str], truth: dict[str, str]) -> None:
    """Count each attribute read right, and the clips with all five right."""
    ok = [a for a in AXES if seen[a] == truth[a]]
    counter.update(ok)
    counter["all five together"] += len(ok) == len(AXES)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=500)
    args = parser.parse_args()

    speeds = {(side, audio): render_speed(side, audio) for side in (32, 64) for audio in (False, True)}
    pooled = pooled_speed(32, workers=2)

    correct, tp, n_est, n_ref, errors = Counter(), 0, 0, 0, []
    soften = softeners()
    soft_correct = {name: Counter() for name in soften}
    seconds = 0.0
    for i in range(args.clips):
        clip = render_clip(sample_spec(i, seed=2026, split="all"))  # fresh: a seed no test or training uses
        start = time.perf_counter()
        seen = read_clip(clip.frames).attributes
        seconds += time.perf_counter() - start
        tally(correct, seen, clip.attributes)
        for name, fn in soften.items():
            tally(soft_correct[name], read_clip(fn(clip.frames)).attributes, clip.attributes)
        ref = np.array([e.time for e in clip.events])
        score = score_onsets(detect_onsets(clip.audio, clip.sample_rate), ref)
        n_ref += len(ref)
        n_est += score.detected
        tp += round(score.recall * len(ref)) if len(ref) else 0
        if score.median_error_ms is not None:
            errors.append(score.median_error_ms)
    precision, recall = tp / max(n_est, 1), tp / max(n_ref, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)

    body = ["| renderer | clips/s (one process) |", "| --- | --- |"]
    for (side, audio), rate in speeds.items():
        body.append(f"| {side}x{side}, 16 frames{' + soundtrack' if audio else ''} | {rate:,.0f} |")
    body.append(f"| 32x32, 16 frames, `stream_clips(workers=2)` on both cores | {pooled:,.0f} |")
    body += ["", f"Evaluator on {args.clips} fresh renders at the training size (64x64, 16 frames, all "
             f"combinations and camera moves), {seconds / args.clips * 1000:.0f} ms per clip:", "",
             f"| attribute | as rendered | {' | '.join(soften)} |", "| --- | --- |" + " --- |" * len(soften)]
    for a in (*AXES, "all five together"):
        body.append(f"| {a} | {correct[a] / args.clips:.1%} | "
                    + " | ".join(f"{soft_correct[name][a] / args.clips:.1%}" for name in soften) + " |")
    body += ["", f"Onsets on the same clips' ground-truth soundtracks ({n_ref} events): F1 {f1:.3f} within "
             f"±50 ms (precision {precision:.3f}, recall {recall:.3f}), median absolute error "
             f"{np.median(errors):.1f} ms."]
    print("\n".join(body))
    write_section("World renderer and evaluator", f"python -m benchmarks.world --clips {args.clips}", "\n".join(body))


if __name__ == "__main__":
    main()
