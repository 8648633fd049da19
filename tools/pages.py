"""What a person looks at besides the film: a keyframe contact sheet, a GIF preview and storyboard.html.

The page is self-contained (images and the film are embedded as data URIs, styles inline, no scripts or
fonts fetched), so it opens offline and makes no network request.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
from PIL import Image

THUMB = 128


def _keyframes(frames: np.ndarray, count: int = 3) -> list[np.ndarray]:
    idx = np.linspace(0, len(frames) - 1, count).round().astype(int)
    return [frames[i] for i in idx]


def _thumb(frame: np.ndarray, height: int = THUMB) -> Image.Image:
    """A frame at ``height`` pixels, its aspect kept."""
    image = Image.fromarray(frame)
    return image.resize((max(1, round(image.width * height / image.height)), height), Image.LANCZOS)


def contact_sheet(shot_frames: list[np.ndarray], path: Path, per_shot: int = 3) -> Path:
    """One row per shot, ``per_shot`` keyframes across (first, middle, last)."""
    rows = [np.concatenate([np.asarray(_thumb(f)) for f in _keyframes(frames, per_shot)], axis=1)
            for frames in shot_frames]
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0))) for r in rows]
    Image.fromarray(np.concatenate(rows, axis=0)).save(path)
    return path


def gif_preview(film: np.ndarray, path: Path, film_fps: int, fps: int = 12, height: int = 160) -> Path:
    """A small looping GIF of the film, at about ``fps`` frames a second."""
    step = max(1, round(film_fps / fps))
    images = [_thumb(f, height) for f in film[::step]]
    images[0].save(path, save_all=True, append_images=images[1:], duration=int(1000 * step / film_fps), loop=0,
                   optimize=True)
    return path


def _png_uri(image: np.ndarray) -> str:
    buf = io.BytesIO()
    _thumb(image).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def storyboard_page(report: dict, shot_frames: list[np.ndarray], film_path: Path, path: Path) -> Path:
    """storyboard.html: title, notes, the film, and per shot its prompt, mode, keyframes, takes and scores."""
    film_uri = "data:video/mp4;base64," + base64.b64encode(film_path.read_bytes()).decode()
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(report['title'])}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:960px;color:#222}"
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.5rem;"
        "vertical-align:top;text-align:left}img{image-rendering:pixelated;margin-right:4px}"
        ".pass{color:#17803d}.fail{color:#b42318}video{width:384px;height:384px;background:#000}</style>",
        "</head><body>",
        f"<h1>{esc(report['title'])}</h1>",
    ]
    if report.get("request"):
        parts.append(f"<p><em>{esc(report['request'])}</em></p>")
    parts += [f"<p>{esc(note)}</p>" for note in report.get("notes", [])]
    parts.append(f"<video controls loop src='{film_uri}'></video>")
    parts.append("<table><tr><th>#</th><th>shot</th><th>keyframes</th><th>takes (alignment)</th></tr>")
    for i, (shot, frames) in enumerate(zip(report["shots"], shot_frames), 1):
        thumbs = "".join(f"<img alt='keyframe' height='{THUMB}' src='{_png_uri(f)}'>"
                         for f in _keyframes(frames))
        takes = "<br>".join(
            f"<span class='{'pass' if t['passed'] else 'fail'}'>seed {t['seed']}: "
            f"{t['scores'].get('alignment', t['scores'].get('checks', 0)):.0%} "
            f"{'passed' if t['passed'] else 'below the gate'}</span>"
            f"{' — saw ' + esc(', '.join(t['seen'].values())) if t.get('seen') else ''}"
            for t in shot["takes"])
        how = "continues the previous shot" if shot.get("source") == "previous" else shot["mode"]
        sound = shot.get("sound")
        heard = (f"<br><small>sound: {len(sound['onsets'])} event(s)"
                 f"{' at ' + ', '.join(f'{t:.2f} s' for t in sound['onsets']) if sound['onsets'] else ''}, "
                 f"{esc(' / '.join(dict.fromkeys(sound['scenes'])))} ambience</small>") if sound else ""
        parts.append(f"<tr><td>{i}</td><td>{esc(shot['prompt'])}<br><small>{esc(how)}, {shot['duration']:g} s, "
                     f"{esc(shot['transition'])} in</small>{heard}</td><td>{thumbs}</td><td>{takes}</td></tr>")
    parts.append("</table>")
    parts.append(f"<p><small>{len(report['shots'])} shots, made in {report.get('seconds', 0):.1f} s with reelwright "
                 f"{esc(report['versions']['reelwright'])}.</small></p></body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
