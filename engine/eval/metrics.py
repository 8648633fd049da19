"""Picture metrics: PSNR and continuity between two shots."""

from __future__ import annotations

import numpy as np

from engine.eval.video import read_clip


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB between two uint8 images or videos of the same shape."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"PSNR needs equal shapes, got {a.shape} and {b.shape}")
    mse = np.mean((a - b) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def continuity(previous: np.ndarray, following: np.ndarray) -> dict:
    """Does ``following`` continue ``previous``? Same subject (colour and shape) and the cut's PSNR."""
    a, b = read_clip(previous).attributes, read_clip(following).attributes
    same = {axis: a[axis] == b[axis] for axis in ("colour", "shape")}
    return {"same_subject": all(same.values()), **{f"same_{k}": v for k, v in same.items()},
            "join_psnr": psnr(previous[-1], following[0]), "previous": a, "following": b}
