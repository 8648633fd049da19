"""The trainers on tiny settings: a step runs, checkpoints resume, a new run can start from weights."""

import torch

from engine.dit import VideoDiT
from engine.train import dit
from engine.train.common import load_checkpoint, load_config


def test_dit_starts_from_weights_and_resumes(tiny_weights, tmp_path, monkeypatch):
    monkeypatch.setattr(dit, "DEFAULT_RUNS", tmp_path)
    cfg = load_config("engine/configs/dit.yaml", {"preset": "XS", "autoencoder": str(tiny_weights / "autoencoder"),
                                                   "batch": 2, "eval_every": 1000, "eval_clips": 1,
                                                   "checkpoint_every": 1, "log_every": 1})
    dit.train(cfg, "run", steps=1, init_from=tiny_weights)
    start = VideoDiT.from_pretrained(tiny_weights / "transformer")
    state = load_checkpoint(tmp_path / "run")
    assert state["step"] == 1
    # EMA after one step is still (almost) the weights it started from
    key = "proj_out.weight"
    assert torch.allclose(state["ema"][key], start.state_dict()[key], atol=1e-3)
    dit.train(cfg, "run", steps=2)
    assert load_checkpoint(tmp_path / "run")["step"] == 2
