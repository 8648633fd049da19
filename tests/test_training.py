"""The trainers on tiny settings: a step runs, checkpoints resume, a new run can start from weights."""

import pytest
import torch

from engine.dit import VideoDiT
from engine.train import dit
from engine.train.common import load_checkpoint, load_config


def test_dit_starts_from_weights_and_resumes(tiny_weights, tmp_path, monkeypatch):
    monkeypatch.setattr(dit, "DEFAULT_RUNS", tmp_path)
    cfg = load_config("engine/configs/dit.yaml", {"preset": "XS", "autoencoder": str(tiny_weights / "autoencoder"),
                                                   "batch": 2, "eval_every": 1000, "eval_clips": 1,
                                                   "checkpoint_every": 1, "log_every": 1, "silhouette": 4})
    dit.train(cfg, "run", steps=1, init_from=tiny_weights)
    start = VideoDiT.from_pretrained(tiny_weights / "transformer")
    state = load_checkpoint(tmp_path / "run")
    assert state["step"] == 1
    # EMA after one step is still (almost) the weights it started from
    key = "proj_out.weight"
    assert torch.allclose(state["ema"][key], start.state_dict()[key], atol=1e-3)
    dit.train(cfg, "run", steps=2)
    assert load_checkpoint(tmp_path / "run")["step"] == 2

    # A model trained without the silhouette input starts a run that adds it: the new input begins at zero.
    plain = tmp_path / "plain"
    dit.build_model(cfg | {"silhouette": 0}).save_pretrained(plain / "transformer")
    dit.train(cfg, "grown", steps=1, init_from=plain)
    grown = load_checkpoint(tmp_path / "grown")
    before = VideoDiT.from_pretrained(plain / "transformer").state_dict()
    assert torch.allclose(grown["ema"]["proj_out.weight"], before["proj_out.weight"], atol=1e-3)
    assert grown["ema"]["silhouette_embed.2.weight"].abs().max() < 1e-2, "the new input starts at zero"
    with pytest.raises(ValueError, match="does not fit"):
        dit.train(cfg | {"preset": "S"}, "wrong", steps=1, init_from=plain)
    with pytest.raises(ValueError, match="does not fit"):  # weights with an input this config lacks
        dit.train(cfg | {"silhouette": 0}, "narrower", steps=1, init_from=tiny_weights)
    # A run keeps the model it was started with when the config changes later; export too.
    dit.train(cfg | {"silhouette": 0}, "grown", steps=2)
    assert load_checkpoint(tmp_path / "grown")["step"] == 2
    dit.export(cfg | {"silhouette": 0}, "grown", tmp_path / "export")
    assert VideoDiT.from_pretrained(tmp_path / "export" / "transformer").config.silhouette == 4
    assert f"started from: the weights in {plain}" in (tmp_path / "export" / "transformer" / "TRAINING.txt").read_text()

    # The same for the camera path; and a run from before it existed resumes without it.
    still = tmp_path / "still"
    dit.build_model(cfg | {"camera": False}).save_pretrained(still / "transformer")
    dit.train(cfg, "camera", steps=1, init_from=still)
    assert load_checkpoint(tmp_path / "camera")["ema"]["camera_embed.2.weight"].abs().max() < 1e-2
    old_run = {"config": {key: value for key, value in cfg.items() if key != "camera"}}
    assert dit.run_config(cfg, old_run)["camera"] is False


def test_v2a_trains_resumes_and_exports(tmp_path, monkeypatch):
    from engine.eval.audio import AudioSceneClassifier
    from engine.train import v2a
    from engine.v2a.pipeline import V2APipeline

    monkeypatch.setattr(v2a, "DEFAULT_RUNS", tmp_path)
    cfg = load_config("engine/configs/v2a.yaml", {"clips": 10, "batch": 4, "checkpoint_every": 1, "log_every": 1})
    v2a.train(cfg, "run", steps=1)
    assert load_checkpoint(tmp_path / "run")["step"] == 1
    v2a.train(cfg, "run", steps=2)
    assert load_checkpoint(tmp_path / "run")["step"] == 2
    v2a.export(cfg, "run", tmp_path / "weights")
    pipe = V2APipeline.from_pretrained(tmp_path / "weights" / "v2a")
    assert isinstance(pipe.scene_classifier, AudioSceneClassifier)
