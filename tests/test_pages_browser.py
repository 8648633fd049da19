"""storyboard.html in headless Chromium: it loads, logs nothing to the console, requests nothing beyond the
shots' own videos beside it, fills a 1280-px window and shows its film's poster frame.

Network is recorded with Chromium's own net log, with its background services switched off and every
host name unresolvable, so any URL the page asks for shows up there (and fails). .ci/run installs
Debian's chromium when the machine lacks it.
"""

import html
import json
import re
import shutil
import subprocess

import pytest

from tools.film_report import FilmReport
from tools.pages import storyboard_page

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(BROWSER is None, reason="chromium is not installed (.ci/run installs it)")

QUIET = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-domain-reliability",
         "--disable-client-side-phishing-detection", "--disable-features=Translate,OptimizationHints,MediaRouter",
         "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
         "--enable-logging=stderr", "--v=0"]


def open_in_chromium(page, tmp_path) -> tuple[list[str], set[str], str]:
    """Console lines, URLs requested other than the page itself, and the rendered DOM."""
    netlog = tmp_path / "net.json"
    proc = subprocess.run([BROWSER, *QUIET, f"--log-net-log={netlog}", f"--user-data-dir={tmp_path / 'profile'}",
                           "--virtual-time-budget=3000", "--dump-dom", page.resolve().as_uri()],
                          capture_output=True, text=True, timeout=120)
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    log = json.loads(netlog.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = set()
    for event in log["events"]:
        params = event.get("params") or {}
        # Requests on behalf of the page carry its (file://) origin in their isolation key; the browser's
        # own housekeeping requests (which the flags cannot all silence) do not.
        if event["type"] == start_job and "file://" in params.get("network_isolation_key", ""):
            if params["url"] != page.resolve().as_uri():
                urls.add(params["url"])
    return console, urls, proc.stdout


def test_the_check_catches_errors_and_requests(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<html><body><img src="http://example.com/x.png"><script>console.error("boom")</script>'
                   "</body></html>")
    console, urls, _ = open_in_chromium(bad, tmp_path)
    assert any("boom" in line for line in console) and "http://example.com/x.png" in urls


def _film_folder(tmp_path):
    """A film folder as reelwright makes it (film.mp4, shots/NN_<id>.mp4) and its storyboard.html."""
    import numpy as np

    from engine.media import write_video
    from engine.world import render_clip

    frames = [render_clip(shape="ball", colour="red", scene=s, motion="bounces", seed=1, audio=False).frames
              for s in ("meadow", "beach")]
    # The film opens on black (as one with a title card or a fade-in does), so a page without a poster
    # frame shows a black box where the film is.
    film = write_video(tmp_path / "film.mp4", np.concatenate([np.zeros_like(frames[0][:8]), *frames]), 8, scale=2)
    (tmp_path / "shots").mkdir()
    for i, shot in enumerate(frames, 1):
        write_video(tmp_path / "shots" / f"{i:02d}_s{i}.mp4", shot, 8, scale=2)
    report = FilmReport.model_validate({
        "film": "film.mp4", "title": "A test film", "request": "a red ball bounces", "length": 4.0,
        "made": "2026-11-26T12:00:00", "seconds": 1.0, "versions": {"reelwright": "test"},
        "shots": [{"id": f"s{i}", "prompt": f"shot {i}", "mode": "t2v", "attributes": {"colour": "red"},
                   "transition": "cut", "duration": 2.0, "chosen_seed": 0, "video": f"shots/{i:02d}_s{i}.mp4",
                   "frames": len(frames[i - 1]), "fps": 8, "seconds": len(frames[i - 1]) / 8,
                   "sound": {"onsets": [0.5], "impacts": [0.5], "scenes": ["meadow"], "loudness_db": -20.0},
                   "takes": [{"seed": 0, "scores": {"alignment": 1.0}, "seen": {}, "passed": True,
                              "seconds": 1.0}]} for i in (1, 2)]})
    page = tmp_path / "storyboard.html"
    storyboard_page(report, frames, film, page)
    return page


def test_storyboard_page_loads_clean(tmp_path):
    page = _film_folder(tmp_path)
    console, urls, dom = open_in_chromium(page, tmp_path)
    assert console == [], console
    shots = {(tmp_path / "shots" / f"{i:02d}_s{i}.mp4").resolve().as_uri() for i in (1, 2)}
    assert urls <= shots, f"only the shots' own videos, beside the page: {urls - shots}"
    assert "A test film" in dom and dom.count("<video") == 3  # the film and each shot's own


WIDTH, HEIGHT = 1280, 900
MEASURE = """<script>addEventListener('load', () => {
  const box = r => { const b = r.getBoundingClientRect(); return [b.left, b.top, b.width, b.height]; };
  document.body.dataset.layout = JSON.stringify({window: document.documentElement.clientWidth,
    film: box(document.querySelector('video.film')), table: box(document.querySelector('table'))});
});</script>"""


def test_storyboard_page_fills_the_window_and_shows_a_poster(tmp_path):
    import numpy as np
    from PIL import Image

    page = _film_folder(tmp_path)
    window = [f"--window-size={WIDTH},{HEIGHT}", "--force-device-scale-factor=1", "--hide-scrollbars",
              f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000"]
    # The layout, read by a script in a copy of the page (the page itself has none).
    probe = tmp_path / "measure.html"
    probe.write_text(page.read_text().replace("</body>", MEASURE + "</body>"))
    dom = subprocess.run([BROWSER, *QUIET, *window, "--dump-dom", probe.resolve().as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    layout = json.loads(html.unescape(re.search(r'data-layout="([^"]+)"', dom).group(1)))
    assert layout["window"] == WIDTH
    left, top, width, height = layout["film"]
    assert width >= 0.9 * WIDTH and layout["table"][2] >= 0.9 * WIDTH, layout
    assert height > 0.5 * HEIGHT, "the film scales up with the window"
    # What the page itself shows there: the poster frame, not a black box.
    shot = tmp_path / "shot.png"
    subprocess.run([BROWSER, *QUIET, *window, f"--screenshot={shot}", page.resolve().as_uri()],
                   capture_output=True, timeout=120)
    pixels = np.asarray(Image.open(shot).convert("RGB"), np.float32)
    assert pixels.shape[1] == WIDTH
    inside = pixels[int(top) + 4:min(int(top + height), pixels.shape[0]) - 4, int(left) + 4:int(left + width) - 4]
    centre = inside[:, inside.shape[1] // 2 - 100:inside.shape[1] // 2 + 100]
    assert inside.size and centre.mean() > 60, f"the poster shows (mean {centre.mean():.0f})"
