"""NCR: off is bit-identical, the frame level is exact, the token and step levels save compute, and the same
hooks serve the built-in DiT, Wan and LTX-Video (tiny random-weight models)."""

import numpy as np
import pytest
import torch

from engine.hooks import Hook, add_hook, remove_hook
from engine.ncr import NCRConfig, apply_ncr, compute_fraction, remove_ncr
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
        assert (plain.latents - cached.latents).abs().max() < 1e-6  # the same sums, in the same order
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


@pytest.mark.parametrize("reused", ["output", "residual"])
def test_a_reused_step_reuses_the_whole_output_or_the_stack_residual(pipe, reused):
    """"output": a reused step returns a copy of the last output and none of the model runs; "residual": the
    embedding and output layer run under the current latents and noise level, the blocks do not."""
    apply_ncr(pipe.transformer, NCRConfig(reuse_below=0.7, reuse_every=2, reused=reused))
    outputs, embedded = [], []

    class Probe(Hook):  # outside NCR's hook: what the sampler gets
        def new_forward(self, module, forward, *args, **kwargs):
            outputs.append(forward(*args, **kwargs))
            return outputs[-1]

    add_hook(pipe.transformer, "probe", Probe())
    counting = pipe.transformer.patch_embed.register_forward_hook(lambda *_: embedded.append(len(outputs)))
    try:
        _, fractions = _run(pipe)
    finally:
        counting.remove()
        remove_hook(pipe.transformer, "probe")
    reused_steps = [i for i, f in enumerate(fractions) if f == 0.0]
    assert reused_steps and all(i > 0 and fractions[i - 1] > 0 for i in reused_steps)
    for i in reused_steps:
        if reused == "output":
            assert torch.equal(outputs[i], outputs[i - 1]) and outputs[i] is not outputs[i - 1]
            assert i not in embedded
        else:
            assert not torch.equal(outputs[i], outputs[i - 1]) and i in embedded


def test_sampling_again_from_noise_without_a_reset_starts_afresh(pipe):
    """A caller that installs NCR and samples twice without reset_ncr: the second run's first call, at a noise
    level above the last one, must run the model, not hand back the first run's last output."""
    from engine.pipeline import attribute_ids

    dit = pipe.transformer
    apply_ncr(dit, NCRConfig(reuse_below=1.0, reuse_every=8))
    tokens, mask, pooled = pipe.text_encoder.encode(["a green ring rises"])
    inputs = dict(text_tokens=tokens, text_mask=mask, text_pooled=pooled, attributes=attribute_ids(dit, None)[None])
    latents = torch.randn(1, 8, dit.config.latent_channels, dit.config.latent_size, dit.config.latent_size)

    def call(level: float, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return dit(x, torch.full((1, 8), level), **inputs)

    for level in (0.6, 0.5, 0.4):  # a video-to-video run that starts below reuse_below
        first = call(level, latents)
    assert compute_fraction(dit) == 0.0  # the last of them reused
    again = call(0.6, latents * 2)
    assert compute_fraction(dit) == 1.0 and not torch.equal(again, first)


def test_the_noise_aware_schedule_runs_where_the_signal_to_noise_ratio_moves(pipe):
    """Sixteen steps from noise 1 in even steps: log-SNR moves fast at the start and the end, slowly in the
    middle, so a log-SNR distance of 2 runs the blocks on steps 0, 1, 3, 7, 11 and 14 and reuses the rest."""
    apply_ncr(pipe.transformer, NCRConfig(reuse_snr=2.0))
    steps = []
    pipe("a green ring rises", attributes={"shape": "ring", "motion": "rises"}, num_frames=8,
         num_inference_steps=16, seed=3, callback=steps.append)
    ran = [i for i, s in enumerate(steps) if s.compute_fraction > 0]
    assert ran == [0, 1, 3, 7, 11, 14]


@pytest.mark.parametrize("kwargs", [{"token_ratio": 0.0}, {"token_ratio": 1.5}, {"refresh_every": 0},
                                    {"skip_blocks": 1.0}, {"reuse_below": 1.5}, {"reuse_every": 0},
                                    {"reuse_snr": -1.0}, {"reused": "velocity"}])
def test_config_is_validated(kwargs):
    with pytest.raises(ValueError):
        NCRConfig(**kwargs)


def _no_hooks_left(model) -> bool:
    return not any("forward" in m.__dict__ or "_reel_hooks" in m.__dict__ for m in model.modules())


def test_remove_ncr_restores_the_model_exactly(pipe):
    plain, _ = _run(pipe)
    apply_ncr(pipe.transformer, NCRConfig(token_ratio=0.3, skip_below=0.5))
    changed, _ = _run(pipe)
    remove_ncr(pipe.transformer)
    again, fractions = _run(pipe)
    assert not np.array_equal(plain.frames, changed.frames)
    assert np.array_equal(plain.frames, again.frames) and fractions == [1.0] * 6
    assert _no_hooks_left(pipe.transformer)


@pytest.fixture(scope="module", params=["wan", "ltx"])
def diffusers_pipe(request, tmp_path_factory):
    import diffusers

    from engine.backends.random_init import build_ltx, build_wan

    build = build_wan if request.param == "wan" else build_ltx
    folder = build(tmp_path_factory.mktemp(request.param) / "model", preset="tiny")
    pipe = diffusers.DiffusionPipeline.from_pretrained(folder)
    pipe.set_progress_bar_config(disable=True)
    yield pipe
    remove_ncr(pipe.transformer)


def _run_diffusers(pipe):
    fractions = []

    def on_step(p, i, t, kwargs):
        fractions.append(compute_fraction(p.transformer))
        return kwargs

    frames = pipe(prompt="a red ball bounces", num_frames=9, height=32, width=32, num_inference_steps=6,
                  output_type="np", generator=torch.Generator().manual_seed(0), callback_on_step_end=on_step).frames[0]
    return frames, fractions


@pytest.mark.parametrize("reused", ["output", "residual"])
def test_the_same_hooks_serve_wan_and_ltx(diffusers_pipe, reused):
    """Hooks that save nothing change nothing; step reuse runs the transformer on the first steps and then
    every 3rd only (one cache per guidance branch: Wan's pipeline calls the transformer twice a step), reusing
    its whole output or the block stack's residual; removal is exact."""
    plain, _ = _run_diffusers(diffusers_pipe)
    apply_ncr(diffusers_pipe.transformer, NCRConfig(reuse_below=0.0))
    hooked, fractions = _run_diffusers(diffusers_pipe)
    assert np.array_equal(plain, hooked) and fractions == [1.0] * 6
    apply_ncr(diffusers_pipe.transformer, NCRConfig(reuse_below=1.0, reuse_every=3, reused=reused))
    cached, fractions = _run_diffusers(diffusers_pipe)
    assert fractions == [1.0, 1.0, 0.0, 0.0, 1.0, 0.0]
    assert not np.array_equal(plain, cached) and np.abs(plain - cached).max() < 0.5
    remove_ncr(diffusers_pipe.transformer)
    assert np.array_equal(plain, _run_diffusers(diffusers_pipe)[0])
    assert _no_hooks_left(diffusers_pipe.transformer)


def test_the_token_level_runs_on_wan_and_ltx(diffusers_pipe):
    """Wan's and LTX's attention turns queries and keys by one rotary embedding of the whole sequence: the
    queries are lent at full length and the output projection keeps the running rows. A partial step that
    picks every token is the full step bit for bit; one that picks half spends half."""
    plain, _ = _run_diffusers(diffusers_pipe)
    apply_ncr(diffusers_pipe.transformer, NCRConfig(reuse_below=0.0, token_ratio=0.9999, refresh_every=3))
    every, fractions = _run_diffusers(diffusers_pipe)
    assert np.array_equal(plain, every) and fractions == [1.0] * 6
    apply_ncr(diffusers_pipe.transformer, NCRConfig(reuse_below=0.0, token_ratio=0.5, refresh_every=3))
    half, fractions = _run_diffusers(diffusers_pipe)
    assert fractions == [1.0, 1.0, 0.5, 1.0, 0.5, 0.5]
    assert not np.array_equal(plain, half) and np.isfinite(half).all()
    remove_ncr(diffusers_pipe.transformer)
    assert np.array_equal(plain, _run_diffusers(diffusers_pipe)[0])
    assert _no_hooks_left(diffusers_pipe.transformer)


def test_middle_blocks_reuse_their_residual_on_wan(tmp_path):
    import diffusers

    from engine.backends.random_init import build_wan

    pipe = diffusers.DiffusionPipeline.from_pretrained(build_wan(tmp_path / "wan", preset="tiny"))
    pipe.set_progress_bar_config(disable=True)
    assert len(pipe.transformer.blocks) >= 2
    apply_ncr(pipe.transformer, NCRConfig(reuse_below=0.0, skip_below=0.7, skip_blocks=0.5))
    _, fractions = _run_diffusers(pipe)
    assert fractions[:3] == [1.0, 1.0, 1.0] and fractions[-1] == 0.5


def test_an_unknown_transformer_is_refused():
    with pytest.raises(ValueError, match="NCR knows the transformers VideoDiT"):
        apply_ncr(torch.nn.Linear(2, 2), NCRConfig())
