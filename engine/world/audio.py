"""Ground-truth soundtracks: scene ambience plus a sound at every event, timbre set by the subject.

This is what V2A learns from and is scored against, so event sounds start exactly at the event time and
ambience is steady (no bursts that an onset detector would take for events).
"""

from __future__ import annotations

import numpy as np

from engine.world.physics import Event

SAMPLE_RATE = 16000
AMBIENCE_RMS = 0.02
IMPACT_PEAK = 0.6

# (frequency Hz, relative amplitude, decay seconds) partials per subject: rubber, wood, metal, bell.
PARTIALS = {
    "ball": [(190.0, 1.0, 0.07), (420.0, 0.35, 0.04)],
    "cube": [(520.0, 1.0, 0.045), (1250.0, 0.6, 0.03), (2300.0, 0.25, 0.02)],
    "triangle": [(1800.0, 1.0, 0.22), (2950.0, 0.6, 0.16), (4100.0, 0.35, 0.1)],
    "ring": [(700.0, 1.0, 0.35), (1890.0, 0.5, 0.25), (3100.0, 0.3, 0.15)],
}


def _filtered_noise(n: int, rng: np.random.Generator, band: tuple[float, float] | float, kind: str) -> np.ndarray:
    from scipy import signal  # here, not at the top: scipy.signal costs 0.6 s to import and only sound needs it

    sos = signal.butter(2, band, btype=kind, fs=SAMPLE_RATE, output="sos")
    out = signal.sosfilt(sos, rng.standard_normal(n + 2048))[2048:]  # drop the filter's warm-up
    return out / (np.std(out) + 1e-9)


def ambience(scene: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """A steady bed of sound for the scene: breeze, waves, desert wind, snow wind or night insects."""
    t = np.arange(n) / SAMPLE_RATE
    phase = rng.uniform(0, 2 * np.pi)
    if scene == "meadow":
        breeze = _filtered_noise(n, rng, 500.0, "lowpass") * (0.8 + 0.2 * np.sin(2 * np.pi * 0.3 * t + phase))
        bed = breeze + 0.45 * _filtered_noise(n, rng, (2500.0, 5000.0), "bandpass")  # grass rustling
    elif scene == "beach":
        swell = 0.55 + 0.45 * np.sin(2 * np.pi * 0.25 * t + phase)  # slow waves, never a sudden burst
        bed = _filtered_noise(n, rng, (250.0, 1800.0), "bandpass") * swell
    elif scene == "desert":
        bed = _filtered_noise(n, rng, (350.0, 900.0), "bandpass") * (0.7 + 0.3 * np.sin(2 * np.pi * 0.17 * t + phase))
    elif scene == "snowfield":
        bed = _filtered_noise(n, rng, 2500.0, "highpass") * 0.7
    elif scene == "night":
        chirp = np.sin(2 * np.pi * 4300.0 * t) * (0.75 + 0.25 * np.sin(2 * np.pi * 3.0 * t + phase))
        bed = 0.7 * chirp + 0.5 * _filtered_noise(n, rng, 400.0, "lowpass")
    else:
        raise ValueError(scene)
    return (AMBIENCE_RMS * bed / (np.sqrt(np.mean(bed**2)) + 1e-9)).astype(np.float32)


def event_sound(kind: str, shape: str, scene: str, strength: float, rng: np.random.Generator) -> np.ndarray:
    """One impact or splash, starting at sample 0."""
    if kind == "splash":
        n = int(0.35 * SAMPLE_RATE)
        t = np.arange(n) / SAMPLE_RATE
        env = (1 - np.exp(-t / 0.002)) * np.exp(-t / 0.09)
        snd = _filtered_noise(n, rng, (700.0, 5000.0), "bandpass") * env
        bubbles = np.sin(2 * np.pi * (600 + 900 * np.exp(-t / 0.05)) * t) * np.exp(-t / 0.12) * 0.4
        snd = snd + bubbles
    else:
        n = int(0.6 * SAMPLE_RATE)
        t = np.arange(n) / SAMPLE_RATE
        soft_ground = scene in ("snowfield", "desert", "beach")  # sand and snow damp the ringing
        snd = np.zeros(n)
        for freq, amp, decay in PARTIALS[shape]:
            bend = 1.0 + (0.4 * np.exp(-t / 0.02) if shape == "ball" else 0.0)  # rubber's pitch drop
            decay = decay * (0.45 if soft_ground else 1.0)
            snd += amp * np.sin(2 * np.pi * freq * bend * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t / decay)
        if soft_ground:  # soft ground muffles the knock
            from scipy import signal

            sos = signal.butter(2, 1500.0, btype="lowpass", fs=SAMPLE_RATE, output="sos")
            snd = signal.sosfilt(sos, snd)
        # Every contact starts with a transient: a low thump and a short broadband click.
        thump = np.sin(2 * np.pi * 95.0 * t) * np.exp(-t / 0.018)
        click = rng.standard_normal(n) * np.exp(-t / 0.003)
        snd = (snd / (np.max(np.abs(snd)) + 1e-9) + 0.6 * thump + 0.5 * click) * (1 - np.exp(-t / 0.0005))
    snd = snd / (np.max(np.abs(snd)) + 1e-9)
    return (IMPACT_PEAK * (0.35 + 0.65 * strength) * snd).astype(np.float32)


def synthesize_soundtrack(shape: str, scene: str, events: list[Event], duration: float,
                          rng: np.random.Generator) -> np.ndarray:
    """Mono float32 audio at SAMPLE_RATE for a clip of ``duration`` seconds."""
    n = int(round(duration * SAMPLE_RATE))
    out = ambience(scene, n, rng)
    for ev in events:
        start = int(round(ev.time * SAMPLE_RATE))
        if start >= n:
            continue
        snd = event_sound(ev.kind, shape, scene, ev.strength, rng)[: n - start]
        out[start:start + len(snd)] += snd
    return np.clip(out, -1.0, 1.0)
