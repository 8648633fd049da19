"""The subject: a shape drawn from its signed distance, shaded and outlined, anti-aliased at any size."""

from __future__ import annotations

import numpy as np

from engine.world.palette import BLACK_RIM, OUTLINE_DARKEN, SUBJECT_RGB

RING_INNER = 0.5  # inner radius of a ring as a fraction of its outer radius


def signed_distance(shape: str, dx: np.ndarray, dy: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Distance (pixels) from each pixel to the shape's edge, negative inside.

    dx, dy: (T, H, W) pixel offsets from the subject's centre; r: (T, 1, 1) outer radius in pixels.
    Every shape fills the box of side 2r, so "size" means the same thing for all of them.
    """
    if shape == "ball":
        return np.hypot(dx, dy) - r
    if shape == "cube":
        return np.maximum(np.abs(dx), np.abs(dy)) - r
    if shape == "triangle":
        # Apex at the top, base at the bottom, both as wide and as tall as the box.
        return np.maximum(dy - r, (2.0 * np.abs(dx) - dy - r) / np.sqrt(5.0))
    if shape == "ring":
        mid = 0.5 * (1.0 + RING_INNER) * r
        half = 0.5 * (1.0 - RING_INNER) * r
        return np.abs(np.hypot(dx, dy) - mid) - half
    raise ValueError(shape)


def draw_subject(shape: str, colour: str, dx: np.ndarray, dy: np.ndarray, r: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Colour and coverage of the subject. Returns rgb (T, H, W, 3) and alpha (T, H, W)."""
    sd = signed_distance(shape, dx, dy, r)
    alpha = np.clip(0.5 - sd, 0.0, 1.0)  # one-pixel anti-aliased edge
    base = SUBJECT_RGB[colour]

    # Light from the upper left: brighter there, darker lower right, so the subject reads as solid.
    light = 1.0 - 0.18 * np.clip((dx + dy) / (2.0 * r), -1.0, 1.0)
    rgb = base * light[..., None]
    if shape == "ball":
        glint = np.clip(1.0 - np.hypot(dx + 0.4 * r, dy + 0.4 * r) / (0.35 * r), 0.0, 1.0) ** 2
        rgb = rgb + (0.35 * glint)[..., None] * (1.0 - rgb)

    # Outline on the outer edge only (a ring's hole stays clean so the hole is easy to see).
    width = np.maximum(1.0, 0.1 * r)
    outer = np.hypot(dx, dy) - r if shape in ("ball", "ring") else sd
    rim = np.clip(outer + width + 0.5, 0.0, 1.0)
    rim_rgb = BLACK_RIM if colour == "black" else base * OUTLINE_DARKEN
    rgb = rgb + (rim_rgb - rgb) * rim[..., None]
    return np.clip(rgb, 0.0, 1.0).astype(np.float32), alpha.astype(np.float32)
