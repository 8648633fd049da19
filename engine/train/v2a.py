"""Train the V2A model on paired world renders: features from the pixels, targets from the soundtrack.

    reelwright train v2a --config engine/configs/v2a.yaml [--run NAME] [--export DIR]

The inputs are what V2A will see at use time (features measured from the rendered frames, never the
ground truth); the targets are the soundtrack's log-mel and an onset track at the true event times.
The rendered pairs are cached in the run folder, so a resumed run starts training at once. ``--export``
also fits the scene-from-audio classifier on the ground-truth soundtracks and ships it beside the model.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from engine.eval.audio import AudioSceneClassifier, ambience_profile
from engine.train.common import DEFAULT_RUNS, RunLog, load_checkpoint, pick_device, save_checkpoint
from engine.v2a.features import CHANNELS, FEATURES_VERSION, visual_features
from engine.v2a.mel import FRAME_RATE, log_mel
from engine.v2a.model import V2AModel, v2a_from_preset
from engine.world.dataset import sample_spec
from engine.world.render import render_clip

ONSET_SIGMA = 1.0  # mel frames: the onset target is a narrow bump, not a single frame


def onset_target(times: list[float], frames: int) -> np.ndarray:
    """(F,) a bump of height 1 at each event time."""
    grid = np.arange(frames)
    target = np.zeros(frames, np.float32)
    for t in times:
        target = np.maximum(target, np.exp(-0.5 * ((grid - t * FRAME_RATE) / ONSET_SIGMA) ** 2))
    return target


def build_pairs(cfg: dict, folder: Path) -> dict[str, np.ndarray]:
    """Render ``clips`` training clips with sound; cache features, log-mels, onset targets and scenes."""
    cache = folder / f"pairs_{cfg['clips']}_{cfg['frames']}_{cfg['seed']}_v{FEATURES_VERSION}_{len(CHANNELS)}.npz"
    if cache.exists():
        with np.load(cache) as stored:
            return dict(stored)
    features, mels, onsets, profiles, scenes = [], [], [], [], []
    started = time.time()
    for i in range(cfg["clips"]):
        clip = render_clip(sample_spec(i, seed=cfg["seed"], split="train", frames=cfg["frames"]))
        feats = visual_features(clip.frames, clip.fps)
        mel = log_mel(clip.audio).numpy()
        features.append(feats.track)
        mels.append(mel.astype(np.float16))
        onsets.append(onset_target([e.time for e in clip.events], mel.shape[1]))
        profiles.append(ambience_profile(clip.audio))
        scenes.append(clip.spec.scene)
        if (i + 1) % 250 == 0:
            print(f"rendered {i + 1}/{cfg['clips']} training pairs ({time.time() - started:.0f} s)", flush=True)
    pairs = {"features": np.stack(features), "mels": np.stack(mels), "onsets": np.stack(onsets),
             "profiles": np.stack(profiles), "scenes": np.array(scenes)}
    np.savez(cache, **pairs)
    return pairs


def loss_terms(model: V2AModel, batch: dict[str, torch.Tensor], cfg: dict, rng: np.random.Generator
               ) -> dict[str, torch.Tensor]:
    features, mels, onsets = batch["features"], batch["mels"], batch["onsets"]  # (B, C, F) (B, M, F) (B, F)
    logits = model.onset_logits(features)  # (B, F)
    # The mel stack learns from the true onsets half the time (a clean signal to attach sounds to) and from
    # its own predictions otherwise (what it will read at use time).
    use_true = torch.as_tensor(rng.random(len(features)) < cfg["p_true_onsets"])[:, None]  # (B, 1)
    track = torch.where(use_true, onsets, torch.sigmoid(logits).detach())  # (B, F)
    _, logmel = model(features, track)  # (B, M, F)
    near_event = F.max_pool1d(onsets[:, None], 9, stride=1, padding=4)[:, 0]  # (B, F) within 40 ms of one
    weight = (1.0 + cfg["event_weight"] * near_event)[:, None]  # (B, 1, F)
    mel_loss = ((logmel - mels).abs() * weight).sum() / (weight.sum() * mels.shape[1])
    onset_loss = F.binary_cross_entropy_with_logits(
        logits, onsets, pos_weight=torch.tensor(cfg["onset_pos_weight"]))
    return {"loss": mel_loss + onset_loss, "mel": mel_loss, "onset": onset_loss}


def train(cfg: dict, run: str, steps: int | None = None, init_from=None) -> Path:
    folder = DEFAULT_RUNS / run
    folder.mkdir(parents=True, exist_ok=True)
    device = pick_device(cfg["device"])
    torch.manual_seed(cfg["seed"])
    pairs = build_pairs(cfg, folder)
    data = {k: torch.as_tensor(pairs[k].astype(np.float32)) for k in ("features", "mels", "onsets")}
    count = len(data["features"])
    held = max(1, count // 20)  # the last 5% of pairs measure over-fitting
    model = v2a_from_preset(cfg["preset"]).to(device)
    if init_from is not None:
        model.load_state_dict(V2AModel.from_pretrained(Path(init_from) / "v2a").state_dict())
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    total = steps or cfg["steps"]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg["lr"], total_steps=total, pct_start=0.05)
    step = 0
    state = load_checkpoint(folder)
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        sched.total_steps = total  # a resumed run may be asked to go further than it first planned
        step = state["step"]
        print(f"resuming {folder} at step {step}")
    print(f"V2A {cfg['preset']}: {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters, "
          f"{count - held} training pairs")
    log = RunLog(folder)
    while step < total:
        rng = np.random.default_rng([cfg["seed"], step, 0xA2])
        idx = torch.as_tensor(rng.choice(count - held, cfg["batch"], replace=False))
        batch = {k: v[idx].to(device) for k, v in data.items()}
        terms = loss_terms(model, batch, cfg, rng)
        opt.zero_grad(set_to_none=True)
        terms["loss"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        if step % cfg["log_every"] == 0 or step == total:
            with torch.no_grad():
                model.eval()
                val = loss_terms(model, {k: v[-held:].to(device) for k, v in data.items()}, cfg,
                                 np.random.default_rng(0))
                model.train()
            log.write(step=step, mel=terms["mel"].item(), onset=terms["onset"].item(),
                      val_mel=val["mel"].item(), val_onset=val["onset"].item())
        if step % cfg["checkpoint_every"] == 0 or step == total:
            save_checkpoint(folder, model=model.state_dict(), optimizer=opt.state_dict(),
                            scheduler=sched.state_dict(), step=step, config=cfg)
    return folder


def export(cfg: dict, run: str, out: Path) -> None:
    """Write ``out/v2a`` (save_pretrained) and the scene-from-audio classifier beside it."""
    folder = DEFAULT_RUNS / run
    state = load_checkpoint(folder)
    if state is None:
        raise FileNotFoundError(f"no checkpoint in {folder}: train first")
    model = v2a_from_preset(cfg["preset"])
    model.load_state_dict(state["model"])
    target = Path(out) / "v2a"
    model.save_pretrained(target)
    pairs = build_pairs(cfg, folder)
    AudioSceneClassifier.fit(pairs["profiles"], [str(s) for s in pairs["scenes"]]).save(target / "scene_audio.json")
    (target / "TRAINING.txt").write_text(
        f"Weights after {state['step']} steps of `reelwright train v2a` on {cfg['clips']} paired world renders, "
        f"config:\n{state['config']}\n")
    print(f"exported V2A (step {state['step']}) to {target}")
