"""Read a clip's attributes from its pixels alone: subject colour and shape, scene, motion, camera move.

No ground truth is used at scoring time. The evaluator knows the world's palette and geometry (as a
person knows what a meadow looks like) and measures: a per-row background model separates the subject,
its mask gives colour, a soft matte of it gives shape (a centre nearer the background than the subject
is a ring's hole; otherwise the world outline that fits best), the background's own motion gives the
camera move, and the subject's track with the camera taken out gives its motion."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from scipy import ndimage

from engine.world.palette import SUBJECT_RGB
from engine.world.physics import ZOOM_CENTRE
from engine.world.subject import RING_INNER, signed_distance
from engine.world.vocab import AXES, SCENES, SHAPES

SUBJECT_THRESHOLD = 0.13  # per-channel distance from the row's background that counts as subject
MIN_SUBJECT_FRACTION = 0.004  # components smaller than this share of the frame are stars or noise
BODY_PRESENCE = 0.5  # a pixel at least half as far from the background as the subject is its body
KEEP_OPENED = 0.85  # opening may trim spurs, not break a thin ring band: else the unopened body is used
HOLE_PROBE = 0.6 * RING_INNER  # radius of the disk probed for a ring's hole, in outer radii
RING_CENTRE = 0.5  # a centre nearer the background than the subject is a hole
FIT_SHIFTS = (-1.0, 0.0, 1.0)  # pixels the box is moved by when fitting an outline
FIT_SCALES = (0.85, 0.93, 1.0, 1.08)
FIT_SIDE = 48  # larger windows are shrunk to this before fitting (a user's full-size video)
# A subject that is no world shape (a bar, a blob) is "unknown", not the least bad of them. On 500 world
# renders as drawn, through the shipped autoencoder, blurred by 1.2 or 2 px, or blurred with noise, the
# shape read had an outline error (mean squared, over the window) of at most 0.14 and a box at most 1.38
# times as long as wide (every world shape fills a square box).
MAX_OUTLINE_ERROR = 0.15
MAX_ASPECT = 1.45
FILLED_SHAPES = tuple(s for s in SHAPES if s != "ring")


@dataclass
class ClipReading:
    """What the evaluator saw in a clip."""

    attributes: dict[str, str]
    track: np.ndarray  # (T, 3) subject x, y, size in frame heights, camera taken out; NaN where not found
    camera_shift: float  # frame widths the camera moved right over the clip
    camera_zoom: float  # zoom factor from first to last frame
    found: float  # share of frames where a subject was found
    details: dict[str, float] = field(default_factory=dict)


def _as_float(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"expected frames of shape (T, H, W, 3), got {frames.shape}")
    if frames.shape[0] < 1:
        raise ValueError("the clip has no frames")
    return frames.astype(np.float32) / 255.0 if frames.dtype == np.uint8 else frames.astype(np.float32)


_WITHIN_FRAME = np.array([np.zeros((3, 3)), [[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.zeros((3, 3))], bool)


def segment_subject(frames: np.ndarray) -> np.ndarray:
    """Subject mask per frame, (T, H, W) bool: the largest region that differs from its row's background."""
    f = _as_float(frames)
    background = np.median(f, axis=2, keepdims=True)  # (T, H, 1, 3) scenes are horizontal bands
    off = np.abs(f - background)  # (T, H, W, 3)
    diff = np.maximum(np.maximum(off[..., 0], off[..., 1]), off[..., 2])  # (T, H, W); numpy's max over 3 is slow
    candidate = diff > SUBJECT_THRESHOLD
    masks = np.zeros(candidate.shape, bool)
    min_pixels = MIN_SUBJECT_FRACTION * candidate.shape[1] * candidate.shape[2]
    # One labelling for the whole clip, regions never joined across frames; labels run in raster order,
    # so each frame's regions are one run of labels, numbered as labelling the frame alone would.
    labels, count = ndimage.label(candidate, structure=_WITHIN_FRAME)
    if count == 0:
        return masks
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    last = np.maximum.accumulate(labels.reshape(len(labels), -1).max(axis=1))  # (T,) last label in frames <= t
    first = np.concatenate([[0], last[:-1]]) + 1
    for t in range(len(labels)):
        if last[t] < first[t]:
            continue
        best = first[t] + int(np.argmax(sizes[first[t]:last[t] + 1]))
        if sizes[best] >= min_pixels:
            masks[t] = labels[t] == best
    return masks


def classify_colour(frames: np.ndarray, masks: np.ndarray) -> tuple[str, float]:
    """Nearest subject colour to the median of the mask's interior, allowing for shading."""
    f = _as_float(frames)
    interior = ndimage.binary_erosion(masks, structure=np.array([[[0, 1, 0], [1, 1, 1], [0, 1, 0]]], bool))
    pixels = f[interior] if interior.sum() >= 6 else f[masks]
    if len(pixels) == 0:
        return "unknown", float("inf")
    rgb = np.median(pixels, axis=0)
    best, best_d = "unknown", float("inf")
    for name, ref in SUBJECT_RGB.items():
        scale = np.clip(rgb @ ref / max(ref @ ref, 1e-6), 0.7, 1.15)
        d = float(np.linalg.norm(rgb - scale * ref))
        if d < best_d:
            best, best_d = name, d
    return best, best_d


def subject_presence(frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(H, W) in [0, 1]: how far each pixel has moved from its row's background towards the subject's colour,
    as a share of how far the subject's colour is from that row's background (the largest channel of each).

    A soft matte: blur, a halo or a hole filled half-way with the subject's colour read as the fractions
    they are, where the mask's fixed threshold turns them all into subject. Per row, because a subject
    stands out less against some bands of a scene than others; towards the subject, because a hole the
    model drew lighter than the grass round a black ring is still no part of the ring.
    """
    background = np.median(frame, axis=1, keepdims=True)  # (H, 1, 3)
    interior = ndimage.binary_erosion(mask)
    colour = np.median(frame[interior] if interior.sum() >= 4 else frame[mask], axis=0)  # (3,)
    towards = np.sign(colour - background)  # (H, 1, 3)
    moved = ((frame - background) * towards).max(axis=-1)  # (H, W)
    contrast = np.abs(colour - background).max(axis=-1)  # (H, 1)
    return np.clip(moved / np.maximum(contrast, SUBJECT_THRESHOLD), 0.0, 1.0)


def _outline_errors(window: np.ndarray, cy: float, cx: float, radius: float) -> dict[str, float]:
    """Mean squared difference between a presence window and each shape's outline, best over small shifts
    and scales of the box (a blurred edge moves the measured box by about a pixel)."""
    dy, dx, scale = (a.ravel() for a in np.meshgrid(FIT_SHIFTS, FIT_SHIFTS, FIT_SCALES, indexing="ij"))  # (K,)
    yy, xx = np.mgrid[0:window.shape[0], 0:window.shape[1]].astype(np.float32)  # (h, w)
    offset_x = xx[None] - (cx + dx)[:, None, None].astype(np.float32)  # (K, h, w)
    offset_y = yy[None] - (cy + dy)[:, None, None].astype(np.float32)
    radii = (radius * scale)[:, None, None].astype(np.float32)  # (K, 1, 1)
    errors = {}
    for shape in SHAPES:
        cover = np.clip(0.5 - signed_distance(shape, offset_x, offset_y, radii), 0.0, 1.0)  # (K, h, w)
        errors[shape] = float(((window[None] - cover) ** 2).mean(axis=(1, 2)).min())
    return errors


class ShapeEvidence(NamedTuple):
    centre: float  # mean presence in the disk at the centre of the subject's box
    aspect: float  # the box's longer side over its shorter
    errors: dict[str, float]  # outline error per shape


def shape_evidence(frame: np.ndarray, mask: np.ndarray) -> ShapeEvidence | None:
    """What one frame says about the subject's shape, or None when it can't be judged."""
    if mask.sum() < 12:
        return None
    presence = subject_presence(frame, mask)
    # The body: pixels at least half as far from the background as the subject, without one-pixel spurs
    # (a horizon the model drew a row off joins the mask there).
    body = mask & (presence >= BODY_PRESENCE)
    opened = ndimage.binary_opening(body)
    body = opened if opened.sum() >= KEEP_OPENED * body.sum() else body
    labels, count = ndimage.label(body)
    if count == 0:
        return None
    body = labels == 1 + int(np.argmax(ndimage.sum(body, labels, range(1, count + 1))))
    filled = ndimage.binary_fill_holes(body)
    rows, cols = np.nonzero(filled)
    height, width = mask.shape
    # Touching the frame's edge cuts the shape: its outline no longer says anything.
    if filled.sum() < 12 or rows.min() == 0 or cols.min() == 0 or rows.max() == height - 1 or cols.max() == width - 1:
        return None
    y0, y1, x0, x1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    margin = max(2, int(0.3 * max(y1 - y0, x1 - x0)))
    top, bottom = max(0, y0 - margin), min(height, y1 + margin)
    left, right = max(0, x0 - margin), min(width, x1 + margin)
    near = ndimage.binary_dilation(filled, iterations=2)[top:bottom, left:right]
    window = np.where(near, presence[top:bottom, left:right], 0.0).astype(np.float32)  # only this subject
    cy, cx = (y0 + y1 - 1) / 2 - top, (x0 + x1 - 1) / 2 - left
    radius = max(y1 - y0, x1 - x0) / 2
    if max(window.shape) > FIT_SIDE:
        factor = FIT_SIDE / max(window.shape)
        window = ndimage.zoom(window, factor, order=1)
        cy, cx, radius = (cy + 0.5) * factor - 0.5, (cx + 0.5) * factor - 0.5, radius * factor
    yy, xx = np.mgrid[0:window.shape[0], 0:window.shape[1]]
    centre = float(window[np.hypot(yy - cy, xx - cx) <= max(HOLE_PROBE * radius, 1.0)].mean())  # never empty
    aspect = max(y1 - y0, x1 - x0) / min(y1 - y0, x1 - x0)
    return ShapeEvidence(centre, float(aspect), _outline_errors(window, cy, cx, radius))


def classify_shape(frames: np.ndarray, masks: np.ndarray) -> tuple[str, dict[str, float]]:
    """Over the clip: a ring is a subject whose centre is nearer the background than the subject and that a
    ring's outline fits; any other shape is the filled outline (world geometry, engine.world.subject) that
    best fits its presence. "unknown" when no frame can be judged, or the subject is no world shape (its box
    is not square, or no outline fits)."""
    f = _as_float(frames)
    evidence = [e for e in (shape_evidence(frame, mask) for frame, mask in zip(f, masks)) if e is not None]
    if not evidence:
        return "unknown", {}
    centre = float(np.median([e.centre for e in evidence]))
    aspect = float(np.median([e.aspect for e in evidence]))
    errors = {shape: float(np.median([e.errors[shape] for e in evidence])) for shape in SHAPES}
    shape = "ring" if centre < RING_CENTRE else min(FILLED_SHAPES, key=errors.get)
    if errors[shape] > MAX_OUTLINE_ERROR or aspect > MAX_ASPECT:
        shape = "unknown"
    return shape, {"centre_presence": centre, "aspect": aspect, **{f"{k}_error": v for k, v in errors.items()}}


BANDS = [(0.04, 0.2), (0.5, 0.6), (0.86, 0.97)]  # sky, just below the horizon, ground (frame heights)


def _band_rows(h: int) -> list[tuple[int, int]]:
    return [(int(a * h), max(int(b * h), int(a * h) + 1)) for a, b in BANDS]


def _band_features(background_rows: np.ndarray) -> np.ndarray:
    """Mean colour of three bands (sky, just below the horizon, ground) from (T, H, 3) row colours."""
    feats = [background_rows[:, a:b].mean(axis=(0, 1)) for a, b in _band_rows(background_rows.shape[1])]
    return np.concatenate(feats)


@lru_cache(maxsize=1)
def _scene_prototypes() -> dict[str, np.ndarray]:
    # The look of each empty scene, measured once from the renderer's own backgrounds.
    from engine.world.scene import render_background

    h = w = 64
    u = ((np.arange(w) + 0.5) / h - 0.5).astype(np.float32)[None, None, :]
    v = ((np.arange(h) + 0.5) / h).astype(np.float32)[None, :, None]
    protos = {}
    for scene in SCENES:
        bg = render_background(scene, u, v, np.zeros((1, 1, 1), np.float32), np.full(4, 0.3), pixel=1 / h)
        protos[scene] = _band_features(np.median(np.clip(bg, 0, 1), axis=2))
    return protos


def classify_scene(frames: np.ndarray, masks: np.ndarray) -> tuple[str, float]:
    f = _as_float(frames)
    h = f.shape[1]
    used = np.zeros(h, bool)  # only the band rows enter the features: the others need no median
    for a, b in _band_rows(h):
        used[a:b] = True
    f, masks = f[:, used], masks[:, used]
    masked = np.where(masks[..., None], np.nan, f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a row the subject fills has no background: NaN
        rows = np.nanmedian(masked, axis=2)  # (T, rows, 3) each row's background colour
    rows = np.where(np.isnan(rows), np.nanmedian(f, axis=2), rows)
    full = np.zeros((f.shape[0], h, 3), np.float32)
    full[:, used] = rows
    feat = _band_features(full)
    dists = {s: float(np.linalg.norm(feat - p)) for s, p in _scene_prototypes().items()}
    scene = min(dists, key=dists.get)
    return scene, dists[scene]


def _camera_errors(f0: np.ndarray, f1: np.ndarray, bg0: np.ndarray, bg1: np.ndarray, moves: np.ndarray,
                   stride: int = 1) -> np.ndarray:
    """(K,) mean absolute difference between ``f1`` and ``f0`` moved by each (shift px, zoom) in ``moves``
    (K, 2), over background pixels seen in both; inf where under a quarter of the frame is comparable.
    All candidate moves are warped in one gather, which is what makes this cheap enough to run per shot;
    ``stride`` compares every stride-th row and column only."""
    h, w = f0.shape[:2]
    shift, zoom = moves[:, :1], moves[:, 1:]  # (K, 1)
    ci = np.rint(w / 2 + shift + (np.arange(w) + 0.5 - w / 2) / zoom - 0.5).astype(int)  # (K, W)
    ri = np.rint(ZOOM_CENTRE * h + (np.arange(h) + 0.5 - ZOOM_CENTRE * h) / zoom - 0.5).astype(int)  # (K, H)
    ci, ri, f1, bg1 = ci[:, ::stride], ri[:, ::stride], f1[::stride, ::stride], bg1[::stride, ::stride]
    ok_c, ok_r = (ci >= 0) & (ci < w), (ri >= 0) & (ri < h)
    ci, ri = np.clip(ci, 0, w - 1), np.clip(ri, 0, h - 1)
    flat = (ri[:, :, None] * w + ci[:, None, :]).reshape(-1)  # (K*H*W,) source pixel of every warped pixel
    hs, ws = f1.shape[:2]
    valid = ok_r[:, :, None] & ok_c[:, None, :] & bg0.reshape(-1)[flat].reshape(-1, hs, ws) & bg1[None]  # (K, h, w)
    diff = np.abs(f0.reshape(-1, f0.shape[-1])[flat].reshape(-1, hs, ws, f0.shape[-1]) - f1[None])  # (K, h, w, 3)
    count = valid.sum(axis=(1, 2))
    error = (diff.sum(axis=-1) * valid).sum(axis=(1, 2)) / (f0.shape[-1] * np.maximum(count, 1))
    return np.where(count / (hs * ws) < 0.25, np.inf, error)


# (pixel stride, candidates kept) before the full-resolution comparison. The evaluator's search scores every
# candidate on a quarter of the pixels. The quick one (sparser grids first) gave the same answer on 600 world
# clips in a third of the time, but differed on 4 of 24 blurrier DiT clips: V2A uses it, where only a rough
# zoom is needed to take it out of the subject's height; the evaluator keeps the thorough one.
CAMERA_SEARCH = ((2, 6),)
QUICK_CAMERA_SEARCH = ((8, 12), (4, 4))


def estimate_camera(frames: np.ndarray, masks: np.ndarray, search: tuple[tuple[int, int], ...] = CAMERA_SEARCH
                    ) -> tuple[float, float]:
    """Camera shift (pixels, positive = camera moved right) and zoom from the first to the last frame.

    Measured over a few segments of the clip and chained, so each comparison keeps most of the
    frame in view even when the whole move is large. ``search``: the coarse-to-fine schedule.
    """
    if len(frames) < 2:
        _as_float(frames)  # still refuses what is not a clip
        return 0.0, 1.0
    cuts = np.unique(np.linspace(0, len(frames) - 1, min(3, len(frames) - 1) + 1).round().astype(int))
    f = _as_float(np.asarray(frames)[cuts])  # only the frames compared are read
    w = f.shape[2]
    background = ~ndimage.binary_dilation(masks[cuts], structure=np.ones((1, 5, 5), bool))  # away from the subject
    candidates = [(float(s), 1.0) for s in range(-int(0.3 * w), int(0.3 * w) + 1)]
    candidates += [(0.0, float(z)) for z in np.geomspace(0.8, 1.25, 19) if abs(z - 1.0) > 1e-6]
    candidates.sort(key=lambda c: abs(c[0]) + abs(np.log(c[1])) * w)  # on a tie, the smaller move wins
    moves = np.array(candidates)  # (K, 2)
    shift, zoom = 0.0, 1.0
    for a, b in zip(range(len(cuts) - 1), range(1, len(cuts))):
        # Coarse to fine: every candidate on a sparse grid of pixels, the best few on denser ones, the
        # last few on all of them.
        kept = np.arange(len(moves))
        for stride, keep in search:
            errors = _camera_errors(f[a], f[b], background[a], background[b], moves[kept], stride=stride)
            kept = kept[np.sort(np.argsort(errors, kind="stable")[:keep])]  # in candidate order: ties go small
        s, z = candidates[int(kept[np.argmin(_camera_errors(f[a], f[b], background[a], background[b], moves[kept]))])]
        shift, zoom = shift + s, zoom * z
    return shift, zoom


def classify_camera(shift_px: float, zoom: float, width: int) -> str:
    if zoom > 1.12:
        return "zoom in"
    if zoom < 1 / 1.12:
        return "zoom out"
    if abs(shift_px) > 0.08 * width:
        return "pan right" if shift_px > 0 else "pan left"
    return "static"


def subject_track(masks: np.ndarray, shift_px: float, zoom: float) -> np.ndarray:
    """(T, 3) subject centre x, y and size in frame heights, mapped into the first frame's view."""
    t_count, h, w = masks.shape
    track = np.full((t_count, 3), np.nan)
    for t in range(t_count):
        if masks[t].sum() == 0:
            continue
        filled = ndimage.binary_fill_holes(masks[t])
        rows, cols = np.nonzero(filled)
        progress = t / max(t_count - 1, 1)  # the camera moves steadily through the clip
        z = zoom**progress
        x = w / 2 + shift_px * progress + (cols.mean() + 0.5 - w / 2) / z
        y = ZOOM_CENTRE * h + (rows.mean() + 0.5 - ZOOM_CENTRE * h) / z
        size = (rows.max() - rows.min() + 1) / z
        track[t] = (x / h, y / h, size / h)
    return track


def classify_motion(track: np.ndarray) -> tuple[str, dict[str, float]]:
    ok = ~np.isnan(track[:, 0])
    if ok.sum() < 2:
        return "unknown", {}
    x, y, size = track[ok].T
    k = max(1, min(3, len(x) // 4))
    growth = float(np.median(size[-k:]) / max(np.median(size[:k]), 1e-6))
    dx, dy = float(x[-1] - x[0]), float(y[-1] - y[0])
    # A bounce is a descent followed by a climb: the deepest point with room above it on both sides.
    lowest_before = np.minimum.accumulate(y)
    lowest_after = np.minimum.accumulate(y[::-1])[::-1]
    rebound = float(np.max(np.minimum(y - lowest_before, y - lowest_after)))
    feats = {"growth": growth, "dx": dx, "dy": dy, "rebound": rebound}
    if growth > 1.3:
        return "grows", feats
    if growth < 1 / 1.3:
        return "shrinks", feats
    if rebound > 0.06:
        return "bounces", feats
    if max(abs(dx), abs(dy)) < 0.08:
        return "still", feats
    if abs(dx) > abs(dy):
        return ("moves right" if dx > 0 else "moves left"), feats
    return ("falls" if dy > 0 else "rises"), feats


def read_clip(frames: np.ndarray, masks: np.ndarray | None = None) -> ClipReading:
    """Classify every attribute of a clip from its frames (T, H, W, 3); ``masks``: its subject masks from
    ``segment_subject``, if the caller has them already."""
    f = _as_float(frames)
    masks = segment_subject(f) if masks is None else masks
    colour, colour_d = classify_colour(f, masks)
    shape, shape_f = classify_shape(f, masks)
    scene, scene_d = classify_scene(f, masks)
    shift, zoom = estimate_camera(f, masks)
    camera = classify_camera(shift, zoom, f.shape[2])
    track = subject_track(masks, shift, zoom)
    motion, motion_f = classify_motion(track)
    attrs = {"shape": shape, "colour": colour, "scene": scene, "motion": motion, "camera": camera}
    details = {"colour_distance": colour_d, "scene_distance": scene_d, **shape_f, **motion_f}
    return ClipReading(attributes=attrs, track=track, camera_shift=shift / f.shape[2], camera_zoom=zoom,
                       found=float(masks.any(axis=(1, 2)).mean()), details=details)


def alignment(frames: np.ndarray, expected: dict[str, str]) -> dict[str, bool]:
    """Per-axis agreement between what the frames show and the expected attributes (only axes given)."""
    seen = read_clip(frames).attributes
    return {axis: seen[axis] == expected[axis] for axis in AXES if axis in expected}
