"""Captions for world clips: many paraphrases of one set of attributes, so the text encoder learns meaning
rather than one fixed sentence."""

from __future__ import annotations

import numpy as np

COLOUR_WORDS = {
    "red": ["red", "crimson", "scarlet", "bright red"],
    "orange": ["orange", "tangerine", "amber"],
    "yellow": ["yellow", "golden", "lemon yellow"],
    "green": ["green", "emerald", "bright green"],
    "blue": ["blue", "cobalt", "deep blue"],
    "purple": ["purple", "violet", "magenta"],
    "white": ["white", "snow-white", "pale white"],
    "black": ["black", "jet-black", "dark black"],
}
SHAPE_WORDS = {
    "ball": ["ball", "sphere", "orb"],
    "cube": ["cube", "box", "block"],
    "triangle": ["triangle", "pyramid", "wedge"],
    "ring": ["ring", "hoop", "donut"],
}
SCENE_PHRASES = {
    "meadow": ["in a meadow", "on the grass", "in a green field", "on a grassy meadow"],
    "beach": ["on a beach", "by the sea", "on the sandy shore", "at the seaside"],
    "desert": ["in the desert", "among sand dunes", "in a dry desert", "on desert sand"],
    "snowfield": ["in a snowfield", "on the snow", "on a snowy plain", "in a field of snow"],
    "night": ["at night", "under the stars", "on a starry night", "in the dark night"],
}
MOTION_PHRASES = {
    "still": ["sits still", "stays put", "rests without moving", "stands still"],
    "moves left": ["moves left", "slides to the left", "rolls to the left", "travels left"],
    "moves right": ["moves right", "slides to the right", "rolls to the right", "travels right"],
    "rises": ["rises", "floats upward", "goes up", "lifts into the air"],
    "falls": ["falls", "drops down", "falls to the ground", "tumbles down"],
    "bounces": ["bounces", "hops up and down", "bounces on the ground", "keeps bouncing"],
    "grows": ["grows", "gets bigger", "expands", "swells up"],
    "shrinks": ["shrinks", "gets smaller", "contracts", "dwindles"],
}
CAMERA_PHRASES = {
    "static": ["", "", ", static camera", ", fixed shot"],
    "pan left": [", the camera pans left", ", panning left", ", camera moving left"],
    "pan right": [", the camera pans right", ", panning right", ", camera moving right"],
    "zoom in": [", the camera zooms in", ", zooming in", ", push in"],
    "zoom out": [", the camera zooms out", ", zooming out", ", pull back"],
}
TEMPLATES = [
    "a {colour} {shape} {motion} {scene}{camera}",
    "{scene_cap}, a {colour} {shape} {motion}{camera}",
    "the {colour} {shape} {motion} {scene}{camera}",
    "{colour_cap} {shape} {motion} {scene}{camera}",
    "a {shape}, {colour}, {motion} {scene}{camera}",
]


def canonical_caption(attrs: dict[str, str]) -> str:
    """The plain caption: vocabulary words only. Planner and benchmarks use it."""
    motion, scene = MOTION_PHRASES[attrs["motion"]][0], SCENE_PHRASES[attrs["scene"]][0]
    return f"a {attrs['colour']} {attrs['shape']} {motion} {scene}{CAMERA_PHRASES[attrs['camera']][0]}"


def caption(attrs: dict[str, str], rng: np.random.Generator) -> str:
    """A random paraphrase of the attributes."""
    def pick(options: list[str]) -> str:
        return options[int(rng.integers(len(options)))]

    colour = pick(COLOUR_WORDS[attrs["colour"]])
    scene = pick(SCENE_PHRASES[attrs["scene"]])
    text = pick(TEMPLATES).format(
        colour=colour,
        colour_cap=colour.capitalize(),
        shape=pick(SHAPE_WORDS[attrs["shape"]]),
        motion=pick(MOTION_PHRASES[attrs["motion"]]),
        scene=scene,
        scene_cap=scene[0].upper() + scene[1:],
        camera=pick(CAMERA_PHRASES[attrs["camera"]]),
    )
    return " ".join(text.split())
