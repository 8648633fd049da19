"""Fuzzing every reader of a person's text: the storyboard loader (raw files and YAML structures), the
conversation loader and both request planners, with many more examples than CI runs.

    .venv/bin/python -m benchmarks.fuzz [--examples 5000]

A crash is anything but the reader's own one-line error; the table counts examples and crashes per reader.
"""

from __future__ import annotations

import argparse
import time

from hypothesis import HealthCheck, given, settings

from benchmarks.report import write_section
from tests import fuzz_inputs as fz

READERS = {
    "storyboard file (any bytes)": (fz.raw_files, fz.check_storyboard_file),
    "storyboard structure (YAML of known and unknown fields)": (fz.storyboards, fz.check_storyboard_data),
    "conversation file (any bytes)": (fz.raw_files, fz.check_conversation),
    "request (world and free-text planners)": (fz.requests, fz.check_request),
    "long request (a few words said 200 to 2000 times)": (fz.long_requests, fz.check_request),
}


def run(strategy, check, examples: int) -> tuple[int, list[str], float]:
    """(examples, crashes, seconds the slowest example took): a reader must neither raise nor hang."""
    seen, crashes, slowest = [0], [], [0.0]

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def probe(value):
        seen[0] += 1
        started = time.perf_counter()
        try:
            check(value)
        except Exception as exc:  # noqa: BLE001 - a crash is exactly what this counts
            crashes.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]} <- {value!r:.80}")
        slowest[0] = max(slowest[0], time.perf_counter() - started)

    probe()
    return seen[0], crashes, slowest[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--long-examples", type=int, default=300, help="examples of the long requests (each slower)")
    args = parser.parse_args()
    rows = []
    for name, (strategy, check) in READERS.items():
        started = time.perf_counter()
        count, crashes, slowest = run(strategy, check, args.long_examples if strategy is fz.long_requests
                                      else args.examples)
        rows.append(f"| {name} | {count} | {len(crashes)} | {time.perf_counter() - started:.0f} | {slowest:.2f} |")
        print(rows[-1], *crashes[:5], sep="\n", flush=True)
    body = ("| reader | examples | crashes | seconds | slowest example (s) |\n|---|---|---|---|---|\n" + "\n".join(rows)
            + "\n\nA crash is any "
            "exception other than the reader's own one-line error (StoryboardError, PlannerError). The world planner "
            "runs without its sentence encoder here (the encoder only guesses words, it does not change what can "
            "raise). CI runs the same properties with a fixed seed and 200 examples each (tests/test_fuzz.py).")
    write_section("Fuzzing the readers", f"python -m benchmarks.fuzz --examples {args.examples} --long-examples "
                                         f"{args.long_examples}", body)


if __name__ == "__main__":
    main()
