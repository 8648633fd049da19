"""The procedural world: training data and ground truth for the engine, never a product output."""

from engine.world.render import WorldClip, render_clip
from engine.world.vocab import AXES, CAMERAS, COLOURS, MOTIONS, SCENES, SHAPES, ClipSpec, VocabularyError, make_spec

__all__ = ["AXES", "CAMERAS", "COLOURS", "MOTIONS", "SCENES", "SHAPES", "ClipSpec", "VocabularyError",
           "WorldClip", "make_spec", "render_clip"]
