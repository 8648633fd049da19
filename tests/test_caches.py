"""The step caches a person can choose: NCR and diffusers' own, on the built-in DiT and on Wan / LTX-Video
(tiny random-weight models), in the same sampling loop; removal leaves the model exactly as it was."""

import numpy as np
import pytest

from agent.cli import CACHE_NAMES
from engine.backends import RenderRequest
from engine.caches import CACHES, CacheSettings
from engine.pipeline import load_pipeline

PEERS_ON_THE_DIT = ["first-block", "taylorseer", "magcache", "pab", "sea"]


def test_the_cli_offers_every_cache():
    assert CACHE_NAMES == tuple(CACHES)


@pytest.fixture(scope="module")
def pipe(tiny_weights):
    return load_pipeline(tiny_weights)


def _generate(pipe, steps=8):
    fractions = []
    out = pipe("a red ball bounces in a meadow", attributes={"colour": "red", "shape": "ball", "motion": "bounces"},
               num_frames=8, num_inference_steps=steps, seed=1, callback=lambda s: fractions.append(s.compute_fraction))
    return out.frames, fractions


@pytest.mark.parametrize("name", PEERS_ON_THE_DIT)
def test_diffusers_caches_run_on_the_built_in_dit_and_come_off_exactly(pipe, name):
    plain, full = _generate(pipe)
    assert full == [1.0] * 8
    settings = CacheSettings(name=name, threshold={"first-block": 0.5, "taylorseer": 2, "magcache": 0.5, "pab": 2,
                                                   "sea": 2.0}[name])
    if name == "magcache":
        from engine.caches import calibrate_mag_ratios

        settings.mag_ratios = calibrate_mag_ratios(pipe.transformer, lambda: _generate(pipe))
        assert len(settings.mag_ratios) == 8
    pipe.use_cache(settings)
    try:
        cached, fractions = _generate(pipe)
    finally:
        pipe.use_cache(None)
    assert cached.shape == plain.shape
    assert fractions[0] == 1.0 and min(fractions) < 1.0, fractions  # the first step is full, later ones save
    assert np.array_equal(plain, _generate(pipe)[0])
    assert not any("_diffusers_hook" in m.__dict__ or "_reel_hooks" in m.__dict__ or "forward" in m.__dict__
                   for m in pipe.transformer.modules())


def test_faster_cache_is_refused_on_the_built_in_dit_in_one_line(pipe):
    with pytest.raises(ValueError, match="FasterCache works on diffusers' own attention"):
        pipe.use_cache(CacheSettings(name="faster"))
    assert pipe.cache is None


def test_an_unknown_cache_is_refused():
    with pytest.raises(ValueError, match="unknown cache 'tea'"):
        CacheSettings(name="tea")


def test_settings_travel_as_a_dict():
    from dataclasses import asdict

    settings = CacheSettings(name="sea", threshold=0.3)
    assert CacheSettings.from_dict(asdict(settings)) == settings
    assert CacheSettings(name="ncr").describe()["name"] == "ncr" and CacheSettings(name="off").describe() == {
        "name": "off"}


@pytest.fixture(scope="module")
def wan_folder(tmp_path_factory):
    from engine.backends.random_init import build_wan

    return build_wan(tmp_path_factory.mktemp("wan") / "model", preset="tiny")


@pytest.mark.parametrize("name", ["ncr", "first-block", "magcache", "faster", "sea", "off"])
def test_every_cache_renders_wan_through_the_backend(wan_folder, name):
    from engine.backends.diffusers_video import DiffusersBackend

    backend = DiffusersBackend(wan_folder, device="cpu", cache=CacheSettings(name=name))
    request = RenderRequest(mode="t2v", prompt="a red ball", frames=9, steps=6, guidance=3.0, seed=0, width=32,
                            height=32)
    clip = backend.render(request)
    assert clip.frames.shape == (9, 32, 32, 3)
    assert clip.compute_fraction < 1.0 if name in ("ncr", "magcache") else clip.compute_fraction <= 1.0
