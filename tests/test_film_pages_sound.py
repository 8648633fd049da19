"""A made film's sound at streaming loudness, and what a person looks at beside it: storyboard.html and the
contact sheet.

The films are made through the product path (``reelwright make``) and measured with ffmpeg's own EBU R128
meter (the ebur128 filter, true peak on), not with the pyloudnorm meter the cut normalizes with.
"""

import base64
import hashlib
import io
import json
import re
import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
import soundfile
from PIL import Image

from agent.cli import main
from engine.media import probe
from tools.cut import CutArgs, CutShot, cut_film, loudness, normalize_loudness, true_peak
from tools.film_report import FilmReport, ShotReport
from tools.pages import LABEL_HEIGHT, THUMB, contact_sheet, storyboard_page

FILMS = {
    "ball": ["A red ball bounces on the beach. Then it rolls to the right."],
    "cube": ["A blue cube falls in the snow."],
    "triangle": ["A green triangle rises at night. Then it moves left in the desert.", "--title-card"],
}


@pytest.fixture(scope="module")
def films(tiny_weights, tmp_path_factory):
    """Three short films made as a person makes them: {name: (folder, report)}."""
    made = {}
    for name, (request, *extra) in FILMS.items():
        out = tmp_path_factory.mktemp("films") / name
        assert main(["make", request, "--out", str(out), "--steps", "2", "--takes", "1",
                     "--weights", str(tiny_weights), "--json", *extra]) == 0
        made[name] = out, json.loads((out / "report.json").read_text())
    return made


def ebur128(path) -> tuple[float, float]:
    """(integrated loudness in LUFS, true peak in dBTP) of a file's sound, by ffmpeg's ebur128 filter."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-vn",
               "-af", "ebur128=peak=true", "-f", "null", "-"]
    err = subprocess.run(command, capture_output=True, text=True, timeout=120).stderr
    summary = err[err.rindex("Summary:"):]
    number = r"(-?(?:\d+(?:\.\d+)?|inf))"
    found = re.search(r"I:\s+" + number + r" LUFS", summary), re.search(r"Peak:\s+" + number + r" dBFS", summary)
    assert all(found), summary
    return float(found[0].group(1)), float(found[1].group(1))


def test_films_play_at_streaming_loudness(films):
    figures = {}
    for name, (out, _) in films.items():
        assert probe(out / "film.mp4")["audio"], name
        figures[name] = ebur128(out / "film.mp4")
    print("film loudness (LUFS, dBTP):", figures)
    for name, (integrated, peak) in figures.items():
        assert -17.0 <= integrated <= -15.0, (name, integrated)
        assert peak <= -1.0, (name, peak)


def test_quiet_and_silent_sound_is_not_blown_up(tiny_weights, tmp_path):
    rate = 44100
    assert normalize_loudness(np.zeros(rate), rate).max() == 0
    hiss = np.random.default_rng(0).standard_normal(2 * rate) * 10 ** (-85 / 20)  # below the -70 LUFS gate
    assert np.array_equal(normalize_loudness(hiss, rate), hiss.astype(np.float32)), "hiss is left as it is"
    faint = np.random.default_rng(1).standard_normal(2 * rate) * 10 ** (-62 / 20)
    before = loudness(faint, rate)
    after = loudness(normalize_loudness(faint, rate), rate)
    assert -70 < before < -46 and after == pytest.approx(before + 30, abs=0.1), "raised by at most 30 dB"
    clicks = np.zeros(2 * rate)
    clicks[::rate // 4] = 0.99  # all peak and little loudness: the limiter holds the peaks
    level = normalize_loudness(clicks + 0.001 * np.sin(np.arange(2 * rate) / 7), rate)
    assert true_peak(level) <= -1.9
    # A film made without sound has no track at all.
    out = tmp_path / "silent"
    assert main(["make", "A blue cube falls in the snow.", "--out", str(out), "--steps", "1", "--takes", "1",
                 "--weights", str(tiny_weights), "--no-sound"]) == 0
    assert not probe(out / "film.mp4")["audio"]


def test_the_cut_is_deterministic(tmp_path):
    shots = []
    for i, level in enumerate((0.05, 0.3)):
        np.save(tmp_path / f"s{i}.npy", np.full((8, 32, 32, 3), 100 * i, np.uint8))
        noise = np.random.default_rng(i).standard_normal(16000) * level
        soundfile.write(tmp_path / f"s{i}.wav", np.clip(noise, -1, 1).astype(np.float32), 16000)
        shots.append(CutShot(frames_path=str(tmp_path / f"s{i}.npy"), audio_path=str(tmp_path / f"s{i}.wav"),
                             transition="crossfade"))
    digests = {hashlib.sha256(cut_film(CutArgs(shots=shots, out_path=str(tmp_path / f"f{k}.mp4"))).read_bytes())
               .hexdigest() for k in range(2)}
    assert len(digests) == 1
    integrated, peak = ebur128(tmp_path / "f0.mp4")
    assert -17.0 <= integrated <= -15.0 and peak <= -1.0


def test_storyboard_page_of_a_made_film(films):
    out, report = films["ball"]
    page = (out / "storyboard.html").read_text()
    shots = report["shots"]
    assert len(shots) == 2
    assert "max-width" not in page and "video.film{width:100%" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page, "offline"
    assert page.count("data:video/mp4;base64,") == 1, "the film is embedded"
    # 3 keyframes and a poster per shot, and the film's poster.
    assert page.count("data:image/png;base64,") == 4 * len(shots) + 1
    assert re.search(r"<video class='film'[^>]* poster='data:image/png;base64,", page)
    for i, shot in enumerate(shots, 1):
        clip = f"shots/{i:02d}_{shot['id']}.mp4"
        assert (out / clip).is_file()
        assert re.search(r"<video class='shot' controls preload='metadata' poster='data:image/png;base64,[^']+' "
                         f"src='{clip}'>", page), clip
        assert f"{shot['frames'] / shot['fps']:.2f} s ({shot['frames']} frames at {shot['fps']} fps" in page
    assert report["request"] in page
    assert "running time 4.0 s" in page  # two 2-second shots joined by a cut
    assert 0 < report["seconds"] < 86400 and re.search(r"made in [\d.]+ (min [\d.]+ )?s \(the time taken to make it\)",
                                                       page)
    sheet = Image.open(out / "contact_sheet.png")
    assert sheet.height == len(shots) * (THUMB + LABEL_HEIGHT)


def test_storyboard_footer_and_poster(tmp_path):
    from engine.media import write_video

    frames = [np.zeros((8, 32, 32, 3), np.uint8), np.full((8, 32, 32, 3), 180, np.uint8)]
    film = write_video(tmp_path / "film.mp4", np.concatenate(frames), 8)
    report = FilmReport(film="film.mp4", title="T", length=2.0, made="2026-11-26T12:00:00",
                        versions={"reelwright": "test"},
                        shots=[ShotReport(id=f"s{i}", prompt="p", mode="t2v", transition="cut", duration=1.0,
                                          takes=[], chosen_seed=0, video=f"shots/0{i}_s{i}.mp4", frames=8, fps=8,
                                          seconds=1.0) for i in (1, 2)])
    for seconds, shown in ((None, None), (0, None), (-3.0, None), (2e9, None), (86400, None),
                           (12.34, "made in 12.3 s"), (75.0, "made in 1 min 15.0 s")):
        page = storyboard_page(report.model_copy(update={"seconds": seconds}), frames, film,
                               tmp_path / "s.html").read_text()
        footer = page[page.rindex("<p><small>"):]
        assert "running time 2.0 s" in footer
        assert (shown in footer) if shown else "made in" not in footer, (seconds, footer)
    poster = re.search(r"class='film'[^>]* poster='data:image/png;base64,([^']+)'", page).group(1)
    image = np.asarray(Image.open(io.BytesIO(base64.b64decode(poster))).convert("RGB"))
    assert image.mean() > 100, "the first shot is black, so the poster is the next shot's middle frame"


def test_contact_sheet_rows_are_labelled(tmp_path):
    frames = [np.full((8, 64, 64, 3), 90, np.uint8) for _ in range(3)]
    labels = ["a red ball bounces on a beach", "a red ball moves right on a beach " * 4, "a cube"]
    sheet = np.asarray(Image.open(contact_sheet(frames, tmp_path / "sheet.png", labels=labels)))
    row = THUMB + LABEL_HEIGHT
    assert sheet.shape[0] == 3 * row
    strips = [sheet[k * row:k * row + LABEL_HEIGHT] for k in range(3)]
    assert all((s < 100).any() and (s == 255).any() for s in strips), "dark text on white"
    assert not np.array_equal(strips[0], strips[1]) and not np.array_equal(strips[1], strips[2])
    assert (sheet[LABEL_HEIGHT:row] == 90).all(), "the keyframes are untouched"
    plain = np.asarray(Image.open(contact_sheet(frames, tmp_path / "plain.png")))  # as callers make it today
    assert plain.shape == sheet.shape and not np.array_equal(plain[:LABEL_HEIGHT], plain[row:row + LABEL_HEIGHT])
