"""The cut: shots in storyboard order, upscaled, at 24 fps, joined by cuts, crossfades or fades.

Frames are repeated to reach 24 fps from the engine's 8 (each engine frame shows for three film frames,
so motion keeps its timing). Upscaling uses a Lanczos filter. Transitions overlap the two shots by half
a second (crossfade) or dip through black (fade); a cut just butts them together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from engine.media import write_video
from tools.common import ToolError

FILM_FPS = 24
TRANSITION_SECONDS = 0.5


class CutShot(BaseModel):
    frames_path: str
    fps: int = 8
    transition: Literal["cut", "crossfade", "fade"] = "cut"  # into this shot


class CutArgs(BaseModel):
    """Join rendered shots into one film."""

    model_config = ConfigDict(extra="forbid")
    shots: list[CutShot] = Field(min_length=1)
    out_path: str
    size: int = Field(256, ge=16, le=1024, description="export side in pixels")
    force: bool = Field(False, description="overwrite an existing file")


def _upscale(frames: np.ndarray, size: int) -> np.ndarray:
    if frames.shape[1] == size and frames.shape[2] == size:
        return frames
    return np.stack([np.asarray(Image.fromarray(f).resize((size, size), Image.LANCZOS)) for f in frames])


def _retime(frames: np.ndarray, fps: int) -> np.ndarray:
    if FILM_FPS % fps:
        raise ToolError(f"shots at {fps} fps cannot be retimed to {FILM_FPS} fps by repetition")
    return np.repeat(frames, FILM_FPS // fps, axis=0)


def assemble(args: CutArgs) -> np.ndarray:
    """The film's frames (N, size, size, 3) uint8."""
    film: np.ndarray | None = None
    overlap = int(TRANSITION_SECONDS * FILM_FPS)
    for shot in args.shots:
        path = Path(shot.frames_path)
        if not path.is_file():
            raise ToolError(f"shot frames missing at {path}: render the shot again (its cache entry was removed)")
        clip = _retime(_upscale(np.load(path), args.size), shot.fps).astype(np.float32)
        if film is None:
            film = clip
            continue
        k = min(overlap, len(film) // 2, len(clip) // 2)
        if shot.transition == "crossfade" and k > 0:
            w = np.linspace(0, 1, k + 2, dtype=np.float32)[1:-1, None, None, None]
            blended = film[-k:] * (1 - w) + clip[:k] * w
            film = np.concatenate([film[:-k], blended, clip[k:]])
        elif shot.transition == "fade" and k > 0:
            down = np.linspace(1, 0, k, dtype=np.float32)[:, None, None, None]
            film = np.concatenate([film[:-k], film[-k:] * down, clip[:k] * down[::-1], clip[k:]])
        else:
            film = np.concatenate([film, clip])
    return np.clip(film + 0.5, 0, 255).astype(np.uint8)


def cut_film(args: CutArgs) -> Path:
    out = Path(args.out_path)
    if out.exists() and not args.force:
        raise ToolError(f"{out} already exists: choose another name or pass --force to overwrite it")
    return write_video(out, assemble(args), FILM_FPS)
