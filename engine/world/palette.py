"""Colours of subjects and scenes, as RGB in [0, 1].

Subjects are saturated and scenes muted so every subject stands out on every scene; the evaluator reads
the same tables to name a colour or a scene from pixels.
"""

from __future__ import annotations

import numpy as np


def _rgb(r: int, g: int, b: int) -> np.ndarray:
    return np.array([r, g, b], dtype=np.float32) / 255.0


SUBJECT_RGB = {
    "red": _rgb(215, 30, 35),
    "orange": _rgb(250, 135, 15),
    "yellow": _rgb(250, 230, 40),
    "green": _rgb(35, 200, 60),
    "blue": _rgb(35, 75, 235),
    "purple": _rgb(145, 45, 205),
    "white": _rgb(252, 252, 252),
    "black": _rgb(12, 12, 12),
}

# Per scene: sky at the top, sky at the horizon, ground near the horizon, ground at the bottom,
# and for the beach the sea between horizon and sand.
SCENE_RGB = {
    "meadow": {"sky_top": _rgb(95, 150, 225), "sky_low": _rgb(165, 200, 240),
               "ground_far": _rgb(110, 150, 75), "ground_near": _rgb(80, 125, 55)},
    "beach": {"sky_top": _rgb(110, 170, 230), "sky_low": _rgb(185, 215, 240),
              "sea": _rgb(30, 135, 150), "ground_far": _rgb(230, 210, 160), "ground_near": _rgb(215, 190, 135)},
    "desert": {"sky_top": _rgb(225, 200, 150), "sky_low": _rgb(245, 230, 195),
               "ground_far": _rgb(215, 160, 95), "ground_near": _rgb(190, 130, 70)},
    "snowfield": {"sky_top": _rgb(150, 160, 180), "sky_low": _rgb(190, 198, 212),
                  "ground_far": _rgb(182, 196, 222), "ground_near": _rgb(165, 180, 212)},
    "night": {"sky_top": _rgb(18, 26, 82), "sky_low": _rgb(42, 50, 110),
              "ground_far": _rgb(58, 60, 82), "ground_near": _rgb(46, 48, 68)},
}

# The outline drawn round every subject: dark, except on black subjects, which get a moonlit rim.
OUTLINE_DARKEN = 0.35
BLACK_RIM = _rgb(150, 150, 165)
