"""Log-mel spectrograms and their inversion to waveforms.

One mel frame every 10 ms, with a 20 ms window, so an impact's attack lands within a frame or two of its
true time. The inverse is fast Griffin-Lim (with momentum) in torch: a 2-second clip takes a few
milliseconds on a CPU, which keeps the whole V2A path far faster than real time.
"""

from __future__ import annotations

from functools import lru_cache

import librosa
import numpy as np
import torch

SAMPLE_RATE = 16000
N_FFT = 512
WIN = 320  # 20 ms
HOP = 160  # 10 ms per mel frame
N_MELS = 64
FMIN, FMAX = 40.0, 8000.0
LOG_FLOOR = 1e-5  # magnitudes below this (-100 dB) are silence
FRAME_RATE = SAMPLE_RATE / HOP  # mel frames per second


def mel_frames(duration: float) -> int:
    """Mel frames for ``duration`` seconds of audio (centred STFT: one at each end)."""
    return int(round(duration * SAMPLE_RATE)) // HOP + 1


@lru_cache(maxsize=1)
def _bases() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    mel = torch.as_tensor(librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS, fmin=FMIN, fmax=FMAX))
    return mel, torch.linalg.pinv(mel), torch.hann_window(WIN)  # (M, K), (K, M), (WIN,)


def warm_up() -> None:
    """Build the mel bases now (importing librosa's filters takes a quarter of a second)."""
    _bases()


def log_mel(audio: np.ndarray | torch.Tensor) -> torch.Tensor:
    """(N_MELS, frames) natural-log mel magnitudes of mono audio at SAMPLE_RATE."""
    mel, _, window = _bases()
    y = torch.as_tensor(np.asarray(audio, dtype=np.float32))
    spec = torch.stft(y, N_FFT, HOP, WIN, window, center=True, return_complex=True).abs()  # (K, F)
    return torch.log(torch.clamp(mel @ spec, min=LOG_FLOOR))  # (M, F)


def mel_to_audio(logmel: torch.Tensor | np.ndarray, length: int, iterations: int = 8, momentum: float = 0.99,
                 seed: int = 0) -> np.ndarray:
    """A waveform of ``length`` samples whose log-mel is close to ``logmel`` (N_MELS, frames).

    Linear magnitudes come from the mel basis' pseudo-inverse (clipped at zero); phases from fast
    Griffin-Lim, started from seeded random phases so the same input always gives the same sound.
    """
    _, inverse, window = _bases()
    magnitude = torch.clamp(inverse @ torch.exp(torch.as_tensor(logmel, dtype=torch.float32)), min=0.0)  # (K, F)
    generator = torch.Generator().manual_seed(seed)
    phase = 2 * torch.pi * torch.rand(magnitude.shape, generator=generator)  # (K, F)
    angles = torch.complex(torch.cos(phase), torch.sin(phase))  # a sixth of the time of a complex exp
    previous = torch.zeros_like(angles)
    for _ in range(iterations):
        y = torch.istft(magnitude * angles, N_FFT, HOP, WIN, window, center=True, length=length)
        rebuilt = torch.stft(y, N_FFT, HOP, WIN, window, center=True, return_complex=True)  # (K, F)
        accelerated = rebuilt - momentum / (1 + momentum) * previous
        previous = rebuilt
        angles = accelerated / (accelerated.abs() + 1e-8)
    y = torch.istft(magnitude * angles, N_FFT, HOP, WIN, window, center=True, length=length)
    return y.numpy().astype(np.float32)
