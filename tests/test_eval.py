import numpy as np
import pytest

from engine.eval import continuity, detect_onsets, psnr, read_clip, score_onsets, sync_score
from engine.world import AXES, render_clip

# Eight clips that together show every value of every axis.
CASES = [{axis: values[i % len(values)] for axis, values in AXES.items()} for i in range(8)]


@pytest.mark.parametrize("attrs", CASES, ids=lambda a: "-".join(a.values()).replace(" ", "_"))
def test_evaluator_reads_every_attribute(attrs):
    clip = render_clip(**attrs, seed=123, audio=False)
    assert read_clip(clip.frames).attributes == attrs


def test_evaluator_works_on_other_sizes():
    clip = render_clip(shape="cube", colour="orange", scene="snowfield", motion="moves left", height=96,
                       width=128, seed=9, audio=False)
    seen = read_clip(clip.frames).attributes
    assert seen["shape"] == "cube" and seen["colour"] == "orange" and seen["motion"] == "moves left"


def test_sync_on_ground_truth_audio():
    clip = render_clip(motion="bounces", shape="ring", scene="beach", seed=8)
    score = sync_score(clip.audio, clip.sample_rate, [e.time for e in clip.events])
    assert score.f1 == 1.0 and score.median_error_ms < 25


def test_no_onsets_in_ambience_or_silence():
    clip = render_clip(motion="still", scene="night", seed=1)
    assert len(detect_onsets(clip.audio, clip.sample_rate)) == 0
    assert len(detect_onsets(np.zeros(32000, np.float32), 16000)) == 0


def test_score_onsets_edge_cases():
    assert score_onsets([], []).f1 == 1.0
    assert score_onsets([0.5], []).f1 == 0.0
    s = score_onsets([0.51, 1.3], [0.5, 1.0])
    assert s.precision == 0.5 and s.recall == 0.5 and abs(s.median_error_ms - 10) < 1e-6


def test_continuity_and_psnr():
    a = render_clip(shape="ball", colour="blue", motion="moves right", seed=3, audio=False)
    b = render_clip(shape="ball", colour="blue", motion="bounces", seed=4, audio=False)
    c = render_clip(shape="cube", colour="red", motion="bounces", seed=4, audio=False)
    assert continuity(a.frames, b.frames)["same_subject"]
    assert not continuity(a.frames, c.frames)["same_subject"]
    assert psnr(a.frames[0], a.frames[0]) == float("inf")
    assert 5 < psnr(a.frames[-1], b.frames[0]) < 40


def test_bad_frames_are_a_clear_error():
    with pytest.raises(ValueError, match=r"\(T, H, W, 3\)"):
        read_clip(np.zeros((4, 32, 32)))


def test_subject_regions_are_labelled_per_frame():
    """One labelling for the whole clip must pick, in every frame, the region labelling that frame alone picks."""
    from scipy import ndimage

    from engine.eval.video import MIN_SUBJECT_FRACTION, segment_subject

    rng = np.random.default_rng(5)
    frames = np.full((12, 32, 32, 3), 90, np.uint8)
    for t in range(12):
        for _ in range(t % 4):  # frames with no, one, two and three blobs, sometimes touching across frames
            y, x, r = rng.integers(0, 28), rng.integers(0, 28), rng.integers(1, 5)
            frames[t, y:y + r, x:x + r] = 250
    masks = segment_subject(frames)
    for t in range(12):
        labels, count = ndimage.label(np.abs(frames[t].astype(int) - 90).max(axis=-1) > 0.13 * 255)
        expected = np.zeros((32, 32), bool)
        if count:
            sizes = np.bincount(labels.ravel())[1:]
            if sizes.max() >= MIN_SUBJECT_FRACTION * 32 * 32:
                expected = labels == int(np.argmax(sizes)) + 1
        assert np.array_equal(masks[t], expected), t


def _blur(frames: np.ndarray, sigma: float) -> np.ndarray:
    from scipy import ndimage

    return np.clip(ndimage.gaussian_filter(frames.astype(np.float32), (0, sigma, sigma, 0)), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("shape", ["ball", "cube", "triangle", "ring"])
def test_shape_survives_blur(shape):
    # The DiT's frames are softer than the renderer's: a blurred shape is still the shape it was.
    clip = render_clip(shape=shape, colour="white", scene="beach", motion="moves right", seed=5, audio=False)
    assert read_clip(_blur(clip.frames, 1.2)).attributes["shape"] == shape


def _fill_hole(frames: np.ndarray, mask: np.ndarray, share: float) -> np.ndarray:
    """The ring's hole painted ``share`` of the way from the background to the ring's colour."""
    from scipy import ndimage

    out = frames.astype(np.float32)
    for t in range(len(frames)):
        hole = ndimage.binary_fill_holes(mask[t]) & ~mask[t]
        colour = np.median(out[t][ndimage.binary_erosion(mask[t])], axis=0)
        out[t][hole] += share * (colour - out[t][hole])
    return out.round().astype(np.uint8)


def test_a_ring_is_a_ring_while_its_hole_is_nearer_the_background():
    clip = render_clip(shape="ring", colour="blue", scene="meadow", motion="still", seed=2, audio=False)
    assert read_clip(_fill_hole(clip.frames, clip.mask, 0.35)).attributes["shape"] == "ring"
    assert read_clip(_fill_hole(clip.frames, clip.mask, 0.85)).attributes["shape"] == "ball"


def test_a_halo_and_a_stray_line_do_not_round_a_cube():
    # A faint halo round the subject and a one-pixel line drawn out of it (a horizon drawn a row off) join
    # the thresholded mask; the outline is judged on the subject's body.
    clip = render_clip(shape="cube", colour="yellow", scene="night", motion="still", seed=4, audio=False)
    frames = clip.frames.astype(np.float32)
    colour = np.median(frames[clip.mask], axis=0)
    from scipy import ndimage

    for t in range(len(frames)):
        halo = ndimage.binary_dilation(clip.mask[t], iterations=3) & ~clip.mask[t]
        frames[t][halo] += 0.45 * (colour - frames[t][halo])
        rows, cols = np.nonzero(clip.mask[t])
        spur = (rows.min() + 2, slice(cols.max(), cols.max() + 9))  # a one-pixel line out of the subject
        frames[t][spur] += 0.8 * (colour - frames[t][spur])
    assert read_clip(frames.round().astype(np.uint8)).attributes["shape"] == "cube"


def test_the_smallest_ring_blurred_is_still_a_ring():
    # Shrinking while the camera zooms out makes the world's smallest subject: a ring band of about 3 px.
    clip = render_clip(shape="ring", colour="red", scene="meadow", motion="shrinks", camera="zoom out", seed=1,
                       audio=False)
    assert read_clip(_blur(clip.frames, 1.0)).attributes["shape"] == "ring"


def test_a_subject_no_outline_fits_is_unknown():
    # A bar half as wide again as it is tall is none of the world's shapes (each fills a square box): not the
    # least bad of them.
    clip = render_clip(shape="cube", colour="red", scene="meadow", motion="still", seed=3, audio=False)
    frames = clip.frames.copy()
    for t in range(len(frames)):
        rows, cols = np.nonzero(clip.mask[t])
        middle = (cols.min() + cols.max()) // 2  # the cube's own colour, stretched
        frames[t, rows.min():rows.max() + 1, cols.max():cols.max() + 3 * (cols.max() - cols.min()) // 5] = \
            frames[t, rows.min():rows.max() + 1, middle:middle + 1]
    assert read_clip(frames).attributes["shape"] == "unknown"


def test_shape_on_a_full_size_video():
    # A person's video is read at its own size; the outline fit shrinks large subjects first.
    clip = render_clip(shape="triangle", colour="blue", scene="snowfield", motion="still", seed=6, audio=False)
    big = clip.frames.repeat(4, axis=1).repeat(4, axis=2)  # 256x256
    assert read_clip(big).attributes["shape"] == "triangle"
