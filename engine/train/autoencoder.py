"""Train the video autoencoder on frames streamed from the world renderer.

    reelwright train autoencoder --config engine/configs/autoencoder.yaml [--run NAME] [--export DIR]

Resumable: rerunning the same command continues from the run folder's last checkpoint. ``--export``
measures the latent statistics, bakes them into the config and writes ``save_pretrained`` weights.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from engine.autoencoder import VideoAutoencoder, frames_to_tensor
from engine.eval.metrics import psnr
from engine.train.common import DEFAULT_RUNS, RunLog, load_checkpoint, pick_device, save_checkpoint
from engine.world.dataset import sample_spec
from engine.world.render import render_clip

MODEL_KEYS = ("latent_channels", "width", "inner_width", "depth", "inner_depth", "downsample")


def build_model(cfg: dict) -> VideoAutoencoder:
    return VideoAutoencoder(**{k: cfg[k] for k in MODEL_KEYS})


def frame_batch(step: int, cfg: dict, split: str = "train") -> torch.Tensor:
    """(N, 1, 3, H, W) frames for one step: random frames of freshly rendered clips."""
    rng = np.random.default_rng([cfg["seed"], step, 0xAE])
    frames = []
    for i in range(cfg["clips_per_step"]):
        spec = sample_spec(step * cfg["clips_per_step"] + i, seed=cfg["seed"], split=split,
                           height=cfg["size"], width=cfg["size"])
        clip = render_clip(spec, audio=False)
        frames.append(clip.frames[rng.choice(len(clip.frames), cfg["frames_per_clip"], replace=False)])
    return frames_to_tensor(np.concatenate(frames))[:, None]  # (N, 1, 3, H, W)


@torch.no_grad()
def validate(model: VideoAutoencoder, cfg: dict, device: torch.device, count: int = 4) -> float:
    """Mean reconstruction PSNR on clips from combinations held out of training."""
    model.eval()
    scores = []
    for i in range(count):
        spec = sample_spec(i, seed=777, split="heldout", height=cfg["size"], width=cfg["size"])
        clip = render_clip(spec, audio=False)
        x = frames_to_tensor(clip.frames, device)[None]
        recon = model(x)[0].clamp(-1, 1)
        scores.append(psnr((recon[0].cpu().numpy() + 1) * 127.5, (x[0].cpu().numpy() + 1) * 127.5))
    model.train()
    return float(np.mean(scores))


def train(cfg: dict, run: str, steps: int | None = None, init_from=None) -> Path:
    folder = DEFAULT_RUNS / run
    folder.mkdir(parents=True, exist_ok=True)
    device = pick_device(cfg["device"])
    torch.manual_seed(cfg["seed"])
    model = build_model(cfg).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    step = 0
    state = load_checkpoint(folder)
    if state is None and init_from is not None:
        model.load_state_dict(VideoAutoencoder.from_pretrained(init_from).state_dict())
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step = state["step"]
        print(f"resuming {folder} at step {step}")
    log = RunLog(folder)
    total = steps or cfg["steps"]
    started, seen = time.time(), 0
    while step < total:
        lr = cfg["lr"] * min(1.0, (step + 1) / 200) * (0.5 * (1 + np.cos(np.pi * step / total)) * 0.9 + 0.1)
        for group in opt.param_groups:
            group["lr"] = lr
        x = frame_batch(step, cfg).to(device)
        z = model.encode(x)
        z_noisy = z + cfg["latent_noise"] * z.detach().std() * torch.randn_like(z)
        recon = model.decode(z_noisy)
        loss = F.l1_loss(recon, x) + F.mse_loss(recon, x) + cfg["latent_l2"] * z.pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        seen += len(x)
        if step % cfg["log_every"] == 0:
            log.write(step=step, loss=float(loss), lr=lr, frames_per_s=seen / (time.time() - started))
        if step % cfg["checkpoint_every"] == 0 or step == total:
            save_checkpoint(folder, model=model.state_dict(), optimizer=opt.state_dict(), step=step, config=cfg)
            log.write(step=step, heldout_psnr=validate(model, cfg, device))
    return folder


@torch.no_grad()
def export(cfg: dict, run: str, out: Path) -> VideoAutoencoder:
    """Bake latent normalisation into the config and write ``save_pretrained`` weights to ``out``."""
    state = load_checkpoint(DEFAULT_RUNS / run)
    if state is None:
        raise FileNotFoundError(f"no checkpoint in {DEFAULT_RUNS / run}: train first")
    model = build_model(cfg)
    model.load_state_dict(state["model"])
    model.eval()
    z = torch.cat([model.encode(frame_batch(10_000 + i, cfg)) for i in range(8)])
    shift, scale = float(z.mean()), float(1.0 / z.std())
    model.update_config(latent_shift=shift, latent_scale=scale)
    model.save_pretrained(out)
    quality = validate(model, cfg, torch.device("cpu"))
    print(f"exported to {out}: latent shift {shift:.3f}, scale {scale:.3f}, held-out PSNR {quality:.2f} dB")
    return model
