"""The film's plan: a Storyboard of Shots, each with its Takes, and a ContinuityLedger of subjects.

These models cross every boundary (planner, graph checkpoints, storyboard files, the UI, the report), so
they validate themselves: vocabulary words are checked, durations bounded, shot ids unique.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from engine.backends.base import Capabilities
from engine.world.vocab import check_word
from tools.film_report import rank_of, scored_by

WORLD_REQUIRED = ("shape", "colour", "scene")  # what a shot must name for the built-in model
Mode = Literal["t2v", "i2v", "v2v", "extend"]
Transition = Literal["cut", "crossfade", "fade"]


class StoryboardError(ValueError):
    """A storyboard that cannot be used; the message names the file, line and field when there is one."""


class Take(BaseModel):
    """One rendering of a shot, with the evaluator's verdict."""

    model_config = ConfigDict(extra="forbid")

    seed: int
    key: str = ""
    frames_path: str = ""
    video_path: str = ""
    last_frame_path: str = ""
    scores: dict[str, float] = Field(default_factory=dict)
    seen: dict[str, str] = Field(default_factory=dict)  # what the evaluator read from the pixels
    passed: bool = False
    seconds: float = 0.0
    fps: int = 8  # the engine's frame rate (the built-in model's 8 for takes recorded before there was a choice)
    cached: bool = False  # when taken, it was found in the shot cache (rendered by an earlier run)

    @property
    def rank(self) -> float:
        return rank_of(self.scores)

    @property
    def scored_by(self) -> str:
        return scored_by(self.scores)


def best_take(takes: list[Take]) -> Take | None:
    """The best passing take, else the best-scoring one."""
    if not takes:
        return None
    passing = [t for t in takes if t.passed]
    return max(passing or takes, key=lambda t: t.rank)


class Subject(BaseModel):
    """Someone (something) the film follows; its look stays the same unless the person changes it.

    The built-in model knows a subject by shape and colour; a free-text engine by its description
    ("a grey tabby cat"), which is written into every later shot's prompt that refers to it."""

    model_config = ConfigDict(extra="forbid")
    id: str
    shape: str | None = None
    colour: str | None = None
    description: str = ""

    @field_validator("shape", "colour")
    @classmethod
    def _known(cls, value: str | None, info) -> str | None:
        return None if value is None else check_word(info.field_name, value)

    @property
    def name(self) -> str:
        if self.description:
            return self.description
        return f"the {self.colour} {self.shape}"


class Shot(BaseModel):
    """One shot. ``prompt`` is what a free-text engine draws; the world attributes (shape, colour, scene,
    motion, camera) are what the planner read in the built-in model's vocabulary, required only there."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    # An id names the shot's files, so it is a plain name: nothing a path could be made of.
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
    prompt: str = Field(min_length=1)
    subject: str | None = None  # a Subject id in the ledger
    shape: str | None = None
    colour: str | None = None
    scene: str | None = None
    motion: str | None = None  # the built-in model takes "still" where none is given
    camera: str | None = None  # ... and "static"
    setting: str | None = None  # where a free-text shot happens, as the request put it ("on a misty beach")
    duration: float = Field(2.0, gt=0.0, le=8.0, description="seconds")
    mode: Mode = "t2v"
    source: str | None = None  # i2v: "previous" or an image path; v2v/extend: "previous" or a video path
    strength: float = Field(0.6, gt=0.0, le=1.0)
    seed: int = Field(0, ge=0)
    transition: Transition = "cut"  # into this shot from the one before
    takes: list[Take] = Field(default_factory=list)

    @field_validator("shape", "colour", "scene", "motion", "camera")
    @classmethod
    def _known(cls, value: str | None, info) -> str | None:
        return None if value is None else check_word(info.field_name, value)

    @model_validator(mode="after")
    def _source_for_mode(self) -> Shot:
        if self.mode != "t2v" and not self.source:
            raise ValueError(f"shot {self.id}: mode {self.mode} needs a source ('previous' or a file path)")
        return self

    @property
    def attributes(self) -> dict[str, str | None]:
        """The world attributes as the built-in model takes them (a still, static shot unless told)."""
        return {"shape": self.shape, "colour": self.colour, "scene": self.scene, "motion": self.motion or "still",
                "camera": self.camera or "static"}

    @property
    def missing_world_attributes(self) -> list[str]:
        """What the built-in model needs and this shot does not say."""
        return [axis for axis in WORLD_REQUIRED if getattr(self, axis) is None]

    def best_take(self) -> Take | None:
        return best_take(self.takes)


class ContinuityLedger(BaseModel):
    """Subjects and their attributes, and what changed shot by shot."""

    model_config = ConfigDict(extra="forbid")

    subjects: dict[str, Subject] = Field(default_factory=dict)
    changes: list[str] = Field(default_factory=list)

    def add(self, shape: str | None = None, colour: str | None = None, description: str = "") -> Subject:
        """The ledger's subject with this look (shape and colour, or a description), added if new."""
        for subject in self.subjects.values():
            if (subject.shape, subject.colour, subject.description) == (shape, colour, description):
                return subject
        subject = Subject(id=f"subject-{len(self.subjects) + 1}", shape=shape, colour=colour, description=description)
        self.subjects[subject.id] = subject
        return subject


class Storyboard(BaseModel):
    model_config = ConfigDict(extra="forbid")
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
            if shot.subject is not None and shot.subject not in self.ledger.subjects:
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


def shots_phrase(count: int) -> str:
    """'1 shot', '3 shots'."""
    return f"{count} shot{'s' * (count != 1)}"


MAX_PLANNED_SHOTS = 24  # a request is planned to at most this many shots; the rest is named, not rendered


def keep_first_shots(board: Storyboard, most: int = MAX_PLANNED_SHOTS) -> Storyboard:
    """A plan cut to its first ``most`` shots, with a note of what was left out (a pasted novel is not a film)."""
    if len(board.shots) <= most:
        return board
    left = board.shots[most:]
    board.shots = board.shots[:most]
    named = "; ".join(s.prompt for s in left[:3]) + ("; …" if len(left) > 3 else "")
    board.notes.append(f"The request describes {most + len(left)} shots; this film keeps the first {most} "
                       f"({board.duration:g} s). Left out: {named}")
    return board


def continues(previous: Shot | None, shot: Shot) -> bool:
    """The chaining rule: a shot starts from the previous shot's end when it shows the same subject in the
    same place (the world's scene, or a free-text setting)."""
    return (previous is not None and shot.subject is not None and previous.subject == shot.subject
            and (previous.scene, previous.setting) == (shot.scene, shot.setting))


def default_transition(previous: Shot | None, shot: Shot) -> Transition:
    """How a shot joins the one before unless the person asks: a crossfade only between two separate shots in
    the same place; a cut between places (a crossfade there shows both subjects at once, like a double
    exposure) and into a shot that continues the one before (its first frame is that shot's last)."""
    if previous is None or shot.source == "previous":
        return "cut"
    same_place = (shot.scene is not None and shot.scene == previous.scene) or (
        shot.setting is not None and shot.setting == previous.setting)
    return "crossfade" if same_place else "cut"


def chain_mode(caps: Capabilities) -> Mode | None:
    """How this engine continues a shot: the built-in model from the last frame (image to video); a free-text
    model from the last frames where it can extend, else from the last frame; None when it can do neither."""
    preferred = ("i2v",) if caps.family == "world" else ("extend", "i2v")
    return next((m for m in preferred if m in caps.modes), None)


def check_for_engine(board: Storyboard, caps: Capabilities, where: str = "") -> None:
    """Refuse, in one line naming the first shot at fault, a storyboard the engine cannot render: a shot
    without world attributes for the built-in model, or a mode the model cannot do."""
    for i, shot in enumerate(board.shots, 1):
        missing = [] if caps.free_text else shot.missing_world_attributes
        if missing:
            raise StoryboardError(f"{where}shot {i} ({shot.id}) has no {', '.join(missing)}: the built-in model draws "
                                  f"only its world (say e.g. shape: ball, colour: red, scene: beach), or render "
                                  f"free-text prompts with a real model (--model DIR)")
        longest = caps.longest_seconds
        if shot.duration > longest + 0.5 / caps.fps:
            raise StoryboardError(f"{where}shot {i} ({shot.id}) lasts {shot.duration:g} s but {caps.name} draws at "
                                  f"most {longest:.1f} s in one shot: shorten it or split it into two shots")
        try:
            caps.refuse_mode(shot.mode)
        except ValueError as exc:
            raise StoryboardError(f"{where}shot {i} ({shot.id}): {exc}") from None


def _unknown_field(loc: tuple) -> str:
    """'unknown field 'colur' in shot 1 — did you mean 'colour'?'"""
    name = str(loc[-1])
    model, where = Storyboard, "the storyboard"
    if len(loc) >= 3 and loc[0] == "shots":
        model, where = Shot, f"shot {int(loc[1]) + 1}"
    elif loc[0] == "ledger":
        model, where = ContinuityLedger, "the ledger"
    known = list(model.model_fields)
    return f"unknown field '{name}' in {where}{nearest_field(name, known) or '; known fields: ' + ', '.join(known)}"


def nearest_field(name: str, known: list[str], cutoff: float = 0.6) -> str | None:
    """' — did you mean 'colour'?' for a misspelt field name, or None when nothing is close."""
    import difflib

    near = difflib.get_close_matches(name, known, n=1, cutoff=cutoff)
    return f" — did you mean '{near[0]}'?" if near else None


def read_text_file(path: Path, what: str, error: type[Exception]) -> str:
    """A text file a person points at (a storyboard, a conversation), or ``error`` saying plainly why not."""
    if not path.is_file():
        raise error(f"{path}: no such {what} file" if not path.is_dir() else f"{path} is a folder, not a {what} file")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    # Control characters other than tabs and line ends are not in any text a person writes.
    if text is None or any(ord(c) < 32 and c not in "\t\n\r" or c == "\x7f" for c in text[:8192]):
        raise error(f"{path}: not a {what} (binary data): give a YAML text file")
    return text


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
    text = read_text_file(path, "storyboard", StoryboardError)
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise StoryboardError(f"{path}{where}: not valid YAML ({problem})") from None
    if not isinstance(data, dict):
        raise StoryboardError(f"{path}:1: a storyboard is a mapping with a 'shots' list")
    data.setdefault("title", path.stem)
    try:
        board = Storyboard.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc) or "storyboard"
        line = _line_of(node, loc) if node is not None else None
        message = str(err.get("ctx", {}).get("error") or err["msg"])
        if err["type"] == "extra_forbidden":
            message = _unknown_field(loc)
        elif err["type"] == "string_pattern_mismatch" and loc[-1] == "id":
            message = (f"{err['input']!r} cannot be a shot id: use a plain name of letters, digits, - and _ "
                       f"(at most 40), e.g. s1")
        raise StoryboardError(f"{path}:{line or 1}: {field}: {message}") from None
    if not board.shots:
        raise StoryboardError(f"{path}:1: shots: the storyboard has no shots; add at least one with an id and a "
                              f"prompt")
    for i, shot in enumerate(board.shots):
        if shot.source in (None, "previous"):
            continue
        # A picture or clip named in the file is found beside the file, as a person writing it expects.
        source = Path(shot.source).expanduser()
        source = source if source.is_absolute() else path.parent / source
        if not source.is_file():
            line = _line_of(node, ("shots", i, "source")) if node is not None else None
            raise StoryboardError(f"{path}:{line or 1}: shots.{i}.source: no file at {source} (a path is read "
                                  f"beside the storyboard file)")
        shot.source = str(source.resolve())
    return board


def save_storyboard(board: Storyboard, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(yaml.safe_dump(board.model_dump(exclude={"ledger": {"changes"}}), sort_keys=False))
    return path
