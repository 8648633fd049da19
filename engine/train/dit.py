"""Train the video DiT on latents of clips streamed from the world renderer.

    reelwright train dit --config engine/configs/dit.yaml [--run NAME] [--steps N] [--export DIR]

Rectified flow: x_s = (1 - s) x0 + s e, the model predicts v = e - x0 for every frame that is not given.
Each sample draws a conditioning mask (text-to-video, first frame given, first k frames given, scattered
anchors) and each conditioning signal is dropped at random so guidance works. Resumable from the run
folder; periodic evaluator scores on held-out combinations are written to the log.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from engine.autoencoder import VideoAutoencoder, frames_to_tensor
from engine.dit import VideoDiT, dit_from_preset
from engine.eval.video import read_clip
from engine.pipeline import ReelPipeline, attribute_ids
from engine.text import TextEncoder
from engine.train.common import DEFAULT_RUNS, EMA, RunLog, load_checkpoint, pick_device, save_checkpoint
from engine.world.captions import canonical_caption
from engine.world.dataset import sample_spec
from engine.world.render import render_clip
from engine.world.vocab import AXES

MODEL_KEYS = ("preset", "latent_channels", "latent_size", "patch", "frames", "silhouette", "camera")
ADDED_INPUTS = {"silhouette": 0, "camera": False}  # inputs added after the first runs, and what a run without them had


def run_config(cfg: dict, state: dict | None) -> dict:
    """``cfg`` with the model's shape taken from a run's checkpoint: a run keeps the model it was started
    with when the committed config has since changed (a run from before the silhouette input has none)."""
    if state is None:
        return cfg
    saved = state["config"]
    shape = {key: saved.get(key, ADDED_INPUTS[key] if key in ADDED_INPUTS else cfg[key]) for key in MODEL_KEYS}
    changed = [f"{key} {cfg.get(key)} -> {value}" for key, value in shape.items() if cfg.get(key) != value]
    if changed:
        print(f"this run's model was built with other settings; keeping them: {', '.join(changed)}")
    return cfg | shape


def build_model(cfg: dict) -> VideoDiT:
    return dit_from_preset(cfg["preset"], latent_channels=cfg["latent_channels"], latent_size=cfg["latent_size"],
                           patch=cfg["patch"], frames=cfg["frames"], silhouette=cfg.get("silhouette", 0),
                           camera=bool(cfg.get("camera", False)))


def render_and_encode(index: int, cfg: dict, vae: VideoAutoencoder, device) -> tuple[list, torch.Tensor]:
    """The ``index``-th batch of training clips and their latents (B, T, C, h, w)."""
    clips = [render_clip(sample_spec(index * cfg["batch"] + i, seed=cfg["seed"], split="train", frames=cfg["frames"],
                                     height=cfg["size"], width=cfg["size"]), audio=False) for i in range(cfg["batch"])]
    with torch.no_grad():
        x0 = vae.encode(frames_to_tensor(np.stack([c.frames for c in clips]), device))
    return clips, x0


def make_batch(step: int, cfg: dict, data: tuple[list, torch.Tensor], text: TextEncoder, model: VideoDiT, device):
    """Draw noise levels, conditioning masks and condition drops for one step over rendered clips."""
    rng = np.random.default_rng([cfg["seed"], step, 0xD17])
    clips, x0 = data
    b, t = x0.shape[:2]

    captions, ids, has_layout, has_camera = [], [], [], []
    for clip in clips:
        drop_all = rng.random() < cfg["p_drop_all"]
        captions.append("" if drop_all or rng.random() < cfg["p_drop_text"] else clip.caption)
        attrs = clip.attributes
        if drop_all or rng.random() < cfg["p_drop_attributes"]:
            # Drop a random subset of axes, so a planner that knows only some of them is served too.
            attrs = {k: v for k, v in attrs.items() if not drop_all and rng.random() < 0.5}
        ids.append(attribute_ids(model, attrs))
        has_layout.append(not drop_all and rng.random() >= cfg["p_drop_layout"])
        # (drawn only with the input, so a run without it keeps the random stream it always had)
        has_camera.append(bool(cfg.get("camera")) and not drop_all and rng.random() >= cfg.get("p_drop_camera", 0.0))
    tokens, mask, pooled = text.encode(captions)
    layout = torch.as_tensor(np.stack([c.layout for c in clips]), device=device)
    camera = torch.as_tensor(np.stack([c.camera for c in clips]), device=device)

    # Which frames are given (noise level zero) in each sample.
    given = torch.zeros(b, t, dtype=torch.bool)
    for i in range(b):
        u = rng.random()
        if u < cfg["p_i2v"]:
            given[i, 0] = True
        elif u < cfg["p_i2v"] + cfg["p_extend"]:
            given[i, : int(rng.integers(2, 9))] = True
        elif u < cfg["p_i2v"] + cfg["p_extend"] + cfg["p_anchors"]:
            given[i] = torch.as_tensor(rng.random(t) < 0.25)
            given[i, -1] = False  # at least one frame to learn from
    given = given.to(device)

    # Logit-normal noise levels (SD3): most training where the picture is decided, some at the ends.
    sigma = torch.sigmoid(torch.as_tensor(rng.normal(size=b), dtype=torch.float32, device=device))  # (B,)
    sigmas = torch.where(given, torch.zeros_like(given, dtype=torch.float32), sigma[:, None])  # (B, T)
    noise = torch.as_tensor(rng.standard_normal(x0.shape), dtype=torch.float32, device=device)
    s = sigmas[:, :, None, None, None]
    xt = (1 - s) * x0 + s * noise
    # The subject covers a few latent cells, so an unweighted loss is mostly background; weighting its cells
    # is what makes shape and motion worth learning (the scene and colour are learned either way).
    subject = np.stack([c.mask for c in clips]).astype(np.float32)  # (B, T, H, W)
    cells = F.adaptive_avg_pool2d(torch.as_tensor(subject, device=device), x0.shape[-2:])  # (B, T, h, w)
    weight = 1.0 + cfg.get("subject_weight", 0.0) * (cells > 0).float()
    return {
        "xt": xt, "sigmas": sigmas, "target": noise - x0, "loss_mask": (~given).float(), "weight": weight,
        "tokens": tokens.to(device), "mask": mask.to(device), "pooled": pooled.to(device),
        "ids": torch.stack(ids).to(device), "layout": layout, "has_layout": torch.tensor(has_layout, device=device),
        "camera": camera, "has_camera": torch.tensor(has_camera, device=device),
    }


@torch.no_grad()
def evaluate(model: VideoDiT, vae: VideoAutoencoder, cfg: dict, count: int, steps: int = 12) -> dict[str, float]:
    """Prompt alignment of EMA samples on combinations held out of training."""
    pipe = ReelPipeline(transformer=model.eval(), vae=vae)
    hits = {axis: 0 for axis in AXES}
    together = 0
    for i in range(count):
        spec = sample_spec(i, seed=4242, split="heldout")
        attrs = spec.attributes()
        out = pipe(canonical_caption(attrs), attributes=attrs, num_frames=cfg["frames"], num_inference_steps=steps,
                   guidance_scale=3.0, seed=i)
        seen = read_clip(out.frames).attributes
        for axis in AXES:
            hits[axis] += seen[axis] == attrs[axis]
        together += all(seen[a] == attrs[a] for a in ("shape", "colour", "scene", "motion"))
    model.train()
    return {f"eval_{axis}": hits[axis] / count for axis in AXES} | {"eval_all4": together / count}


def train(cfg: dict, run: str, steps: int | None = None, init_from: str | Path | None = None) -> Path:
    """Train (or resume) the run ``run``. ``init_from``: a weights folder to start a fresh run from, e.g. the
    shipped ``engine/weights`` when the run's checkpoint is gone (optimizer state starts anew)."""
    folder = DEFAULT_RUNS / run
    folder.mkdir(parents=True, exist_ok=True)
    device = pick_device(cfg["device"])
    torch.manual_seed(cfg["seed"])
    vae = VideoAutoencoder.from_pretrained(cfg["autoencoder"]).to(device).eval().requires_grad_(False)
    text = TextEncoder(device)
    state = load_checkpoint(folder)
    cfg = run_config(cfg, state)
    model = build_model(cfg).to(device)
    ema_model = build_model(cfg).to(device).eval()
    ema = EMA(model, cfg["ema"])
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"], betas=(0.9, 0.99))
    step = 0
    started_from = None  # what a run started from, carried into the exported weights' TRAINING.txt
    if state is not None:
        started_from = state.get("started_from")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        ema.shadow = state["ema"]
        step = state["step"]
        print(f"resuming {folder} at step {step}")
    elif init_from is not None:
        start = VideoDiT.from_pretrained(Path(init_from) / "transformer")
        # A config may add inputs the start lacks (the silhouette, the camera path): those begin at their zero
        # init, so the model starts out drawing exactly what the start drew.
        misfit = (f"{init_from} does not fit this config ({cfg['preset']}, "
                  + ", ".join(f"{name} {cfg.get(name, off)}" for name, off in ADDED_INPUTS.items()) + ")")
        try:
            missing, unexpected = model.load_state_dict(start.state_dict(), strict=False)
        except RuntimeError as error:  # sizes differ
            raise ValueError(f"{misfit}: {str(error).splitlines()[1]}") from None
        added_inputs = tuple(f"{name}_embed." for name in ADDED_INPUTS)  # the modules those inputs own
        if unexpected or any(not key.startswith(added_inputs) for key in missing):
            raise ValueError(f"{misfit}: missing {missing}, unexpected {unexpected}")
        ema = EMA(model, cfg["ema"])
        added = f" (new: {', '.join(sorted({k.split('.')[0] for k in missing}))})" if missing else ""
        print(f"starting from the weights in {init_from}{added}")
        notes = Path(init_from) / "transformer" / "TRAINING.txt"
        started_from = notes.read_text().splitlines()[0] if notes.exists() else f"the weights in {init_from}"
    print(f"DiT {cfg['preset']}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters on {device}")
    log = RunLog(folder)
    total = steps or cfg["steps"]
    started, seen = time.time(), 0
    data, data_index = None, None
    while step < total:
        lr = cfg["lr"] * min(1.0, (step + 1) / cfg["warmup"])
        for group in opt.param_groups:
            group["lr"] = lr
        # Rendering and encoding cost a third of a step, so each batch of clips serves ``reuse`` steps,
        # every time with fresh noise, masks and condition drops.
        if data_index != step // cfg["reuse"]:
            data_index = step // cfg["reuse"]
            data = render_and_encode(data_index, cfg, vae, device)
        batch = make_batch(step, cfg, data, text, model, device)
        pred = model(batch["xt"], batch["sigmas"], batch["tokens"], batch["mask"], batch["pooled"], batch["ids"],
                     batch["layout"], batch["has_layout"], batch["camera"], batch["has_camera"])
        error = F.mse_loss(pred, batch["target"], reduction="none").mean(dim=2)  # (B, T, h, w)
        per_frame = (error * batch["weight"]).sum(dim=(2, 3)) / batch["weight"].sum(dim=(2, 3))  # (B, T)
        loss = (per_frame * batch["loss_mask"]).sum() / batch["loss_mask"].sum().clamp(min=1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        grad = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        ema.update(model, step)
        seen += cfg["batch"]
        if step % cfg["log_every"] == 0:
            log.write(step=step, loss=loss.item(), grad=grad.item(), lr=lr,
                      samples_per_s=seen / (time.time() - started))
        if step % cfg["checkpoint_every"] == 0 or step == total:
            save_checkpoint(folder, model=model.state_dict(), optimizer=opt.state_dict(), ema=ema.shadow, step=step,
                            config=cfg, started_from=started_from)
        if step % cfg["eval_every"] == 0 or step == total:
            ema.copy_to(ema_model)
            log.write(step=step, **evaluate(ema_model, vae, cfg, cfg["eval_clips"]))
    return folder


def export(cfg: dict, run: str, out: Path) -> None:
    """Write the EMA weights as ``out/transformer`` (save_pretrained, safetensors, fp16-safe sizes)."""
    state = load_checkpoint(DEFAULT_RUNS / run)
    if state is None:
        raise FileNotFoundError(f"no checkpoint in {DEFAULT_RUNS / run}: train first")
    model = build_model(run_config(cfg, state))
    model.load_state_dict({k: v.to(model.state_dict()[k].dtype) for k, v in state["ema"].items()})
    model.save_pretrained(Path(out) / "transformer")
    before = f" (the run started from: {state['started_from']})" if state.get("started_from") else ""
    (Path(out) / "transformer" / "TRAINING.txt").write_text(
        f"EMA weights after {state['step']} steps of `reelwright train dit` run {run!r}{before} with config:\n"
        f"{state['config']}\n")
    print(f"exported DiT (step {state['step']}) to {Path(out) / 'transformer'}")
