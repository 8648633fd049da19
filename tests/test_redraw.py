"""Video to video: what the plan redraws, and that the sampler holds the rest at the source."""

import numpy as np
import pytest
import torch

import engine.pipeline as pipeline_module
from engine.eval.video import segment_subject
from engine.layout import subject_boxes
from engine.pipeline import GenerationError, load_pipeline, sigma_schedule
from engine.redraw import RedrawPlan, _fill_gaps, plan_redraw
from engine.world.dataset import sample_spec
from engine.world.render import render_clip


@pytest.fixture(scope="module")
def source():
    """A world clip (a red ball moving right in a meadow, static camera) at the engine's 64 px."""
    spec = sample_spec(0, seed=99, split="all").model_copy(update={"shape": "ball", "colour": "red",
                                                                   "scene": "meadow", "motion": "moves right",
                                                                   "camera": "static"})
    frames = render_clip(spec, audio=False).frames
    return frames[np.linspace(0, len(frames) - 1, 16).round().astype(int)], spec.attributes()


def test_subject_boxes_are_the_mask_bounds_and_nan_where_unseen():
    masks = np.zeros((2, 64, 64), bool)
    masks[0, 10:20, 30:42] = True
    boxes = subject_boxes(masks)
    assert np.allclose(boxes[0], [30 / 64, 10 / 64, 42 / 64, 20 / 64]) and np.isnan(boxes[1]).all()


def test_unchanged_prompt_is_plain_sdedit(source):
    frames, attrs = source
    plan = plan_redraw(frames, attrs, 0.5, 16)
    assert plan.changed == () and np.all(plan.strength == 0.5)
    assert plan.boxes.shape == (16, 4) and plan.boxes[-1, 0] > plan.boxes[0, 0], "the source's own path"


def subject_centre(box: np.ndarray) -> tuple[int, int]:
    """The latent cell (row, column) at the centre of a box in frame fractions."""
    return int((box[1] + box[3]) / 2 * 16), int((box[0] + box[2]) / 2 * 16)


def test_new_colour_redraws_the_subject_along_its_path(source):
    frames, attrs = source
    plan = plan_redraw(frames, {"colour": "blue"}, 0.5, 16)
    assert plan.changed == ("colour",) and plan.seen["colour"] == "red"
    assert plan.attributes == dict(attrs, colour="blue"), "what the prompt leaves out is what the source shows"
    first = plan.boxes[0] * 16  # in latent cells
    centre = int((first[1] + first[3]) / 2), int((first[0] + first[2]) / 2)
    assert plan.strength[0][centre] == 1.0, "the subject starts from noise"
    assert plan.strength[0, 0, -1] == 0.5 and plan.strength[-1, -1, 0] == 0.5, "the corners are background"
    assert 0.01 < (plan.strength == 1.0).mean() < 0.4


def test_new_scene_redraws_the_background_and_keeps_the_subject(source):
    frames, attrs = source
    plan = plan_redraw(frames, dict(attrs, scene="snowfield"), 0.4, 16)
    assert plan.changed == ("scene",)
    assert plan.strength[0, 0, 0] == 1.0 and plan.strength[0][subject_centre(plan.boxes[0])] == 0.4


def test_new_motion_follows_the_physics_from_where_the_subject_is(source):
    frames, attrs = source
    plan = plan_redraw(frames, dict(attrs, motion="moves left"), 0.5, 16)
    assert plan.changed == ("motion",) and plan.boxes[-1, 0] < plan.boxes[0, 0]
    seen = subject_boxes(segment_subject(frames))
    assert np.allclose(plan.boxes[0], seen[0], atol=0.02), "the new path starts on the subject"
    last = plan.strength[-1]
    assert last[subject_centre(seen[-1])] == 1.0 and last[subject_centre(plan.boxes[-1])] == 1.0, \
        "both where the subject was and where it goes are redrawn"
    assert last[0, 0] == 0.5


def test_a_new_path_starts_where_the_subject_is_first_seen(source):
    frames, attrs = source
    hidden = frames.copy()
    for t in range(3):  # the subject painted out of the first three frames
        mask = segment_subject(hidden[t:t + 1])[0]
        hidden[t][mask] = np.median(hidden[t], axis=1, keepdims=True).repeat(64, axis=1)[mask]
    assert not segment_subject(hidden[:3]).any()
    plan = plan_redraw(hidden, dict(attrs, motion="moves left"), 0.5, 16)
    assert np.allclose(plan.boxes[3], subject_boxes(segment_subject(hidden[3:4]))[0], atol=0.02)


def test_a_new_shape_may_fill_its_whole_box(source):
    frames, attrs = source
    recolour = (plan_redraw(frames, dict(attrs, colour="blue"), 0.5, 16).strength == 1.0).sum()
    reshape = (plan_redraw(frames, dict(attrs, shape="cube"), 0.5, 16).strength == 1.0).sum()
    assert reshape > recolour, "a ball's box has corners a cube fills"


def test_new_camera_move_redraws_everything(source):
    frames, attrs = source
    plan = plan_redraw(frames, dict(attrs, camera="pan left"), 0.5, 16)
    assert plan.changed == ("camera",) and np.all(plan.strength == 1.0)
    assert plan.camera[-1, 0] < 0 and np.all(plan.camera[:, 1] == 1.0), "the model is told the new pan"


def test_a_new_motion_tells_the_camera_only_when_it_is_known(source):
    frames, attrs = source
    assert np.all(plan_redraw(frames, dict(attrs, motion="moves left"), 0.5, 16).camera == [0.0, 1.0]), \
        "a still source camera stays still"
    assert plan_redraw(frames, dict(attrs, colour="blue"), 0.5, 16).camera is None, "no new path: none told"
    spec = sample_spec(1, seed=99, split="all").model_copy(update={"shape": "cube", "colour": "red",
                                                                   "scene": "night", "motion": "still",
                                                                   "camera": "pan right"})
    panning = render_clip(spec, audio=False).frames
    plan = plan_redraw(panning, {"motion": "moves left"}, 0.5, 16)
    assert plan.seen["camera"] == "pan right" and plan.changed == ("motion",)
    assert plan.camera is None, "the source's pan amount is not read: not told"


def test_frames_without_the_subject_take_boxes_between_their_neighbours():
    boxes = np.full((5, 4), np.nan, np.float32)
    boxes[1], boxes[3] = (0.1, 0.1, 0.3, 0.3), (0.5, 0.1, 0.7, 0.3)
    filled = _fill_gaps(boxes)
    assert np.allclose(filled[2], (0.3, 0.1, 0.5, 0.3)) and np.allclose(filled[0], boxes[1])
    assert np.allclose(filled[4], boxes[3])


def test_words_outside_the_vocabulary_change_nothing(source):
    frames, attrs = source
    plan = plan_redraw(frames, dict(attrs, colour="mauve", scene=None), 0.5, 16)
    assert plan.changed == () and np.all(plan.strength == 0.5)


def test_no_subject_means_no_layout():
    flat = np.full((8, 64, 64, 3), 90, np.uint8)
    plan = plan_redraw(flat, {"colour": "red"}, 0.6, 16)
    assert plan.boxes is None and np.all(plan.strength == 0.6), "nothing to redraw where no subject is seen"


def test_what_the_reader_cannot_tell_never_counts_as_changed(source, monkeypatch):
    """Footage from outside the world: its colours and scenery are far from every one the reader knows."""
    import engine.eval.video as reader

    frames, attrs = source
    real = reader.read_clip

    def unsure(clip, masks=None):
        reading = real(clip, masks)
        reading.details.update(colour_distance=0.5, scene_distance=0.5)
        return reading

    monkeypatch.setattr(reader, "read_clip", unsure)
    plan = plan_redraw(frames, dict(attrs, colour="blue", scene="beach", camera="pan left"), 0.6, 16)
    assert plan.seen["colour"] == plan.seen["scene"] == plan.seen["camera"] == "unknown"
    assert plan.changed == () and np.all(plan.strength == 0.6) and plan.attributes["scene"] == "beach"


def test_anchor_frames_cannot_show_a_change(tiny_weights, source):
    frames, attrs = source
    pipe = load_pipeline(tiny_weights)
    with pytest.raises(GenerationError, match="anchor"):
        pipe("a blue ball", attributes={"colour": "blue"}, mode="v2v", video=frames, anchor_every=4,
             num_inference_steps=1)


def test_sampler_holds_each_cell_at_the_source_until_its_own_level(tiny_weights, monkeypatch):
    pipe = load_pipeline(tiny_weights)
    level = np.full((8, 16, 16), 0.5, np.float32)
    level[:, :8] = 1.0  # the top half is redrawn from noise
    monkeypatch.setattr(pipeline_module, "plan_redraw",
                        lambda *a, **k: RedrawPlan(strength=level, boxes=None, camera=None, attributes={},
                                                   changed=("colour",), seen={}))
    seen_inputs = []
    hook = pipe.transformer.register_forward_pre_hook(lambda mod, args: seen_inputs.append(args[0][0].clone()))
    video = np.random.default_rng(0).integers(0, 255, (8, 64, 64, 3), dtype=np.uint8)
    try:
        pipe("a blue ball", mode="v2v", video=video, strength=0.5, num_frames=8, num_inference_steps=4, seed=3)
    finally:
        hook.remove()
    clean = pipe.encode_frames(pipe.fit_frames(video))[0]
    noise = torch.randn(1, 8, *clean.shape[1:], generator=torch.Generator("cpu").manual_seed(3))[0]
    for sigma, latents in zip([1.0, 0.75, 0.5], seen_inputs):  # down to the bottom half's own level 0.5
        held = sigma * noise + (1 - sigma) * clean
        assert torch.allclose(latents[:, :, 8:], held[:, :, 8:], atol=1e-5)
    assert not torch.allclose(seen_inputs[1][:, :, :8], (0.75 * noise + 0.25 * clean)[:, :, :8], atol=1e-3), \
        "the redrawn half moves with the model"
    below = 0.25 * noise + 0.75 * clean
    assert not torch.allclose(seen_inputs[3][:, :, 8:], below[:, :, 8:], atol=1e-3), "then it is the model's"

    level[:] = 0.6  # nothing redrawn: plain SDEdit, every cell starts at the strength
    seen_inputs.clear()
    hook = pipe.transformer.register_forward_pre_hook(lambda mod, args: seen_inputs.append(args[0][0].clone()))
    try:
        pipe("a blue ball", mode="v2v", video=video, strength=0.6, num_frames=8, num_inference_steps=4, seed=3)
    finally:
        hook.remove()
    assert torch.allclose(seen_inputs[0], 0.6 * noise + 0.4 * clean, atol=1e-5)


def test_sigma_schedule_stops_at_every_level():
    assert np.allclose(sigma_schedule([1.0], 4), [1.0, 0.75, 0.5, 0.25])
    mixed = sigma_schedule([1.0, 0.6], 16)
    assert len(mixed) == 16 and np.any(np.isclose(mixed, 0.6)) and np.all(np.diff(mixed) < 0)
    assert np.allclose(sigma_schedule([1.0, 0.6], 1), [1.0]), "one step cannot stop twice"
