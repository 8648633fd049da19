"""The offline planner on varied English requests with expected storyboards.

    .venv/bin/python -m benchmarks.planner
"""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from agent.edits import apply_edit
from agent.offline_planner import OfflinePlanner
from benchmarks.report import write_section

CASES = Path(__file__).with_name("planner_cases.yaml")
AXES = ("colour", "shape", "scene", "motion", "camera")


def main() -> None:
    cases = yaml.safe_load(CASES.read_text())
    planner = OfflinePlanner()
    counts = {"shot count": 0, "subjects": 0, "per-shot attributes": 0, "whole storyboard": 0}
    failures, seconds = [], []
    for case in cases:
        start = time.perf_counter()
        board = planner.plan(case["request"])
        for edit in case.get("edits", []):
            board = apply_edit(board, edit, planner).board
        seconds.append(time.perf_counter() - start)
        got = [[getattr(s, a) for a in AXES] for s in board.shots]
        want = case["shots"]
        right_count = len(got) == len(want)
        right_subjects = right_count and all(g[:2] == w[:2] for g, w in zip(got, want))
        right_attrs = right_count and got == want
        counts["shot count"] += right_count
        counts["subjects"] += right_subjects
        counts["per-shot attributes"] += right_attrs
        counts["whole storyboard"] += right_count and right_subjects and right_attrs
        if not right_attrs:
            failures.append((case["request"], case.get("edits", []), want, got))
    n = len(cases)
    lines = [f"{n} requests ({sum('edits' in c for c in cases)} with conversational edits), expected storyboards "
             f"in `benchmarks/planner_cases.yaml`:", "", "| measure | right |", "| --- | --- |"]
    lines += [f"| {k} | {v}/{n} ({v / n:.0%}) |" for k, v in counts.items()]
    median_ms = sorted(seconds)[n // 2] * 1000
    lines += ["", f"Median planning time {median_ms:.1f} ms per request (sentence encoder loaded once)."]
    if failures:
        lines += ["", "Misses:"]
        for request, edits, want, got in failures:
            lines.append(f"- {request!r}{' + ' + repr(edits) if edits else ''}: expected {want}, got {got}")
    body = "\n".join(lines)
    print(body)
    write_section("Offline planner", "python -m benchmarks.planner", body)


if __name__ == "__main__":
    main()
