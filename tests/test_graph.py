"""The director graph on a tiny model: approval, waves, the consistency gate, checkpoints, resuming."""

import sqlite3

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Command

from agent.events import StepDrawn, TakeScored
from agent.graph import DirectorSettings, build_director
from tools.common import VideoEngine

STORY = "A red ball bounces on the beach. Then it rolls to the right. After that a blue cube falls in the snow."


class CountingEngine(VideoEngine):
    """Counts real renders (cache misses), so tests can prove nothing is rendered twice."""

    rendered = 0

    def render(self, *args, **kwargs):
        result = super().render(*args, **kwargs)
        if not result.cached:
            type(self).rendered += 1
        return result


@pytest.fixture()
def engine(tiny_weights, tmp_path):
    CountingEngine.rendered = 0
    return CountingEngine(weights=tiny_weights, cache_dir=tmp_path / "shots")


def _saver(path):
    return SqliteSaver(sqlite3.connect(str(path), check_same_thread=False))


def test_review_edit_approve_and_gate(engine, tmp_path):
    app = build_director(engine, DirectorSettings(max_takes=2, steps=2), checkpointer=_saver(tmp_path / "s.db"))
    cfg = {"configurable": {"thread_id": "film-1"}}
    events = list(app.stream({"request": STORY}, cfg, stream_mode=["updates", "custom"]))
    interrupts = [e for kind, e in events if kind == "updates" and "__interrupt__" in e]
    assert interrupts and "Render this storyboard" in interrupts[0]["__interrupt__"][0].value["question"]
    assert len(app.get_state(cfg).values["storyboard"]["shots"]) == 3

    list(app.stream(Command(resume="make the second shot yellow"), cfg))
    list(app.stream(Command(resume="undo"), cfg))
    assert "Undone" in app.get_state(cfg).values["messages"][-1]["content"]
    list(app.stream(Command(resume="undo"), cfg))
    assert "Nothing to undo" in app.get_state(cfg).values["messages"][-1]["content"]
    list(app.stream(Command(resume="make the second shot green"), cfg))
    board = app.get_state(cfg).values["storyboard"]
    assert [s["colour"] for s in board["shots"]] == ["red", "green", "blue"]

    progress = [e for kind, e in app.stream(Command(resume="yes"), cfg, stream_mode=["updates", "custom"])
                if kind == "custom"]
    assert any(isinstance(p, StepDrawn) for p in progress), "per-step progress is streamed"
    values = app.get_state(cfg).values
    takes = values["takes"]
    assert set(takes) == {"s1", "s2", "s3"}
    # A random tiny model never draws the right thing: the gate retakes and keeps every take's scores.
    assert all(len(t) == 2 and not any(x["passed"] for x in t) for t in takes.values())
    assert all("alignment" in x["scores"] for t in takes.values() for x in t)
    assert "Rendered 3 shots" in values["messages"][-1]["content"]


def test_kill_and_resume_renders_nothing_twice(engine, tmp_path):
    db = tmp_path / "s.db"
    settings = DirectorSettings(auto_approve=True, max_takes=1, steps=2)
    app = build_director(engine, settings, checkpointer=_saver(db))
    cfg = {"configurable": {"thread_id": "film-2"}}
    # Stop once the first take is made, as a killed process would: the shot it belongs to is in the cache
    # but its run (shot 1, then shot 2 from its last frame) never reached a checkpoint.
    for kind, event in app.stream({"request": STORY}, cfg, stream_mode=["updates", "custom"]):
        if kind == "custom" and isinstance(event, TakeScored):
            break
    assert CountingEngine.rendered >= 1
    app2 = build_director(engine, settings, checkpointer=_saver(db))  # a new process, same database
    list(app2.stream(None, cfg))
    assert set(app2.get_state(cfg).values["takes"]) == {"s1", "s2", "s3"}
    assert CountingEngine.rendered == 3, "each shot rendered exactly once across the crash"


def test_unplannable_request_is_a_clear_message(engine, tmp_path):
    app = build_director(engine, DirectorSettings(auto_approve=True), checkpointer=_saver(tmp_path / "s.db"))
    cfg = {"configurable": {"thread_id": "film-3"}}
    list(app.stream({"request": "asdf qwerty"}, cfg))
    values = app.get_state(cfg).values
    assert "found nothing to film" in values["error"] and not values.get("takes")


def test_a_lost_shot_fails_alone_and_a_rerun_renders_only_it(tiny_weights, tmp_path):
    """A shot whose (cluster) worker died on every try: the other runs finish, the shot that continues it is
    not drawn from nothing, the film says which shot and how to go on, and the rerun renders only those."""
    from agent.film import FilmIncomplete, make_film
    from tools.common import ShotLost

    class LosingEngine(CountingEngine):
        lose = True
        rendered = 0

        def render(self, mode, prompt, *args, **kwargs):
            if self.lose and "bounces" in prompt:
                raise ShotLost("its worker died 3 time(s) (ActorDiedError: killed); the other shots are kept: run "
                               "the same command again to retry it")
            return super().render(mode, prompt, *args, **kwargs)

    engine = LosingEngine(weights=tiny_weights, cache_dir=tmp_path / "shots")
    settings = DirectorSettings(max_takes=1, steps=2, sound=False)
    with pytest.raises(FilmIncomplete, match=r"shot 1 \(s1\) was not rendered: its worker died 3 time"):
        make_film(tmp_path / "film", engine, request=STORY, settings=settings)
    assert LosingEngine.rendered == 1, "the independent third shot was rendered"
    engine.lose = False
    report = make_film(tmp_path / "film", engine, request=STORY, settings=settings)
    assert LosingEngine.rendered == 3 and len(report.shots) == 3
