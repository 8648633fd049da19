import numpy as np
import pytest

from engine.world import render_clip
from engine.world.physics import FLOOR, plan_track


def _bounce_track(seed=0, frames=400, fps=200):
    return plan_track("bounces", "static", "meadow", frames, fps, 1.0, np.random.default_rng(seed))


def test_bounces_follow_gravity():
    track = _bounce_track()
    times = [e.time for e in track.events]
    assert len(times) >= 2
    # between impacts the height is a parabola with one constant acceleration
    accels = []
    for start, end in zip([0.0] + times[:-1], times):
        inside = (track.times > start + 0.02) & (track.times < end - 0.02)
        accels.append(np.polyfit(track.times[inside], track.y[inside], 2)[0] * 2)
    assert np.allclose(accels, accels[0], rtol=1e-3)
    # each bounce is lower: impact strength falls and flights get shorter
    strengths = [e.strength for e in track.events]
    assert all(a > b for a, b in zip(strengths, strengths[1:]))
    flights = np.diff(times)
    assert all(a > b for a, b in zip(flights, flights[1:]))


def test_impacts_happen_when_the_subject_touches_the_floor():
    track = _bounce_track(seed=3)
    bottom = track.y + track.radius
    for event in track.events:
        i = int(round(event.time * 200))
        assert abs(bottom[i] - FLOOR) < 0.01


def test_event_frame_and_subframe_agree_with_time():
    clip = render_clip(motion="bounces", fps=8, frames=16, seed=7, audio=False)
    for e in clip.events:
        assert e.frame == int(np.floor(e.time * 8 + 1e-9))
        assert 0 <= e.subframe < 1 and abs((e.frame + e.subframe) / 8 - e.time) < 1e-9


@pytest.mark.parametrize("scene,kind", [("beach", "splash"), ("meadow", "impact"), ("snowfield", "impact")])
def test_falls_land_once(scene, kind):
    clip = render_clip(motion="falls", scene=scene, seed=2, audio=False)
    assert [e.kind for e in clip.events] == [kind]


@pytest.mark.parametrize("motion", ["still", "moves left", "rises", "grows", "shrinks"])
def test_silent_motions_have_no_events(motion):
    assert render_clip(motion=motion, audio=False).events == []
