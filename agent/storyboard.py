"""The film's plan: a Storyboard of Shots, each with its Takes, and a ContinuityLedger of subjects.

These models cross every boundary (planner, graph checkpoints, storyboard files, the UI, the report), so
they validate themselves: vocabulary words are checked, durations bounded, shot ids unique.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from engine.world.vocab import check_word

FPS = 8
Mode = Literal["t2v", "i2v", "v2v", "extend"]
Transition = Literal["cut", "crossfade", "fade"]


class StoryboardError(ValueError):
    """A storyboard that cannot be used; the message names the file, line and field when there is one."""


class Take(BaseModel):
    """One rendering of a shot, with the evaluator's verdict."""

    seed: int
    key: str = ""
    frames_path: str = ""
    video_path: str = ""
    last_frame_path: str = ""
    scores: dict[str, float] = Field(default_factory=dict)
    seen: dict[str, str] = Field(default_factory=dict)  # what the evaluator read from the pixels
    passed: bool = False
    seconds: float = 0.0


def best_take(takes: list[Take]) -> Take | None:
    """The best passing take, else the best-scoring one."""
    if not takes:
        return None
    passing = [t for t in takes if t.passed]
    return max(passing or takes, key=lambda t: t.scores.get("alignment", 0.0))


class Subject(BaseModel):
    """Someone (something) the film follows; its look stays the same unless the person changes it."""

    id: str
    shape: str
    colour: str

    @field_validator("shape", "colour")
    @classmethod
    def _known(cls, value: str, info) -> str:
        return check_word(info.field_name, value)

    @property
    def name(self) -> str:
        return f"the {self.colour} {self.shape}"


class Shot(BaseModel):
    model_config = ConfigDict(validate_assignment=True)

    id: str
    prompt: str = Field(min_length=1)
    subject: str  # a Subject id in the ledger
    shape: str
    colour: str
    scene: str
    motion: str = "still"
    camera: str = "static"
    duration: float = Field(2.0, gt=0.0, le=8.0, description="seconds")
    mode: Mode = "t2v"
    source: str | None = None  # i2v: "previous" or an image path; v2v/extend: "previous" or a video path
    strength: float = Field(0.6, gt=0.0, le=1.0)
    seed: int = Field(0, ge=0)
    transition: Transition = "cut"  # into this shot from the one before
    takes: list[Take] = Field(default_factory=list)

    @field_validator("shape", "colour", "scene", "motion", "camera")
    @classmethod
    def _known(cls, value: str, info) -> str:
        return check_word(info.field_name, value)

    @model_validator(mode="after")
    def _source_for_mode(self) -> Shot:
        if self.mode != "t2v" and not self.source:
            raise ValueError(f"shot {self.id}: mode {self.mode} needs a source ('previous' or a file path)")
        return self

    @property
    def frames(self) -> int:
        return max(1, round(self.duration * FPS))

    @property
    def attributes(self) -> dict[str, str]:
        return {"shape": self.shape, "colour": self.colour, "scene": self.scene, "motion": self.motion,
                "camera": self.camera}

    def best_take(self) -> Take | None:
        return best_take(self.takes)


class ContinuityLedger(BaseModel):
    """Subjects and their attributes, and what changed shot by shot."""

    subjects: dict[str, Subject] = Field(default_factory=dict)
    changes: list[str] = Field(default_factory=list)

    def add(self, shape: str, colour: str) -> Subject:
        for subject in self.subjects.values():
            if subject.shape == shape and subject.colour == colour:
                return subject
        subject = Subject(id=f"subject-{len(self.subjects) + 1}", shape=shape, colour=colour)
        self.subjects[subject.id] = subject
        return subject


class Storyboard(BaseModel):
    title: str = "Untitled film"
    shots: list[Shot] = Field(default_factory=list)
    ledger: ContinuityLedger = Field(default_factory=ContinuityLedger)
    notes: list[str] = Field(default_factory=list)  # what the planner told the person

    @model_validator(mode="after")
    def _consistent(self) -> Storyboard:
        ids = [s.id for s in self.shots]
        if len(ids) != len(set(ids)):
            raise ValueError(f"shot ids must be unique, got {ids}")
        for shot in self.shots:
            if shot.subject not in self.ledger.subjects:
                self.ledger.subjects[shot.subject] = Subject(id=shot.subject, shape=shot.shape, colour=shot.colour)
        if self.shots and self.shots[0].source == "previous":
            raise ValueError(f"shot {self.shots[0].id} is the first shot: it has no previous shot to continue")
        return self

    def shot(self, shot_id: str) -> Shot:
        for s in self.shots:
            if s.id == shot_id:
                return s
        raise KeyError(f"no shot {shot_id!r}; shots: {', '.join(s.id for s in self.shots)}")

    def next_id(self) -> str:
        numbers = [int(s.id[1:]) for s in self.shots if s.id[1:].isdigit()]
        return f"s{max(numbers, default=0) + 1}"

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.shots)


def _line_of(node: yaml.Node, loc: tuple) -> int | None:
    """The 1-based line of the YAML node at pydantic's error location."""
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def load_storyboard(path: str | Path) -> Storyboard:
    """Read a storyboard YAML file; any problem is a StoryboardError naming file, line and field."""
    path = Path(path)
    if not path.is_file():
        raise StoryboardError(f"{path}: no such storyboard file")
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise StoryboardError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise StoryboardError(f"{path}:1: a storyboard is a mapping with a 'shots' list")
    data.setdefault("title", path.stem)
    try:
        return Storyboard.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc) or "storyboard"
        line = _line_of(node, loc) if node is not None else None
        message = str(err.get("ctx", {}).get("error") or err["msg"])
        raise StoryboardError(f"{path}:{line or 1}: {field}: {message}") from None


def save_storyboard(board: Storyboard, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(yaml.safe_dump(board.model_dump(exclude={"ledger": {"changes"}}), sort_keys=False))
    return path
