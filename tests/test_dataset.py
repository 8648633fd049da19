import numpy as np

from engine.world.dataset import batch_arrays, sample_spec, stream_clips
from engine.world.vocab import is_held_out


def test_stream_is_reproducible_and_resumable():
    first = list(stream_clips(seed=3, count=4, height=32, width=32, frames=4))
    resumed = list(stream_clips(seed=3, start=2, count=2, height=32, width=32, frames=4))
    assert np.array_equal(first[2].frames, resumed[0].frames)
    assert first[3].caption == resumed[1].caption


def test_splits_respect_held_out_combinations():
    for i in range(40):
        train, held = sample_spec(i, split="train"), sample_spec(i, split="heldout")
        assert not is_held_out(train.shape, train.colour, train.scene, train.motion)
        assert is_held_out(held.shape, held.colour, held.scene, held.motion)


def test_batch_arrays():
    batch = batch_arrays(list(stream_clips(count=3, height=32, width=32, frames=5)))
    assert batch["frames"].shape == (3, 5, 32, 32, 3)
    assert batch["layout"].shape == (3, 5, 4)
    assert len(batch["captions"]) == 3


def test_parallel_stream_matches_the_serial_one():
    serial = list(stream_clips(seed=5, count=6, height=32, width=32, frames=3))
    pooled = list(stream_clips(seed=5, count=6, height=32, width=32, frames=3, workers=2))
    assert all(np.array_equal(a.frames, b.frames) for a, b in zip(serial, pooled))
