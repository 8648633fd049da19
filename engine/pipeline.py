"""Sampling: rectified flow with Euler steps over a noise-level schedule, one pipeline for every mode.

- t2v: text (and attributes, and a physics layout) to video;
- i2v: the first frame is given (a person's picture or the previous shot's last frame);
- extend: the first k frames are given (the end of the clip being continued);
- v2v: a whole video is given; it is noised to ``strength`` and denoised under the new prompt (SDEdit),
  optionally keeping some of its frames as clean anchors; what the prompt changes (the subject's colour,
  a new scene) starts from pure noise instead (engine.redraw).
Given frames are encoded once and held at noise level zero; every other frame is denoised. While the
noise is high, camera guidance (engine.camera_guidance) keeps the background on one scene that the planned
camera pans across or zooms into.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from engine.autoencoder import VideoAutoencoder, frames_to_tensor, tensor_to_frames
from engine.backends.base import MODES
from engine.caches import AppliedCache, CacheSettings, apply_cache
from engine.camera_guidance import CAMERA_GUIDANCE, CameraGuidanceConfig, CameraGuide
from engine.dit import VideoDiT
from engine.layout import anchor_layout, plan_path
from engine.ncr import compute_fraction, reset_ncr
from engine.redraw import RedrawPlan, plan_redraw
from engine.text import TextEncoder
from engine.world.vocab import AXES, TRAIN_FPS

# Bumped when the same inputs and weights would sample differently (cached shots go stale): this file,
# engine/redraw.py, engine/layout.py, engine/camera_guidance.py, or the readers and physics they use.
SAMPLER_VERSION = 6
SHIPPED_WEIGHTS = Path(__file__).resolve().parent / "weights"


class GenerationError(ValueError):
    """Bad generation input; the message says what to change."""


@dataclass
class StepInfo:
    step: int
    total: int
    sigma: float
    compute_fraction: float = 1.0  # share of block compute actually spent this step (NCR lowers it)


@dataclass
class Generation:
    frames: np.ndarray  # (T, H, W, 3) uint8
    fps: int
    latents: torch.Tensor
    timings: dict[str, float] = field(default_factory=dict)
    compute_fraction: float = 1.0
    context_frames: int = 0  # leading frames that were given, not generated (extend)


def attribute_ids(model: VideoDiT, attributes: dict[str, str | None] | None) -> torch.Tensor:
    """(5,) indices; an axis not given (or a word outside the vocabulary) maps to the null entry."""
    ids = []
    for (axis, values), null in zip(AXES.items(), model.null_attributes):
        word = (attributes or {}).get(axis)
        ids.append(values.index(word) if word in values else null)
    return torch.tensor(ids)


def _fit_image(image: np.ndarray, size: int) -> np.ndarray:
    """Any RGB image -> (size, size, 3) uint8: centre-cropped to square, then resized."""
    img = Image.fromarray(np.asarray(image, dtype=np.uint8)).convert("RGB")
    w, h = img.size
    side = min(w, h)
    img = img.crop(((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side))
    return np.asarray(img.resize((size, size), Image.LANCZOS))


class ReelPipeline:
    """The engine's generator: DiT + autoencoder, sampled by flow matching."""

    def __init__(self, transformer: VideoDiT, vae: VideoAutoencoder):
        self.transformer, self.vae = transformer, vae
        self._text: TextEncoder | None = None
        self.cache: AppliedCache | None = None

    def use_cache(self, settings: CacheSettings | None) -> None:
        """Install a step cache on the transformer (NCR by default, or a diffusers peer); None: full compute."""
        if self.cache is not None:
            self.cache.remove()
            self.cache = None
        if settings is not None and settings.active:
            self.cache = apply_cache(self.transformer, settings)

    @property
    def text_encoder(self) -> TextEncoder:
        if self._text is None:
            self._text = TextEncoder(self.transformer.device)
        return self._text

    @property
    def frame_size(self) -> int:
        return self.transformer.config.latent_size * self.vae.config.downsample

    def fit_frames(self, frames: np.ndarray) -> np.ndarray:
        """uint8 (T, H, W, 3) of any size -> (T, S, S, 3) at the engine's frame size."""
        return np.stack([_fit_image(f, self.frame_size) for f in frames])

    def encode_frames(self, fitted: np.ndarray) -> torch.Tensor:
        """Frames already at the engine's size -> latents (1, T, C, h, w)."""
        return self.vae.encode(frames_to_tensor(fitted, self.transformer.device)[None])

    @torch.no_grad()
    def __call__(self, prompt: str, attributes: dict[str, str | None] | None = None, mode: str = "t2v",
                 image: np.ndarray | None = None, video: np.ndarray | None = None, strength: float = 0.6,
                 anchor_every: int = 0, context_frames: int = 4, num_frames: int = 16, num_inference_steps: int = 16,
                 guidance_scale: float = 3.0, seed: int = 0, use_layout: bool = True,
                 camera_guidance: CameraGuidanceConfig | None = CAMERA_GUIDANCE,
                 callback: Callable[[StepInfo], None] | None = None) -> Generation:
        t_start = time.perf_counter()
        _check(prompt, mode, num_frames, num_inference_steps)
        if mode == "i2v":
            given = self._condition_i2v(image, num_frames, attributes)
        elif mode == "extend":
            given = self._condition_extend(video, num_frames, context_frames, attributes)
        elif mode == "v2v":
            given = self._condition_v2v(video, num_frames, attributes, strength, anchor_every, seed)
        else:
            given = self._condition_t2v(num_frames, attributes)
        t_encoded = time.perf_counter()

        boxes, path = self._path(given, mode, num_frames, seed) if use_layout else (None, None)
        conditions = self._conditions(prompt, given.attributes, boxes, path)
        guide = None
        if camera_guidance is not None and path is not None and boxes is not None and given.camera_free:
            # The canvas is read from the last given frame (it is the real picture) or the middle one (the
            # least of the scene lies outside it).
            anchor = int(given.frames.sum()) - 1 if bool(given.frames.any()) else num_frames // 2
            guide = CameraGuide(camera_guidance, path, boxes, anchor,
                                vae=self.vae if camera_guidance.pixels else None, device=self.transformer.device)
        latents, fraction = self._sample(given, conditions, guide, num_inference_steps, guidance_scale, seed,
                                         callback)
        t_sampled = time.perf_counter()

        frames = tensor_to_frames(self.vae.decode(latents))[0]
        # Given frames come out as they went in (not re-decoded), so a chained shot starts exactly on the
        # frame it continues from.
        keep = given.frames.cpu().numpy()
        frames[keep] = given.pixels[keep]
        t_decoded = time.perf_counter()
        return Generation(
            frames=frames, fps=TRAIN_FPS, latents=latents,
            timings={"encode": t_encoded - t_start - given.reading, "sampling": t_sampled - t_encoded,
                     "decoding": t_decoded - t_sampled, **({"reading": given.reading} if mode == "v2v" else {})},
            compute_fraction=fraction, context_frames=int(given.frames.sum()) if mode == "extend" else 0,
        )

    # One method per mode: which frames are given, their clean latents and pixels, and (video-to-video) the
    # noise level each latent cell starts from.

    def _nothing_given(self, num_frames: int, attributes: dict[str, str | None] | None) -> _Given:
        c, s = self.transformer.config.latent_channels, self.transformer.config.latent_size
        device = self.transformer.device
        return _Given(frames=torch.zeros(num_frames, dtype=torch.bool, device=device),
                      clean=torch.zeros(1, num_frames, c, s, s, device=device),
                      pixels=np.zeros((num_frames, self.frame_size, self.frame_size, 3), np.uint8),
                      attributes=attributes)

    def _condition_t2v(self, num_frames: int, attributes: dict[str, str | None] | None) -> _Given:
        return self._nothing_given(num_frames, attributes)

    def _condition_i2v(self, image: np.ndarray | None, num_frames: int,
                       attributes: dict[str, str | None] | None) -> _Given:
        if image is None:
            raise GenerationError("image-to-video needs a start image (--image FILE)")
        given = self._nothing_given(num_frames, attributes)
        given.pixels[:1] = self.fit_frames(np.asarray(image)[None])
        given.clean[:, :1] = self.encode_frames(given.pixels[:1])
        given.frames[0] = True
        return given

    def _condition_extend(self, video: np.ndarray | None, num_frames: int, context_frames: int,
                          attributes: dict[str, str | None] | None) -> _Given:
        if video is None or len(video) == 0:
            raise GenerationError("extend needs the clip to continue (--video FILE)")
        given = self._nothing_given(num_frames, attributes)
        k = max(1, min(context_frames, len(video), num_frames - 1))
        given.pixels[:k] = self.fit_frames(np.asarray(video)[-k:])
        given.clean[:, :k] = self.encode_frames(given.pixels[:k])
        given.frames[:k] = True
        return given

    def _condition_v2v(self, video: np.ndarray | None, num_frames: int, attributes: dict[str, str | None] | None,
                       strength: float, anchor_every: int, seed: int) -> _Given:
        if video is None or len(video) == 0:
            raise GenerationError("video-to-video needs a source video (--video FILE)")
        if not 0.0 < strength <= 1.0:
            raise GenerationError(f"strength must be in (0, 1], got {strength}")
        source = np.asarray(video)
        idx = np.linspace(0, len(source) - 1, num_frames).round().astype(int)  # retime to num_frames
        given = self._nothing_given(num_frames, attributes)
        given.pixels = self.fit_frames(source[idx])
        given.clean = self.encode_frames(given.pixels)
        t_read = time.perf_counter()
        redraw = plan_redraw(given.pixels, attributes or {}, strength, self.transformer.config.latent_size, seed)
        given.reading = time.perf_counter() - t_read
        if anchor_every > 0 and redraw.changed:
            raise GenerationError(f"anchor frames keep the source exactly, so they cannot show the new "
                                  f"{' and '.join(redraw.changed)}; leave anchors out (anchor_every 0)")
        given.attributes = redraw.attributes  # what was asked, and what the source shows for the rest
        given.redraw = redraw
        if anchor_every > 0:
            given.frames[::anchor_every] = True
        return given

    def _path(self, given: _Given, mode: str, num_frames: int, seed: int
              ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The subject's box (T, 4) and the camera's pan and zoom (T, 2) per frame: video-to-video keeps its
        source's (anchors lie on it), everything else follows physics from where a given frame shows the
        subject."""
        if mode == "v2v":
            return given.redraw.boxes, given.redraw.camera
        boxes, path = plan_path(given.attributes or {}, num_frames, TRAIN_FPS, seed)
        if boxes is not None and bool(given.frames.any()):
            boxes = anchor_layout(boxes, given.pixels[:int(given.frames.sum())])  # start where the subject is
        return boxes, path

    def _conditions(self, prompt: str, attributes: dict[str, str | None] | None, boxes: np.ndarray | None,
                    path: np.ndarray | None) -> dict[str, torch.Tensor | None]:
        """The transformer's inputs besides latents and noise levels, for the conditional and the unconditional
        branch of classifier-free guidance (batch rows 0 and 1)."""
        dit, device = self.transformer, self.transformer.device
        tokens, mask, pooled = self.text_encoder.encode([prompt, ""])
        ids = torch.stack([attribute_ids(dit, attributes), attribute_ids(dit, None)]).to(device)
        branches = torch.tensor([True, False], device=device)
        return dict(
            text_tokens=tokens, text_mask=mask, text_pooled=pooled, attributes=ids,
            layout=None if boxes is None else torch.as_tensor(boxes, device=device)[None].expand(2, -1, -1),
            has_layout=None if boxes is None else branches,
            camera=None if path is None else torch.as_tensor(path, device=device)[None].expand(2, -1, -1),
            has_camera=None if path is None else branches)

    def _sample(self, given: _Given, conditions: dict, guide: CameraGuide | None, steps: int,
                guidance_scale: float, seed: int, callback: Callable[[StepInfo], None] | None
                ) -> tuple[torch.Tensor, float]:
        """The sampling loop: Euler steps of the guided velocity from noise to clean latents. Returns the latents
        (1, T, C, h, w) and the mean share of block compute spent per step."""
        dit, device = self.transformer, self.transformer.device
        frames, clean = given.frames[None, :, None, None, None], given.clean  # (1, T, 1, 1, 1), (1, T, C, h, w)
        # A new trajectory: nothing cached from an earlier generation applies. (A transformer may also carry NCR
        # installed directly with engine.ncr.apply_ncr, without a cache object.)
        cache = self.cache
        if cache is not None:
            cache.begin(steps)
        else:
            reset_ncr(dit)
        generator = torch.Generator("cpu").manual_seed(seed)
        noise = torch.randn(clean.shape, generator=generator).to(device)
        latents = torch.where(frames, clean, noise)  # v2v: the hold below sets the rest

        # Sampling starts at the highest level a denoised cell starts from: pure noise but in video-to-video.
        start = None if given.redraw is None else torch.as_tensor(given.redraw.strength, device=device)[None, :, None]
        levels = [1.0] if start is None else np.unique(given.redraw.strength[~given.frames.cpu().numpy()]).tolist()
        sigmas = torch.tensor([*sigma_schedule(levels or [1.0], steps), 0.0], dtype=torch.float32)
        total_fraction = 0.0
        for i in range(steps):
            sigma = float(sigmas[i])
            if start is not None:  # cells whose level is not yet passed are the source, noised to this one
                held = (start <= sigma + 1e-6) & ~frames
                latents = torch.where(held, sigma * noise + (1.0 - sigma) * clean, latents)
            frame_sigmas = torch.where(given.frames, 0.0, sigma)[None].expand(2, -1)  # (2, T)
            with cache.step(i, sigma) if cache is not None else contextlib.nullcontext():
                velocity = dit(latents.expand(2, -1, -1, -1, -1), frame_sigmas, **conditions)  # (2, T, C, h, w)
            cond, uncond = velocity.chunk(2)
            velocity = uncond + guidance_scale * (cond - uncond)
            fraction = cache.fraction() if cache is not None else compute_fraction(dit)
            if guide is not None:
                velocity = guide.velocity(latents, velocity, sigma, steps_left=steps - 1 - i, fresh=fraction > 0)
            latents = euler_step(latents, velocity, sigmas[i], sigmas[i + 1])
            latents = torch.where(frames, clean, latents)
            total_fraction += fraction
            if callback is not None:
                callback(StepInfo(step=i + 1, total=steps, sigma=sigma, compute_fraction=fraction))
        return latents, total_fraction / steps


@dataclass
class _Given:
    """What a mode gives the sampler."""

    frames: torch.Tensor  # (T,) bool: frames held clean at noise level zero
    clean: torch.Tensor  # (1, T, C, h, w) their latents (video-to-video: every frame's, the source)
    pixels: np.ndarray  # (T, S, S, 3) uint8 their pixels at the engine's size
    attributes: dict[str, str | None] | None  # what to condition on
    redraw: RedrawPlan | None = None  # video-to-video: where each cell starts and what the prompt changes
    reading: float = 0.0  # video-to-video: seconds spent reading the source

    @property
    def camera_free(self) -> bool:
        """Camera guidance may move the background: video-to-video keeps its source's background
        unless it asks for a new camera move."""
        return self.redraw is None or "camera" in self.redraw.changed


def _check(prompt: str, mode: str, num_frames: int, steps: int) -> None:
    if mode not in MODES:
        raise GenerationError(f"unknown mode {mode!r}; modes: {', '.join(MODES)}")
    if not prompt or not prompt.strip():
        raise GenerationError("the prompt is empty: describe the shot, e.g. 'a red ball bounces in a meadow'")
    if num_frames <= 0:
        raise GenerationError(f"frames must be at least 1, got {num_frames}")
    if steps <= 0:
        raise GenerationError(f"steps must be at least 1, got {steps}")


def sigma_schedule(levels: list[float], steps: int) -> np.ndarray:
    """``steps`` noise levels from the highest of ``levels`` down towards 0, evenly spaced between
    consecutive levels, so a video-to-video cell starts exactly at its own level (steps shared by span)."""
    knots = sorted({float(v) for v in levels} | {0.0}, reverse=True)  # e.g. [1.0, 0.6, 0.0]
    spans = -np.diff(knots)
    if len(spans) > steps:  # too few steps to stop at every level: an even grid, levels start a step early
        return np.linspace(knots[0], 0.0, steps + 1)[:-1]
    counts = np.maximum(1, np.round(steps * spans / spans.sum())).astype(int)
    counts[np.argmax(counts)] += steps - counts.sum()
    return np.concatenate([np.linspace(a, b, n + 1)[:-1] for a, b, n in zip(knots, knots[1:], counts)])


def euler_step(latents: torch.Tensor, velocity: torch.Tensor, sigma: torch.Tensor, sigma_next: torch.Tensor
               ) -> torch.Tensor:
    """One step of dx/dsigma = v from sigma down to sigma_next, where x_sigma = sigma * noise + (1 - sigma) * x0
    and v = noise - x0 (the same arithmetic as diffusers' FlowMatchEulerDiscreteScheduler with shift 1)."""
    return (latents.float() + (sigma_next - sigma) * velocity).to(velocity.dtype)


def load_pipeline(weights: str | Path = SHIPPED_WEIGHTS, device: str = "cpu", cache: CacheSettings | None = None
                  ) -> ReelPipeline:
    """Load the shipped (or any exported) weights folder: ``transformer/`` and ``autoencoder/`` inside.

    ``cache``: the step cache (NCR or a diffusers peer); None keeps the plain sampler.
    """
    weights = Path(weights)
    for part in ("transformer", "autoencoder"):
        if not (weights / part / "config.json").exists():
            raise FileNotFoundError(f"model weights missing: {weights / part} not found; reinstall reelwright "
                                    f"or train them with `reelwright train`")
    dit = VideoDiT.from_pretrained(weights / "transformer").to(device)
    # Not channels-last, though its convolutions run about 1.6x faster on a CPU: oneDNN then splits a one-frame
    # encode differently by thread count, so a shot drawn on a 1-CPU cluster worker would differ from the
    # same shot drawn here.
    vae = VideoAutoencoder.from_pretrained(weights / "autoencoder").to(device)
    pipe = ReelPipeline(transformer=dit, vae=vae)
    pipe.use_cache(cache)
    return pipe
