"""Which scene does a soundtrack sound like? A nearest-centroid classifier on the ambience spectrum.

The feature is each mel band's median level over time, which is the steady bed (breeze, waves, wind,
insects) and ignores the short impacts on top. Centroids are fitted on the world's ground-truth
soundtracks by ``reelwright train v2a`` and shipped beside the V2A weights as JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from engine.v2a.mel import SAMPLE_RATE, log_mel


def ambience_profile(audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """(N_MELS,) median log-mel level per band."""
    if sample_rate != SAMPLE_RATE:
        import librosa

        audio = librosa.resample(np.asarray(audio, np.float32), orig_sr=sample_rate, target_sr=SAMPLE_RATE)
    return np.median(log_mel(audio).numpy(), axis=1)


class AudioSceneClassifier(BaseModel):
    scenes: list[str]
    centroids: list[list[float]]  # per scene, standardized profile
    mean: list[float]
    scale: list[float]

    @classmethod
    def fit(cls, profiles: np.ndarray, labels: list[str]) -> AudioSceneClassifier:
        profiles = np.asarray(profiles, np.float64)
        mean, scale = profiles.mean(axis=0), profiles.std(axis=0) + 1e-3
        z = (profiles - mean) / scale
        scenes = sorted(set(labels))
        centroids = [z[[lab == s for lab in labels]].mean(axis=0).tolist() for s in scenes]
        return cls(scenes=scenes, centroids=centroids, mean=mean.tolist(), scale=scale.tolist())

    def predict_profile(self, profile: np.ndarray) -> str:
        z = (np.asarray(profile) - np.array(self.mean)) / np.array(self.scale)
        return self.scenes[int(np.argmin(np.linalg.norm(np.array(self.centroids) - z, axis=1)))]

    def predict(self, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> str:
        return self.predict_profile(ambience_profile(audio, sample_rate))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.model_dump_json(indent=1))

    @classmethod
    def load(cls, path: str | Path) -> AudioSceneClassifier:
        return cls.model_validate(json.loads(Path(path).read_text()))
