"""A person's music under the film: read it, find its beats, and duck it under the shots' own sound."""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from tools.common import ToolError

DUCK_ATTACK = 0.01  # seconds for the music to dip when an effect starts
DUCK_RELEASE = 0.3  # seconds to come back
DUCK_REFERENCE = 0.1  # effects RMS at which the full dip applies (a clear impact)


@lru_cache(maxsize=4)
def _load(path: str, mtime: float, size: int, rate: int) -> np.ndarray:
    import librosa

    file = Path(path)
    if not file.is_file():
        raise ToolError(f"no music file at {file}: give the path of an audio file (mp3, wav, ogg, flac, ...)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            audio, _ = librosa.load(file, sr=rate, mono=True)
    except Exception as exc:  # audioread and soundfile raise many types for a file that is not audio
        raise ToolError(f"cannot read {file} as music: it is not an audio file (use mp3, wav, ogg or flac)") from exc
    if audio.size == 0 or not np.isfinite(audio).all():
        raise ToolError(f"{file} holds no sound: choose another music file")
    return audio.astype(np.float32)


def _stamp(path: str | Path) -> tuple[str, float, int]:
    """The cache key of a music file: its path, and its modification time and size, so an edited file
    is read again."""
    file = Path(path)
    info = file.stat() if file.is_file() else None
    return str(file), info.st_mtime if info else 0.0, info.st_size if info else -1


def load_music(path: str | Path, rate: int) -> np.ndarray:
    """Mono float32 music at ``rate``, or a ToolError that says what is wrong with the file."""
    return _load(*_stamp(path), rate)


BEAT_HOP = 128  # samples per onset-envelope frame (8 ms at 16 kHz)
TEMPO_PRIOR = 120.0  # bpm the tempo estimate leans towards when the music is ambiguous
TIGHTNESS = 100.0  # how strongly beats keep to the tempo in the dynamic programme


def _tempo_period(envelope: np.ndarray, frame_rate: float) -> int:
    """Beat period in envelope frames: the envelope's autocorrelation peak between 40 and 240 bpm,
    weighted by a log-normal prior around TEMPO_PRIOR."""
    centred = envelope - envelope.mean()
    lags = np.arange(int(frame_rate * 60 / 240), int(frame_rate * 60 / 40) + 1)
    lags = lags[lags < len(centred)]
    if len(lags) == 0:
        return max(1, int(frame_rate * 60 / TEMPO_PRIOR))
    corr = np.array([centred[lag:] @ centred[:-lag] / (len(centred) - lag) for lag in lags])
    bpm = 60 * frame_rate / lags
    prior = np.exp(-0.5 * (np.log2(bpm / TEMPO_PRIOR) / 1.0) ** 2)
    return int(lags[np.argmax(corr * prior)])


def _track_beats(envelope: np.ndarray, period: int) -> list[int]:
    """Ellis' dynamic programme: beats sit on strong onsets and about one period apart."""
    n = len(envelope)
    env = envelope / (envelope.std() + 1e-9)
    score = env.copy()
    back = np.full(n, -1)
    gaps = np.arange(max(1, period // 2), 2 * period + 1)  # allowed distances to the previous beat
    penalty = -TIGHTNESS * np.log(gaps / period) ** 2
    for t in range(n):
        prev = t - gaps
        ok = prev >= 0
        if not ok.any():
            continue
        candidates = score[prev[ok]] + penalty[ok]
        best = int(np.argmax(candidates))
        if candidates[best] > 0:
            score[t] = env[t] + candidates[best]
            back[t] = prev[ok][best]
    end = n - period + int(np.argmax(score[max(0, n - period):]))
    beats = [end]
    while back[beats[-1]] >= 0:
        beats.append(int(back[beats[-1]]))
    return beats[::-1]


@lru_cache(maxsize=4)
def _beats(path: str, mtime: float, size: int, rate: int) -> tuple[float, ...]:
    import librosa

    audio = _load(path, mtime, size, rate)
    if len(audio) < 2 * rate:  # too short to tell a tempo: no beats, so no snapping
        return ()
    # Short windows (32 ms) keep the envelope sharp in time, so beats are not late by half a long window.
    envelope = librosa.onset.onset_strength(y=audio, sr=rate, hop_length=BEAT_HOP, n_fft=512)
    frame_rate = rate / BEAT_HOP
    frames = _track_beats(envelope, _tempo_period(envelope, frame_rate))
    # The programme finds the beat's frame; the strongest onset within a few frames of it is sharper,
    # which puts a click track's beats within a few milliseconds.
    refined = []
    for f in frames:
        lo, hi = max(0, f - 4), min(len(envelope), f + 5)
        refined.append(lo + int(np.argmax(envelope[lo:hi])))
    return tuple(librosa.frames_to_time(np.array(refined, int), sr=rate, hop_length=BEAT_HOP).tolist())


def beat_times(path: str | Path, rate: int) -> np.ndarray:
    """Seconds of each beat in the music."""
    return np.array(_beats(*_stamp(path), rate))


def mix_music(effects: np.ndarray, music: np.ndarray, rate: int, volume_db: float, duck_db: float) -> np.ndarray:
    """``effects`` with ``music`` under it: looped or trimmed to length, faded out over the last second, at
    ``volume_db``, and dipped by up to ``duck_db`` while the effects are loud (a sidechain compressor)."""
    n = len(effects)
    bed = np.resize(music, n) if len(music) < n else music[:n].copy()
    fade = min(n, rate)
    bed[n - fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
    window = max(1, int(0.02 * rate))
    level = np.sqrt(np.convolve(effects**2, np.ones(window) / window, mode="same"))  # (n,) effects RMS
    step = max(1, rate // 1000)  # the follower runs on a 1 ms grid
    amount = np.clip(level[::step] / DUCK_REFERENCE, 0, 1)
    # Follow rises fast and falls slowly, so the music dips at an impact and recovers over its ring.
    smooth = np.empty_like(amount)
    up, down = 1 - np.exp(-step / (DUCK_ATTACK * rate)), 1 - np.exp(-step / (DUCK_RELEASE * rate))
    state = 0.0
    for i, a in enumerate(amount):
        state += (a - state) * (up if a > state else down)
        smooth[i] = state
    smooth = np.interp(np.arange(n), np.arange(len(smooth)) * step, smooth)
    gain = 10 ** (volume_db / 20) * (1 - (1 - 10 ** (duck_db / 20)) * smooth)
    return np.clip(effects + bed * gain, -1, 1).astype(np.float32)
