"""NCR: off is bit-identical, the frame level is exact, the token and step levels save compute."""

import numpy as np
import pytest

from engine.ncr import NCRConfig, apply_ncr, remove_ncr
from engine.pipeline import load_pipeline


@pytest.fixture()
def pipe(tiny_weights):
    p = load_pipeline(tiny_weights)
    yield p
    remove_ncr(p.transformer)


def _run(pipe, **kw):
    steps = []
    out = pipe("a green ring rises", attributes={"shape": "ring", "motion": "rises"}, num_frames=8,
               num_inference_steps=6, seed=3, callback=steps.append, **kw)
    return out, [s.compute_fraction for s in steps]


def test_ncr_off_is_bit_identical(pipe):
    plain, _ = _run(pipe)
    apply_ncr(pipe.transformer, NCRConfig.off())
    off, fractions = _run(pipe)
    assert np.array_equal(plain.frames, off.frames)
    assert fractions == [1.0] * 6


def test_frame_level_is_exact_and_saves_the_given_frames(pipe):
    image = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    video = np.random.default_rng(1).integers(0, 255, (8, 64, 64, 3), dtype=np.uint8)
    for mode, kw in [("i2v", {"image": image}), ("extend", {"video": video, "context_frames": 4})]:
        remove_ncr(pipe.transformer)
        plain, _ = _run(pipe, mode=mode, **kw)
        apply_ncr(pipe.transformer, NCRConfig(token_ratio=1.0, skip_below=0.0, reuse_below=0.0))
        cached, fractions = _run(pipe, mode=mode, **kw)
        assert (plain.latents - cached.latents).abs().max() < 1e-4
        given = 1 if mode == "i2v" else 4
        assert fractions[1] == pytest.approx((8 - given) / 8)


def test_token_and_step_levels_spend_less(pipe):
    apply_ncr(pipe.transformer, NCRConfig(token_ratio=0.25, refresh_every=3, full_steps=1, skip_below=0.6,
                                          reuse_below=0.0))
    out, fractions = _run(pipe)
    assert out.frames.shape == (8, 64, 64, 3)
    assert fractions[0] == 1.0 and min(fractions) < 0.3
    assert out.compute_fraction < 0.7


def test_low_noise_steps_reuse_the_whole_velocity(pipe):
    plain, _ = _run(pipe)
    apply_ncr(pipe.transformer, NCRConfig(token_ratio=1.0, reuse_below=0.7, reuse_every=2))
    out, fractions = _run(pipe)
    # Six steps from noise 1 down: the ones under 0.7 alternate between running and reusing.
    assert fractions[:2] == [1.0, 1.0] and 0.0 in fractions[2:] and fractions[-1] in (0.0, 1.0)
    assert fractions.count(0.0) >= 2
    assert not np.array_equal(plain.frames, out.frames) and out.frames.shape == plain.frames.shape


@pytest.mark.parametrize("kwargs", [{"token_ratio": 0.0}, {"token_ratio": 1.5}, {"refresh_every": 0},
                                    {"skip_blocks": 1.0}, {"reuse_below": 1.5}, {"reuse_every": 0}])
def test_config_is_validated(kwargs):
    with pytest.raises(ValueError):
        NCRConfig(**kwargs)
