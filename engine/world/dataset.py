"""Stream (clip, caption, audio, ground truth) samples for training, rendered on the fly.

Nothing is stored: sample i of a stream is always the same clip (its seed is derived from the stream's
seed and i), so a training run that resumes at step k sees exactly what it would have seen.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Iterator
from functools import partial
from typing import Literal

import numpy as np

from engine.world.render import WorldClip, render_clip
from engine.world.vocab import AXES, TRAIN_FPS, TRAIN_FRAMES, TRAIN_SIZE, ClipSpec, is_held_out

Split = Literal["train", "heldout", "all"]


def sample_spec(index: int, seed: int = 0, split: Split = "train", frames: int = TRAIN_FRAMES,
                height: int = TRAIN_SIZE, width: int = TRAIN_SIZE, fps: int = TRAIN_FPS) -> ClipSpec:
    """The ``index``-th clip spec of a stream: uniform attributes, restricted to ``split``'s combinations."""
    rng = np.random.default_rng([seed, index, 0xDA7A])
    while True:
        attrs = {axis: values[int(rng.integers(len(values)))] for axis, values in AXES.items()}
        held = is_held_out(attrs["shape"], attrs["colour"], attrs["scene"], attrs["motion"])
        if split == "all" or held == (split == "heldout"):
            break
    return ClipSpec(**attrs, frames=frames, height=height, width=width, fps=fps,
                    seed=int(rng.integers(2**31)))


def _render_index(index: int, seed: int, split: Split, audio: bool, size: dict) -> WorldClip:
    return render_clip(sample_spec(index, seed, split, **size), audio=audio)


def stream_clips(seed: int = 0, start: int = 0, count: int | None = None, split: Split = "train",
                 audio: bool = False, workers: int = 1, **size) -> Iterator[WorldClip]:
    """Yield rendered clips ``start, start+1, ...`` of the stream (forever when ``count`` is None).

    With ``workers`` > 1 clips are rendered by a process pool, in order, so the stream is the same.
    """
    stop = None if count is None else start + count
    indices = iter(range(start, stop)) if stop is not None else itertools.count(start)
    render = partial(_render_index, seed=seed, split=split, audio=audio, size=size)
    if workers <= 1:
        yield from map(render, indices)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(render, indices, chunksize=64)



def batch_arrays(clips: list[WorldClip]) -> dict[str, np.ndarray | list]:
    """Stack clips into arrays a training step can use."""
    return {
        "frames": np.stack([c.frames for c in clips]),  # (B, T, H, W, 3) uint8
        "layout": np.stack([c.layout for c in clips]),  # (B, T, 4)
        "camera": np.stack([c.camera for c in clips]),  # (B, T, 2)
        "captions": [c.caption for c in clips],
        "attributes": [c.attributes for c in clips],
    }
