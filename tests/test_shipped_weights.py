"""The weights shipped in the repo load by default and draw."""

import numpy as np

from engine.ncr import NCRConfig
from engine.pipeline import SHIPPED_WEIGHTS, load_pipeline


def test_shipped_weights_load_and_generate():
    assert (SHIPPED_WEIGHTS / "transformer" / "diffusion_pytorch_model.safetensors").exists()
    assert (SHIPPED_WEIGHTS / "autoencoder" / "diffusion_pytorch_model.safetensors").exists()
    pipe = load_pipeline(ncr=NCRConfig())
    out = pipe("a yellow cube moves right in the desert", attributes={"shape": "cube", "colour": "yellow",
               "motion": "moves right", "scene": "desert"}, num_inference_steps=4, seed=0)
    assert out.frames.shape == (16, 64, 64, 3) and out.frames.dtype == np.uint8
    assert out.frames.std() > 5, "a picture, not a flat field"
