"""Contacts timed from the picture alone, against the world's ground-truth event times."""

import numpy as np
import pytest

from engine.eval.sync import score_onsets
from engine.v2a.impacts import find_impacts, impacts_from_frames
from engine.world import render_clip


@pytest.mark.parametrize("motion,camera,scene,seed", [
    ("bounces", "static", "meadow", 1), ("bounces", "pan left", "desert", 2), ("bounces", "zoom out", "night", 3),
    ("falls", "static", "snowfield", 4), ("falls", "pan right", "beach", 5),
])
def test_contacts_match_ground_truth(motion, camera, scene, seed):
    clip = render_clip(shape="cube", colour="orange", motion=motion, camera=camera, scene=scene, seed=seed,
                       audio=False)
    visible = [e.time for e in clip.events if e.time <= (len(clip.frames) - 1) / clip.fps]
    found = [imp.time for imp in impacts_from_frames(clip.frames, clip.fps)]
    score = score_onsets(found, visible)
    assert score.recall == 1.0 and score.median_error_ms < 25, (visible, found)


@pytest.mark.parametrize("motion", ["still", "moves left", "rises", "grows", "shrinks"])
def test_no_contacts_without_landings(motion):
    clip = render_clip(motion=motion, seed=2, audio=False)
    assert impacts_from_frames(clip.frames, clip.fps) == []


def test_parabola_fit_beats_the_frame_grid():
    fps, g = 8.0, 3.0
    t = np.arange(16) / fps
    y = 0.2 + 0.5 * g * t**2  # a free fall from rest ...
    land = np.sqrt(2 * (0.8 - 0.2) / g)
    y = np.where(t < land, y, 0.8)  # ... that lands at 0.632 s, between frames 5 and 6
    (hit,) = find_impacts(y, fps)
    assert abs(hit.time - land) < 0.005
