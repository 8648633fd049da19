"""Per-frame subject boxes for a requested motion and camera move, from the world's physics, and the
subject's silhouette drawn in them.

The DiT can condition on where the subject is in every frame; at generation time that path comes from the
same physics the world uses (gravity, restitution, steady pans), so a bounce lands when it should.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.world.physics import plan_track
from engine.world.subject import RING_INNER
from engine.world.vocab import CAMERAS, MOTIONS, SCENES, SHAPES


def plan_path(attributes: dict[str, str | None], frames: int, fps: int, seed: int, aspect: float = 1.0
              ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The subject's boxes (T, 4) in frame fractions and the camera (T, 2) (pan in frame widths, zoom) from
    one physics track. Boxes are None when the motion is not one the physics knows, the camera when the
    camera move is not (the boxes then assume a still camera, as they always did)."""
    motion, camera = attributes.get("motion"), attributes.get("camera")
    if motion not in MOTIONS and camera not in CAMERAS:
        return None, None
    scene = attributes.get("scene") if attributes.get("scene") in SCENES else "meadow"
    rng = np.random.default_rng([seed, 0x1A70])
    track = plan_track(motion if motion in MOTIONS else "still", camera if camera in CAMERAS else "static", scene,
                       frames, fps, aspect, rng)
    boxes = track.layout().astype(np.float32) if motion in MOTIONS else None
    return boxes, track.camera().astype(np.float32) if camera in CAMERAS else None


def layout_for(attributes: dict[str, str | None], frames: int, fps: int, seed: int, aspect: float = 1.0
               ) -> np.ndarray | None:
    """(T, 4) boxes in frame fractions, or None when the motion is not one the physics knows."""
    return plan_path(attributes, frames, fps, seed, aspect)[0]


def _unit_signed_distance(shape: int, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The world's signed distance (engine.world.subject) in units of the subject's radius, for SHAPES[shape]."""
    name = SHAPES[shape]
    if name == "ball":
        return torch.hypot(u, v) - 1.0
    if name == "cube":
        return torch.maximum(u.abs(), v.abs()) - 1.0
    if name == "triangle":
        return torch.maximum(v - 1.0, (2.0 * u.abs() - v - 1.0) / 5.0**0.5)
    if name == "ring":
        mid, half = 0.5 * (1.0 + RING_INNER), 0.5 * (1.0 - RING_INNER)
        return (torch.hypot(u, v) - mid).abs() - half
    raise ValueError(f"no outline for shape {name!r}: add it here as in engine.world.subject.signed_distance")


def silhouette(boxes: torch.Tensor, shape_ids: torch.Tensor, side: int) -> torch.Tensor:
    """Coverage (B, T, side, side) in [0, 1] of each subject's outline drawn in its box, anti-aliased.

    boxes: (B, T, 4) in image fractions; shape_ids: (B,) indices into SHAPES, any other index (the
    "not given" entry) gives an empty silhouette. What the layout adds to a box: which cells the shape
    fills, so a triangle's apex or a ring's hole is in the conditioning and not left to be learned.
    """
    centre = (torch.arange(side, device=boxes.device, dtype=torch.float32) + 0.5) / side
    cy, cx = torch.meshgrid(centre, centre, indexing="ij")  # (S, S)
    x0, y0, x1, y1 = boxes.float().unbind(-1)  # each (B, T)
    rx, ry = ((x1 - x0) / 2).clamp(min=1e-4), ((y1 - y0) / 2).clamp(min=1e-4)
    u = (cx - ((x0 + x1) / 2)[..., None, None]) / rx[..., None, None]  # (B, T, S, S)
    v = (cy - ((y0 + y1) / 2)[..., None, None]) / ry[..., None, None]
    cells_per_radius = (ry * side)[..., None, None]  # (B, T, 1, 1) so the edge is one cell wide at any size
    out = torch.zeros_like(u)
    for shape in range(len(SHAPES)):
        rows = shape_ids == shape  # (B,)
        if bool(rows.any()):
            distance = _unit_signed_distance(shape, u[rows], v[rows]) * cells_per_radius[rows]
            out[rows] = (0.5 - distance).clamp(0.0, 1.0)
    return out


def subject_boxes(masks: np.ndarray) -> np.ndarray:
    """(T, H, W) bool subject masks -> (T, 4) boxes in frame fractions, the layout's format; NaN rows
    where no subject is seen."""
    t, h, w = masks.shape
    boxes = np.full((t, 4), np.nan, np.float32)
    rows_any, cols_any = masks.any(axis=2), masks.any(axis=1)  # (T, H), (T, W)
    for i in np.nonzero(rows_any.any(axis=1))[0]:
        rows, cols = np.nonzero(rows_any[i])[0], np.nonzero(cols_any[i])[0]
        boxes[i] = (cols[0] / w, rows[0] / h, (cols[-1] + 1) / w, (rows[-1] + 1) / h)
    return boxes


def anchor_layout(boxes: np.ndarray, given: np.ndarray) -> np.ndarray | None:
    """Planned boxes (T, 4) moved and scaled so the box at the last given frame sits on the subject seen
    there; ``given`` (k, H, W, 3) are the frames an image-to-video or extend generation starts from.

    The physics plans a path from wherever it likes; with given frames the path must start where the
    subject already is, or the model is told to make it jump. None when no subject is seen (then the
    generation goes without a layout, as the model was also trained to).
    """
    # The evaluator's reader (the same pixels-only measure), imported here: engine.eval pulls in librosa and
    # this module loads with every DiT.
    from engine.eval.video import segment_subject

    seen = subject_boxes(segment_subject(given[-1:]))[0]
    if np.isnan(seen[0]):
        return None
    at = boxes[len(given) - 1]
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2  # (T, 2)
    half = (boxes[:, 2:] - boxes[:, :2]) / 2  # (T, 2)
    scale = (seen[2:] - seen[:2]).max() / max(float((at[2:] - at[:2]).max()), 1e-4)
    centre = centre + ((seen[:2] + seen[2:]) / 2 - (at[:2] + at[2:]) / 2)
    return np.concatenate([centre - half * scale, centre + half * scale], axis=1).astype(np.float32)
