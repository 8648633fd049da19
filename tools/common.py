"""What the video tools share: argument models, the loaded engine, the shot cache and the result.

Every tool takes a pydantic argument model (the same model is the LLM's tool schema), renders through
one loaded engine backend (the built-in world model or a diffusers video model), and returns a
``ShotResult`` that points at files: the shot's native frames (lossless, for chaining and the cut), an mp4
to watch, and its last frame as PNG for the next shot's image-to-video. A shot is cached under the hash
of everything that determines it, so asking again for the same shot costs nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from engine.backends import Backend, BackendError, Capabilities, RenderRequest, load_backend
from engine.backends.base import RenderLost
from engine.caches import CacheSettings
from engine.media import write_video
from engine.pipeline import SAMPLER_VERSION, SHIPPED_WEIGHTS
from engine.world.vocab import AXES, check_word
from tools.film_report import EngineRecord

DEFAULT_CACHE = Path.home() / ".cache" / "reelwright" / "shots"


class ToolError(ValueError):
    """A tool call that cannot be carried out; the message is one line saying what to do."""


class RenderCancelled(ToolError):
    """The person stopped the render (it stops after the step in hand); finished shots are kept."""


class ShotLost(ToolError):
    """A shot the cluster could not finish (its worker died on every try): the film's other shots go on."""


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
    """How a shot is sampled; what is left out is the engine's own default (two seconds, its steps, its guidance)."""

    model_config = ConfigDict(extra="forbid")
    frames: int | None = Field(None, ge=1, le=1024, description="frames at the engine's native rate (it bounds them)")
    steps: int | None = Field(None, ge=1, le=200, description="denoising steps")
    guidance: float | None = Field(None, ge=1.0, le=15.0, allow_inf_nan=False,
                                   description="classifier-free guidance scale")
    seed: int = Field(0, ge=0, lt=2**63, description="same seed and inputs give the same shot")


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


class VideoEngine:
    """One loaded engine shared by every tool call (loading costs seconds; a shot about one).

    ``model``: a diffusers Wan / LTX-Video folder (None: the built-in world model, from ``weights``);
    ``size``: (width, height) to render a real model's shots at (None: its native size);
    ``cluster``: render on Ray actors instead of here (engine.cluster); shots land in the same cache."""

    def __init__(self, weights: str | Path = SHIPPED_WEIGHTS, cache: CacheSettings | None = None,
                 cache_dir: str | Path = DEFAULT_CACHE, model: str | Path | None = None, device: str | None = None,
                 offload: str = "none", size: tuple[int, int] | None = None, cluster=None):
        self.weights = Path(weights)
        self.model = Path(model) if model else None
        self.cache = CacheSettings() if cache is None else cache
        self.cache_dir = Path(cache_dir)
        self.device, self.offload, self.size = device, offload, size
        self.cluster = cluster  # engine.cluster.ClusterConfig | None
        self._backend: Backend | None = None
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self.cancel = threading.Event()  # set: every render stops after its current step (RenderCancelled)

    @property
    def backend(self) -> Backend:
        """The engine, checked on first use (a wrong model folder or an unreachable cluster is a ToolError);
        weights load on first render (on a cluster, as each worker starts)."""
        if self._backend is None:
            try:
                local = load_backend(self.model, weights=self.weights, cache=self.cache, device=self.device,
                                     offload=self.offload)
                if self.cluster is not None:
                    from engine.cluster import ClusterBackend, engine_spec

                    spec = engine_spec(self.model, self.weights, self.cache, self.device, self.offload)
                    local = ClusterBackend(local, spec, self.cluster)
                self._backend = local
            except BackendError as exc:
                raise ToolError(str(exc)) from None
        return self._backend

    def close(self) -> None:
        """Let go of what the engine holds outside this process (a cluster's workers)."""
        if self._backend is not None and hasattr(self._backend, "close"):
            self._backend.close()

    @property
    def capabilities(self) -> Capabilities:
        return self.backend.capabilities

    @property
    def weights_id(self) -> str:
        """Changes when the weights change, so cached shots from other weights are not reused."""
        return self.backend.weights_id

    @property
    def settings_record(self) -> EngineRecord:
        """How this engine samples, for reports: the model, and the compute saving in force."""
        caps = self.capabilities
        return EngineRecord(engine=caps.name, family=caps.family, model=str(self.model) if self.model else None,
                            cache=self.cache.describe(), device=caps.device,
                            offload=self.offload if self.model else None,
                            cluster={"address": self.cluster.address, **self.backend.layout} if self.cluster else None)

    def render(self, mode: str, prompt: str, attributes: ShotAttributes, settings: SamplingSettings,
               inputs: dict[str, np.ndarray] | None = None, options: dict | None = None,
               progress=None) -> ShotResult:
        """Render (or fetch from the cache) one shot."""
        inputs, options = inputs or {}, options or {}
        backend = self.backend
        width, height = self.size or (None, None)
        try:
            caps = backend.capabilities
            frames = settings.frames or (caps.extend_frames(2.0) if mode == "extend" else caps.frames_for(2.0))
            request = RenderRequest(mode=mode, prompt=prompt, attributes=attributes.given(), image=inputs.get("image"),
                                    video=inputs.get("video"), frames=frames,
                                    steps=settings.steps or caps.default_steps,
                                    guidance=settings.guidance or caps.default_guidance, seed=settings.seed,
                                    width=width, height=height,
                                    **{k: v for k, v in options.items() if k in RenderRequest.model_fields},
                                    options={k: v for k, v in options.items() if k not in RenderRequest.model_fields})
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ToolError(f"{'.'.join(map(str, err['loc']))}: {err['msg']}") from None
        key = shot_key(request, backend, self.cache)
        with self._key_lock(key):  # the same shot asked for twice at once (two films of a batch) renders once
            return self._cached(key) or self._render_into_cache(key, request, progress)

    def _key_lock(self, key: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(key, threading.Lock())

    def _cached(self, key: str) -> ShotResult | None:
        folder = self.cache_dir / key
        if (folder / "shot.json").exists() and (folder / "frames.npy").exists():
            result = ShotResult.model_validate_json((folder / "shot.json").read_text())
            return result.model_copy(update={"cached": True})
        return None

    def _render_into_cache(self, key: str, request: RenderRequest, progress) -> ShotResult:
        start = time.perf_counter()

        def on_step(event) -> None:
            if progress is not None:
                progress(event)
            if self.cancel.is_set() and event.step < event.total:  # a clip whose last step is done is kept
                raise RenderCancelled("stopped after the current step, as asked; finished shots are kept")

        if self.cancel.is_set():
            raise RenderCancelled("stopped, as asked; finished shots are kept")
        try:
            clip = self.backend.render(request, on_step)
        except RenderLost as exc:
            raise ShotLost(str(exc)) from None
        except BackendError as exc:
            raise ToolError(str(exc)) from None
        frames = clip.frames
        folder = self.cache_dir / key
        # Written beside the entry and moved into place whole: a killed run or another process writing the same
        # shot never leaves an entry that looks finished and is not.
        partial = self.cache_dir / f".{key}.{os.getpid()}.{threading.get_ident()}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        np.save(partial / "frames.npy", frames)
        Image.fromarray(frames[-1]).save(partial / "last_frame.png")
        write_video(partial / "shot.mp4", frames, clip.fps, scale=max(1, 256 // max(frames.shape[1:3])))
        result = ShotResult(mode=request.mode, key=key, frames_path=str(folder / "frames.npy"),
                            video_path=str(folder / "shot.mp4"), last_frame_path=str(folder / "last_frame.png"),
                            fps=clip.fps, frame_count=len(frames), seed=request.seed, cached=False,
                            compute_fraction=clip.compute_fraction,
                            timings={**clip.timings, "total": time.perf_counter() - start})
        (partial / "shot.json").write_text(result.model_dump_json(indent=2))
        if folder.exists() and self._cached(key) is None:
            shutil.rmtree(folder, ignore_errors=True)  # a half-written entry from before
        try:
            partial.rename(folder)
        except OSError:  # another process finished the same shot first: its entry is the same shot
            shutil.rmtree(partial, ignore_errors=True)
        return result


def shot_key(request: RenderRequest, backend: Backend, cache: CacheSettings) -> str:
    """Hash of everything that determines a shot: the request, the weights, and how the engine samples."""
    world = backend.capabilities.family == "world"
    fields = request.model_dump(exclude={"image", "video"})
    peer = cache.name not in ("ncr", "off")  # a diffusers cache: its version shapes the shot as well
    fields.update(weights=backend.weights_id, cache=cache.describe(),
                  **({"diffusers": _diffusers_version()} if peer and world else {}),
                  sampler=SAMPLER_VERSION if world else f"diffusers-{_diffusers_version()}")
    h = hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode())
    for name in ("image", "video"):
        array = getattr(request, name)
        if array is not None:
            array = np.ascontiguousarray(array)
            h.update(name.encode())
            h.update(str(array.shape).encode())
            h.update(array.tobytes())
    return h.hexdigest()[:24]


def _diffusers_version() -> str:
    from importlib.metadata import version

    return version("diffusers")


def read_image_file(path: str | Path) -> np.ndarray:
    """An RGB image from a file, or a ToolError that says what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise ToolError(f"no such image: {path}: give the path of a picture (png, jpg, ...)")
    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))
    except OSError:
        raise ToolError(f"cannot read image {path}: not a picture file (png, jpg, ...)") from None


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
def default_engine() -> VideoEngine:
    """The process's video engine on the default cache, made on first use."""
    return VideoEngine()
