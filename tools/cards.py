"""Text on the film: a title card and per-shot captions, drawn with Pillow's bundled TrueType font."""

from __future__ import annotations

import textwrap

import numpy as np
from PIL import Image, ImageDraw, ImageFont


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=max(8, size))


def _wrapped(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """Wrap ``text`` to lines that fit ``width`` pixels."""
    for chars in range(max(8, len(text)), 4, -1):
        lines = textwrap.wrap(text, chars) or [""]
        if max(font.getlength(line) for line in lines) <= width:
            return "\n".join(lines)
    return "\n".join(textwrap.wrap(text, 5))


def title_card(title: str, width: int, height: int, frames: int, subtitle: str | None = None) -> np.ndarray:
    """(frames, height, width, 3) uint8: the title in white on black, the subtitle smaller beneath it."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    side = min(width, height)
    big, small = _font(side // 10), _font(side // 18)
    text = _wrapped(title, big, int(width * 0.86))
    box = draw.multiline_textbbox((0, 0), text, font=big, align="center")
    y = (height - (box[3] - box[1])) // 2 - (side // 16 if subtitle else 0)
    draw.multiline_text(((width - (box[2] - box[0])) // 2, y), text, font=big, fill=(255, 255, 255), align="center")
    if subtitle:
        sub = _wrapped(subtitle, small, int(width * 0.86))
        sbox = draw.multiline_textbbox((0, 0), sub, font=small, align="center")
        draw.multiline_text(((width - (sbox[2] - sbox[0])) // 2, y + box[3] - box[1] + side // 20), sub, font=small,
                            fill=(190, 190, 190), align="center")
    return np.repeat(np.asarray(image)[None], frames, axis=0)


def caption(frames: np.ndarray, text: str) -> np.ndarray:
    """``frames`` (T, H, W, 3) with ``text`` burnt in at the bottom on a dark band."""
    h, w = frames.shape[1:3]
    font = _font(max(10, h // 22))
    band = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(band)
    text = _wrapped(text, font, int(w * 0.92))
    box = draw.multiline_textbbox((0, 0), text, font=font, align="center")
    pad = h // 60 + 2
    top = h - (box[3] - box[1]) - 3 * pad
    draw.rectangle((0, top, w, h), fill=(0, 0, 0, 150))
    draw.multiline_text(((w - (box[2] - box[0])) // 2, top + pad - box[1]), text, font=font, fill=(255, 255, 255, 255),
                        align="center")
    overlay = np.asarray(band).astype(np.float32)
    alpha = overlay[..., 3:] / 255.0  # (H, W, 1)
    out = frames.astype(np.float32) * (1 - alpha) + overlay[..., :3] * alpha
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
