"""The terminal UI driven with Textual's Pilot: plan, approve, watch progress, rows done, retake."""

import asyncio
import time

from textual.widgets import DataTable, Input, Markdown, ProgressBar
from textual.widgets.markdown import MarkdownFence

from agent.graph import DirectorSettings
from tools.common import VideoEngine
from tui.app import ReelwrightApp, fenced


def _chat_text(app) -> str:
    return "\n".join(str(m._markdown) for m in app.query(Markdown))


def _cells(app, column: str) -> list[str]:
    table = app.query_one(DataTable)
    return [str(table.get_cell(row, column)) for row in table.rows]


async def _until(pilot, condition, timeout=60.0):
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "timed out waiting for the UI"
        await pilot.pause(0.1)


async def _type(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)
    await pilot.press("enter")


def test_plan_approve_render_and_retake(tiny_weights, tmp_path):
    engine = VideoEngine(weights=tiny_weights, cache_dir=tmp_path / "shots")
    app = ReelwrightApp(engine, DirectorSettings(max_takes=1, steps=3), films_root=tmp_path / "films")

    async def scenario():
        async with app.run_test(size=(100, 30)) as pilot:
            await _type(pilot, "a red ball bounces then it rises")
            await _until(pilot, lambda: "Render this storyboard" in _chat_text(app))
            assert _cells(app, "status") == ["planned", "planned"]
            assert app.board.shots[1].source == "previous"

            await _type(pilot, "make the second shot blue")
            await _until(pilot, lambda: "Changed shot 2" in _chat_text(app))
            assert "blue" in _cells(app, "shot")[1]
            app.query_one(DataTable).move_cursor(row=0)
            await pilot.press("f2")  # edit shot 1 in place: its description lands in the prompt
            prompt = app.query_one(Input)
            assert prompt.value.startswith("make shot 1: a red ball")
            prompt.value = prompt.value.replace("red", "yellow")
            await pilot.press("enter")
            await _until(pilot, lambda: "yellow" in _cells(app, "shot")[0])
            await _type(pilot, "/undo")
            await _until(pilot, lambda: "Undone" in _chat_text(app))
            await _until(pilot, lambda: "yellow" not in _cells(app, "shot")[0])
            await _type(pilot, "/undo")
            await _until(pilot, lambda: _chat_text(app).count("Undone") == 2)
            await _until(pilot, lambda: "blue" not in _cells(app, "shot")[1])
            await _type(pilot, "make the second shot blue")
            await _until(pilot, lambda: _chat_text(app).count("Changed shot 2") == 2)
            assert "blue" in _cells(app, "shot")[1]

            await _type(pilot, "yes")
            await _until(pilot, lambda: app.query_one(ProgressBar).progress > 0)
            await _until(pilot, lambda: all(s.startswith("done") for s in _cells(app, "status")))
            await _until(pilot, lambda: "The film is ready" in _chat_text(app))
            assert (app.film_dir / "film.mp4").exists()
            preview = app.query_one("#preview")
            assert "▀" in str(preview.render()) and "keyframes · shot" in preview.border_title

            await _type(pilot, "/retake 1")
            await _until(pilot, lambda: "Retaking shot 1" in _chat_text(app))
            await _until(pilot, lambda: _chat_text(app).count("The film is ready") == 2)
            assert all(s.startswith("done") for s in _cells(app, "status"))

    asyncio.run(scenario())


def test_narrow_terminal_shows_chat_and_storyboard(tiny_weights, tmp_path):
    app = ReelwrightApp(VideoEngine(weights=tiny_weights, cache_dir=tmp_path), films_root=tmp_path)

    async def scenario():
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            chat, board = app.query_one("#chat"), app.query_one("#board")
            assert chat.region.width >= 30 and board.region.width >= 30
            assert chat.region.height >= 10 and board.region.height >= 10
            await _type(pilot, "/help")
            await _until(pilot, lambda: "/retake N" in _chat_text(app))

    asyncio.run(scenario())


def test_keys_are_handled_quickly_while_rendering(tiny_weights, tmp_path):
    """Time from a key press to the input field's change message, measured inside the app, mid-render."""
    from textual.widgets import Input

    from engine.caches import CacheSettings

    # NCR off: its default skips most steps, and the render must outlast the typing.
    engine = VideoEngine(weights=tiny_weights, cache_dir=tmp_path / "shots", cache=CacheSettings(name="off"))
    app = ReelwrightApp(engine, DirectorSettings(max_takes=1, steps=100), films_root=tmp_path / "films")
    changed: list[float] = []
    delays = []

    def hook(message):
        if isinstance(message, Input.Changed):
            changed.append(time.perf_counter())

    async def scenario():
        async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
            await _type(pilot, "a red ball bounces then it rises")
            await _until(pilot, lambda: "Render this storyboard" in _chat_text(app))
            await _type(pilot, "yes")
            await _until(pilot, lambda: app.query_one(ProgressBar).progress > 0.02)
            for ch in "hello":
                assert app.busy, "the render is still going"
                seen = len(changed)
                start = time.perf_counter()
                await pilot.press(ch)
                while len(changed) == seen:
                    await asyncio.sleep(0.005)
                delays.append(changed[seen] - start)
            await _until(pilot, lambda: not app.busy, timeout=300)

    asyncio.run(scenario())
    assert max(delays) < 0.2, delays


def test_sessions_resume_after_a_restart(tiny_weights, tmp_path):
    engine = VideoEngine(weights=tiny_weights, cache_dir=tmp_path / "shots")
    settings = DirectorSettings(max_takes=1, steps=1)
    first = ReelwrightApp(engine, settings, films_root=tmp_path / "films")

    async def make_one():
        async with first.run_test(size=(100, 30)) as pilot:
            await _type(pilot, "a blue cube falls in the desert")
            await _until(pilot, lambda: "Render this storyboard" in _chat_text(first))

    asyncio.run(make_one())  # the app is closed while the storyboard waits for approval
    again = ReelwrightApp(engine, settings, films_root=tmp_path / "films")

    async def resume():
        async with again.run_test(size=(100, 30)) as pilot:
            await _type(pilot, "/sessions")
            await _until(pilot, lambda: "Earlier films" in _chat_text(again))
            assert "1. not finished" in _chat_text(again)
            await _type(pilot, "/sessions 1")
            await _until(pilot, lambda: "Resumed" in _chat_text(again))
            assert "waits for your approval" in _chat_text(again) and _cells(again, "status") == ["planned"]
            await _type(pilot, "yes")
            await _until(pilot, lambda: "The film is ready" in _chat_text(again))
            assert again.film_dir == first.film_dir and (again.film_dir / "film.mp4").exists()

    asyncio.run(resume())


TWO = "a red ball bounces on the beach. after that a blue cube falls in the snow"


class GatedEngine(VideoEngine):
    """Holds the cube's shot until the test lets it go, so a test can act while it is 'rendering'."""

    def __init__(self, *args, **kwargs):
        import threading

        super().__init__(*args, **kwargs)
        self.gate = threading.Event()
        self.waiting = threading.Event()

    def render(self, mode, prompt, *args, **kwargs):
        if "cube" in prompt and not self.gate.is_set():
            self.waiting.set()
            self.gate.wait(60)
        return super().render(mode, prompt, *args, **kwargs)


def _app(engine, tmp_path, steps: int = 2) -> ReelwrightApp:
    return ReelwrightApp(engine, DirectorSettings(max_takes=1, steps=steps), films_root=tmp_path / "films",
                         log_path=tmp_path / "chat.log")


async def _plan_and_approve(pilot, app, request: str = TWO) -> None:
    await _type(pilot, request)
    await _until(pilot, lambda: "Render this storyboard" in _chat_text(app))
    await _type(pilot, "yes")


def test_a_change_after_the_cut_renders_only_that_shot_in_the_same_folder(tiny_weights, tmp_path):
    import json

    app = _app(VideoEngine(weights=tiny_weights, cache_dir=tmp_path / "shots"), tmp_path)

    async def scenario():
        async with app.run_test(size=(100, 30)) as pilot:
            await _plan_and_approve(pilot, app)
            await _until(pilot, lambda: "The film is ready" in _chat_text(app))
            # The film is said from the worker; the idle state follows once it has finished.
            await _until(pilot, lambda: str(app.query_one("#progress-line").render()) == "idle · film ready")
            assert not app.query_one(ProgressBar).display, "no bar while idle"
            assert all(cell.endswith("♪") for cell in _cells(app, "status")), "every shot has its sound"
            folder = app.film_dir
            await _type(pilot, "make the first shot green")
            await _until(pilot, lambda: _chat_text(app).count("The film is ready") == 2)
            assert all(cell.endswith("♪") for cell in _cells(app, "status")), "a change keeps the sound marks"
            assert app.film_dir == folder and len(list((tmp_path / "films").iterdir())) == 1
            report = json.loads((folder / "report.json").read_text())
            assert report["edit"]["rerendered"] == {"s1": "colour red -> green"}
            assert "Rendered again: shot 1 (colour red -> green)" in _chat_text(app)
            assert (folder / "film.v1.mp4").exists()
            await _type(pilot, "/undo")
            await _until(pilot, lambda: "Undone" in _chat_text(app))
            await _type(pilot, "new film: a white ring rises at night")
            await _until(pilot, lambda: _chat_text(app).count("Render this storyboard") == 2)
            assert app.film_dir != folder and len(list((tmp_path / "films").iterdir())) == 2

    asyncio.run(scenario())


def test_typing_while_busy_is_queued_and_a_stop_keeps_finished_shots(tiny_weights, tmp_path):
    engine = GatedEngine(weights=tiny_weights, cache_dir=tmp_path / "shots")
    app = _app(engine, tmp_path)

    async def scenario():
        async with app.run_test(size=(100, 30)) as pilot:
            await _plan_and_approve(pilot, app)
            await _until(pilot, lambda: engine.waiting.is_set() and _cells(app, "status")[0].startswith("done"))
            assert str(app.query_one("#progress-line").render()) == "1 of 2 shots rendered"
            await _type(pilot, "make the first shot green")
            await _until(pilot, lambda: "Queued until the work in hand is done" in _chat_text(app))
            await pilot.press("escape")
            engine.gate.set()
            await _until(pilot, lambda: "Stopped." in _chat_text(app), timeout=20)
            assert "Stopped. 1 of 2 shots are finished and kept" in _chat_text(app), _chat_text(app)
            assert "Still queued: make the first shot green" in _chat_text(app) and not app.film_made
            await _type(pilot, "/resume")
            await _until(pilot, lambda: "The film is ready" in _chat_text(app))
            await _until(pilot, lambda: "Rendered again: shot 1" in _chat_text(app), timeout=120)

    asyncio.run(scenario())


def test_at_80_by_24_the_status_column_shows(tiny_weights, tmp_path):
    app = _app(VideoEngine(weights=tiny_weights, cache_dir=tmp_path / "shots"), tmp_path, steps=1)

    async def scenario():
        async with app.run_test(size=(80, 24)) as pilot:
            await _type(pilot, TWO)
            await _until(pilot, lambda: "Render this storyboard" in _chat_text(app))
            table = app.query_one(DataTable)
            keys = [c.key.value for c in table.columns.values()]
            assert "status" in keys and "shot" in keys
            used = sum(c.get_render_width(table) for c in table.columns.values())
            assert used <= table.size.width, "every column fits: none is off screen"
            assert _cells(app, "status") == ["planned", "planned"]
            long_path = "films/20261126-162551-a-white-ring-rises-over-the-dunes-at-night/film.mp4"
            app.say(f"The film is ready:{fenced(long_path)}")
            await pilot.pause(0.2)
            fence = list(app.query(MarkdownFence))[-1]
            assert fence.virtual_size.width <= fence.size.width, "a long path wraps: none of it is off the pane"
            await pilot.resize_terminal(140, 40)
            await _until(pilot, lambda: "mode" in [c.key.value for c in app.query_one(DataTable).columns.values()])
            await _type(pilot, "/help")
            await _until(pilot, lambda: "/retake N" in _chat_text(app))

    asyncio.run(scenario())


def test_library_output_goes_to_the_log_not_the_screen(tiny_weights, tmp_path):
    import os
    import sys

    def noisy_loading():
        time.sleep(3)  # a model takes a while to load: the screen is up meanwhile
        os.write(2, b"Cannot initialize model with low cpu memory usage (fd 2)\n")
        print("Loading weights: 100%|#####| 3/3 (sys.stderr)", file=sys.stderr, flush=True)
        return VideoEngine(weights=tiny_weights, cache_dir=tmp_path / "shots")

    log = tmp_path / "chat.log"
    app = ReelwrightApp(make_engine=noisy_loading, films_root=tmp_path / "films", log_path=log)

    async def scenario():
        async with app.run_test(size=(100, 30)) as pilot:
            await _type(pilot, "a red ball bounces")  # typed while the engine loads: it waits its turn
            await _until(pilot, lambda: "Render this storyboard" in _chat_text(app))
            assert "Queued until the model loads" in _chat_text(app)
            await _type(pilot, "/log")
            await _until(pilot, lambda: str(log) in _chat_text(app))
            assert "Cannot initialize" not in str(app.screen._compositor.render_update(full=True))

    asyncio.run(scenario())
    assert "Cannot initialize model with low cpu memory usage (fd 2)" in log.read_text()


def test_open_plays_the_film_or_says_how(tiny_weights, tmp_path, monkeypatch):
    import tui.app as tui_app

    opener = tmp_path / "xdg-open"
    opened = tmp_path / "opened.txt"
    opener.write_text(f"#!/bin/sh\necho \"$1\" > {opened}\n")
    opener.chmod(0o755)
    app = _app(VideoEngine(weights=tiny_weights, cache_dir=tmp_path / "shots"), tmp_path, steps=1)

    async def scenario():
        async with app.run_test(size=(100, 30)) as pilot:
            await _type(pilot, "/open")
            await _until(pilot, lambda: "No film yet" in _chat_text(app))
            await _plan_and_approve(pilot, app, "a red ball bounces")
            await _until(pilot, lambda: "The film is ready" in _chat_text(app))
            monkeypatch.setattr(tui_app.shutil, "which", lambda name: str(opener) if name == "xdg-open" else None)
            await _type(pilot, "/open")
            await _until(pilot, lambda: opened.exists())
            monkeypatch.setattr(tui_app.shutil, "which", lambda name: None)
            await _type(pilot, "/open")
            await _until(pilot, lambda: "There is no `xdg-open` or `open` here" in _chat_text(app))

    asyncio.run(scenario())
    assert opened.read_text().strip().endswith("film.mp4")
