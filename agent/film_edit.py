"""Talking to a finished film: a change re-renders only the shots it touches and re-cuts the same folder.

    reelwright edit FILM_DIR "make the first shot green"      (also: chat, and later turns of a `run` script)
    reelwright edit FILM_DIR undo

The change is applied to the film's own storyboard, from its checkpoint. A shot is rendered again when
what it is made from changed (prompt, look, place, motion, camera, length, mode, source or seed), when it
is new, or when it continues a shot that is rendered again or now continues a different one; every other
shot keeps its takes, and a change to how shots join only re-cuts. The cut it replaces is kept as
``film.v1.mp4``, ``film.v2.mp4``, …, and ``undo`` brings back the storyboard and takes before the last
change (the cut it replaces is kept too: nothing made is lost).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from langgraph.types import StateSnapshot

from agent.edits import EditError, apply_edit
from agent.events import FilmEvent
from agent.film import FILM_THREAD, _note, _stream, director_session, write_film
from agent.film_folder import film_lock
from agent.graph import UNDO_WORDS, DirectorSettings
from agent.llm import offline_planner_for
from agent.storyboard import Shot, Storyboard, StoryboardError, check_for_engine
from tools.common import VideoEngine
from tools.film_report import FilmEdit, FilmReport

RENDER_INPUTS = ("prompt", "shape", "colour", "scene", "motion", "camera", "setting", "duration", "mode", "source",
                 "strength", "seed")  # what a shot is made from; the rest (transition, takes) only changes the cut


class FilmEditError(ValueError):
    """A change that cannot be made to this film; one line says what would work."""


def _change(was: Shot, now: Shot) -> str:
    """What changed in a shot's inputs, in words ('colour red -> green'), or ''."""
    parts = []
    for name in RENDER_INPUTS:
        before, after = getattr(was, name), getattr(now, name)
        if before == after:
            continue
        if name == "seed":
            parts.append("a new take")
        elif name == "prompt":
            parts.append("new prompt")
        else:
            parts.append(f"{name} {before or '-'} -> {after or '-'}")
    if len(parts) > 1 and "new prompt" in parts:  # the built-in model's prompt follows its attributes
        parts.remove("new prompt")
    return ", ".join(parts)


def rerender_plan(old: Storyboard, new: Storyboard, takes: dict[str, list]) -> dict[str, str]:
    """Shot id -> why it must be rendered again; shots not named keep their takes."""
    before = {shot.id: (i, shot) for i, shot in enumerate(old.shots)}
    why: dict[str, str] = {}
    for i, shot in enumerate(new.shots):
        if shot.id not in before or not takes.get(shot.id):
            why[shot.id] = "new shot" if shot.id not in before else "not rendered yet"
            continue
        j, was = before[shot.id]
        changed = _change(was, shot)
        if changed:
            why[shot.id] = changed
        elif shot.source == "previous":
            now_after = new.shots[i - 1].id
            was_after = old.shots[j - 1].id if j else None
            if now_after in why:
                why[shot.id] = f"continues shot {i}, which is rendered again"
            elif now_after != was_after:
                why[shot.id] = f"now continues shot {i}"
    return why


def _next_version(out_dir: Path) -> Path:
    n = 1
    while (out_dir / f"film.v{n}.mp4").exists():
        n += 1
    return out_dir / f"film.v{n}.mp4"


def keep_cut(out_dir: Path) -> str | None:
    """The current cut copied to the next free film.vN.mp4 (its name), before it is replaced."""
    film = out_dir / "film.mp4"
    if not film.exists():
        return None
    target = _next_version(out_dir)
    shutil.copy2(film, target)
    return target.name


def _finished(state: StateSnapshot, out_dir: Path, undo: bool) -> dict:
    values = state.values
    if not values.get("storyboard"):
        raise FilmEditError(f"{out_dir} holds no film yet: make one with `reelwright make` or `render`")
    if undo and values.get("edits"):
        return values  # a change whose render was stopped can be taken back too
    if state.next or not values.get("takes"):
        raise FilmEditError(f"the film in {out_dir} is not finished: run the command that made it again to finish "
                            f"it, then change it")
    return values


def change_film(out_dir: Path, app, engine: VideoEngine, settings: DirectorSettings, text: str,
                on_event: Callable[[str, dict | FilmEvent], None] | None = None, also: dict | None = None
                ) -> tuple[FilmReport, FilmEdit]:
    """Apply ``text`` to the finished film whose director session is ``app`` (the folder's lock held): render
    what the change touches, then cut. ``also``: more state to record with the change. Returns the report
    and what the change did."""
    started = time.perf_counter()
    undo = text.lower().strip(" .!") in UNDO_WORDS
    values = _finished(app.get_state(FILM_THREAD), out_dir, undo)
    board = Storyboard.model_validate(values["storyboard"])
    takes = values.get("takes") or {}
    edits = list(values.get("edits") or [])
    if undo:
        if not edits:
            raise FilmEditError("nothing to undo: the film is as first made")
        last = edits.pop()
        new = Storyboard.model_validate(last["storyboard"])
        again: dict[str, str] = {}  # the takes from before come back: nothing is rendered
        update = {"storyboard": last["storyboard"], "takes": last["takes"], "edits": edits}
        message = f"Undone: back to before \"{last['request']}\"."
    else:
        try:
            outcome = apply_edit(board, text, offline_planner_for(engine.capabilities), engine.capabilities)
            check_for_engine(outcome.board, engine.capabilities)
        except (EditError, StoryboardError) as exc:
            raise FilmEditError(str(exc)) from None
        new, message = outcome.board, outcome.message
        again = rerender_plan(board, new, takes)
        # What undo needs: the storyboard before, and the takes of every shot this change touches.
        edits.append({"request": text, "storyboard": board.model_dump(),
                      "takes": {s: takes[s] for s in again if takes.get(s)}})
        update = {"storyboard": new.model_dump(), "takes": {s: [] for s in again}, "edits": edits}
    update["failures"] = None  # a shot lost earlier is tried again
    # As the graph's own collect step: it goes straight on to rendering what is missing, then sound and the cut.
    app.update_state(FILM_THREAD, {**update, **(also or {})}, as_node="collect")
    _stream(app, None, on_event)
    values = app.get_state(FILM_THREAD).values
    previous = keep_cut(out_dir)  # only now that the new cut can be made: a stopped render keeps no copy
    edit = FilmEdit(request=text, message=message, rerendered=again,
                    kept=[s.id for s in new.shots if s.id not in again], previous_cut=previous)
    report = write_film(out_dir, values, engine, settings, values.get("request") or None, started)
    report.edit = edit
    report.write(out_dir)
    return report, edit


def edit_film(out_dir: Path, engine: VideoEngine, text: str, settings: DirectorSettings | None = None,
              on_event: Callable[[str, dict | FilmEvent], None] | None = None) -> tuple[FilmReport, FilmEdit]:
    """``reelwright edit``: one change to the film in ``out_dir``, under the folder's lock."""
    if not (out_dir / "session.sqlite").is_file():
        raise FilmEditError(f"{out_dir} is not a film folder (no session.sqlite): give the folder a film was made in")
    settings = (settings or DirectorSettings()).model_copy(update={"auto_approve": True, "long_film_ok": True})
    with film_lock(out_dir, _note(on_event)):
        with director_session(out_dir, engine, settings) as app:
            return change_film(out_dir, app, engine, settings, text, on_event)

