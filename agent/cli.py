"""The ``reelwright`` command line.

Exit codes: 0 success, 1 unexpected failure, 2 bad input (unknown word, unreadable file, bad size),
3 output problem (folder not writable).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the commands import what they use when they run, so that --help stays quick
    from agent.batch import BatchFilm
    from agent.events import FilmEvent

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
        probe = path / f".reelwright-write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or exc
        raise PermissionError(f"cannot write to {path}: {reason}; choose another folder with --out") from exc
    return path


def cmd_world(args: argparse.Namespace) -> int:
    from agent.outputs import WorldClip, WorldClips, WorldTruth
    from engine.media import write_json, write_video
    from engine.world import render_clip
    from engine.world.vocab import make_spec

    if args.demo:
        specs = [make_spec(**attrs, seed=i, frames=args.frames, height=args.size, width=args.size)
                 for i, attrs in enumerate(DEMO_CLIPS)]
    else:
        specs = [make_spec(shape=args.shape, colour=args.colour, scene=args.scene, motion=args.motion,
                          camera=args.camera, seed=args.seed, frames=args.frames, height=args.size, width=args.size)]
    out = _writable_dir(Path(args.demo or args.out))  # only once the words are known: a refusal leaves nothing
    made = []
    for i, spec in enumerate(specs, 1):
        start = time.perf_counter()
        clip = render_clip(spec)
        name = f"{i:02d}_{spec.colour}_{spec.shape}_{spec.motion}_{spec.scene}".replace(" ", "-")
        video = write_video(out / f"{name}.mp4", clip.frames, clip.fps, clip.audio, clip.sample_rate,
                            scale=max(1, 256 // spec.height))
        truth = WorldTruth(caption=clip.caption, attributes=clip.attributes, seed=spec.seed,
                           events=[e.as_dict() for e in clip.events], centroid=clip.centroid.tolist(),
                           size=clip.size.tolist(), layout=clip.layout.tolist(), camera=clip.camera.tolist())
        write_json(out / f"{name}.json", truth.model_dump())
        made.append(WorldClip(file=str(video), caption=clip.caption, events=len(clip.events)))
        if not args.json:
            print(f"[{i}/{len(specs)}] {video}  \"{clip.caption}\"  ({len(clip.events)} sound events, "
                  f"{time.perf_counter() - start:.2f}s)")
    if args.json:
        print(WorldClips(clips=made).model_dump_json(indent=2))
    else:
        print(f"Rendered {len(made)} world clips with sound into {out}/ (ground truth beside each as .json).")
        print("These are the training world, not model output: `reelwright generate` draws with the model.")
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    from engine.eval.files import score_file

    report = score_file(args.video)
    if args.json:
        print(report.model_dump_json(indent=2))
        return EXIT_OK
    a = report.attributes
    width, height = report.size
    print(f"{report.file}: {report.frames} frames at {report.fps:g} fps, {width}x{height}")
    print(f"  subject: {a['colour']} {a['shape']}, {a['motion']} (found in {report.subject_found:.0%} of frames)")
    print(f"  scene: {a['scene']}; camera: {a['camera']}")
    onsets = report.sound_onsets
    if onsets is None:
        print("  sound: no audio track")
    else:
        print(f"  sound: {len(onsets)} onsets" + (f" at {', '.join(f'{t:.2f}s' for t in onsets)}" if onsets else ""))
    return EXIT_OK


VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".m4v")


def _video_output(path: str, force: bool, inputs: list[str | None]) -> Path:
    """A video file to write: a video suffix, never one of the inputs, an existing one only with --force."""
    out = Path(path)
    if out.is_dir() or out.suffix.lower() not in VIDEO_SUFFIXES:
        raise ValueError(f"--out {path}: give a video file name ending in {', '.join(VIDEO_SUFFIXES)}")
    for given in inputs:
        if given and Path(given).exists() and Path(given).resolve() == out.resolve():
            raise ValueError(f"--out {path} is also the input: write the result to another file")
    if out.exists() and not force:
        raise FileExistsError(f"{out} already exists: choose another --out or pass --force to overwrite it")
    _writable_dir(out.parent if str(out.parent) else Path("."))
    return out


def _size(text: str) -> tuple[int, int]:
    """argparse type for --size: WIDTHxHEIGHT."""
    import re

    m = re.fullmatch(r"\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*", text)
    if not m or min(int(m.group(1)), int(m.group(2))) < 16:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size: give WIDTHxHEIGHT, e.g. 832x480")
    return int(m.group(1)), int(m.group(2))


def _cache_settings(args: argparse.Namespace, ncr=None):
    """The step cache the flags ask for: --cache NAME (--ncr off is --cache off), NCR's own settings."""
    from engine.caches import CacheSettings
    from engine.ncr import NCRConfig

    name = getattr(args, "cache", "ncr")
    if getattr(args, "ncr", "on") == "off":
        if name not in ("ncr", "off"):
            raise ValueError(f"--ncr off and --cache {name} disagree: choose one (--cache off is full compute)")
        name = "off"
    threshold = getattr(args, "cache_threshold", None)
    flags = ("tokens", "refresh", "skip-below", "reuse-below", "reuse-every", "reuse-snr", "reused")
    fine = [f"--ncr-{flag}" for flag in flags if getattr(args, f"ncr_{flag.replace('-', '_')}", None) is not None]
    if fine and name != "ncr":
        raise ValueError(f"{fine[0]} sets NCR, and --cache is {name}: leave it out, or use --cache ncr")
    if threshold is not None and name in ("ncr", "off"):
        raise ValueError(f"--cache-threshold sets a diffusers cache's knob, and --cache is {name}: add --cache NAME")
    return CacheSettings(name=name, ncr=NCRConfig() if ncr is None else ncr, threshold=threshold)


def _video_engine(args: argparse.Namespace, ncr=None, cluster=None):
    """The engine a command renders with: --model DIR (or REELWRIGHT_MODEL_DIR, or the settings file), else
    the built-in world model. A wrong model folder is refused here, before anything is planned or made."""
    from engine.backends import model_settings
    from engine.pipeline import SHIPPED_WEIGHTS
    from tools.common import VideoEngine

    model, offload = model_settings(getattr(args, "model", None), getattr(args, "offload", None))
    engine = VideoEngine(weights=getattr(args, "weights", None) or SHIPPED_WEIGHTS, cache=_cache_settings(args, ncr),
                         model=model, offload=offload, size=getattr(args, "size", None), cluster=cluster)
    caps = engine.capabilities  # checks the folder (and the weights' configs) now; joins a cluster
    _stop_renders_on_interrupt(engine)
    if getattr(args, "size", None) and caps.family == "world":
        raise ValueError(f"--size is for a real model (--model DIR): {caps.name} draws "
                         f"{caps.width}x{caps.height} only, and films are enlarged when cut")
    if getattr(args, "size", None):
        from engine.backends.base import BackendError

        try:
            caps.fit_size(*args.size)
        except BackendError as exc:
            raise ValueError(f"--size {exc}") from None
    if not getattr(args, "json", False):
        if caps.note:
            print(f"note: {caps.note}", file=sys.stderr)
    return engine


def _stop_renders_on_interrupt(engine) -> None:
    """Ctrl-C stops every render after the step in hand (shots render in worker threads, which the interrupt
    alone would leave running to the end of their run), then ends the command as an interrupt does."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum, frame):
        engine.cancel.set()
        signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, stop)


def _cluster_config(args: argparse.Namespace):
    """--cluster ADDRESS (or RAY_ADDRESS) on a film command: its shots render on Ray actors. None: here."""
    if not hasattr(args, "cluster"):
        return None
    address = args.cluster or os.environ.get("RAY_ADDRESS")
    if not address:
        if args.workers or args.worker_cpus or args.worker_start_seconds:
            raise ValueError("--workers, --worker-cpus and --worker-start-seconds are for a cluster's workers: add "
                             "--cluster local (or ADDRESS)")
        return None
    from engine.cluster import ClusterConfig, ClusterError, check_address

    try:
        check_address(address)  # before any model loads: an unreachable address is said at once
    except ClusterError as exc:
        raise ValueError(str(exc)) from None
    sized = {"start_seconds": args.worker_start_seconds} if args.worker_start_seconds else {}
    return ClusterConfig(address=address, workers=args.workers, worker_cpus=args.worker_cpus, **sized)


def _bound_message(err: dict) -> str:
    """A pydantic error in a person's words ('must be at most 15', not 'Input should be less than or equal')."""
    words = {"less_than_equal": "at most", "greater_than_equal": "at least", "less_than": "below",
             "greater_than": "above"}
    for kind, phrase in words.items():
        if err["type"] == kind:
            bound = next(iter(err.get("ctx", {}).values()), "")
            return f"must be {phrase} {bound}, got {err.get('input')}"
    if err["type"] == "finite_number":
        return f"must be a finite number, got {err.get('input')}"
    return err["msg"]


def _source_span(video, fps: float, seconds: float, mode: str, quiet: bool):
    """The part of a source clip a render uses, said when it is not the whole clip: v2v redraws the first
    ``seconds`` (a long clip is not squeezed into a short one), extend continues from the clip's end."""
    length = len(video) / fps
    if length <= seconds + 0.5:
        return video
    if mode == "v2v":
        video = video[: max(1, round(seconds * fps))]
        note = f"used seconds 0.0-{seconds:.1f} of the {length:.1f}-s source (render longer with --frames)"
    else:
        note = f"continues from the end of the {length:.1f}-s clip"
    if not quiet:
        print(f"note: {note}", file=sys.stderr)
    return video


def _generate_inputs(args: argparse.Namespace) -> tuple:
    """The picture (i2v) or the source clip and its frame rate (v2v, extend) the mode needs."""
    image = video = fps = None
    if args.mode == "i2v":
        if not args.image:
            raise ValueError("--mode i2v needs --image FILE (a picture to start from)")
        from tools.common import read_image_file

        image = read_image_file(args.image)
    if args.mode in ("v2v", "extend"):
        if not args.video:
            raise ValueError(f"--mode {args.mode} needs --video FILE")
        from engine.media import read_video

        source = read_video(args.video, with_audio=False)
        video, fps = source.frames, source.fps
    return image, video, fps


def _prompt_attributes(args: argparse.Namespace, caps) -> dict[str, str]:
    """What the built-in model is asked for, read from the prompt (a real model draws the prompt's words)."""
    if caps.family != "world":
        return {}
    from agent.reader import NOT_ENGLISH, is_not_english, read_prompt

    if is_not_english(args.prompt):
        raise ValueError(NOT_ENGLISH)
    attributes, notes = read_prompt(args.prompt)
    for note in notes if not args.json else []:
        print(f"note: {note[:1].lower() + note[1:].rstrip('.')}", file=sys.stderr)
    if not {"shape", "colour", "scene"} & set(attributes) and args.mode == "t2v":
        raise ValueError(f"nothing in {args.prompt[:60]!r} is a thing or place in the built-in model's world: name a "
                         f"shape, colour or place (e.g. 'a red ball bounces on the beach'), or draw free text with a "
                         f"real model (--model DIR)")
    return attributes


def _render_request(args: argparse.Namespace, caps, attributes: dict, image, video, source_fps):
    """The request the engine renders, every number checked against the engine in the flag's own words."""
    from pydantic import ValidationError

    from engine.backends import RenderRequest
    from tools.common import SamplingSettings, ShotAttributes

    two_seconds = caps.extend_frames(2.0) if args.mode == "extend" else caps.frames_for(2.0)
    frames = two_seconds if args.frames is None else args.frames
    if video is not None:
        video = _source_span(video, source_fps, frames / caps.fps, args.mode, args.json)
    if frames < 1:
        raise ValueError(f"--frames: frames must be at least 1, got {frames}")
    if not caps.valid_frames(frames):
        raise ValueError(f"--frames {frames} does not suit {caps.name}: use {caps.frame_rule()}")
    if not 0.0 < args.strength <= 1.0:
        raise ValueError(f"--strength: strength must be in (0, 1], got {args.strength}")
    try:
        settings = SamplingSettings(frames=frames, steps=caps.default_steps if args.steps is None else args.steps,
                                    guidance=args.guidance if args.guidance is not None else caps.default_guidance,
                                    seed=args.seed)
        return RenderRequest(mode=args.mode, prompt=args.prompt, attributes=ShotAttributes(**attributes).given(),
                             image=image, video=video, strength=args.strength, frames=settings.frames,
                             steps=settings.steps, guidance=settings.guidance, seed=settings.seed,
                             width=args.size[0] if args.size else None, height=args.size[1] if args.size else None,
                             options={"camera_guidance": args.camera_guidance == "on"}
                             if caps.family == "world" else {})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ValueError(f"--{err['loc'][0]}: {_bound_message(err)}") from None


def cmd_generate(args: argparse.Namespace) -> int:
    from agent.outputs import ClipSound, GeneratedClip
    from engine.media import write_video
    from engine.ncr import NCRConfig

    out = _video_output(args.out, args.force, [args.image, args.video])
    chosen = {"token_ratio": args.ncr_tokens, "refresh_every": args.ncr_refresh, "skip_below": args.ncr_skip_below,
              "reuse_below": args.ncr_reuse_below, "reuse_every": args.ncr_reuse_every,
              "reuse_snr": args.ncr_reuse_snr, "reused": args.ncr_reused}
    ncr = NCRConfig(**{k: v for k, v in chosen.items() if v is not None})
    t0 = time.perf_counter()
    engine = _video_engine(args, ncr)
    caps = engine.capabilities
    caps.refuse_mode(args.mode)
    image, video, source_fps = _generate_inputs(args)
    attributes = _prompt_attributes(args, caps)
    request = _render_request(args, caps, attributes, image, video, source_fps)
    result = engine.backend.render(request, None if args.json else _step_printer())
    sound = None
    if args.audio:
        from tools.v2a import default_sound_engine

        sound = default_sound_engine().soundtrack(result.frames, result.fps, seed=args.seed)
    scale = args.scale or max(1, 256 // max(result.frames.shape[1:3]))
    write_video(out, result.frames, result.fps, audio=None if sound is None else sound.audio,
                sample_rate=16000 if sound is None else sound.sample_rate, scale=max(1, scale))
    height, width = result.frames.shape[1:3]
    t_load = result.timings.get("load", 0.0)
    clip = GeneratedClip(
        file=str(out), prompt=args.prompt, engine=caps.name, family=caps.family,
        model=str(engine.model) if engine.model else None, attributes=attributes, mode=args.mode, seed=args.seed,
        frames=len(result.frames), fps=result.fps, size=(width, height), steps=request.steps,
        guidance=request.guidance, strength=args.strength if args.mode == "v2v" else None,
        cache=engine.cache.describe(), camera_guidance=caps.family == "world" and args.camera_guidance == "on",
        compute_fraction=result.compute_fraction,
        sound=None if sound is None else ClipSound(onsets=sound.onsets, impacts=sound.impacts,
                                                    loudness_db=sound.loudness_db, timings=sound.timings),
        timings={"model_load": t_load, **result.timings, "total": time.perf_counter() - t0})
    if args.json:
        print(clip.model_dump_json(indent=2))
    else:
        made = clip.timings.get("sampling", 0.0) + clip.timings.get("decoding", 0.0)
        print(f"\nwrote {out} ({clip.frames} frames at {clip.fps:g} fps, {width}x{height}, seed {args.seed}) "
              f"in {made:.2f}s (model load {t_load:.2f}s, block compute spent {clip.compute_fraction:.0%})")
        if sound is not None:
            print(f"sound: {_sound_summary(sound.onsets, sound.scenes)} in {sound.timings['total'] * 1000:.0f} ms")
    return EXIT_OK


def _sound_summary(onsets: list[float], scenes: list[str]) -> str:
    hits = f"{len(onsets)} sound events at {', '.join(f'{t:.2f}s' for t in onsets)}" if onsets else "no sound events"
    return f"{hits}; {' / '.join(dict.fromkeys(scenes))} ambience"


def cmd_sound(args: argparse.Namespace) -> int:
    from tools.v2a import sound_video_file

    source = Path(args.video)
    out = _video_output(args.out or str(source.with_name(f"{source.stem}.sound.mp4")), args.force, [args.video])
    result = sound_video_file(source, out, seed=args.seed, force=args.force, fps=args.fps)
    if args.json:
        print(json.dumps({"file": str(out), **result.model_dump(exclude={"audio_path", "key"})}, indent=2))
    else:
        speed = result.duration / max(result.timings.get("total", 0.0), 1e-9)
        print(f"wrote {out}: {result.duration:.1f}s of sound, {_sound_summary(result.onsets, result.scenes)}"
              + ("" if result.cached else f" ({speed:.0f}x real time)"))
    return EXIT_OK


def _step_printer():
    def show(info) -> None:
        bar = "#" * int(20 * info.step / info.total)
        print(f"\rdenoising [{bar:<20}] {info.step}/{info.total}  compute {info.compute_fraction:.0%}",
              end="" if info.step < info.total else "\n", flush=True)

    return show


def _film_output(args: argparse.Namespace, request: str) -> tuple[Path, bool]:
    """The film folder, and whether this run creates it (a refused plan then leaves nothing behind). Whether
    an existing folder may take this film is the film folder's own rule (agent.film_folder)."""
    from agent.film import film_folder

    out = Path(args.out) if args.out else film_folder(request)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"--out {out} is a file: give a folder for the film")
    try:
        out.mkdir(parents=True)  # made here, by this run, or there already: decided in one step
        created = True
    except FileExistsError:
        created = False
    except OSError:
        created = False  # _writable_dir says why in one line
    return _writable_dir(out), created


def _film_progress(json_mode: bool, prefix: str = ""):
    from agent.events import Note, ShotFailed, ShotSounded, StepDrawn, TakeScored

    live = sys.stdout.isatty()  # a redrawn bar on a terminal; only finished takes in a log or a pipe

    def show(kind: str, event: dict | FilmEvent) -> None:
        if json_mode:
            return
        if kind == "updates":
            for message in ((event.get("plan") or {}).get("messages") or []):
                print(message["content"])  # the storyboard the director is about to render
            return
        if isinstance(event, StepDrawn):
            if not live:
                return
            bar = "#" * int(20 * event.step / event.steps)
            print(f"\r  {prefix}{event.shot} take {event.take} [{bar:<20}] {event.step}/{event.steps} "
                  f"compute {event.compute:.0%}", end="", flush=True)
        elif isinstance(event, TakeScored):
            verdict = "passed" if event.passed else "below the gate"
            print(f"\r  {prefix}{event.shot} take {event.take}: {event.scored_by} {event.score:.0%}, "
                  f"{verdict}{' (cached)' if event.cached else ''}" + " " * 20)
        elif isinstance(event, Note):
            print(f"note: {prefix}{event.text}", file=sys.stderr)
        elif isinstance(event, ShotSounded):
            print(f"  {prefix}{event.shot} sound: {event.onsets} event(s){' (cached)' if event.cached else ''}")
        elif isinstance(event, ShotFailed):
            print(f"\n  {prefix}{event.shot}: {event.error}")

    return show


def _director_settings(args: argparse.Namespace):
    """Director and cut settings from a film command's flags; a bad music file fails before any rendering."""
    from agent.graph import DirectorSettings
    from tools.cut import FILM_AUDIO_RATE, CutOptions
    from tools.music import load_music

    if args.music:
        load_music(args.music, FILM_AUDIO_RATE)
    cut = CutOptions(title_card=args.title_card, captions=args.captions,
                     music_path=str(Path(args.music).resolve()) if args.music else None,
                     snap_to_beats=not args.no_beat_snap)
    return DirectorSettings(max_takes=args.takes, steps=args.steps, sound=not args.no_sound, cut=cut,
                            long_film_ok=args.yes)


def _run_film(args: argparse.Namespace, request: str | None, storyboard=None) -> int:
    from agent.film import check_storyboard, make_film

    cluster = _cluster_config(args)  # an unreachable cluster is said before anything loads
    settings = _director_settings(args)
    engine = _video_engine(args, cluster=cluster)
    try:
        if storyboard is not None:
            check_storyboard(storyboard, engine, f"{args.storyboard}: ")
        out, created = _film_output(args, request or (storyboard.title if storyboard else "film"))
        report = make_film(out, engine, request=request, storyboard=storyboard, settings=settings,
                           on_event=_film_progress(args.json), force=args.force, discard_if_refused=created)
    finally:
        engine.close()
    if args.json:
        print(report.json_text())
    else:
        print(f"\nFilm: {out / report.film} ({len(report.shots)} shots, {report.length:.1f} s long, made in "
              f"{report.seconds:.1f} s). "
              f"Storyboard, report and shots are in {out}/")
    return EXIT_OK


def cmd_make(args: argparse.Namespace) -> int:
    return _run_film(args, args.request)


def cmd_run(args: argparse.Namespace) -> int:
    from agent.film import load_conversation, run_conversation

    turns = load_conversation(Path(args.conversation)).turns
    cluster = _cluster_config(args)
    settings = _director_settings(args)
    engine = _video_engine(args, cluster=cluster)
    try:
        out, created = _film_output(args, turns[0])
        report = run_conversation(out, engine, turns, settings, on_event=_film_progress(args.json),
                                  force=args.force, discard_if_refused=created)
    finally:
        engine.close()
    if args.json:
        print(report.json_text())
    else:
        for turn in report.transcript or []:
            print(f"you: {turn.you}\ndirector: {turn.director}\n")
        print(f"Film: {out / report.film}")
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    from agent.storyboard import load_storyboard

    return _run_film(args, None, storyboard=load_storyboard(args.storyboard))


def cmd_batch(args: argparse.Namespace) -> int:
    """Storyboard files to film folders under --out; a summary table at the end; exit 1 if any film failed."""
    from agent.batch import make_batch

    if args.music:
        raise ValueError("--music is for one film (render or make); give each storyboard its music in its own run")
    storyboards = [Path(p) for p in args.storyboards]
    cluster = _cluster_config(args)
    out = _writable_dir(Path(args.out))
    settings = _director_settings(args)
    engine = _video_engine(args, cluster=cluster)
    try:
        workers = engine.backend.layout["workers"] if engine.cluster else 1
        films = make_batch(storyboards, out, engine, settings, on_event=_batch_progress(args.json, len(storyboards)),
                           force=args.force, parallel=workers)
    finally:
        engine.close()
    if args.json:
        print(json.dumps({"films": [f.model_dump() for f in films]}, indent=2))
    else:
        print(_batch_table(films))
    return EXIT_OK if all(f.error is None for f in films) else EXIT_FAILURE


def _batch_progress(json_mode: bool, count: int):
    """One view of every film in a batch: finished takes and films as lines, prefixed by the film's folder."""
    import threading

    lock = threading.Lock()
    finished = []
    per_film: dict[str, object] = {}

    def show(name: str, kind: str, event: dict | FilmEvent | BatchFilm) -> None:
        if json_mode:
            return
        with lock:
            if kind == "film":
                finished.append(name)
                verdict = f"made in {event.seconds:.1f} s" if event.error is None else event.error
                print(f"\r[{len(finished)}/{count}] {name}: {verdict}" + " " * 20, flush=True)
                return
            if name not in per_film:
                per_film[name] = _film_progress(False, prefix=f"[{name}] ")
            per_film[name](kind, event)

    return show


def _batch_table(films) -> str:
    """The batch's summary: film, shots, takes, length, time, and the film's path or what went wrong."""
    rows = [("film", "shots", "takes", "length", "time", "result")]
    for f in films:
        rows.append((Path(f.folder).name, str(f.shots) if f.error is None else "-",
                     f"{f.takes} ({f.rendered} new)" if f.error is None else "-",
                     f"{f.length:.1f} s" if f.error is None else "-", f"{f.seconds:.1f} s", f.film or f.error or ""))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:5], widths)) + "  " + row[5] for row in rows]
    made = sum(f.error is None for f in films)
    return "\n" + "\n".join(lines) + f"\n\n{made} of {len(films)} films made."


def _film_settings(folder: Path):
    """The settings a film was made with (steps, takes, sound, the cut) and its model folder, from its report,
    so that shots rendered again match the ones kept."""
    from pydantic import ValidationError

    from agent.graph import DirectorSettings
    from tools.film_report import REPORT_FILE, FilmReport

    if not (folder / REPORT_FILE).exists():
        return DirectorSettings(), None  # not finished: the edit says so in its own words
    report = FilmReport.read(folder)  # a damaged one is refused in one line (FilmReportError is a ValueError)
    try:
        settings = DirectorSettings.model_validate(report.settings)
    except ValidationError as exc:
        raise ValueError(f"{folder / REPORT_FILE}: the settings the film was made with cannot be read "
                         f"({exc.errors()[0]['msg']}): run the command that made the film again") from None
    return settings, report.engine.model


def cmd_edit(args: argparse.Namespace) -> int:
    """A change to a finished film: only the shots it touches are rendered again; the folder is re-cut."""
    from agent.film_edit import FilmEditError, edit_film

    folder = Path(args.film)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such film folder: {folder}: give the folder a film was made in")
    settings, model = _film_settings(folder)
    if model and not args.model:
        args.model = model  # the film's own engine, unless another is asked for
    engine = _video_engine(args)
    try:
        report, edit = edit_film(folder, engine, args.change, settings, on_event=_film_progress(args.json))
    except FilmEditError as exc:
        raise ValueError(str(exc)) from None
    finally:
        engine.close()
    if args.json:
        print(report.json_text())
    else:
        print(f"{edit.message}\n{edit.summary([shot.id for shot in report.shots])}\nFilm: {folder / report.film}")
    return EXIT_OK


def cmd_chat(args: argparse.Namespace) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ValueError("chat needs a terminal to talk in: run it in one, or script a film with `reelwright run "
                         "conversation.yaml` or `reelwright make \"REQUEST\"`")
    from tui.app import ReelwrightApp

    # The screen comes up at once; the engine loads behind it (a wrong model folder is said in the chat).
    app = ReelwrightApp(make_engine=lambda: _video_engine(args), films_root=Path(args.films))
    app.run()
    if app.exit_note:
        print(app.exit_note)
    return EXIT_OK


def cmd_score(args: argparse.Namespace) -> int:
    from agent.score import score_film
    from agent.storyboard import load_storyboard

    board = load_storyboard(args.storyboard) if args.storyboard else None
    report = score_film(args.film, board)
    if args.json:
        print(report.model_dump_json(indent=2))
        return EXIT_OK
    print(f"{report.file}: {len(report.shots)} shots, {report.frames} frames at {report.fps:g} fps")
    for s in report.shots:
        seen = s.seen
        line = (f"  {s.shot}. {s.start:.1f}-{s.end:.1f}s  {seen['colour']} {seen['shape']}, {seen['motion']}, "
                f"{seen['scene']}, camera {seen['camera']}")
        if s.alignment is not None:
            line += f"  | alignment {s.alignment:.0%}"
        if s.join_psnr is not None:
            line += f"  | join {s.join_psnr:.1f} dB"
        print(line)
    if report.alignment is not None:
        print(f"  film alignment {report.alignment:.0%}")
    if report.warning:
        print(f"  note: {report.warning}")
    return EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    from engine.train.common import load_config

    overrides = dict(item.split("=", 1) for item in args.set)
    config_path = args.config or Path(__file__).resolve().parent.parent / "engine" / "configs" / f"{args.model}.yaml"
    cfg = load_config(config_path, overrides)
    if args.model == "autoencoder":
        from engine.train import autoencoder as trainer
    elif args.model == "v2a":
        from engine.train import v2a as trainer
    else:
        from engine.train import dit as trainer
    run = args.run or args.model
    if not args.export_only:
        trainer.train(cfg, run, steps=args.steps, init_from=args.init_from)
    if args.export:
        trainer.export(cfg, run, Path(args.export))
    return EXIT_OK


CACHE_NAMES = ("ncr", "first-block", "taylorseer", "magcache", "pab", "faster", "sea", "off")


def _engine_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="DIR", help="a diffusers Wan or LTX-Video pipeline folder to render with "
                        "(default: REELWRIGHT_MODEL_DIR, the settings file, else the built-in world model)")
    parser.add_argument("--offload", choices=["none", "model", "group", "sequential"],
                        help="with --model on a GPU: keep weights on the CPU until needed (less GPU memory, slower)")
    parser.add_argument("--size", type=_size, metavar="WxH",
                        help="with --model: render at this size (default: the model's native size)")
    parser.add_argument("--weights", help="the built-in model's weights folder (default: the shipped model)")
    # The names are engine.caches.CACHES's, written out so that parsing imports no torch (a test keeps them equal).
    parser.add_argument("--cache", choices=CACHE_NAMES, default="ncr",
                        help="how sampling saves compute: ncr (noise-aware compute redistribution, the default), one "
                        "of diffusers' caches, or off")
    parser.add_argument("--cache-threshold", type=float, metavar="X", help="the chosen diffusers cache's main "
                        "setting (first-block, magcache, sea: threshold; taylorseer: cache interval; pab, faster: "
                        "attention skip range); default: diffusers'")
    parser.add_argument("--ncr", choices=["on", "off"], default="on", help="--ncr off is --cache off")


def _cluster_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cluster", metavar="ADDRESS", help="render the shots on a Ray cluster: 'local' starts one "
                        "here, else HOST:PORT, ray://HOST:PORT or 'auto' (default: RAY_ADDRESS, else this process; "
                        "needs pip install -e '.[cluster]')")
    parser.add_argument("--workers", type=_whole(1, 4096), help="with --cluster: workers to start, each holding one "
                        "loaded engine (default: one per GPU, else one per --worker-cpus CPUs)")
    parser.add_argument("--worker-cpus", type=_whole(1, 1024), help="with --cluster: CPUs each worker holds "
                        "(default: 1 for the built-in model, a whole machine's for a real model without a GPU)")
    parser.add_argument("--worker-start-seconds", type=_whole(1, 86400), metavar="S", help="with --cluster: a worker "
                        "not up S seconds after it was started (no room for it, or its model never loads) is given "
                        "up and its shot fails in one line (default: 900)")


class _OneLineParser(argparse.ArgumentParser):
    """A wrong flag is one line naming it and where to look, exit 2 (argparse's default is usage plus error)."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"reelwright: {message} (see `{self.prog} --help`)\n")


def _whole(low: int, high: int | None = None):
    """argparse type: a whole number in [low, high], the flag named in the message."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{text} is out of range: use {low} to {high}" if high is not None
                                             else f"{text} is too small: use {low} or more")
        return value

    return parse


def _finite(low: float, high: float):
    """argparse type: a finite number in [low, high]."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:  # also false for nan
            raise argparse.ArgumentTypeError(f"{text} is out of range: use {low:g} to {high:g}")
        return value

    return parse


SEED = _whole(0, 2**63 - 1)


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="reelwright", description="Make short films from words, on your own machine.")
    parser.add_argument("--debug", action="store_true", help="show the traceback of a failure")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    _world_command(sub)
    _evaluate_command(sub)
    _generate_command(sub)
    _sound_command(sub)
    _film_command(sub, "make", "plan, render and cut a film from one request (no questions asked)", cmd_make)
    _film_command(sub, "render", "render a storyboard YAML file to a film (no language model)", cmd_render)
    _film_command(sub, "run", "play a scripted conversation (YAML list of turns) and make its film", cmd_run)
    _film_command(sub, "batch", "render many storyboard files, a film folder each, sharing the engine", cmd_batch)
    _edit_command(sub)
    _chat_command(sub)
    _score_command(sub)
    _train_command(sub)
    return parser


def _world_command(sub) -> None:
    world = sub.add_parser("world", help="render clips of the built-in training world (with sound) to mp4")
    world.add_argument("--demo", metavar="OUTDIR", help="render a showcase of the world into OUTDIR")
    world.add_argument("--out", default="world", help="folder for a single clip (default: ./world)")
    world.add_argument("--shape", default="ball")
    world.add_argument("--colour", "--color", dest="colour", default="red")
    world.add_argument("--scene", default="meadow")
    world.add_argument("--motion", default="bounces")
    world.add_argument("--camera", default="static")
    world.add_argument("--seed", type=SEED, default=0)
    world.add_argument("--frames", type=_whole(1, 2400), default=16)
    world.add_argument("--size", type=int, default=64, help="side in pixels (the video is upscaled to ~256)")
    world.add_argument("--json", action="store_true", help="print machine-readable output")
    world.set_defaults(func=cmd_world)


def _evaluate_command(sub) -> None:
    evaluate = sub.add_parser("evaluate", help="read subject, scene, motion, camera and sound onsets from a video")
    evaluate.add_argument("video", help="any video file (mp4, mov, webm, ...)")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(func=cmd_evaluate)


def _generate_command(sub) -> None:
    gen = sub.add_parser("generate", help="draw one clip with the built-in model or a real one (--model DIR)")
    gen.add_argument("prompt", help='what to draw, e.g. "a red ball bounces in a meadow"')
    gen.add_argument("--out", default="clip.mp4", help="mp4 to write (default: clip.mp4)")
    gen.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    gen.add_argument("--mode", choices=["t2v", "i2v", "v2v", "extend"], default="t2v")
    gen.add_argument("--image", help="start image for i2v")
    gen.add_argument("--video", help="source video for v2v and extend")
    gen.add_argument("--strength", type=float, default=0.6, help="v2v: how much to change, in (0, 1]")
    gen.add_argument("--seed", type=SEED, default=0)
    gen.add_argument("--frames", type=int, help="frames at the model's own rate, for extend the ones "
                     "continued from included (default: two new seconds)")
    gen.add_argument("--steps", type=_whole(1, 200),
                     help="denoising steps (default: the model's; 16 for the built-in one)")
    gen.add_argument("--guidance", type=_finite(1.0, 15.0), help="classifier-free guidance (default: the model's)")
    gen.add_argument("--scale", type=_whole(1, 16),
                     help="pixel enlargement of the written video (default: to about 256 px)")
    _engine_arguments(gen)
    # NCR's fine settings default to NCRConfig's (chosen by benchmarks/ncr.py), filled in after parsing so that
    # parsing imports no torch.
    gen.add_argument("--ncr-tokens", type=float, help="share of noisy tokens recomputed on partial steps (1 = all)")
    gen.add_argument("--ncr-refresh", type=int, help="a full step every N steps")
    gen.add_argument("--ncr-skip-below", type=float, help="skip the middle blocks below this noise level (0 = never)")
    gen.add_argument("--ncr-reuse-below", type=float,
                     help="below this noise level most steps reuse the model's last result (0 = never)")
    gen.add_argument("--ncr-reuse-every", type=int, help="... and only every Nth step there runs the model")
    gen.add_argument("--ncr-reuse-snr", type=float,
                     help="... or, noise-aware, a step runs once log-SNR has moved this far (e.g. 1.75; 0 = every Nth)")
    gen.add_argument("--ncr-reused", choices=["output", "residual"],
                     help="what the steps between reuse: the blocks' residual under the current embedding and "
                          "output layer (default), or the model's whole last output (faster; best on dense schedules)")
    gen.add_argument("--camera-guidance", choices=["on", "off"], default="on",
                     help="keep the background on one scene the asked-for camera move pans across or zooms into")
    gen.add_argument("--audio", action="store_true", help="add sound made from the picture (V2A)")
    gen.add_argument("--json", action="store_true", help="print settings and timings as JSON")
    gen.set_defaults(func=cmd_generate)


def _sound_command(sub) -> None:
    snd = sub.add_parser("sound", help="give any video synchronized sound made from its picture (V2A)")
    snd.add_argument("video", help="a video file (mp4, mov, webm, ...); it is not changed")
    snd.add_argument("--out", help="mp4 to write (default: VIDEO.sound.mp4 beside it)")
    snd.add_argument("--seed", type=SEED, default=0)
    snd.add_argument("--fps", type=float, help="frame rate, for bare frames (.npy) only")
    snd.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    snd.add_argument("--json", action="store_true")
    snd.set_defaults(func=cmd_sound)


def _film_command(sub, name: str, helptext: str, func) -> None:
    """make, render, run and batch: what they start from differs; how a film is made and cut does not."""
    film = sub.add_parser(name, help=helptext)
    if name == "make":
        film.add_argument("request", help='e.g. "a red ball bounces on the beach, then it rolls right"')
    elif name == "render":
        film.add_argument("storyboard", help="storyboard YAML file")
    elif name == "batch":
        film.add_argument("storyboards", nargs="+", metavar="STORYBOARD", help="storyboard YAML files")
    else:
        film.add_argument("conversation", help="YAML file with 'turns:', a list of sentences")
    if name == "batch":
        film.add_argument("--out", required=True, help="folder that gets one film folder per storyboard, named "
                          "after its file")
    else:
        film.add_argument("--out", help="film folder (default: a new folder under ./films/)")
    film.add_argument("--takes", type=_whole(1, 10), default=3,
                      help="most takes per shot at the consistency gate")
    film.add_argument("--steps", type=_whole(1, 200),
                      help="denoising steps (default: the model's; 16 for the built-in one)")
    _engine_arguments(film)
    _cluster_arguments(film)
    film.add_argument("--force", action="store_true", help="use an --out folder that holds other files, or "
                      "another film (kept under versions/)")
    film.add_argument("--music", metavar="FILE", help="an audio file under the film, ducked under the shots' sound")
    film.add_argument("--no-beat-snap", action="store_true", help="with --music: keep shot lengths as rendered")
    film.add_argument("--title-card", action="store_true", help="open with a card showing the film's title")
    film.add_argument("--captions", action="store_true", help="burn each shot's prompt into the film")
    film.add_argument("--no-sound", action="store_true", help="skip V2A: a silent film (or music only)")
    film.add_argument("--yes", action="store_true", help="make a film longer than two minutes without asking")
    film.add_argument("--json", action="store_true")
    film.set_defaults(func=func)


def _edit_command(sub) -> None:
    edit = sub.add_parser("edit", help="change a finished film: only the shots the change touches are rendered "
                          "again, and the folder is re-cut (the previous cut is kept as film.vN.mp4)")
    edit.add_argument("film", help="the film's folder")
    edit.add_argument("change", help='e.g. "make the first shot green", "swap shots 1 and 2", "undo"')
    _engine_arguments(edit)
    edit.add_argument("--json", action="store_true")
    edit.set_defaults(func=cmd_edit)


def _chat_command(sub) -> None:
    chat = sub.add_parser("chat", help="open the conversational terminal UI")
    chat.add_argument("--films", default="films", help="where film folders go (default: ./films)")
    _engine_arguments(chat)
    chat.set_defaults(func=cmd_chat)


def _score_command(sub) -> None:
    score = sub.add_parser("score", help="score a film per shot (alignment, continuity, sound onsets)")
    score.add_argument("film", help="a film (ours or any mp4)")
    score.add_argument("--storyboard", help="the storyboard it was made from (storyboard.yaml)")
    score.add_argument("--json", action="store_true")
    score.set_defaults(func=cmd_score)


def _train_command(sub) -> None:
    train = sub.add_parser("train", help="train the engine's models on the world (resumable)")
    train.add_argument("model", choices=["autoencoder", "dit", "v2a"])
    train.add_argument("--config", help="YAML config (default: engine/configs/MODEL.yaml)")
    train.add_argument("--run", help="run name under ~/.cache/reelwright/runs (default: the model name)")
    train.add_argument("--steps", type=int, help="stop at this step (default: the config's steps)")
    train.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="override config values")
    train.add_argument("--export", metavar="DIR", help="after training, write save_pretrained weights to DIR")
    train.add_argument("--init-from", metavar="DIR", help="start a new run from these weights (e.g. engine/weights)")
    train.add_argument("--export-only", action="store_true", help="skip training, only export")
    train.set_defaults(func=cmd_train)


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a wrong flag (2, already said in one line)
        return int(exc.code or 0)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return _fail(130, "interrupted; finished files are kept, and running the same command again resumes")
    except Exception as exc:
        if args.debug:
            raise
        return _fail(*_failure(exc))


def _raised(exc: BaseException, module: str, name: str) -> bool:
    """``exc`` is ``module.name`` (looked up only if the module was imported: then it cannot be one otherwise).
    main imports nothing heavy, so `chat` puts its screen up at once and --help needs no torch."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(exc, getattr(loaded, name))


def _failure(exc: Exception) -> tuple[int, str]:
    """The exit code and the one line for a command's failure."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, PermissionError):
        return EXIT_OUTPUT, str(exc)
    # Bad input: the readers' own errors are ValueErrors; a media file that cannot be read is a MediaError.
    if isinstance(exc, (FileNotFoundError, FileExistsError, ValueError)) or _raised(exc, "engine.media", "MediaError"):
        return EXIT_BAD_INPUT, first
    if _raised(exc, "agent.film", "FilmIncomplete"):  # a shot whose cluster worker died on every try
        return EXIT_FAILURE, first
    # A bug or an environment fault: one line, the traceback only when asked for.
    return EXIT_FAILURE, (f"unexpected failure ({type(exc).__name__}: {first[:200]}); finished files are kept; "
                          f"run again with --debug for the details")

if __name__ == "__main__":
    sys.exit(main())
