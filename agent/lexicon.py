"""Words people use for the built-in world's vocabulary, and for things outside it.

The planner matches these first (longest phrase wins); words it does not know are compared with the
vocabulary through the sentence encoder. The ``NEAREST_*`` tables say what the built-in model draws
instead of something it cannot, so the planner can tell the person plainly.
"""

from __future__ import annotations

COLOURS = {
    "red": ["red", "crimson", "scarlet", "ruby", "cherry", "bright red"],
    "orange": ["orange", "tangerine", "amber", "apricot", "ginger"],
    "yellow": ["yellow", "golden", "gold", "lemon", "lemon yellow", "mustard"],
    "green": ["green", "emerald", "lime", "jade", "olive"],
    "blue": ["blue", "cobalt", "navy", "azure", "sapphire", "deep blue", "sky blue", "ultramarine"],
    "purple": ["purple", "violet", "magenta", "lavender", "lilac", "plum"],
    "white": ["white", "snow-white", "snow white", "ivory", "pale white"],
    "black": ["black", "jet-black", "jet black", "ebony", "charcoal", "dark black"],
}
SHAPES = {
    "ball": ["ball", "sphere", "orb", "globe", "marble", "bubble"],
    "cube": ["cube", "box", "block", "crate", "dice", "die", "brick"],
    "triangle": ["triangle", "pyramid", "wedge", "tri"],
    "ring": ["ring", "hoop", "donut", "doughnut", "torus", "wheel", "tyre", "tire"],
}
SCENES = {
    "meadow": ["meadow", "meadows", "grass", "grassy", "field", "fields", "lawn", "park", "pasture", "green field",
               "grassland", "prairie", "hillside", "countryside", "farm", "farmland", "clearing", "lea", "glade",
               "green hills", "rolling hills", "wildflowers", "flowers"],
    "beach": ["beach", "sea", "seaside", "shore", "shoreline", "coast", "coastline", "seafront", "sea front",
              "promenade", "ocean", "by the sea",
              "into the sea", "water", "waves", "surf", "seashore", "sandy beach", "bay", "tide", "waterline",
              "water's edge", "waters edge", "boardwalk", "pier", "harbour", "harbor", "lagoon", "coastal"],
    "desert": ["desert", "dunes", "dune", "sand dunes", "sahara", "dry desert", "sand", "sands", "wasteland",
               "badlands", "mesa", "cactus", "cacti", "oasis"],
    "snowfield": ["snowfield", "snowfields", "snow", "snowy", "winter", "wintry", "ice", "icy", "arctic", "snowy plain",
                  "tundra", "snowdrift", "snowdrifts", "frozen", "frost", "frosty", "blizzard", "snowbank",
                  "snowscape", "polar", "antarctic", "ice field", "icefield", "snow covered", "snowing"],
    "night": ["night", "at night", "starry", "stars", "midnight", "moonlight", "night sky", "dark night",
              "nighttime", "night time", "tonight", "after dark", "in the dark", "darkness", "moonlit", "starlight",
              "starlit", "nocturnal", "star field", "starfield", "dark sky", "black sky", "starry sky",
              "under the moon", "the dark",
              "gets dark", "dark",
              "night falls", "night fell", "night had fallen", "night has fallen", "nightfall", "darkness falls",
              "darkness fell"],
}
# Weak place words give way to a stronger one in the same shot ("the sand by the sea" is a beach), and to a
# place already set that they fit ("EXT. BEACH ... it rests on the sand" stays on the beach).
WEAK_PLACES = {"sand": {"desert", "beach"}, "sands": {"desert", "beach"}, "water": {"beach"}, "grass": {"meadow"},
               "ice": {"snowfield"}, "icy": {"snowfield"}, "frozen": {"snowfield"}, "flowers": {"meadow"},
               "wildflowers": {"meadow"}, "cactus": {"desert"}, "dark": {"night"}, "frost": {"snowfield"},
               "frosty": {"snowfield"}, "field": {"meadow", "snowfield"}, "fields": {"meadow", "snowfield"},
               "waves": {"beach"}, "tide": {"beach"}, "pier": {"beach"}}
# Nouns of the place that are none of the world's scenes; a colour before them is the place's, not the subject's.
PLACE_NOUNS = {"sky", "skies", "background", "backdrop", "light", "lighting", "horizon", "ground", "floor",
               "surface", "landscape", "scenery", "sunlight", "sunset", "sunrise", "dawn", "dusk", "haze", "mist",
               "fog",
               "glow", "setting", "world", "backgrounds", "air", "atmosphere", "plain", "plains", "hills", "hour",
               "tones", "hue", "hues", "tint", "palette", "wall", "walls", "table", "carpet", "stage", "studio",
               "cloud", "clouds", "trees", "rocks", "stones", "pebbles", "leaves", "moss", "hill", "slope", "slopes"}
# What things do, by what the built-in model shows. Each verb is given once, as its lemma; the reader
# generates its forms (bounces, bouncing, bounced). A phrase inflects its first word ("gets bigger").
MOTION_VERBS = {
    "bounces": ["bounce", "hop", "jump", "leap", "bob", "spring", "dance", "skip", "bound", "pogo", "boing",
                "bounce up and down", "hop up and down", "jump up and down", "go up and down", "move up and down",
                "keep bouncing", "trampoline", "spring up and down", "bob up and down", "bounce about"],
    "grows": ["grow", "expand", "swell", "inflate", "enlarge", "balloon", "bloat", "puff up", "blow up", "get bigger",
              "get larger", "make bigger", "make big", "become big", "turn big", "get big", "get huge", "become bigger",
              "become larger", "grow bigger", "grow larger", "go bigger", "increase in diameter",
              "increase in scale", "grow in diameter",
              "scale up", "explode", "double in size", "increase in size", "grow in size", "get fatter", "widen",
              "magnify", "mushroom", "blossom", "bulge", "stretch", "fill the frame", "swell up", "pump up"],
    "shrinks": ["shrink", "contract", "dwindle", "deflate", "shrivel", "melt", "vanish", "disappear", "get smaller",
                "get tiny", "get little", "become smaller", "become tiny", "scale down", "fade away", "shrink away",
                "wither", "become small", "become little", "turn small", "go small", "make smaller", "make small",
                "decrease in size", "diminish", "compress", "shrink down", "get small", "grow smaller",
                "grow tiny", "go smaller", "get more small", "evaporate", "dissolve", "condense", "collapse inward",
                "lose size"],
    "rises": ["rise", "ascend", "climb", "soar", "levitate", "lift off", "take off", "shoot up", "go up", "come up",
              "move up", "float up", "fly up", "drift up", "rise up", "lift up", "lift", "elevate", "launch",
              "blast off", "head up", "climb up", "get higher", "float away", "fly away", "go back up", "come back up",
              "float back up", "ascent", "shoot upward", "spring up", "pop up", "bob up"],
    "falls": ["fall", "drop", "plunge", "plummet", "tumble", "sink", "descend", "land", "crash", "dive", "topple",
              "fall down", "come down", "go down", "drop down", "move down", "plop", "slump", "settle down",
              "come crashing down", "rain down", "fall over", "sink down", "tumble down", "crash down", "splash down",
              "nosedive", "drop out of the sky", "fall out of the sky", "come back down", "fall back down",
              "go back down", "drop back down", "settle back down", "lower", "lower down", "lower back down", "descent",
              "swoop down", "dip down", "dip",
              "slam down", "slam back down",
              "come back to earth", "fall to earth", "hit the ground", "bob down"],
    "still": ["still", "motionless", "stationary", "unmoving", "immobile", "frozen in place", "in place", "sit", "rest",
              "stay", "wait", "stand", "idle", "pause", "stop", "remain", "lie", "hover", "sit still",
              "stay put", "stay still", "stand still", "hold still", "keep still", "sit tight", "come to rest",
              "come to a stop", "come to a halt", "halt", "freeze", "spin", "rotate", "twirl", "turn around",
              "wobble", "shake", "sway", "tremble", "vibrate", "jiggle", "quiver", "rock", "glow", "shine",
              "sparkle", "glitter", "shimmer", "sleep", "nap", "relax", "do nothing", "not move", "stay motionless",
              "sit there", "stand there", "go still", "go quiet", "go to sleep", "fall asleep", "go to bed",
              "take a nap", "grow still", "grow quiet", "nothing moving", "nothing moves", "nothing should move",
              "nothing is moving",
              "no movement", "no motion", "sit around", "hang", "pose",
              "linger", "loiter", "settle", "perch", "float there", "float in place", "level off", "hold position",
              "hold its position"],
}
# Staying in place while doing something (spinning, glowing): said with another action, the other one counts.
IN_PLACE = {"spin", "rotate", "twirl", "turn around", "wobble", "shake", "sway", "tremble", "vibrate", "jiggle",
            "quiver", "rock", "glow", "shine", "sparkle", "glitter", "shimmer", "hover", "hang", "pose", "perch",
            "linger", "relax", "sleep", "nap"}
# Said of travel, these end it: "skids to a stop" is still.
COMES_TO_REST = ["to a stop", "to a halt", "to rest", "to a standstill", "to a full stop", "to a dead stop"]
# "the other way": the opposite of the shot before.
OPPOSITE_WAY = ["the other way", "the opposite way", "the opposite direction", "the other direction",
                "back the other way"]
OPPOSITE_MOTION = {"moves left": "moves right", "moves right": "moves left", "rises": "falls", "falls": "rises",
                   "grows": "shrinks", "shrinks": "grows"}
# Verbs a person in a request does, not the subject ("my kid wants a rocket"): the noun before is no subject.
SPEAKER_VERBS = ["want", "ask", "say", "like", "love", "think", "would", "need", "request", "suggest", "tell", "vote",
                 "choose", "pick", "prefer", "dream", "wish", "hope", "draw", "imagine", "beg", "insist"]
# Size said on its own ("the cube, bigger now"): a motion only where no verb says one.
SIZE_WORDS = {"bigger": "grows", "larger": "grows", "huger": "grows", "smaller": "shrinks", "tinier": "shrinks"}
# Words that may stand inside a phrase without changing it ("came gently back down", "pulls way back").
FILLERS = {"slowly", "quickly", "gently", "softly", "suddenly", "gradually", "steadily", "smoothly", "happily",
           "lazily", "carefully", "calmly", "rapidly", "fast", "slow", "really", "very", "just", "gracefully",
           "silently", "way", "straight", "even", "further", "quietly", "swiftly", "little", "bit", "so", "all", "more"}
# Chatter that is no part of the film ("here goes", "that's it").
DISCOURSE = ["here goes", "here we go", "let's go", "lets go", "go ahead", "that's it", "thats it", "that is it",
             "that's all", "thats all", "got it", "you got it", "here it is", "let's see", "lets see",
             "nothing else going on", "going on", "goes on", "go on", "let it breathe", "let it play", "keeps going",
             "keep going", "kept going", "and so on", "carries on", "carry on", "thanks heaps", "thanks loads",
             "cheers mate", "stay tuned", "roll credits", "roll the credits", "cue credits", "no rush", "no hurry",
             "proceed with", "go ahead with"]
# Words of manner, known so that a slip ("slowy") is read as them and not as a place ("snowy").
MANNER = {"slowly", "quickly", "gently", "softly", "suddenly", "gradually", "steadily", "smoothly", "happily", "lazily",
          "carefully", "calmly", "rapidly", "fast", "slow", "quick", "really", "very", "just", "again", "away",
          "around", "across", "along", "toward", "towards", "through", "over", "under", "gracefully", "silently"}
# Verbs of travel: the direction said with them decides ("rolls left", "drifts up"); alone, the default.
TRAVEL_VERBS = {
    "moves right": ["move", "go", "roll", "slide", "glide", "drift", "travel", "head", "run", "walk", "drive",
                    "swim", "skate", "skid", "scoot", "race", "zip", "wander", "cruise", "coast", "trundle", "creep",
                    "crawl", "sail", "shift", "scurry", "dash", "speed", "hurry", "march", "stroll", "amble",
                    "meander", "journey", "trek", "zoom across", "roll along", "roll away", "make its way",
                    "cross", "pass", "slip", "inch", "edge", "veer", "swerve", "steer", "push", "shuffle", "sweep",
                    "slither", "skim", "whizz", "whiz", "zigzag", "rush", "hurtle", "surge", "zoom off", "zoom away",
                    "zoom past", "zoom along",
                    "charge", "sprint", "jog", "cycle", "pedal", "strafe", "translate", "translation", "step",
                    "go for a walk", "go for a stroll",
                    "go for a roll", "go for a ride", "take a walk", "take a stroll", "tumble along", "bowl", "trot",
                    "gallop", "ride",
                    "flow", "advance", "proceed", "wheel", "swing"],
    "rises": ["float", "fly", "hover away", "bubble up", "balloon up"],
}
DIRECTIONS = {
    "left": ["to port", "off camera left", "camera left", "screen left", "frame left", "off screen left",
             "off frame left",
             "left", "leftward", "leftwards", "to the left", "off to the left", "towards the left", "toward the left",
             "the left", "left side", "left edge", "to the left edge", "to the left side", "toward the left edge",
             "toward the left side", "towards the left edge", "towards the left side", "the left edge", "the left side",
             "from right to left", "right to left", "westward", "west"],
    "right": ["to starboard", "off camera right", "camera right", "screen right", "frame right", "off screen right",
              "off frame right",
              "right", "rightward", "rightwards", "to the right", "off to the right", "towards the right",
              "toward the right", "the right", "right side", "right edge", "to the right edge", "to the right side",
              "toward the right edge", "toward the right side", "towards the right edge", "towards the right side",
              "the right edge", "the right side", "from left to right", "left to right",
              "eastward", "east"],
    "up": ["up", "upward", "upwards", "skyward", "skywards", "into the air", "into the sky", "up into the sky",
           "up high", "higher", "aloft", "off the ground", "heavenward", "to the sky", "up and away", "overhead"],
    "down": ["down", "downward", "downwards", "to the ground", "to the floor", "earthward", "earthwards",
             "onto the ground", "out of the sky", "from the sky", "from above"],
}
# A direction said with no verb at all is enough for these ("a cube, leftward", "up into the sky").
STRONG_DIRECTIONS = {"off camera left", "off camera right", "screen left", "screen right", "frame left", "frame right",
                     "off screen left", "off screen right", "off frame left", "off frame right", "leftward",
                     "leftwards", "to the left", "off to the left", "rightward", "rightwards",
                     "to the right", "off to the right", "upward", "upwards", "skyward", "skywards", "into the air",
                     "into the sky", "up into the sky", "downward", "downwards", "from left to right",
                     "from right to left", "left to right", "right to left"}
DIRECTION_MOTION = {"left": "moves left", "right": "moves right", "up": "rises", "down": "falls"}
IRREGULAR_FORMS = {
    "rise": ["rose", "risen"], "fall": ["fell", "fallen"], "grow": ["grew", "grown"], "shrink": ["shrank", "shrunk"],
    "sink": ["sank", "sunk"], "fly": ["flew", "flown"], "go": ["went"], "come": ["came"],
    "get": ["got", "gotten"], "take": ["took", "taken"], "swim": ["swam", "swum"], "run": ["ran"],
    "drive": ["drove", "driven"], "spin": ["spun"], "blow": ["blew", "blown"], "leap": ["leapt"], "slide": ["slid"],
    "sit": ["sat"], "stand": ["stood"], "lie": ["lay", "lain"], "become": ["became"], "swell": ["swollen"],
    "hold": ["held"], "ride": ["rode", "ridden"], "freeze": ["froze", "frozen"], "shake": ["shook", "shaken"],
    "dive": ["dove"], "creep": ["crept"], "speed": ["sped"], "spring": ["sprang", "sprung"], "keep": ["kept"],
    "sweep": ["swept"], "swing": ["swung"], "draw": ["drew", "drawn"], "withdraw": ["withdrew", "withdrawn"],
    "hang": ["hung"], "make": ["made"],
    "shine": ["shone"],
    "slip": ["slipped"], "lift": ["lifted"], "sleep": ["slept"], "bubble": ["bubbled"],
}
# Base forms that are more often nouns after "a"/"the" ("the rest of", "a drop of water", "on land").
NOUN_FIRST = {"drift", "step", "dip", "rest", "stand", "turn", "lie", "sink", "land", "head", "stay", "wait", "spring",
              "fly", "float", "lift",
              "crash", "run", "dash", "zip", "move", "go", "slide", "roll", "drive", "walk", "swim", "race", "sail",
              "shift", "coast", "march", "stroll", "crawl", "pause", "stop", "light", "rock", "pass", "push", "edge",
              "cross", "wheel", "swing", "flow", "ride", "trek", "journey", "sweep", "settle", "drop", "fall", "dive",
              "launch", "pose", "hang", "glow", "shine", "skip", "bound", "spin", "sleep", "nap", "inch", "slip",
              "speed", "wander", "bowl", "hover", "balloon", "mushroom", "blossom", "dance", "stretch", "expand",
              "sparkle", "shimmer", "advance", "steer", "trot", "gallop", "bob", "proceed", "shuffle", "halt",
              "lower"}
CAMERAS = {
    "pan left": ["pan left", "pans left", "panning left", "dolly left", "dollies left", "dollying left", "panned left",
                 "pan to the left", "pans to the left",
                 "panning to the left", "pans over to the left", "camera pans left", "camera turns left",
                 "track left", "tracks left", "tracking left", "tracking shot to the left", "truck left",
                 "trucks left", "camera follows it left", "camera follows it to the left", "whip pan left",
                 "pan leftward", "pans leftward", "you turn to the left", "you turn left", "we turn to the left",
                 "we turn left", "pan l", "pans l", "track l", "turn your head to the left", "turn your head left",
                 "turning your head to the left", "turn your eyes to the left"],
    "pan right": ["pan right", "pans right", "panning right", "dolly right", "dollies right", "dollying right",
                  "panned right", "pan to the right", "pans to the right",
                  "panning to the right", "pans over to the right", "camera pans right", "camera turns right",
                  "track right", "tracks right", "tracking right", "tracking shot to the right", "truck right",
                  "trucks right", "camera follows it right", "camera follows it to the right", "whip pan right",
                  "pan rightward", "pans rightward", "you turn to the right", "you turn right",
                  "we turn to the right", "we turn right", "pan r", "pans r", "track r", "turn your head to the right",
                  "turn your head right", "turning your head to the right", "turn your eyes to the right"],
    "zoom in": ["zoom in", "zooms in", "zooming in", "zoomed in", "eases in", "ease in", "easing in", "zoom inward",
                "zooms inward", "zooming inward",
                "push in", "pushes in", "pushing in", "pushed in",
                "close up", "close-up", "closeup", "extreme close up", "moves closer", "camera closes in",
                "dolly in", "dollies in", "dollying in", "slow push", "slow push in", "punch in",
                "punches in", "camera creeps closer", "camera moves in", "camera moving in", "camera pushes forward",
                "zoom", "zooms", "zooming", "tighten", "tightens", "tightening", "move in close", "moves in close",
                "move in closer", "moves in closer", "get closer", "gets closer", "push closer", "pushes closer",
                "up close", "zoom closer", "zooms closer", "zoom in on", "zooms in on", "zooming in on", "tight on",
                "close on",
                "tight shot", "pull in", "pulls in", "pulling in", "pull in close", "pulls in close", "push in close",
                "pushes in close", "creeps in", "crept in closer", "creeps in closer", "moves in tight", "closer look",
                "lean in", "leans in", "leaning in", "close in", "closes in", "closing in", "push into", "pushes into",
                "pushing into", "push right into", "pushes right into",
                "closed in", "look closer", "closer view", "in close", "step closer",
                "steps closer",
                "stepping closer", "walk closer", "walks closer"],
    "zoom out": ["zoom out", "zooms out", "zooming out", "zoomed out", "zoom outward", "zooms outward",
                 "zooming outward", "pull back", "pulls back", "pulling back",
                 "pulled back", "pull out", "pulls out", "pulling out", "pulled out", "wide shot", "wide reveal",
                 "dolly out",
                 "dollies out", "dollying out", "dolly back", "camera backs off", "camera backs away", "frame widens",
                 "frame widening", "frame widened",
                 "camera moves back", "camera moving back", "camera moves away", "widen out", "widens out",
                 "widening out", "pull away", "pulls away", "pulling away",
                 "draw back", "draws back", "drawing back", "drew back", "drawn back", "reveal shot", "a reveal",
                 "back out", "backs out",
                 "backing out", "zoom back",
                 "zooms back", "pull back to reveal", "pulls back to reveal", "wide angle", "wide view", "cut wide",
                 "go wide", "goes wide",
                 "going wide", "pull wide", "pulls wide", "pulling wide", "pull the camera wide",
                 "pulls the camera wide", "back away", "backs away", "backing away", "step back", "steps back",
                 "stepping back"],
    "static": ["static camera", "static shot", "static", "fixed shot", "fixed camera", "locked off", "locked-off",
               "locked camera", "still camera", "steady camera", "camera stays still", "camera stays put",
               "camera holds still", "camera does not move", "camera doesn't move", "camera never moves",
               "camera stays steady", "camera is still", "camera is static", "camera is fixed", "camera is locked",
               "camera holds steady", "no camera movement", "no camera move", "no camera moves", "camera static",
               "camera still", "camera fixed", "camera locked", "on a tripod", "tripod shot", "tripod",
               "without the camera moving", "without moving the camera", "without any camera movement",
               "camera holds", "camera holds its position", "camera not moving", "camera does nothing",
               "no movement of the camera",
               "no camera motion",
               "locked shot", "locked down", "locked-down", "steady shot", "stationary camera", "camera stationary"],
}
# A camera that follows the subject pans the way it goes ("the camera follows it to the left").
FOLLOW_VERBS = ["follow", "track", "trail", "chase", "tail", "go with", "move with", "stay with", "keep up with",
                "pan with", "panning with", "move along with"]
# Words for the camera itself: a direction said after one of these is a camera move ("the camera drifts left").
CAMERA_WORDS = {"camera", "cam", "lens", "view", "viewpoint", "pov", "we", "you", "you're", "we're"}
CAMERA_DIRECTIONS = {"left": "pan left", "right": "pan right", "in": "zoom in", "closer": "zoom in",
                     "forward": "zoom in", "nearer": "zoom in", "out": "zoom out", "back": "zoom out",
                     "away": "zoom out", "backward": "zoom out", "backwards": "zoom out", "wider": "zoom out",
                     "close": "zoom in", "near": "zoom in", "far": "zoom out"}

# Outside the built-in world: what is drawn instead.
NEAREST_COLOUR = {"pink": "purple", "brown": "orange", "grey": "white", "gray": "white", "silver": "white",
                  "cyan": "blue", "teal": "green", "turquoise": "blue", "beige": "yellow", "maroon": "red",
                  "rainbow": "purple", "tan": "orange", "indigo": "blue", "golden-brown": "orange", "fuchsia": "purple",
                  "peach": "orange", "bronze": "orange", "copper": "orange", "rust": "orange",
                  "burgundy": "red", "wine": "red", "khaki": "yellow", "cream": "white", "pearl": "white",
                  "platinum": "white", "aqua": "blue", "aquamarine": "blue", "mint": "green", "chartreuse": "green",
                  "pinkish": "purple", "brownish": "orange", "greyish": "white", "grayish": "white",
                  "chocolate": "orange", "coral": "orange", "salmon": "orange", "mauve": "purple", "sepia": "orange"}
NEAREST_SCENE = {"space": "night", "outer space": "night", "moon": "night", "city": "meadow", "street": "meadow",
                 "forest": "meadow", "woods": "meadow", "garden": "meadow", "jungle": "meadow", "mountain": "snowfield",
                 "mountains": "snowfield", "glacier": "snowfield", "lake": "beach", "river": "beach",
                 "island": "beach", "canyon": "desert", "room": "meadow", "kitchen": "meadow", "road": "meadow",
                 "town": "meadow", "backyard": "meadow", "yard": "meadow", "playground": "meadow", "pond": "beach",
                 "pool": "beach", "harbour": "beach", "savanna": "desert", "savannah": "desert", "plateau": "desert",
                 "cosmos": "night", "galaxy": "night", "orbit": "night", "attic": "meadow", "office": "meadow",
                 "living room": "meadow", "bedroom": "meadow", "parking lot": "meadow", "alley": "meadow",
                 "rooftop": "meadow", "sidewalk": "meadow", "highway": "meadow", "village": "meadow",
                 "valley": "meadow", "orchard": "meadow", "swamp": "meadow", "marsh": "meadow", "riverbank": "beach",
                 "ski slope": "snowfield", "north pole": "snowfield", "iceberg": "snowfield"}
NEAREST_MOTION = {"spins": "still", "rotates": "still", "turns": "still", "runs": "moves right", "walks": "moves right",
                  "flies": "rises", "explodes": "grows", "melts": "shrinks", "vanishes": "shrinks",
                  "disappears": "shrinks", "rolls": "moves right", "dances": "bounces", "swims": "moves right",
                  "floats": "rises", "glides": "moves right", "wobbles": "still", "shakes": "still"}
# Subjects the built-in model cannot draw, and the shape drawn instead: by outline (round, boxy, pointy,
# hoop-like); animals and people are drawn as a ball.
NEAREST_SUBJECT = {
    **dict.fromkeys(["apple", "balloon", "sun", "moon", "planet", "melon", "watermelon", "egg",
                     "pearl", "coin", "snowball", "globe", "bead", "bubble", "cherry", "grape", "tomato",
                     "pumpkin", "football", "basketball", "soccer ball", "tennis ball", "beach ball", "bowling ball",
                     "baseball", "snowman", "blob", "droplet", "raindrop", "asteroid", "meteor", "comet",
                     "berry", "potato", "onion", "eyeball", "wrecking ball", "bomb"], "ball"),
    **dict.fromkeys(["dog", "cat", "puppy", "kitten", "person", "man", "woman", "bird", "horse", "fish", "dragon",
                     "child", "kid", "cow", "girl", "boy", "pig", "sheep", "rabbit", "bunny", "frog", "duck", "chick",
                     "mouse", "hamster", "bear", "lion", "tiger", "elephant", "monkey", "penguin", "owl", "bee",
                     "butterfly", "ladybug", "turtle", "snail", "crab", "seal", "whale", "dolphin", "octopus",
                     "jellyfish", "goat", "fox", "wolf", "deer", "squirrel", "hedgehog", "baby", "lady", "guy",
                     "dancer", "kangaroo", "creature", "animal", "monster", "alien", "ghost", "figure", "character",
                     "puffball", "pet"], "ball"),
    **dict.fromkeys(["house", "car", "robot", "crate", "parcel", "package", "gift", "present", "truck", "bus",
                     "building", "brick", "book", "tv", "television", "suitcase", "chest", "fridge", "ice cube",
                     "sugar cube", "container", "van", "tank", "cabinet", "toaster", "computer", "phone", "cart",
                     "wagon", "train", "block of ice", "tower", "skyscraper", "chair", "table", "bed", "barrel",
                     "cheese", "cake", "box kite", "boat", "ship", "house boat", "locomotive", "automobile",
                     "vehicle", "tractor"], "cube"),
    **dict.fromkeys(["tree", "rocket", "tent", "mountain", "star", "arrow", "cone", "spike", "pine", "fir", "spire",
                     "kite", "sail", "sailboat", "shark fin", "party hat", "hat", "pizza slice",
                     "traffic cone", "volcano", "christmas tree", "pine tree", "rooftop", "roof", "plane", "airplane",
                     "aeroplane", "jet", "spaceship", "shark", "icicle", "carrot", "tooth", "ice cream cone",
                     "mountain peak", "peak", "flag", "paper plane", "paper airplane", "dart"], "triangle"),
    **dict.fromkeys(["wheel", "bike", "bicycle", "bracelet", "tyre", "tire", "hula hoop", "bagel", "halo", "lifebuoy",
                     "life ring", "life preserver", "cd", "vinyl", "circle", "ferris wheel", "wreath",
                     "necklace", "crown", "rim", "washer", "cheerio", "frisbee", "steering wheel",
                     "horseshoe", "coil", "lasso", "rubber band", "collar", "earring", "porthole"], "ring"),
}
# Words that stand for the subject on screen: "it", "the same one", "our little friend".
PRONOUNS = {"it", "its", "itself", "he", "she", "they", "them", "him", "her", "this", "that", "it's"}
REFERRING_NOUNS = {"thing", "object", "shape", "one", "guy", "fellow", "hero", "friend", "item", "form", "piece",
                   "subject", "character", "fella", "buddy", "dude"}
SEQUENCE_WORDS = ["and then", "and after that", "after that", "afterwards", "afterward", "then", "next", "finally",
                  "later", "eventually", "at last", "in the end", "subsequently", "followed by", "after which",
                  "soon after", "finish with", "end with", "close with", "finishing with", "ending with",
                  "a moment later", "moments later", "a second later", "shortly after", "after a while",
                  "after a moment", "meanwhile", "lastly", "last of all", "to finish", "to end", "at the end",
                  "once it stops", "cut to", "smash cut to", "dissolve to", "fade to", "and finally", "but then",
                  "before long", "in the next shot", "next shot", "in shot two", "for the next shot"]
# Words that say an attribute is not wanted ("not red", "anything but a cube", "without the camera moving").
NEGATIONS = {"not", "no", "never", "without", "isn't", "isnt", "aren't", "doesn't", "doesnt", "don't", "dont",
             "won't", "wont", "ain't", "aint", "wasn't", "wasnt", "weren't", "any colour save", "any color save", "non",
             "hate", "hates", "excludes", "exclude", "excluding", "avoid",
             "avoids", "dislike",
             "dislikes", "any colour but", "any color but", "any hue but", "any shade but", "any hue save",
             "any colour except", "any color except", "neither",
             "nor", "instead of", "rather than", "anything but",
             "other than", "except", "but not", "anything except", "no longer"}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "a couple of": 2, "a pair of": 2,
                "a couple": 2, "couple of": 2, "a few": 3, "half a": 0.5, "a half": 0.5, "a single": 1, "single": 1,
                "a": 1, "an": 1, "thirty": 30}
# Words common in other languages and rare in English: a request made of them is not read as English.
FOREIGN_WORDS = {"una", "uno", "el", "los", "las", "del", "en", "y", "que", "con", "por", "playa", "pelota", "roja",
                 "rojo", "azul", "verde", "cae", "sobre", "luego", "despues", "después", "le", "les", "une", "un",
                 "dans", "sur", "et", "qui", "est", "puis", "avec", "du", "des", "balle", "rouge", "bleu", "bleue",
                 "der", "das", "ein", "eine", "und", "im", "auf", "dann", "ist", "mit", "sich", "dem", "den", "ball",
                 "rote", "roter", "blaue", "blauer", "strand", "il", "lo", "nel", "nella", "sulla", "sul", "poi",
                 "che", "palla", "rossa", "rosso", "spiaggia", "um", "uma", "na", "no", "depois", "com", "bola",
                 "vermelha", "praia", "het", "een", "op", "zich", "rode", "bal", "dan", "nieuwe", "zee",
                 "mer", "plage", "neige", "nuit", "nacht", "notte", "noche", "noite", "nieve", "schnee", "neve",
                 "cubo", "cube", "würfel", "wurfel", "kubus", "la", "al", "de", "e", "o", "di", "es", "zu",
                 "se", "si", "pero", "mais", "aber", "ma", "maar", "quand", "cuando", "wenn", "als", "quando",
                 "wanneer", "très", "muy", "sehr", "molto", "heel", "vers", "hacia", "nach", "verso", "naar", "fällt",
                 "fallt", "tombe", "rebondit", "rebota", "rimbalza", "springt", "salta", "sube", "monte",
                 "steigt", "sale", "cade", "valt", "stuitert", "roule", "rueda", "rollt", "rotola", "rola", "rolt",
                 "gauche", "droite", "izquierda", "derecha", "links", "rechts", "sinistra", "destra", "esquerda",
                 "direita"}
