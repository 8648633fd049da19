import librosa
import numpy as np

from engine.world import render_clip
from engine.world.audio import SAMPLE_RATE, ambience, event_sound


def _centroid(x):
    return float(np.mean(librosa.feature.spectral_centroid(y=x.astype(np.float32), sr=SAMPLE_RATE)))


def test_soundtrack_has_a_sound_at_each_event():
    clip = render_clip(motion="bounces", scene="meadow", shape="cube", seed=4)
    assert clip.audio.dtype == np.float32 and len(clip.audio) == 2 * SAMPLE_RATE
    for e in clip.events:
        i = int(e.time * SAMPLE_RATE)
        before = np.abs(clip.audio[max(0, i - 400):i - 40]).max()
        after = np.abs(clip.audio[i:i + 400]).max()
        assert after > 5 * before


def test_impact_timbre_depends_on_the_subject():
    rng = np.random.default_rng(0)
    ball = _centroid(event_sound("impact", "ball", "meadow", 1.0, rng))
    triangle = _centroid(event_sound("impact", "triangle", "meadow", 1.0, rng))
    assert triangle > 2 * ball, "metal rings higher than rubber"


def test_each_scene_sounds_different():
    rng = np.random.default_rng(0)
    cents = {s: _centroid(ambience(s, SAMPLE_RATE, rng)) for s in ("meadow", "beach", "desert", "snowfield", "night")}
    values = sorted(cents.values())
    assert min(b - a for a, b in zip(values, values[1:])) > 50, cents
