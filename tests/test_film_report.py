"""report.json has one shape: written and read through FilmReport, a damaged one said in one line."""

import json

import pytest

from tools.film_report import FilmEdit, FilmReport, FilmReportError

SHOT = {"id": "s1", "prompt": "a red ball bounces", "mode": "t2v", "duration": 2.0, "transition": "cut",
        "takes": [{"seed": 0, "scores": {"alignment": 1.0}, "passed": True}], "chosen_seed": 0,
        "video": "shots/01_s1.mp4", "frames": 16, "fps": 8, "seconds": 2.0}
REPORT = {"film": "film.mp4", "title": "A ball", "length": 2.0, "made": "2026-11-26T12:00:00", "shots": [SHOT]}


def test_a_report_round_trips_and_keys_it_does_not_know_are_ignored(tmp_path):
    (tmp_path / "report.json").write_text(json.dumps({**REPORT, "from_a_newer_version": [1, 2]}))
    report = FilmReport.read(tmp_path)
    assert report.shots[0].takes[0].passed and report.edit is None and report.transcript is None
    report.edit = FilmEdit(request="swap shots 1 and 2", message="Swapped.", rerendered={}, kept=["s1"],
                           previous_cut="film.v1.mp4")
    report.write(tmp_path)
    assert FilmReport.read(tmp_path) == report


@pytest.mark.parametrize("text, said", [
    (None, "has no report.json: no film was finished there"),
    ("{not json", "report.json is damaged (the file: Invalid JSON"),
    (json.dumps({**REPORT, "shots": [{**SHOT, "frames": "many"}]}), "report.json is damaged (shots.0.frames: "),
])
def test_a_missing_or_damaged_report_is_one_line(tmp_path, text, said):
    if text is not None:
        (tmp_path / "report.json").write_text(text)
    with pytest.raises(FilmReportError, match=r"^[^\n]+$") as caught:
        FilmReport.read(tmp_path)
    assert said in str(caught.value)


def test_an_edit_summary_numbers_shots_as_the_film_now_orders_them():
    edit = FilmEdit(request="swap shots 1 and 2", message="Swapped.", rerendered={"s2": "a new take"}, kept=["s1"],
                    previous_cut=None)
    assert edit.summary(["s2", "s1"]) == "Rendered again: shot 1 (a new take). Kept: shot 2."


def test_a_take_is_ranked_by_what_judged_it():
    from tools.film_report import rank_of, scored_by

    read = {"alignment": 0.75, "colour_ok": 1.0}
    checked = {"checks": 0.8, "not_blank_ok": 1.0}
    assert (scored_by(read), rank_of(read)) == ("alignment", 0.75)
    assert (scored_by(checked), rank_of(checked)) == ("pixel checks", 0.8)
    assert rank_of({}) == 0.0
