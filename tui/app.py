"""The conversational terminal UI: direct a film from a chat, watch it render, change it after the cut.

The screen appears at once; the engine loads in a background thread while the status line says so, and
whatever is typed meanwhile waits its turn. The director graph runs in a worker thread too, and every
event it streams is handed to the UI thread, so typing stays responsive while shots render. Nothing a
library prints reaches the terminal: standard error goes to the chat's log file (`/log`).

Only Textual is imported up front: the engine, the agent and torch load in the background.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Markdown, ProgressBar, Static

from agent.events import FilmEvent, ShotFailed, ShotSounded, StepDrawn, TakeScored
from tui.progress import FilmProgress

if TYPE_CHECKING:
    from tools.film_report import FilmEdit, FilmReport

HELP = """**Commands**

- describe a film to plan it; answer **yes** to render, or ask for a change ("make the second shot blue",
  "add a shot where it falls into the sea", "swap shots 1 and 2")
- once the film is made, say what to change: only the shots it touches are rendered again
- `new film: …` or `/new` starts another film
- **F2** puts the selected shot into the prompt to edit it in place
- `/undo` takes back the last change (before or after the cut)
- `/retake N` renders shot N again with a new seed
- **Esc** (or ctrl+c) stops a render after the step in hand; `/resume` carries on
- `/sessions` lists earlier films, `/sessions N` resumes one
- `/open` plays the film, `/log` shows the chat's log, **ctrl+q** quits"""

RESUME_WORDS = {"/resume", "resume", "go on", "continue", "carry on"}

# Table columns in the order they are given up when the table is narrow (status is kept to the last).
COLUMNS = [("#", 2), ("shot", 0), ("status", 14), ("takes", 9), ("mode", 9)]
DROP_ORDER = ["mode", "takes"]


class Board(DataTable):
    """The storyboard table: its columns are laid out again whenever its width changes."""

    def on_resize(self, event) -> None:
        if event.size.width != getattr(self, "_laid_out_for", None):
            self._laid_out_for = event.size.width
            self.app.call_after_refresh(self.app._layout_table)


def default_log_path() -> Path:
    return Path.home() / ".cache" / "reelwright" / "logs" / f"chat-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"


class OutputToLog:
    """Standard error (Python's and the file descriptor C libraries write to) into a log file while the UI
    runs, so no warning, progress bar or library message lands in the middle of the screen. Textual draws
    on ``sys.__stderr__``: it gets a descriptor of its own on the terminal."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._saved_fd: int | None = None
        self._saved = None
        self._log = None
        self._terminal = None

    def start(self) -> None:
        if self._saved_fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.path, "a", buffering=1, encoding="utf-8", errors="replace")  # noqa: SIM115
        for stream in (sys.stderr, sys.__stderr__):
            if stream is not None:
                stream.flush()
        self._saved_fd = os.dup(2)
        self._saved = (sys.stderr, sys.__stderr__)
        if sys.__stderr__ is not None:
            encoding = getattr(sys.__stderr__, "encoding", None) or "utf-8"
            self._terminal = open(os.dup(self._saved_fd), "w", buffering=1, encoding=encoding,  # noqa: SIM115
                                  errors="replace")
            sys.__stderr__ = self._terminal
        os.dup2(self._log.fileno(), 2)
        sys.stderr = self._log

    def stop(self) -> None:
        if self._saved_fd is None:
            return
        for stream in (sys.stderr, self._terminal):
            if stream is not None:
                stream.flush()
        sys.stderr, sys.__stderr__ = self._saved
        os.dup2(self._saved_fd, 2)
        os.close(self._saved_fd)
        self._saved_fd = None
        if self._terminal is not None:
            self._terminal.close()
            self._terminal = None
        self._log.close()

    def take_python_writes(self) -> None:
        """Textual swaps in its own sys.stderr while it runs (and drops what is written there): Python-level
        warnings and messages go to the log as well."""
        if self._log is not None:
            sys.stderr = self._log

    def tail(self, lines: int = 10) -> list[str]:
        try:
            return self.path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        except OSError:
            return []


def fenced(text: str) -> str:
    """A path or command on a line of its own, easy to select and copy (one that is wider than the chat pane
    wraps there rather than running off its edge)."""
    return f"\n```\n{text}\n```\n"


def shown_path(path: Path) -> str:
    """A path as short as it can be said: relative to where reelwright was started, when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class ReelwrightApp(App):
    TITLE = "reelwright"
    CSS = """
    #panes { height: 1fr; }
    #chat { width: 1fr; min-width: 30; border: round $primary; }
    #side { width: 1fr; min-width: 30; }
    #board { height: 1fr; border: round $secondary; }
    #preview { height: auto; max-height: 12; border: round $secondary; }
    #progress-line { height: 1; color: $text-muted; }
    #progress { height: 1; }
    /* A path in the chat wraps inside its box rather than running off the pane's edge. */
    #chat MarkdownFence { overflow-x: hidden; }
    #chat MarkdownFence > Label { width: 1fr; text-wrap: wrap; padding: 1 1; }
    """
    BINDINGS = [Binding("ctrl+q", "quit", "Quit"), Binding("f1", "help", "Help"),
                Binding("f2", "edit_shot", "Edit shot"), Binding("escape", "stop", "Stop render"),
                Binding("ctrl+c", "stop", "Stop render", show=False, priority=True)]

    def __init__(self, engine=None, settings=None, films_root: Path = Path("films"), make_engine=None,
                 log_path: Path | None = None):
        """``engine``: a loaded VideoEngine; or ``make_engine``, a function that makes one (it runs in the
        background once the screen is up)."""
        super().__init__()
        self.engine = engine
        self._make_engine = make_engine
        self.settings = settings
        self.films_root = films_root
        self.output = OutputToLog(log_path or default_log_path())
        self.film_dir: Path | None = None
        self.awaiting_approval = False
        self.film_made = False  # the current film has a cut: what is said next changes it
        self.busy = False
        self.ready = False
        self.queue: deque[str] = deque()
        self.board = None
        self.rows: dict[str, dict[str, str]] = {}
        self.sounded: set[str] = set()  # shots whose chosen take has its sound (the row's ♪)
        self.tracker: FilmProgress | None = None
        self._last_said = ""
        self._quitting = False
        self._widths: dict[str, int] = {}
        self._stopped = False  # the last render was stopped by the person
        self._run_owns_output = False
        self.exit_note = ""  # said on the terminal once the screen is gone (what a stopped render kept)

    # -- screen -----------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panes"):
            yield VerticalScroll(Markdown("Describe a film, e.g. *a red ball bounces on the beach, then it rolls "
                                          "to the right*. `/help` for commands."), id="chat")
            with Vertical(id="side"):
                yield Board(id="board", cursor_type="row")
                preview = Static("Keyframes of finished shots appear here.", id="preview")
                preview.border_title = "keyframes"
                yield preview
        yield Static("idle", id="progress-line")
        yield ProgressBar(id="progress", total=1.0, show_eta=False)
        yield Static("loading the model…", id="status")
        yield Input(placeholder="Say what should happen…", id="prompt")
        yield Footer()

    def run(self, *args, **kwargs):
        """The log takes standard error before Textual opens the terminal (it draws on its own copy)."""
        self.output.start()
        self._run_owns_output = True
        try:
            return super().run(*args, **kwargs)
        finally:
            self.output.stop()

    def on_mount(self) -> None:
        self.output.start()  # already started by run(); a headless test's app starts it here
        self.output.take_python_writes()
        self.query_one(ProgressBar).display = False
        self._layout_table()
        self.query_one(Input).focus()
        self.load_engine()

    def on_unmount(self) -> None:
        if not self._run_owns_output:  # run() stops it once Textual has let go of the terminal
            self.output.stop()

    @work(thread=True, exclusive=True, group="load")
    def load_engine(self) -> None:
        """The engine and the agent, in the background: the screen is already up."""
        try:
            if self.engine is None:
                self.engine = self._make_engine()
            self.engine.capabilities  # noqa: B018 (checks the model folder, reads its configs)
            import agent.film  # noqa: F401 (the director: langgraph, the planners)
            import agent.film_edit  # noqa: F401
            from agent.graph import DirectorSettings

            self.settings = self.settings or DirectorSettings()
        except Exception as exc:  # a wrong model folder, a broken install: said, and the screen stays
            self.call_from_thread(self.say, f"The engine could not be loaded: {exc}")
            self.call_from_thread(self._set_status, f"no engine: {str(exc).splitlines()[0][:80]}")
            return
        self.call_from_thread(self.engine_ready)

    def engine_ready(self) -> None:
        self.ready = True
        self._set_status(self._status())
        self._next_in_queue()

    def _status(self) -> str:
        from agent.llm import LLMSettings

        llm = LLMSettings()
        planner = f"LLM {llm.model}" if llm.configured else "offline planner"
        where = self.film_dir.name if self.film_dir else "no film yet"
        line = f"{self.engine.capabilities.name} · {planner} · {where}"
        return _fit(line, max(20, self.size.width - 1)) if self.size.width else line

    def _set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    # -- chat -------------------------------------------------------------------------------------------
    def say(self, text: str, who: str = "director") -> None:
        chat = self.query_one("#chat", VerticalScroll)
        chat.mount(Markdown(f"**{who}:** {text}" if who == "you" else text))
        chat.scroll_end(animate=False)
        if who != "you":
            self._last_said = text

    def action_help(self) -> None:
        self.say(HELP)

    def action_edit_shot(self) -> None:
        """Put the selected shot, in words, into the prompt: change what should differ and press enter."""
        if self.board is None or not self.board.shots:
            self.notify("No storyboard yet: describe a film first.", severity="warning")
            return
        from engine.world.captions import canonical_caption

        row = min(self.query_one(DataTable).cursor_row, len(self.board.shots) - 1)
        prompt = self.query_one(Input)
        shot = self.board.shots[row]
        words = shot.prompt if self.engine.capabilities.free_text else canonical_caption(shot.attributes)
        prompt.value = f"make shot {row + 1}: {words}"
        prompt.cursor_position = len(prompt.value)
        prompt.focus()

    def action_stop(self) -> None:
        """Stop the render after the step in hand; finished shots are kept."""
        if not self.busy or self.engine is None:
            self.notify("Nothing is rendering (ctrl+q quits).")
            return
        self.engine.cancel.set()
        self.query_one("#progress-line", Static).update("stopping after this step…")

    async def action_quit(self) -> None:
        if self.busy and self.engine is not None:
            self._quitting = True
            self.engine.cancel.set()
            self.query_one("#progress-line", Static).update("stopping after this step, then quitting…")
            self.set_timer(15.0, self._quit_now)  # never wait long
            return
        self.exit()

    def _quit_now(self) -> None:
        self.exit_note = self._kept_message()
        self.exit()

    def _kept_message(self) -> str:
        if self.film_dir is None:
            return "Stopped."
        return (f"Stopped mid-render: the finished shots are kept in {self.film_dir}. Run `reelwright chat` and "
                f"`/sessions` to carry on.")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        event.input.value = ""
        if not text:
            return
        self.say(text, who="you")
        if text.startswith("/") and text.split()[0] != "/resume":
            self.command(text)
        else:
            self.ask(text)

    def command(self, text: str) -> None:
        name, _, rest = text.partition(" ")
        rest = rest.strip()
        if name == "/help":
            self.action_help()
        elif name == "/open":
            self.open_film()
        elif name == "/log":
            lines = self.output.tail()
            self.say("The chat's log (library messages and warnings go here):" + fenced(str(self.output.path))
                     + (fenced("\n".join(lines)) if lines else "It is empty."))
        elif name == "/new":
            if self.busy:
                self.say("Still working on this film: `/new` once it is done (Esc stops the render).")
                return
            self.new_film()
            self.say("Describe the new film.")
        elif name == "/undo":
            if self.awaiting_approval or self.film_made:
                self.ask("undo")
            else:
                self.say("Nothing to undo yet.")
        elif name == "/sessions":
            self.sessions(rest or None)
        elif name == "/retake":
            if not self.film_made:
                self.say("Nothing is rendered yet: approve the storyboard first.")
            else:
                self.ask(f"retake shot {rest}")
        else:
            self.say(f"Unknown command {name}: `/help` lists them.")

    def ask(self, text: str) -> None:
        """Something for the director: now, or once the engine is loaded and the work in hand is done."""
        if self.busy or not self.ready:
            self.queue.append(text)
            waiting = "the model loads" if not self.ready else "the work in hand is done"
            self.say(f"_Queued until {waiting}:_ {text}")
            return
        self._start_talk(text)

    def _next_in_queue(self) -> None:
        if self.queue and self.ready and not self.busy:
            self._start_talk(self.queue.popleft())

    def _start_talk(self, text: str) -> None:
        self.busy = True  # set here, on the UI thread, so nothing else starts before the worker does
        self.talk(text)

    def new_film(self) -> None:
        self.film_dir, self.board, self.film_made, self.awaiting_approval = None, None, False, False
        self.rows, self.sounded = {}, set()
        self.query_one(DataTable).clear()
        preview = self.query_one("#preview", Static)
        preview.update("Keyframes of finished shots appear here.")
        preview.border_title = "keyframes"
        if self.ready:
            self._set_status(self._status())

    def open_film(self) -> None:
        film = self.film_dir / "film.mp4" if self.film_dir else None
        if film is None or not film.exists():
            self.say("No film yet.")
            return
        opener = shutil.which("xdg-open") or shutil.which("open")
        if opener is None:
            self.say("There is no `xdg-open` or `open` here to start a player; play it with e.g. "
                     f"`mpv` or `vlc`:{fenced(f'mpv {shown_path(film)}')}")
            return
        subprocess.Popen([opener, str(film)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
        self.say(f"Opening the film with `{Path(opener).name}`:{fenced(shown_path(film))}")

    def earlier_films(self) -> list[Path]:
        """Film folders with a director session, newest first."""
        if not self.films_root.is_dir():
            return []
        found = [p.parent for p in self.films_root.glob("*/session.sqlite")]
        return sorted(found, key=lambda p: (p / "session.sqlite").stat().st_mtime, reverse=True)

    def sessions(self, choice: str | None) -> None:
        films = self.earlier_films()
        if not films:
            self.say(f"No earlier films under `{self.films_root}`.")
            return
        if choice is None:
            self.say("**Earlier films** (`/sessions N` resumes one):\n\n" + "\n".join(
                f"{i}. {_describe_folder(p)}" for i, p in enumerate(films, 1)))
            return
        if not choice.isdigit() or not 1 <= int(choice) <= len(films):
            self.say(f"Choose a film between 1 and {len(films)} (`/sessions` lists them).")
            return
        if self.busy or not self.ready:
            self.say("Still working: `/sessions N` once the work in hand is done.")
            return
        self.resume(films[int(choice) - 1])

    def resume(self, folder: Path) -> None:
        """Make ``folder``'s film the current one and show where it stands."""
        from agent.film import FILM_THREAD, director_session
        from agent.storyboard import Storyboard, shots_phrase

        with director_session(folder, self.engine, self.settings) as app:
            state = app.get_state(FILM_THREAD)
        values = state.values
        if not values.get("storyboard"):
            self.say(f"`{folder.name}` has no storyboard yet: describe a film to start.")
            return
        self.new_film()
        self.film_dir = folder
        self.awaiting_approval = any(task.interrupts for task in state.tasks)
        self.film_made = not state.next and bool(values.get("takes")) and (folder / "film.mp4").exists()
        self.sounded = set(values.get("sounds") or {})
        self.show_board(Storyboard.model_validate(values["storyboard"]), values.get("takes") or {})
        self._set_status(self._status())
        if self.awaiting_approval:
            where = "It waits for your approval: answer yes, or describe a change."
        elif state.next:
            where = "Its render was stopped: `/resume` carries on."
        else:
            where = "Its film is made: say what to change, or `/retake N`."
        self.say(f"Resumed `{folder.name}` ({shots_phrase(len(self.board.shots))}). {where}")

    # -- the director, in a worker thread ---------------------------------------------------------------
    @work(thread=True, exclusive=True, group="director")
    def talk(self, text: str) -> None:
        from agent.film import film_folder
        from agent.film_folder import film_lock
        from tools.common import RenderCancelled

        self._stopped = False
        self.engine.cancel.clear()
        try:
            asked_new = re.match(r"\s*new film\s*[:\-–]\s*(.*)$", text, re.I | re.S)
            if asked_new:
                text = asked_new.group(1).strip()
                self.call_from_thread(self.new_film)
                if not text:
                    self.call_from_thread(self.say, "Describe the new film.")
                    return
            new = self.film_dir is None
            if new:
                self.film_dir = film_folder(text, self.films_root)
                self.call_from_thread(self._set_status, self._status())
            # One writer per folder: a CLI run on it is refused, and the other way; a dead run's lock is taken
            # over, and that is said.
            with film_lock(self.film_dir, lambda note: self.call_from_thread(self.say, note)):
                self._talk_locked(text, new)
        except RenderCancelled:
            self.call_from_thread(self.on_stopped)
        except Exception as exc:  # any layer's failure is one line; the chat goes on
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.call_from_thread(self.say, f"That did not work: {message}")
        finally:
            self.busy = False
            self.call_from_thread(self.after_work)

    def _talk_locked(self, text: str, new: bool) -> None:
        import time

        from langgraph.types import Command

        from agent.film import FILM_THREAD, director_session, write_film
        from agent.film_edit import FilmEditError, change_film
        from agent.film_folder import claim_folder, film_identity
        from agent.storyboard import Storyboard

        started = time.perf_counter()
        if new:
            claim_folder(self.film_dir, film_identity("chat", text, self.engine.capabilities.name), force=False)
        with director_session(self.film_dir, self.engine, self.settings) as app:
            state = app.get_state(FILM_THREAD)
            values = state.values
            made = not state.next and bool(values.get("takes"))
            if made and not new:
                self.call_from_thread(self._start_tracking)
                try:
                    report, edit = change_film(self.film_dir, app, self.engine, self.settings, text,
                                               lambda kind, event: self.call_from_thread(self.on_director_event,
                                                                                         kind, event))
                except FilmEditError as exc:
                    self.call_from_thread(self.say, str(exc))
                    return
                values = app.get_state(FILM_THREAD).values
                board = Storyboard.model_validate(values["storyboard"])
                self.call_from_thread(self.on_film_changed, board, edit, report, values.get("takes") or {})
                return
            if state.next and not any(task.interrupts for task in state.tasks):
                inputs = None  # a render that was stopped: carry on from its checkpoint
                if text.lower().strip(" .!") not in RESUME_WORDS:
                    self.call_from_thread(self.say, "Carrying on with the stopped render first.")
            elif state.next:
                inputs = Command(resume=text)  # the answer to the director's question
                if text.lower().strip(" .!") in {"yes", "y", "ok", "go", "render", "do it", "approve"}:
                    self.call_from_thread(self._start_tracking)
            else:
                inputs = {"request": text}
            for kind, event in app.stream(inputs, FILM_THREAD, stream_mode=["updates", "custom"]):
                self.call_from_thread(self.on_director_event, kind, event)
            state = app.get_state(FILM_THREAD)
        self.awaiting_approval = bool(state.next)
        values = state.values
        if values.get("storyboard"):
            self.board = Storyboard.model_validate(values["storyboard"])
        if values.get("error"):
            self.call_from_thread(self.say, values["error"])
        elif not state.next and values.get("takes"):
            report = write_film(self.film_dir, values, self.engine, self.settings, values.get("request"), started)
            self.film_made = True
            self.call_from_thread(self.on_film_done, report)

    def _start_tracking(self) -> None:
        if self.board is None:
            return
        self.tracker = FilmProgress([s.id for s in self.board.shots], self.settings.max_takes)
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.update(total=1.0, progress=0.0)

    def after_work(self) -> None:
        """The work in hand is over: the bar says so, and what was queued goes next."""
        self.query_one(ProgressBar).display = False
        line = self.query_one("#progress-line", Static)
        line.update("idle · " + ("film ready" if self.film_made else "waiting for you" if self.awaiting_approval
                                 else "say what to make"))
        self.tracker = None
        if self._quitting:
            self._quit_now()
            return
        if self._stopped:  # what was queued waits for the person: /resume, or anything new, goes first
            if self.queue:
                self.say(f"Still queued: {' · '.join(self.queue)} (it goes after `/resume`).")
            return
        self._next_in_queue()

    def on_stopped(self) -> None:
        self._stopped = True
        done = sum(1 for row in self.rows.values() if row.get("status", "").startswith("done"))
        self.awaiting_approval = False
        for shot_id, row in self.rows.items():
            if row.get("status", "").startswith("drawing"):
                self.set_row(shot_id, status="stopped")
        total = len(self.board.shots) if self.board is not None else len(self.rows)
        self.say(f"Stopped. {done} of {total} shots are finished and kept; `/resume` carries on.")

    def on_director_event(self, kind: str, event: dict | FilmEvent) -> None:
        from agent.storyboard import Storyboard

        if kind == "updates":
            for node, update in event.items():
                if node == "__interrupt__":
                    payload = update[0].value
                    self.show_board(Storyboard.model_validate(payload["storyboard"]))
                    # A change already said the storyboard (review's reply): then only the question is new.
                    text = payload["question"] if payload["summary"] in self._last_said else (
                        payload["summary"] + "\n\n" + payload["question"])
                    self.say(text)
                elif isinstance(update, dict):
                    if node == "sound":  # every shot that has its sound now
                        self.sounded = set(update.get("sounds") or {})
                    if update.get("storyboard"):
                        self.show_board(Storyboard.model_validate(update["storyboard"]))
                    for message in update.get("messages") or []:
                        if message["role"] == "assistant" and node not in ("plan", "answer"):
                            self.say(message["content"])
                    for shot_id, takes in (update.get("takes") or {}).items():
                        if takes:
                            self._show_takes(shot_id, takes)
                            if self.tracker is not None:
                                self.tracker.finish(shot_id)
            return
        if self.tracker is None and isinstance(event, (StepDrawn, TakeScored)):
            self._start_tracking()
        if self.tracker is not None:
            self.tracker.on_event(event)
            self.query_one(ProgressBar).update(progress=self.tracker.fraction)
            self.query_one("#progress-line", Static).update(self.tracker.line())
        if isinstance(event, (ShotFailed, TakeScored)):
            self.sounded.discard(event.shot)  # a new take, or none: its sound is still to come
        if isinstance(event, ShotFailed):
            self.notify(f"shot {self._number(event.shot)}: {event.error}", severity="warning")
        elif isinstance(event, ShotSounded):
            self.sounded.add(event.shot)
            status = self.rows.get(event.shot, {}).get("status", "")
            if status.startswith("done"):
                self.set_row(event.shot, status=f"{status.split(' ·')[0]} · ♪")
        elif isinstance(event, StepDrawn):
            self.set_row(event.shot, status=f"drawing {event.step}/{event.steps}")
        elif isinstance(event, TakeScored):
            verdict = "passed" if event.passed else "low"
            self.set_row(event.shot, status=f"take {event.take} {verdict}")

    # -- the storyboard table ---------------------------------------------------------------------------
    def _number(self, shot_id: str) -> str:
        if self.board is None:
            return shot_id
        return str(next((i for i, s in enumerate(self.board.shots, 1) if s.id == shot_id), shot_id))

    def _columns(self) -> list[tuple[str, int]]:
        """The columns that fit the table's width now: status always, mode and takes while there is room."""
        table = self.query_one(DataTable)
        width = max(24, (table.size.width or table.parent.size.width or 40) - 2)
        columns = list(COLUMNS)
        for name in DROP_ORDER:
            fixed = sum(w for _, w in columns) + 2 * len(columns)
            if width - fixed >= 14:
                break
            columns = [c for c in columns if c[0] != name]
        fixed = sum(w for _, w in columns) + 2 * len(columns)
        return [(name, w or max(8, width - fixed)) for name, w in columns]

    def _layout_table(self) -> None:
        """Columns recomputed for the width (on every resize and every new storyboard), rows redrawn."""
        table = self.query_one(DataTable)
        columns = self._columns()
        table.clear(columns=True)
        for name, width in columns:
            table.add_column(name, key=name, width=width)
        self._widths = dict(columns)
        if self.board is None:
            return
        for i, shot in enumerate(self.board.shots, 1):
            row = self.rows.get(shot.id, {})
            cells = {"#": str(i), "shot": _fit(shot.prompt, self._widths["shot"]),
                     "status": _fit(row.get("status", "planned"), self._widths["status"]),
                     "takes": row.get("takes", ""), "mode": "continues" if shot.source == "previous" else shot.mode}
            table.add_row(*(cells[name] for name, _ in columns), key=shot.id)

    def show_board(self, board, takes: dict | None = None) -> None:
        """The storyboard as rows; shots that already have takes show them."""
        known = {s.id for s in board.shots}
        self.rows = {k: v for k, v in self.rows.items() if k in known}
        self.board = board
        self._layout_table()
        for shot in board.shots:
            if (takes or {}).get(shot.id):
                self._show_takes(shot.id, takes[shot.id])

    def _show_takes(self, shot_id: str, takes: list[dict]) -> None:
        from agent.storyboard import Take

        best = max(Take.model_validate(t).rank for t in takes)
        verdict = "done" if any(t["passed"] for t in takes) else "done (low)"  # low: best take kept, below the gate
        if shot_id in self.sounded:
            verdict += " · ♪"
        self.set_row(shot_id, status=verdict, takes=f"{len(takes)} · {best:.0%}")
        self.show_keyframes(shot_id, takes)

    def show_keyframes(self, shot_id: str, takes: list[dict]) -> None:
        """First, middle and last frame of the shot's chosen take, drawn with half blocks."""
        import numpy as np

        from agent.storyboard import Take, best_take
        from tui.preview import keyframes

        chosen = best_take([Take.model_validate(t) for t in takes])
        if chosen is None or not chosen.frames_path or not Path(chosen.frames_path).is_file():
            return
        preview = self.query_one("#preview", Static)
        columns = max(8, min(24, (preview.size.width - 4) // 3)) if preview.size.width else 16
        preview.update(keyframes(np.load(chosen.frames_path), columns=columns))
        preview.border_title = f"keyframes · shot {self._number(shot_id)} (seed {chosen.seed})"

    def set_row(self, shot_id: str, status: str | None = None, takes: str | None = None) -> None:
        row = self.rows.setdefault(shot_id, {})
        table = self.query_one(DataTable)
        widths = self._widths
        for name, value in (("status", status), ("takes", takes)):
            if value is None:
                continue
            row[name] = value
            if name in widths:
                try:
                    table.update_cell(shot_id, name, _fit(value, widths[name]))
                except Exception:  # a row from an older storyboard: nothing to update
                    pass

    # -- results ----------------------------------------------------------------------------------------
    def on_film_done(self, report: FilmReport) -> None:
        from agent.storyboard import shots_phrase

        film = self.film_dir / report.film
        self.say(f"The film is ready ({shots_phrase(len(report.shots))}, {report.length:.1f} s):"
                 f"{fenced(shown_path(film))}`/open` plays it. Say what to change, or `new film: …` for another.")
        self._set_status(self._status())

    def on_film_changed(self, board, edit: FilmEdit, report: FilmReport, takes: dict) -> None:
        self.film_made = True
        self.show_board(board, takes)
        changed = [shot_id for shot_id in edit.rerendered if takes.get(shot_id)]
        if changed:  # the keyframes show what the change made
            self.show_keyframes(changed[0], takes[changed[0]])
        self.say(f"{edit.message} {edit.summary([shot.id for shot in board.shots])}")
        self.on_film_done(report)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def _describe_folder(folder: Path) -> str:
    """A film folder in a line: its title, shots, whether it is made, and when it was last worked on."""
    from agent.storyboard import shots_phrase
    from tools.film_report import FilmReport, FilmReportError

    when = datetime.fromtimestamp((folder / "session.sqlite").stat().st_mtime).strftime("%d %b %H:%M")
    try:
        report = FilmReport.read(folder)
    except FilmReportError:
        return f"not finished · {when} · `{folder.name}`"
    return f"**{report.title}**, {shots_phrase(len(report.shots))}, film made · {when} · `{folder.name}`"


def run(engine=None) -> None:
    ReelwrightApp(engine).run()
