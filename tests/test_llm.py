"""The LLM path through the real openai client against a local scripted server."""

import json
import sqlite3

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver

from agent.graph import DirectorSettings, build_director
from agent.llm import LLMPlanner, LLMSettings, make_planner
from agent.offline_planner import OfflinePlanner
from tests.fake_openai import FakeOpenAI
from tools.common import VideoEngine

GOOD = json.dumps({"title": "Beach day", "notes": [], "shots": [
    {"shape": "ball", "colour": "red", "scene": "beach", "motion": "bounces", "camera": "static", "duration": 2,
     "continues_previous": False, "transition": "cut"},
    {"shape": "ball", "colour": "red", "scene": "beach", "motion": "moves right", "camera": "pan left",
     "duration": 3, "continues_previous": True, "transition": "cut"}]})
REQUEST = "A red ball bounces on the beach, then it rolls right."


@pytest.fixture(scope="module")
def offline():
    return OfflinePlanner()


def _planner(server, offline, timeout=5.0):
    return LLMPlanner(LLMSettings(base_url=server.base_url, api_key="test", model="fake", timeout=timeout), offline)


def test_tool_call_becomes_a_storyboard(offline):
    with FakeOpenAI([("tool", GOOD)]) as server:
        board = _planner(server, offline).plan(REQUEST)
    assert [(s.motion, s.mode) for s in board.shots] == [("bounces", "t2v"), ("moves right", "i2v")]
    assert board.shots[1].duration == 3 and board.title == "Beach day"
    sent = server.requests[0]
    assert sent["tools"][0]["function"]["name"] == "submit_storyboard"
    assert "ball, cube, triangle, ring" in sent["messages"][0]["content"], "the prompt comes from prompts/"


def test_malformed_arguments_get_one_corrective_retry(offline):
    bad = GOOD.replace('"bounces"', '"flies"')
    with FakeOpenAI([("tool", "{not json"), ("tool", GOOD)]) as server:
        board = _planner(server, offline).plan(REQUEST)
    assert len(board.shots) == 2 and len(server.requests) == 2
    assert "not a valid storyboard" in server.requests[1]["messages"][-1]["content"]
    with FakeOpenAI([("tool", bad), ("tool", bad)]) as server:
        board = _planner(server, offline).plan(REQUEST)
    assert "unusable storyboard" in board.notes[0] and "offline planner" in board.notes[0]
    assert [s.motion for s in board.shots] == ["bounces", "moves right"]


def test_server_without_tools_gets_plain_json(offline):
    with FakeOpenAI([("status", 400), ("text", "Here you go: " + GOOD)]) as server:
        board = _planner(server, offline).plan(REQUEST)
    assert len(board.shots) == 2 and "tools" not in server.requests[1]


@pytest.mark.parametrize("script,needle", [([("status", 500)], "answered with an error (500)"),
                                           ([("sleep", 2.0)], "did not answer within 0.5 s")])
def test_errors_and_timeouts_fall_back_with_a_clear_note(offline, script, needle):
    with FakeOpenAI(script) as server:
        planner = _planner(server, offline, timeout=0.5)
        board = planner.plan(REQUEST)
    assert needle in board.notes[0] and "offline planner" in board.notes[0]
    assert [s.motion for s in board.shots] == ["bounces", "moves right"], "a plan is made all the same"


@pytest.mark.parametrize("body", [("text/html", "<html><body>502 Bad Gateway</body></html>"),
                                  ("application/json", json.dumps({"result": "ok", "data": [1, 2]})),
                                  ("application/json", json.dumps({"choices": None})),
                                  ("application/json", "")])
def test_answers_that_are_not_completions_are_endpoint_faults(offline, body):
    with FakeOpenAI([("raw", body), ("raw", body)]) as server:
        board = _planner(server, offline).plan(REQUEST)
    assert "offline planner" in board.notes[0] and len(board.notes[0].splitlines()) == 1
    assert [s.motion for s in board.shots] == ["bounces", "moves right"]


def test_make_with_an_endpoint_answering_html_still_makes_the_film(tiny_weights, tmp_path, capsys, monkeypatch):
    from agent.cli import main

    with FakeOpenAI([("raw", ("text/html", "<html>sign in</html>"))] * 3) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code = main(["make", REQUEST, "--out", str(tmp_path / "film"), "--steps", "1", "--takes", "1",
                     "--no-sound", "--weights", str(tiny_weights)])
    out = capsys.readouterr().out
    assert code == 0 and (tmp_path / "film" / "film.mp4").exists()
    assert "not a chat completion" in out and "offline planner" in out


def test_endpoint_down_and_default_is_offline(offline):
    planner = LLMPlanner(LLMSettings(base_url="http://127.0.0.1:9/v1", timeout=1.0), offline)
    assert "could not be reached" in planner.plan(REQUEST).notes[0]
    assert isinstance(make_planner(LLMSettings(base_url=None)), OfflinePlanner)


def test_graph_recovers_from_a_failing_endpoint_and_loses_nothing(tiny_weights, tmp_path, offline):
    engine = VideoEngine(weights=tiny_weights, cache_dir=tmp_path / "shots")
    with FakeOpenAI([("status", 500)]) as server:
        app = build_director(engine, DirectorSettings(auto_approve=True, max_takes=1, steps=1),
                             planner=_planner(server, offline),
                             checkpointer=SqliteSaver(sqlite3.connect(str(tmp_path / "s.db"), check_same_thread=False)))
        cfg = {"configurable": {"thread_id": "t"}}
        list(app.stream({"request": REQUEST}, cfg))
    values = app.get_state(cfg).values
    assert set(values["takes"]) == {"s1", "s2"}
    assert "answered with an error (500)" in values["messages"][0]["content"]


def test_llm_plans_have_stable_seeds(offline):
    import subprocess
    import sys

    code = ("from agent.llm import draft_to_storyboard, StoryboardDraft; import json, sys; "
            f"d = StoryboardDraft.model_validate(json.loads({GOOD!r})); "
            "print([s.seed for s in draft_to_storyboard(d, 'same request').shots])")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout for _ in range(2)}
    assert len(runs) == 1 and runs != {""}


# What a weak model answers: valid against the schema, meaningless for the request (the title is the schema's
# name, a second shot nobody asked for in another place and colour, 8-second shots, notes of unrelated text).
NONSENSE = json.dumps({"title": "ShotDraft", "notes": ["I just added a new person to the staff"], "shots": [
    {"shape": "ball", "colour": "red", "scene": "beach", "motion": "bounces", "camera": "static", "duration": 8,
     "continues_previous": False, "transition": "cut"},
    {"shape": "cube", "colour": "green", "scene": "snowfield", "motion": "rises", "camera": "zoom in", "duration": 8,
     "continues_previous": False, "transition": "cut"}]})


def test_a_plan_that_does_not_match_the_request_is_retried_naming_what_is_wrong(offline):
    request = "A red ball bounces on the beach."
    one_shot = json.dumps({"title": "A red ball on the beach", "notes": [], "shots": [
        {"shape": "ball", "colour": "red", "scene": "beach", "motion": "bounces", "camera": "zoom in", "duration": 2,
         "continues_previous": False, "transition": "cut"}]})
    with FakeOpenAI([("tool", NONSENSE), ("tool", one_shot)]) as server:
        board = _planner(server, offline).plan(request)
    retry = server.requests[1]["messages"][-1]["content"]
    assert "describes 1 shot, the plan has 2" in retry and "'ShotDraft' is not from the request" in retry
    assert "not about this film" in retry
    assert board.title == "A red ball on the beach"
    assert board.notes == ["The language model chose what the request leaves open: shot 1's camera zoom in."]
    assert [(s.colour, s.shape, s.scene, s.motion, s.camera) for s in board.shots] == [
        ("red", "ball", "beach", "bounces", "zoom in")], "what the request leaves open (the camera) is the model's"


def test_a_plan_wrong_twice_falls_back_in_one_line(offline):
    request = "A blue cube falls in the snow for 4 seconds, then it shrinks."
    wrong_colour = json.dumps({"title": "Blue cube in the snow", "notes": [], "shots": [
        {"shape": "cube", "colour": "red", "scene": "snowfield", "motion": "falls", "camera": "static", "duration": 4,
         "continues_previous": False, "transition": "cut"},
        {"shape": "cube", "colour": "red", "scene": "snowfield", "motion": "shrinks", "camera": "static",
         "duration": 2, "continues_previous": True, "transition": "cut"}]})
    with FakeOpenAI([("tool", wrong_colour), ("tool", wrong_colour)]) as server:
        board = _planner(server, offline).plan(request)
    assert "shot 1's colour is red but the request says blue" in server.requests[1]["messages"][-1]["content"]
    note = board.notes[0]
    assert len(note.splitlines()) == 1 and "does not match the request" in note and "offline planner" in note
    assert [(s.colour, s.motion, s.duration) for s in board.shots] == [("blue", "falls", 4.0), ("blue", "shrinks", 2.0)]


def test_make_with_a_model_answering_nonsense_renders_only_what_was_asked(tiny_weights, tmp_path, capsys,
                                                                           monkeypatch):
    from agent.cli import main

    request = "A red ball bounces on the beach, then it rolls to the right."
    with FakeOpenAI([("tool", NONSENSE)] * 2) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        code = main(["make", request, "--out", str(tmp_path / "film"), "--steps", "1", "--takes", "1",
                     "--no-sound", "--json", "--weights", str(tiny_weights)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = json.loads(captured.out)
    assert [tuple(s["attributes"][a] for a in ("colour", "shape", "scene", "motion")) for s in report["shots"]] == [
        ("red", "ball", "beach", "bounces"), ("red", "ball", "beach", "moves right")]
    fell_back = [n for n in report["notes"] if "offline planner" in n]
    assert len(fell_back) == 1 and "does not match the request" in fell_back[0]
    assert all("staff" not in n for n in report["notes"]) and report["title"] != "ShotDraft"
