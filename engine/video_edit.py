"""What a video-to-video edit redraws, decided by reading the source clip.

Plain SDEdit noises the whole clip to one strength and denoises it under the new prompt; at a middle
strength the clip's colours survive the noise, so "make the ball blue" keeps a red ball. A person asking
for a new colour means: the same clip, the subject redrawn in blue, moving as it did. So the source is
read first (the evaluator's pixels-only reader), the prompt's attributes are compared with what is seen,
and each latent cell gets its own starting noise level:

- the subject's cells (where it is, and where the layout puts it) start from pure noise when its colour,
  shape or motion changes, and the redrawn subject follows the source's measured path (its motion kept)
  or the physics path for a new motion;
- the background's cells start from pure noise when the scene or camera changes;
- everything else starts at the requested strength, as in plain SDEdit.

The sampler holds a cell at the source noised to the current level until the level falls to the cell's
own (differential diffusion), so every pixel still comes out of the DiT's sampling loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from engine.layout import anchor_layout, layout_for, subject_boxes
from engine.world.vocab import AXES, TRAIN_FPS

REDRAW_STRENGTH = 1.0  # where the prompt changes what is there, start from pure noise
SUBJECT_AXES = ("colour", "shape", "motion")
BACKGROUND_AXES = ("scene", "camera")
SUBJECT_MARGIN = 1  # latent cells around the seen subject that are redrawn with it (its anti-aliased edge)
MIN_FOUND = 0.5  # share of frames the subject must be seen in for its measured path to be followed


@dataclass
class EditPlan:
    """Per-cell starting noise levels and the layout a video-to-video edit samples with."""

    strength: np.ndarray  # (T, h, w) float32 in (0, 1]: the noise level each latent cell starts from
    boxes: np.ndarray | None  # (T, 4) subject boxes in frame fractions for the layout input, or None
    changed: tuple[str, ...]  # the axes the prompt changes from what the source shows
    seen: dict[str, str]  # what the source shows


def _fill_gaps(boxes: np.ndarray) -> np.ndarray:
    """Frames where no subject was seen (NaN rows) take the box of the nearest frame where it was."""
    ok = ~np.isnan(boxes[:, 0])
    nearest = ndimage.distance_transform_edt(~ok, return_distances=False, return_indices=True)[0]
    return boxes[nearest]


def _cells(masks: np.ndarray, latent_size: int) -> np.ndarray:
    """(T, H, W) bool pixel masks -> (T, h, w) bool latent cells any masked pixel falls in."""
    t, h, w = masks.shape
    return masks.reshape(t, latent_size, h // latent_size, latent_size, w // latent_size).any(axis=(2, 4))


def _box_cells(boxes: np.ndarray, latent_size: int) -> np.ndarray:
    """(T, 4) boxes in frame fractions -> (T, h, w) bool latent cells they cover."""
    centre = (np.arange(latent_size) + 0.5) / latent_size
    x0, y0, x1, y1 = (boxes[:, i, None] for i in range(4))  # each (T, 1)
    inside_x = (centre >= x0) & (centre <= x1)  # (T, w)
    inside_y = (centre >= y0) & (centre <= y1)  # (T, h)
    return inside_y[:, :, None] & inside_x[:, None, :]


def plan_edit(source: np.ndarray, attributes: dict[str, str | None] | None, strength: float, latent_size: int,
              seed: int = 0, use_layout: bool = True) -> EditPlan:
    """source: (T, H, W, 3) uint8 frames already at the engine's size, one per frame to generate."""
    from engine.eval.video import read_clip, segment_subject  # imported here: engine.eval pulls in librosa

    attributes = {k: v for k, v in (attributes or {}).items() if k in AXES and v in AXES[k]}
    reading = read_clip(source)
    seen = reading.attributes
    changed = tuple(axis for axis, word in attributes.items() if word != seen[axis])
    masks = segment_subject(source)  # (T, H, W)
    found = float(masks.any(axis=(1, 2)).mean())

    boxes = None
    if use_layout and set(changed) & {"motion", "camera"}:
        planned = layout_for({**seen, **attributes}, len(source), TRAIN_FPS, seed)
        boxes = anchor_layout(planned, source[:1]) if planned is not None and found > 0 else planned
    elif use_layout and found >= MIN_FOUND:
        boxes = _fill_gaps(subject_boxes(masks))

    level = np.full((len(source), latent_size, latent_size), strength, np.float32)
    subject = _cells(masks, latent_size)
    if SUBJECT_MARGIN > 0:
        subject = ndimage.binary_dilation(subject, structure=np.ones((1, 3, 3), bool), iterations=SUBJECT_MARGIN)
    if boxes is not None:
        subject |= _box_cells(boxes, latent_size)
    if set(changed) & set(BACKGROUND_AXES):
        level[~subject] = max(strength, REDRAW_STRENGTH)
    if set(changed) & set(SUBJECT_AXES):
        level[subject] = max(strength, REDRAW_STRENGTH)
    return EditPlan(strength=level, boxes=boxes, changed=changed, seen=seen)
