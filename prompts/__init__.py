"""Every prompt text the LLM sees lives here as a file, never inline in code."""

from importlib.resources import files


def load_prompt(name: str) -> str:
    """The text of ``prompts/<name>.txt``; a missing name is a programming error worth a clear message."""
    path = files(__package__) / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"no prompt named {name!r} in the prompts package")
    return path.read_text(encoding="utf-8")
