"""The sound tool: V2A sound for a rendered shot, a list of shots, or any video file.

Sound for a shot is cached like the shot itself, under the hash of its frames, frame rate, seed and the
V2A weights, so re-cutting a film never re-synthesizes sound it already has.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from pathlib import Path

import numpy as np
import soundfile
from pydantic import BaseModel, ConfigDict, Field

from engine.backends import weights_fingerprint
from engine.media import MediaError, mux_audio, read_video
from engine.v2a.features import FEATURES_VERSION
from engine.v2a.pipeline import SHIPPED_V2A, V2A_VERSION, Soundtrack, V2AError, V2APipeline
from tools.common import ToolError

DEFAULT_SOUND_CACHE = Path.home() / ".cache" / "reelwright" / "sounds"
ANALYSIS_SIDE = 128  # a person's video is read at most this large: V2A looks at motion, not detail


class SoundArgs(BaseModel):
    """Give a shot (or any video) synchronized sound made from its picture."""

    model_config = ConfigDict(extra="forbid")
    frames_path: str = Field(description="a shot's frames (.npy) or a video file")
    fps: float | None = Field(None, gt=0, description="frame rate of a .npy shot (a video file knows its own)")
    seed: int = Field(0, ge=0, description="same picture and seed give the same sound")


class SoundResult(BaseModel):
    key: str
    audio_path: str  # 16 kHz mono wav
    sample_rate: int
    duration: float
    onsets: list[float]
    impacts: list[float]
    scenes: list[str]
    materials: list[str]
    loudness_db: float
    cached: bool
    timings: dict[str, float]

    def audio(self) -> np.ndarray:
        return soundfile.read(self.audio_path, dtype="float32")[0]


class SoundEngine:
    """One loaded V2A pipeline and its cache, shared by every sound call."""

    def __init__(self, weights: str | Path = SHIPPED_V2A, cache_dir: str | Path = DEFAULT_SOUND_CACHE):
        self.weights = Path(weights)
        self.cache_dir = Path(cache_dir)
        self._pipe: V2APipeline | None = None
        self._lock = threading.Lock()
        self._weights_id: str | None = None

    @property
    def pipe(self) -> V2APipeline:
        if self._pipe is None:
            try:
                self._pipe = V2APipeline.from_pretrained(self.weights)
            except V2AError as exc:
                raise ToolError(str(exc)) from None
        return self._pipe

    @property
    def weights_id(self) -> str:
        if self._weights_id is None:
            self._weights_id = weights_fingerprint(self.weights)
        return self._weights_id

    def soundtrack(self, frames: np.ndarray, fps: float, seed: int = 0) -> Soundtrack:
        with self._lock:
            try:
                return self.pipe(frames, fps, seed=seed)
            except V2AError as exc:
                raise ToolError(str(exc)) from None

    def sound_for(self, args: SoundArgs) -> SoundResult:
        """Sound for a shot's frames or a video file (cached)."""
        frames, fps = read_picture(args.frames_path, args.fps)
        h = hashlib.sha256(np.ascontiguousarray(frames).tobytes())
        h.update(f"{frames.shape}|{fps}|{args.seed}|{self.weights_id}|{V2A_VERSION}|{FEATURES_VERSION}".encode())
        key = h.hexdigest()[:24]
        folder = self.cache_dir / key
        meta = folder / "sound.json"
        if meta.exists() and (folder / "sound.wav").exists():
            return SoundResult.model_validate_json(meta.read_text()).model_copy(update={"cached": True})
        track = self.soundtrack(frames, fps, args.seed)
        folder.mkdir(parents=True, exist_ok=True)
        soundfile.write(folder / "sound.wav", track.audio, track.sample_rate, subtype="PCM_16")
        result = SoundResult(key=key, audio_path=str(folder / "sound.wav"), sample_rate=track.sample_rate,
                             duration=len(track.audio) / track.sample_rate, onsets=track.onsets,
                             impacts=track.impacts, scenes=track.scenes, materials=track.materials,
                             loudness_db=track.loudness_db, cached=False, timings=track.timings)
        meta.write_text(result.model_dump_json(indent=2))
        return result


def read_picture(path: str | Path, fps: float | None = None) -> tuple[np.ndarray, float]:
    """Frames and frame rate of a shot's .npy (``fps`` needed) or of a video file (read small)."""
    path = Path(path)
    if path.suffix == ".npy":
        if not path.is_file():
            raise ToolError(f"shot frames missing at {path}: render the shot again")
        if fps is None:
            raise ToolError(f"{path} holds bare frames: give their frame rate (--fps)")
        try:
            return np.load(path), float(fps)
        except (OSError, ValueError, EOFError) as exc:
            raise ToolError(f"cannot read the frames in {path}: render the shot again ({exc})") from None
    try:
        clip = read_video(path, with_audio=False, max_side=ANALYSIS_SIDE)
    except MediaError as exc:
        raise ToolError(str(exc)) from None
    if len(clip.frames) < 2:
        raise ToolError(f"{path} is a single picture, not a video: give a video file (mp4, mov, webm, ...)")
    return clip.frames, clip.fps


def sound_video_file(video: str | Path, out: str | Path, seed: int = 0, force: bool = False,
                     sound: SoundEngine | None = None, fps: float | None = None) -> SoundResult:
    """Write ``out``: the picture of ``video`` unchanged with V2A sound in place of any sound it had."""
    video, out = Path(video), Path(out)
    if out.resolve() == video.resolve():
        raise ToolError("--out must differ from the input video: the input is kept as it is")
    if out.exists() and not force:
        raise ToolError(f"{out} already exists: choose another --out or pass --force to overwrite it")
    sound = sound or default_sound_engine()
    result = sound.sound_for(SoundArgs(frames_path=str(video), seed=seed, fps=fps))
    if video.suffix == ".npy":  # bare frames (their frame rate was given, or sound_for refused them)
        from engine.media import write_video

        write_video(out, np.load(video), fps, audio=result.audio(), sample_rate=result.sample_rate)
        return result
    try:
        mux_audio(video, result.audio(), result.sample_rate, out)
    except MediaError as exc:
        raise ToolError(str(exc)) from None
    return result


def sound_engine_for(engine) -> SoundEngine:
    """The sound engine whose cache sits beside ``engine``'s shot cache (``…/shots`` -> ``…/sounds``).
    One per cache folder, so every director built on it (the TUI builds one per turn) shares one loaded
    model and one lock."""
    return _sound_engine_in(Path(engine.cache_dir).parent / "sounds")


@functools.cache
def _sound_engine_in(folder: Path) -> SoundEngine:
    return SoundEngine(cache_dir=folder)


@functools.cache
def default_sound_engine() -> SoundEngine:
    """The process's sound engine on the default cache, made on first use."""
    return SoundEngine()
