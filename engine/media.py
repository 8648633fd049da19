"""Clips in memory and on disk: mp4 (H.264 + AAC) through imageio-ffmpeg's bundled ffmpeg."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import soundfile

AUDIO_RATE = 16000


class MediaError(RuntimeError):
    """A video file that cannot be read or written; the message says what to do."""


@dataclass
class Clip:
    """A shot in memory: uint8 frames (T, H, W, 3), a frame rate, and optional mono audio."""

    frames: np.ndarray
    fps: float
    audio: np.ndarray | None = None
    sample_rate: int = AUDIO_RATE

    @property
    def duration(self) -> float:
        return len(self.frames) / self.fps


@contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Write to a hidden partial file beside ``path`` and move it into place only when writing succeeded, so
    a failure (a full disk, a killed process, a bad setting) never leaves a broken or truncated file where a
    good one was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}")
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _ffmpeg() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def _run(args: list[str], what: str, stdin: bytes | None = None) -> bytes:
    proc = subprocess.run([_ffmpeg(), "-hide_banner", "-loglevel", "error", *args], input=stdin,
                          capture_output=True)
    if proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        raise MediaError(f"{what}: {detail[-1] if detail else 'ffmpeg failed'}")
    return proc.stdout


def write_video(path: str | Path, frames: np.ndarray, fps: float, audio: np.ndarray | None = None,
                sample_rate: int = AUDIO_RATE, scale: int = 1) -> Path:
    """Write an mp4 that opens in any player: H.264 yuv420p, AAC audio, faststart.

    ``scale`` enlarges each pixel (nearest neighbour) so a tiny engine clip is watchable.
    """
    frames = np.ascontiguousarray(frames, dtype=np.uint8)
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise MediaError(f"cannot write {path}: frames must be (T, H, W, 3) with T > 0, got {frames.shape}")
    path = Path(path)
    _, h, w, _ = frames.shape
    out_w, out_h = w * scale, h * scale
    out_w, out_h = out_w + out_w % 2, out_h + out_h % 2  # yuv420p needs even sides
    args = ["-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", f"{fps}", "-i", "pipe:0"]
    with tempfile.TemporaryDirectory() as tmp, atomic_output(path) as partial:
        if audio is not None:
            wav = Path(tmp) / "audio.wav"
            soundfile.write(wav, np.clip(np.asarray(audio, np.float32), -1, 1), sample_rate, subtype="PCM_16")
            args += ["-i", str(wav)]
        args += ["-vf", f"scale={out_w}:{out_h}:flags=neighbor", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                 "-crf", "16", "-preset", "veryfast", "-movflags", "+faststart"]
        if audio is not None:
            args += ["-c:a", "aac", "-b:a", "128k", "-ar", "44100", "-shortest"]
        args.append(str(partial))
        _run(args, f"cannot write {path}", stdin=frames.tobytes())
    return path


def probe(path: str | Path) -> dict:
    """Streams of a media file as reported by ffmpeg: {'video': {...} | None, 'audio': bool}."""
    path = Path(path)
    if path.is_dir():
        raise MediaError(f"{path} is a folder: give a video file")
    if not path.is_file():
        raise MediaError(f"no such file: {path}")
    proc = subprocess.run([_ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True)
    text = proc.stderr.decode(errors="replace")
    video = None
    for line in text.splitlines():
        if "Video:" in line and video is None:
            import re

            size = re.search(r"(\d{2,5})x(\d{2,5})", line)
            fps = re.search(r"([\d.]+) fps", line) or re.search(r"([\d.]+) tbr", line)
            if size:
                codec = line.split("Video:")[1].split()[0].rstrip(",")
                video = {"width": int(size.group(1)), "height": int(size.group(2)),
                         "fps": float(fps.group(1)) if fps else None, "codec": codec}
    if video is None and "Invalid data" in text:
        raise MediaError(f"{path} is not a readable video (corrupt or unknown format): re-export it as mp4")
    return {"video": video, "audio": "Audio:" in text, "info": text}


def _fit_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """Width and height scaled down so the longer side is at most ``max_side`` (even numbers)."""
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(2, int(round(width * scale / 2)) * 2), max(2, int(round(height * scale / 2)) * 2)


def read_video(path: str | Path, with_audio: bool = True, sample_rate: int = AUDIO_RATE,
               max_side: int | None = None) -> Clip:
    """Decode a video file into a Clip (uint8 RGB frames, fps, mono float audio if present).

    ``max_side`` has ffmpeg shrink frames while decoding, so a long high-resolution video can be read
    for analysis without holding its full-size frames in memory.
    """
    info = probe(path)
    if info["video"] is None:
        raise MediaError(f"{path} has no video stream: give a video file (mp4, mov, webm, ...)")
    w, h = _fit_size(info["video"]["width"], info["video"]["height"], max_side)
    params = ["-vf", f"scale={w}:{h}:flags=area"] if (w, h) != (info["video"]["width"], info["video"]["height"]) \
        else None
    try:
        reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24", output_params=params)
        meta = next(reader)
        if params is None:
            w, h = meta["size"]
        frames = [np.frombuffer(buf, np.uint8).reshape(h, w, 3) for buf in reader]
    except (RuntimeError, OSError, StopIteration, ValueError) as exc:
        raise MediaError(f"cannot decode {path}: {str(exc).splitlines()[0] if str(exc) else exc!r}. "
                         "Check the file is a complete video") from exc
    if not frames:
        raise MediaError(f"{path} has zero frames: the file is empty or truncated")
    fps = float(meta.get("fps") or info["video"]["fps"] or 24.0)
    audio = None
    if with_audio and info["audio"]:
        raw = _run(["-i", str(path), "-vn", "-ac", "1", "-ar", str(sample_rate), "-f", "s16le", "pipe:1"],
                   f"cannot decode the audio of {path}")
        audio = np.frombuffer(raw, np.int16).astype(np.float32) / 32768.0
    return Clip(frames=np.stack(frames), fps=fps, audio=audio, sample_rate=sample_rate)


def mux_audio(video: str | Path, audio: np.ndarray, sample_rate: int, out: str | Path) -> Path:
    """``out``: the picture of ``video`` untouched (stream copy) with ``audio`` as its only sound (AAC)."""
    out = Path(out)
    with tempfile.TemporaryDirectory() as tmp, atomic_output(out) as partial:
        wav = Path(tmp) / "audio.wav"
        soundfile.write(wav, np.clip(np.asarray(audio, np.float32), -1, 1), sample_rate, subtype="PCM_16")
        _run(["-y", "-i", str(video), "-i", str(wav), "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy",
              "-c:a", "aac", "-b:a", "128k", "-ar", "44100", "-movflags", "+faststart", str(partial)],
             f"cannot write {out}")
    return out


def write_json(path: str | Path, data: dict) -> Path:
    path = Path(path)
    with atomic_output(path) as partial:
        partial.write_text(json.dumps(data, indent=2, default=float) + "\n")
    return path
