"""Score a video file from anywhere: decode, bring to evaluator size, read attributes and sound onsets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from pydantic import BaseModel

from engine.eval.sync import detect_onsets
from engine.eval.video import read_clip
from engine.media import read_video

MAX_SIDE = 128  # the evaluator's measures are relative; beyond this size they only cost time


def fit_frames(frames: np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    """Downscale (box filter) so the longer side is at most ``max_side``; small clips pass through."""
    t, h, w, _ = frames.shape
    scale = max(h, w) / max_side
    if scale <= 1:
        return frames
    size = (max(16, round(w / scale)), max(16, round(h / scale)))
    return np.stack([np.asarray(Image.fromarray(f).resize(size, Image.BOX)) for f in frames])


class CameraReading(BaseModel):
    shift: float  # frame widths the camera moved right over the clip
    zoom: float  # zoom factor from the first frame to the last


class FileReading(BaseModel):
    """Everything the evaluator can say about a video file (``reelwright evaluate``)."""

    file: str
    frames: int
    fps: float
    size: tuple[int, int]  # width, height
    attributes: dict[str, str]  # shape, colour, scene, motion, camera as read from the pixels
    subject_found: float  # share of frames the subject was found in
    camera: CameraReading
    sound_onsets: list[float] | None  # seconds; None when the file has no sound


def score_file(path: str | Path) -> FileReading:
    clip = read_video(path)
    reading = read_clip(fit_frames(clip.frames))
    onsets = detect_onsets(clip.audio, clip.sample_rate).tolist() if clip.audio is not None else None
    return FileReading(file=str(path), frames=len(clip.frames), fps=clip.fps,
                       size=(int(clip.frames.shape[2]), int(clip.frames.shape[1])), attributes=reading.attributes,
                       subject_found=reading.found,
                       camera=CameraReading(shift=reading.camera_shift, zoom=reading.camera_zoom),
                       sound_onsets=onsets)
