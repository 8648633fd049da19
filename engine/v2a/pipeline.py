"""Sound for any video: features from the picture -> V2A model -> log-mel -> waveform, any length.

The model is convolutional, so a long video runs in chunks of mel frames that overlap by its receptive
field and give exactly what one pass would. Griffin-Lim runs in windows that overlap and crossfade. The
result is loudness-normalized so the cut can mix shots and music at known levels.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from engine.eval.audio import AudioSceneClassifier
from engine.v2a.features import visual_features
from engine.v2a.mel import FRAME_RATE, HOP, SAMPLE_RATE, mel_to_audio, warm_up
from engine.v2a.model import V2AModel

SHIPPED_V2A = Path(__file__).resolve().parent.parent / "weights" / "v2a"
CHUNK = 3000  # mel frames (30 s) per model pass
VOCODER_WINDOW = 1000  # mel frames (10 s) per Griffin-Lim window
VOCODER_OVERLAP = 20  # mel frames crossfaded between windows
TARGET_DB = -20.0  # loudness target, dBFS RMS
MAX_GAIN_DB = 6.0  # a quiet clip (ambience only) is raised at most this much: it stays quiet
CEILING = 0.95
ONSET_THRESHOLD = 0.5


V2A_VERSION = 3  # bump when the sound for the same picture and weights changes (the sound cache keys on it)
_THREADS = threading.Lock()  # torch's thread count is process-wide: one V2A call changes it at a time


@contextmanager
def _threads_for(frames: int):
    """A shot's tensors are small: there a second thread's hand-offs (and waking it after other work)
    cost more than it saves (17 against 8 ms for the model on a 2-s clip, measured); a long video keeps
    every thread. V2A calls are serialized so the setting is always restored."""
    with _THREADS:
        before = torch.get_num_threads()
        torch.set_num_threads(1 if frames <= VOCODER_WINDOW else before)
        try:
            yield
        finally:
            torch.set_num_threads(before)


class V2AError(ValueError):
    """Input V2A cannot make sound for; the message says what to do."""


@dataclass
class Soundtrack:
    audio: np.ndarray  # (S,) float32 mono at sample_rate
    sample_rate: int
    onsets: list[float]  # seconds where the model put the start of a sound
    impacts: list[float]  # seconds where the picture shows a contact
    scenes: list[str]  # scene recognised per window of the picture
    materials: list[str]
    loudness_db: float  # after normalization
    timings: dict[str, float] = field(default_factory=dict)


def normalize_loudness(audio: np.ndarray) -> tuple[np.ndarray, float]:
    """Scale to TARGET_DB RMS (raising by at most MAX_GAIN_DB), then keep peaks under CEILING."""
    rms = float(np.sqrt(np.mean(np.square(audio)))) if audio.size else 0.0
    if rms < 1e-6:
        return audio.astype(np.float32), -120.0
    gain = min(10 ** (TARGET_DB / 20) / rms, 10 ** (MAX_GAIN_DB / 20))
    out = audio * gain
    peak = float(np.max(np.abs(out)))
    if peak > CEILING:
        out = out * (CEILING / peak)
    return out.astype(np.float32), 20 * np.log10(float(np.sqrt(np.mean(np.square(out)))) + 1e-12)


def _peaks(track: np.ndarray, threshold: float, spacing: int = 8) -> list[int]:
    """Indices of local maxima above ``threshold``, the strongest kept where several lie within
    ``spacing`` frames (80 ms) of each other: one contact, one sound event."""
    above = track > threshold
    left = np.concatenate([[True], track[1:] > track[:-1]])
    right = np.concatenate([track[:-1] >= track[1:], [True]])
    kept: list[int] = []
    for i in sorted(np.flatnonzero(above & left & right), key=lambda i: -track[i]):
        if all(abs(int(i) - k) > spacing for k in kept):
            kept.append(int(i))
    return sorted(kept)


class V2APipeline:
    def __init__(self, model: V2AModel, scene_classifier: AudioSceneClassifier | None = None):
        self.model = model.eval()
        self.scene_classifier = scene_classifier

    @classmethod
    def from_pretrained(cls, folder: str | Path = SHIPPED_V2A) -> V2APipeline:
        folder = Path(folder)
        if not (folder / "config.json").exists():
            raise V2AError(f"no V2A weights in {folder}: train them with `reelwright train v2a --export "
                           f"{folder.parent}` or reinstall reelwright")
        model = V2AModel.from_pretrained(folder)
        warm_up()  # part of loading: the first sound would otherwise pay for it
        classifier = folder / "scene_audio.json"
        return cls(model, AudioSceneClassifier.load(classifier) if classifier.exists() else None)

    @torch.no_grad()
    def predict(self, track: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Onset probabilities (F,) and log-mel (M, F) from features (C, F), in overlapping chunks."""
        n = track.shape[1]
        pad = self.model.receptive_field
        onsets = np.zeros(n, np.float32)
        logmel = np.zeros((self.model.config.n_mels, n), np.float32)
        for start in range(0, n, CHUNK):
            stop = min(start + CHUNK, n)
            lo, hi = max(0, start - pad), min(n, stop + pad)
            logits, mel = self.model(torch.as_tensor(track[None, :, lo:hi]))  # (1, F'), (1, M, F')
            onsets[start:stop] = torch.sigmoid(logits[0, start - lo:stop - lo]).numpy()
            logmel[:, start:stop] = mel[0, :, start - lo:stop - lo].numpy()
        return onsets, logmel

    @staticmethod
    def vocode(logmel: np.ndarray, length: int, seed: int = 0) -> np.ndarray:
        """Griffin-Lim in windows; neighbouring windows overlap and crossfade linearly."""
        n = logmel.shape[1]
        if n <= VOCODER_WINDOW:
            return mel_to_audio(logmel, length, seed=seed)
        out = np.zeros(length, np.float32)
        weight = np.zeros(length, np.float32)
        fade = VOCODER_OVERLAP * HOP
        for k, start in enumerate(range(0, n - VOCODER_OVERLAP, VOCODER_WINDOW - VOCODER_OVERLAP)):
            stop = min(start + VOCODER_WINDOW, n)
            a, b = start * HOP, length if stop == n else (stop - 1) * HOP  # the last window runs to the end
            piece = mel_to_audio(logmel[:, start:stop], b - a, seed=seed + k)
            ramp = np.ones(b - a, np.float32)
            if start > 0:
                ramp[:fade] = np.linspace(0, 1, fade, dtype=np.float32)
            if stop < n:
                ramp[-fade:] = np.linspace(1, 0, fade, dtype=np.float32)
            out[a:b] += piece * ramp
            weight[a:b] += ramp
        return out / np.maximum(weight, 1e-6)

    def __call__(self, frames: np.ndarray, fps: float, seed: int = 0) -> Soundtrack:
        frames = np.asarray(frames)
        if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
            raise V2AError(f"V2A needs video frames (T, H, W, 3) with at least one frame, got shape {frames.shape}")
        if fps <= 0:
            raise V2AError(f"V2A needs a positive frame rate, got {fps}")
        if frames.dtype != np.uint8 and not np.issubdtype(frames.dtype, np.floating):
            raise V2AError(f"V2A reads 8-bit frames (or floats in 0-1), got {frames.dtype}: convert with "
                           "frames.astype(np.uint8)")
        timings = {}
        t0 = time.perf_counter()
        feats = visual_features(frames, fps)
        t1 = time.perf_counter()
        length = int(round(feats.duration * SAMPLE_RATE))
        with _threads_for(feats.frames):
            onset_track, logmel = self.predict(feats.track)
            t2 = time.perf_counter()
            audio, loudness = normalize_loudness(self.vocode(logmel, length, seed=seed))
        t3 = time.perf_counter()
        timings.update(features=t1 - t0, model=t2 - t1, vocoder=t3 - t2, total=t3 - t0)
        return Soundtrack(audio=audio, sample_rate=SAMPLE_RATE,
                          onsets=[i / FRAME_RATE for i in _peaks(onset_track, ONSET_THRESHOLD)],
                          impacts=[imp.time for imp in feats.impacts], scenes=feats.scenes,
                          materials=feats.materials, loudness_db=loudness, timings=timings)
