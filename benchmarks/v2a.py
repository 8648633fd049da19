"""V2A: sync, silence, scene ambience and speed, on held-out world renders and on clips our DiT drew.

    .venv/bin/python -m benchmarks.v2a [--clips 200] [--dit-clips 24] [--long 60]

Onsets are found in the generated waveform (engine.eval.sync, librosa + mir_eval: F1 within +-50 ms,
median absolute error of matched onsets). References: the renderer's true event times for world clips;
for DiT clips, which have no ground truth, the impacts the evaluator times from the generated picture.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.report import write_section
from engine.eval.audio import AudioSceneClassifier
from engine.eval.sync import detect_onsets, score_onsets
from engine.eval.video import CAMERA_SEARCH
from engine.v2a.impacts import impacts_from_frames
from engine.v2a.pipeline import SHIPPED_V2A, V2APipeline
from engine.world.captions import canonical_caption
from engine.world.dataset import sample_spec
from engine.world.render import render_clip
from engine.world.vocab import make_spec


class Tally:
    """Onset matches pooled over clips, plus silence on clips where nothing happens."""

    def __init__(self):
        self.hits = self.detected = self.expected = 0
        self.errors: list[float] = []
        self.quiet_clips = self.quiet_ok = 0
        self.seconds = self.audio_seconds = 0.0
        self.scene_hits = self.scene_total = 0

    def add(self, audio: np.ndarray, rate: int, reference: list[float]) -> None:
        found = detect_onsets(audio, rate)
        if not reference:
            self.quiet_clips += 1
            self.quiet_ok += len(found) == 0
        score = score_onsets(found, np.array(reference))
        matched = round(score.recall * len(reference)) if reference else 0
        self.hits += matched
        self.detected += len(found)
        self.expected += len(reference)
        if score.median_error_ms is not None and reference:
            import mir_eval

            ref, est = np.sort(reference), np.sort(found)
            self.errors += [abs(ref[i] - est[j]) * 1000 for i, j in mir_eval.util.match_events(ref, est, 0.05)]

    def row(self, name: str) -> str:
        precision = self.hits / max(self.detected, 1)
        recall = self.hits / max(self.expected, 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        median = f"{np.median(self.errors):.1f}" if self.errors else "n/a"
        quiet = f"{self.quiet_ok}/{self.quiet_clips}" if self.quiet_clips else "n/a"
        scene = f"{self.scene_hits / self.scene_total:.0%}" if self.scene_total else "n/a"
        speed = f"{self.audio_seconds / self.seconds:.0f}x" if self.seconds else "n/a"
        return (f"| {name} | {self.expected} | {f1:.3f} | {precision:.3f} | {recall:.3f} | {median} | {quiet} | "
                f"{scene} | {speed} |")


def world_clips(pipe: V2APipeline, classifier: AudioSceneClassifier | None, count: int) -> tuple[Tally, Tally]:
    ours, truth = Tally(), Tally()
    for i in range(count):
        clip = render_clip(sample_spec(i, seed=2024, split="heldout"))
        start = time.perf_counter()
        track = pipe(clip.frames, clip.fps, seed=i)
        ours.seconds += time.perf_counter() - start
        ours.audio_seconds += len(track.audio) / track.sample_rate
        events = [e.time for e in clip.events]
        ours.add(track.audio, track.sample_rate, events)
        truth.add(clip.audio, clip.sample_rate, events)
        if classifier is not None:
            ours.scene_total += 1
            ours.scene_hits += classifier.predict(track.audio, track.sample_rate) == clip.spec.scene
            truth.scene_total += 1
            truth.scene_hits += classifier.predict(clip.audio, clip.sample_rate) == clip.spec.scene
    return ours, truth


def long_clip(pipe: V2APipeline, seconds: int) -> Tally:
    """One long render (several falls would need several clips; a long bounce decays, so chain clips)."""
    tally = Tally()
    parts = [render_clip(make_spec(shape=s, colour="red", scene=sc, motion="bounces", seed=k, frames=32))
             for k, (s, sc) in enumerate(zip(["ball", "cube", "ring", "triangle"] * 99,
                                              ["meadow", "desert", "snowfield", "night"] * 99))]
    parts = parts[: max(1, seconds // 4)]
    frames = np.concatenate([p.frames for p in parts])
    events = [e.time + 4.0 * k for k, p in enumerate(parts) for e in p.events]
    start = time.perf_counter()
    track = pipe(frames, parts[0].fps)
    tally.seconds = time.perf_counter() - start
    tally.audio_seconds = len(track.audio) / track.sample_rate
    tally.add(track.audio, track.sample_rate, events)
    return tally


def dit_clips(pipe: V2APipeline, count: int) -> Tally:
    from engine.pipeline import load_pipeline

    engine = load_pipeline()
    tally = Tally()
    motions = ["falls", "bounces", "still", "moves left"]
    for i in range(count):
        spec = sample_spec(i, seed=99, split="heldout")
        attrs = spec.attributes() | {"motion": motions[i % len(motions)]}
        out = engine(canonical_caption(attrs), attributes=attrs, num_inference_steps=16, guidance_scale=3.0, seed=i)
        reference = [imp.time for imp in impacts_from_frames(out.frames, out.fps, search=CAMERA_SEARCH)]
        start = time.perf_counter()
        track = pipe(out.frames, out.fps, seed=i)
        tally.seconds += time.perf_counter() - start
        tally.audio_seconds += len(track.audio) / track.sample_rate
        tally.add(track.audio, track.sample_rate, reference)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=200)
    parser.add_argument("--dit-clips", type=int, default=24)
    parser.add_argument("--long", type=int, default=60, help="seconds of the long-video check")
    args = parser.parse_args()
    pipe = V2APipeline.from_pretrained(SHIPPED_V2A)
    ours, truth = world_clips(pipe, pipe.scene_classifier, args.clips)
    long = long_clip(pipe, args.long)
    dit = dit_clips(pipe, args.dit_clips) if args.dit_clips else None
    head = ("| clips | reference onsets | F1 (±50 ms) | precision | recall | median error ms | silent when nothing "
            "happens | scene from audio | speed (x real time) |\n|---|---|---|---|---|---|---|---|---|")
    rows = [ours.row(f"V2A on {args.clips} held-out world renders"),
            truth.row("(ground-truth soundtracks of the same clips)"),
            long.row(f"V2A on one {long.audio_seconds:.0f}-s video (windows)")]
    if dit is not None:
        rows.append(dit.row(f"V2A on {args.dit_clips} DiT clips (reference: impacts seen in the picture)"))
    body = "\n".join([head, *rows]) + (
        "\n\nSpeed is V2A's whole path (visual features, model, Griffin-Lim, loudness) over the clip's duration. "
        "\"Silent\" counts clips without events (still, moving, growing subjects) whose sound has no onset. "
        "Scene from audio: the shipped nearest-centroid classifier (fitted on ground-truth soundtracks) "
        "applied to V2A's output.\n")
    write_section("V2A", f"python -m benchmarks.v2a --clips {args.clips} --dit-clips {args.dit_clips} "
                         f"--long {args.long}", body)
    print(body)


if __name__ == "__main__":
    main()
