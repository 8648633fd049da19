"""What the director tells whoever watches a film being made, while it is made.

The graph writes these to LangGraph's ``custom`` stream; the command line, the terminal UI and its progress
line read them by type. Nothing here is checkpointed: a resumed film streams its own events again.
"""

from __future__ import annotations

from pydantic import BaseModel


class StepDrawn(BaseModel):
    """One sampling step of a take is done."""

    shot: str
    take: int  # 1-based
    step: int  # 1-based
    steps: int
    compute: float  # share of the transformer's block compute this step spent (a step cache lowers it)


class TakeScored(BaseModel):
    """A take is drawn and scored against its shot."""

    shot: str
    take: int
    passed: bool  # it passed the gate, so no further take is drawn
    score: float  # in [0, 1]
    scored_by: str  # "alignment" (the evaluator read it) or "pixel checks" (no reader for this engine)
    cached: bool  # the same shot, seed and settings were drawn before: nothing was sampled


class ShotSounded(BaseModel):
    """A shot's chosen take has its sound."""

    shot: str
    onsets: int  # sound events placed on what happens in the picture
    cached: bool


class ShotFailed(BaseModel):
    """A shot, or only its sound, could not be made; the message says why."""

    shot: str
    error: str


class Note(BaseModel):
    """A line about the film folder rather than a shot (a lock taken over, an old file moved aside)."""

    text: str


FilmEvent = StepDrawn | TakeScored | ShotSounded | ShotFailed | Note
