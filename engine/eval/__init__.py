"""The project's own evaluator: pixels (and sound) in, scores out, never ground truth at scoring time."""

from engine.eval.metrics import continuity, psnr
from engine.eval.sync import SyncScore, detect_onsets, score_onsets, sync_score
from engine.eval.video import ClipReading, alignment, read_clip

__all__ = ["ClipReading", "SyncScore", "alignment", "continuity", "detect_onsets", "psnr", "read_clip",
           "score_onsets", "sync_score"]
