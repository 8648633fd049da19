"""What the picture says about sound, per mel frame (10 ms): impacts, motion, and the scene and material.

Everything here is measured from pixels (the evaluator's segmentation, scene and shape readers and the
sub-frame impact timer), never from the renderer's ground truth, so the same features come out of a
world render, a clip our DiT drew, or a person's own video. Long videos are read in overlapping windows
of frames; each window owns the impacts in its middle part, so an impact near a window edge is timed by
the window that sees the whole fall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.eval.video import classify_scene, classify_shape, segment_subject
from engine.v2a.impacts import MIN_DROP, Impact, impacts_from_frames
from engine.v2a.mel import FRAME_RATE, mel_frames
from engine.world.vocab import SCENES, SHAPES

CUT_RATIO = 3.0  # a frame change this many times its neighbours' is a cut between shots
CUT_FLOOR = 0.1  # ... and it changes at least this share of the pixels
PIXEL_CHANGE = 0.1  # a pixel has changed when a channel moved this much (0-1 units)
FEATURES_VERSION = 4  # bump when the features change: cached training pairs and sounds are then remade
ANALYSIS_FPS = 8.0  # impacts are timed on frames at about this rate (the physics fit is tuned for it)
WINDOW = 32  # analysis frames read together (4 s): long enough for a whole fall and its bounces
OVERLAP = 8  # analysis frames shared by neighbouring windows
SAME_IMPACT = 0.06  # seconds: two windows timing one contact this close are one impact
PULSE_WIDTH = 0.008  # seconds (standard deviation of the impact pulse)
RING_TIME = 0.12  # seconds: how fast the "just hit" channel fades after an impact
SCENE_BLEND = 0.2  # seconds over which the scene and material channels change at a cut

CHANNELS = (
    ["impact", "impact_strength", "since_impact", "motion", "visible"]
    + [f"scene_{s}" for s in SCENES]
    + [f"material_{s}" for s in SHAPES]
)


@dataclass
class VisualFeatures:
    """(C, F) features at the mel frame rate, the impacts they came from, and what was recognised."""

    track: np.ndarray  # (len(CHANNELS), F) float32
    impacts: list[Impact]
    scenes: list[str]  # per window
    materials: list[str]  # per window ("unknown" where no subject was seen)
    duration: float  # seconds

    @property
    def frames(self) -> int:
        return self.track.shape[1]


def _windows(count: int, stride: int = 1) -> list[tuple[int, int, int, int]]:
    """(start, stop, own_from, own_to) frame ranges: windows of WINDOW analysis frames (``stride`` video
    frames each) overlap, and each owns the frames up to the middle of its overlaps with its neighbours."""
    window, overlap = WINDOW * stride, OVERLAP * stride
    if count <= window:
        return [(0, count, 0, count)]
    starts = list(range(0, count - window, window - overlap)) + [count - window]
    bounds = [0] + [(nxt + cur + window) // 2 for cur, nxt in zip(starts[:-1], starts[1:])] + [count]
    return [(start, start + window, bounds[k], bounds[k + 1]) for k, start in enumerate(starts)]


def frame_changes(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One pass over the video, in chunks so a long one is never widened all at once: (T,) mean absolute
    grey-level change from the previous frame (0 for the first), and (T-1,) the share of pixels that
    changed (a channel moved more than PIXEL_CHANGE) into frame t+1; 0-1 units.

    8-bit video stays in integers (a quarter of the float work); the channel reductions are written out
    because numpy reduces a last axis of 3 slowly."""
    frames = np.asarray(frames)
    scale = 255.0 if frames.dtype == np.uint8 else 1.0
    kind = np.int16 if frames.dtype == np.uint8 else np.float32
    grey = np.zeros(len(frames), np.float32)
    changed = np.zeros(max(len(frames) - 1, 0), np.float32)
    for start in range(1, len(frames), 256):
        step = np.diff(frames[start - 1:start + 256].astype(kind), axis=0)  # (t-1, H, W, 3)
        r, g, b = step[..., 0], step[..., 1], step[..., 2]
        grey[start:start + len(step)] = np.abs(r + g + b).mean(axis=(1, 2)) / (3.0 * scale)
        biggest = np.maximum(np.maximum(np.abs(r), np.abs(g)), np.abs(b))  # (t-1, H, W)
        changed[start - 1:start - 1 + len(step)] = (biggest > PIXEL_CHANGE * scale).mean(axis=(1, 2))
    return grey, changed


def find_cuts(frames: np.ndarray, changed: np.ndarray | None = None) -> list[int]:
    """Frame indices where a new shot starts. Within a shot the share of pixels that change from frame to
    frame moves smoothly (a moving subject changes a few, a pan many but evenly); a cut changes far more
    of them than the frames around it do. On world clips joined at random: 96% of cuts found, none
    invented (a bouncing subject's sudden stops included). ``changed``: from ``frame_changes``, if known."""
    if len(frames) < 2:
        return []
    if changed is None:
        changed = frame_changes(frames)[1]
    cuts = []
    for t in range(1, len(frames)):
        around = np.concatenate([changed[max(0, t - 4):t - 1], changed[t:t + 3]])
        typical = float(np.median(around)) if len(around) else 0.0
        if changed[t - 1] > CUT_FLOOR and changed[t - 1] > CUT_RATIO * max(typical, 0.002):
            cuts.append(t)
    return cuts


def _blend(channels: np.ndarray, width: int) -> np.ndarray:
    """(C, F) channels under a centred moving average ``width`` frames wide (made odd), so a reading that
    changes (at a cut, or where a new window reads another scene) crossfades around the change. A channel
    that never changes is kept exactly: the average is over the frames that exist at either end."""
    width = min(width | 1, (channels.shape[1] - 1) | 1)  # odd, and no wider than the track
    if width < 3:
        return channels
    kernel = np.ones(width, np.float32)
    mass = np.convolve(np.ones(channels.shape[1], np.float32), kernel, mode="same")
    return np.stack([np.convolve(c, kernel, mode="same") / mass for c in channels]).astype(np.float32)


def _may_fall(masks: np.ndarray) -> bool:
    """Whether the subject's height changes enough for a fall to hide in it. Timing impacts needs the
    camera's zoom, the costliest measurement here, so a subject that stays level skips it. A zoom alone
    can move a level subject by a few hundredths of the frame, so this lets those through."""
    seen = masks.any(axis=(1, 2))
    if seen.sum() < 4:
        return False
    rows = np.arange(masks.shape[1]) + 0.5
    heights = [(rows @ m.sum(axis=1)) / m.sum() / masks.shape[1] for m in masks[seen]]
    return max(heights) - min(heights) >= MIN_DROP / 2


def visual_features(frames: np.ndarray, fps: float) -> VisualFeatures:
    """Features of a (T, H, W, 3) uint8 clip at ``fps``."""
    frames = np.asarray(frames)
    count = len(frames)
    duration = count / fps
    n = mel_frames(duration)
    times = np.arange(n) / FRAME_RATE  # (F,) seconds
    video_times = np.arange(count) / fps  # (T,) the world renders frame i at time i / fps
    track = np.zeros((len(CHANNELS), n), np.float32)

    impacts: list[Impact] = []
    scenes, materials = [], []
    motion = np.zeros(count, np.float32)
    visible = np.zeros(count, np.float32)
    # Every shot of an edited video is read on its own: a fall is never fitted across a cut.
    grey_change, changed = frame_changes(frames)
    cuts = find_cuts(frames, changed)
    bounds = [0, *cuts, count]
    stride = max(1, int(round(fps / ANALYSIS_FPS)))  # a 24 or 30 fps video is timed on every 3rd/4th frame
    spans = [(shot, first + start, first + stop, first + own_from, first + own_to)
             for shot, (first, last) in enumerate(zip(bounds[:-1], bounds[1:]))
             for start, stop, own_from, own_to in _windows(last - first, stride)]
    shot_of: list[int] = []  # the shot each impact is in: strengths are relative within a shot
    for shot, start, stop, own_from, own_to in spans:
        part = frames[start:stop]
        masks = segment_subject(part)
        # Scene and material do not change within a window: a few frames tell them as well as all.
        scene, _ = classify_scene(part[::4], masks[::4])
        material, _ = classify_shape(part[::2], masks[::2])
        scenes.append(scene)
        materials.append(material)
        seen = impacts_from_frames(part[::stride], fps / stride, masks[::stride]) if _may_fall(masks) else []
        for imp in seen:
            at = imp.time + start / fps
            # A window owns the impacts in its own frames; a contact timed by two windows either side of
            # their boundary is kept once.
            duplicate = any(abs(at - other.time) < SAME_IMPACT for other in impacts)
            if own_from / fps - SAME_IMPACT <= at < own_to / fps + SAME_IMPACT and not duplicate:
                impacts.append(Impact(at, imp.speed, imp.frame * stride + start))
                shot_of.append(shot)
        visible[own_from:own_to] = masks[own_from - start:own_to - start].any(axis=(1, 2))
        # Where the window owns frames, the scene and material channels say what it recognised.
        span = (times >= own_from / fps) & ((times < own_to / fps) | (own_to == count))
        track[CHANNELS.index(f"scene_{scene}"), span] = 1.0
        if material in SHAPES:
            track[CHANNELS.index(f"material_{material}"), span] = 1.0
    if count > 1:
        motion = grey_change * 10.0  # about 1 for a brisk move
        motion[0] = motion[1]
        for cut in cuts:  # a cut is not motion: it makes no sound
            motion[cut] = motion[cut - 1]

    # A new scene's ambience crossfades with the old one rather than switching: a switch is heard as a hit.
    first = CHANNELS.index(f"scene_{SCENES[0]}")
    track[first:] = _blend(track[first:], int(round(SCENE_BLEND * FRAME_RATE)))
    track[CHANNELS.index("motion")] = np.interp(times, video_times - 0.5 / fps, motion)  # change into frame i
    track[CHANNELS.index("visible")] = np.interp(times, video_times, visible)
    order = np.argsort([imp.time for imp in impacts], kind="stable")
    impacts, shot_of = [impacts[i] for i in order], [shot_of[i] for i in order]
    if impacts:
        strongest = {k: max(imp.speed for imp, s in zip(impacts, shot_of) if s == k) for k in set(shot_of)}
        since = np.full(n, np.inf)
        for imp, shot in zip(impacts, shot_of):
            pulse = np.exp(-0.5 * ((times - imp.time) / PULSE_WIDTH) ** 2)
            track[CHANNELS.index("impact")] += pulse
            track[CHANNELS.index("impact_strength")] += pulse * imp.speed / strongest[shot]
            after = times >= imp.time
            since[after] = np.minimum(since[after], times[after] - imp.time)
        track[CHANNELS.index("since_impact")] = np.exp(-since / RING_TIME)
    return VisualFeatures(track=track, impacts=impacts, scenes=scenes, materials=materials, duration=duration)
