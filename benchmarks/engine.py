"""The engine on its shipped weights: prompt alignment (seen and unseen combinations), seed diversity,
I2V continuity, extend seams, V2V edits, speed and memory.

    .venv/bin/python -m benchmarks.engine [--prompts 40] [--steps 16] [--weights engine/weights]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import torch

from benchmarks.report import write_section
from engine.autoencoder import tensor_to_frames
from engine.caches import CacheSettings
from engine.camera_guidance import CAMERA_GUIDANCE
from engine.eval.metrics import psnr
from engine.eval.video import read_clip
from engine.pipeline import SHIPPED_WEIGHTS, load_pipeline
from engine.world.captions import canonical_caption
from engine.world.dataset import sample_spec
from engine.world.render import render_clip
from engine.world.vocab import AXES, COLOURS

FOUR = ("shape", "colour", "scene", "motion")


def alignment(pipe, split: str, count: int, steps: int, guidance: float, camera_guidance=CAMERA_GUIDANCE
              ) -> tuple[dict, list[float]]:
    hits = {axis: 0 for axis in AXES} | {"all four": 0}
    seconds = []
    for i in range(count):
        attrs = sample_spec(i, seed=31337, split=split).attributes()
        start = time.perf_counter()
        out = pipe(canonical_caption(attrs), attributes=attrs, num_inference_steps=steps, guidance_scale=guidance,
                   seed=i, camera_guidance=camera_guidance)
        seconds.append(time.perf_counter() - start)
        seen = read_clip(out.frames).attributes
        for axis in AXES:
            hits[axis] += seen[axis] == attrs[axis]
        hits["all four"] += all(seen[a] == attrs[a] for a in FOUR)
    return {k: v / count for k, v in hits.items()}, seconds


def conditioned_modes(pipe, count: int, steps: int, guidance: float) -> dict[str, float]:
    """I2V first-frame fidelity and subject keeping, extend seams, V2V colour change with motion kept."""
    i2v_psnr, i2v_decoded, i2v_seam, world_seam, i2v_keep, seams = [], [], [], [], [], []
    v2v_colour, v2v_motion, v2v_shape = [], [], []
    for i in range(count):
        spec = sample_spec(i, seed=99, split="all")
        attrs = spec.attributes()
        clip = render_clip(spec, audio=False)
        out = pipe(canonical_caption(attrs), attributes=attrs, mode="i2v", image=clip.frames[0],
                   num_inference_steps=steps, guidance_scale=guidance, seed=i)
        i2v_psnr.append(min(psnr(out.frames[0], clip.frames[0]), 99.0))
        decoded = tensor_to_frames(pipe.vae.decode(out.latents[:, :1]))[0, 0]  # frame 0 as the model holds it
        i2v_decoded.append(psnr(decoded, clip.frames[0]))
        i2v_seam.append(psnr(out.frames[0], out.frames[1]))
        world_seam.append(psnr(clip.frames[0], clip.frames[1]))  # the same step in the world, motion included
        seen = read_clip(out.frames).attributes
        i2v_keep.append(seen["colour"] == attrs["colour"] and seen["shape"] == attrs["shape"])

        ext = pipe(canonical_caption(attrs), attributes=attrs, mode="extend", video=clip.frames,
                   num_inference_steps=steps, guidance_scale=guidance, seed=i)
        k = ext.context_frames
        seams.append(psnr(ext.frames[k - 1], ext.frames[k]))

        new_colour = COLOURS[(COLOURS.index(attrs["colour"]) + 3) % len(COLOURS)]
        edit = dict(attrs, colour=new_colour)
        v2v = pipe(canonical_caption(edit), attributes=edit, mode="v2v", video=clip.frames, strength=0.5,
                   num_inference_steps=steps, guidance_scale=guidance, seed=i)
        seen = read_clip(v2v.frames).attributes
        v2v_colour.append(seen["colour"] == new_colour)
        v2v_motion.append(seen["motion"] == attrs["motion"])
        v2v_shape.append(seen["shape"] == attrs["shape"])
    return {"i2v_first_frame_psnr": float(np.mean(i2v_psnr)), "i2v_decoded_psnr": float(np.mean(i2v_decoded)),
            "i2v_seam_psnr": float(np.mean(i2v_seam)), "world_seam_psnr": float(np.mean(world_seam)),
            "i2v_subject_kept": float(np.mean(i2v_keep)),
            "extend_seam_psnr": float(np.mean(seams)), "v2v_new_colour": float(np.mean(v2v_colour)),
            "v2v_motion_kept": float(np.mean(v2v_motion)), "v2v_shape_kept": float(np.mean(v2v_shape))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=40, help="prompts per split")
    parser.add_argument("--conditioned", type=int, default=20, help="clips for the i2v/extend/v2v checks")
    parser.add_argument("--steps", type=int, default=16)
    parser.add_argument("--guidance", type=float, default=3.0)
    parser.add_argument("--weights", default=str(SHIPPED_WEIGHTS))
    args = parser.parse_args()

    start = time.perf_counter()
    pipe = load_pipeline(args.weights)
    pipe("warm up", num_inference_steps=1)
    load_s = time.perf_counter() - start
    unseen, seconds = alignment(pipe, "heldout", args.prompts, args.steps, args.guidance)
    seen, more = alignment(pipe, "train", args.prompts, args.steps, args.guidance)
    seconds += more
    unguided, plain_seconds = alignment(pipe, "heldout", args.prompts, args.steps, args.guidance, None)
    a = pipe("a red ball bounces in a meadow", seed=1, num_inference_steps=args.steps).frames
    b = pipe("a red ball bounces in a meadow", seed=2, num_inference_steps=args.steps).frames
    modes = conditioned_modes(pipe, args.conditioned, args.steps, args.guidance)
    pipe.use_cache(CacheSettings())  # the product's default sampler: NCR on, camera guidance on
    with_ncr, ncr_seconds = alignment(pipe, "heldout", args.prompts, args.steps, args.guidance)
    pipe.use_cache(None)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = ["| attribute | unseen combinations | seen combinations | unseen, no camera guidance | unseen, NCR on |",
            "| --- | --- | --- | --- | --- |"]
    rows += [f"| {k} | {unseen[k]:.0%} | {seen[k]:.0%} | {unguided[k]:.0%} | {with_ncr[k]:.0%} |" for k in unseen]
    body = "\n".join([
        f"T2V, {args.prompts} prompts per split, {args.steps} Euler steps, CFG {args.guidance}, 16 frames at 64x64, "
        f"scored by the evaluator; plain sampler with camera guidance (engine/camera_guidance.py), then without "
        f"it, then the product's default sampler (NCR on, engine/ncr.py, with camera guidance):", "", *rows, "",
        f"- Seconds per 2-second shot (16 frames, sampling + decoding, model loaded): median "
        f"{np.median(seconds):.2f} s, max {np.max(seconds):.2f} s (without camera guidance: median "
        f"{np.median(plain_seconds):.2f} s; with NCR on: median {np.median(ncr_seconds):.2f} s); "
        f"model load {load_s:.2f} s; peak memory {peak_mb:.0f} MB.",
        f"- Different seeds, same prompt: PSNR between the two clips {psnr(a, b):.1f} dB (lower is more different).",
        f"- I2V ({args.conditioned} clips): first-frame PSNR against the given image "
        f"{modes['i2v_first_frame_psnr']:.1f} dB (99 = identical: the given frame is passed through), "
        f"{modes['i2v_decoded_psnr']:.1f} dB for frame 0 decoded from the sampled latents; PSNR from that frame to "
        f"the first frame the model drew {modes['i2v_seam_psnr']:.1f} dB (the world's own frame 0 to 1: "
        f"{modes['world_seam_psnr']:.1f} dB); subject colour and shape kept in {modes['i2v_subject_kept']:.0%}.",
        f"- Extend: PSNR across the join {modes['extend_seam_psnr']:.1f} dB.",
        f"- V2V at strength 0.5 with a new colour: new colour in {modes['v2v_new_colour']:.0%}, original motion in "
        f"{modes['v2v_motion_kept']:.0%}, shape kept in {modes['v2v_shape_kept']:.0%} (engine/redraw.py).",
        f"- torch threads: {torch.get_num_threads()}.",
    ])
    print(body)
    write_section("Engine (DiT) on shipped weights", f"python -m benchmarks.engine --prompts {args.prompts} "
                  f"--conditioned {args.conditioned} --steps {args.steps}", body)


if __name__ == "__main__":
    main()
