"""The built-in world model (VideoDiT + video autoencoder + MiniLM text) behind the backend contract."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from pathlib import Path

from engine.backends.base import (
    BackendError,
    Capabilities,
    Clip,
    ProgressCallback,
    RenderRequest,
    StepEvent,
    check_request,
    weights_fingerprint,
)
from engine.caches import CacheSettings, calibrate_mag_ratios
from engine.camera_guidance import CAMERA_GUIDANCE
from engine.pipeline import SHIPPED_WEIGHTS, GenerationError, load_pipeline
from engine.world.vocab import TRAIN_FPS

MAX_FRAMES = 64


def _frame_size(weights: Path) -> int:
    """The model's frame side, from its configs (no weights loaded)."""
    try:
        dit = json.loads((weights / "transformer" / "config.json").read_text())
        vae = json.loads((weights / "autoencoder" / "config.json").read_text())
        return int(dit["latent_size"]) * int(vae["downsample"])
    except (OSError, ValueError, KeyError) as exc:
        raise BackendError(f"model weights missing or damaged in {weights} ({str(exc).splitlines()[0]}): reinstall "
                           f"reelwright or train them with `reelwright train`") from None


class WorldBackend:
    """The shipped default: draws the world's vocabulary at 64x64, 8 fps, offline on a CPU."""

    def __init__(self, weights: str | Path = SHIPPED_WEIGHTS, cache: CacheSettings | None = None,
                 device: str = "cpu"):
        self.weights = Path(weights)
        self.cache = CacheSettings() if cache is None else cache
        side = _frame_size(self.weights)
        self.capabilities = Capabilities(family="world", name="the built-in world model", free_text=False,
                                         modes=("t2v", "i2v", "v2v", "extend"), width=side, height=side,
                                         fps=TRAIN_FPS, max_frames=MAX_FRAMES, size_multiple=side, device=device)
        self._pipe = None
        self._lock = threading.Lock()  # the pipeline holds per-generation cache state: one shot at a time
        self._weights_id: str | None = None

    @property
    def pipe(self):
        if self._pipe is None:
            try:
                pipe = load_pipeline(self.weights, device=self.capabilities.device)
            except FileNotFoundError as exc:
                raise BackendError(str(exc)) from None
            if self.cache.name == "magcache" and self.cache.mag_ratios is None:
                self.cache = replace(self.cache, mag_ratios=calibrate_mag_ratios(
                    pipe.transformer, lambda: pipe("a red ball bounces in a meadow", seed=0)))
            pipe.use_cache(self.cache)
            self._pipe = pipe
        return self._pipe

    @property
    def transformer(self):
        return self.pipe.transformer

    def load(self) -> None:
        with self._lock:
            self.pipe  # noqa: B018 (the property loads)

    @property
    def weights_id(self) -> str:
        if self._weights_id is None:
            self._weights_id = weights_fingerprint(self.weights / "transformer", self.weights / "autoencoder")
        return self._weights_id

    def render(self, request: RenderRequest, callback: ProgressCallback | None = None) -> Clip:
        width, height = check_request(self.capabilities, request)
        if (width, height) != (self.capabilities.width, self.capabilities.height):
            raise BackendError(f"the built-in model draws {self.capabilities.width}x{self.capabilities.height} only; "
                               f"the film is enlarged when it is cut")
        guidance_on = request.options.get("camera_guidance", True)

        def on_step(info) -> None:
            if callback is not None:
                callback(StepEvent(step=info.step, total=info.total, sigma=info.sigma,
                                   compute_fraction=info.compute_fraction))

        with self._lock:
            started = time.perf_counter()
            pipe = self.pipe
            loaded = time.perf_counter() - started
            try:
                out = pipe(request.prompt, attributes=request.attributes or None, mode=request.mode,
                                image=request.image, video=request.video, strength=request.strength,
                                anchor_every=request.anchor_every,
                           context_frames=request.context_frames or self.capabilities.extend_context,
                                num_frames=request.frames, num_inference_steps=request.steps,
                                guidance_scale=request.guidance, seed=request.seed,
                                camera_guidance=CAMERA_GUIDANCE if guidance_on else None, callback=on_step)
            except GenerationError as exc:
                raise BackendError(str(exc)) from None
        return Clip(frames=out.frames[out.context_frames:], fps=out.fps, compute_fraction=out.compute_fraction,
                    timings={"load": loaded, **out.timings})
