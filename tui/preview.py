"""Keyframes in any terminal: two pixel rows per character cell with the upper half block "▀"
(foreground = the upper pixel, background = the lower one), in true colour."""

from __future__ import annotations

import numpy as np
from PIL import Image
from rich.style import Style
from rich.text import Text


def halfblock(frame: np.ndarray, columns: int = 32) -> Text:
    """A (H, W, 3) uint8 frame as ``columns`` cells wide, ``columns / 2`` cells tall (square pixels)."""
    h, w = frame.shape[:2]
    rows = max(2, int(round(columns * h / w)) // 2 * 2)
    small = np.asarray(Image.fromarray(np.ascontiguousarray(frame)).resize((columns, rows), Image.BILINEAR))
    text = Text()
    for y in range(0, rows, 2):
        for x in range(columns):
            top, bottom = small[y, x], small[y + 1, x]
            text.append("▀", Style(color=f"rgb({top[0]},{top[1]},{top[2]})",
                                   bgcolor=f"rgb({bottom[0]},{bottom[1]},{bottom[2]})"))
        if y + 2 < rows:
            text.append("\n")
    return text


def keyframes(frames: np.ndarray, columns: int = 24, count: int = 3) -> Text:
    """``count`` frames spread over the shot (first, middle, last), side by side."""
    picks = np.linspace(0, len(frames) - 1, count).round().astype(int)
    parts = [halfblock(frames[i], columns).split("\n") for i in picks]
    text = Text()
    for r in range(len(parts[0])):
        for k, part in enumerate(parts):
            text.append_text(part[r])
            if k + 1 < len(parts):
                text.append(" ")
        if r + 1 < len(parts[0]):
            text.append("\n")
    return text
