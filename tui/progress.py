"""The film-level progress line: which shot of how many, which take, which step, and about how long is left.

It reads the director's progress events (agent.events, streamed by the graph) and times the steps itself, so the
estimate follows the machine it runs on: seconds a step (the mean of the steps seen) times the steps left
in the takes being drawn and in the shots not started (one take each, the gate permitting).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from agent.events import FilmEvent, ShotFailed, StepDrawn, TakeScored


@dataclass
class _Shot:
    step: int = 0
    steps: int = 0
    take: int = 0
    done: bool = False
    last_step_at: float | None = None


@dataclass
class FilmProgress:
    shot_ids: list[str]
    max_takes: int = 3
    shots: dict[str, _Shot] = field(default_factory=dict)
    step_seconds: list[float] = field(default_factory=list)
    active: str | None = None

    def __post_init__(self) -> None:
        self.shots = {shot_id: _Shot() for shot_id in self.shot_ids}

    def on_event(self, event: FilmEvent, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        shot = self.shots.get(getattr(event, "shot", ""))
        if shot is None:
            return
        if isinstance(event, StepDrawn):
            self.active = event.shot
            if event.take != shot.take or event.step <= shot.step:  # a new take starts its steps again
                shot.take, shot.last_step_at = event.take, None
            elif shot.last_step_at is not None:
                self.step_seconds.append(now - shot.last_step_at)
            shot.step, shot.steps, shot.last_step_at = event.step, event.steps, now
        elif isinstance(event, TakeScored):
            shot.take = event.take
            shot.done = event.passed or event.take >= self.max_takes
            shot.step = shot.steps
        elif isinstance(event, ShotFailed):
            shot.done = True

    def finish(self, shot_id: str) -> None:
        if shot_id in self.shots:
            self.shots[shot_id].done = True

    @property
    def fraction(self) -> float:
        parts = [1.0 if s.done else (s.step / s.steps if s.steps else 0.0) for s in self.shots.values()]
        return sum(parts) / max(1, len(parts))

    def seconds_left(self) -> float | None:
        if not self.step_seconds:
            return None
        per_step = sum(self.step_seconds[-32:]) / len(self.step_seconds[-32:])
        known = [s.steps for s in self.shots.values() if s.steps]
        typical = max(known) if known else 0
        left = sum(max(0, (s.steps or typical) - s.step) for s in self.shots.values() if not s.done)
        return per_step * left

    def line(self) -> str:
        done = sum(s.done for s in self.shots.values())
        total = len(self.shots)
        if done == total:
            return f"all {total} shots rendered"
        active = self.active if self.active in self.shots and not self.shots[self.active].done else None
        if active is None:
            return f"{done} of {total} shots rendered"
        shot = self.shots[active]
        parts = [f"shot {self.shot_ids.index(active) + 1} of {total}", f"take {shot.take}"]
        if shot.steps:
            parts.append(f"step {shot.step}/{shot.steps}")
        left = self.seconds_left()
        if left is not None:
            parts.append(f"~{_duration(left)} left")
        return " · ".join(parts)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
