"""The video Diffusion Transformer: denoises autoencoder latents conditioned on text, attributes and layout.

Tokens are spatio-temporal patches (one latent frame, p x p latent cells each) with a fixed sin-cos
position code over (t, h, w). Every frame carries its own noise level, so clean conditioning frames
(image-to-video, extend, video-to-video anchors) sit at noise level zero beside noisy ones, and one
model serves every mode. Conditioning:
- adaLN-Zero modulation, per frame, by the frame's noise level plus the pooled text and the storyboard's
  structured attributes (shape, colour, scene, motion, camera), each with a learned "none" entry;
- cross-attention to the text encoder's token states;
- optional layout: the subject's box per frame, turned into per-token features (inside the box? where
  in it?), so bounces drawn by the physics module come out where gravity says; with ``silhouette`` > 0
  also the given shape's outline drawn in the box on a finer grid (``silhouette`` cells across a token),
  because a subject spans only one or two tokens and its shape is otherwise left to the output layer;
- optional camera path (with ``camera``): the pan and zoom per frame, turned into the world position each
  token shows, so the background slides the way the camera moves (text and attributes alone left the
  direction of a pan to chance).
Any of them can be dropped (classifier-free guidance trains with random drops).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from engine.layout import silhouette as draw_silhouette
from engine.modeling import SavedModel, register_config
from engine.world.physics import view_to_world
from engine.world.vocab import AXES

PRESETS = {
    # name: (hidden size, depth, heads) — S ships in the repo and runs on a laptop CPU; B and L want a GPU.
    "XS": (96, 4, 4),
    "S": (192, 8, 4),
    "B": (512, 12, 8),
    "L": (768, 20, 12),
}
ATTRIBUTE_AXES = tuple(AXES)  # shape, colour, scene, motion, camera
LAYOUT_FEATURES = 6  # inside, dx, dy, box width, box height, has-layout
CAMERA_FREQUENCIES = (1.0, 2.0, 4.0)  # cycles per frame width of the world position code
CAMERA_FEATURES = 3 + 4 * len(CAMERA_FREQUENCIES) + 1  # shift x, shift y, log zoom, world sin-cos, has-camera


class AttnProcessor:
    """Plain scaled-dot-product attention; the computation apart from the projections (diffusers' split).

    ``context_mask`` is (B, M) for keys, or (B, N, M) when each query has its own allowed keys. Keys and
    values are read at whatever length the projections return, so a hook on ``to_k``/``to_v`` may add
    cached ones (NCR's token level runs only some queries and lends the rest of the keys from its cache).
    """

    def __call__(self, attn: Attention, x: torch.Tensor, context: torch.Tensor | None = None,
                 context_mask: torch.Tensor | None = None) -> torch.Tensor:
        b, n, _ = x.shape
        context = x if context is None else context
        q = attn.to_q(x).unflatten(-1, (attn.heads, -1)).transpose(1, 2)  # (B, h, N, d)
        k = attn.to_k(context).unflatten(-1, (attn.heads, -1)).transpose(1, 2)  # (B, h, M, d)
        v = attn.to_v(context).unflatten(-1, (attn.heads, -1)).transpose(1, 2)  # (B, h, M, d)
        mask = None
        if context_mask is not None:
            mask = context_mask[:, None, None, :] if context_mask.dim() == 2 else context_mask[:, None]  # (B,1,·,M)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # (B, h, N, d)
        return attn.to_out(out.transpose(1, 2).reshape(b, n, -1))  # (B, N, D)


class Attention(nn.Module):
    """Projections only; the computation lives in ``processor`` (diffusers' split)."""

    def __init__(self, dim: int, heads: int, context_dim: int | None = None):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim)
        self.to_k = nn.Linear(context_dim or dim, dim)
        self.to_v = nn.Linear(context_dim or dim, dim)
        self.to_out = nn.Linear(dim, dim)
        self.processor = AttnProcessor()

    def forward(self, x, context=None, context_mask=None):
        return self.processor(self, x, context, context_mask)


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return x * (1 + scale) + shift


class DiTBlock(nn.Module):
    """Self-attention and MLP under adaLN-Zero modulation, with cross-attention to text between them."""

    def __init__(self, dim: int, heads: int, text_dim: int, mlp_ratio: float = 4.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm_cross = nn.LayerNorm(dim, eps=1e-6)
        self.cross = Attention(dim, heads, context_dim=text_dim)
        self.norm2 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(approximate="tanh"), nn.Linear(hidden, dim))
        self.ada = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))

    def forward(self, hidden_states, frame_cond, text, text_mask, self_mask=None, frame_index=None):
        # hidden_states: (B, N, D) tokens, N = T * tokens per frame in frame order; or, with frame_index (N,),
        #   any tokens, each of frame frame_index[i] (so a block can run on a subset of tokens)
        # frame_cond: (B, T, D) per-frame conditioning; self_mask: (B, N, N) allowed keys per query, or None
        x = hidden_states
        b, n, d = x.shape
        mods = self.ada(frame_cond)  # (B, T, 6D): modulation is per frame
        if frame_index is None:  # each frame's modulation broadcast over its tokens
            t = frame_cond.shape[1]
            mods, grouped = mods[:, :, None], (b, t, n // t, d)  # (B, T, 1, 6D); tokens as (B, T, N/T, D)
        else:  # each token's own frame
            mods, grouped = mods[:, frame_index], (b, n, d)  # (B, N, 6D)
        shift1, scale1, gate1, shift2, scale2, gate2 = mods.chunk(6, dim=-1)
        h = modulate(self.norm1(x).view(grouped), shift1, scale1).view(b, n, d)  # (B, N, D)
        x = x + (gate1 * self.attn(h, context_mask=self_mask).view(grouped)).view(b, n, d)  # (B, N, D)
        x = x + self.cross(self.norm_cross(x), text, text_mask)  # (B, N, D)
        h = modulate(self.norm2(x).view(grouped), shift2, scale2).view(b, n, d)  # (B, N, D)
        x = x + (gate2 * self.mlp(h).view(grouped)).view(b, n, d)  # (B, N, D)
        return x


def sincos(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """(..., ) positions -> (..., dim) sin-cos features."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half).to(positions.device)
    angles = positions.float()[..., None] * freqs
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)


class VideoDiT(SavedModel):
    """Predicts the flow-matching velocity (noise - clean) of every latent frame."""

    @register_config
    def __init__(self, latent_channels: int = 8, latent_size: int = 16, frames: int = 16, patch: int = 4,
                 hidden: int = 256, depth: int = 8, heads: int = 4, mlp_ratio: float = 4.0, text_dim: int = 384,
                 attribute_sizes: tuple[int, ...] = tuple(len(v) for v in AXES.values()), silhouette: int = 0,
                 camera: bool = False):
        super().__init__()
        self.grid = latent_size // patch
        patch_dim = latent_channels * patch * patch
        self.patch_embed = nn.Linear(patch_dim, hidden)
        self.noise_embed = nn.Sequential(nn.Linear(256, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.text_pool = nn.Sequential(nn.Linear(text_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.null_text = nn.Parameter(torch.zeros(1, 1, text_dim))
        # One table per axis; the last row of each is "not given".
        self.attributes = nn.ModuleList([nn.Embedding(size + 1, hidden) for size in attribute_sizes])
        self.layout_embed = nn.Sequential(nn.Linear(LAYOUT_FEATURES, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        if silhouette:
            cells = silhouette * silhouette
            self.silhouette_embed = nn.Sequential(nn.Linear(cells, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        if camera:
            self.camera_embed = nn.Sequential(nn.Linear(CAMERA_FEATURES, hidden), nn.SiLU(),
                                              nn.Linear(hidden, hidden))
        self.blocks = nn.ModuleList([DiTBlock(hidden, heads, text_dim, mlp_ratio) for _ in range(depth)])
        self.norm_out = nn.LayerNorm(hidden, elementwise_affine=False, eps=1e-6)
        self.ada_out = nn.Sequential(nn.SiLU(), nn.Linear(hidden, 2 * hidden))
        self.proj_out = nn.Linear(hidden, patch_dim)
        self.initialize_weights()

    def initialize_weights(self) -> None:
        def basic(module):
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

        self.apply(basic)
        for table in self.attributes:
            nn.init.normal_(table.weight, std=0.02)
        nn.init.normal_(self.null_text, std=0.02)
        # adaLN-Zero: every block starts as the identity, and so does the output projection.
        for block in self.blocks:
            nn.init.zeros_(block.ada[-1].weight)
            nn.init.zeros_(block.ada[-1].bias)
            nn.init.zeros_(block.cross.to_out.weight)
            nn.init.zeros_(block.cross.to_out.bias)
        nn.init.zeros_(self.ada_out[-1].weight)
        nn.init.zeros_(self.ada_out[-1].bias)
        nn.init.zeros_(self.proj_out.weight)
        nn.init.zeros_(self.proj_out.bias)
        if self.config.silhouette:
            # Zero too, so a model trained without silhouettes carries on unchanged when they are added.
            nn.init.zeros_(self.silhouette_embed[-1].weight)
            nn.init.zeros_(self.silhouette_embed[-1].bias)
        if self.config.camera:  # the same for the camera path
            nn.init.zeros_(self.camera_embed[-1].weight)
            nn.init.zeros_(self.camera_embed[-1].bias)

    @property
    def null_attributes(self) -> list[int]:
        return [table.num_embeddings - 1 for table in self.attributes]

    def position_code(self, frames: int, device) -> torch.Tensor:
        """(T * g * g, D) fixed sin-cos code over (t, h, w): a third of the channels for each axis."""
        dim = self.config.hidden
        parts = [dim // 3 // 2 * 2] * 2
        parts.append(dim - sum(parts))
        t, i, j = torch.meshgrid(torch.arange(frames), torch.arange(self.grid), torch.arange(self.grid), indexing="ij")
        code = [sincos(axis.reshape(-1).to(device), size) for axis, size in zip((t, i, j), parts)]
        return torch.cat(code, dim=-1)

    def patchify(self, latents: torch.Tensor) -> torch.Tensor:
        b, t, c, h, w = latents.shape
        p = self.config.patch
        x = latents.reshape(b, t, c, h // p, p, w // p, p)
        return x.permute(0, 1, 3, 5, 2, 4, 6).reshape(b, t * (h // p) * (w // p), c * p * p)  # (B, N, C*p*p)

    def unpatchify(self, tokens: torch.Tensor, frames: int) -> torch.Tensor:
        b = tokens.shape[0]
        p, g, c = self.config.patch, self.grid, self.config.latent_channels
        x = tokens.reshape(b, frames, g, g, c, p, p).permute(0, 1, 4, 2, 5, 3, 6)
        return x.reshape(b, frames, c, g * p, g * p)  # (B, T, C, h, w)

    def token_centres(self, device) -> tuple[torch.Tensor, torch.Tensor]:
        """(y, x) of every token's centre in frame fractions, each (g, g)."""
        centre = (torch.arange(self.grid, device=device, dtype=torch.float32) + 0.5) / self.grid
        y, x = torch.meshgrid(centre, centre, indexing="ij")
        return y, x

    def layout_features(self, layout: torch.Tensor | None, has_layout: torch.Tensor | None, frames: int, batch: int,
                        device) -> torch.Tensor:
        """(B, N, 6) per-token features from per-frame boxes (B, T, 4) in [0, 1] image fractions."""
        g = self.grid
        cy, cx = self.token_centres(device)  # (g, g) each
        if layout is None:
            return torch.zeros(batch, frames * g * g, LAYOUT_FEATURES, device=device)
        x0, y0, x1, y1 = layout.unbind(-1)  # each (B, T)
        w, h = (x1 - x0).clamp(min=1e-3), (y1 - y0).clamp(min=1e-3)
        dx = (cx - ((x0 + x1) / 2)[..., None, None]) / w[..., None, None]  # (B, T, g, g)
        dy = (cy - ((y0 + y1) / 2)[..., None, None]) / h[..., None, None]
        inside = ((dx.abs() <= 0.5) & (dy.abs() <= 0.5)).float()
        size_w, size_h = w[..., None, None].expand_as(dx), h[..., None, None].expand_as(dx)
        on = torch.ones_like(dx) if has_layout is None else has_layout.float()[:, None, None, None].expand_as(dx)
        feats = torch.stack([inside, dx.clamp(-2, 2), dy.clamp(-2, 2), size_w, size_h, torch.ones_like(dx)], -1)
        return (feats * on[..., None]).reshape(batch, frames * g * g, LAYOUT_FEATURES)

    def silhouette_features(self, layout: torch.Tensor | None, has_layout: torch.Tensor | None,
                            attributes: torch.Tensor, frames: int) -> torch.Tensor:
        """(B, N, s*s) per-token coverage of the given shape's outline in its box; zero without a layout."""
        b, g, s = attributes.shape[0], self.grid, self.config.silhouette
        if layout is None:
            return torch.zeros(b, frames * g * g, s * s, device=attributes.device)
        cover = draw_silhouette(layout, attributes[:, ATTRIBUTE_AXES.index("shape")], g * s)  # (B, T, g*s, g*s)
        if has_layout is not None:
            cover = cover * has_layout.float()[:, None, None, None]
        cover = cover.view(b, frames, g, s, g, s).permute(0, 1, 2, 4, 3, 5)  # (B, T, g, g, s, s)
        return cover.reshape(b, frames * g * g, s * s)

    def camera_features(self, camera: torch.Tensor | None, has_camera: torch.Tensor | None, frames: int,
                        batch: int, device) -> torch.Tensor:
        """(B, N, CAMERA_FEATURES) per-token features from the camera per frame (B, T, 2): pan in frame
        widths and zoom factor. Each token learns which world point it shows (the world's camera: x about
        the frame's centre plus the pan, y about ZOOM_CENTRE) and how far that is from where frame 0 showed
        it; zero where no camera path is given."""
        g = self.grid
        if camera is None:
            return torch.zeros(batch, frames * g * g, CAMERA_FEATURES, device=device)
        v, u = self.token_centres(device)  # (g, g) each
        pan, zoom = camera[..., 0, None, None], camera[..., 1, None, None].clamp(min=1e-3)  # (B, T, 1, 1) each
        wx, wy = view_to_world(u, v, pan, zoom)  # (B, T, g, g) each: the world point the token shows
        waves = [fn(2 * math.pi * f * w) for f in CAMERA_FREQUENCIES for w in (wx, wy) for fn in (torch.sin, torch.cos)]
        on = torch.ones_like(wx) if has_camera is None else has_camera.float()[:, None, None, None].expand_as(wx)
        shift_x, shift_y = (wx - (u - 0.5)) * g, (wy - v) * g  # how far the world slid from rest, in tokens
        feats = torch.stack([shift_x, shift_y, zoom.log().expand_as(wx), *waves, torch.ones_like(wx)], -1)
        return (feats * on[..., None]).reshape(batch, frames * g * g, CAMERA_FEATURES)

    def embed(self, latents: torch.Tensor, sigmas: torch.Tensor, text_tokens: torch.Tensor, text_mask: torch.Tensor,
              text_pooled: torch.Tensor, attributes: torch.Tensor, layout: torch.Tensor | None,
              has_layout: torch.Tensor | None, camera: torch.Tensor | None = None,
              has_camera: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Everything before the blocks: tokens (B, N, D), per-frame conditioning (B, T, D), text keys with the
        null token (B, 1+L, text_dim) and their mask (B, 1+L)."""
        b, t = latents.shape[:2]
        x = self.patch_embed(self.patchify(latents))  # (B, N, D)
        x = x + self.position_code(t, latents.device)[None]  # (B, N, D)
        x = x + self.layout_embed(self.layout_features(layout, has_layout, t, b, latents.device))  # (B, N, D)
        if self.config.silhouette:
            x = x + self.silhouette_embed(self.silhouette_features(layout, has_layout, attributes, t))  # (B, N, D)
        if self.config.camera:
            x = x + self.camera_embed(self.camera_features(camera, has_camera, t, b, latents.device))  # (B, N, D)

        global_cond = self.text_pool(text_pooled)  # (B, D)
        for axis, table in enumerate(self.attributes):
            global_cond = global_cond + table(attributes[:, axis])  # (B, D)
        frame_cond = self.noise_embed(sincos(sigmas * 1000.0, 256)) + global_cond[:, None]  # (B, T, D)

        # An empty prompt still needs one key to attend to: the learned null token.
        text = torch.cat([self.null_text.expand(b, -1, -1), text_tokens], dim=1)  # (B, 1+L, text_dim)
        mask = torch.cat([torch.ones(b, 1, dtype=torch.bool, device=x.device), text_mask], dim=1)  # (B, 1+L)
        return x, frame_cond, text, mask

    def clean_frame_mask(self, sigmas: torch.Tensor) -> torch.Tensor | None:
        """Given (clean) frames attend only to given frames; noisy frames attend to everything.

        So a given frame's keys and values never depend on the noisy ones, and can be computed once and
        cached for every sampling step (NCR's frame level) without changing the result.
        """
        clean = sigmas == 0  # (B, T)
        if not bool(clean.any()):
            return None
        tokens_clean = clean.repeat_interleave(self.grid * self.grid, dim=1)  # (B, N)
        return ~tokens_clean[:, :, None] | tokens_clean[:, None, :]  # (B, N query, N key)

    def forward(self, latents: torch.Tensor, sigmas: torch.Tensor, text_tokens: torch.Tensor,
                text_mask: torch.Tensor, text_pooled: torch.Tensor, attributes: torch.Tensor,
                layout: torch.Tensor | None = None, has_layout: torch.Tensor | None = None,
                camera: torch.Tensor | None = None, has_camera: torch.Tensor | None = None) -> torch.Tensor:
        """
        latents: (B, T, C, h, w) noisy latents (clean where a frame conditions)
        sigmas: (B, T) noise level per frame in [0, 1]
        text_tokens: (B, L, text_dim); text_mask: (B, L) bool; text_pooled: (B, text_dim)
        attributes: (B, 5) indices per axis (null index = not given); with ``silhouette`` the shape's
            outline is drawn in the layout boxes
        layout: (B, T, 4) subject box per frame, or None; has_layout: (B,) bool
        camera: (B, T, 2) pan (frame widths) and zoom per frame, or None (used with ``camera``); has_camera: (B,)
        returns: (B, T, C, h, w) velocity
        """
        b, t = latents.shape[:2]
        g2 = self.grid * self.grid
        # (B, N, D), (B, T, D), (B, 1+L, ·), (B, 1+L)
        x, frame_cond, text, mask = self.embed(latents, sigmas, text_tokens, text_mask, text_pooled, attributes,
                                               layout, has_layout, camera, has_camera)

        self_mask = self.clean_frame_mask(sigmas)  # (B, N, N) or None
        for block in self.blocks:
            x = block(x, frame_cond, text, mask, self_mask)  # (B, N, D)
        shift, scale = self.ada_out(frame_cond)[:, :, None].chunk(2, dim=-1)  # (B, T, 1, D) each
        x = modulate(self.norm_out(x).view(b, t, g2, -1), shift, scale)  # (B, T, N/T, D)
        x = self.proj_out(x.view(b, t * g2, -1))  # (B, N, C*p*p)
        return self.unpatchify(x, t)  # (B, T, C, h, w)


def dit_from_preset(name: str, **overrides) -> VideoDiT:
    if name not in PRESETS:
        raise ValueError(f"unknown DiT preset {name!r}; presets: {', '.join(PRESETS)}")
    hidden, depth, heads = PRESETS[name]
    return VideoDiT(hidden=hidden, depth=depth, heads=heads, **overrides)
