import numpy as np

from engine.world import render_clip
from engine.world.captions import COLOUR_WORDS, SHAPE_WORDS


def test_same_seed_same_clip():
    a = render_clip(shape="ring", colour="green", scene="beach", motion="bounces", camera="pan left", seed=11)
    b = render_clip(shape="ring", colour="green", scene="beach", motion="bounces", camera="pan left", seed=11)
    assert np.array_equal(a.frames, b.frames)
    assert np.array_equal(a.audio, b.audio)
    assert a.caption == b.caption
    assert [e.time for e in a.events] == [e.time for e in b.events]


def test_different_seeds_differ():
    a = render_clip(seed=1, audio=False)
    b = render_clip(seed=2, audio=False)
    assert not np.array_equal(a.frames, b.frames)


def test_any_size_and_length():
    clip = render_clip(height=48, width=80, frames=40, fps=12, motion="moves right", audio=True)
    assert clip.frames.shape == (40, 48, 80, 3) and clip.frames.dtype == np.uint8
    assert clip.mask.shape == (40, 48, 80)
    assert len(clip.audio) == round(40 / 12 * clip.sample_rate)
    assert clip.centroid[-1, 0] > clip.centroid[0, 0] + 10, "moves right across the wider frame"


def test_ground_truth_matches_the_picture():
    clip = render_clip(shape="cube", colour="red", scene="meadow", motion="moves left", seed=5, audio=False)
    for t in range(len(clip.frames)):
        ys, xs = np.nonzero(clip.mask[t])
        assert abs(xs.mean() - clip.centroid[t, 0]) < 1.0 and abs(ys.mean() - clip.centroid[t, 1]) < 1.0
        assert abs((ys.max() - ys.min() + 1) / 64 - clip.size[t]) < 0.05
    # the subject is drawn in its colour: red dominates inside the mask
    inside = clip.frames[clip.mask].astype(int)
    assert np.median(inside[:, 0]) > 150 and np.median(inside[:, 1]) < 80


def test_subjects_are_large_and_inside_the_frame():
    for seed in range(20):
        clip = render_clip(seed=seed, motion=["grows", "shrinks", "bounces", "moves left"][seed % 4],
                           camera=["zoom in", "zoom out", "pan left", "static"][seed % 4], audio=False)
        assert clip.size.min() >= 0.15 and clip.size.max() <= 0.46
        box = clip.layout
        assert box[:, :2].min() >= -0.01 and box[:, 2:].max() <= 1.01


def test_captions_are_varied_paraphrases():
    captions = {render_clip(shape="ball", colour="red", seed=s, frames=2, audio=False).caption for s in range(30)}
    assert len(captions) >= 12
    for text in captions:
        assert any(w in text.lower() for w in COLOUR_WORDS["red"])
        assert any(w in text.lower() for w in SHAPE_WORDS["ball"])
