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


def test_hooks_leave_another_librarys_wrapper_exactly_as_it_was():
    """An offload or casting wrapper already on a module stays; one put over ours is kept, and ours go back
    on top of it at the next generation (accelerate's model offload replaces the forward when a pipeline is
    placed)."""
    import torch

    from engine.hooks import Hook, add_hook, remove_hook, rewrap

    class Count(Hook):
        def __init__(self):
            self.calls = 0

        def new_forward(self, module, forward, *args, **kwargs):
            self.calls += 1
            return forward(*args, **kwargs)

    layer = torch.nn.Linear(2, 2)
    theirs = lambda x: torch.nn.Linear.forward(layer, x) * 2  # noqa: E731  (a library's wrapper)
    layer.forward = theirs
    ours = add_hook(layer, "count", Count())
    x = torch.ones(1, 2)
    expected = torch.nn.Linear.forward(layer, x) * 2
    assert torch.equal(layer(x), expected) and ours.calls == 1
    remove_hook(layer, "count")
    assert layer.__dict__["forward"] is theirs and "_reel_hooks" not in layer.__dict__

    add_hook(layer, "count", ours)
    layer.forward = lambda x: torch.nn.Linear.forward(layer, x) * 3  # replaced over ours
    layer(x)
    assert ours.calls == 1, "ours is gone until rewrapped"
    assert rewrap(layer) and torch.equal(layer(x), torch.nn.Linear.forward(layer, x) * 3) and ours.calls == 2
    remove_hook(layer, "count")
    assert not rewrap(layer)


def test_mag_ratios_come_one_per_step_when_the_pipeline_calls_once_per_branch(wan_folder):
    import diffusers
    import torch

    from engine.caches import calibrate_mag_ratios

    pipe = diffusers.DiffusionPipeline.from_pretrained(wan_folder)
    pipe.set_progress_bar_config(disable=True)
    ratios = calibrate_mag_ratios(pipe.transformer, lambda: pipe(
        prompt="a red ball", num_frames=9, height=32, width=32, num_inference_steps=5, output_type="np",
        generator=torch.Generator().manual_seed(0)))
    assert len(ratios) == 5 and ratios[0] == 1.0
    assert "_reel_hooks" not in pipe.transformer.__dict__
