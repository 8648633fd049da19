"""When does the subject hit something? Impact times from pixels, finer than the frame interval.

At 8 frames per second a frame lasts 125 ms, but a bounce follows gravity: between contacts the height
is a parabola with one acceleration for the whole clip. Fitting those parabolas to the tracked subject
and intersecting them with the contact level puts each impact at a sub-frame time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.eval.video import QUICK_CAMERA_SEARCH, estimate_camera, segment_subject
from engine.world.physics import ZOOM_CENTRE

MIN_DROP = 0.04  # frame heights a subject must fall before a contact counts


@dataclass
class Impact:
    time: float  # seconds
    speed: float  # frame heights per second at contact (how hard it hit)
    frame: int


def _arcs(y: np.ndarray, eps: float) -> tuple[list[np.ndarray], list[str]]:
    """Split a height track into flights. Each arc is a run of frame indices between contacts; ``ends``
    says how each arc ends: "bounce" (the next arc rises), "rest" (the subject stays down) or "open"."""
    d = np.diff(y)
    arcs, ends, start = [], [], 0
    i = 0
    while i < len(d):
        if d[i] > eps:  # falling: run to the bottom of this descent
            j = i
            while j < len(d) and d[j] > -eps:
                if d[j] <= eps and j + 1 < len(d) and abs(d[j + 1]) <= eps:
                    break  # two still steps in a row: it came to rest
                j += 1
            if j >= len(d):
                arcs.append(np.arange(start, j + 1))
                ends.append("open")
                return arcs, ends
            resting = abs(d[j]) <= eps
            arcs.append(np.arange(start, j if resting else j + 1))  # a frame already at rest is not flight
            ends.append("rest" if resting else "bounce")
            start = j + 1 if not resting else j
            if resting:
                return arcs, ends
            i = j + 1
        else:
            i += 1
    return arcs, ends


def _joint_fit(t: np.ndarray, y: np.ndarray, arcs: list) -> tuple[np.ndarray, float]:
    """Least squares y = a t^2 + b_k t + c_k over every arc k; returns coefficients and squared error."""
    n = len(arcs)
    rows, targets = [], []
    for k, idx in enumerate(arcs):
        for i in idx:
            row = np.zeros(1 + 2 * n)
            row[0], row[1 + 2 * k], row[2 + 2 * k] = t[i] ** 2, t[i], 1.0
            rows.append(row)
            targets.append(y[i])
    design, target = np.array(rows), np.array(targets)
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    return coef, float(np.sum((design @ coef - target) ** 2))


def find_impacts(y: np.ndarray, fps: float) -> list[Impact]:
    """Contacts from a height track ``y`` (frame heights, down is positive; NaN where not seen).

    Every flight is a parabola and gravity is one number for the clip, so the flights are fitted together
    (shared acceleration, own velocity and offset each); a contact is where one flight meets the next,
    or where it meets the resting height, or, for a last flight cut off by the end of the clip, where it
    reaches the height of the earlier contacts.
    """
    t = np.arange(len(y)) / fps
    ok = ~np.isnan(y)
    if ok.sum() < 4:
        return []
    y = np.where(ok, y, np.interp(t, t[ok], y[ok]))
    if y.max() - y.min() < MIN_DROP:
        return []
    eps = 0.004  # about a quarter pixel at 64 px: tracking jitter under a zoom stays below it
    arcs, ends = _arcs(y, eps)
    keep = [k for k, a in enumerate(arcs) if len(a) >= 2]
    arcs, ends = [arcs[k] for k in keep], [ends[k] for k in keep]
    if not arcs:
        return []
    # The lowest frame of a bounce may come just after the contact: try it in either flight, keep the
    # assignment that the parabolas fit best.
    n = len(arcs)
    coef, best = None, np.inf
    for choice in range(2 ** sum(e == "bounce" for e in ends[: n - 1])):
        trial = [list(a) for a in arcs]
        bit = 0
        for k in range(n - 1):
            if ends[k] == "bounce":
                if choice >> bit & 1 and len(trial[k]) > 2:
                    trial[k + 1].insert(0, trial[k].pop())
                bit += 1
        c_try, err = _joint_fit(t, y, trial)
        if err < best:
            coef, best, arcs = c_try, err, [np.array(a) for a in trial]
    a = float(coef[0])
    if a <= 0:
        return []
    arc_bc = [(float(coef[1 + 2 * k]), float(coef[2 + 2 * k])) for k in range(n)]
    duration = len(y) / fps
    impacts: list[Impact] = []
    heights: list[float] = []
    for k, (idx, end) in enumerate(zip(arcs, ends)):
        b, c = arc_bc[k]
        last = int(idx[-1])
        if end == "bounce" and k + 1 < n:
            b2, c2 = arc_bc[k + 1]
            root = (c2 - c) / (b - b2) if b != b2 else t[last]
        else:
            level = float(np.median(y[last:last + 3])) if end == "rest" else (
                float(np.mean(heights)) if heights else float(y.max()))
            disc = b * b - 4 * a * (c - level)
            if disc < 0:
                continue
            root = (-b + np.sqrt(disc)) / (2 * a)
        if not (t[idx[0]] <= root <= (duration if end == "open" else t[min(last + 1, len(t) - 1)] + 0.5 / fps)):
            continue
        heights.append(a * root**2 + b * root + c)
        impacts.append(Impact(float(root), float(2 * a * root + b), min(int(root * fps), len(y) - 1)))
    return [imp for imp in impacts if imp.speed > 0]


def contact_track(frames: np.ndarray, masks: np.ndarray | None = None,
                  search: tuple[tuple[int, int], ...] = QUICK_CAMERA_SEARCH) -> np.ndarray:
    """(T,) the subject's height (centre of its mask, sub-pixel) in frame heights, zoom taken out.

    Pans move the scene sideways only, so heights need no correction for them; a zoom scales heights
    about the zoom centre, which is undone here. Only contact times matter, and the subject's size does
    not change during a fall or a bounce, so its centre falls exactly as its lowest point does.
    """
    masks = segment_subject(frames) if masks is None else masks
    h = masks.shape[1]
    _, zoom = estimate_camera(frames, masks, search)  # only a rough zoom is needed: the quick search
    track = np.full(len(masks), np.nan)
    rows = np.arange(h, dtype=float)
    for t, mask in enumerate(masks):
        weight = mask.sum(axis=1)
        if weight.sum() == 0:
            continue
        centre = (rows + 0.5) @ weight / weight.sum() / h
        z = zoom ** (t / max(len(masks) - 1, 1))
        track[t] = ZOOM_CENTRE + (centre - ZOOM_CENTRE) / z
    return track


def impacts_from_frames(frames: np.ndarray, fps: float, masks: np.ndarray | None = None,
                        search: tuple[tuple[int, int], ...] = QUICK_CAMERA_SEARCH) -> list[Impact]:
    """Contacts of the subject with the ground, timed from the picture alone. ``search``: the camera
    search (benchmarks pass the evaluator's thorough one for their reference)."""
    return find_impacts(contact_track(frames, masks, search), fps)
