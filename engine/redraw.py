"""What video-to-video redraws, decided by reading the source clip.

Plain SDEdit noises the whole clip to one strength and denoises it under the new prompt; at a middle
strength the clip's colours survive the noise, so "make the ball blue" keeps a red ball. A person asking
for a new colour means: the same clip, the subject redrawn in blue, moving as it did. So the source is
read first (the evaluator's pixels-only reader), the prompt's attributes are compared with what is seen,
and each latent cell gets its own starting noise level:

- the subject's cells (where it is, and where a new path takes it) start from pure noise when its colour,
  shape or motion changes; the redrawn subject follows the source's measured path, or the physics path
  from where it is for a new motion;
- the background's cells start from pure noise when the scene changes, and every cell when the camera
  move changes (the subject's place on screen moves with the camera);
- everything else starts at the requested strength, as in plain SDEdit.

The sampler holds a cell at the source noised to the current level until the level falls to the cell's
own (differential diffusion), so every pixel still comes out of the DiT's sampling loop. What the reader
cannot tell with confidence (a colour or scene far from every one it knows, as in footage from outside
the world) never counts as changed: such a prompt gets plain SDEdit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.layout import anchor_layout, plan_path, subject_boxes
from engine.world.vocab import AXES, TRAIN_FPS

REDRAW_STRENGTH = 1.0  # where the prompt changes what is there, start from pure noise
SUBJECT_AXES = ("colour", "shape", "motion")
MIN_FOUND = 0.5  # share of frames the subject must be seen in for its measured path to be followed
# Reader distances beyond which a reading is a guess (world clips read under 0.06, our DiT's under 0.15);
# the camera move counts as unknown with the scene.
CONFIDENT_DISTANCE = {"colour": ("colour_distance", 0.2), "scene": ("scene_distance", 0.2)}


@dataclass
class RedrawPlan:
    """Per-cell starting noise levels and the conditioning video-to-video samples with."""

    strength: np.ndarray  # (T, h, w) float32 in (0, 1]: the noise level each latent cell starts from
    boxes: np.ndarray | None  # (T, 4) subject boxes in frame fractions for the layout input, or None
    camera: np.ndarray | None  # (T, 2) a new camera path (pan, zoom) when the plan has one, else None
    attributes: dict[str, str]  # what to condition on: the prompt's words, and what the source shows for the rest
    changed: tuple[str, ...]  # the axes the prompt changes from what the source shows
    seen: dict[str, str]  # what the source shows, confidently ("unknown" where it cannot tell)


def _fill_gaps(boxes: np.ndarray) -> np.ndarray:
    """Frames where no subject was seen (NaN rows) get boxes interpolated between the frames where it was
    (the nearest seen box before the first or after the last)."""
    ok = ~np.isnan(boxes[:, 0])
    t = np.arange(len(boxes))
    return np.stack([np.interp(t, t[ok], boxes[ok, i]) for i in range(4)], axis=1).astype(np.float32)


def _cells(masks: np.ndarray, latent_size: int) -> np.ndarray:
    """(T, H, W) bool pixel masks -> (T, h, w) bool latent cells any masked pixel falls in."""
    t, h, w = masks.shape
    if h % latent_size or w % latent_size:
        raise ValueError(f"frames of {h}x{w} do not divide into {latent_size}x{latent_size} latent cells; "
                         f"fit them to the engine's size first (ReelPipeline.fit_frames)")
    return masks.reshape(t, latent_size, h // latent_size, latent_size, w // latent_size).any(axis=(2, 4))


def _box_cells(boxes: np.ndarray, latent_size: int) -> np.ndarray:
    """(T, 4) boxes in frame fractions -> (T, h, w) bool latent cells they overlap."""
    lo, hi = np.arange(latent_size) / latent_size, (np.arange(latent_size) + 1) / latent_size
    x0, y0, x1, y1 = (boxes[:, i, None] for i in range(4))  # each (T, 1)
    inside_x = (hi > x0) & (lo < x1)  # (T, w)
    inside_y = (hi > y0) & (lo < y1)  # (T, h)
    return inside_y[:, :, None] & inside_x[:, None, :]


def read_source(source: np.ndarray) -> tuple[dict[str, str], np.ndarray]:
    """What the source shows, "unknown" where the reader is guessing, and its subject masks (T, H, W)."""
    from engine.eval.video import read_clip, segment_subject  # imported here: engine.eval pulls in librosa

    masks = segment_subject(source)
    reading = read_clip(source, masks)
    seen = dict(reading.attributes)
    for axis, (detail, limit) in CONFIDENT_DISTANCE.items():
        if not reading.details.get(detail, np.inf) < limit:
            seen[axis] = "unknown"
    if seen["scene"] == "unknown":
        seen["camera"] = "unknown"  # the camera is read from the scenery's own motion
    return seen, masks


def plan_redraw(source: np.ndarray, attributes: dict[str, str | None] | None, strength: float, latent_size: int,
                seed: int = 0) -> RedrawPlan:
    """source: (T, H, W, 3) uint8 frames already at the engine's size, one per frame to generate."""
    asked = {k: v for k, v in (attributes or {}).items() if k in AXES and v in AXES[k]}
    seen, masks = read_source(source)
    changed = tuple(axis for axis, word in asked.items() if seen[axis] != "unknown" and word != seen[axis])
    wanted = {**{k: v for k, v in seen.items() if v != "unknown"}, **asked}
    seen_frames = np.nonzero(masks.any(axis=(1, 2)))[0]

    boxes = camera = None
    if set(changed) & {"motion", "camera"}:
        boxes, camera = plan_path(wanted, len(source), TRAIN_FPS, seed)
        if "camera" not in changed and seen["camera"] != "static":
            camera = None  # the source's own pan or zoom: its amount is not read, so not told either
        if boxes is not None and len(seen_frames):  # start the new path where the subject is first seen
            boxes = anchor_layout(boxes, source[:seen_frames[0] + 1])
    elif len(seen_frames) >= MIN_FOUND * len(source):
        boxes = _fill_gaps(subject_boxes(masks))

    level = np.full((len(source), latent_size, latent_size), strength, np.float32)
    # Only the cells the subject touches: the background held around them is what keeps a redrawn subject
    # its size (on 48 recoloured world clips, motion kept in 88%; with a margin of one cell, 79%).
    subject = _cells(masks, latent_size)
    if boxes is not None:
        path = _box_cells(boxes, latent_size)
        if set(changed) & {"motion", "camera", "shape"}:
            subject |= path  # where the new path takes it, or the whole box a new outline may fill
        else:
            subject[~masks.any(axis=(1, 2))] |= path[~masks.any(axis=(1, 2))]  # frames the reader missed it in
    redraw = max(strength, REDRAW_STRENGTH)
    if "camera" in changed:
        level[:] = redraw
    if "scene" in changed:
        level[~subject] = redraw
    if set(changed) & set(SUBJECT_AXES):
        level[subject] = redraw
    return RedrawPlan(strength=level, boxes=boxes, camera=camera, attributes=wanted, changed=changed, seen=seen)
