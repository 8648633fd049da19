"""A film folder's ``report.json``: what was asked, the plan, every take and its scores, the sound, the
settings and versions, and how long it took. The director writes it, the storyboard page and the
commands that resume or change a film read it, and people read it, so it has one shape, checked when
written and when read.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

REPORT_FILE = "report.json"


class FilmReportError(ValueError):
    """A report.json that cannot be read; one line says which and why."""


class _Record(BaseModel):
    # A report written by a newer or older version keeps what this one knows and ignores the rest.
    model_config = ConfigDict(extra="ignore")


def scored_by(scores: dict[str, float]) -> str:
    """What judged a take: the evaluator's reading ("alignment", the built-in model's world) or, for an
    engine with no reader of its content, the pixel checks ("pixel checks")."""
    return "alignment" if "alignment" in scores else "pixel checks"


def rank_of(scores: dict[str, float]) -> float:
    """How good a take looks: its alignment where it was read, else the share of pixel checks it passed."""
    return scores["alignment"] if scored_by(scores) == "alignment" else scores.get("checks", 0.0)


class TakeReport(_Record):
    """One rendering of a shot as the report keeps it (the frames stay in the shot cache)."""

    seed: int
    key: str = ""
    scores: dict[str, float] = {}
    seen: dict[str, str] = {}  # what the evaluator read from the pixels (empty without a reader)
    passed: bool = False
    seconds: float = 0.0
    cached: bool = False  # found in the shot cache rather than rendered by this run

    @property
    def rank(self) -> float:
        return rank_of(self.scores)


class ShotSound(_Record):
    """What the V2A model made for a shot's chosen take."""

    onsets: list[float]  # seconds into the shot
    impacts: list[float]
    scenes: list[str]  # the ambience heard, per stretch
    loudness_db: float


class ShotReport(_Record):
    id: str
    prompt: str
    attributes: dict[str, str | None] = {}
    mode: str
    source: str | None = None  # "previous": the shot continues the one before it
    duration: float  # seconds planned
    transition: str  # how the shot comes in: cut, crossfade or fade
    takes: list[TakeReport]
    chosen_seed: int
    # Absent from reports of older versions, which are still read (their film can still be changed):
    video: str = ""  # relative to the folder: shots/NN_<id>.mp4
    frames: int = 0
    fps: int = 0
    seconds: float = 0.0  # seconds rendered: frames / fps
    sound: ShotSound | None = None


class FilmEdit(_Record):
    """What one change to a finished film did (``reelwright edit``, a later chat or script turn)."""

    request: str
    message: str  # what the storyboard edit said ("Changed shot 1 (colour green).")
    rerendered: dict[str, str]  # shot id -> why it was rendered again
    kept: list[str]  # shot ids whose takes were kept
    previous_cut: str | None  # where the cut it replaced was kept (film.vN.mp4)

    def summary(self, shot_ids: list[str]) -> str:
        """In words, with shots numbered as the film now orders them (``shot_ids``)."""
        number = {shot_id: i for i, shot_id in enumerate(shot_ids, 1)}
        if self.rerendered:
            again = "; ".join(f"shot {number.get(s, '?')} ({why})" for s, why in self.rerendered.items())
            said = f"Rendered again: {again}."
        else:
            said = "Nothing to render again: only the cut changed."
        if self.kept:
            said += f" Kept: shot{'s' * (len(self.kept) != 1)} {', '.join(str(number[s]) for s in self.kept)}."
        if self.previous_cut:
            said += f" The previous cut is kept as {self.previous_cut}."
        return said


class EngineRecord(_Record):
    """The engine a film was drawn with, so shots rendered again for it match the ones kept."""

    engine: str = ""  # its name
    family: str = ""  # "world" (the built-in model), "wan", "ltx"
    model: str | None = None  # the diffusers model folder; None for the built-in model
    cache: dict = {}  # the compute saving in force and its settings
    device: str | None = None
    offload: str | None = None  # a real model's offload; None for the built-in model
    cluster: dict | None = None  # the Ray cluster's address and workers; None when rendered here


class ScriptTurn(_Record):
    you: str
    director: str


class FilmReport(_Record):
    film: str  # relative to the folder: film.mp4
    title: str
    request: str | None = None
    notes: list[str] = []
    length: float = 0.0  # seconds the film runs (absent from reports of older versions)
    made: str = ""  # when, ISO 8601 (absent from reports of older versions)
    shots: list[ShotReport]
    ledger: dict = {}  # the storyboard's continuity ledger (subjects and places)
    settings: dict = {}  # the director's settings (steps, takes, sound, the cut)
    engine: EngineRecord = EngineRecord()
    gate: str = ""  # what a take had to pass
    versions: dict[str, str] = {}
    seconds: float | None = None  # time taken to make it; None when unknown
    transcript: list[ScriptTurn] | None = None  # a scripted conversation's turns and the director's answers
    edit: FilmEdit | None = None  # the latest change, when the film was changed after it was made

    @classmethod
    def read(cls, folder: str | Path) -> FilmReport:
        path = Path(folder) / REPORT_FILE
        try:
            return cls.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            raise FilmReportError(f"{folder} has no {REPORT_FILE}: no film was finished there") from None
        except OSError as exc:
            raise FilmReportError(f"{path} cannot be read ({exc.strerror})") from None
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "the file"
            raise FilmReportError(f"{path} is damaged ({where}: {err['msg']}): run the command that made the "
                                  f"film again to write it anew") from None

    def _plain(self) -> dict:
        # A transcript and an edit appear only in the films that have them.
        return self.model_dump(mode="json", exclude={name for name in ("transcript", "edit")
                                                     if getattr(self, name) is None})

    def write(self, folder: str | Path) -> Path:
        from engine.media import write_json  # here: Take's ranking rule comes from this module, without media I/O

        return write_json(Path(folder) / REPORT_FILE, self._plain())

    def json_text(self) -> str:
        """What the film commands print with ``--json``: report.json as written."""
        return json.dumps(self._plain(), indent=2)
