"""One request (or storyboard) to a film folder: the director graph run to the end, then the cut.

The folder holds ``film.mp4``, each shot as ``shots/NN_<id>.mp4``, ``storyboard.yaml``, ``report.json``
and ``session.sqlite`` (the graph's checkpoints: running the same command again resumes, and renders
nothing that is already finished).
"""

from __future__ import annotations

import platform
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np
from langgraph.checkpoint.sqlite import SqliteSaver
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.events import FilmEvent, Note
from agent.film_folder import claim_folder, film_identity, film_lock
from agent.graph import APPROVE_WORDS, DirectorSettings, build_director
from agent.llm import make_planner
from agent.offline_planner import read_shot_prompts
from agent.storyboard import (
    Storyboard,
    StoryboardError,
    Take,
    check_for_engine,
    nearest_field,
    read_text_file,
    save_storyboard,
)
from engine.media import MediaError, probe
from tools.common import ToolError, VideoEngine, read_image_file
from tools.cut import CutShot, assemble, cut_film, running_time
from tools.film_report import FilmReport, ScriptTurn, ShotReport, ShotSound, TakeReport
from tools.pages import contact_sheet, gif_preview, storyboard_page


def film_folder(request: str, root: Path = Path("films")) -> Path:
    slug = "-".join(re.findall(r"[a-z0-9]+", request.lower())[:6]) or "film"
    return root / f"{datetime.now():%Y%m%d-%H%M%S}-{slug}"


FILM_THREAD = {"configurable": {"thread_id": "film"}}  # one director session per film folder


@contextmanager
def director_session(out_dir: Path, engine: VideoEngine, settings: DirectorSettings):
    """The director graph checkpointed in the film folder's ``session.sqlite``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(out_dir / "session.sqlite"), check_same_thread=False)
    try:
        yield build_director(engine, settings, planner=make_planner(capabilities=engine.capabilities),
                             checkpointer=SqliteSaver(conn))
    finally:
        conn.close()


def _stream(app, inputs, on_event) -> None:
    for kind, event in app.stream(inputs, FILM_THREAD, stream_mode=["updates", "custom"]):
        if on_event is not None:
            on_event(kind, event)


class PlanRefused(ValueError):
    """The request or storyboard could not be planned: nothing was rendered."""


class FilmIncomplete(RuntimeError):
    """A shot could not be rendered (its cluster worker died on every try); every other shot is kept, and
    running the same command again renders only what is missing."""


def _note(on_event):
    return None if on_event is None else (lambda text: on_event("custom", Note(text=text)))


@contextmanager
def _own_folder(out_dir: Path, engine: VideoEngine, kind: str, content, force: bool, on_event,
                discard_if_refused: bool = False):
    """The folder locked for this run and claimed for this film (film_folder's rules). A folder this run
    made is removed again, still under the lock, when nothing could be planned into it."""
    with film_lock(out_dir, _note(on_event)):
        moved = claim_folder(out_dir, film_identity(kind, content, f"{engine.capabilities.name}|{engine.size}"),
                             force)
        if moved and on_event is not None:
            _note(on_event)(moved)
        try:
            yield
        except PlanRefused:
            if discard_if_refused:
                shutil.rmtree(out_dir, ignore_errors=True)
            raise


def make_film(out_dir: Path, engine: VideoEngine, request: str | None = None, storyboard: Storyboard | None = None,
              settings: DirectorSettings | None = None, on_event: Callable[[str, dict | FilmEvent], None] | None = None,
              force: bool = False, discard_if_refused: bool = False) -> FilmReport:
    """Plan (unless a storyboard is given), render and cut. Returns the report (also written as JSON).
    ``force``: make it in a folder that holds another film (kept under versions/) or other files."""
    settings = (settings or DirectorSettings()).model_copy(update={"auto_approve": True})
    started = time.perf_counter()
    content = storyboard.model_dump() if storyboard is not None else request
    with _own_folder(out_dir, engine, "storyboard" if storyboard is not None else "request", content, force,
                     on_event, discard_if_refused):
        with director_session(out_dir, engine, settings) as app:
            pending = app.get_state(FILM_THREAD).next  # a killed run: carry on from its checkpoint
            initial = None if pending else {"request": request or "", **(
                {"storyboard": storyboard.model_dump()} if storyboard is not None else {})}
            _stream(app, initial, on_event)
            values = app.get_state(FILM_THREAD).values
        if values.get("error"):
            raise PlanRefused(values["error"])
        return write_film(out_dir, values, engine, settings, request, started)


def write_film(out_dir: Path, values: dict, engine: VideoEngine, settings: DirectorSettings,
               request: str | None, started: float | None) -> FilmReport:
    """Shots, the cut, the storyboard and the report from a finished director session's state.

    The folder stands alone: the report and storyboard.yaml name its files relative to it (film.mp4,
    shots/01_s1.mp4), never the shot cache, so it can be moved or shared as it is. ``started``: when making
    it began (perf_counter), for the report's "seconds"; None when unknown."""
    board = Storyboard.model_validate(values["storyboard"])
    takes = values.get("takes") or {}
    sounds = values.get("sounds") or {}
    for shot_id, why in (values.get("failures") or {}).items():
        number = next((i for i, shot in enumerate(board.shots, 1) if shot.id == shot_id), "?")
        raise FilmIncomplete(f"shot {number} ({shot_id}) was not rendered: {why}")
    shots_dir = out_dir / "shots"
    shots_dir.mkdir(exist_ok=True)
    cut, shot_reports = [], []
    for i, shot in enumerate(board.shots, 1):
        shot.takes = [Take.model_validate(t) for t in takes.get(shot.id, [])]
        best = shot.best_take()
        if best is None or not best.frames_path:
            raise RuntimeError(f"shot {shot.id} has no rendered take; run the command again to retry it")
        video = f"shots/{i:02d}_{shot.id}.mp4"
        shutil.copyfile(best.video_path, out_dir / video)
        sound = sounds.get(shot.id)
        frames = len(np.load(best.frames_path, mmap_mode="r"))
        cut.append(CutShot(frames_path=best.frames_path, fps=best.fps, transition=shot.transition,
                           audio_path=sound["audio_path"] if sound else None, caption=shot.prompt))
        shot_reports.append(ShotReport(
            id=shot.id, prompt=shot.prompt, attributes=shot.attributes, mode=shot.mode, source=shot.source,
            duration=shot.duration, transition=shot.transition,
            takes=[TakeReport.model_validate(t.model_dump()) for t in shot.takes], chosen_seed=best.seed,
            video=video, frames=frames, fps=best.fps, seconds=frames / best.fps,
            sound=None if sound is None else ShotSound.model_validate(sound)))
    # The folder is this film's own: a rerun (resume) rewrites its cut.
    cut_args = settings.cut.cut_args(cut, str(out_dir / "film.mp4"), board.title)
    film = cut_film(cut_args)
    save_storyboard(_within_folder(board), out_dir / "storyboard.yaml")
    report = FilmReport(
        film=film.name, title=board.title, request=request, notes=board.notes, length=running_time(cut_args),
        made=datetime.now().isoformat(timespec="seconds"), shots=shot_reports, ledger=board.ledger.model_dump(),
        settings=settings.model_dump(), engine=engine.settings_record,
        gate=("the evaluator's reading of shape, colour, scene and motion" if engine.capabilities.family == "world"
              else "pixel checks only (not blank, not frozen, no flicker, moving when asked, chained joins): "
                   "there is no offline reader of free-text content, so no alignment score is given"),
        versions={"reelwright": version("reelwright"), "torch": version("torch"),
                  "python": platform.python_version(), "weights": engine.weights_id},
        seconds=None if started is None else time.perf_counter() - started)
    report.write(out_dir)
    shot_frames = [np.load(c.frames_path) for c in cut]
    contact_sheet(shot_frames, out_dir / "contact_sheet.png", labels=[s.prompt for s in shot_reports])
    gif_preview(assemble(cut_args.model_copy(update={"height": 160})), out_dir / "preview.gif", cut_args.fps)
    storyboard_page(report, shot_frames, film, out_dir / "storyboard.html")
    return report


def check_storyboard(board: Storyboard, engine: VideoEngine, where: str = "") -> None:
    """A storyboard file against the engine: a shot the engine cannot draw is refused before any rendering.
    For the built-in model, a shot that gives only a prompt is read like any request ("a red ball bounces
    on the beach" is its shape, colour, place and motion)."""
    if engine.capabilities.family == "world":
        read_shot_prompts(board)
    check_for_engine(board, engine.capabilities, where)
    for i, shot in enumerate(board.shots, 1):  # a named picture or clip must be one, before anything renders
        if shot.source in (None, "previous"):
            continue
        try:
            if shot.mode == "i2v":
                read_image_file(shot.source)
            else:
                video = probe(shot.source)["video"]
                if video is None or video["codec"] in ("png", "mjpeg", "bmp", "gif", "webp"):
                    raise MediaError(f"{shot.source} is not a video: {shot.mode} continues or redraws a clip")
        except (ToolError, MediaError) as exc:
            raise StoryboardError(f"{where}shot {i} ({shot.id}): {exc}") from None


def _within_folder(board: Storyboard) -> Storyboard:
    """The storyboard as the folder keeps it: each shot's chosen take points at the folder's own copy
    (shots/NN_id.mp4); the shot cache's files are not named (they may be gone, or on another machine)."""
    board = board.model_copy(deep=True)
    for i, shot in enumerate(board.shots, 1):
        chosen = shot.best_take()
        shot.takes = [t.model_copy(update={"frames_path": "", "last_frame_path": "",
                                           "video_path": f"shots/{i:02d}_{shot.id}.mp4" if t is chosen else ""})
                      for t in shot.takes]
    return board


class Conversation(BaseModel):
    """A scripted conversation file: the request, then the answers to the director's questions."""

    model_config = ConfigDict(extra="forbid")
    turns: list[str] = Field(min_length=1)


def load_conversation(path: Path) -> Conversation:
    """A conversation YAML file (``turns:`` and a list of sentences), or a StoryboardError naming the problem."""
    import yaml

    text = read_text_file(path, "conversation", StoryboardError)
    try:
        data = yaml.load(text, Loader=yaml.BaseLoader)  # every turn stays text ("yes" is no bool)
    except yaml.YAMLError as exc:
        raise StoryboardError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None
    if isinstance(data, list):
        data = {"turns": data}
    if not isinstance(data, dict):
        raise StoryboardError(f"{path}: expected 'turns:' followed by a list of sentences")
    unknown = [k for k in data if k != "turns"]
    if unknown:
        hint = nearest_field(str(unknown[0]), ["turns"], cutoff=0.5) or "; a conversation has only 'turns:'"
        raise StoryboardError(f"{path}: unknown field '{unknown[0]}'{hint}")
    try:
        return Conversation.model_validate(data)
    except ValidationError:
        raise StoryboardError(f"{path}: expected 'turns:' followed by a list of sentences, the request "
                              f"first") from None


def run_conversation(out_dir: Path, engine: VideoEngine, turns: list[str],
                     settings: DirectorSettings | None = None,
                     on_event: Callable[[str, dict | FilmEvent], None] | None = None, force: bool = False,
                     discard_if_refused: bool = False) -> FilmReport:
    """Scripted turns: the first is the request, each later one answers the director's question, and the turns
    after the film is made are changes to it (agent.film_edit). A rerun applies only the turns not yet applied."""
    from langgraph.types import Command

    from agent.film_edit import FilmEditError, change_film

    if not turns:
        raise ValueError("the conversation has no turns: give at least the request")
    settings = (settings or DirectorSettings()).model_copy(update={"auto_approve": False})
    started = time.perf_counter()
    transcript = []
    # The request names the film; later turns may be added (an approval the first run lacked) and it resumes.
    with _own_folder(out_dir, engine, "conversation", turns[0], force, on_event, discard_if_refused):
        with director_session(out_dir, engine, settings) as app:
            made_at = len(turns)
            for i, turn in enumerate(turns):
                _stream(app, {"request": turn} if i == 0 else Command(resume=turn), on_event)
                state = app.get_state(FILM_THREAD)
                transcript.append(ScriptTurn(you=turn, director=(state.values.get("messages") or [{}])[-1]
                                             .get("content", "")))
                if not state.next:
                    made_at = i
                    break
            values = app.get_state(FILM_THREAD).values
            finished = not app.get_state(FILM_THREAD).next
            if values.get("error"):
                raise PlanRefused(values["error"])
            if not finished:
                raise ValueError("the conversation ended before the storyboard was approved: add a turn such as "
                                 "'yes'")
            report = write_film(out_dir, values, engine, settings, turns[0], started)
            # Turns already played by an earlier run of this script (the film may have been made at an earlier
            # turn then): only the ones after them are changes still to make.
            approval = next((i for i, t in enumerate(turns) if i and t.lower().strip(" .!") in APPROVE_WORDS), 0)
            played = max(values.get("script_turns") or 0, made_at + 1, approval + 1)
            if not values.get("script_turns"):
                app.update_state(FILM_THREAD, {"script_turns": played}, as_node="answer")
            for k in range(made_at + 1, len(turns)):
                turn = turns[k]
                if k < played:
                    transcript.append(ScriptTurn(you=turn, director="(made by an earlier run)"))
                    continue
                try:
                    report, edit = change_film(out_dir, app, engine, settings, turn, on_event,
                                               also={"script_turns": k + 1})
                except FilmEditError as exc:
                    raise ValueError(f"turn {k + 1} ({turn!r}): {exc}") from None
                said = f"{edit.message} {edit.summary([shot.id for shot in report.shots])}"
                transcript.append(ScriptTurn(you=turn, director=said))
    report.transcript = transcript
    report.write(out_dir)
    return report
