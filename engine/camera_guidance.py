"""Camera guidance: while sampling, the background's prediction is pulled onto one world canvas that the
planned camera path looks at, so a pan or zoom moves the whole background the way it was asked.

Why it exists: the DiT draws the subject where the layout puts it, but it learned little about which way a
camera move takes the background (unguided, the background moved the right way in 5 of 16 pans), and a
subject whose screen path assumes a moving camera reads as the wrong motion over a still background. A camera is a
rigid move of one scene, so each step's clean-video estimate (x0 = x_t - sigma * v) is projected
towards that structure: every frame's background cells are read from a shared canvas in world
coordinates, filled from the anchor frame outwards, and the velocity is recomputed from the projected x0.
It is training-free (the idea of latent warping for camera control, e.g. CamTrol) and leaves the subject's
cells to the model; the background is still the model's own drawing, from the anchor frame outwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from engine.world.physics import view_to_world, world_to_view


@dataclass(frozen=True)
class CameraGuidanceConfig:
    strength: float = 1.0  # how far background cells move to the canvas (1: all the way)
    # Guided while the noise level is at least this. 0 (every step) measured best: with the last steps left
    # to the model (0.1, 0.35) it drifts back towards a still background (unseen motion 88%, 85% vs 90% on 40).
    min_sigma: float = 0.0
    margin: float = 1.0  # latent cells around the subject's planned box that are left to the model
    pixels: bool = True  # build the canvas from decoded frames (see CameraGuide)
    # The canvas is built anew at the first step and every Nth step after it (at 16 steps: the first, the
    # last, and every 3rd between); the steps between pull towards the last one built. Building it decodes
    # and encodes the clip (about 0.09 s on 2 cores, more than a DiT step). On 80 prompts per split, unseen /
    # seen all four right: a fresh canvas every step 89% / 92% at 2.7 s a shot (benchmark); every 3rd 89% /
    # 91% at about 1.5 s; guiding only every 2nd step, nothing between, 88% / 94% (unseen motion 91% vs 94%).
    every: int = 3
    # Under a step cache that reuses the transformer's output on some steps (NCR's default runs it on 3 of 16),
    # a build costs more than the steps it serves (about 1.5 DiT steps): there the canvas is built only on steps
    # the transformer ran, at least this many steps apart. Where the builds fall matters as much as how many:
    # on 8 prompts not in the benchmark (benchmarks/ncr.py's sampler, 16 steps, NCR reusing the block stack's
    # residual), with the transformer run on steps 0, 1, 2, 5, 10 and 14, builds on steps 0, 5 and 10 (this
    # value) gave 43.5 dB against full compute and builds on 0 and 10 (6) 39.0 dB; with it run every 5th step,
    # 5 gave 37.8 dB at 2.7x and 6 37.2 dB at 3.2x, and 3 (as without a cache) cost more than it gave.
    every_cached: int = 5


CAMERA_GUIDANCE = CameraGuidanceConfig()  # the sampler's default


def _per_frame(camera: torch.Tensor, dims: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Pan and zoom (T, 2) shaped (T, 1, ...) to broadcast over per-frame arrays of ``dims`` dimensions."""
    shape = (-1,) + (1,) * (dims - 1)
    return camera[:, 0].view(shape), camera[:, 1].view(shape)


def background_cells(boxes: torch.Tensor, side: int, margin: float) -> torch.Tensor:
    """(T, side, side) bool: latent cells at least ``margin`` cells outside the subject's box (T, 4)."""
    centre = (torch.arange(side, dtype=torch.float32, device=boxes.device) + 0.5) / side
    pad = margin / side
    x0, y0, x1, y1 = (boxes.float() + torch.tensor([-pad, -pad, pad, pad], device=boxes.device)).unbind(-1)
    inside_x = (centre[None] >= x0[:, None]) & (centre[None] <= x1[:, None])  # (T, S)
    inside_y = (centre[None] >= y0[:, None]) & (centre[None] <= y1[:, None])  # (T, S)
    return ~(inside_y[:, :, None] & inside_x[:, None, :])


def _grid_through(edges: torch.Tensor, anchor: int, cells_per_unit: float) -> tuple[float, int]:
    """Start and cell count of a 1-D canvas axis covering every frame's (low, high) ``edges`` (T, 2), with
    grid lines through the anchor's edges so that the anchor's cells are copied, not blurred."""
    ahead = float(edges[anchor, 0] - edges[:, 0].min())  # how far other frames see below the anchor
    start = float(edges[anchor, 0]) - np.ceil(ahead * cells_per_unit - 1e-4) / cells_per_unit
    return start, max(1, int(np.ceil((float(edges[:, 1].max()) - start) * cells_per_unit - 1e-4)))


def camera_canvas_background(x0: torch.Tensor, camera: torch.Tensor, background: torch.Tensor, anchor: int
                             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Each frame's background as the planned camera sees one shared canvas.

    x0: (T, C, h, w) clean-video estimate; camera: (T, 2); background: (T, h, w) bool cells that may be
    read and written; anchor: the frame the canvas is taken from first (the others only fill what it
    does not show, nearest frames first). Returns the canvas seen by every frame (T, C, h, w) and where
    the canvas had something to show (T, h, w) bool.
    """
    t_count, c, h, w = x0.shape
    # The canvas: the anchor's resolution (what the other frames add lies outside its view, or is its own
    # view magnified), wide enough for every frame's view.
    cells_per_unit = w * float(camera[anchor, 1])
    edges = torch.tensor([0.0, 1.0], device=x0.device).expand(t_count, 2)  # (T, 2) first and last edge
    edge_x, edge_y = view_to_world(edges, edges, *_per_frame(camera, 2))  # (T, 2): x of left/right, y of top/bottom
    x_lo, wc = _grid_through(edge_x, anchor, cells_per_unit)
    y_lo, hc = _grid_through(edge_y, anchor, cells_per_unit)
    x_hi, y_hi = x_lo + wc / cells_per_unit, y_lo + hc / cells_per_unit
    cx = x_lo + (torch.arange(wc, device=x0.device, dtype=torch.float32) + 0.5) / cells_per_unit  # (Wc,)
    cy = y_lo + (torch.arange(hc, device=x0.device, dtype=torch.float32) + 0.5) / cells_per_unit  # (Hc,)
    wy, wx = torch.meshgrid(cy, cx, indexing="ij")  # (Hc, Wc)

    # Every frame read at every canvas cell, with whether that cell is background in that frame.
    u, v = world_to_view(wx, wy, *_per_frame(camera, 3))  # (T, Hc, Wc)
    grid = torch.stack([2 * u - 1, 2 * v - 1], dim=-1)  # (T, Hc, Wc, 2)
    stack = torch.cat([x0, background[:, None].float()], dim=1)  # (T, C+1, h, w)
    read = F.grid_sample(stack, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    inside = (u >= 0) & (u <= 1) & (v >= 0) & (v <= 1)
    usable = inside & (read[:, c] > 0.999)  # (T, Hc, Wc) every bilinear neighbour is background
    rank = (torch.arange(t_count, device=x0.device) - anchor).abs().float()  # anchor first, then nearest
    rank = torch.where(usable, rank[:, None, None], torch.full_like(u, float("inf")))
    best = rank.argmin(dim=0)  # (Hc, Wc)
    canvas = read[:, :c].gather(0, best[None, None].expand(1, c, -1, -1)).squeeze(0)  # (C, Hc, Wc)
    filled = torch.isfinite(rank.min(dim=0).values).float()  # (Hc, Wc)

    # The canvas seen through every frame's camera.
    su = (torch.arange(w, device=x0.device, dtype=torch.float32) + 0.5) / w
    sv = (torch.arange(h, device=x0.device, dtype=torch.float32) + 0.5) / h
    gv, gu = torch.meshgrid(sv, su, indexing="ij")  # (h, w)
    fx, fy = view_to_world(gu, gv, *_per_frame(camera, 3))  # (T, h, w)
    back = torch.stack([(fx - x_lo) / (x_hi - x_lo) * 2 - 1, (fy - y_lo) / (y_hi - y_lo) * 2 - 1], dim=-1)
    source = torch.cat([canvas, filled[None]], dim=0)[None].expand(t_count, -1, -1, -1)  # (T, C+1, Hc, Wc)
    seen = F.grid_sample(source, back, mode="bilinear", padding_mode="zeros", align_corners=False)  # (T, C+1, h, w)
    return seen[:, :c], seen[:, c] > 0.999


class CameraGuide:
    """Camera guidance over one sampling run: the planned path, where the subject is, and the last target.

    ``vae``: when given, the canvas is built from decoded pixels and encoded back (fine texture survives a
    sub-cell shift there; resampling latents blurs it away).
    """

    def __init__(self, config: CameraGuidanceConfig, camera: np.ndarray, boxes: np.ndarray, anchor: int,
                 vae=None, device: torch.device | str = "cpu"):
        self.config, self.anchor, self.vae = config, anchor, vae
        self.camera = torch.as_tensor(camera, dtype=torch.float32, device=device)  # (T, 2)
        self.boxes = torch.as_tensor(boxes, dtype=torch.float32, device=device)  # (T, 4)
        self._target: tuple[torch.Tensor, torch.Tensor] | None = None  # (seen (T, C, h, w), write (T, 1, h, w))
        self._built_at = 0  # steps left when the canvas was last built
        self._cached = False  # a step has reused the transformer's output: builds space out (every_cached)

    def _canvas_target(self, x0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """What every frame's background should be, from the clean estimate x0 (T, C, h, w), and where."""
        side = x0.shape[-1]
        back = background_cells(self.boxes, side, self.config.margin)  # (T, h, w)
        if self.vae is None:
            seen, ok = camera_canvas_background(x0.float(), self.camera, back, self.anchor)
        else:
            pixels = self.vae.decode(x0[None])[0]  # (T, 3, H, W)
            size = pixels.shape[-1]
            back_px = background_cells(self.boxes, size, self.config.margin * size / side)  # (T, H, W)
            seen_px, ok_px = camera_canvas_background(pixels.float(), self.camera, back_px, self.anchor)
            seen = self.vae.encode(torch.where(ok_px[:, None], seen_px, pixels)[None])[0]  # (T, C, h, w)
            ok = -F.max_pool2d(-ok_px[:, None].float(), size // side)[:, 0] > 0.5  # every pixel of the cell seen
        return seen.to(x0.dtype), (back & ok)[:, None]

    def velocity(self, latents: torch.Tensor, velocity: torch.Tensor, sigma: float, steps_left: int = 0,
                 fresh: bool = True) -> torch.Tensor:
        """The velocity whose clean-video estimate has its background on the camera's canvas.

        latents, velocity: (1, T, C, h, w) at noise level ``sigma``; ``steps_left``: sampling steps after this
        one. The canvas is built anew from this step's estimate at the first step and then once at least
        ``config.every`` steps have passed since the last build; between, the pull is towards the last one
        built (no decode or encode). ``fresh``: the transformer computed this velocity. When a step cache reuses
        the last one instead, the clean estimate x0 = x_t - sigma v has moved only by the last pull, towards the
        canvas already built (along an Euler step with the same v it would not move at all), so the build waits
        for the next step the transformer runs, and builds space out to ``config.every_cached``. (Counting from
        the last build, not on a fixed grid of steps, keeps a cache's schedule from aliasing with the canvas's:
        on a grid, a cache that runs the transformer every 3rd step could miss every build but the first.)
        """
        if sigma < self.config.min_sigma or self.config.strength <= 0 or sigma <= 0:
            return velocity
        x0 = (latents - sigma * velocity)[0]  # (T, C, h, w) rectified flow: x_t = (1 - s) x0 + s noise
        self._cached = self._cached or not fresh
        spacing = self.config.every_cached if self._cached else self.config.every
        if self._target is None or (fresh and self._built_at - steps_left >= spacing):
            self._target, self._built_at = self._canvas_target(x0), steps_left
        seen, write = self._target
        # x0 moves by strength * (seen - x0) where written; v = (x_t - x0) / sigma moves by minus that / sigma.
        pull = torch.where(write, self.config.strength * (seen - x0), torch.zeros_like(x0))  # (T, C, h, w)
        return velocity - pull[None] / sigma
