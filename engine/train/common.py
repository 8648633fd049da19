"""What every training run shares: config, run folder, resumable checkpoints, EMA, a log."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import torch
import yaml

DEFAULT_RUNS = Path(os.environ.get("REELWRIGHT_RUNS", Path.home() / ".cache" / "reelwright" / "runs"))


def load_config(path: str | Path, overrides: dict | None = None) -> dict:
    """A YAML training config, with command-line overrides (``key=value``) applied on top."""
    config = yaml.safe_load(Path(path).read_text())
    for key, value in (overrides or {}).items():
        if key not in config:
            raise KeyError(f"unknown config key {key!r}; known: {', '.join(config)}")
        config[key] = type(config[key])(value) if config[key] is not None else value
    return config


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


class RunLog:
    """Appends one JSON line per record to ``log.jsonl`` and echoes a short line to stdout."""

    def __init__(self, folder: Path):
        self.path = folder / "log.jsonl"
        self.start = time.time()

    def write(self, **record) -> None:
        record = {"time": round(time.time() - self.start, 1), **record}
        with self.path.open("a") as fh:
            fh.write(json.dumps(record) + "\n")
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()), flush=True)


class EMA:
    """Exponential moving average of a model's weights; sampling uses these."""

    def __init__(self, model: torch.nn.Module, decay: float):
        self.decay = decay
        self.shadow = {k: v.detach().clone().float() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model: torch.nn.Module, step: int) -> None:
        decay = min(self.decay, (1 + step) / (10 + step))  # warm up so early weights don't linger
        for k, v in model.state_dict().items():
            if v.dtype.is_floating_point:
                self.shadow[k].mul_(decay).add_(v.detach().float(), alpha=1 - decay)
            else:
                self.shadow[k].copy_(v)

    def copy_to(self, model: torch.nn.Module) -> None:
        model.load_state_dict({k: v.to(model.state_dict()[k].dtype) for k, v in self.shadow.items()})


def save_checkpoint(folder: Path, **state) -> None:
    """Write atomically, so a run killed mid-save still resumes from the previous checkpoint."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "checkpoint.pt.tmp"
    torch.save(state, tmp)
    tmp.replace(folder / "checkpoint.pt")


def load_checkpoint(folder: Path) -> dict | None:
    path = folder / "checkpoint.pt"
    return torch.load(path, map_location="cpu", weights_only=False) if path.exists() else None
