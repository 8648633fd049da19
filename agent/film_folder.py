"""A film folder belongs to one film and one writer at a time.

- One writer: a run holds a lock on ``.reelwright.lock`` while it works; a second run on the folder is
  refused in one line. A run that died (killed, crashed) holds nothing, and the next run says it took over.
- One film: ``.reelwright-film.json`` records what the folder is making (the request, storyboard or
  conversation, and the engine). Running the same thing again resumes it; something else is refused unless
  forced, and then the old film moves to ``versions/vN/`` so nothing stale is left beside the new one.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

OURS = ".reelwright"  # the folder's own bookkeeping files start with this
LOCK = ".reelwright.lock"
IDENTITY = ".reelwright-film.json"
VERSIONS = "versions"


class FolderBusy(FileExistsError):
    """Another run is writing this folder."""


@contextmanager
def film_lock(folder: Path, on_note=None) -> Iterator[None]:
    """Hold the folder's lock while the block runs; FolderBusy if a live run holds it.

    The lock is an flock on ``.reelwright.lock``: the kernel lets go of it when its process dies, however
    it dies, so a killed run never blocks the next one. The file's text (pid, since when) is only for the
    messages; a file left with text but no lock on it is a run that died, and taking it over is said."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK
    while True:
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise FolderBusy(f"{folder} is being made by another reelwright run (pid {holder.get('pid', '?')}, "
                             f"since {holder.get('since', '?')}): wait for it to finish or choose another "
                             f"--out") from None
        try:  # the holder before us may have removed the file just before letting go: lock the file that is there
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    previous = _holder(fd)
    if previous and on_note:
        on_note(f"took over the folder from a run that is gone (pid {previous.get('pid', '?')}); finished shots "
                f"are kept")
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                              "since": datetime.now().isoformat(timespec="seconds")}).encode(), 0)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)  # before letting go, so no one locks a file that is about to vanish
        os.close(fd)


def _holder(fd: int) -> dict:
    try:
        text = os.pread(fd, 4096, 0).decode()
        return json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {"pid": "unknown"}


def film_identity(kind: str, content, engine: str) -> dict:
    """What a folder is making: a request, a storyboard or a conversation, on an engine."""
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return {"kind": kind, "content": digest, "engine": engine}


def claim_folder(folder: Path, identity: dict, force: bool) -> str | None:
    """Make ``folder`` this film's. The same film resumes; another film, or files that are not a film, are
    refused (FileExistsError) unless ``force``, when they move to ``versions/vN/``. Returns a sentence for
    the person when something moved."""
    from engine.media import write_json

    folder.mkdir(parents=True, exist_ok=True)
    record = folder / IDENTITY
    theirs = [p for p in folder.iterdir() if not p.name.startswith(OURS) and p.name != VERSIONS]
    if record.exists():
        try:
            current = json.loads(record.read_text())
        except (OSError, ValueError):
            current = {}
        if current == identity:
            return None
        what = "another film"
    elif (folder / "session.sqlite").exists():
        what = None  # a film made before folders recorded what they hold: resumed as it always was
    else:
        what = "other files" if theirs else None
    note = None
    if what:
        if not force:
            raise FileExistsError(f"{folder} holds {what}: choose another --out, or pass --force to keep them under "
                                  f"{folder / VERSIONS}/ and make this film there")
        note = f"what was in {folder} is kept in {_set_aside(folder)}"
    write_json(record, identity)
    return note


def _set_aside(folder: Path) -> Path:
    """Move everything of the previous film (not the lock, not older versions) to the next versions/vN/."""
    versions = folder / VERSIONS
    n = 1
    while (versions / f"v{n}").exists():
        n += 1
    target = versions / f"v{n}"
    target.mkdir(parents=True)
    for item in folder.iterdir():
        if item.name not in (LOCK, VERSIONS) and not item.name.startswith(".reelwright-write-test"):
            shutil.move(str(item), str(target / item.name))
    return target
