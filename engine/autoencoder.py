"""A small per-frame video autoencoder: 64x64 RGB frames <-> 16x16x8 latents.

The DiT denoises these latents (latent diffusion): 6x fewer numbers than pixels, and a subject of a fifth
of the frame still spans four or more latent cells, so its shape survives. Per-frame coding keeps a given
start image's latent exact, which is what image-to-video and extend condition on. Pixel-unshuffle at the
input and pixel-shuffle at the output do the first and last 2x resampling for free.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engine.modeling import SavedModel, register_config


class ResBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, channels)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm2 = nn.GroupNorm(8, channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        return x + self.conv2(F.silu(self.norm2(h)))


class VideoAutoencoder(SavedModel):
    """Encodes each frame of a clip to a latent grid and decodes it back.

    Latents leave ``encode`` already normalised (``(z - shift) * scale``) so the diffusion model sees
    roughly unit variance; ``decode`` undoes it.
    """

    @register_config
    def __init__(self, latent_channels: int = 8, width: int = 32, inner_width: int = 96, depth: int = 1,
                 inner_depth: int = 2, downsample: int = 4, latent_shift: float = 0.0, latent_scale: float = 1.0):
        super().__init__()
        if downsample not in (2, 4):
            raise ValueError("downsample must be 2 or 4")
        # Most pixels sit at the outer (H/2) stage, so it stays narrow and shallow; the latent-size stage
        # is where the width goes.
        inner = inner_width
        self.enc_in = nn.Conv2d(3 * 4, width, 3, padding=1)  # after pixel-unshuffle(2): H/2
        self.enc_blocks = nn.Sequential(*[ResBlock(width) for _ in range(depth)])
        stride = 2 if downsample == 4 else 1
        self.enc_down = nn.Conv2d(width, inner, 3, stride=stride, padding=1)
        self.enc_mid = nn.Sequential(*[ResBlock(inner) for _ in range(inner_depth)])
        self.enc_out = nn.Sequential(nn.GroupNorm(8, inner), nn.SiLU(), nn.Conv2d(inner, latent_channels, 3, padding=1))

        self.dec_in = nn.Conv2d(latent_channels, inner, 3, padding=1)
        self.dec_mid = nn.Sequential(*[ResBlock(inner) for _ in range(inner_depth)])
        self.dec_up = nn.Conv2d(inner, width * 4, 3, padding=1) if downsample == 4 else nn.Conv2d(inner, width, 1)
        self.dec_blocks = nn.Sequential(*[ResBlock(width) for _ in range(depth)])
        self.dec_out = nn.Sequential(nn.GroupNorm(8, width), nn.SiLU(), nn.Conv2d(width, 3 * 4, 3, padding=1))

    @property
    def factor(self) -> int:
        return self.config.downsample

    def _encode_frames(self, x: torch.Tensor) -> torch.Tensor:
        h = self.enc_in(F.pixel_unshuffle(x, 2))  # (N, width, H/2, W/2)
        h = self.enc_mid(self.enc_down(self.enc_blocks(h)))  # (N, inner, H/f, W/f)
        return self.enc_out(h)  # (N, C, H/f, W/f)

    def _decode_frames(self, z: torch.Tensor) -> torch.Tensor:
        h = self.dec_mid(self.dec_in(z))  # (N, inner, H/f, W/f)
        h = self.dec_up(h)
        if self.config.downsample == 4:
            h = F.pixel_shuffle(h, 2)  # (N, width, H/2, W/2)
        h = self.dec_blocks(h)
        return F.pixel_shuffle(self.dec_out(h), 2)  # (N, 3, H, W)

    def encode(self, video: torch.Tensor) -> torch.Tensor:
        """video (B, T, 3, H, W) in [-1, 1] -> normalised latents (B, T, C, H/f, W/f)."""
        b, t = video.shape[:2]
        z = self._encode_frames(video.flatten(0, 1))
        z = (z - self.config.latent_shift) * self.config.latent_scale
        return z.unflatten(0, (b, t))

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """normalised latents (B, T, C, h, w) -> video (B, T, 3, h*f, w*f) in about [-1, 1]."""
        b, t = latents.shape[:2]
        z = latents.flatten(0, 1) / self.config.latent_scale + self.config.latent_shift
        return self._decode_frames(z).unflatten(0, (b, t))

    def forward(self, video: torch.Tensor, latent_noise: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
        """Reconstruct ``video``; ``latent_noise`` perturbs latents so the decoder forgives a DiT's small errors."""
        z = self.encode(video)
        if latent_noise > 0:
            z = z + latent_noise * torch.randn_like(z)
        return self.decode(z), z


def frames_to_tensor(frames, device="cpu") -> torch.Tensor:
    """uint8 (..., T, H, W, 3) numpy or tensor -> float (..., T, 3, H, W) in [-1, 1]."""
    x = torch.as_tensor(frames, device=device)
    return x.movedim(-1, -3).float().div(127.5).sub(1.0)


def tensor_to_frames(video: torch.Tensor):
    """float (..., T, 3, H, W) in [-1, 1] -> uint8 numpy (..., T, H, W, 3)."""
    x = video.detach().clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)
    return x.movedim(-3, -1).cpu().numpy()
