"""Real video models as engines: tiny random-weight Wan and LTX-Video pipelines, built here with their own
tokenizer, written with save_pretrained and loaded only through the product's --model path."""

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from agent.cli import EXIT_BAD_INPUT, main
from engine.backends import BackendError
from engine.backends.diffusers_video import DiffusersBackend
from engine.backends.memory import GB, plan_memory
from engine.backends.random_init import build_ltx, build_wan
from engine.media import probe, read_video, write_video

SIZE = ["--size", "32x32", "--steps", "2"]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return {"wan": build_wan(root / "wan"), "wan-i2v": build_wan(root / "wan-i2v", image_to_video=True),
            "ltx": build_ltx(root / "ltx")}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A start picture and a source clip, as a person would give them."""
    root = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(0)
    frames = np.zeros((12, 48, 64, 3), np.uint8)
    for t in range(12):  # a bright square moving right over a gradient
        frames[t] = np.linspace(0, 200, 64, dtype=np.uint8)[None, :, None]
        frames[t, 16:32, 4 * t:4 * t + 16] = (230, 40, 40)
    Image.fromarray(rng.integers(0, 255, (40, 56, 3), dtype=np.uint8)).save(root / "start.png")
    write_video(root / "source.mp4", frames, 16)
    return {"image": str(root / "start.png"), "video": str(root / "source.mp4")}


def _decoded(path, fps):
    info = probe(path)
    assert info["video"]["codec"] == "h264" and info["video"]["fps"] == fps
    return read_video(path)


@pytest.mark.parametrize("family,modes,fps", [
    ("wan", ["t2v", "v2v"], 16),
    ("wan-i2v", ["i2v", "extend"], 16),
    ("ltx", ["t2v", "i2v", "extend", "v2v"], 24),
])
def test_every_mode_through_generate(models, inputs, tmp_path, capsys, family, modes, fps):
    for mode in modes:
        out = tmp_path / f"{mode}.mp4"
        code = main(["generate", "a red kite flies over a beach", "--model", str(models[family]), "--mode", mode,
                     "--image", inputs["image"], "--video", inputs["video"], "--out", str(out), "--json", *SIZE])
        assert code == 0, capsys.readouterr().err
        report = json.loads(capsys.readouterr().out)
        clip = _decoded(out, fps)
        assert report["family"] == family.split("-")[0] and report["fps"] == fps and report["size"] == [32, 32]
        assert len(clip.frames) == report["frames"]
        expected = 33 if fps == 16 else 49  # two seconds in the family's 4k+1 / 8k+1 frame rule
        assert report["frames"] == expected - (1 if mode == "extend" else 0), mode


def test_refused_modes_and_bad_folders_are_one_line(models, inputs, tmp_path, capsys):
    base = ["generate", "a cat", "--out", str(tmp_path / "x.mp4"), *SIZE]
    assert main(base + ["--model", str(models["wan"]), "--mode", "i2v", "--image", inputs["image"]]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "cannot do i2v" in err and "t2v (text to video), v2v (video to video)" in err
    assert main(base + ["--model", str(models["wan-i2v"])]) == EXIT_BAD_INPUT
    assert "can do: i2v" in capsys.readouterr().err

    no_index = tmp_path / "no-index"
    shutil.copytree(models["wan"], no_index)
    (no_index / "model_index.json").unlink()
    image_model = tmp_path / "image-model"
    shutil.copytree(models["wan"], image_model)
    index = json.loads((image_model / "model_index.json").read_text())
    (image_model / "model_index.json").write_text(json.dumps({**index, "_class_name": "StableDiffusionXLPipeline"}))
    corrupt = tmp_path / "corrupt"
    shutil.copytree(models["ltx"], corrupt)
    weights = next((corrupt / "transformer").glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    for folder, needle in [(no_index, "no model_index.json"), (image_model, "an image model"),
                           (corrupt, "not a valid safetensors file"), (tmp_path / "nowhere", "no model folder")]:
        for command in (base, ["make", "a cat sleeps", "--out", str(tmp_path / "film"), *SIZE]):
            assert main(command + ["--model", str(folder)]) == EXIT_BAD_INPUT, (folder, command[0])
            err = capsys.readouterr().err.strip()
            assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err, err
    assert not (tmp_path / "film").exists(), "a refused make leaves nothing behind"


def test_sizes_and_frame_counts_follow_the_family(models):
    wan, ltx = DiffusersBackend(models["wan"]).capabilities, DiffusersBackend(models["ltx"]).capabilities
    assert (wan.width, wan.height, wan.fps) == (832, 480, 16) and (ltx.width, ltx.height, ltx.fps) == (704, 480, 24)
    assert wan.frames_for(5.0) == 81 and wan.frames_for(2.0) == 33 and ltx.frames_for(2.0) == 49
    assert ltx.valid_frames(49) and not ltx.valid_frames(48) and not wan.valid_frames(32)
    # extend gives back the frames it continues from: asking for two new seconds asks for them on top
    assert (wan.extend_context, ltx.extend_context) == (1, 5) and wan.extend_frames(2.0) - 1 == 32
    with pytest.raises(BackendError, match="multiples of 32"):
        ltx.fit_size(48, 48)


def test_memory_estimate_refuses_with_the_flag_that_fits(models, monkeypatch):
    backend = DiffusersBackend(models["wan"])
    import engine.backends.memory as memory

    plan = plan_memory(backend.info, backend.family.vae_ratios(), backend.dtype, "cpu", "none", 832, 480, 81)
    assert plan.weights > 0 and plan.working > 0
    monkeypatch.setattr(memory, "available_bytes", lambda device: plan.needed / 4)
    with pytest.raises(BackendError, match="use a smaller --size"):
        plan_memory(backend.info, backend.family.vae_ratios(), backend.dtype, "cpu", "none", 832, 480, 81
                    ).refuse_if_short()
    # On a GPU the refusal names the offload that would fit: here weights dominate and working memory is small.
    monkeypatch.setattr(memory, "available_bytes", lambda device: 20 * GB)
    big = plan_memory(backend.info, backend.family.vae_ratios(), backend.dtype, "cuda", "none", 32, 32, 9)
    big.weights, big.alternatives = 40 * GB, {"model": 12 * GB, "group": 5 * GB, "sequential": 3 * GB}
    with pytest.raises(BackendError, match=r"add --offload model \(about 12.0 GB\)"):
        big.refuse_if_short()
    big.refuse_if_short(weights_loaded=True)  # once loaded, the weights are no longer free memory to count


def test_make_with_each_text_to_video_family(models, tmp_path, capsys):
    request = "A grey tabby cat sleeps on a sunny windowsill. Then it wakes up and stretches."
    for family, fps, chain in [("wan", 16, "t2v"), ("ltx", 24, "extend")]:
        out = tmp_path / family
        code = main(["make", request, "--model", str(models[family]), "--out", str(out), "--takes", "1", "--json",
                     *SIZE])
        assert code == 0, capsys.readouterr().err
        report = json.loads(capsys.readouterr().out)
        shots = report["shots"]
        assert [s["mode"] for s in shots] == ["t2v", chain]
        assert shots[1]["prompt"].startswith("A grey tabby cat wakes up"), "'it' is written out"
        assert "windowsill" in shots[1]["prompt"], "the place carries to the next shot"
        assert "alignment" not in shots[0]["takes"][0]["scores"], "no reader of content: no alignment invented"
        info = probe(out / "film.mp4")
        assert info["video"]["codec"] == "h264" and info["video"]["fps"] == fps and "Audio: aac" in info["info"]
        film = read_video(out / "film.mp4")
        # Wan T2V cannot continue a shot, so its two shots on the windowsill crossfade (half a second shared);
        # LTX's second shot continues the first: a cut.
        shared = 0 if chain == "extend" else fps // 2
        assert shots[1]["transition"] == ("cut" if chain == "extend" else "crossfade")
        assert len(film.frames) == sum(s["frames"] for s in shots) - shared, "native rate: no frame repeated"
        assert report["length"] == len(film.frames) / fps
        assert film.frames.shape[1:3] == (256, 256)


FREE_TEXT = """title: Harbour
shots:
  - id: s1
    prompt: a fishing boat leaves a misty harbour at dawn, wide shot
  - id: s2
    prompt: the boat on open sea, the camera tracks alongside
    duration: 1.5
    transition: crossfade
  - id: s3
    prompt: the boat seen from above
    mode: v2v
    source: previous
    strength: 0.5
"""


def test_free_text_storyboard_renders_with_wan_and_is_refused_by_the_built_in_model(models, tmp_path, capsys):
    path = tmp_path / "harbour.yaml"
    path.write_text(FREE_TEXT)
    out = tmp_path / "film"
    assert main(["render", str(path), "--model", str(models["wan"]), "--out", str(out), "--takes", "1",
                 "--no-sound", "--json", *SIZE]) == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert [s["mode"] for s in report["shots"]] == ["t2v", "t2v", "v2v"]
    assert [s["frames"] for s in report["shots"]] == [33, 25, 33]
    assert read_video(out / "film.mp4").frames.shape[0] == 33 + 25 + 33 - 8  # a half-second crossfade at 16 fps

    assert main(["render", str(path), "--out", str(tmp_path / "world"), "--steps", "1"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert "shot 1 (s1) has no shape, colour, scene" in err and "--model DIR" in err and len(err.splitlines()) == 1


def test_pictures_and_clips_as_sources_in_a_storyboard(models, inputs, tmp_path, capsys):
    """i2v from a person's picture, then extend and v2v from the previous shot, with the image-to-video Wan
    folder and with LTX-Video (the modes make's planner does not choose on its own)."""
    for family, second in [("wan-i2v", "extend"), ("ltx", "v2v")]:
        path = tmp_path / f"{family}.yaml"
        path.write_text(f"""title: From a photo
shots:
  - id: s1
    prompt: the harbour in the photo comes alive, gulls circling
    mode: i2v
    source: {inputs['image']}
  - id: s2
    prompt: the harbour at night, lights on the water
    mode: {second}
    source: previous
""")
        out = tmp_path / family
        assert main(["render", str(path), "--model", str(models[family]), "--out", str(out), "--takes", "1",
                     "--json", *SIZE]) == 0, capsys.readouterr().err
        report = json.loads(capsys.readouterr().out)
        assert [s["mode"] for s in report["shots"]] == ["i2v", second]
        assert "pixel checks" in report["gate"]
        film = read_video(out / "film.mp4")
        assert len(film.frames) == sum(s["frames"] for s in report["shots"]) and film.audio is not None


def test_film_commands_take_a_cache_and_record_it(models, tmp_path, capsys):
    path = tmp_path / "harbour.yaml"
    path.write_text(FREE_TEXT.split("  - id: s2")[0])
    out = tmp_path / "film"
    assert main(["render", str(path), "--model", str(models["wan"]), "--out", str(out), "--takes", "1", "--no-sound",
                 "--cache", "magcache", "--json", *SIZE]) == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert report["engine"]["cache"] == {"name": "magcache", "threshold": None}
    assert json.loads((out / "report.json").read_text())["engine"]["cache"]["name"] == "magcache"
