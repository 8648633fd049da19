"""The built-in world's vocabulary: the contract between planner, engine and evaluator (DESIGN.md §2).

Everything that names a subject, colour, scene, motion or camera move goes through this module, so an
unknown word fails here with the list of words that are allowed.
"""

from __future__ import annotations

import zlib

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

SHAPES = ("ball", "cube", "triangle", "ring")
COLOURS = ("red", "orange", "yellow", "green", "blue", "purple", "white", "black")
SCENES = ("meadow", "beach", "desert", "snowfield", "night")
MOTIONS = ("still", "moves left", "moves right", "rises", "falls", "bounces", "grows", "shrinks")
CAMERAS = ("static", "pan left", "pan right", "zoom in", "zoom out")

AXES: dict[str, tuple[str, ...]] = {
    "shape": SHAPES,
    "colour": COLOURS,
    "scene": SCENES,
    "motion": MOTIONS,
    "camera": CAMERAS,
}

# The size the engine trains and samples at; the evaluator's accuracy targets are stated for it.
TRAIN_FRAMES = 16
TRAIN_SIZE = 64
TRAIN_FPS = 8

MIN_SIDE = 16  # below this a subject of a fifth of the frame is 3 pixels and no shape survives
MAX_SIDE = 1024
MAX_FRAMES = 2400


class VocabularyError(ValueError):
    """A word or size the built-in world cannot draw; the message names what is allowed."""


def check_word(axis: str, value: str) -> str:
    """Return the canonical vocabulary word for ``value`` on ``axis`` or raise VocabularyError."""
    if axis not in AXES:
        raise VocabularyError(f"unknown axis {axis!r}; the axes are: {', '.join(AXES)}")
    word = " ".join(str(value).strip().lower().replace("_", " ").replace("-", " ").split())
    if word in AXES[axis]:
        return word
    allowed = ", ".join(AXES[axis])
    raise VocabularyError(f"unknown {axis} {value!r}; the built-in world knows: {allowed}")


def is_held_out(shape: str, colour: str, scene: str, motion: str) -> bool:
    """Combinations never shown in training, so benchmarks can measure generalisation.

    One in eight (shape, colour, scene, motion) combinations, chosen by a stable hash so every
    process agrees without a stored list.
    """
    key = f"{shape}|{colour}|{scene}|{motion}".encode()
    return zlib.crc32(key) % 8 == 0


class ClipSpec(BaseModel):
    """Everything that determines one world clip: attributes, size, length and seed."""

    model_config = ConfigDict(frozen=True)

    shape: str = "ball"
    colour: str = "red"
    scene: str = "meadow"
    motion: str = "bounces"
    camera: str = "static"
    frames: int = TRAIN_FRAMES
    height: int = TRAIN_SIZE
    width: int = TRAIN_SIZE
    fps: int = TRAIN_FPS
    seed: int = 0

    @field_validator("shape", "colour", "scene", "motion", "camera", mode="before")
    @classmethod
    def _canonical(cls, value: str, info) -> str:
        return check_word(info.field_name, value)

    @model_validator(mode="after")
    def _sizes(self) -> ClipSpec:
        for name in ("height", "width"):
            side = getattr(self, name)
            if not MIN_SIDE <= side <= MAX_SIDE:
                raise VocabularyError(
                    f"impossible {name} {side}: the world renders sides from {MIN_SIDE} to {MAX_SIDE} pixels"
                )
        if not 1 <= self.frames <= MAX_FRAMES:
            raise VocabularyError(f"impossible length {self.frames} frames: use 1 to {MAX_FRAMES}")
        if not 1 <= self.fps <= 60:
            raise VocabularyError(f"impossible frame rate {self.fps}: use 1 to 60 fps")
        return self

    @property
    def duration(self) -> float:
        return self.frames / self.fps

    def attributes(self) -> dict[str, str]:
        return {axis: getattr(self, axis) for axis in AXES}


def make_spec(**fields) -> ClipSpec:
    """Build a ClipSpec, turning pydantic's report into one line that names the allowed values."""
    try:
        return ClipSpec(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first.get("ctx", {}).get("error") or first["msg"])
        where = ".".join(str(p) for p in first["loc"])
        raise VocabularyError(message if where in message or not where else f"{where}: {message}") from None
