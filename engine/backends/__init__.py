"""Engine backends: the built-in world model, or a diffusers Wan / LTX-Video folder, behind one contract.

Which one a command uses: ``--model DIR``, else ``REELWRIGHT_MODEL_DIR``, else ``model:`` in the settings
file (``~/.config/reelwright/settings.yaml``, or the file ``REELWRIGHT_SETTINGS`` names), else the
built-in world model.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.backends.base import (
    MODES,
    Backend,
    BackendError,
    Capabilities,
    Clip,
    RenderRequest,
    StepEvent,
    weights_fingerprint,
)

__all__ = ["MODES", "Backend", "BackendError", "Capabilities", "Clip", "RenderRequest", "StepEvent",
           "load_backend", "model_settings", "weights_fingerprint"]


def settings_path() -> Path:
    return Path(os.environ.get("REELWRIGHT_SETTINGS") or Path.home() / ".config" / "reelwright" / "settings.yaml")


def model_settings(model: str | None = None, offload: str | None = None) -> tuple[str | None, str]:
    """The model folder and offload mode in force: the flags, then the environment, then the settings file."""
    import yaml

    file = {}
    path = settings_path()
    if path.is_file():
        try:
            file = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise BackendError(f"{path}: not valid YAML ({str(exc).splitlines()[0]}): fix or remove it") from None
        if not isinstance(file, dict):
            raise BackendError(f"{path}: the settings file is a mapping such as 'model: /models/wan'")
    model = model or os.environ.get("REELWRIGHT_MODEL_DIR") or file.get("model")
    offload = offload or os.environ.get("REELWRIGHT_OFFLOAD") or file.get("offload") or "none"
    return (str(model) if model else None), str(offload)


def load_backend(model: str | Path | None = None, weights: str | Path | None = None, cache=None,
                 device: str | None = None, offload: str = "none") -> Backend:
    """A diffusers backend for a model folder, else the built-in world model (``weights``: its weights folder).

    The folder is checked now (a wrong one is refused in one line); weights load on the first render."""
    if model:
        from engine.backends.diffusers_video import DiffusersBackend

        return DiffusersBackend(model, device=device, offload=offload, cache=cache)
    from engine.backends.world import SHIPPED_WEIGHTS, WorldBackend

    return WorldBackend(weights or SHIPPED_WEIGHTS, cache=cache, device=device or "cpu")
