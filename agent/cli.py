"""The ``reelwright`` command line.

Exit codes: 0 success, 1 unexpected failure, 2 bad input (unknown word, unreadable file, bad size),
3 output problem (folder not writable).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_OUTPUT = 0, 1, 2, 3

DEMO_CLIPS = [
    {"shape": "ball", "colour": "red", "scene": "meadow", "motion": "bounces", "camera": "static"},
    {"shape": "cube", "colour": "blue", "scene": "beach", "motion": "falls", "camera": "zoom in"},
    {"shape": "triangle", "colour": "yellow", "scene": "desert", "motion": "moves right", "camera": "pan left"},
    {"shape": "ring", "colour": "purple", "scene": "snowfield", "motion": "bounces", "camera": "pan right"},
    {"shape": "ball", "colour": "white", "scene": "night", "motion": "rises", "camera": "static"},
    {"shape": "ring", "colour": "orange", "scene": "meadow", "motion": "grows", "camera": "zoom out"},
]


def _fail(code: int, message: str) -> int:
    print(f"reelwright: {message}", file=sys.stderr)
    return code


def _writable_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".reelwright-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or exc
        raise PermissionError(f"cannot write to {path}: {reason}; choose another folder with --out") from exc
    return path


def cmd_world(args: argparse.Namespace) -> int:
    from engine.media import write_json, write_video
    from engine.world import render_clip
    from engine.world.vocab import make_spec

    out = _writable_dir(Path(args.demo or args.out))
    if args.demo:
        specs = [make_spec(**attrs, seed=i, frames=args.frames, height=args.size, width=args.size)
                 for i, attrs in enumerate(DEMO_CLIPS)]
    else:
        specs = [make_spec(shape=args.shape, colour=args.colour, scene=args.scene, motion=args.motion,
                          camera=args.camera, seed=args.seed, frames=args.frames, height=args.size, width=args.size)]
    made = []
    for i, spec in enumerate(specs, 1):
        start = time.perf_counter()
        clip = render_clip(spec)
        name = f"{i:02d}_{spec.colour}_{spec.shape}_{spec.motion}_{spec.scene}".replace(" ", "-")
        video = write_video(out / f"{name}.mp4", clip.frames, clip.fps, clip.audio, clip.sample_rate,
                            scale=max(1, 256 // spec.height))
        write_json(out / f"{name}.json", {
            "caption": clip.caption, "attributes": clip.attributes, "seed": spec.seed,
            "events": [e.as_dict() for e in clip.events], "centroid": clip.centroid.tolist(),
            "size": clip.size.tolist(), "layout": clip.layout.tolist(),
        })
        made.append({"file": str(video), "caption": clip.caption, "events": len(clip.events)})
        if not args.json:
            print(f"[{i}/{len(specs)}] {video}  \"{clip.caption}\"  ({len(clip.events)} sound events, "
                  f"{time.perf_counter() - start:.2f}s)")
    if args.json:
        print(json.dumps({"clips": made}, indent=2))
    else:
        print(f"Rendered {len(made)} world clips with sound into {out}/ (ground truth beside each as .json).")
        print("These are the training world, not model output: `reelwright generate` draws with the model.")
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    from engine.eval.files import score_file

    report = score_file(args.video)
    if args.json:
        print(json.dumps(report, indent=2))
        return EXIT_OK
    a = report["attributes"]
    width, height = report["size"]
    print(f"{report['file']}: {report['frames']} frames at {report['fps']:g} fps, {width}x{height}")
    print(f"  subject: {a['colour']} {a['shape']}, {a['motion']} (found in {report['subject_found']:.0%} of frames)")
    print(f"  scene: {a['scene']}; camera: {a['camera']}")
    onsets = report["sound_onsets"]
    if onsets is None:
        print("  sound: no audio track")
    else:
        print(f"  sound: {len(onsets)} onsets" + (f" at {', '.join(f'{t:.2f}s' for t in onsets)}" if onsets else ""))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reelwright", description="Make short films from words, on your own machine.")
    sub = parser.add_subparsers(dest="command", required=True)

    world = sub.add_parser("world", help="render clips of the built-in training world (with sound) to mp4")
    world.add_argument("--demo", metavar="OUTDIR", help="render a showcase of the world into OUTDIR")
    world.add_argument("--out", default="world", help="folder for a single clip (default: ./world)")
    world.add_argument("--shape", default="ball")
    world.add_argument("--colour", "--color", dest="colour", default="red")
    world.add_argument("--scene", default="meadow")
    world.add_argument("--motion", default="bounces")
    world.add_argument("--camera", default="static")
    world.add_argument("--seed", type=int, default=0)
    world.add_argument("--frames", type=int, default=16)
    world.add_argument("--size", type=int, default=64, help="side in pixels (the video is upscaled to ~256)")
    world.add_argument("--json", action="store_true", help="print machine-readable output")
    world.set_defaults(func=cmd_world)

    evaluate = sub.add_parser("evaluate", help="read subject, scene, motion, camera and sound onsets from a video")
    evaluate.add_argument("video", help="any video file (mp4, mov, webm, ...)")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from engine.media import MediaError
    from engine.world.vocab import VocabularyError

    try:
        return args.func(args)
    except (VocabularyError, MediaError, FileNotFoundError) as exc:
        return _fail(EXIT_BAD_INPUT, str(exc).splitlines()[0])
    except PermissionError as exc:
        return _fail(EXIT_OUTPUT, str(exc))
    except KeyboardInterrupt:
        return _fail(130, "interrupted; finished files are kept")


if __name__ == "__main__":
    sys.exit(main())
