"""Many storyboard files to many film folders, sharing one engine (on a cluster: one pool of workers).

Each storyboard becomes ``OUT/<file name>/``, made by ``make_film`` exactly as ``reelwright render`` makes
it, so a batch that stops part-way resumes film by film and renders nothing twice. A film that cannot be
made (a bad file, a shot whose workers all died) is one line in the summary; the others go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel

from agent.events import FilmEvent
from agent.film import check_storyboard, make_film
from agent.graph import DirectorSettings
from agent.storyboard import load_storyboard
from tools.common import VideoEngine


class BatchFilm(BaseModel):
    """One line of a batch's summary."""

    storyboard: str
    folder: str
    shots: int = 0
    takes: int = 0
    rendered: int = 0  # takes this run rendered (the rest came from the shot cache)
    length: float = 0.0  # the film's running time, seconds
    seconds: float = 0.0  # how long making it took
    film: str | None = None
    error: str | None = None


def film_folders(storyboards: list[Path], out: Path) -> list[Path]:
    """One folder per storyboard, named after its file (``a.yaml`` -> ``OUT/a``; a repeated name gets -2, -3)."""
    taken: dict[str, int] = {}
    folders = []
    for path in storyboards:
        name = path.stem or "film"
        taken[name] = taken.get(name, 0) + 1
        folders.append(out / (name if taken[name] == 1 else f"{name}-{taken[name]}"))
    return folders


def make_batch(storyboards: list[Path], out: Path, engine: VideoEngine, settings: DirectorSettings | None = None,
               on_event: Callable[[str, str, dict | FilmEvent | BatchFilm], None] | None = None, force: bool = False,
               parallel: int = 1) -> list[BatchFilm]:
    """Every storyboard to its film folder, ``parallel`` films at a time. ``on_event(folder name, kind, event)``
    gets each film's own stream (kind "updates" or "custom", as make_film's) and, kind "film", its BatchFilm."""
    folders = film_folders(storyboards, out)

    def make_one(path: Path, folder: Path) -> BatchFilm:
        line = BatchFilm(storyboard=str(path), folder=str(folder))
        started = time.perf_counter()
        try:
            board = load_storyboard(path)
            check_storyboard(board, engine, f"{path}: ")
            events = None if on_event is None else (lambda kind, event: on_event(folder.name, kind, event))
            report = make_film(folder, engine, storyboard=board, settings=settings, on_event=events, force=force)
        except Exception as exc:  # this film's problem, in one line; the batch goes on
            text = str(exc).strip().splitlines()
            line.error = text[0] if text else type(exc).__name__
            if not isinstance(exc, (ValueError, OSError, RuntimeError)):
                line.error = f"unexpected failure ({type(exc).__name__}: {line.error})"
        else:
            takes = [take for shot in report.shots for take in shot.takes]
            line.shots, line.takes = len(report.shots), len(takes)
            line.rendered = sum(not take.cached for take in takes)
            line.length = report.length
            line.film = str(folder / report.film)
        line.seconds = time.perf_counter() - started
        if on_event is not None:
            on_event(folder.name, "film", line)
        return line

    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="film") as pool:
        return list(pool.map(make_one, storyboards, folders))
