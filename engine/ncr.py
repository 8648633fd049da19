"""Noise-aware Compute Redistribution: spend the transformer's compute where the noise is.

Hooks outside the model (diffusers' ``hooks`` pattern, engine/hooks.py): ``apply_ncr(transformer,
NCRConfig(...))`` wraps the transformer's forward, each block's forward and, where blocks can run on a subset
of tokens, the self-attention's key and value projections; ``remove_ncr`` takes them out and the model is
exactly what it was. No block's math is repeated here: a hook decides which tokens and blocks run, and the
model's own code runs them. Three levels, each switchable:

1. frame: given frames (image-to-video, extend, video-to-video anchors) sit at noise level zero and, by
   training, attend only to each other, so their keys and values are computed at the first step and lent
   to every later step; only the noisy frames' tokens go through the blocks afterwards. Exact.
2. token: on partial steps only a share of the noisy tokens, those whose input to the first block changed
   most since they were last computed (scaled by how long ago that was), go through the blocks; they attend
   to the cached keys and values of the rest, and the rest keep their cached block output. Full refreshes
   come every few steps and at the first (highest-noise) steps, when the picture is still being decided.
3. step: below a noise level, the middle blocks are skipped and their cached residual (output minus
   input, from the last step that ran them) is added instead; at low noise consecutive steps differ little.
   And below ``reuse_below`` only every ``reuse_every``-th step (or, noise-aware, a step once the log
   signal-to-noise ratio has moved ``reuse_snr`` since the last) runs the transformer at all. A
   rectified-flow velocity is the direction from the picture to the noise, and once the picture is decided
   it barely turns, so the steps between reuse the transformer's last output whole (``reused="output"``:
   nothing of the model runs) or the block stack's residual (``"residual"``: the embedding of the current
   latents and the output layer under the current noise level run, as in diffusers' step caches). With
   camera guidance on (benchmarks/ncr.py, BENCHMARKS.md), the whole output is faster on every schedule,
   since nothing of the model runs, and closer to full compute on the dense ones (every 3rd step below noise
   0.9: 46.4 dB against 45.4); on sparse ones the residual is closer (every 8th: 33.4 against 32.3 dB) and
   keeps the asked-for motion better (see ``NCRConfig``).

Every level works on every transformer whose family is named in ``FAMILIES`` (the built-in DiT, Wan,
LTX-Video): a family names its blocks, its noise argument, its self-attention and which frame each token
is of. Wan's and LTX's attention turns queries and keys by the same rotary embedding of the whole sequence,
so there the queries are lent at full length too and the output projection keeps only the running tokens'
rows (attention itself then runs for every query; the projections, cross-attention and MLP run for the
running tokens only). A pipeline that calls the transformer once per guidance branch (diffusers' Wan
pipeline) gets one cache per branch; the built-in pipeline and LTX's batch both branches in one call. LTX
conditions with clean frames too, but its conditioning tokens attend to the noisy ones, so their keys and
values change every step and caching them would not be exact: the frame level is the built-in DiT's only.
``compute_fraction(model)`` is the share of block compute spent at the latest step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import nn
from torch.utils._pytree import tree_map_only

from engine.hooks import Hook, add_hook, get_hook, remove_hook


@dataclass
class NCRConfig:
    # Defaults chosen by benchmarks/ncr.py (BENCHMARKS.md) with the product's sampler (CFG and camera guidance
    # on), on 12 held-out prompts at 16 steps: the transformer runs on the first two steps and then every 8th,
    # and the steps between keep the block stack's residual: 3.6x at 33.4 dB against full compute. Reusing the
    # whole output there is faster (4.1x, 32.3 dB) but, on 80 unseen prompts (benchmarks/ncr_alignment.py),
    # drew the asked-for motion in 80% against 89% (all four attributes 72% against 81%; full compute 94% and
    # 89%): over seven steps the embedding and output layer, run under the current latents, keep the motion
    # going. Nearer full compute the whole output is the better reuse: every 3rd step below noise 0.9 2.2x at
    # 46.4 dB with all four right as often as MagCache at 2.0x (88%; --ncr-reuse-every 3 --ncr-reuse-below 0.9
    # --ncr-reused output), above every diffusers cache from 2x up. A large part of the time is camera
    # guidance's canvas, which does not shrink with the transformer's compute. The token level on top gained
    # little speed and cost PSNR, so it is off by default.
    enabled: bool = True
    frame_cache: bool = True  # level 1
    token_ratio: float = 1.0  # level 2: share of noisy tokens recomputed on partial steps; 1.0 turns it off
    refresh_every: int = 3  # level 2: every Nth step is a full step
    full_steps: int = 2  # level 2: the first steps are always full
    skip_below: float = 0.0  # level 3: under this noise level skip the middle blocks; 0 turns it off
    skip_blocks: float = 0.5  # level 3: share of blocks (taken from the middle) skipped there
    reuse_below: float = 1.0  # level 3: under this noise level most steps reuse the last result; 0 turns it off
    reuse_every: int = 8  # level 3: ... and only every Nth step there runs the transformer
    # level 3, noise-aware: > 0 runs the transformer once the log signal-to-noise ratio has moved this far since
    # it last ran (instead of every reuse_every-th step), so it runs densely where that ratio moves fast, at the
    # start and the end of sampling, and rarely in the middle
    reuse_snr: float = 0.0
    # level 3: what a reused step reuses: the transformer's whole last output ("output"), or the block stack's
    # residual under the current embedding and output layer ("residual")
    reused: Literal["output", "residual"] = "residual"

    def __post_init__(self) -> None:
        if not 0.0 < self.token_ratio <= 1.0:
            raise ValueError(f"token_ratio must be in (0, 1], got {self.token_ratio}")
        if self.refresh_every < 1 or self.full_steps < 0:
            raise ValueError("refresh_every must be >= 1 and full_steps >= 0")
        if not 0.0 <= self.skip_below <= 1.0 or not 0.0 <= self.skip_blocks < 1.0:
            raise ValueError("skip_below must be in [0, 1] and skip_blocks in [0, 1)")
        if not 0.0 <= self.reuse_below <= 1.0 or self.reuse_every < 1 or self.reuse_snr < 0:
            raise ValueError("reuse_below must be in [0, 1], reuse_every >= 1 and reuse_snr >= 0")
        if self.reused not in ("output", "residual"):
            raise ValueError(f"reused must be 'output' or 'residual', got {self.reused!r}")

    @property
    def active(self) -> bool:
        return self.enabled and (self.frame_cache or self.token_ratio < 1.0 or self.skip_below > 0.0
                                 or self.reuse_below > 0.0)

    @classmethod
    def off(cls) -> NCRConfig:
        return cls(enabled=False)


def _log_snr(level: float) -> float:
    """log of signal over noise at flow-matching noise level ``level`` (x = (1 - level) x0 + level noise)."""
    level = min(max(level, 1e-4), 1 - 1e-4)
    return 2.0 * math.log((1.0 - level) / level)


@dataclass(frozen=True)
class Family:
    """What NCR must know of a transformer family; the rest is the same code for every family."""

    blocks: str  # the attribute holding the block list
    noise_arg: str  # the forward argument that carries the noise level ...
    noise_index: int  # ... its position when passed positionally ...
    noise_scale: float  # ... and its scale: noise level in [0, 1] = value / noise_scale
    # For levels 1 and 2 (a block run on a subset of tokens):
    token_frames: Callable[[nn.Module, tuple, dict], torch.Tensor]  # the call's inputs -> (N,) frame of each token
    self_attention: str  # per block: the attention whose keys and values are lent
    subset_call: Callable[[tuple, dict, torch.Tensor, torch.Tensor], tuple[tuple, dict]]  # block args for tokens
    lend_queries: bool = False  # rotary embeddings turn queries and keys together: lend queries at full length
    given_see_only_given: bool = False  # given frames attend only to each other, so caching them is exact


def _video_dit_frames(model: nn.Module, args: tuple, kwargs: dict) -> torch.Tensor:
    latents = _argument(args, kwargs, "latents", 0)  # (B, T, C, h, w)
    return torch.arange(latents.shape[1], device=latents.device).repeat_interleave(model.grid * model.grid)


def _video_dit_subset(args: tuple, kwargs: dict, tokens: torch.Tensor, frames: torch.Tensor) -> tuple[tuple, dict]:
    # DiTBlock(hidden_states, frame_cond, text, text_mask, self_mask): the noisy tokens that run attend to
    # every key (the mask only keeps given frames from seeing noisy ones, and given frames do not run).
    return args[:3], {**kwargs, "self_mask": None, "frame_index": frames[tokens]}


def _wan_frames(model: nn.Module, args: tuple, kwargs: dict) -> torch.Tensor:
    latents = _argument(args, kwargs, "hidden_states", 0)  # (B, C, F, H, W), patchified inside the model
    pt, ph, pw = model.config.patch_size
    per_frame = (latents.shape[3] // ph) * (latents.shape[4] // pw)
    return torch.arange(latents.shape[2] // pt, device=latents.device).repeat_interleave(per_frame)


def _ltx_frames(model: nn.Module, args: tuple, kwargs: dict) -> torch.Tensor:
    tokens = _argument(args, kwargs, "hidden_states", 0)  # (B, N, C), already packed
    coords = kwargs.get("video_coords")
    if coords is not None:  # the condition pipeline: (B, 3, N) each token's (frame, y, x); frames may be shared
        return torch.unique(coords[0, 0], return_inverse=True)[1]
    frames = int(_argument(args, kwargs, "num_frames", 4))
    return torch.arange(frames, device=tokens.device).repeat_interleave(tokens.shape[1] // frames)


def _per_token_subset(args: tuple, kwargs: dict, tokens: torch.Tensor, frames: torch.Tensor) -> tuple[tuple, dict]:
    # Wan's and LTX's blocks take (hidden_states, encoder_hidden_states, temb, rotary, ...); the modulation
    # ``temb`` is per token when the model was given a noise level per token, and then follows the tokens.
    # The rotary embedding stays whole: queries and keys are lent at full length.
    def pick(temb):
        return temb[:, tokens] if temb.dim() >= 3 and temb.shape[1] == len(frames) else temb

    if "temb" in kwargs:
        return args, {**kwargs, "temb": pick(kwargs["temb"])}
    return (args[0], pick(args[1]), *args[2:]), kwargs


FAMILIES = {
    "VideoDiT": Family("blocks", "sigmas", 1, 1.0, _video_dit_frames, "attn", _video_dit_subset,
                       given_see_only_given=True),
    "WanTransformer3DModel": Family("blocks", "timestep", 1, 1000.0, _wan_frames, "attn1", _per_token_subset,
                                    lend_queries=True),
    "LTXVideoTransformer3DModel": Family("transformer_blocks", "timestep", 2, 1000.0, _ltx_frames, "attn1",
                                         _per_token_subset, lend_queries=True),
}
_MODEL_HOOK, _BLOCK_HOOK, _KV_HOOK, _OUT_HOOK = "ncr", "ncr_block", "ncr_kv", "ncr_out"


@dataclass
class _Branch:
    """What one call per step carries to the next step's same call."""

    hidden: torch.Tensor | None = None  # (B, N, D) the last block's output for every token
    block_in: torch.Tensor | None = None  # (B, N, D) each token's input to the first block when last computed
    age: torch.Tensor | None = None  # (N,) steps since each token was computed
    kv: dict[tuple[int, str], torch.Tensor] = field(default_factory=dict)  # (block, "k"|"v") -> (B, N, D)
    residuals: dict[int, torch.Tensor] = field(default_factory=dict)  # skippable block -> (B, N, D) out - in
    stack: torch.Tensor | None = None  # (B, N, D) the whole block stack's output minus its input
    output: Any = None  # the transformer's last output, as it returned it (reused="output")
    low_steps: int = 0  # steps taken under reuse_below
    ran_level: float = 1.0  # the noise level the blocks last ran at


@dataclass
class _Call:
    """The plan for one call of the transformer."""

    branch: _Branch
    step: int
    pool: torch.Tensor | None  # tokens that may run (the noisy ones once given frames are cached); None: all
    partial: bool  # run only the most changed share of the pool
    frame_of_token: torch.Tensor | None  # (N,)
    keep_tokens: bool  # keep keys, values and block outputs per token for later calls
    skipped: frozenset[int]  # middle blocks whose cached residual stands in
    reuse: bool = False  # nothing runs ("output") or no block runs, the stack's residual standing in ("residual")
    tokens: torch.Tensor | None = None  # what runs, chosen at the first block; None: every token
    stack_in: torch.Tensor | None = None  # the first block's input this call (for the stack's residual)


class NCRState:
    """Everything NCR keeps between calls of one generation."""

    def __init__(self, config: NCRConfig, family: Family, depth: int):
        self.config, self.family, self.depth = config, family, depth
        self.reset()

    def reset(self, key: tuple | None = None) -> None:
        self.key = key  # shapes and given frames: a new generation when they change
        self.step = -1
        self.level: float | None = None
        self.branch_index = 0
        self.branches: list[_Branch] = []
        self.call: _Call | None = None
        self.fractions: list[float] = []  # per call of the latest step

    def begin_call(self, level: float, key: tuple) -> _Branch:
        # New shapes or given frames, or a noise level above the last one (sampling starts again from noise
        # without a reset_ncr): a new generation, and nothing cached belongs to it.
        if key != self.key or (self.level is not None and level > self.level):
            self.reset(key)
        if level != self.level:  # a new step; the same level again is the next guidance branch
            self.step, self.level, self.branch_index, self.fractions = self.step + 1, level, 0, []
        else:
            self.branch_index += 1
        while len(self.branches) <= self.branch_index:
            self.branches.append(_Branch())
        return self.branches[self.branch_index]


class _ModelHook(Hook):
    """Reads the step's noise level, reuses whole outputs (level 3), and plans which tokens and blocks run."""

    def __init__(self, state: NCRState, model: nn.Module):
        self.state, self.model = state, model

    def reset(self) -> None:
        self.state.reset()

    def new_forward(self, module, forward, *args, **kwargs):
        state, cfg, family = self.state, self.state.config, self.state.family
        noise = _argument(args, kwargs, family.noise_arg, family.noise_index)
        level = float(noise.max()) / family.noise_scale
        frame_of_token = family.token_frames(self.model, args, kwargs)  # (N,)
        given = None  # (N,) tokens at noise level zero in every batch row
        if noise.dim() == 2:  # (B, T): a noise level per frame, or (B, N): per token
            zero = (noise == 0).all(dim=0)
            if len(zero) == len(frame_of_token):
                given = zero
            elif len(zero) == int(frame_of_token[-1]) + 1:
                given = zero[frame_of_token]
        key = (len(frame_of_token), tuple(noise.shape),
               None if given is None else tuple(torch.nonzero(given).flatten().tolist()))
        branch = state.begin_call(level, key)

        reuse = False
        kept = branch.output if cfg.reused == "output" else branch.stack
        if cfg.reuse_below > 0 and level < cfg.reuse_below and kept is not None:
            branch.low_steps += 1
            if cfg.reuse_snr > 0:  # run once the signal-to-noise ratio has moved far enough
                reuse = abs(_log_snr(level) - _log_snr(branch.ran_level)) < cfg.reuse_snr
            else:
                reuse = (branch.low_steps - 1) % cfg.reuse_every != 0
        if not reuse:
            branch.ran_level = level

        state.call = call = self._plan(branch, level, given, reuse, frame_of_token)
        try:
            if reuse and cfg.reused == "output":
                out = _copy(branch.output)  # a copy: the caller may change what it is given in place
            else:
                out = forward(*args, **kwargs)
                if cfg.reuse_below > 0 and cfg.reused == "output":
                    branch.output = _copy(out)
        finally:
            state.call = None
        n = len(call.frame_of_token) if call.frame_of_token is not None else 1
        share = 1.0 if call.tokens is None else len(call.tokens) / n
        state.fractions.append(0.0 if reuse else share * (state.depth - len(call.skipped)) / state.depth)
        return out

    def _plan(self, branch: _Branch, level: float, given: torch.Tensor | None, reuse: bool,
              frame_of_token: torch.Tensor) -> _Call:
        cfg, state = self.state.config, self.state
        skipped = frozenset()
        middle = _middle(state.depth, cfg)
        if not reuse and cfg.skip_below > 0 and level < cfg.skip_below and all(i in branch.residuals for i in middle):
            skipped = frozenset(middle)
        some_given = given is not None and bool(given.any())
        frame_level = cfg.frame_cache and some_given and state.family.given_see_only_given
        token_level = cfg.token_ratio < 1.0 and (frame_level or not some_given)
        cached = branch.hidden is not None and bool(branch.kv)
        pool = torch.nonzero(~given).squeeze(1) if frame_level and cached else None
        partial = token_level and cached and not reuse and not (
            state.step < cfg.full_steps or state.step % cfg.refresh_every == 0)
        return _Call(branch, state.step, pool, partial, frame_of_token, frame_level or token_level, skipped, reuse)


class _BlockHook(Hook):
    """Runs a block on the planned tokens, or stands its cached residual in for it."""

    def __init__(self, state: NCRState, index: int):
        self.state, self.index = state, index

    def new_forward(self, block, forward, hidden_states, *args, **kwargs):
        call, cfg = self.state.call, self.state.config
        if call is None:  # called outside a planned call (training, a probe): the block as it is
            return forward(hidden_states, *args, **kwargs)
        branch, last = call.branch, self.index == self.state.depth - 1
        x = hidden_states
        if self.index == 0:
            call.tokens = self._choose(call, x)
            if call.tokens is not None:
                x = x[:, call.tokens]
            call.stack_in = x
        if call.reuse:  # the stack's residual, added once; the other blocks pass their input on
            out = x + _gather(branch.stack, call.tokens) if self.index == 0 else x
        elif self.index in call.skipped:
            out = x + _gather(branch.residuals[self.index], call.tokens)
        else:
            if call.tokens is not None:
                args, kwargs = self.state.family.subset_call(args, kwargs, call.tokens, call.frame_of_token)
            out = forward(x, *args, **kwargs)
            if cfg.skip_below > 0 and self.index in _middle(self.state.depth, cfg):
                branch.residuals[self.index] = _scatter(branch.residuals.get(self.index), call.tokens, out - x)
        if last and cfg.reuse_below > 0 and cfg.reused == "residual" and not call.reuse:
            branch.stack = _scatter(branch.stack, call.tokens, out - call.stack_in)
        if last and call.keep_tokens:
            out = branch.hidden = _scatter(branch.hidden, call.tokens, out)
        return out

    def _choose(self, call: _Call, x: torch.Tensor) -> torch.Tensor | None:
        """Tokens to run this call, from the first block's input; also ages every token's cache by a step."""
        branch, cfg = call.branch, self.state.config
        n = x.shape[1]
        tokens = call.pool
        if call.partial and branch.block_in is not None:
            pool = torch.arange(n, device=x.device) if tokens is None else tokens
            now, before = x[:, pool], branch.block_in[:, pool]
            change = (now - before).pow(2).sum(dim=(0, 2)).sqrt()  # (pool,)
            score = change / (before.pow(2).sum(dim=(0, 2)).sqrt() + 1e-6) * (1.0 + branch.age[pool])
            k = max(1, int(round(cfg.token_ratio * len(pool))))
            tokens = pool[torch.topk(score, k).indices.sort().values]
        if call.keep_tokens and not call.reuse:  # a reused step computes no token: nothing gets younger
            branch.block_in = _scatter(branch.block_in, tokens, x if tokens is None else x[:, tokens])
            branch.age = torch.zeros(n, device=x.device) if branch.age is None else branch.age + 1
            branch.age[slice(None) if tokens is None else tokens] = 0
        return tokens


class _LendKV(Hook):
    """On a self-attention's key or value projection (and query, where the family lends queries): keeps every
    token's output, and when only some tokens run, returns the whole sequence with the rest lent from the
    cache."""

    def __init__(self, state: NCRState, index: int, which: str):
        self.state, self.key = state, (index, which)

    def new_forward(self, projection, forward, x):
        out = forward(x)
        call = self.state.call
        if call is None or not call.keep_tokens:
            return out
        kv = call.branch.kv
        kv[self.key] = out if call.tokens is None else _scatter(kv[self.key], call.tokens, out)
        return kv[self.key]


class _RunningRows(Hook):
    """On the output projection of an attention whose queries are lent at full length: only the running
    tokens' rows go on (the block's residual holds only them)."""

    def __init__(self, state: NCRState):
        self.state = state

    def new_forward(self, projection, forward, x):
        call = self.state.call
        if call is not None and call.keep_tokens and call.tokens is not None:
            x = x[:, call.tokens]
        return forward(x)


def _middle(depth: int, cfg: NCRConfig) -> range:
    """The blocks the step level may skip below ``skip_below``: ``skip_blocks`` of them, from the middle."""
    n_skip = int(round(cfg.skip_blocks * depth))
    first = (depth - n_skip) // 2
    return range(first, first + n_skip)


def _gather(full: torch.Tensor, tokens: torch.Tensor | None) -> torch.Tensor:
    return full if tokens is None else full[:, tokens]


def _scatter(full: torch.Tensor | None, tokens: torch.Tensor | None, part: torch.Tensor) -> torch.Tensor:
    """``part`` written over ``full`` at ``tokens`` (a new tensor; every token when ``tokens`` is None)."""
    if tokens is None:
        return part
    if full is None:
        raise RuntimeError("NCR: a partial call before any full one")  # plans always start with a full call
    full = full.clone()
    full[:, tokens] = part
    return full


def _copy(output: Any) -> Any:
    """``output`` (a tensor, a tuple, a diffusers output) with every tensor in it copied."""
    return tree_map_only(torch.Tensor, torch.clone, output)


def _argument(args: tuple, kwargs: dict, name: str, index: int):
    return kwargs[name] if name in kwargs else args[index]


def family_of(transformer: nn.Module) -> Family:
    name = type(transformer).__name__
    if name not in FAMILIES:
        raise ValueError(f"NCR knows the transformers {', '.join(FAMILIES)}, not {name}")
    return FAMILIES[name]


def apply_ncr(transformer: nn.Module, config: NCRConfig) -> nn.Module:
    """Install NCR on ``transformer`` (replacing any earlier NCR). Returns the transformer."""
    remove_ncr(transformer)
    if not config.active:
        return transformer
    family = family_of(transformer)
    blocks = getattr(transformer, family.blocks)
    state = NCRState(config, family, len(blocks))
    add_hook(transformer, _MODEL_HOOK, _ModelHook(state, transformer))
    for i, block in enumerate(blocks):
        add_hook(block, _BLOCK_HOOK, _BlockHook(state, i))
        attention = getattr(block, family.self_attention)
        for which in ("q", "k", "v") if family.lend_queries else ("k", "v"):
            add_hook(getattr(attention, f"to_{which}"), _KV_HOOK, _LendKV(state, i, which))
        if family.lend_queries:
            add_hook(attention.to_out[0], _OUT_HOOK, _RunningRows(state))
    return transformer


def remove_ncr(transformer: nn.Module) -> nn.Module:
    """Take NCR's hooks out; the transformer's forward is its own again."""
    if get_hook(transformer, _MODEL_HOOK) is None:
        return transformer
    family = family_of(transformer)
    remove_hook(transformer, _MODEL_HOOK)
    for block in getattr(transformer, family.blocks):
        remove_hook(block, _BLOCK_HOOK)
        attention = getattr(block, family.self_attention)
        for which in ("q", "k", "v") if family.lend_queries else ("k", "v"):
            remove_hook(getattr(attention, f"to_{which}"), _KV_HOOK)
        if family.lend_queries:
            remove_hook(attention.to_out[0], _OUT_HOOK)
    return transformer


def reset_ncr(transformer: nn.Module) -> None:
    """Start a new generation: forget everything cached."""
    hook = get_hook(transformer, _MODEL_HOOK)
    if hook is not None:
        hook.reset()


def compute_fraction(transformer: nn.Module) -> float:
    """Share of the blocks' compute spent at the latest step (1.0 without NCR)."""
    hook = get_hook(transformer, _MODEL_HOOK)
    if hook is None or not hook.state.fractions:
        return 1.0
    return sum(hook.state.fractions) / len(hook.state.fractions)
