"""The backend contract: what an engine can do, one request in, one clip out.

Every render in reelwright goes through ``Backend.render(RenderRequest) -> Clip``. The built-in world model
and each diffusers video family implement it; the tools above call it and never a family's pipeline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

Mode = Literal["t2v", "i2v", "v2v", "extend"]
MODES: tuple[Mode, ...] = ("t2v", "i2v", "v2v", "extend")
MODE_NAMES = {"t2v": "text to video", "i2v": "image to video", "v2v": "video to video", "extend": "extend"}


class BackendError(ValueError):
    """A request this backend cannot carry out, or a model folder it cannot use; one line says what to do."""


class RenderLost(BackendError):
    """A render that never finished because what was doing it went away (a cluster worker died); trying the
    same request again may well succeed."""


class Capabilities(BaseModel):
    """What one loaded engine can do; planners, storyboard checks, the gate and the cut read it."""

    model_config = ConfigDict(frozen=True)
    family: Literal["world", "wan", "ltx"]
    name: str  # what a person calls it: "the built-in world model", "Wan (Wan2.1-T2V-1.3B)"
    modes: tuple[Mode, ...]
    free_text: bool  # draws any description; False: only the world vocabulary
    width: int  # native frame size in pixels
    height: int
    fps: int  # native frame rate: a film from this engine is cut at it
    frame_step: int = 1  # frame counts the model takes: frame_step * k + frame_offset
    frame_offset: int = 0
    max_frames: int = Field(64, description="most frames in one render")
    size_multiple: int = 1  # width and height must be multiples of this
    device: str = "cpu"
    default_steps: int = 16  # sensible sampling defaults for this model
    default_guidance: float = 3.0
    note: str | None = None  # what a person should know before rendering (e.g. a real model on a CPU is slow)
    extend_context: int = 4  # how many of a clip's last frames extend continues from (and leaves out of the result)

    def refuse_mode(self, mode: str) -> None:
        """Raise BackendError, in one line, when ``mode`` is not one this engine does."""
        if mode not in self.modes:
            can = ", ".join(f"{m} ({MODE_NAMES[m]})" for m in self.modes)
            raise BackendError(f"{self.name} cannot do {mode} ({MODE_NAMES.get(mode, mode)}); it can do: {can}")

    @property
    def longest_seconds(self) -> float:
        """The longest shot the model draws in one render."""
        return self.max_frames / self.fps

    def extend_frames(self, seconds: float) -> int:
        """Frames to ask of extend so that ``seconds`` are new: the given frames come back and are dropped."""
        return self.frames_for(seconds + self.extend_context / self.fps)

    def frames_for(self, seconds: float) -> int:
        """The nearest frame count the model takes for ``seconds`` at its native rate (at least one step)."""
        want = max(1.0, seconds * self.fps)
        k = max(1 if self.frame_step > 1 else 0, round((want - self.frame_offset) / self.frame_step))
        return min(self.max_frames, self.frame_step * k + self.frame_offset)

    def valid_frames(self, frames: int) -> bool:
        return (1 <= frames <= self.max_frames and frames >= self.frame_offset
                and (frames - self.frame_offset) % self.frame_step == 0)

    def frame_rule(self) -> str:
        if self.frame_step == 1:
            return f"1 to {self.max_frames}"
        return f"{self.frame_step}k+{self.frame_offset} (e.g. {self.frames_for(2.0)}), at most {self.max_frames}"

    def fit_size(self, width: int | None, height: int | None) -> tuple[int, int]:
        """A requested size (None: native) checked against the model's multiple."""
        w, h = width or self.width, height or self.height
        m = self.size_multiple
        if w % m or h % m or w < m or h < m:
            raise BackendError(f"{w}x{h} does not suit {self.name}: width and height must be multiples of {m} "
                               f"(native {self.width}x{self.height})")
        return w, h


class StepEvent(BaseModel):
    """One finished denoising step, for progress displays."""

    step: int
    total: int
    sigma: float = 0.0
    compute_fraction: float = 1.0  # share of the transformer's compute spent this step (caches lower it)


class RenderRequest(BaseModel):
    """Everything that determines one clip (with the backend's weights and settings)."""

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")
    mode: Mode = "t2v"
    prompt: str = Field(min_length=1)
    attributes: dict[str, str] = Field(default_factory=dict)  # world vocabulary, where the planner read it
    image: np.ndarray | None = None  # (H, W, 3) uint8: i2v's start picture
    video: np.ndarray | None = None  # (T, H, W, 3) uint8: v2v's source, extend's clip to continue
    strength: float = Field(0.6, gt=0.0, le=1.0)  # v2v: how much may change
    context_frames: int | None = Field(None, ge=1)  # extend: the clip's last frames to continue from (None: the
    # engine's extend_context)
    anchor_every: int = Field(0, ge=0)  # v2v (world): keep every Nth source frame exactly
    frames: int = Field(16, ge=1)
    steps: int = Field(16, ge=1, le=200)
    guidance: float = Field(3.0, ge=0.0, le=30.0, allow_inf_nan=False)
    seed: int = Field(0, ge=0, lt=2**63)
    width: int | None = Field(None, ge=8)  # None: the backend's native size
    height: int | None = Field(None, ge=8)
    options: dict = Field(default_factory=dict)  # backend-specific settings that change the result


class Clip(BaseModel):
    """A rendered clip: only the frames this render made (extend's given frames are not repeated)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    frames: np.ndarray  # (T, H, W, 3) uint8
    fps: int
    compute_fraction: float = 1.0
    timings: dict[str, float] = Field(default_factory=dict)


ProgressCallback = Callable[[StepEvent], None]


class Backend(Protocol):
    """An engine: the built-in world model or a diffusers video pipeline folder."""

    capabilities: Capabilities

    @property
    def weights_id(self) -> str:
        """Changes whenever the weights or the settings that change a result change (the shot cache keys on it)."""

    @property
    def transformer(self):
        """The denoising transformer (caches and NCR attach to it)."""

    def load(self) -> None:
        """Load the weights now (otherwise the first render does): a cluster worker loads before its first shot."""

    def render(self, request: RenderRequest, callback: ProgressCallback | None = None) -> Clip: ...


def check_request(caps: Capabilities, request: RenderRequest) -> tuple[int, int]:
    """The checks every backend makes before rendering; returns the frame size (width, height)."""
    caps.refuse_mode(request.mode)
    if not caps.valid_frames(request.frames):
        raise BackendError(f"{request.frames} frames does not suit {caps.name}: use {caps.frame_rule()}")
    if request.mode == "i2v" and request.image is None:
        raise BackendError("image to video needs a start image (--image FILE)")
    if request.mode in ("v2v", "extend") and (request.video is None or len(request.video) == 0):
        raise BackendError(f"{request.mode} needs a source clip (--video FILE)")
    if request.mode == "extend" and request.frames < 2:
        raise BackendError("extend gives back the frames it continues from and needs at least one more: ask for at "
                           "least 2 frames")
    return caps.fit_size(request.width, request.height)


def weights_fingerprint(*folders: Path) -> str:
    """Changes when a weight file in ``folders`` changes (name, size, first 64 KB), so results cached
    with other weights are not reused."""
    h = hashlib.sha256()
    for folder in folders:
        for f in sorted(Path(folder).glob("*")):
            if f.is_file():
                h.update(f.name.encode())
                h.update(str(f.stat().st_size).encode())
                with f.open("rb") as stream:
                    h.update(stream.read(1 << 16))
    return h.hexdigest()[:16]


def quiet_libraries() -> None:
    """Library chatter (deprecations, 'Loading weights' bars) is not for a person's terminal."""
    import logging

    from diffusers.utils import logging as dlog
    from transformers.utils import logging as tlog

    dlog.set_verbosity_error()
    dlog.disable_progress_bar()
    tlog.set_verbosity_error()
    tlog.disable_progress_bar()
    logging.getLogger("accelerate").setLevel(logging.ERROR)
