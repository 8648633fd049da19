"""The step caches a person can choose (``--cache``): NCR, the default, or one of diffusers' own, on the same
transformer and in the same sampling loop, so the benchmark compares like with like.

``apply_cache(transformer, CacheSettings(name=...))`` installs one and returns an ``AppliedCache``; the
sampling loop calls ``begin()`` before a generation and wraps each transformer call in ``step(...)`` (the
cache context diffusers' hooks read their step from); ``remove()`` takes it out and the model is as it was.
diffusers is imported only when one of its caches is chosen.

What each peer needs from a model that is not diffusers' own (the built-in ``VideoDiT``) is registered
here: its block's signature (first-block, MagCache, SEA), the names of its attention and MLP layers
(TaylorSeer, PAB), and where the video latents are (SEA). FasterCache reads diffusers' own attention
classes and guidance layout, so it is offered for diffusers' models only.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from engine.hooks import Hook, add_hook, remove_hook, rewrap
from engine.ncr import NCRConfig, apply_ncr, compute_fraction, family_of, remove_ncr, reset_ncr

CACHES = {
    "ncr": "noise-aware compute redistribution (reelwright's own; the default)",
    "first-block": "diffusers' First Block Cache: skip the rest of the blocks while the first one's residual "
                   "barely changes",
    "taylorseer": "diffusers' TaylorSeer: forecast attention and MLP outputs by a Taylor series between refreshes",
    "magcache": "diffusers' MagCache: skip steps while the calibrated residual magnitude ratio stays near 1",
    "pab": "diffusers' Pyramid Attention Broadcast: reuse attention outputs in the middle of the schedule",
    "faster": "diffusers' FasterCache: reuse attention outputs with frequency-aware correction (diffusers' models)",
    "sea": "diffusers' SeaCache: skip the block stack while a spectrum-weighted change stays small",
    "off": "full compute",
}
_COUNTER, _CALLS = "compute_meter", "compute_meter_calls"


@dataclass
class CacheSettings:
    """Which cache, and its main setting. ``threshold`` is the peer's own knob (its name in diffusers:
    first-block ``threshold``, taylorseer ``cache_interval``, magcache ``threshold``, pab and faster the
    spatial attention ``block_skip_range``, sea ``threshold``); None keeps diffusers' default."""

    name: str = "ncr"
    ncr: NCRConfig = field(default_factory=NCRConfig)
    threshold: float | None = None
    mag_ratios: list[float] | None = None  # MagCache's per-step ratios for this model (calibrate_mag_ratios)

    def __post_init__(self) -> None:
        if self.name not in CACHES:
            raise ValueError(f"unknown cache {self.name!r}: choose one of {', '.join(CACHES)}")

    @property
    def active(self) -> bool:
        return self.name != "off" and (self.name != "ncr" or self.ncr.active)

    @classmethod
    def from_dict(cls, values: dict) -> CacheSettings:
        """The inverse of ``dataclasses.asdict`` (how the settings travel to a cluster's workers)."""
        return cls(**{**values, "ncr": NCRConfig(**values.get("ncr", {}))})

    def describe(self) -> dict:
        """What the cache is, for reports and shot keys."""
        if self.name == "ncr" and self.ncr.active:
            return {"name": "ncr", "ncr": asdict(self.ncr)}
        if self.name in ("ncr", "off"):
            return {"name": "off"}
        return {"name": self.name, "threshold": self.threshold}


class _Meter(Hook):
    """Counts the multiply-adds of the block list's linear layers that actually run: a cache that skips a
    layer never calls it (the meter sits inside every cache's hooks)."""

    def __init__(self, counts: list[float]):
        self.counts = counts

    def new_forward(self, module, forward, x, *args, **kwargs):
        self.counts[0] += x.numel() // x.shape[-1] * module.in_features * module.out_features
        return forward(x, *args, **kwargs)


class _PerCall(Hook):
    """On the transformer, outside every cache: the call's noise level (diffusers' timestep callbacks read
    it) and the multiply-adds the call spent."""

    def __init__(self, cache: AppliedCache):
        self.cache = cache

    def new_forward(self, module, forward, *args, **kwargs):
        family = self.cache.family
        noise = kwargs[family.noise_arg] if family.noise_arg in kwargs else args[family.noise_index]
        self.cache.timestep = float(noise.max()) / family.noise_scale * 1000.0
        before = self.cache.counts[0]
        out = forward(*args, **kwargs)
        self.cache.per_call.append(self.cache.counts[0] - before)
        return out


class AppliedCache:
    """One cache installed on one transformer."""

    def __init__(self, transformer: nn.Module, settings: CacheSettings):
        self.transformer, self.settings = transformer, settings
        self.family = family_of(transformer)  # looked up once, not on every call
        self.timestep = 1000.0  # the latest call's noise level on diffusers' 0..1000 scale
        self.counts = [0.0]
        self.per_call: list[float] = []  # multiply-adds per transformer call of this generation
        self._read = 0  # calls already counted by fraction()
        self._steps = 0
        self._diffusers: list[tuple[nn.Module, str]] = []  # (module, hook name) diffusers' apply added
        self._registries = {id(m) for m in transformer.modules() if "_diffusers_hook" in m.__dict__}
        self._linears = [m for m in _blocks(transformer).modules() if isinstance(m, nn.Linear)]
        try:
            for linear in self._linears:
                add_hook(linear, _COUNTER, _Meter(self.counts))
            if settings.name == "ncr":
                apply_ncr(transformer, settings.ncr)
            elif settings.name != "off":
                self._diffusers = _apply_diffusers_cache(transformer, settings, lambda: self.timestep)
            add_hook(transformer, _CALLS, _PerCall(self))
        except Exception:
            self.remove()  # nothing half-installed stays on the model
            raise

    def begin(self, steps: int) -> None:
        """A new generation of ``steps`` steps: nothing cached applies."""
        self.per_call.clear()
        self._read = 0
        for module in self.transformer.modules():
            rewrap(module)  # accelerate's offload may have replaced a forward over ours since the last render
        reset_ncr(self.transformer)
        if self.settings.name == "magcache" and steps != self._steps:
            # MagCache counts its steps and resets at num_inference_steps: set it to this generation's length
            # (diffusers stretches the calibrated ratios to it).
            _remove_diffusers_hooks(self._diffusers)
            self._diffusers = _apply_diffusers_cache(self.transformer, self.settings, lambda: self.timestep,
                                                     steps=steps)
        if self._diffusers:
            from diffusers.hooks import HookRegistry

            HookRegistry.check_if_exists_or_initialize(self.transformer).reset_stateful_hooks()
        self._steps = steps

    @contextlib.contextmanager
    def step(self, index: int, sigma: float):
        """Wraps one transformer call at step ``index`` (noise level ``sigma``) in the cache context that
        diffusers' hooks read (diffusers' own pipelines enter it themselves)."""
        if not self._diffusers:
            yield
            return
        from diffusers.hooks.hooks import CacheContext, _set_cache_context

        _set_cache_context(self.transformer, CacheContext("cond", step_index=index, num_inference_steps=self._steps,
                                                          timestep=sigma * 1000.0, sigma=sigma))
        try:
            yield
        finally:
            _set_cache_context(self.transformer, None)

    def fraction(self) -> float:
        """Share of the blocks' compute spent at the latest step: NCR's own count, else the meter's
        multiply-adds of the calls since the last reading (a step's calls: one per guidance branch where a
        pipeline calls once per branch) against the generation's first call, which every cache computes in
        full."""
        calls, self._read = self.per_call[self._read:], len(self.per_call)
        if self.settings.name == "ncr":
            return compute_fraction(self.transformer)
        if not calls or not self.per_call[0]:
            return 1.0
        return sum(calls) / len(calls) / self.per_call[0]

    def has_new_calls(self) -> bool:
        """The transformer ran since the last ``fraction()`` (of two experts, the one this step used)."""
        return len(self.per_call) > self._read

    def macs(self) -> float:
        """Multiply-adds the blocks' linear layers spent since ``begin``."""
        return float(sum(self.per_call))

    def remove(self) -> None:
        remove_hook(self.transformer, _CALLS)
        remove_ncr(self.transformer)
        _remove_diffusers_hooks(self._diffusers)
        self._diffusers = []
        for module in self.transformer.modules():  # registries diffusers made only to hold cache contexts
            registry = module.__dict__.get("_diffusers_hook")
            if registry is not None and not registry.hooks and id(module) not in self._registries:
                del module._diffusers_hook
        for linear in self._linears:
            remove_hook(linear, _COUNTER)


def apply_cache(transformer: nn.Module, settings: CacheSettings) -> AppliedCache:
    return AppliedCache(transformer, settings)


def _blocks(transformer: nn.Module) -> nn.ModuleList:
    return getattr(transformer, family_of(transformer).blocks)


# --- diffusers' caches -------------------------------------------------------------------------------------

def _register_video_dit() -> None:
    """Tell diffusers' block registry what the built-in DiT's block takes and returns."""
    from diffusers.hooks._helpers import TransformerBlockMetadata, TransformerBlockRegistry

    from engine.dit import DiTBlock

    TransformerBlockRegistry._register()
    if DiTBlock not in TransformerBlockRegistry._registry:
        TransformerBlockRegistry.register(DiTBlock, TransformerBlockMetadata(return_hidden_states_index=0))


def _video_dit_latents(module, args, kwargs) -> list[torch.Tensor]:
    """SEA's view of the picture: (C, T, h, w) per batch row, from the DiT's (B, T, C, h, w) latents."""
    latents = kwargs["latents"] if "latents" in kwargs else args[0]
    return [x.permute(1, 0, 2, 3) for x in latents.unbind(0)]


def _apply_diffusers_cache(transformer: nn.Module, settings: CacheSettings, timestep, steps: int | None = None
                           ) -> list[tuple[nn.Module, str]]:
    """Installs the diffusers cache; returns the (module, hook name) pairs it added, so that removing it
    takes out exactly those (an offload's hooks on the same modules stay)."""
    before = {id(m): set(m._diffusers_hook.hooks) for m in transformer.modules()
              if hasattr(m, "_diffusers_hook")}
    _install_diffusers_cache(transformer, settings, timestep, steps)
    return [(m, name) for m in transformer.modules() if hasattr(m, "_diffusers_hook")
            for name in m._diffusers_hook.hooks if name not in before.get(id(m), set())]


def _install_diffusers_cache(transformer: nn.Module, settings: CacheSettings, timestep, steps: int | None) -> None:
    import diffusers.hooks as dh

    ours = type(transformer).__name__ == "VideoDiT"
    if ours:
        _register_video_dit()
    knob = settings.threshold
    name = settings.name
    if name in ("first-block", "magcache") and len(_blocks(transformer)) < 2:
        raise ValueError(f"{name} sets the first block apart from the rest: this transformer has only one block")
    if name == "first-block":
        dh.apply_first_block_cache(transformer, dh.FirstBlockCacheConfig(**_given(threshold=knob)))
    elif name == "taylorseer":
        names = [r"blocks\.\d+\.(attn|cross|mlp)"] if ours else None
        dh.apply_taylorseer_cache(transformer, dh.TaylorSeerCacheConfig(
            **_given(cache_interval=None if knob is None else int(knob)), cache_identifiers=names,
            taylor_factors_dtype=torch.float32))
    elif name == "magcache":
        if settings.mag_ratios is None:
            raise ValueError("MagCache needs the model's magnitude ratios: the backend calibrates them on the "
                             "first render (engine.caches.calibrate_mag_ratios)")
        dh.apply_mag_cache(transformer, dh.MagCacheConfig(**_given(threshold=knob), mag_ratios=settings.mag_ratios,
                                                          num_inference_steps=steps or len(settings.mag_ratios)))
    elif name == "pab":
        skip = 2 if knob is None else int(knob)
        if ours:  # diffusers finds attention by its own classes; the DiT's are named instead
            from diffusers.hooks.pyramid_attention_broadcast import _apply_pyramid_attention_broadcast_hook

            for block in _blocks(transformer):
                _apply_pyramid_attention_broadcast_hook(block.attn, (100, 800), skip, timestep)
        else:
            dh.apply_pyramid_attention_broadcast(transformer, dh.PyramidAttentionBroadcastConfig(
                spatial_attention_block_skip_range=skip, current_timestep_callback=timestep))
    elif name == "faster":
        if ours:
            raise ValueError("FasterCache works on diffusers' own attention classes and guidance batches: use it "
                             "with a real model (--model DIR), or choose another cache")
        dh.apply_faster_cache(transformer, dh.FasterCacheConfig(
            spatial_attention_block_skip_range=2 if knob is None else int(knob), current_timestep_callback=timestep,
            is_guidance_distilled=True))
    elif name == "sea":
        dh.apply_sea_cache(transformer, dh.SeaCacheConfig(
            **_given(threshold=knob), **({"raw_vision_callback": _video_dit_latents} if ours else {})))


def _given(**values) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def _remove_diffusers_hooks(added: list[tuple[nn.Module, str]]) -> None:
    """Takes out the hooks a diffusers cache added, and a registry it left empty."""
    for module, name in added:
        registry = module.__dict__.get("_diffusers_hook")
        if registry is None or name not in registry.hooks:
            continue
        registry.remove_hook(name, recurse=False)
        if not registry.hooks:  # diffusers leaves the class's forward bound on the instance: as if never hooked
            del module._diffusers_hook
            if "_reel_hooks" not in module.__dict__ and getattr(module.__dict__.get("forward"), "__self__", None) \
                    is module:
                module.__dict__.pop("forward")


def calibrate_mag_ratios(transformer: nn.Module, generate) -> list[float]:
    """MagCache's per-step ratios for this model: ``generate()`` runs one full-compute generation while the
    block stack's residual (last block's output minus first block's input) is compared step to step, by
    diffusers' own formula: mean over tokens of |residual_t| / |residual_t-1|. Only a step's first call counts
    (a pipeline that calls once per guidance branch calls again at the same noise level), and only the last
    residual is kept."""
    blocks, family = _blocks(transformer), family_of(transformer)
    ratios: list[float] = []
    seen: dict = {"level": None, "first": False, "input": None, "previous": None}

    class Step(Hook):  # on the transformer: is this call a new step?
        def new_forward(self, module, forward, *args, **kwargs):
            noise = kwargs[family.noise_arg] if family.noise_arg in kwargs else args[family.noise_index]
            level = float(noise.max())
            seen["first"], seen["level"] = level != seen["level"], level
            return forward(*args, **kwargs)

    class Record(Hook):
        def __init__(self, last: bool):
            self.last = last

        def new_forward(self, module, forward, hidden_states, *args, **kwargs):
            out = forward(hidden_states, *args, **kwargs)
            if not seen["first"]:
                return out
            if not self.last:
                seen["input"] = hidden_states
            else:
                residual = ((out[0] if isinstance(out, tuple) else out) - seen["input"]).float()
                previous, seen["previous"] = seen["previous"], residual
                ratios.append(1.0 if previous is None else float(
                    (residual.norm(dim=-1) / (previous.norm(dim=-1) + 1e-8)).mean()))
            return out

    hooks = [(transformer, "mag_step", Step()), (blocks[0], "mag_first", Record(last=False)),
             (blocks[-1], "mag_last", Record(last=True))]
    for module, name, hook in hooks:
        add_hook(module, name, hook)
    try:
        generate()
    finally:
        for module, name, _ in reversed(hooks):
            remove_hook(module, name)
    return ratios
