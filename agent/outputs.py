"""What ``reelwright generate --json`` and ``reelwright world`` write, as models, so scripts get one shape.

(The film commands print the film's report, ``tools.film_report.FilmReport``.)
"""

from __future__ import annotations

from pydantic import BaseModel


class ClipSound(BaseModel):
    """The V2A sound given to a generated clip."""

    onsets: list[float]  # seconds into the clip
    impacts: list[float]
    loudness_db: float
    timings: dict[str, float]


class GeneratedClip(BaseModel):
    """``reelwright generate --json``."""

    file: str
    prompt: str
    engine: str
    family: str  # "world" (the built-in model), "wan", "ltx"
    model: str | None  # the diffusers model folder; None for the built-in model
    attributes: dict[str, str | None]  # what the built-in model was asked for, read from the prompt
    mode: str
    seed: int
    frames: int
    fps: int
    size: tuple[int, int]  # width, height
    steps: int
    guidance: float
    strength: float | None  # video-to-video only
    cache: dict  # the compute saving in force and its settings
    camera_guidance: bool
    compute_fraction: float  # share of the transformer's block compute spent
    sound: ClipSound | None
    timings: dict[str, float]  # seconds: model_load, sampling, decoding, ..., total


class WorldTruth(BaseModel):
    """The ground truth written beside each ``reelwright world`` clip (``NAME.json``): what the renderer drew,
    frame by frame, for training and for checking what a model draws."""

    caption: str
    attributes: dict[str, str]
    seed: int
    events: list[dict[str, float | int | str]]  # sound events: kind, time, frame, subframe, strength
    centroid: list[list[float]]  # per frame: the subject's x, y
    size: list[float]  # per frame: the subject's size
    layout: list[list[float]]  # per frame: the subject's box
    camera: list[list[float]]  # per frame: the camera's two values (pan, zoom)


class WorldClip(BaseModel):
    """One rendered clip in ``reelwright world --json``."""

    file: str
    caption: str
    events: int  # how many sound events it has


class WorldClips(BaseModel):
    """``reelwright world --json``."""

    clips: list[WorldClip]
