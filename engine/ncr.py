"""Noise-aware Compute Redistribution: spend the transformer's compute where the noise is.

A hook outside the model (diffusers' ``hooks`` style): ``apply_ncr(model, NCRConfig(...))`` replaces the
model's forward with one that keeps state across the sampling steps of one generation, and
``remove_ncr(model)`` restores it. Three levels, each switchable:

1. frame: given frames (image-to-video, extend, video-to-video anchors) sit at noise level zero and, by
   training, attend only to each other, so their keys and values are computed once, at the first step,
   and reused by every later step; only noisy frames' tokens go through the blocks afterwards. Exact.
2. token: on partial steps only a share of the noisy tokens, those whose input changed most since they
   were last computed (scaled by how long ago that was), go through the blocks; they attend to the
   cached keys and values of the rest, and the rest keep their cached velocity. Full refreshes come every
   few steps and at the first (highest-noise) steps, when the picture is still being decided.
3. step: below a noise level, the middle blocks are skipped and their cached residual (output minus
   input, from the last step that ran them) is added instead; at low noise consecutive steps differ little.
   Further down, whole steps reuse the last computed velocity: a rectified-flow velocity is the direction
   from the picture to the noise, and once the picture is decided it barely turns, so below
   ``reuse_below`` only every ``reuse_every``-th step runs the transformer at all.

With ``enabled=False`` (or every level off) the forward is the model's own: bit-identical output.
``model.last_compute_fraction`` reports the share of block compute spent at the latest step.
"""

from __future__ import annotations

import types
from dataclasses import dataclass

import torch

from engine.dit import VideoDiT, modulate


@dataclass
class NCRConfig:
    # Defaults chosen by benchmarks/ncr.py (BENCHMARKS.md): whole-step velocity reuse with every 5th step
    # computed gave 3.5x at 34 dB against full compute, prompt alignment unchanged; the token level on top
    # of it gained no speed and cost PSNR, so it is off by default.
    enabled: bool = True
    frame_cache: bool = True  # level 1
    token_ratio: float = 1.0  # level 2: share of noisy tokens recomputed on partial steps; 1.0 turns it off
    refresh_every: int = 3  # level 2: every Nth step is a full step
    full_steps: int = 2  # level 2: the first steps are always full
    skip_below: float = 0.0  # level 3: under this noise level skip the middle blocks; 0 turns it off
    skip_blocks: float = 0.5  # level 3: share of blocks (taken from the middle) skipped there
    reuse_below: float = 1.0  # level 3: under this noise level whole steps reuse the velocity; 0 turns it off
    reuse_every: int = 5  # level 3: ... and only every Nth step there runs the transformer

    def __post_init__(self) -> None:
        if not 0.0 < self.token_ratio <= 1.0:
            raise ValueError(f"token_ratio must be in (0, 1], got {self.token_ratio}")
        if self.refresh_every < 1 or self.full_steps < 0:
            raise ValueError("refresh_every must be >= 1 and full_steps >= 0")
        if not 0.0 <= self.skip_below <= 1.0 or not 0.0 <= self.skip_blocks < 1.0:
            raise ValueError("skip_below must be in [0, 1] and skip_blocks in [0, 1)")
        if not 0.0 <= self.reuse_below <= 1.0 or self.reuse_every < 1:
            raise ValueError("reuse_below must be in [0, 1] and reuse_every >= 1")

    @property
    def active(self) -> bool:
        return self.enabled and (self.frame_cache or self.token_ratio < 1.0 or self.skip_below > 0.0
                                 or self.reuse_below > 0.0)

    @classmethod
    def off(cls) -> NCRConfig:
        return cls(enabled=False)


class NCRState:
    """What one generation carries from step to step."""

    def __init__(self, config: NCRConfig):
        self.config = config
        self.reset()

    def reset(self) -> None:
        self.step = 0
        self.key = None  # identifies the generation (shapes and given frames)
        self.clean_kv: list[tuple[torch.Tensor, torch.Tensor]] | None = None  # per block, given tokens
        self.noisy_kv: list[tuple[torch.Tensor, torch.Tensor]] | None = None  # per block, all noisy tokens
        self.last_input: torch.Tensor | None = None  # (B, Nn, P) noisy token inputs when last computed
        self.age: torch.Tensor | None = None  # (Nn,) steps since each noisy token was computed
        self.velocity: torch.Tensor | None = None  # (B, Nn, P) cached output per noisy token
        self.residuals: dict[int, torch.Tensor] = {}  # block index -> (B, Nn, D) cached residual
        self.low_steps = 0  # steps taken under reuse_below


def apply_ncr(model: VideoDiT, config: NCRConfig) -> VideoDiT:
    """Install NCR on ``model`` (replacing any earlier NCR). Returns the model."""
    remove_ncr(model)
    model.last_compute_fraction = 1.0
    if not config.active:
        return model
    model._ncr = NCRState(config)
    model.forward = types.MethodType(_ncr_forward, model)
    return model


def remove_ncr(model: VideoDiT) -> VideoDiT:
    if hasattr(model, "_ncr"):
        del model._ncr
        del model.forward  # back to the class's own forward
    return model


def reset_ncr(model: VideoDiT) -> None:
    """Start a new generation: forget everything cached."""
    if hasattr(model, "_ncr"):
        model._ncr.reset()


def _attend(attn, q_in: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    b, n, _ = q_in.shape
    q = attn.to_q(q_in).view(b, n, attn.heads, -1).transpose(1, 2)  # (B, h, n, d)
    out = torch.nn.functional.scaled_dot_product_attention(q, k, v)  # (B, h, n, d)
    return attn.to_out(out.transpose(1, 2).reshape(b, n, -1))  # (B, n, D)


def _kv(attn, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    b, n, _ = x.shape
    k = attn.to_k(x).view(b, n, attn.heads, -1).transpose(1, 2)  # (B, h, n, d)
    v = attn.to_v(x).view(b, n, attn.heads, -1).transpose(1, 2)
    return k, v


def _block(block, x, mods, text, text_mask, extra_kv=None):
    """One DiT block on a subset of tokens. ``mods``: 6 x (B, n, D) per-token modulation.

    Returns the new tokens and this block's own (k, v) for them. ``extra_kv`` are keys/values of tokens
    not in ``x`` that these tokens attend to as well.
    """
    shift1, scale1, gate1, shift2, scale2, gate2 = mods
    h = modulate(block.norm1(x), shift1, scale1)  # (B, n, D)
    k, v = _kv(block.attn, h)  # (B, h, n, d)
    keys, values = (k, v) if extra_kv is None else (torch.cat([extra_kv[0], k], 2), torch.cat([extra_kv[1], v], 2))
    x = x + gate1 * _attend(block.attn, h, keys, values)  # (B, n, D)
    x = x + block.cross(block.norm_cross(x), text, text_mask)  # (B, n, D)
    x = x + gate2 * block.mlp(modulate(block.norm2(x), shift2, scale2))  # (B, n, D)
    return x, (k, v)


def _ncr_forward(self: VideoDiT, latents, sigmas, text_tokens, text_mask, text_pooled, attributes, layout=None,
                 has_layout=None, camera=None, has_camera=None):
    state: NCRState = self._ncr
    cfg = state.config
    b, t = latents.shape[:2]
    g2 = self.grid * self.grid
    n = t * g2
    device = latents.device

    frame_of_token = torch.arange(t, device=device).repeat_interleave(g2)  # (N,)
    given = (sigmas == 0).all(dim=0)  # (T,) given in every batch row
    clean_tok = given[frame_of_token]  # (N,)
    noisy_idx = torch.nonzero(~clean_tok).squeeze(1)  # (Nn,)
    clean_idx = torch.nonzero(clean_tok).squeeze(1)  # (Nc,)
    key = (tuple(latents.shape), tuple(given.tolist()))
    if state.key != key or (state.last_input is not None and state.last_input.shape[0] != b):
        state.reset()
        state.key = key
    no_saving = not len(clean_idx) and cfg.token_ratio >= 1.0 and cfg.skip_below <= 0.0 and cfg.reuse_below <= 0.0
    if no_saving or (len(clean_idx) and not cfg.frame_cache):
        # Nothing to save (no given frames, other levels off), or given frames without the frame cache
        # (their tokens must then be recomputed under the model's attention mask): the model's own forward.
        self.last_compute_fraction = 1.0
        state.step += 1
        return VideoDiT.forward(self, latents, sigmas, text_tokens, text_mask, text_pooled, attributes, layout,
                                has_layout, camera, has_camera)
    sigma = float(sigmas.max())
    if cfg.reuse_below > 0 and sigma < cfg.reuse_below and state.velocity is not None:
        state.low_steps += 1
        if (state.low_steps - 1) % cfg.reuse_every:  # a step that reuses the whole velocity
            state.step += 1
            state.age = state.age + 1
            self.last_compute_fraction = 0.0
            full_out = torch.zeros(b, n, state.velocity.shape[-1], device=device)
            full_out[:, noisy_idx] = state.velocity
            return self.unpatchify(full_out, t)
    # Everything before the blocks is cheap and computed for all tokens, as in the model's own forward.
    # (B, N, D), (B, T, D), (B, 1+L, ·), (B, 1+L)
    x, frame_cond, text, tmask = self.embed(latents, sigmas, text_tokens, text_mask, text_pooled, attributes, layout,
                                            has_layout, camera, has_camera)
    patches = self.patchify(latents)  # (B, N, P): token-level NCR scores how much each token's input changed
    use_frame_cache = len(clean_idx) > 0
    depth = len(self.blocks)
    block_mods = [blk.ada(frame_cond).chunk(6, dim=-1) for blk in self.blocks]  # per block: 6 x (B, T, D)

    # Level 1: the given frames' keys and values, once per generation.
    if use_frame_cache and state.clean_kv is None:
        state.clean_kv = []
        xc = x[:, clean_idx]
        fc = frame_of_token[clean_idx]
        for blk, mods in zip(self.blocks, block_mods):
            xc, kv = _block(blk, xc, [m[:, fc] for m in mods], text, tmask)
            state.clean_kv.append(kv)

    # Level 2: which noisy tokens go through the blocks this step.
    full = (cfg.token_ratio >= 1.0 or state.step < cfg.full_steps or state.step % cfg.refresh_every == 0
            or state.velocity is None)
    xin = patches[:, noisy_idx]  # (B, Nn, P)
    if full:
        active = torch.arange(len(noisy_idx), device=device)
    else:
        change = (xin - state.last_input).pow(2).sum(dim=(0, 2)).sqrt()  # (Nn,)
        score = change / (state.last_input.pow(2).sum(dim=(0, 2)).sqrt() + 1e-6) * (1.0 + state.age)
        k = max(1, int(round(cfg.token_ratio * len(noisy_idx))))
        active = torch.topk(score, k).indices.sort().values

    # Level 3: below a noise level, the middle blocks reuse their cached residuals.
    n_skip = int(round(cfg.skip_blocks * depth)) if (cfg.skip_below > 0 and sigma < cfg.skip_below) else 0
    first_skip = (depth - n_skip) // 2
    skipped = set(range(first_skip, first_skip + n_skip)) if all(
        i in state.residuals for i in range(first_skip, first_skip + n_skip)) else set()

    tokens = noisy_idx[active]  # (Na,) indices into all N tokens
    xa = x[:, tokens]
    fa = frame_of_token[tokens]
    if state.noisy_kv is None:
        state.noisy_kv = [None] * depth
    for i, (blk, mods) in enumerate(zip(self.blocks, block_mods)):
        if i in skipped:
            xa = xa + state.residuals[i][:, active]
            continue
        extra = [state.clean_kv[i]] if use_frame_cache else []
        if not full and state.noisy_kv[i] is not None:
            # Inactive noisy tokens lend their cached keys and values.
            inactive = torch.ones(len(noisy_idx), dtype=torch.bool, device=device)
            inactive[active] = False
            k_c, v_c = state.noisy_kv[i]
            extra.append((k_c[:, :, inactive], v_c[:, :, inactive]))
        extra_kv = None
        if extra:
            extra_kv = (torch.cat([e[0] for e in extra], 2), torch.cat([e[1] for e in extra], 2))
        before = xa
        xa, kv = _block(blk, xa, [m[:, fa] for m in mods], text, tmask, extra_kv)
        if full or state.noisy_kv[i] is None:
            state.noisy_kv[i] = kv
        else:
            k_all, v_all = state.noisy_kv[i]
            k_all, v_all = k_all.clone(), v_all.clone()
            k_all[:, :, active], v_all[:, :, active] = kv
            state.noisy_kv[i] = (k_all, v_all)
        if cfg.skip_below > 0:
            res = state.residuals.get(i)
            if res is None or full:
                res = torch.zeros(b, len(noisy_idx), xa.shape[-1], device=device)
            res = res.clone()
            res[:, active] = xa - before
            state.residuals[i] = res

    shift, scale = self.ada_out(frame_cond).chunk(2, dim=-1)  # (B, T, D)
    out = self.proj_out(modulate(self.norm_out(xa), shift[:, fa], scale[:, fa]))  # (B, Na, P)

    if state.velocity is None:
        velocity = torch.zeros(b, len(noisy_idx), out.shape[-1], device=device)
    else:
        velocity = state.velocity.clone()
    velocity[:, active] = out
    last = xin.clone() if state.last_input is None or full else state.last_input.clone()
    last[:, active] = xin[:, active]
    age = torch.zeros(len(noisy_idx), device=device) if state.age is None else state.age + 1
    age[active] = 0
    state.velocity, state.last_input, state.age = velocity, last, age
    state.step += 1

    computed_blocks = depth - len(skipped)
    self.last_compute_fraction = (len(active) * computed_blocks) / (n * depth)
    if use_frame_cache and state.step == 1:
        self.last_compute_fraction += len(clean_idx) / n  # the one-off pass over the given frames

    full_out = torch.zeros(b, n, out.shape[-1], device=device)
    full_out[:, noisy_idx] = velocity  # given frames' velocity is never used: the sampler resets them
    return self.unpatchify(full_out, t)
