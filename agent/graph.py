"""The director: a LangGraph graph that plans, asks for approval, renders with a consistency gate, answers.

    plan -> review (interrupt) -> render (one Send per run of chained shots) -> sound -> answer

A run is a shot and the shots that continue it (image-to-video from its last frame, or extend): a run's
shots render in order, each as soon as the one it continues is done, and the runs render at once (on a
cluster, each on its own worker). Each take is scored by the evaluator against the shot and the continuity ledger;
a failing take is retaken with a new seed up to ``max_takes`` times, and every take's scores are kept.
Every chosen take then gets V2A sound made from its picture. The graph is checkpointed (SQLite), and
shots and sounds are cached on disk by the hash of their inputs, so a session killed mid-render resumes
without rendering a finished shot again.
"""

from __future__ import annotations

import time
from typing import Annotated, TypedDict

import numpy as np
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, Send, interrupt
from pydantic import BaseModel, Field

from agent.edits import EditError, apply_edit
from agent.events import ShotFailed, ShotSounded, StepDrawn, TakeScored
from agent.free_text_planner import asks_for_movement
from agent.llm import offline_planner_for
from agent.offline_planner import OfflinePlanner, PlannerError
from agent.storyboard import (
    Shot,
    Storyboard,
    StoryboardError,
    Take,
    best_take,
    check_for_engine,
    keep_first_shots,
    shots_phrase,
)
from engine.backends.base import Capabilities
from engine.eval.pixels import check_pixels
from engine.eval.video import read_clip
from tools import ImageToVideoArgs, SamplingSettings, ShotAttributes, TextToVideoArgs, ToolError
from tools.common import RenderCancelled, ShotLost, ShotResult, VideoEngine
from tools.cut import CutOptions
from tools.extend import ExtendArgs, extend_video
from tools.i2v import image_to_video
from tools.t2v import text_to_video
from tools.v2a import SoundArgs, SoundEngine, sound_engine_for
from tools.v2v import VideoToVideoArgs, video_to_video

GATED_AXES = ("colour", "shape", "scene", "motion")  # a take must get these right to pass
UNDO_WORDS = {"undo", "/undo", "undo that", "go back", "revert"}
APPROVE_WORDS = {"yes", "y", "ok", "okay", "approve", "approved", "go", "render", "looks good", "lgtm", "do it"}


LONG_FILM_SECONDS = 120.0  # a longer film is made only once the person has said so (--yes, or yes at review)


class DirectorSettings(BaseModel):
    auto_approve: bool = False
    long_film_ok: bool = Field(False, description="make a film longer than LONG_FILM_SECONDS without asking")
    max_takes: int = Field(3, ge=1, le=10)
    steps: int | None = Field(None, ge=1, le=200, description="None: the engine's default")
    guidance: float | None = Field(None, ge=1.0, le=15.0, allow_inf_nan=False, description="None: the engine's")
    sound: bool = Field(True, description="give every shot V2A sound made from its picture")
    cut: CutOptions = Field(default_factory=CutOptions)


def _merge_takes(old: dict, new: dict) -> dict:
    merged = dict(old or {})
    merged.update(new or {})
    return merged


def _append(old: list, new: list) -> list:
    return (old or []) + (new or [])


def _merge_or_clear(old: dict, new: dict | None) -> dict:
    return {} if new is None else {**(old or {}), **new}


class DirectorState(TypedDict, total=False):
    request: str
    storyboard: dict  # Storyboard.model_dump(): plain data, so checkpoints stay portable
    approved: bool
    takes: Annotated[dict[str, list[dict]], _merge_takes]  # shot id -> takes, newest last
    messages: Annotated[list[dict], _append]  # {"role": "assistant"|"user", "content": str}
    failures: Annotated[dict[str, str], _merge_or_clear]  # shot id -> why it has no take (its worker died)
    sounds: dict[str, dict]  # shot id -> SoundResult.model_dump() for its chosen take
    history: list[dict]  # storyboards before each change at review, newest last ("undo" pops one)
    edits: list[dict]  # changes to the finished film, newest last: {request, storyboard before, takes before}
    script_turns: int  # how many of a scripted conversation's turns have been played (reruns skip them)
    error: str


def score_take(frames, shot: Shot, caps: Capabilities, previous_frame=None) -> tuple[dict[str, float], dict[str, str],
                                                                                     bool]:
    """A take against its shot. The built-in model's takes are read by the world evaluator (its attributes
    must match the shot's); any engine's are held to the pixel checks (not blank, not frozen, no flicker,
    moving when the shot asks for movement, a chained shot continuing its previous frame)."""
    if caps.family == "world":
        seen = read_clip(frames).attributes
        want = shot.attributes
        scores = {f"{axis}_ok": float(seen[axis] == want[axis]) for axis in want}
        scores["alignment"] = sum(scores.values()) / len(want)
        passed = all(seen[axis] == want[axis] for axis in GATED_AXES)
        return scores, seen, passed
    wants_motion = (shot.motion not in (None, "still")) or (shot.camera not in (None, "static")) or (
        asks_for_movement(shot.prompt))
    report = check_pixels(frames, wants_motion, previous_frame)
    scores = {f"{name}_ok": float(ok) for name, ok in report.checks.items()}
    scores["checks"] = report.score
    scores["change"] = report.mean_change
    if report.join_psnr is not None:
        scores["join_psnr"] = min(report.join_psnr, 99.0)
    return scores, {}, report.passed


def render_with_tool(shot: Shot, previous: Take | None, seed: int, settings: DirectorSettings,
                     engine: VideoEngine, progress) -> ShotResult:
    """One take of a shot through the tool for its mode; ``previous`` is the take a chained shot continues."""
    caps = engine.capabilities
    frames = caps.extend_frames(shot.duration) if shot.mode == "extend" else caps.frames_for(shot.duration)
    sampling = SamplingSettings(frames=frames, steps=settings.steps, guidance=settings.guidance, seed=seed)
    attrs = ShotAttributes(**{k: v for k, v in shot.attributes.items() if v is not None})
    chained = shot.source == "previous"
    if chained and previous is None:
        raise ToolError(f"shot {shot.id} continues the previous shot, which has no rendered take")
    if shot.mode == "t2v":
        return text_to_video(TextToVideoArgs(prompt=shot.prompt, attributes=attrs, settings=sampling), engine,
                             progress)
    if shot.mode == "i2v":
        image = previous.last_frame_path if chained else shot.source
        return image_to_video(ImageToVideoArgs(prompt=shot.prompt, image_path=image, attributes=attrs,
                                               settings=sampling), engine, progress)
    video = previous.frames_path if chained else shot.source
    if shot.mode == "extend":
        return extend_video(ExtendArgs(prompt=shot.prompt, video_path=video, attributes=attrs, settings=sampling),
                            engine, progress)
    return video_to_video(VideoToVideoArgs(prompt=shot.prompt, video_path=video, strength=shot.strength,
                                           attributes=attrs, settings=sampling), engine, progress)


def storyboard_summary(board: Storyboard) -> str:
    lines = [f"**{board.title}**: {shots_phrase(len(board.shots))}, {board.duration:g} s"]
    for i, s in enumerate(board.shots, 1):
        how = "continues the previous shot" if s.source == "previous" else s.mode
        lines.append(f"{i}. {s.prompt} ({s.duration:g} s, {how})")
    lines += [f"- {note}" for note in board.notes]
    return "\n".join(lines)


def build_director(engine: VideoEngine, settings: DirectorSettings | None = None,
                   planner: OfflinePlanner | None = None, checkpointer=None, sound: SoundEngine | None = None):
    """The director graph: plan -> review (the person approves or changes the storyboard) -> render the runs of
    shots, in parallel where they do not continue each other, each until a take passes the gate -> sound ->
    answer. State is checkpointed after every node, so a stopped film carries on where it was."""
    director = _Director(engine, settings or DirectorSettings(), planner or offline_planner_for(engine.capabilities),
                         sound or sound_engine_for(engine))
    graph = StateGraph(DirectorState)
    graph.add_node("plan", director.plan)
    graph.add_node("review", director.review)
    graph.add_node("dispatch", director.dispatch)
    graph.add_node("render_run", director.render_run)
    graph.add_node("collect", director.collect)
    graph.add_node("sound", director.sound)
    graph.add_node("answer", director.answer)
    graph.add_edge(START, "plan")
    graph.add_conditional_edges("plan", director.after_plan, ["review", END])
    graph.add_conditional_edges("dispatch", director.ready_runs, ["render_run", "sound"])
    graph.add_edge("render_run", "collect")
    graph.add_conditional_edges("collect", director.ready_runs, ["render_run", "sound"])
    graph.add_edge("sound", "answer")
    graph.add_edge("answer", END)
    return graph.compile(checkpointer=checkpointer)


class _Director:
    """The director graph's nodes, each a method reading the state and returning its update."""

    def __init__(self, engine: VideoEngine, settings: DirectorSettings, planner: OfflinePlanner,
                 sounder: SoundEngine):
        self.engine, self.settings, self.planner, self.sounder = engine, settings, planner, sounder

    def plan(self, state: DirectorState) -> dict:
        try:
            if state.get("storyboard"):  # a storyboard given directly (a file) needs no planning, only a check
                check_for_engine(Storyboard.model_validate(state["storyboard"]), self.engine.capabilities)
                return {"error": ""}  # a refusal from an earlier run (a long film without --yes) is not this one
            board = keep_first_shots(self.planner.plan(state["request"]))
        except (PlannerError, StoryboardError) as exc:
            return {"error": str(exc), "messages": [{"role": "assistant", "content": str(exc)}]}
        return {"storyboard": board.model_dump(), "error": "",
                "messages": [{"role": "assistant", "content": storyboard_summary(board)}]}

    def after_plan(self, state: DirectorState) -> str:
        return END if state.get("error") else "review"

    # -- review: the person approves the storyboard, changes it, or undoes a change ---------------------------
    def review(self, state: DirectorState) -> Command:
        if state.get("approved"):
            return Command(goto="dispatch", update={"approved": True})
        board = Storyboard.model_validate(state["storyboard"])
        long_film = board.duration > LONG_FILM_SECONDS and not self.settings.long_film_ok
        if self.settings.auto_approve:
            if long_film:  # nobody is asked at review here: a long film needs the person's word up front
                reply = (f"This film would run {board.duration:g} s ({shots_phrase(len(board.shots))}), more than "
                         f"{LONG_FILM_SECONDS:g} s: pass --yes to make it, or ask for fewer or shorter shots")
                return Command(goto=END, update={"error": reply, "messages": [{"role": "assistant",
                                                                               "content": reply}]})
            return Command(goto="dispatch", update={"approved": True})
        question = "Render this storyboard? Answer yes, or describe a change."
        if long_film:
            question = (f"This film would run {board.duration:g} s, more than {LONG_FILM_SECONDS:g} s, and take a "
                        f"while to render. Render it anyway? Answer yes, or describe a change.")
        text = str(interrupt({"question": question, "storyboard": board.model_dump(),
                              "summary": storyboard_summary(board)})).strip()
        said = [{"role": "user", "content": text}]
        if text.lower().strip(" .!") in APPROVE_WORDS:
            return Command(goto="dispatch", update={"approved": True, "messages": said})
        history = list(state.get("history") or [])
        if text.lower().strip(" .!") in UNDO_WORDS:
            reply, update = self._undo(history)
        else:
            reply, update = self._change(board, text, history)
        return Command(goto="review", update={**update, "messages": [*said, {"role": "assistant", "content": reply}]})

    def _undo(self, history: list[dict]) -> tuple[str, dict]:
        if not history:
            return "Nothing to undo: the storyboard is as first planned.", {}
        previous = Storyboard.model_validate(history.pop())
        return ("Undone: back to the storyboard before the last change.\n\n" + storyboard_summary(previous),
                {"storyboard": previous.model_dump(), "history": history})

    def _change(self, board: Storyboard, text: str, history: list[dict]) -> tuple[str, dict]:
        try:
            outcome = apply_edit(board, text, self.planner, self.engine.capabilities)
        except (EditError, ValueError) as exc:
            return str(exc), {}
        return (outcome.message + "\n\n" + storyboard_summary(outcome.board),
                {"storyboard": outcome.board.model_dump(), "history": [*history, board.model_dump()]})

    # -- rendering: runs of shots that continue each other, in parallel ---------------------------------------
    def dispatch(self, state: DirectorState) -> dict:
        return {"failures": None}  # a shot that failed last time is tried again

    def collect(self, state: DirectorState) -> dict:
        return {}

    def ready_runs(self, state: DirectorState):
        board = Storyboard.model_validate(state["storyboard"])
        done = state.get("takes") or {}
        failed = state.get("failures") or {}
        sends = []
        for run in shot_runs(board):
            missing = [shot for shot in run if not done.get(shot.id)]  # an emptied take list means "render again"
            if not missing or missing[0].id in failed:
                continue
            sends.append(Send("render_run", {"shots": [shot.model_dump() for shot in run],
                                             "done": {shot.id: done[shot.id] for shot in run if done.get(shot.id)}}))
        return sends or ["sound"]

    def render_run(self, task: dict) -> dict:
        """A run's shots in order; a shot already done is only the start of the next one."""
        write = get_stream_writer()
        takes: dict[str, list[dict]] = {}
        failures: dict[str, str] = {}
        previous: Take | None = None
        for data in task["shots"]:
            shot = Shot.model_validate(data)
            if failures:  # the shot it continues has no take
                failures[shot.id] = f"continues shot {next(iter(failures))}, which failed"
                continue
            shot_takes = task["done"].get(shot.id)
            if not shot_takes:
                try:
                    shot_takes = self._render_takes(shot, previous, write)
                except ShotLost as exc:
                    failures[shot.id] = str(exc)
                    write(ShotFailed(shot=shot.id, error=str(exc)))
                    continue
                takes[shot.id] = shot_takes
            previous = _best(shot_takes)
        return {"takes": takes, "failures": failures}

    def _render_takes(self, shot: Shot, previous: Take | None, write) -> list[dict]:
        """Takes of one shot until one passes the gate (at most max_takes)."""
        takes: list[dict] = []
        for attempt in range(self.settings.max_takes):
            seed = shot.seed + 7919 * attempt

            def progress(info, attempt=attempt):
                write(StepDrawn(shot=shot.id, take=attempt + 1, step=info.step, steps=info.total,
                                compute=info.compute_fraction))

            started = time.perf_counter()
            try:
                result = render_with_tool(shot, previous, seed, self.settings, self.engine, progress)
            except (ShotLost, RenderCancelled):
                raise
            except ToolError as exc:
                # Not a take: the run stops here, saying why, and the next run renders this shot again (a
                # failure recorded as a result would leave the folder stuck on it).
                write(ShotFailed(shot=shot.id, error=str(exc)))
                raise ToolError(f"shot {shot.id}: {exc}") from None
            frames = result.frames()
            previous_frame = np.load(previous.frames_path)[-1] if previous and shot.mode != "v2v" else None
            scores, seen, passed = score_take(frames, shot, self.engine.capabilities, previous_frame)
            take = Take(seed=seed, key=result.key, frames_path=result.frames_path, video_path=result.video_path,
                        last_frame_path=result.last_frame_path, scores=scores, seen=seen, passed=passed,
                        seconds=time.perf_counter() - started, fps=result.fps, cached=result.cached)
            takes.append(take.model_dump())
            write(TakeScored(shot=shot.id, take=attempt + 1, passed=passed, score=take.rank,
                             scored_by=take.scored_by, cached=result.cached))
            if passed:
                break
        return takes

    def sound(self, state: DirectorState) -> dict:
        """V2A sound for each shot's chosen take (cached by its frames, so only new takes cost anything)."""
        if not self.settings.sound:
            return {"sounds": {}}
        board = Storyboard.model_validate(state["storyboard"])
        takes = state.get("takes") or {}
        write = get_stream_writer()
        sounds = {}
        for shot in board.shots:
            best = _best(takes.get(shot.id, []))
            if best is None or not best.frames_path:
                continue
            try:
                result = self.sounder.sound_for(SoundArgs(frames_path=best.frames_path, fps=best.fps, seed=shot.seed))
            except (ToolError, OSError, ValueError) as exc:  # a shot without sound is still a shot: say so
                write(ShotFailed(shot=shot.id, error=f"no sound: {str(exc).splitlines()[0]}"))
                continue
            sounds[shot.id] = result.model_dump()
            write(ShotSounded(shot=shot.id, onsets=len(result.onsets), cached=result.cached))
        return {"sounds": sounds}

    def answer(self, state: DirectorState) -> dict:
        board = Storyboard.model_validate(state["storyboard"])
        takes = state.get("takes") or {}
        lines = [f"Rendered {shots_phrase(len(board.shots))}:"]
        for i, shot in enumerate(board.shots, 1):
            shot_takes = takes.get(shot.id, [])
            best = _best(shot_takes)
            verdict = "passed" if best and best.passed else "best take kept, below the gate"
            if best and best.scored_by == "pixel checks":
                verdict += " (pixel checks only: no reader of content for this engine)"
            scores = ", ".join(f"{Take.model_validate(t).rank:.0%}" for t in shot_takes)
            if shot.id in (state.get("failures") or {}):
                verdict = f"not rendered: {state['failures'][shot.id]}"
            lines.append(f"{i}. {shot.prompt}: {len(shot_takes)} take(s) [{scores}], {verdict}")
        return {"messages": [{"role": "assistant", "content": "\n".join(lines)}]}


def shot_runs(board: Storyboard) -> list[list[Shot]]:
    """The storyboard cut into runs: a shot and the shots after it that continue it."""
    runs: list[list[Shot]] = []
    for shot in board.shots:
        if shot.source == "previous" and runs:
            runs[-1].append(shot)
        else:
            runs.append([shot])
    return runs


def _best(takes: list[dict]) -> Take | None:
    return best_take([Take.model_validate(t) for t in takes])
