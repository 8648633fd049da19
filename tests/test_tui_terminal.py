"""`reelwright chat` in a real terminal (tmux): keys in, screen text out."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")


def _pane(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True).stdout


def _wait_for(session: str, text: str, timeout: float = 60.0) -> str:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        screen = _pane(session)
        if text in screen:
            return screen
        time.sleep(0.3)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{_pane(session)}")


def test_chat_in_tmux(tiny_weights, tmp_path):
    session = f"rw-test-{time.monotonic_ns()}"
    script = Path(sys.executable).with_name("reelwright")
    command = f"{script} chat --weights {tiny_weights} --films {tmp_path / 'films'}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", command], check=True)
    try:
        _wait_for(session, "Describe a film")
        _wait_for(session, "Help")  # the footer shows the keys
        subprocess.run(["tmux", "send-keys", "-t", session, "/help", "Enter"], check=True)
        _wait_for(session, "/retake N")
        subprocess.run(["tmux", "send-keys", "-t", session, "a blue cube falls in the snow", "Enter"], check=True)
        screen = _wait_for(session, "Render this storyboard")
        assert "blue cube falls" in screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_change_a_finished_film_in_a_real_terminal(tiny_weights, tmp_path):
    """Request, approve, film, "make the first shot green": a new cut in the same folder, shot 1 alone
    rendered again (read from the report), at 80x24."""
    import json

    session = f"rw-edit-{time.monotonic_ns()}"
    script = Path(sys.executable).with_name("reelwright")
    films = tmp_path / "films"
    command = f"{script} chat --weights {tiny_weights} --films {films}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True)
    try:
        _wait_for(session, "Describe a film")
        subprocess.run(["tmux", "send-keys", "-t", session,
                        "a red ball bounces on the beach. after that a blue cube falls in the snow", "Enter"],
                       check=True)
        _wait_for(session, "Render this storyboard")
        subprocess.run(["tmux", "send-keys", "-t", session, "yes", "Enter"], check=True)
        screen = _wait_for(session, "The film is ready", timeout=240)
        assert "status" in screen, "the status column is on screen at 80x24"
        subprocess.run(["tmux", "send-keys", "-t", session, "make the first shot green", "Enter"], check=True)
        folders = list(films.iterdir())
        assert len(folders) == 1, "the change was made in the same folder"
        start = time.monotonic()
        while time.monotonic() - start < 240 and "edit" not in json.loads((folders[0] / "report.json").read_text()):
            time.sleep(0.5)
        _wait_for(session, "idle · film ready")
        assert "green ball" in _pane(session), "the table shows the changed shot"
        report = json.loads((folders[0] / "report.json").read_text())
        assert list(report["edit"]["rerendered"]) == ["s1"] and report["edit"]["previous_cut"] == "film.v1.mp4"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
