"""The reader on requests and prompts written the way people write, with the storyboard a careful reader
expects (``benchmarks/requests/``). A third of each set, chosen by a stable hash of its id, is held out of
every tuning loop and reported on its own.

    .venv/bin/python -m benchmarks.language
"""

from __future__ import annotations

import re
import time
import zlib
from pathlib import Path

import yaml

from agent.offline_planner import OfflinePlanner, PlannerError
from agent.reader import read_prompt
from benchmarks.report import write_section

HERE = Path(__file__).with_name("requests")
AXES = ("colour", "shape", "scene", "motion", "camera")


def held_out(item: dict) -> bool:
    """One in three of the first requests and prompts, by id, and every request of the later sets
    (``requests_c.yaml`` on): each scored once before its misses were looked at."""
    return later_set(item) is not None or zlib.crc32(item["id"].encode()) % 3 == 0


def later_set(item: dict) -> str | None:
    """'c', 'd', ..., 'z', 'aa', ... (the letters between "r" and the number of a request's id) for the sets
    written after the first held-out third had been scored (BENCHMARKS.md)."""
    named = re.match(r"r([a-z]+)\d", item["id"])
    return named.group(1) if named and named.group(1) not in ("a", "b") else None


def agrees(want: str | None, got: str | None) -> bool:
    """An expected value against the read one: '!red' is anything but red; None is 'not said'."""
    if want is None:
        return got is None
    if str(want).startswith("!"):
        return got is not None and got != want[1:]
    return want == got


def load(name: str) -> list[dict]:
    return [item for path in sorted(HERE.glob(name)) for item in yaml.safe_load(path.read_text(encoding="utf-8"))]


def score_request(planner: OfflinePlanner, case: dict) -> tuple[bool, object, float]:
    """(right, what was planned, seconds) for one request against its expected storyboard."""
    start = time.perf_counter()
    try:
        board, refusal = planner.plan(case["request"]), None
    except PlannerError as exc:
        board, refusal = None, str(exc)
    seconds = time.perf_counter() - start
    if case.get("refuse"):
        return board is None and "English" in (refusal or ""), refusal, seconds
    if board is None:
        return False, refusal, seconds
    got = [[getattr(s, a) for a in AXES] for s in board.shots]
    right = len(got) == len(case["shots"]) and all(
        agrees(w, g) for want, row in zip(case["shots"], got) for w, g in zip(want, row))
    if right and case.get("durations"):
        right = all(abs(s.duration - d) < 0.06 for s, d in zip(board.shots, case["durations"]))
    return right, got, seconds


def main() -> None:
    planner = OfflinePlanner()
    planner.load()  # the sentence encoder and its prototypes, before timing
    requests, prompts = load("requests_*.yaml"), load("prompts.yaml")
    lines = [f"{len(requests)} requests (`benchmarks/requests/requests_*.yaml`) and {len(prompts)} single-shot "
             f"prompts (`benchmarks/requests/prompts.yaml`), written from how people describe short films by "
             f"writers who did not read the reader's code. The reader was tuned on the rows marked tuned; each "
             f"held-out set was scored once before anything its misses showed was changed (those first looks are "
             f"in the next section); the rows here are the current reader.", "",
             "| set | part | items | right |", "| --- | --- | --- | --- |"]
    misses: list[str] = []
    seconds: list[float] = []
    slowest = (0.0, "")
    sets = sorted({later_set(c) for c in requests} - {None}, key=lambda x: (len(x), x))
    parts = (("tuned", lambda c: not held_out(c)), ("held-out third", lambda c: held_out(c) and not later_set(c)),
             *((f"set {x}", lambda c, x=x: later_set(c) == x) for x in sets))
    for part, pick in parts:
        cases = [c for c in requests if pick(c)]
        right = 0
        for case in cases:
            ok, got, took = score_request(planner, case)
            right += ok
            seconds.append(took)
            slowest = max(slowest, (took, case["id"]))
            if not ok and part != "tuned":
                misses.append(f"- request {case['id']} {case['request']!r}: expected {case.get('shots') or 'refusal'}"
                              f"{' ' + str(case['durations']) + ' s' if case.get('durations') else ''}, got {got}")
        lines.append(f"| requests, whole storyboard | {part} | {len(cases)} | {right}/{len(cases)} "
                     f"({right / len(cases):.1%}) |")
    for part, pick in (("tuned", lambda c: not held_out(c)), ("held out", held_out)):
        cases = [c for c in prompts if pick(c)]
        right = whole = 0
        for case in cases:
            found, _ = read_prompt(case["prompt"])
            wrong = [a for a in AXES if not agrees(case["expect"].get(a), found.get(a))]
            right += len(AXES) - len(wrong)
            whole += not wrong
            if wrong and part == "held out":
                misses.append(f"- prompt {case['id']} {case['prompt']!r}: "
                              + ", ".join(f"{a} expected {case['expect'].get(a)}, read {found.get(a)}" for a in wrong))
        lines.append(f"| prompts, per attribute | {part} | {len(cases)} | {right}/{len(cases) * len(AXES)} "
                     f"({right / (len(cases) * len(AXES)):.1%}) |")
        lines.append(f"| prompts, all five right | {part} | {len(cases)} | {whole}/{len(cases)} "
                     f"({whole / len(cases):.1%}) |")
    seconds.sort()
    lines += ["", f"Planning time per request, sentence encoder loaded: median {seconds[len(seconds) // 2] * 1000:.1f} "
                  f"ms, 99th percentile {seconds[int(len(seconds) * 0.99)] * 1000:.1f} ms, slowest ({slowest[1]}) "
                  f"{seconds[-1] * 1000:.1f} ms."]
    if misses:
        lines += ["", "Held-out misses:", *misses]
    body = "\n".join(lines)
    print(body)
    write_section("Language", "python -m benchmarks.language", body)


if __name__ == "__main__":
    main()
