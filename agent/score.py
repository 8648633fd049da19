"""Score a finished film: per shot, what the evaluator sees against what was asked, and the joins.

With a storyboard the film is cut where the storyboard says (transitions accounted for); without one,
shots are found where the picture changes abruptly, so a film made anywhere can be scored.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel

from agent.storyboard import Storyboard
from engine.eval.files import fit_frames
from engine.eval.metrics import psnr
from engine.eval.sync import detect_onsets
from engine.eval.video import read_clip
from engine.media import read_video
from tools.cut import TRANSITION_SECONDS

ENGINE_FPS = 8


class ShotScore(BaseModel):
    shot: int  # 1-based, in film order
    start: float  # seconds into the film
    end: float
    seen: dict[str, str]  # what the evaluator reads from the shot's pixels
    asked: dict[str, str | None] | None = None  # the storyboard's world attributes (None without them)
    alignment: float | None = None  # share of the asked attributes seen
    same_subject_as_previous: bool | None = None  # None for the first shot
    join_psnr: float | None = None  # dB between the last frame before the shot and its first


class FilmScore(BaseModel):
    """``reelwright score``: a finished film read back by the evaluator."""

    file: str
    shots: list[ShotScore]
    fps: float
    frames: int
    alignment: float | None = None  # the shots' mean, with a storyboard that names world attributes
    warning: str | None = None  # the storyboard and the film disagree on the number of shots
    sound_onsets: list[float] | None = None  # seconds; None when the film has no sound


def shot_spans(board: Storyboard, fps: float) -> list[tuple[int, int]]:
    """(start, end) film frames of each shot; a crossfade makes two shots overlap."""
    spans, start = [], 0
    for i, shot in enumerate(board.shots):
        if i and shot.transition == "crossfade":
            start -= int(TRANSITION_SECONDS * fps)
        end = start + int(round(shot.duration * fps))
        spans.append((start, end))
        start = end
    return spans


def detect_spans(frames: np.ndarray, min_len: int = 6) -> list[tuple[int, int]]:
    """Shot boundaries where consecutive frames differ far more than usual."""
    small = fit_frames(frames, 64).astype(np.float32)
    diff = np.abs(np.diff(small, axis=0)).mean(axis=(1, 2, 3))  # (N-1,)
    if len(diff) == 0:
        return [(0, len(frames))]
    threshold = max(20.0, float(np.median(diff)) * 6)
    cuts = [i + 1 for i, d in enumerate(diff) if d > threshold]
    bounds = [0]
    for c in cuts:
        if c - bounds[-1] >= min_len:
            bounds.append(c)
    bounds.append(len(frames))
    return list(zip(bounds[:-1], bounds[1:]))


def score_film(path: str | Path, board: Storyboard | None = None) -> FilmScore:
    clip = read_video(path)
    frames, fps = clip.frames, clip.fps
    spans = shot_spans(board, fps) if board is not None else detect_spans(frames)
    if board is not None and (not spans or spans[-1][1] > len(frames) + 2 or any(e - s < 1 for s, e in spans)):
        raise ValueError(f"the storyboard describes {board.duration:g} s of film but {path} is "
                         f"{len(frames) / fps:.1f} s: give the storyboard this film was made from")
    step = max(1, round(fps / ENGINE_FPS))  # the evaluator reads motion at the engine's frame rate
    blend = int(TRANSITION_SECONDS * fps)
    shots, previous = [], None
    for i, (start, end) in enumerate(spans):
        # Leave transitions out (a crossfade shows two shots at once); a plain cut needs no margin.
        lead = blend if board is not None and i and board.shots[i].transition != "cut" else 0
        tail = blend if board is not None and i + 1 < len(board.shots) and board.shots[i + 1].transition != "cut" else 0
        inner = frames[start + lead:end - tail] if end - start > lead + tail + 2 else frames[start:end]
        seen = read_clip(fit_frames(inner[::step])).attributes
        entry = ShotScore(shot=i + 1, start=start / fps, end=end / fps, seen=seen)
        if board is not None and i < len(board.shots) and not board.shots[i].missing_world_attributes:
            want = board.shots[i].attributes
            entry.asked = want
            entry.alignment = sum(seen[a] == want[a] for a in want) / len(want)
        if previous is not None:
            entry.same_subject_as_previous = seen["colour"] == previous["colour"] and seen["shape"] == previous["shape"]
            entry.join_psnr = min(psnr(frames[start - 1], frames[start]), 99.0) if start > 0 else None
        previous = seen
        shots.append(entry)
    report = FilmScore(file=str(path), shots=shots, fps=fps, frames=len(frames))
    if board is not None:
        aligned = [s.alignment for s in shots if s.alignment is not None]
        if aligned:  # a free-text storyboard names no world attributes to read back
            report.alignment = float(np.mean(aligned))
        if len(board.shots) != len(spans):
            report.warning = f"the storyboard has {len(board.shots)} shots, the film {len(spans)}"
    if clip.audio is not None:
        report.sound_onsets = detect_onsets(clip.audio, clip.sample_rate).tolist()
    return report
