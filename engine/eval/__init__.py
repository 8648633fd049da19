"""The project's own evaluator: pixels (and sound) in, scores out, never ground truth at scoring time.

Names are imported on first use: the sound scorer pulls in librosa and mir_eval (about a second), which
the picture readers that generation itself uses do not need.
"""

import importlib

_WHERE = {
    "continuity": "metrics", "psnr": "metrics",
    "SyncScore": "sync", "detect_onsets": "sync", "score_onsets": "sync", "sync_score": "sync",
    "ClipReading": "video", "alignment": "video", "read_clip": "video",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'engine.eval' has no attribute {name!r}")
    return getattr(importlib.import_module(f"engine.eval.{_WHERE[name]}"), name)
