"""The cut: shots in storyboard order, upscaled, at the engine's own frame rate, joined by cuts, crossfades
or fades, with sound, encoded with moviepy 2.

A film keeps its engine's native rate (Wan 16 fps, LTX-Video 24): no frame is repeated. Only a rate too
low to play smoothly (the built-in model's 8 fps) is brought to 24 fps by showing each frame three times,
so motion keeps its timing. Upscaling keeps the shots' aspect and uses a Lanczos filter. Transitions
overlap the two shots by half a second (crossfade) or dip through black (fade); a cut just butts them
together. Each shot's V2A sound sits under it and follows the same transitions. Optional: a title card,
per-shot captions, and a person's music under everything, ducked under the effects, with each shot's
start snapped to a beat (by trimming the end of the shot before it, never by stretching time).

The finished sound is brought to -16 LUFS integrated loudness (ITU-R BS.1770-4 / EBU R128, measured with
pyloudnorm as the two-channel track the film carries) with its true peak (4x oversampled) held under -1 dBTP
by a look-ahead peak limiter, so a film plays as loud as streaming platforms expect without clipping. A
silent or near-silent track is left as it is, and no track is raised by more than 30 dB.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import soundfile
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from engine.media import atomic_output
from tools.cards import caption, title_card
from tools.common import ToolError
from tools.music import beat_times, load_music, mix_music

SMOOTH_FPS = 12  # below this a film's frames are repeated up to REPEAT_TO
REPEAT_TO = 24
MIN_EXPORT_SIDE = 256  # a film smaller than this (the built-in model's 64 px) is enlarged by a whole factor
TRANSITION_SECONDS = 0.5
FILM_AUDIO_RATE = 16000  # the rate the sound is assembled at
ENCODE_AUDIO_RATE = 44100  # the rate the film carries: resampled with a proper filter before normalizing
CLICK_GUARD = 0.005  # seconds of ramp at a hard cut, so the sound does not click
MIN_KEEP = 0.5  # beat snapping keeps at least this share of a shot
LOUDNESS_TARGET = -16.0  # LUFS, integrated: what streaming platforms expect (-14 to -16)
TRUE_PEAK_CEILING = -1.0  # dBTP
CODEC_MARGIN_DB = 1.0  # the limiter holds peaks this far under the ceiling: AAC coding moves them a little
SILENT_LUFS = -70.0  # BS.1770's absolute gate: a track below it is silence or hiss, never raised
MAX_GAIN_DB = 30.0
LIMITER_LOOKAHEAD = 0.005  # seconds: the gain starts to dip this long before a peak and recovers as long after it


class CutShot(BaseModel):
    frames_path: str
    fps: int = Field(8, ge=1)  # the engine's frame rate
    transition: Literal["cut", "crossfade", "fade"] = "cut"  # into this shot
    audio_path: str | None = None  # the shot's sound (wav); silence where missing
    caption: str | None = None  # burnt in when the cut asks for captions


class CutArgs(BaseModel):
    """Join rendered shots into one film."""

    model_config = ConfigDict(extra="forbid")
    shots: list[CutShot] = Field(min_length=1)
    out_path: str
    height: int | None = Field(None, ge=16, le=4096, description="export height in pixels (None: the shots' own, "
                             "enlarged by a whole factor to at least 256); the width keeps the shots' aspect")
    force: bool = Field(False, description="overwrite an existing file")
    title: str | None = Field(None, description="a title card before the first shot")
    subtitle: str | None = None
    title_seconds: float = Field(2.0, ge=0.5, le=10.0)
    captions: bool = Field(False, description="burn each shot's caption into its frames")
    music_path: str | None = Field(None, description="an audio file to play under the film")
    music_volume_db: float = Field(-14.0, ge=-60.0, le=0.0)
    duck_db: float = Field(-12.0, ge=-40.0, le=0.0, description="music dip under the shots' own sound")
    snap_to_beats: bool = Field(True, description="with music: start each shot on a beat")

    @property
    def repeat(self) -> int:
        """How many film frames show each shot frame: 1 at any smooth rate, more for the built-in 8 fps."""
        rates = {shot.fps for shot in self.shots}
        if len(rates) > 1:
            raise ToolError(f"shots at {' and '.join(map(str, sorted(rates)))} fps cannot be cut into one film: "
                            f"render every shot with the same model")
        rate = rates.pop()
        return 1 if rate >= SMOOTH_FPS else -(-REPEAT_TO // rate)

    @property
    def fps(self) -> int:
        """The film's frame rate: the shots' own, or a multiple of it where that is too low to play smoothly."""
        return self.shots[0].fps * self.repeat

    def frame_size(self) -> tuple[int, int]:
        """(width, height) of the film: the first shot's aspect, at ``height`` or enlarged by a whole factor."""
        path = Path(self.shots[0].frames_path)
        if not path.is_file():
            raise ToolError(f"shot frames missing at {path}: render the shot again (its cache entry was removed)")
        h, w = np.load(path, mmap_mode="r").shape[1:3]
        height = self.height or h * max(1, -(-MIN_EXPORT_SIDE // min(h, w)))
        width = round(w * height / h)
        return width + width % 2, height + height % 2  # H.264's 4:2:0 needs even sides


class CutOptions(BaseModel):
    """How a film is cut, beyond its shots: what a person sets with --title-card, --captions, --music."""

    model_config = ConfigDict(extra="forbid")
    title_card: bool = Field(False, description="open with a card showing the storyboard's title")
    captions: bool = Field(False, description="burn each shot's prompt into it")
    music_path: str | None = None
    snap_to_beats: bool = True

    def cut_args(self, shots: list[CutShot], out_path: str, title: str | None, force: bool = True) -> CutArgs:
        return CutArgs(shots=shots, out_path=out_path, force=force,
                       title=(title or "Untitled film") if self.title_card else None,
                       subtitle="made with reelwright" if self.title_card else None, captions=self.captions,
                       music_path=self.music_path, snap_to_beats=self.snap_to_beats)


@dataclass
class Piece:
    """One item on the film's timeline: a shot (or the title card), how long it runs, how it joins."""

    index: int  # into args.shots; -1 for the title card
    length: int  # film frames after snapping
    transition: str
    overlap: int  # film frames shared with (crossfade) or dipped against (fade) the piece before


def _source_frames(shot: CutShot, repeat: int) -> int:
    path = Path(shot.frames_path)
    if not path.is_file():
        raise ToolError(f"shot frames missing at {path}: render the shot again (its cache entry was removed)")
    return len(np.load(path, mmap_mode="r")) * repeat


def timeline(args: CutArgs) -> list[Piece]:
    """The pieces in order with their lengths; with music and ``snap_to_beats``, every piece after the
    first starts on a beat where trimming the piece before it (keeping at least MIN_KEEP) allows."""
    fps, repeat = args.fps, args.repeat
    overlap = int(TRANSITION_SECONDS * fps)
    pieces = [Piece(-1, int(round(args.title_seconds * fps)), "cut", 0)] if args.title else []
    for i, shot in enumerate(args.shots):
        transition = "crossfade" if (i == 0 and args.title) else shot.transition
        pieces.append(Piece(i, _source_frames(shot, repeat), transition, 0))
    beats = None
    if args.music_path and args.snap_to_beats:
        beats = np.round(beat_times(args.music_path, FILM_AUDIO_RATE) * fps).astype(int)
    end = 0  # film frame where the previous piece ends
    for k, piece in enumerate(pieces):
        if k == 0:
            end = piece.length
            continue
        before = pieces[k - 1]
        if piece.transition != "cut":
            piece.overlap = min(overlap, before.length // 2, piece.length // 2)
        start = end - piece.overlap if piece.transition == "crossfade" else end
        if beats is not None:
            shortest = max(int(np.ceil(MIN_KEEP * before.length)), 2 * piece.overlap + 1,
                           before.overlap + piece.overlap + 1)
            fits = beats[(beats <= start) & (beats >= start - (before.length - shortest))]
            if len(fits):
                trim = int(start - fits.max())
                before.length -= trim
                start -= trim
        end = start + piece.length
    return pieces


def running_time(args: CutArgs, pieces: list[Piece] | None = None) -> float:
    """The film's length in seconds, as the cut lays it out (crossfades overlap, fades do not)."""
    pieces = timeline(args) if pieces is None else pieces
    frames = sum(p.length - (p.overlap if p.transition == "crossfade" else 0) for p in pieces)
    return frames / args.fps


def _upscale(frames: np.ndarray, width: int, height: int) -> np.ndarray:
    if frames.shape[1] == height and frames.shape[2] == width:
        return frames
    return np.stack([np.asarray(Image.fromarray(f).resize((width, height), Image.LANCZOS)) for f in frames])


def _piece_frames(args: CutArgs, piece: Piece, size: tuple[int, int]) -> np.ndarray:
    if piece.index < 0:
        return title_card(args.title or "", *size, piece.length, args.subtitle)
    shot = args.shots[piece.index]
    frames = _upscale(np.load(shot.frames_path), *size)
    if args.captions and shot.caption:
        frames = caption(frames, shot.caption)
    return np.repeat(frames, args.repeat, axis=0)[: piece.length]


def _join(film: np.ndarray | None, part: np.ndarray, piece: Piece, fade_in: np.ndarray, fade_out: np.ndarray,
          guard: int = 0) -> np.ndarray:
    """Append sound ``part`` to ``film`` with the piece's transition and the given ramps."""
    if film is None:
        return part
    k = len(fade_in)
    if piece.transition == "crossfade" and k > 0:
        return np.concatenate([film[:-k], film[-k:] * fade_out + part[:k] * fade_in, part[k:]])
    if piece.transition == "fade" and k > 0:
        film, part = film.copy(), part.copy()
        film[-k:] *= fade_out
        part[:k] *= fade_in
        return np.concatenate([film, part])
    if guard:
        film, part = film.copy(), part.copy()
        ramp = np.linspace(0, 1, guard, dtype=np.float32)
        film[-guard:] *= ramp[::-1]
        part[:guard] *= ramp
    return np.concatenate([film, part])


def _to_uint8(frames: np.ndarray) -> np.ndarray:
    return np.clip(frames + 0.5, 0, 255).astype(np.uint8)


def assemble(args: CutArgs, pieces: list[Piece] | None = None) -> np.ndarray:
    """The film's frames (N, size, size, 3) uint8. Pieces stay uint8 and are joined once at the end; only
    the frames of a transition are blended in floats, so a long film costs its own size and no more."""
    parts: list[np.ndarray] = []
    size = args.frame_size()
    for piece in pieces or timeline(args):
        part = _piece_frames(args, piece, size)
        k = piece.overlap
        if not parts or k == 0 or piece.transition == "cut":
            parts.append(part)
            continue
        previous = parts.pop()  # at least k frames long: the timeline keeps every piece longer than its joins
        head, tail, incoming = previous[:-k], previous[-k:].astype(np.float32), part[:k].astype(np.float32)
        if piece.transition == "crossfade":
            w = np.linspace(0, 1, k + 2, dtype=np.float32)[1:-1, None, None, None]
            parts += [head, _to_uint8(tail * (1 - w) + incoming * w), part[k:]]
        else:  # fade through black
            down = np.linspace(1, 0, k, dtype=np.float32)[:, None, None, None]
            parts += [head, _to_uint8(tail * down), _to_uint8(incoming * down[::-1]), part[k:]]
    return np.concatenate(parts)


def _piece_audio(args: CutArgs, piece: Piece) -> np.ndarray:
    n = int(round(piece.length / args.fps * FILM_AUDIO_RATE))
    path = None if piece.index < 0 else args.shots[piece.index].audio_path
    if path is None:
        return np.zeros(n, np.float32)
    try:
        audio, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except (OSError, RuntimeError) as exc:
        raise ToolError(f"cannot read the shot's sound {path}: make its sound again ({exc})") from None
    audio = audio.mean(axis=1)
    if rate != FILM_AUDIO_RATE:
        import librosa

        audio = librosa.resample(audio, orig_sr=rate, target_sr=FILM_AUDIO_RATE)
    return np.pad(audio[:n], (0, max(0, n - len(audio))))


def assemble_audio(args: CutArgs, pieces: list[Piece] | None = None) -> np.ndarray | None:
    """The film's sound at FILM_AUDIO_RATE, laid out exactly as the picture: a crossfade overlaps the two
    sounds with equal-power ramps, a fade dips both to silence, a cut butts them with a few milliseconds
    of ramp; then the music, if any. None when there is neither shot sound nor music."""
    if all(shot.audio_path is None for shot in args.shots) and not args.music_path:
        return None
    guard = int(CLICK_GUARD * FILM_AUDIO_RATE)
    film = None
    for piece in pieces or timeline(args):
        part = _piece_audio(args, piece)
        n = int(round(piece.overlap / args.fps * FILM_AUDIO_RATE))
        w = np.linspace(0, 1, n, dtype=np.float32)
        if piece.transition == "crossfade":
            film = _join(film, part, piece, np.sin(w * np.pi / 2), np.cos(w * np.pi / 2))
        else:
            film = _join(film, part, piece, w, w[::-1], guard=guard)
    if args.music_path:
        film = mix_music(film, load_music(args.music_path, FILM_AUDIO_RATE), FILM_AUDIO_RATE,
                         args.music_volume_db, args.duck_db)
    return np.clip(film, -1, 1)


def loudness(audio: np.ndarray, rate: int = FILM_AUDIO_RATE) -> float:
    """Integrated loudness in LUFS (BS.1770-4, K-weighted and gated) of a mono track as the film carries it,
    on both stereo channels (3 dB above the same track on one channel); -inf for silence or a track shorter
    than one 400-ms gating block."""
    import pyloudnorm

    audio = np.asarray(audio, np.float64)
    if len(audio) < int(0.4 * rate) + 1 or not np.any(audio):
        return float("-inf")
    return float(pyloudnorm.Meter(rate).integrated_loudness(audio)) + 10 * np.log10(2)


def _sample_peaks(audio: np.ndarray) -> np.ndarray:
    """Each sample's true peak: the largest magnitude of the track 4x oversampled, over that sample's span."""
    from scipy.signal import resample_poly

    over = np.abs(resample_poly(np.asarray(audio, np.float64), 4, 1))
    return np.maximum(np.abs(audio), over.reshape(-1, 4).max(axis=1))


def true_peak(audio: np.ndarray) -> float:
    """The track's true peak in dBTP (4x oversampled, BS.1770-4 Annex 2); -inf for silence."""
    if len(audio) == 0:
        return float("-inf")
    peak = float(_sample_peaks(audio).max())
    return 20 * np.log10(peak) if peak > 0 else float("-inf")


def _limit(audio: np.ndarray, ceiling_db: float, rate: int) -> np.ndarray:
    """A look-ahead peak limiter: the gain dips smoothly around every sample whose true peak would pass the
    ceiling, just enough for it, and is 1 elsewhere."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = 10 ** (ceiling_db / 20)
    peaks = _sample_peaks(audio)
    if peaks.max() <= ceiling:
        return audio
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    k = max(1, int(LIMITER_LOOKAHEAD * rate))
    # Held for k samples either side and averaged over k: the smoothed gain never exceeds what any sample needs.
    gain = uniform_filter1d(minimum_filter1d(need, 2 * k + 1, mode="nearest"), k, mode="nearest")
    return audio * np.minimum(gain, need)


def normalize_loudness(audio: np.ndarray, rate: int = FILM_AUDIO_RATE, target: float = LOUDNESS_TARGET,
                       ceiling: float = TRUE_PEAK_CEILING) -> np.ndarray:
    """The track at ``target`` LUFS with its true peak at most ``ceiling`` dBTP (EBU R128). A track below
    SILENT_LUFS (or too short to measure) only has its peaks brought under the ceiling; no track is raised by
    more than MAX_GAIN_DB. Peaks are limited, then the gain is corrected for what limiting took away."""
    audio = np.asarray(audio, np.float64)
    held = ceiling - CODEC_MARGIN_DB
    level = loudness(audio, rate)
    if level < SILENT_LUFS:
        out = audio
    else:
        gain = min(MAX_GAIN_DB, target - level)
        for _ in range(6):
            out = _limit(audio * 10 ** (gain / 20), held, rate)
            miss = target - loudness(out, rate)
            if abs(miss) < 0.05 or gain >= MAX_GAIN_DB:
                break
            gain = min(MAX_GAIN_DB, gain + miss)
    peak = true_peak(out)
    if peak > held:  # the last safety: a plain gain reduction
        out = out * 10 ** ((held - peak) / 20)
    return out.astype(np.float32)


def _resample(audio: np.ndarray, rate: int, to: int) -> np.ndarray:
    """Band-limited (polyphase) resampling: no images of the sound above the lower rate's Nyquist."""
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(to, rate)
    return resample_poly(np.asarray(audio, np.float64), to // g, rate // g)


def film_sound(audio: np.ndarray, rate: int = FILM_AUDIO_RATE) -> np.ndarray:
    """The assembled sound as the film carries it: at ENCODE_AUDIO_RATE, normalized in loudness and true
    peak (measured at the rate encoded, so what is measured is what plays)."""
    return normalize_loudness(_resample(audio, rate, ENCODE_AUDIO_RATE), ENCODE_AUDIO_RATE)


def encode_film(out: Path, frames: np.ndarray, audio: np.ndarray | None, fps: int,
                audio_rate: int = FILM_AUDIO_RATE) -> Path:
    """Encode with moviepy 2 (on imageio-ffmpeg's bundled ffmpeg): H.264 yuv420p + AAC, faststart, so the
    film opens in any player. Written beside ``out`` and moved into place, so a failed export never leaves a
    broken film; every clip is closed, so a long-running process does not leak ffmpeg readers."""
    from moviepy import AudioArrayClip, ImageSequenceClip

    # The summed per-frame durations fall a hair short of len/fps, which would drop the last frame.
    video = ImageSequenceClip(list(frames), fps=fps).with_duration(len(frames) / fps)
    sound = None
    try:
        with atomic_output(out) as partial:
            if audio is not None:
                if audio_rate != ENCODE_AUDIO_RATE:  # moviepy would resample by repeating samples
                    audio = _resample(audio, audio_rate, ENCODE_AUDIO_RATE)
                sound = AudioArrayClip(np.repeat(np.asarray(audio, np.float32)[:, None], 2, axis=1),
                                       fps=ENCODE_AUDIO_RATE)
                video = video.with_audio(sound)
            video.write_videofile(str(partial), fps=fps, codec="libx264", audio_codec="aac",
                                  audio_fps=ENCODE_AUDIO_RATE, audio_bitrate="128k", preset="veryfast",
                                  pixel_format="yuv420p",
                                  ffmpeg_params=["-crf", "16", "-movflags", "+faststart"],
                                  temp_audiofile_path=str(out.parent), logger=None)
    except (OSError, RuntimeError) as exc:
        raise ToolError(f"cannot write {out}: {str(exc).splitlines()[0] if str(exc) else exc!r}") from None
    finally:
        video.close()
        if sound is not None:
            sound.close()
    return out


def cut_film(args: CutArgs) -> Path:
    out = Path(args.out_path)
    if out.exists() and not args.force:
        raise ToolError(f"{out} already exists: choose another name or pass --force to overwrite it")
    if args.music_path:
        load_music(args.music_path, FILM_AUDIO_RATE)  # a bad music file fails before any work
    pieces = timeline(args)
    audio = assemble_audio(args, pieces)
    sound = None if audio is None else film_sound(audio)
    return encode_film(out, assemble(args, pieces), sound, args.fps, ENCODE_AUDIO_RATE)
