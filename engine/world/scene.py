"""Procedural backgrounds evaluated at world coordinates, so camera moves reveal consistent scenery.

Every scene is made of horizontal bands (sky, optional sea, ground) with texture that varies along x, so a
pan or a zoom is visible, and with no blobs that could be mistaken for the subject. A camera that pans and
zooms keeps world x a function of (frame, column) and world y a function of (frame, row), so every term
here is built from those two small arrays and broadcast once: that is what makes the renderer fast.
"""

from __future__ import annotations

import numpy as np

from engine.world.palette import SCENE_RGB
from engine.world.physics import HORIZON, SEA_LINE

TAU = np.float32(2 * np.pi)


def _lerp(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    return a + (b - a) * w[..., None]


def _hash01(i: np.ndarray, salt: int) -> np.ndarray:
    h = (i.astype(np.int64) * 73856093) ^ (salt * 83492791)
    h = (h ^ (h >> 13)) * 1274126177
    return ((h ^ (h >> 16)) & 0xFFFF).astype(np.float32) / np.float32(65535.0)


def _bump(x: np.ndarray, cell: float, jitter: np.ndarray, radius: float) -> np.ndarray:
    """Triangular bump of half-width ``radius`` at each (jittered) lattice cell centre."""
    offset = x / cell - np.floor(x / cell) - 0.5 - jitter
    return np.maximum(0.0, 1.0 - np.abs(offset) * cell / radius)


def render_background(scene: str, wx: np.ndarray, wy: np.ndarray, t: np.ndarray, phase: np.ndarray,
                      pixel: float) -> np.ndarray:
    """Scene colour at world points.

    wx: (T, 1, W) world x of each column; wy: (T, H, 1) world y of each row; t: (T, 1, 1) seconds;
    phase: (4,) random phases that make every clip's texture different; pixel: one pixel in world units.
    Returns (T, H, W, 3) float32, not yet clipped to [0, 1].
    """
    c = SCENE_RGB[scene]
    is_sky = wy < HORIZON  # (T, H, 1)
    sky = _lerp(c["sky_top"], c["sky_low"], np.clip(wy / HORIZON, 0.0, 1.0))  # (T, H, 1, 3)
    ground = _lerp(c["ground_far"], c["ground_near"], np.clip((wy - HORIZON) / (1.0 - HORIZON), 0.0, 1.0))
    rows = np.where(is_sky[..., None], sky, ground)  # (T, H, 1, 3) colour of each row before texture

    # Texture A(x) + B(x) C(y): three incommensurate waves along x, one slanted by a row term, scaled by a
    # per-row gain (ground only, a trace on snow clouds) so the full-size work is a few broadcasts.
    gain = {"meadow": 0.10, "desert": 0.07, "snowfield": 0.04, "night": 0.12, "beach": 0.05}[scene]
    row_gain = np.where(is_sky, 0.02 if scene == "snowfield" else 0.0, gain).astype(np.float32)  # (T, H, 1)
    along = 0.5 * np.sin(TAU * (3.7 * wx + phase[0])) + 0.3 * np.sin(TAU * (9.3 * wx + phase[1]))  # (T, 1, W)
    slant = 0.2 * np.sin(TAU * (17.9 * wx + phase[2]))  # (T, 1, W)
    modulation = row_gain * along + (row_gain * np.cos(TAU * 4.0 * wy)) * slant  # (T, H, W)
    if scene == "desert":
        dunes = np.sin(TAU * (2.3 * wx + phase[3]))  # (T, 1, W)
        modulation += (0.05 * (~is_sky) * np.cos(TAU * 5.0 * wy)) * dunes
    if scene == "night":
        # Stars: one candidate per lattice cell, lit by a hash of the cell, about two pixels wide.
        cell = 0.06
        ix, iy = np.floor(wx / cell), np.floor(wy / cell)
        lit = (_hash01(ix, 7) + _hash01(iy, 5)) % 1.0 < 0.22  # (T, H, W)
        bump_x = _bump(wx, cell, 0.3 * (_hash01(ix, 11) - 0.5), pixel)  # (T, 1, W)
        bump_y = _bump(wy, cell, 0.3 * (_hash01(iy, 13) - 0.5), pixel) * (wy < HORIZON - 0.03)  # (T, H, 1)
        # Additive white light; scaled by the inverse row colour so the multiplication below adds it.
        modulation += lit * (bump_y * (0.75 / np.maximum(rows.mean(-1), 0.02))) * bump_x
    out = rows * (1.0 + modulation)[..., None]  # (T, H, W, 3)

    if scene == "beach":
        # Moving swell: sin(a + b) with a from rows and time and b from columns, expanded to stay separable.
        a = TAU * (60.0 * wy - 0.3 * t)  # (T, H, 1)
        b = TAU * 0.8 * np.sin(TAU * (1.3 * wx + phase[3]))  # (T, 1, W)
        swell = np.sin(a) * np.cos(b) + np.cos(a) * np.sin(b)  # (T, H, W)
        sea_rows = (~is_sky) & (wy < SEA_LINE)  # (T, H, 1)
        out = np.where(sea_rows[..., None], c["sea"] * (1.0 + 0.08 * swell)[..., None], out)
    return out.astype(np.float32, copy=False)
