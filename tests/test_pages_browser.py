"""storyboard.html in headless Chromium: it loads, logs nothing to the console, requests nothing.

Network is recorded with Chromium's own net log, with its background services switched off and every
host name unresolvable, so any URL the page asks for shows up there (and fails). .ci/run installs
Debian's chromium when the machine lacks it.
"""

import json
import shutil
import subprocess

import pytest

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


def test_storyboard_page_loads_clean(tmp_path):
    import numpy as np

    from engine.media import write_video
    from engine.world import render_clip

    frames = [render_clip(shape="ball", colour="red", scene=s, motion="bounces", seed=1, audio=False).frames
              for s in ("meadow", "beach")]
    film = write_video(tmp_path / "film.mp4", np.concatenate(frames), 8, scale=2)
    report = {"title": "A test film", "request": "a red ball bounces", "notes": [], "seconds": 1.0,
              "versions": {"reelwright": "test"},
              "shots": [{"id": f"s{i}", "prompt": f"shot {i}", "mode": "t2v", "attributes": {"colour": "red"},
                         "transition": "cut", "duration": 2.0, "chosen_seed": 0,
                         "sound": {"onsets": [0.5], "impacts": [0.5], "scenes": ["meadow"], "loudness_db": -20.0},
                         "takes": [{"seed": 0, "scores": {"alignment": 1.0}, "seen": {}, "passed": True,
                                    "seconds": 1.0}]} for i in (1, 2)]}
    page = tmp_path / "storyboard.html"
    storyboard_page(report, frames, film, page)
    console, urls, dom = open_in_chromium(page, tmp_path)
    assert console == [], console
    assert urls == set(), urls
    assert "A test film" in dom and dom.count("<video") == 1
