"""Sampling: rectified flow with Euler steps over a noise-level schedule, one pipeline for every mode.

- t2v: text (and attributes, and a physics layout) to video;
- i2v: the first frame is given (a person's picture or the previous shot's last frame);
- extend: the first k frames are given (the end of the clip being continued);
- v2v: a whole video is given; it is noised to ``strength`` and denoised under the new prompt (SDEdit),
  optionally keeping some of its frames as clean anchors; what the prompt changes (the subject's colour,
  a new scene) starts from pure noise instead (engine.video_edit).
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
from engine.text import TextEncoder
from engine.video_edit import plan_edit
from engine.world.vocab import AXES, TRAIN_FPS

# Bumped when the same inputs and weights would sample differently (cached shots go stale): this file,
# engine/video_edit.py, engine/layout.py, or the readers and physics they use.
SAMPLER_VERSION = 5
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
        if mode not in MODES:
            raise GenerationError(f"unknown mode {mode!r}; modes: {', '.join(MODES)}")
        if not prompt or not prompt.strip():
            raise GenerationError("the prompt is empty: describe the shot, e.g. 'a red ball bounces in a meadow'")
        if num_frames <= 0:
            raise GenerationError(f"frames must be at least 1, got {num_frames}")
        if num_inference_steps <= 0:
            raise GenerationError(f"steps must be at least 1, got {num_inference_steps}")
        dit, device = self.transformer, self.transformer.device
        c, s = dit.config.latent_channels, dit.config.latent_size

        # Which frames are given, and their clean latents.
        given = torch.zeros(num_frames, dtype=torch.bool, device=device)
        clean = torch.zeros(1, num_frames, c, s, s, device=device)
        given_pixels = np.zeros((num_frames, self.frame_size, self.frame_size, 3), np.uint8)
        level = None  # video-to-video: the noise level each latent cell starts from
        reading = 0.0  # video-to-video: seconds spent reading the source
        if mode == "i2v":
            if image is None:
                raise GenerationError("image-to-video needs a start image (--image FILE)")
            given_pixels[:1] = self.fit_frames(np.asarray(image)[None])
            clean[:, :1] = self.encode_frames(given_pixels[:1])
            given[0] = True
        elif mode == "extend":
            if video is None or len(video) == 0:
                raise GenerationError("extend needs the clip to continue (--video FILE)")
            k = max(1, min(context_frames, len(video), num_frames - 1))
            given_pixels[:k] = self.fit_frames(np.asarray(video)[-k:])
            clean[:, :k] = self.encode_frames(given_pixels[:k])
            given[:k] = True
        elif mode == "v2v":
            if video is None or len(video) == 0:
                raise GenerationError("video-to-video needs a source video (--video FILE)")
            if not 0.0 < strength <= 1.0:
                raise GenerationError(f"strength must be in (0, 1], got {strength}")
            source = np.asarray(video)
            idx = np.linspace(0, len(source) - 1, num_frames).round().astype(int)  # retime to num_frames
            given_pixels = self.fit_frames(source[idx])
            clean = self.encode_frames(given_pixels)
            t_read = time.perf_counter()
            edit = plan_edit(given_pixels, attributes or {}, strength, s, seed)
            reading = time.perf_counter() - t_read
            if anchor_every > 0 and edit.changed:
                raise GenerationError(f"anchor frames keep the source exactly, so they cannot show the new "
                                      f"{' and '.join(edit.changed)}; edit without anchors (anchor_every 0)")
            attributes = edit.attributes  # what was asked, and what the source shows for the rest
            level = torch.as_tensor(edit.strength, device=device)[None, :, None]  # (1, T, 1, h, w)
            if anchor_every > 0:
                given[::anchor_every] = True
        t_encoded = time.perf_counter()

        tokens, mask, pooled = self.text_encoder.encode([prompt, ""])
        ids = torch.stack([attribute_ids(dit, attributes), attribute_ids(dit, None)]).to(device)
        layout = has_layout = camera = has_camera = None
        boxes = path = None  # the subject's boxes and the camera's path per frame (use_layout: both, from physics)
        if use_layout and mode == "v2v":
            boxes, path = edit.boxes, edit.camera  # the source's own path (anchors lie on it), or the physics path
        elif use_layout:
            boxes, path = plan_path(attributes or {}, num_frames, TRAIN_FPS, seed)
            if boxes is not None and bool(given.any()):
                boxes = anchor_layout(boxes, given_pixels[:int(given.sum())])  # start where the subject is
        if boxes is not None:
            layout = torch.as_tensor(boxes, device=device)[None].expand(2, -1, -1)
            has_layout = torch.tensor([True, False], device=device)
        if path is not None:
            camera = torch.as_tensor(path, device=device)[None].expand(2, -1, -1)
            has_camera = torch.tensor([True, False], device=device)

        # Camera guidance needs the path and where the subject is; a video-to-video edit keeps its source's
        # background unless it asks for a new camera move. The canvas is read from the last given frame (it is
        # the real picture) or the middle one (the least of the scene lies outside it).
        guide = None
        if (camera_guidance is not None and path is not None and boxes is not None
                and (mode != "v2v" or "camera" in edit.changed)):
            guide = CameraGuide(camera_guidance, path, boxes, int(given.sum()) - 1 if bool(given.any())
                                else num_frames // 2, vae=self.vae if camera_guidance.pixels else None, device=device)

        # A new trajectory: nothing cached from an earlier generation applies. (A transformer may also carry NCR
        # installed directly with engine.ncr.apply_ncr, without a cache object.)
        cache = self.cache
        if cache is not None:
            cache.begin(num_inference_steps)
        else:
            reset_ncr(dit)
        generator = torch.Generator("cpu").manual_seed(seed)
        noise = torch.randn(1, num_frames, c, s, s, generator=generator).to(device)
        latents = torch.where(given[None, :, None, None, None], clean, noise)  # v2v: the hold below sets the rest

        # Sampling starts at the highest level a denoised cell starts from: pure noise but in video-to-video.
        levels = [1.0] if level is None else np.unique(edit.strength[~given.cpu().numpy()]).tolist()
        sigmas = torch.tensor([*sigma_schedule(levels or [1.0], num_inference_steps), 0.0], dtype=torch.float32)
        total_fraction = 0.0
        for i in range(num_inference_steps):
            sigma = float(sigmas[i])
            if level is not None:  # cells whose level is not yet passed are the source, noised to this one
                held = (level <= sigma + 1e-6) & ~given[None, :, None, None, None]
                latents = torch.where(held, sigma * noise + (1.0 - sigma) * clean, latents)
            frame_sigmas = torch.where(given, 0.0, sigma)[None].expand(2, -1)  # (2, T)
            model_in = latents.expand(2, -1, -1, -1, -1)
            with cache.step(i, sigma) if cache is not None else contextlib.nullcontext():
                velocity = dit(model_in, frame_sigmas, tokens, mask, pooled, ids, layout, has_layout, camera,
                               has_camera)  # (2, T, C, h, w)
            cond, uncond = velocity.chunk(2)
            velocity = uncond + guidance_scale * (cond - uncond)
            fraction = cache.fraction() if cache is not None else compute_fraction(dit)
            if guide is not None:
                velocity = guide.velocity(latents, velocity, sigma, steps_left=num_inference_steps - 1 - i,
                                          fresh=fraction > 0)
            latents = euler_step(latents, velocity, sigmas[i], sigmas[i + 1])
            latents = torch.where(given[None, :, None, None, None], clean, latents)
            total_fraction += fraction
            if callback is not None:
                callback(StepInfo(step=i + 1, total=num_inference_steps, sigma=sigma, compute_fraction=fraction))
        t_sampled = time.perf_counter()

        frames = tensor_to_frames(self.vae.decode(latents))[0]
        # Given frames come out as they went in (not re-decoded), so a chained shot starts exactly on the
        # frame it continues from.
        keep = given.cpu().numpy()
        frames[keep] = given_pixels[keep]
        t_decoded = time.perf_counter()
        return Generation(
            frames=frames, fps=TRAIN_FPS, latents=latents,
            timings={"encode": t_encoded - t_start - reading, "sampling": t_sampled - t_encoded,
                     "decoding": t_decoded - t_sampled, **({"reading": reading} if mode == "v2v" else {})},
            compute_fraction=total_fraction / num_inference_steps,
            context_frames=int(given.sum()) if mode == "extend" else 0,
        )


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
