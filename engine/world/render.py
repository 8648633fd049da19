"""Render one world clip with its caption, ground truth and (optionally) its soundtrack."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from engine.world.audio import SAMPLE_RATE, synthesize_soundtrack
from engine.world.captions import caption as make_caption
from engine.world.physics import ZOOM_CENTRE, Event, Track, plan_track
from engine.world.scene import render_background
from engine.world.subject import draw_subject
from engine.world.vocab import ClipSpec, make_spec


@dataclass
class WorldClip:
    """A rendered clip. Frames are uint8 (T, H, W, 3); ground truth is per frame."""

    spec: ClipSpec
    frames: np.ndarray  # (T, H, W, 3) uint8
    caption: str
    mask: np.ndarray  # (T, H, W) bool, the subject
    centroid: np.ndarray  # (T, 2) pixels (x, y)
    size: np.ndarray  # (T,) subject height as a fraction of the frame height
    layout: np.ndarray  # (T, 4) subject box (x0, y0, x1, y1) in frame fractions
    camera: np.ndarray  # (T, 2) pan offset in frame widths and zoom factor (Track.camera)
    events: list[Event] = field(default_factory=list)
    audio: np.ndarray | None = None  # (S,) float32 mono at sample_rate
    sample_rate: int = SAMPLE_RATE

    @property
    def attributes(self) -> dict[str, str]:
        return self.spec.attributes()

    @property
    def fps(self) -> int:
        return self.spec.fps


@lru_cache(maxsize=16)
def _axes(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel centres in frame heights: u across (1, 1, W), v down (1, H, 1)."""
    u = ((np.arange(width) + 0.5) / height).astype(np.float32)[None, None, :]
    v = ((np.arange(height) + 0.5) / height).astype(np.float32)[None, :, None]
    return u, v


def _composite_subject(spec: ClipSpec, track: Track, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Draw the subject into ``frames`` (T, H, W, 3 float, edited in place).

    Only the box the subject sweeps through during the clip is shaded, which is most of the saving.
    Returns the full-frame coverage (T, H, W) and the radius in pixels (T,).
    """
    n, h, w = spec.frames, spec.height, spec.width
    uc, vc = track.image_centre()
    cx, cy = uc * h - 0.5, vc * h - 0.5  # (T,) subject centre in pixel-index coordinates
    r = (track.image_radius() * h).astype(np.float32)  # (T,)
    x0, x1 = max(0, int(np.floor((cx - r).min())) - 2), min(w, int(np.ceil((cx + r).max())) + 3)
    y0, y1 = max(0, int(np.floor((cy - r).min())) - 2), min(h, int(np.ceil((cy + r).max())) + 3)
    dx = (np.arange(x0, x1, dtype=np.float32)[None, None, :] - cx.astype(np.float32)[:, None, None])  # (T, 1, Wb)
    dy = (np.arange(y0, y1, dtype=np.float32)[None, :, None] - cy.astype(np.float32)[:, None, None])  # (T, Hb, 1)
    rgb, alpha = draw_subject(spec.shape, spec.colour, dx, dy, r[:, None, None])  # (T, Hb, Wb, 3), (T, Hb, Wb)
    box = frames[:, y0:y1, x0:x1]
    box += (rgb - box) * alpha[..., None]
    coverage = np.zeros((n, h, w), np.float32)
    coverage[:, y0:y1, x0:x1] = alpha
    return coverage, r


def render_clip(spec: ClipSpec | None = None, *, audio: bool = True, **fields) -> WorldClip:
    """Render the clip ``spec`` describes (or build one from keyword fields). Deterministic per seed."""
    spec = spec if spec is not None else make_spec(**fields)
    h = spec.height
    rng = np.random.default_rng([spec.seed, 0x5EED])
    track = plan_track(spec.motion, spec.camera, spec.scene, spec.frames, spec.fps, spec.width / h, rng)
    phase = rng.uniform(0.0, 1.0, size=4).astype(np.float32)  # float64 here would promote every pixel

    u, v = _axes(h, spec.width)
    zoom = track.zoom.astype(np.float32)[:, None, None]
    wx = track.cam_x.astype(np.float32)[:, None, None] + (u - track.aspect / 2) / zoom  # (T, 1, W)
    wy = ZOOM_CENTRE + (v - ZOOM_CENTRE) / zoom  # (T, H, 1)
    t = track.times.astype(np.float32)[:, None, None]
    if np.all(track.zoom == 1.0) and np.all(track.cam_x == 0.0) and spec.scene != "beach":
        wx, wy, t = wx[:1], wy[:1], t[:1]  # a still camera on a still scene: one background serves all frames
    background = render_background(spec.scene, wx, wy, t, phase, pixel=1.0 / (h * float(track.zoom.max())))
    frames = background if len(background) == spec.frames else np.repeat(background, spec.frames, axis=0)
    alpha, r_px = _composite_subject(spec, track, frames)

    weight = alpha.sum(axis=(1, 2)) + 1e-6
    xs, ys = np.arange(spec.width, dtype=np.float32), np.arange(h, dtype=np.float32)
    centroid = np.stack([alpha.sum(axis=1) @ xs / weight, alpha.sum(axis=2) @ ys / weight], axis=1)

    text = make_caption(spec.attributes(), rng)
    sound = synthesize_soundtrack(spec.shape, spec.scene, track.events, spec.duration, rng) if audio else None
    frames *= 255.0
    frames += 0.5
    frames_u8 = np.clip(frames, 0.0, 255.0, out=frames).astype(np.uint8)
    return WorldClip(spec=spec, frames=frames_u8, caption=text, mask=alpha > 0.5,
                     centroid=centroid, size=(2.0 * r_px / h).astype(np.float32),
                     layout=track.layout().astype(np.float32),
                     camera=track.camera().astype(np.float32), events=list(track.events), audio=sound)
