"""Per-frame subject boxes for a requested motion and camera move, from the world's physics.

The DiT can condition on where the subject is in every frame; at generation time that path comes from the
same physics the world uses (gravity, restitution, steady pans), so a bounce lands when it should.
"""

from __future__ import annotations

import numpy as np

from engine.world.physics import plan_track
from engine.world.vocab import CAMERAS, MOTIONS, SCENES


def layout_for(attributes: dict[str, str | None], frames: int, fps: int, seed: int, aspect: float = 1.0
               ) -> np.ndarray | None:
    """(T, 4) boxes in frame fractions, or None when the motion is not one the physics knows."""
    motion = attributes.get("motion")
    if motion not in MOTIONS:
        return None
    camera = attributes.get("camera") if attributes.get("camera") in CAMERAS else "static"
    scene = attributes.get("scene") if attributes.get("scene") in SCENES else "meadow"
    rng = np.random.default_rng([seed, 0x1A70])
    return plan_track(motion, camera, scene, frames, fps, aspect, rng).layout().astype(np.float32)
