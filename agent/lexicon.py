"""Words people use for the built-in world's vocabulary, and for things outside it.

The planner matches these first (longest phrase wins); words it does not know are compared with the
vocabulary through the sentence encoder. The ``NEAREST_*`` tables say what the built-in model draws
instead of something it cannot, so the planner can tell the person plainly.
"""

from __future__ import annotations

COLOURS = {
    "red": ["red", "crimson", "scarlet", "ruby", "cherry", "bright red"],
    "orange": ["orange", "tangerine", "amber", "apricot"],
    "yellow": ["yellow", "golden", "gold", "lemon", "lemon yellow", "mustard"],
    "green": ["green", "emerald", "lime", "jade", "olive"],
    "blue": ["blue", "cobalt", "navy", "azure", "sapphire", "deep blue", "sky blue"],
    "purple": ["purple", "violet", "magenta", "lavender", "lilac", "plum"],
    "white": ["white", "snow-white", "snow white", "ivory", "pale white"],
    "black": ["black", "jet-black", "jet black", "ebony", "charcoal", "dark black"],
}
SHAPES = {
    "ball": ["ball", "sphere", "orb", "globe", "marble", "bubble"],
    "cube": ["cube", "box", "block", "crate", "dice", "die", "brick"],
    "triangle": ["triangle", "pyramid", "wedge"],
    "ring": ["ring", "hoop", "donut", "doughnut", "torus", "wheel", "tyre", "tire", "loop"],
}
SCENES = {
    "meadow": ["meadow", "grass", "grassy", "field", "lawn", "park", "pasture", "green field"],
    "beach": ["beach", "sea", "seaside", "shore", "coast", "ocean", "by the sea", "into the sea", "water"],
    "desert": ["desert", "dunes", "sand dunes", "sahara", "dry desert", "sand"],
    "snowfield": ["snowfield", "snow", "snowy", "winter", "ice", "arctic", "snowy plain"],
    "night": ["night", "at night", "starry", "stars", "midnight", "moonlight", "night sky", "dark night"],
}
MOTIONS = {
    "still": ["still", "sits", "sitting", "rests", "resting", "stays", "stays put", "waits", "stands", "idle",
              "motionless", "does nothing"],
    "moves left": ["moves left", "goes left", "rolls left", "slides left", "travels left", "to the left",
                   "leftward", "leftwards", "heads left", "rolls to the left", "slides to the left"],
    "moves right": ["moves right", "goes right", "rolls right", "slides right", "travels right", "to the right",
                    "rightward", "rightwards", "heads right", "rolls to the right", "slides to the right",
                    "rolls away", "rolls along"],
    "rises": ["rises", "rise", "rising", "floats up", "goes up", "ascends", "lifts off", "flies up", "floats upward",
              "climbs", "soars", "takes off"],
    "falls": ["falls", "fall", "falling", "drops", "drop", "dropping", "tumbles", "tumbles down", "plunges",
              "falls down", "comes down", "sinks", "lands"],
    "bounces": ["bounces", "bounce", "bouncing", "hops", "hop", "hopping", "jumps", "jump", "jumping",
                "bounces up and down", "hops up and down"],
    "grows": ["grows", "grow", "growing", "gets bigger", "expands", "swells", "inflates", "enlarges",
              "becomes bigger", "grows bigger"],
    "shrinks": ["shrinks", "shrink", "shrinking", "gets smaller", "contracts", "dwindles", "deflates",
                "becomes smaller", "shrinks away"],
}
CAMERAS = {
    "pan left": ["pan left", "pans left", "panning left", "camera moves left", "camera pans left",
                 "camera turns left"],
    "pan right": ["pan right", "pans right", "panning right", "camera moves right", "camera pans right",
                  "camera turns right"],
    "zoom in": ["zoom in", "zooms in", "zooming in", "push in", "pushes in", "close up", "close-up",
                "moves closer", "camera closes in"],
    "zoom out": ["zoom out", "zooms out", "zooming out", "pull back", "pulls back", "pulls out", "wide shot",
                 "moves away", "camera backs off"],
    "static": ["static camera", "fixed shot", "locked off", "still camera", "steady camera"],
}
AXIS_TABLES = {"colour": COLOURS, "shape": SHAPES, "scene": SCENES, "motion": MOTIONS, "camera": CAMERAS}

# Outside the built-in world: what is drawn instead.
NEAREST_COLOUR = {"pink": "purple", "brown": "orange", "grey": "white", "gray": "white", "silver": "white",
                  "cyan": "blue", "teal": "green", "turquoise": "blue", "beige": "yellow", "maroon": "red",
                  "rainbow": "purple", "tan": "orange", "indigo": "blue", "golden-brown": "orange"}
NEAREST_SCENE = {"space": "night", "moon": "night", "moonlit": "night", "city": "meadow", "street": "meadow",
                 "forest": "meadow", "garden": "meadow", "jungle": "meadow", "mountain": "snowfield",
                 "glacier": "snowfield", "lake": "beach", "river": "beach", "island": "beach", "dune": "desert",
                 "canyon": "desert", "sky": "meadow", "room": "meadow", "house": "meadow", "kitchen": "meadow"}
NEAREST_MOTION = {"spins": "still", "rotates": "still", "turns": "still", "runs": "moves right", "walks": "moves right",
                  "flies": "rises", "explodes": "grows", "melts": "shrinks", "vanishes": "shrinks",
                  "disappears": "shrinks", "rolls": "moves right", "dances": "bounces", "swims": "moves right",
                  "floats": "rises", "glides": "moves right", "wobbles": "still", "shakes": "still"}
# Nouns people use for a subject the built-in model cannot draw; the planner draws a shape instead.
UNKNOWN_SUBJECT_HINTS = {"dog", "cat", "car", "person", "man", "woman", "bird", "horse", "robot", "tree", "house",
                         "boat", "plane", "rocket", "fish", "dragon", "child", "kid", "bike", "train", "cow",
                         "apple", "balloon", "flower", "star", "moon", "sun", "cloud", "girl", "boy", "ship"}
NEAREST_SUBJECT = {"apple": "ball", "balloon": "ball", "sun": "ball", "moon": "ball", "planet": "ball",
                   "house": "cube", "car": "cube", "robot": "cube", "box": "cube", "tree": "triangle",
                   "rocket": "triangle", "mountain": "triangle", "tent": "triangle", "star": "triangle",
                   "wheel": "ring", "bike": "ring", "bracelet": "ring"}
PRONOUNS = {"it", "its", "itself", "he", "she", "they", "them", "him", "her", "this", "that"}
SEQUENCE_WORDS = ["and then", "after that", "afterwards", "afterward", "then", "next", "finally", "later",
                  "eventually", "at last", "in the end", "subsequently"]
