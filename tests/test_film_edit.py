"""Talking to a finished film: a change re-renders only what it touches, in the same folder, and undo."""

import json

import yaml

from agent.cli import EXIT_BAD_INPUT, main

THREE = "A red ball bounces on the beach. After that a blue cube falls in the snow. Then a yellow ring grows at night."
CHAINED = "A red ball bounces on the beach. Then it rolls to the right."


def _make(tiny_weights, out, request, capsys):
    assert main(["make", request, "--out", str(out), "--steps", "2", "--takes", "1", "--weights",
                 str(tiny_weights), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _edit(tiny_weights, out, change, capsys):
    code = main(["edit", str(out), change, "--weights", str(tiny_weights), "--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else captured.err)


def test_a_change_renders_only_the_shot_it_touches_and_undo_brings_the_film_back(tiny_weights, tmp_path, capsys):
    out = tmp_path / "film"
    made = _make(tiny_weights, out, THREE, capsys)
    keys = {s["id"]: s["takes"][0]["key"] for s in made["shots"]}

    code, report = _edit(tiny_weights, out, "make the first shot green", capsys)
    assert code == 0
    assert report["edit"]["rerendered"] == {"s1": "colour red -> green"}
    assert report["edit"]["kept"] == ["s2", "s3"] and report["edit"]["previous_cut"] == "film.v1.mp4"
    after = {s["id"]: s["takes"][0]["key"] for s in report["shots"]}
    assert after["s1"] != keys["s1"] and after["s2"] == keys["s2"] and after["s3"] == keys["s3"]
    assert report["shots"][0]["attributes"]["colour"] == "green" and report["request"] == THREE
    assert (out / "film.v1.mp4").exists() and (out / "film.mp4").exists()
    assert yaml.safe_load((out / "storyboard.yaml").read_text())["shots"][0]["colour"] == "green"

    code, report = _edit(tiny_weights, out, "undo", capsys)
    assert code == 0 and report["edit"]["rerendered"] == {} and report["edit"]["previous_cut"] == "film.v2.mp4"
    assert {s["id"]: s["takes"][0]["key"] for s in report["shots"]} == keys
    assert report["shots"][0]["attributes"]["colour"] == "red"
    code, err = _edit(tiny_weights, out, "undo", capsys)
    assert code == EXIT_BAD_INPUT and "nothing to undo" in err


def test_a_shot_continuing_a_changed_shot_is_rendered_again(tiny_weights, tmp_path, capsys):
    out = tmp_path / "film"
    _make(tiny_weights, out, CHAINED, capsys)
    code, report = _edit(tiny_weights, out, "swap shots 1 and 2", capsys)
    assert code == 0 and set(report["edit"]["rerendered"]) == {"s1", "s2"}
    code, report = _edit(tiny_weights, out, "retake shot 1", capsys)
    assert code == 0
    assert report["edit"]["rerendered"] == {"s2": "a new take", "s1": "continues shot 1, which is rendered again"}


def test_edit_refuses_what_it_cannot_do_and_changes_nothing(tiny_weights, tmp_path, capsys):
    code, err = _edit(tiny_weights, tmp_path, "make it blue", capsys)
    assert code == EXIT_BAD_INPUT and "is not a film folder" in err
    out = tmp_path / "film"
    _make(tiny_weights, out, THREE, capsys)
    before = (out / "film.mp4").read_bytes()
    code, err = _edit(tiny_weights, out, "remove shot 7", capsys)
    assert code == EXIT_BAD_INPUT and "there is no shot 7" in err
    assert (out / "film.mp4").read_bytes() == before and not (out / "film.v1.mp4").exists()
    # A report.json damaged by hand: said in one line, and the film is left as it is.
    report = out / "report.json"
    report.write_text(report.read_text().replace('"shots"', '"shoots"', 1))
    code, err = _edit(tiny_weights, out, "make the first shot green", capsys)
    assert code == EXIT_BAD_INPUT and len(err.strip().splitlines()) == 1, err
    assert "report.json is damaged (shots: Field required): run the command that made the film again" in err
    assert (out / "film.mp4").read_bytes() == before and not (out / "film.v1.mp4").exists()


def test_a_script_goes_on_talking_to_the_film_it_made(tiny_weights, tmp_path, capsys):
    script = tmp_path / "talk.yaml"
    script.write_text(yaml.safe_dump({"turns": [THREE, "yes", "make the second shot purple"]}))
    args = ["run", str(script), "--out", str(tmp_path / "film"), "--steps", "2", "--takes", "1", "--weights",
            str(tiny_weights), "--json"]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["edit"]["rerendered"] == {"s2": "colour blue -> purple"}
    assert "Rendered again: shot 2" in report["transcript"][-1]["director"]
    assert main(args) == 0, "a rerun resumes"
    report = json.loads(capsys.readouterr().out)
    assert report["transcript"][-1]["director"] == "(made by an earlier run)"
    assert not (tmp_path / "film" / "film.v2.mp4").exists(), "the change was not made twice"
