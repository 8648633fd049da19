"""Saving and loading the built-in models: a constructor's arguments are its config.

A folder holds ``config.json`` (the arguments, plus ``_class_name``) and
``diffusion_pytorch_model.safetensors`` (the weights), the layout diffusers' ModelMixin writes, so the
shipped folders open with either. The built-in models do not derive from ModelMixin because importing
diffusers costs seconds (it imports torch._dynamo) that a one-shot ``generate`` should not pay;
diffusers stays the loader for real video models.
"""

from __future__ import annotations

import functools
import inspect
import json
from pathlib import Path

import torch
from torch import nn

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "diffusion_pytorch_model.safetensors"


class ModelConfig:
    """The constructor's arguments, read as attributes (``model.config.hidden``); read-only. Sequences are
    lists, as they come back from ``config.json``, so a saved and reloaded config equals the original."""

    def __init__(self, values: dict):
        plain = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
        object.__setattr__(self, "_values", plain)  # a plain dict: the config copies and pickles with the model

    def __getattr__(self, name: str):
        if name == "_values":  # not set yet (during unpickling): no recursion
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError("a model's config is read-only: use update_config(...)")

    def __getitem__(self, name: str):
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __eq__(self, other) -> bool:
        return isinstance(other, ModelConfig) and dict(self._values) == dict(other._values)

    def to_dict(self) -> dict:
        return dict(self._values)

    def __repr__(self) -> str:
        return f"ModelConfig({dict(self._values)})"


def register_config(init):
    """Decorates ``__init__``: the arguments it was called with, defaults filled in, become ``self.config``."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = {k: v for k, v in bound.arguments.items() if k != "self"}
        object.__setattr__(self, "_config", ModelConfig(values))  # __init__ may read self.config
        init(self, *args, **kwargs)

    return wrapper


class SavedModel(nn.Module):
    """An ``nn.Module`` whose ``__init__`` is decorated with ``register_config``."""

    _config: ModelConfig

    @property
    def config(self) -> ModelConfig:
        return self._config

    def update_config(self, **values) -> None:
        """Change config entries that do not change the weights' shapes (e.g. baked-in statistics)."""
        unknown = set(values) - set(self._config)
        if unknown:
            raise KeyError(f"{type(self).__name__} has no config entries {sorted(unknown)}")
        self._config = ModelConfig({**self._config.to_dict(), **values})

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.parameters()).dtype

    def save_pretrained(self, folder: str | Path) -> None:
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        config = {"_class_name": type(self).__name__, **self._config.to_dict()}
        (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
        state = {k: v.detach().contiguous().cpu() for k, v in self.state_dict().items()}
        save_file(state, folder / WEIGHTS_NAME, metadata={"format": "pt"})

    @classmethod
    def from_pretrained(cls, folder: str | Path):
        """Build the model from ``folder/config.json`` and load its weights; returned in eval mode."""
        from safetensors.torch import load_file

        folder = Path(folder)
        config_file, weights_file = folder / CONFIG_NAME, folder / WEIGHTS_NAME
        for f in (config_file, weights_file):
            if not f.exists():
                raise FileNotFoundError(f"model weights missing: {f} not found")
        config = json.loads(config_file.read_text())
        accepted = inspect.signature(cls.__init__).parameters
        model = cls(**{k: v for k, v in config.items() if k in accepted and k != "self"})
        model.load_state_dict(load_file(weights_file), strict=True)
        return model.eval()

