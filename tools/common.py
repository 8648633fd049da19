"""What the video tools share: argument models, the loaded engine, the shot cache and the result.

Every tool takes a pydantic argument model (the same model is the LLM's tool schema), renders through
one loaded pipeline, and returns a ``ShotResult`` that points at files: the shot's native frames
(lossless, for chaining and editing), an mp4 to watch, and its last frame as PNG for the next shot's
image-to-video. A shot is cached under the hash of everything that determines it, so asking again for
the same shot costs nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import time
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.media import write_video
from engine.ncr import NCRConfig
from engine.pipeline import SAMPLER_VERSION, SHIPPED_WEIGHTS, GenerationError, ReelPipeline, StepInfo, load_pipeline
from engine.world.vocab import AXES, check_word

DEFAULT_CACHE = Path.home() / ".cache" / "reelwright" / "shots"


class ToolError(ValueError):
    """A tool call that cannot be carried out; the message is one line saying what to do."""


class ShotAttributes(BaseModel):
    """What the storyboard knows about a shot, in the built-in model's vocabulary (all optional)."""

    model_config = ConfigDict(extra="forbid")
    shape: str | None = None
    colour: str | None = None
    scene: str | None = None
    motion: str | None = None
    camera: str | None = None

    @field_validator("shape", "colour", "scene", "motion", "camera")
    @classmethod
    def _known(cls, value: str | None, info) -> str | None:
        return None if value is None else check_word(info.field_name, value)

    def given(self) -> dict[str, str]:
        return {axis: getattr(self, axis) for axis in AXES if getattr(self, axis) is not None}


class SamplingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    frames: int = Field(16, ge=1, le=64, description="frames at 8 fps (16 = two seconds)")
    steps: int = Field(16, ge=1, le=100, description="denoising steps")
    guidance: float = Field(3.0, ge=1.0, le=15.0, description="classifier-free guidance scale")
    seed: int = Field(0, ge=0, description="same seed and inputs give the same shot")


class ShotResult(BaseModel):
    """Where a rendered shot lives and how it was made."""

    mode: Literal["t2v", "i2v", "v2v", "extend"]
    key: str
    frames_path: str  # (T, H, W, 3) uint8 .npy, lossless
    video_path: str  # mp4 to watch
    last_frame_path: str  # PNG, the start image for a chained next shot
    fps: int
    frame_count: int
    seed: int
    cached: bool
    compute_fraction: float
    timings: dict[str, float]

    def frames(self) -> np.ndarray:
        return np.load(self.frames_path)


class EngineSession:
    """One loaded pipeline shared by every tool call (loading costs seconds; a shot about one)."""

    def __init__(self, weights: str | Path = SHIPPED_WEIGHTS, ncr: NCRConfig | None = None,
                 cache_dir: str | Path = DEFAULT_CACHE):
        self.weights = Path(weights)
        self.ncr = NCRConfig() if ncr is None else ncr
        self.cache_dir = Path(cache_dir)
        self._pipe: ReelPipeline | None = None
        self._lock = threading.Lock()  # the pipeline holds per-generation NCR state: one shot at a time
        self._weights_id: str | None = None

    @property
    def pipe(self) -> ReelPipeline:
        if self._pipe is None:
            try:
                self._pipe = load_pipeline(self.weights, ncr=self.ncr)
            except FileNotFoundError as exc:
                raise ToolError(str(exc)) from None
        return self._pipe

    @property
    def weights_id(self) -> str:
        """Changes when the weights change, so cached shots from other weights are not reused."""
        if self._weights_id is None:
            self._weights_id = weights_fingerprint(self.weights / "transformer", self.weights / "autoencoder")
        return self._weights_id

    def render(self, mode: str, prompt: str, attributes: ShotAttributes, settings: SamplingSettings,
               inputs: dict[str, np.ndarray] | None = None, options: dict | None = None,
               progress=None) -> ShotResult:
        """Render (or fetch from the cache) one shot."""
        inputs, options = inputs or {}, options or {}
        key = shot_key(mode, prompt, attributes, settings, inputs, options, self.weights_id, self.ncr)
        folder = self.cache_dir / key
        meta_path = folder / "shot.json"
        if meta_path.exists() and (folder / "frames.npy").exists():
            result = ShotResult.model_validate_json(meta_path.read_text())
            return result.model_copy(update={"cached": True})

        def on_step(info: StepInfo) -> None:
            if progress is not None:
                progress(info)

        start = time.perf_counter()
        with self._lock:
            try:
                out = self.pipe(prompt, attributes=attributes.given(), mode=mode, image=inputs.get("image"),
                                video=inputs.get("video"), num_frames=settings.frames,
                                num_inference_steps=settings.steps, guidance_scale=settings.guidance,
                                seed=settings.seed, callback=on_step, **options)
            except GenerationError as exc:
                raise ToolError(str(exc)) from None
        frames = out.frames[out.context_frames:] if mode == "extend" else out.frames
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "frames.npy", frames)
        Image.fromarray(frames[-1]).save(folder / "last_frame.png")
        write_video(folder / "shot.mp4", frames, out.fps, scale=4)
        result = ShotResult(mode=mode, key=key, frames_path=str(folder / "frames.npy"),
                            video_path=str(folder / "shot.mp4"), last_frame_path=str(folder / "last_frame.png"),
                            fps=out.fps, frame_count=len(frames), seed=settings.seed, cached=False,
                            compute_fraction=out.compute_fraction,
                            timings={**out.timings, "total": time.perf_counter() - start})
        meta_path.write_text(result.model_dump_json(indent=2))
        return result


def weights_fingerprint(*folders: Path) -> str:
    """Changes when a weight file in ``folders`` changes (name, size, first 64 KB), so results cached
    with other weights are not reused."""
    h = hashlib.sha256()
    for folder in folders:
        for f in sorted(Path(folder).glob("*")):
            if f.is_file():
                h.update(f.name.encode())
                h.update(str(f.stat().st_size).encode())
                h.update(f.read_bytes()[:1 << 16])
    return h.hexdigest()[:16]


def shot_key(mode: str, prompt: str, attributes: ShotAttributes, settings: SamplingSettings,
             inputs: dict[str, np.ndarray], options: dict, weights_id: str, ncr: NCRConfig) -> str:
    """Hash of everything that determines a shot."""
    h = hashlib.sha256()
    h.update(json.dumps({"mode": mode, "prompt": prompt, "attributes": attributes.given(),
                         "settings": settings.model_dump(), "options": options, "weights": weights_id,
                         "ncr": ncr.__dict__, "sampler": SAMPLER_VERSION}, sort_keys=True).encode())
    for name in sorted(inputs):
        array = np.ascontiguousarray(inputs[name])
        h.update(name.encode())
        h.update(str(array.shape).encode())
        h.update(array.tobytes())
    return h.hexdigest()[:24]


def read_image_file(path: str | Path) -> np.ndarray:
    """An RGB image from a file, or a ToolError that says what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise ToolError(f"no image at {path}: give the path of a picture (png, jpg, ...)")
    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))
    except OSError:
        raise ToolError(f"cannot read {path} as a picture: use a png or jpg file") from None


def read_video_file(path: str | Path) -> np.ndarray:
    """Frames of a video (or of a shot's lossless .npy), or a ToolError that says what is wrong."""
    from engine.media import MediaError, read_video

    path = Path(path)
    if path.suffix == ".npy" and path.is_file():
        return np.load(path)
    try:
        return read_video(path, with_audio=False).frames
    except MediaError as exc:
        raise ToolError(str(exc)) from None


@functools.cache
def default_session() -> EngineSession:
    """The process's engine session on the default cache, made on first use."""
    return EngineSession()
