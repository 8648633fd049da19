"""What a person looks at besides the film: a keyframe contact sheet, a GIF preview and storyboard.html.

The page is self-contained apart from the shots' own videos, which it plays from ``shots/`` beside it in the
film folder (the film, its poster, keyframes and posters are embedded as data URIs, styles inline, no
scripts or fonts fetched), so it opens offline and makes no network request.
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tools.film_report import FilmReport, ShotReport

THUMB = 128
LABEL_HEIGHT = 20  # the contact sheet's strip naming each row


def _keyframes(frames: np.ndarray, count: int = 3) -> list[np.ndarray]:
    idx = np.linspace(0, len(frames) - 1, count).round().astype(int)
    return [frames[i] for i in idx]


def _thumb(frame: np.ndarray, height: int = THUMB) -> Image.Image:
    """A frame at ``height`` pixels, its aspect kept."""
    image = Image.fromarray(frame)
    return image.resize((max(1, round(image.width * height / image.height)), height), Image.LANCZOS)


def _label_strip(text: str, width: int, height: int = LABEL_HEIGHT) -> np.ndarray:
    """A white strip ``height`` pixels tall with ``text`` in black at its left, cut to fit with an ellipsis."""
    strip = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(strip)
    font = ImageFont.load_default(size=height - 6)
    if draw.textlength(text, font=font) > width - 8:
        while text and draw.textlength(text + "…", font=font) > width - 8:
            text = text[:-1]
        text = text.rstrip() + "…"
    top, bottom = draw.textbbox((0, 0), text or " ", font=font)[1::2]
    draw.text((4, (height - top - bottom) // 2), text, fill="black", font=font)
    return np.asarray(strip)


def contact_sheet(shot_frames: list[np.ndarray], path: Path, per_shot: int = 3,
                  labels: list[str] | None = None) -> Path:
    """One row per shot, ``per_shot`` keyframes across (first, middle, last), each row under a strip naming
    it: its shot number and, where ``labels`` gives one (the shot's prompt), that label."""
    rows = [np.concatenate([np.asarray(_thumb(f)) for f in _keyframes(frames, per_shot)], axis=1)
            for frames in shot_frames]
    width = max(max(r.shape[1] for r in rows), 256)
    sheet = []
    for i, row in enumerate(rows):
        label = labels[i] if labels is not None and i < len(labels) and labels[i] else None
        sheet.append(_label_strip(f"{i + 1}. {label}" if label else f"shot {i + 1}", width))
        sheet.append(np.pad(row, ((0, 0), (0, width - row.shape[1]), (0, 0)), constant_values=255))
    Image.fromarray(np.concatenate(sheet, axis=0)).save(path)
    return path


def gif_preview(film: np.ndarray, path: Path, film_fps: int, fps: int = 12, height: int = 160) -> Path:
    """A small looping GIF of the film, at about ``fps`` frames a second."""
    step = max(1, round(film_fps / fps))
    images = [_thumb(f, height) for f in film[::step]]
    images[0].save(path, save_all=True, append_images=images[1:], duration=int(1000 * step / film_fps), loop=0,
                   optimize=True)
    return path


def _png_uri(image: np.ndarray, height: int = THUMB) -> str:
    buf = io.BytesIO()
    _thumb(image, height).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _poster_frame(shot_frames: list[np.ndarray]) -> np.ndarray:
    """The film's poster: the middle frame of the first shot, or of the first shot whose middle is not
    near black, or failing that the brightest of them."""
    middles = [frames[len(frames) // 2] for frames in shot_frames]
    return next((f for f in middles if f.mean() > 16), max(middles, key=lambda f: f.mean()))


def _film_facts(film_path: Path, shots: list[ShotReport]) -> tuple[float, int | None, int | None]:
    """The film's running time in seconds and its (width, height) as ffmpeg reads them; the shots' summed
    lengths and no size where it cannot be read."""
    from engine.media import MediaError, probe

    length = sum(shot.seconds for shot in shots)
    try:
        info = probe(film_path)
    except (MediaError, OSError):
        return length, None, None
    found = re.search(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", info["info"])
    if found:
        length = int(found.group(1)) * 3600 + int(found.group(2)) * 60 + float(found.group(3))
    video = info["video"] or {}
    return length, video.get("width"), video.get("height")


def _clock(seconds: float) -> str:
    """4.0 s, or 1 min 05.0 s past a minute."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)} min {rest:04.1f} s"


STYLE = ("body{font-family:system-ui,sans-serif;margin:1.5rem 2%;color:#222}"
         "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.5rem;"
         "vertical-align:top;text-align:left}img{image-rendering:pixelated;margin-right:4px}"
         ".pass{color:#17803d}.fail{color:#b42318}"
         "video{background:#000;display:block}"
         "video.film{width:100%;height:auto;max-height:85vh}"
         "video.shot{width:192px;height:auto}td.keys{white-space:nowrap}")


def storyboard_page(report: FilmReport, shot_frames: list[np.ndarray], film_path: Path, path: Path) -> Path:
    """storyboard.html: title, request, notes, the film (embedded, full width, with a poster frame), and per
    shot its prompt, mode, true length, its own video (``shots/NN_<id>.mp4`` beside the page, as the film
    folder holds it), keyframes, takes and scores; then the film's running time and how long it took to make."""
    film_uri = "data:video/mp4;base64," + base64.b64encode(film_path.read_bytes()).decode()
    length, width, height = _film_facts(film_path, report.shots)
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{esc(report.title)}</title>",
        f"<style>{STYLE}</style>",
        "</head><body>",
        f"<h1>{esc(report.title)}</h1>",
    ]
    if report.request:
        parts.append(f"<p><em>{esc(report.request)}</em></p>")
    parts += [f"<p>{esc(note)}</p>" for note in report.notes]
    size = f" width='{width}' height='{height}'" if width and height else ""
    parts.append(f"<video class='film' controls loop preload='metadata'{size} "
                 f"poster='{_png_uri(_poster_frame(shot_frames), min(512, height or 256))}' src='{film_uri}'>"
                 f"</video>")
    parts.append(f"<p><small>running time {_clock(length)}</small></p>")
    parts.append("<table><tr><th>#</th><th>shot</th><th>video</th><th>keyframes</th><th>takes (alignment)</th></tr>")
    for i, (shot, frames) in enumerate(zip(report.shots, shot_frames), 1):
        keyframes = _keyframes(frames)
        thumbs = "".join(f"<img alt='keyframe' height='{THUMB}' src='{_png_uri(f)}'>" for f in keyframes)
        clip = (f"<video class='shot' controls preload='metadata' poster='{_png_uri(keyframes[len(keyframes) // 2])}'"
                f" src='{esc(shot.video)}'></video>")
        takes = "<br>".join(
            f"<span class='{'pass' if t.passed else 'fail'}'>seed {t.seed}: "
            f"{t.rank:.0%} "
            f"{'passed' if t.passed else 'below the gate'}</span>"
            f"{' — saw ' + esc(', '.join(t.seen.values())) if t.seen else ''}"
            for t in shot.takes)
        how = "continues the previous shot" if shot.source == "previous" else shot.mode
        runs = f"{shot.seconds:.2f} s ({shot.frames} frames at {shot.fps:g} fps; {shot.duration:g} s planned)"
        sound = shot.sound
        heard = (f"<br><small>sound: {len(sound.onsets)} event(s)"
                 f"{' at ' + ', '.join(f'{t:.2f} s' for t in sound.onsets) if sound.onsets else ''}, "
                 f"{esc(' / '.join(dict.fromkeys(sound.scenes)))} ambience</small>") if sound else ""
        parts.append(f"<tr><td>{i}</td><td>{esc(shot.prompt)}<br><small>{esc(how)}, {esc(runs)}, "
                     f"{esc(shot.transition)} in</small>{heard}</td><td>{clip}</td><td class='keys'>{thumbs}</td>"
                     f"<td>{takes}</td></tr>")
    parts.append("</table>")
    made = report.seconds
    took = f", made in {_clock(made)} (the time taken to make it)" if made is not None and 0 < made < 86400 else ""
    count = len(report.shots)
    parts.append(f"<p><small>{count} shot{'s' if count != 1 else ''}, running time {_clock(length)}{took}, with "
                 f"reelwright {esc(report.versions.get('reelwright', 'unknown'))}.</small></p></body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
