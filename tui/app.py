"""The conversational terminal UI: direct a film from a chat, watch it render, approve, retake.

The director graph runs in a worker thread; every event it streams is handed to the UI thread, so typing
stays responsive while shots render.
"""

from __future__ import annotations

from pathlib import Path

from langgraph.types import Command
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Markdown, ProgressBar, Static

from agent.film import FILM_THREAD, director_session, film_folder, write_film
from agent.film_folder import claim_folder, film_identity, film_lock
from agent.graph import DirectorSettings
from agent.storyboard import Storyboard
from tools.common import EngineSession

HELP = """**Commands**: describe a film to plan it; answer **yes** to render, or ask for a change
("make the second shot blue", "add a shot where it falls into the sea", "swap shots 1 and 2").
**F2** puts the selected shot into the prompt to edit in place; `/undo` takes back the last change while
the storyboard waits for approval; `/retake N` renders shot N again with a new seed; `/sessions` lists
earlier films and `/sessions N` resumes one; `/open` shows where the film is; `/help` this text."""


class ReelwrightApp(App):
    TITLE = "reelwright"
    CSS = """
    #panes { height: 1fr; }
    #chat { width: 1fr; min-width: 30; border: round $primary; }
    #side { width: 1fr; min-width: 30; }
    #board { height: 1fr; border: round $secondary; }
    #preview { height: auto; max-height: 12; border: round $secondary; }
    #progress { height: 1; }
    """
    BINDINGS = [Binding("ctrl+q", "quit", "Quit"), Binding("f1", "help", "Help"),
                Binding("f2", "edit_shot", "Edit shot")]

    def __init__(self, session: EngineSession | None = None, settings: DirectorSettings | None = None,
                 films_root: Path = Path("films")):
        super().__init__()
        self.session = session or EngineSession()
        self.settings = settings or DirectorSettings()
        self.films_root = films_root
        self.film_dir: Path | None = None
        self.awaiting_approval = False
        self.busy = False
        self.board: Storyboard | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panes"):
            yield VerticalScroll(Markdown("Describe a film, e.g. *a red ball bounces on the beach, then it rolls "
                                          "to the right*. `/help` for commands."), id="chat")
            with Vertical(id="side"):
                yield DataTable(id="board", cursor_type="row")
                preview = Static("Keyframes of finished shots appear here.", id="preview")
                preview.border_title = "keyframes"
                yield preview
        yield ProgressBar(id="progress", show_eta=False)
        yield Static(self._status(), id="status")
        yield Input(placeholder="Say what should happen…", id="prompt")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("#", "shot", "mode", "status", "takes"):
            table.add_column(label, key=label)
        self.query_one(Input).focus()

    def _status(self) -> str:
        from agent.llm import LLMSettings

        llm = LLMSettings()
        planner = f"LLM {llm.model} at {llm.base_url}" if llm.configured else "offline planner"
        return f"model: {self.session.capabilities.name} · {planner} · {self.film_dir or 'no film yet'}"

    # -- chat ---------------------------------------------------------------------------------------
    def say(self, text: str, who: str = "director") -> None:
        chat = self.query_one("#chat", VerticalScroll)
        chat.mount(Markdown(f"**{who}:** {text}" if who == "you" else text))
        chat.scroll_end(animate=False)

    def action_help(self) -> None:
        self.say(HELP)

    def action_edit_shot(self) -> None:
        """Put the selected shot, in words, into the prompt: change what should differ and press enter."""
        from engine.world.captions import canonical_caption

        if self.board is None or not self.board.shots:
            self.notify("No storyboard yet: describe a film first.", severity="warning")
            return
        row = min(self.query_one(DataTable).cursor_row, len(self.board.shots) - 1)
        prompt = self.query_one(Input)
        shot = self.board.shots[row]
        words = shot.prompt if self.session.capabilities.free_text else canonical_caption(shot.attributes)
        prompt.value = f"make shot {row + 1}: {words}"
        prompt.cursor_position = len(prompt.value)
        prompt.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        event.input.value = ""
        if not text:
            return
        self.say(text, who="you")
        if text == "/help":
            self.action_help()
        elif text == "/open":
            film = self.film_dir / "film.mp4" if self.film_dir else None
            self.say(f"The film is at `{film}`." if film and film.exists() else "No film yet.")
        elif text == "/undo":
            if self.awaiting_approval and not self.busy:
                self.talk("undo")
            else:
                self.say("`/undo` works while a storyboard waits for approval; for a rendered film, describe the "
                         "change or `/retake N`.")
        elif text.startswith("/sessions"):
            self.sessions(text.split()[1] if len(text.split()) > 1 else None)
        elif text.startswith("/retake"):
            number = text.split()[1] if len(text.split()) > 1 else ""
            self.talk(f"retake shot {number}", retake=True)
        elif self.busy:
            self.notify("Still working on the last request…", severity="warning")
        else:
            self.talk(text)

    def earlier_films(self) -> list[Path]:
        """Film folders with a director session, newest first."""
        if not self.films_root.is_dir():
            return []
        found = [p.parent for p in self.films_root.glob("*/session.sqlite")]
        return sorted(found, key=lambda p: (p / "session.sqlite").stat().st_mtime, reverse=True)

    def sessions(self, choice: str | None) -> None:
        films = self.earlier_films()
        if not films:
            self.say(f"No earlier sessions under `{self.films_root}`.")
            return
        if choice is None:
            lines = [f"{i}. `{p.name}`{' (film made)' if (p / 'film.mp4').exists() else ''}"
                     for i, p in enumerate(films, 1)]
            self.say("**Earlier sessions** (`/sessions N` resumes one):\n\n" + "\n".join(lines))
            return
        if self.busy:
            self.notify("Still working on the last request…", severity="warning")
            return
        if not choice.isdigit() or not 1 <= int(choice) <= len(films):
            self.say(f"Choose a session between 1 and {len(films)} (`/sessions` lists them).")
            return
        self.resume(films[int(choice) - 1])

    def resume(self, folder: Path) -> None:
        """Make ``folder``'s session the current one and show where it stands."""
        with director_session(folder, self.session, self.settings) as app:
            state = app.get_state(FILM_THREAD)
        values = state.values
        if not values.get("storyboard"):
            self.say(f"`{folder.name}` has no storyboard yet: describe a film to start.")
            return
        self.film_dir = folder
        self.board = Storyboard.model_validate(values["storyboard"])
        self.awaiting_approval = any(task.interrupts for task in state.tasks)  # not a render cut short
        self.show_board(self.board, values.get("takes") or {})
        self.query_one("#status", Static).update(self._status())
        if self.awaiting_approval:
            where = "It waits for your approval: answer yes, or describe a change."
        elif state.next:
            where = "Its render was cut short: `/retake N` or a change carries on from where it stopped."
        else:
            where = "Its film is made: describe a change, or `/retake N`."
        self.say(f"Resumed `{folder.name}` ({len(self.board.shots)} shots). {where}")

    # -- the director, in a worker thread ---------------------------------------------------------------
    @work(thread=True, exclusive=True)
    def talk(self, text: str, retake: bool = False) -> None:
        self.busy = True
        try:
            new_film = self.film_dir is None or (not retake and not self.awaiting_approval and self.board is not None)
            if new_film:
                self.film_dir = film_folder(text, self.films_root)  # a new request starts a new film
                self.board = None
                self.call_from_thread(self.query_one("#status", Static).update, self._status())
            with film_lock(self.film_dir):  # one writer per folder: a CLI run on it is refused, and the other way
                self._talk_locked(text, retake, new_film)
        except Exception as exc:  # any layer's failure is a notice; the session continues
            self.call_from_thread(self.notify, f"{type(exc).__name__}: {exc}", severity="error")
        finally:
            self.busy = False

    def _talk_locked(self, text: str, retake: bool, new_film: bool) -> None:
        if new_film:
            claim_folder(self.film_dir, film_identity("chat", text, self.session.capabilities.name), force=False)
        with director_session(self.film_dir, self.session, self.settings) as app:
            state = app.get_state(FILM_THREAD)
            if retake:
                inputs = self._retake(app, state, text)
                if inputs is False:
                    return
            elif state.next:
                inputs = Command(resume=text)  # the answer to the director's question
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
            report = write_film(self.film_dir, values, self.session, self.settings, None, 0.0)
            self.call_from_thread(self.on_film_done, report)

    def _retake(self, app, state, text: str):
        """Mark the shot (and the shots continuing from it) not done, with a new seed; None resumes."""
        from agent.edits import EditError, apply_edit

        if not state.values.get("takes") or state.next:
            self.call_from_thread(self.say, "Nothing is rendered yet: approve the storyboard first.")
            return False
        board = Storyboard.model_validate(state.values["storyboard"])
        try:
            outcome = apply_edit(board, text)
        except EditError as exc:
            self.call_from_thread(self.say, str(exc))
            return False
        again = list(outcome.changed)
        for i, shot in enumerate(outcome.board.shots):
            if i and shot.source == "previous" and outcome.board.shots[i - 1].id in again:
                again.append(shot.id)
        app.update_state(FILM_THREAD, {"storyboard": outcome.board.model_dump(), "takes": {s: [] for s in again}},
                         as_node="collect")
        kept = {k: v for k, v in state.values["takes"].items() if k not in again}
        self.call_from_thread(self.show_board, outcome.board, kept)
        self.call_from_thread(self.say, outcome.message)
        return None

    def on_director_event(self, kind: str, event: dict) -> None:
        if kind == "updates":
            for node, update in event.items():
                if node == "__interrupt__":
                    payload = update[0].value
                    self.show_board(Storyboard.model_validate(payload["storyboard"]))
                    self.say(payload["summary"] + "\n\n" + payload["question"])
                elif isinstance(update, dict):
                    if update.get("storyboard"):
                        self.show_board(Storyboard.model_validate(update["storyboard"]))
                    for message in update.get("messages") or []:
                        if message["role"] == "assistant" and node != "plan":
                            self.say(message["content"])
                    for shot_id, takes in (update.get("takes") or {}).items():
                        if takes:
                            self._show_takes(shot_id, takes)
        elif kind == "custom" and "error" in event and "shot" in event:
            self.notify(f"{event['shot']}: {event['error']}", severity="warning")
        elif kind == "custom" and "sound" in event:
            try:
                status = str(self.query_one(DataTable).get_cell(event["shot"], "status")).split(" · ")[0]
            except Exception:  # a row from an older storyboard
                return
            self.set_row(event["shot"], status=f"{status} · sound: {event['sound']} event(s)")
        elif kind == "custom" and "step" in event:
            bar = self.query_one(ProgressBar)
            bar.update(total=event["steps"], progress=event["step"])
            self.set_row(event["shot"], status=f"rendering {event['step']}/{event['steps']} "
                                               f"(compute {event['compute']:.0%})")

    def show_board(self, board: Storyboard, takes: dict | None = None) -> None:
        """The storyboard as rows; shots that already have takes show them."""
        self.board = board
        table = self.query_one(DataTable)
        table.clear()
        for i, shot in enumerate(board.shots, 1):
            mode = "continues" if shot.source == "previous" else shot.mode
            table.add_row(str(i), shot.prompt, mode, "planned", "", key=shot.id)
            if (takes or {}).get(shot.id):
                self._show_takes(shot.id, takes[shot.id])

    def _show_takes(self, shot_id: str, takes: list[dict]) -> None:
        from agent.storyboard import Take

        best = max(Take.model_validate(t).rank for t in takes)
        verdict = "done" if any(t["passed"] for t in takes) else "done (below gate)"
        self.set_row(shot_id, status=verdict, takes=f"{len(takes)} · best {best:.0%}")
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
        number = next((i for i, s in enumerate(self.board.shots, 1) if s.id == shot_id), "?") if self.board else "?"
        columns = max(8, min(24, (preview.size.width - 4) // 3)) if preview.size.width else 16
        preview.update(keyframes(np.load(chosen.frames_path), columns=columns))
        preview.border_title = f"keyframes · shot {number} (seed {chosen.seed})"

    def set_row(self, shot_id: str, status: str | None = None, takes: str | None = None) -> None:
        table = self.query_one(DataTable)
        try:
            if status is not None:
                table.update_cell(shot_id, "status", status)
            if takes is not None:
                table.update_cell(shot_id, "takes", takes)
        except Exception:  # a row from an older storyboard: nothing to update
            pass

    def on_film_done(self, report: dict) -> None:
        self.say(f"The film is ready: `{report['film']}` (`/open` shows it again).")
        self.query_one("#status", Static).update(self._status())


def run(session: EngineSession | None = None) -> None:
    ReelwrightApp(session).run()
