"""Checks any engine's clip can be held to from its pixels alone, with no model that reads content.

A real video model draws free text, which the world evaluator cannot read; what can still be measured
honestly is whether the picture is there at all (not blank), whether it moves when the shot asks for
movement (and is not frozen), whether it flickers, and how well a chained shot's first frame continues the
frame it starts from. Thresholds are on 0-255 pixel values of frames read at most 128 px on a side.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from pydantic import BaseModel

from engine.eval.metrics import psnr

BLANK_STD = 4.0  # a frame whose pixels vary less than this is blank (one flat colour)
FROZEN_DIFF = 0.5  # mean absolute change per frame below which the clip is a still picture
MOTION_DIFF = 1.5  # ... and the least a shot that asks for movement must show
FLICKER_JUMP = 12.0  # a frame-to-frame brightness jump this large, reversed on the next frame, is a flicker
JOIN_PSNR = 20.0  # dB: a chained shot's first frame against the frame it continues from
READ_SIDE = 128


class PixelReport(BaseModel):
    """What the pixels show, and which checks the clip passed."""

    blank_frames: float  # share of frames that are blank
    mean_change: float  # mean absolute pixel change per frame
    flicker: float  # share of frame steps that flicker
    join_psnr: float | None = None  # against the previous shot's last frame, for a chained shot
    checks: dict[str, bool]

    @property
    def passed(self) -> bool:
        return all(self.checks.values())

    @property
    def score(self) -> float:
        return sum(self.checks.values()) / len(self.checks)


def _small(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames, dtype=np.uint8)
    h, w = frames.shape[1:3]
    if max(h, w) <= READ_SIDE:
        return frames.astype(np.float32)
    scale = READ_SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.stack([np.asarray(Image.fromarray(f).resize(size, Image.BILINEAR)) for f in frames]).astype(np.float32)


def check_pixels(frames: np.ndarray, wants_motion: bool, previous_frame: np.ndarray | None = None) -> PixelReport:
    """Pixel checks of a clip (T, H, W, 3) uint8; ``previous_frame`` is the frame a chained shot continues."""
    small = _small(frames)
    blank = float(np.mean([f.std() < BLANK_STD for f in small]))
    steps = np.abs(np.diff(small, axis=0)).mean(axis=(1, 2, 3)) if len(small) > 1 else np.zeros(0)
    change = float(steps.mean()) if len(steps) else 0.0
    brightness = small.mean(axis=(1, 2, 3))
    jumps = np.diff(brightness)
    flicker = 0.0
    if len(jumps) > 1:  # up then straight back down (or the reverse): a flash, not a change of light
        flashes = (np.abs(jumps[:-1]) > FLICKER_JUMP) & (np.abs(jumps[1:]) > FLICKER_JUMP) & (
            np.sign(jumps[:-1]) != np.sign(jumps[1:]))
        flicker = float(flashes.mean())
    checks = {"not_blank": blank < 0.5, "not_frozen": len(small) < 2 or change >= FROZEN_DIFF,
              "no_flicker": flicker < 0.1}
    if wants_motion and len(small) > 1:
        checks["moves"] = change >= MOTION_DIFF
    join = None
    if previous_frame is not None:
        before = _small(np.asarray(previous_frame)[None])[0]
        first = small[0]
        if before.shape != first.shape:
            before = np.asarray(Image.fromarray(before.astype(np.uint8)).resize(first.shape[1::-1]), np.float32)
        join = psnr(before, first)
        checks["continues"] = join >= JOIN_PSNR
    return PixelReport(blank_frames=blank, mean_change=change, flicker=flicker, join_psnr=join, checks=checks)
