"""A language model's storyboard checked against the request, as the reader reads it.

The offline plan of the same request is the reference: the reader knows which attributes the request names
(a colour, a place, an action, a camera move), how many shots it describes or asks for, and how long they
are. A model's plan must honour every one of those; where the request says nothing (no camera move named
anywhere, no colour at all), the model may choose. Its title must come from the request, and its notes be
about the film. Each problem is one short sentence, so the model can be told exactly what to fix.
"""

from __future__ import annotations

import re
from functools import lru_cache

from agent import lexicon
from agent.reader import RequestReading, words_of
from agent.storyboard import Storyboard
from engine.backends.base import Capabilities
from engine.world.vocab import AXES

FILM_WORDS = {"shot", "shots", "film", "camera", "scene", "model", "draw", "draws", "drawn", "clip", "subject",
              "instead", "nearest", "colour", "color", "shape", "place", "motion", "seconds", "storyboard", "world"}
STOP = {"a", "an", "the", "and", "of", "in", "on", "at", "to", "it", "is", "then", "with", "by", "into", "its", "for",
        "that", "this", "from", "as", "be", "are", "was", "after", "make", "me", "please", "i", "want", "film", "video",
        "shot", "shots", "one", "two", "three", "some", "very", "just", "so", "can", "you", "could", "would", "like"}


def _content_words(text: str) -> set[str]:
    return {w for w in words_of(text) if w.isalpha() and w not in STOP and len(w) > 2}


@lru_cache(maxsize=1)
def _vocabulary_words() -> frozenset[str]:
    tables = (lexicon.COLOURS, lexicon.SHAPES, lexicon.SCENES, lexicon.CAMERAS, lexicon.MOTION_VERBS)
    return frozenset({w for table in tables for phrases in table.values() for p in phrases for w in p.split()} | {
        w for value in lexicon.MOTION_VERBS for w in value.split()})


def named_axes(reading: RequestReading) -> set[str]:
    """The attributes the request names somewhere: those a plan must take from it."""
    named = set()
    for step in reading.steps:
        if any(x.shape for x in step.subjects):
            named.add("shape")
        if any(x.colour for x in step.subjects) or "colour" in step.negated:
            named.add("colour")
        if step.scene or "scene" in step.negated:
            named.add("scene")
        if step.motion or step.opposite or "motion" in step.negated:
            named.add("motion")
        if step.camera:
            named.add("camera")
    return named


def plan_problems(board: Storyboard, request: str, reading: RequestReading, reference: Storyboard,
                  caps: Capabilities | None = None) -> list[str]:
    """What is wrong with ``board`` as a plan of ``request`` (empty when it is right)."""
    problems = []
    free_text = caps is not None and caps.free_text
    want = reading.shot_count or len(reference.shots)
    # A real model's plan may give a step said with "and" a shot of its own ("leaves the harbour and heads
    # out to sea"); the built-in model's reader already does.
    most = want if reading.shot_count or not free_text else want + len(re.findall(r"\band\b", request, re.I))
    if not want <= len(board.shots) <= most:
        said = "asks for" if reading.shot_count else "describes"
        problems.append(f"the request {said} {want} shot{'s' * (want != 1)}, the plan has {len(board.shots)}")
    elif free_text:
        problems += _free_text_shots(board, reference)
    else:
        problems += _world_shots(board, reading, reference)
    if len(board.shots) == len(reference.shots):
        problems += _lengths(board, reading, reference)
    title_words = _content_words(board.title)
    if not title_words & (_content_words(request) | _content_words(reference.title)):
        problems.append(f"the title {board.title!r} is not from the request (use words of the request)")
    about = _content_words(request) | FILM_WORDS | _vocabulary_words()
    for note in board.notes:
        if not _content_words(note) & about:
            problems.append(f"the note {note[:60]!r} is not about this film (leave it out)")
    return problems


def _world_shots(board: Storyboard, reading: RequestReading, reference: Storyboard) -> list[str]:
    problems = []
    for i, (got, ref) in enumerate(zip(board.shots, reference.shots), 1):
        for axis in [a for a in AXES if a in named_axes(reading)]:
            if getattr(got, axis) != getattr(ref, axis):
                problems.append(f"shot {i}'s {axis} is {getattr(got, axis)} but the request says "
                                f"{getattr(ref, axis)}")
    return problems


def own_choices(board: Storyboard, reading: RequestReading, reference: Storyboard) -> str | None:
    """A sentence naming what the model chose where the request says nothing (a camera move, a colour), so
    the person sees it before anything is rendered; None when it chose nothing of its own."""
    if len(board.shots) != len(reference.shots) or (board.shots and board.shots[0].shape is None):
        return None
    open_axes = [a for a in AXES if a not in named_axes(reading)]
    chosen = [f"shot {i}'s {axis} {getattr(got, axis)}" for i, (got, ref) in enumerate(zip(board.shots,
                                                                                           reference.shots), 1)
              for axis in open_axes if getattr(got, axis) != getattr(ref, axis)]
    if not chosen:
        return None
    return f"The language model chose what the request leaves open: {one_line(chosen)}."


def _free_text_shots(board: Storyboard, reference: Storyboard) -> list[str]:
    """A real model's shots: each shows a subject the request names ("the boat", not something else)."""
    heads = {words_of(x.description)[-1] for x in reference.ledger.subjects.values() if x.description}
    return [f"shot {i} shows none of what the request names ({', '.join(sorted(heads))})"
            for i, got in enumerate(board.shots, 1)
            if heads and not heads & set(words_of(f"{got.prompt} {got.setting or ''}"))]


def _lengths(board: Storyboard, reading: RequestReading, reference: Storyboard) -> list[str]:
    """Stated lengths are kept (within a quarter second); unstated ones stay near the two-second default."""
    stated = reading.total_seconds is not None or reading.each_seconds is not None or any(
        s.duration is not None for s in reading.steps)
    problems = []
    for i, (got, ref) in enumerate(zip(board.shots, reference.shots), 1):
        if stated and abs(got.duration - ref.duration) > 0.25:
            problems.append(f"shot {i} lasts {got.duration:g} s but the request says {ref.duration:g} s")
        elif not stated and abs(got.duration - ref.duration) > 1.0:
            problems.append(f"shot {i} lasts {got.duration:g} s; the request asks for no length, so "
                            f"{ref.duration:g} s")
    return problems


def one_line(problems: list[str], most: int = 3) -> str:
    """The problems as one clause: the first few, then how many more."""
    shown = "; ".join(problems[:most])
    return shown + (f"; and {len(problems) - most} more" if len(problems) > most else "")
