"""Where the subject and the camera are at every frame, and when things hit the ground.

World units are frame heights: y runs from 0 at the top of the frame to 1 at the bottom when the camera
is at rest, x is 0 at the frame's centre. Falls and bounces follow constant gravity with a restitution
coefficient, so impacts happen at the times a person would expect. The same module later gives the
engine its per-frame layout (the subject's box), so the picture and the physics agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

HORIZON = 0.45  # world y of the horizon line
SEA_LINE = 0.62  # world y where the beach's sea gives way to sand
FLOOR = 0.86  # world y the subject rests on (its bottom edge)
ZOOM_CENTRE = 0.62  # world y the camera zooms about, so a subject on the floor stays in frame
TOP = 0.06  # highest the subject's top edge goes



def view_to_world(u, v, pan, zoom):
    """Where a point of a square frame shows the world: frame fractions (u right, v down) under a camera
    panned ``pan`` frame widths and zoomed ``zoom`` -> world x (frame widths, 0 at frame 0's centre) and
    world y. Works on numpy arrays and torch tensors alike; the caller broadcasts."""
    return pan + (u - 0.5) / zoom, ZOOM_CENTRE + (v - ZOOM_CENTRE) / zoom


def world_to_view(x, y, pan, zoom):
    """The inverse of view_to_world: where world point (x, y) appears in the frame, in frame fractions."""
    return 0.5 + (x - pan) * zoom, ZOOM_CENTRE + (y - ZOOM_CENTRE) * zoom

# How far things move over one clip, whatever its length: a longer clip is slower, never off-screen.
TRAVEL = (0.30, 0.40)  # fraction of the frame width for moves left/right
RISE = (0.28, 0.36)  # frame heights for rises
PAN = (0.22, 0.30)  # fraction of the frame width for pans
ZOOM_IN = (1.30, 1.40)  # final zoom factor
ZOOM_OUT = (0.74, 0.80)
GROWTH = 1.7  # size factor for grows/shrinks
MAX_IMAGE_RADIUS = 0.22  # the subject never covers more than 44% of the frame height


@dataclass
class Event:
    """A sound-making moment: an impact on the ground or the subject entering water."""

    kind: str  # "impact" | "splash"
    time: float  # seconds from the clip's start
    frame: int  # the frame during which it happens
    subframe: float  # where inside that frame, in [0, 1)
    strength: float  # impact speed relative to the first impact, in (0, 1]

    def as_dict(self) -> dict:
        return {"kind": self.kind, "time": self.time, "frame": self.frame, "subframe": self.subframe,
                "strength": self.strength}


@dataclass
class Track:
    """Per-frame state of subject and camera, in world and image coordinates."""

    times: np.ndarray  # (T,) seconds
    x: np.ndarray  # (T,) subject centre, world
    y: np.ndarray  # (T,)
    radius: np.ndarray  # (T,) world radius
    cam_x: np.ndarray  # (T,) world x at the frame's centre
    zoom: np.ndarray  # (T,)
    aspect: float  # width / height
    events: list[Event] = field(default_factory=list)

    def image_centre(self) -> tuple[np.ndarray, np.ndarray]:
        """Subject centre in image units (frame heights from the top-left corner)."""
        u = self.aspect / 2 + (self.x - self.cam_x) * self.zoom
        v = ZOOM_CENTRE + (self.y - ZOOM_CENTRE) * self.zoom
        return u, v

    def image_radius(self) -> np.ndarray:
        return self.radius * self.zoom

    def camera(self) -> np.ndarray:
        """(T, 2) the camera per frame: (how far it has panned, in frame widths; zoom factor). Frame 0 is
        (0, 1): the path the engine can condition on, the camera-side twin of ``layout``."""
        return np.stack([self.cam_x / self.aspect, self.zoom], axis=1)

    def layout(self) -> np.ndarray:
        """(T, 4) boxes (x0, y0, x1, y1) in [0, 1] image fractions: the layout the engine can condition on."""
        u, v = self.image_centre()
        r = self.image_radius()
        return np.stack([(u - r) / self.aspect, v - r, (u + r) / self.aspect, v + r], axis=1)


def _camera(camera: str, s: np.ndarray, aspect: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    cam_x = np.zeros_like(s)
    zoom = np.ones_like(s)
    if camera in ("pan left", "pan right"):
        # Panning left moves the camera left, so the scene slides right across the frame.
        direction = -1.0 if camera == "pan left" else 1.0
        cam_x = direction * rng.uniform(*PAN) * aspect * s
    elif camera == "zoom in":
        zoom = rng.uniform(*ZOOM_IN) ** s
    elif camera == "zoom out":
        zoom = rng.uniform(*ZOOM_OUT) ** s
    return cam_x, zoom


def _drop(t: np.ndarray, y_rest: float, height: float, t_first: float, restitution: float,
          min_flight: float) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Centre height of a subject dropped at rest from ``height`` above ``y_rest``.

    Gravity is chosen so the first impact lands at ``t_first``; after each impact the upward speed is
    ``restitution`` times the impact speed. Returns y(t) and the (time, relative strength) of impacts.
    """
    g = 2.0 * height / t_first**2
    y = y_rest - height + 0.5 * g * t**2
    impacts = [(t_first, 1.0)]
    v0 = g * t_first
    start, speed = t_first, v0 * restitution
    y = np.where(t >= t_first, y_rest, y)
    while restitution > 0 and 2 * speed / g >= min_flight and start < t[-1] + 1e-9:
        flight = 2 * speed / g
        dt = t - start
        inside = (dt >= 0) & (dt < flight)
        y = np.where(inside, y_rest - (speed * dt - 0.5 * g * dt**2), y)
        start += flight
        impacts.append((start, speed / v0))
        speed *= restitution
    return y, impacts


def plan_track(motion: str, camera: str, scene: str, frames: int, fps: int, aspect: float,
               rng: np.random.Generator) -> Track:
    """Sample a subject path and camera move that keep the subject whole inside the frame."""
    duration = frames / fps
    t = np.arange(frames, dtype=np.float64) / fps
    s = t / duration  # clip progress in [0, 1)
    cam_x, zoom = _camera(camera, s, aspect, rng)
    max_world_r = MAX_IMAGE_RADIUS / zoom.max()

    if motion in ("grows", "shrinks"):
        # Scale the whole growth to fit, rather than clipping it, so the size always changes by GROWTH.
        r_big = min(rng.uniform(0.19, 0.21), max_world_r)
        radius = (r_big / GROWTH) * GROWTH ** (s if motion == "grows" else 1.0 - s)
    else:
        radius = np.full_like(t, min(rng.uniform(0.12, 0.19), max_world_r))
    r_max = float(radius.max())

    events: list[tuple[str, float, float]] = []
    y_floor = FLOOR - r_max
    if motion in ("moves left", "moves right"):
        direction = -1.0 if motion == "moves left" else 1.0
        x_rel = direction * rng.uniform(*TRAVEL) * aspect * s
        y = np.full_like(t, rng.uniform(HORIZON, y_floor))
    elif motion == "rises":
        rise = rng.uniform(*RISE)
        y0 = rng.uniform(max(TOP + r_max + rise, HORIZON), y_floor)
        y = y0 - rise * s
        x_rel = np.zeros_like(t)
    elif motion == "falls":
        # A fall from near the top that lands two thirds of the way through; on the beach it lands in the sea.
        y_rest = SEA_LINE - 0.3 * r_max if scene == "beach" else y_floor
        height = y_rest - (TOP + r_max)
        y, impacts = _drop(t, y_rest, height, rng.uniform(0.55, 0.75) * duration, 0.0, 1.0)
        kind = "splash" if scene == "beach" else "impact"
        events += [(kind, time, strength) for time, strength in impacts]
        x_rel = np.zeros_like(t)
    elif motion == "bounces":
        height = rng.uniform(0.28, min(0.42, y_floor - TOP - r_max))
        y, impacts = _drop(t, y_floor, height, rng.uniform(0.22, 0.32) * duration,
                           rng.uniform(0.68, 0.78), 0.12 * duration)
        events += [("impact", time, strength) for time, strength in impacts]
        x_rel = np.zeros_like(t)
    else:  # still, grows, shrinks
        y = np.full_like(t, rng.uniform(HORIZON - 0.05, y_floor))
        x_rel = np.zeros_like(t)

    # Choose the start x so the subject stays whole in frame through the camera move.
    margin = aspect / 2 - radius * zoom - 0.02  # (T,) how far the centre may sit from the frame's centre
    lo = float(np.max(-margin / zoom - x_rel + cam_x))  # the image offset (x0 + x_rel - cam_x) * zoom
    hi = float(np.min(margin / zoom - x_rel + cam_x))  # must stay within [-margin, margin]
    x0 = rng.uniform(lo, hi) if lo <= hi else (lo + hi) / 2
    x = x0 + x_rel

    track = Track(times=t, x=x, y=y, radius=radius, cam_x=cam_x, zoom=zoom, aspect=aspect)
    for kind, time, strength in events:
        if time < duration:
            frame = int(np.floor(time * fps + 1e-9))
            track.events.append(Event(kind, float(time), frame, float(time * fps - frame), float(strength)))
    return track
