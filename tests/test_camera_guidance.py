"""Camera guidance: the shared canvas is the world the renderer draws, and guidance touches only what it should."""

import numpy as np
import pytest
import torch

from engine.camera_guidance import (
    CameraGuidanceConfig,
    CameraGuide,
    background_cells,
    camera_canvas_background,
)
from engine.world.render import render_clip


@pytest.mark.parametrize("camera", ["pan right", "pan left", "zoom in", "zoom out"])
def test_canvas_from_the_anchor_redraws_the_real_background(camera):
    """Only the anchor may be read; through the planned camera it must give back what the renderer drew
    in every other frame wherever the anchor saw it. A pan the wrong way or a zoom about the wrong point
    misplaces the scene's texture and fails."""
    clip = render_clip(shape="cube", colour="red", scene="night", motion="still", camera=camera, seed=3,
                       audio=False)
    frames = torch.as_tensor(clip.frames).permute(0, 3, 1, 2).float() / 255  # (T, 3, H, W)
    camera_path = torch.as_tensor(clip.camera, dtype=torch.float32)
    anchor = len(frames) // 2
    background = background_cells(torch.as_tensor(clip.layout), frames.shape[-1], margin=2.0)  # (T, H, W)
    readable = torch.zeros_like(background)
    readable[anchor] = background[anchor]

    seen, ok = camera_canvas_background(frames, camera_path, readable, anchor)
    for t in (0, len(frames) - 1):
        cells = ok[t] & background[t]
        assert cells.float().mean() > 0.3, "most of the frame is seen by the anchor"
        error = (seen[t] - frames[t]).abs().mean(0)[cells].mean()
        still = (frames[anchor] - frames[t]).abs().mean(0)[cells].mean()  # as if the camera had not moved
        assert error < 0.4 * still, (camera, t, float(error), float(still))
    assert torch.allclose(seen[anchor][:, background[anchor]], frames[anchor][:, background[anchor]], atol=1e-4), \
        "the anchor's own cells are copied, not resampled"


def test_guidance_leaves_the_subject_and_the_late_steps_alone():
    torch.manual_seed(0)
    latents, velocity = torch.randn(1, 4, 8, 16, 16), torch.randn(1, 4, 8, 16, 16)
    camera = np.array([[0.0, 1.0], [0.05, 1.0], [0.1, 1.0], [0.15, 1.0]], np.float32)  # pan right
    boxes = np.tile(np.array([[0.4, 0.4, 0.6, 0.6]], np.float32), (4, 1))
    config = CameraGuidanceConfig(min_sigma=0.3)
    assert CameraGuide(config, camera, boxes, 0).velocity(latents, velocity, 0.2) is velocity, "below min_sigma"
    guided = CameraGuide(config, camera, boxes, 0).velocity(latents, velocity, 0.8)
    subject = ~background_cells(torch.as_tensor(boxes), 16, config.margin)  # (T, h, w)
    assert torch.equal(guided.permute(0, 1, 3, 4, 2)[0][subject], velocity.permute(0, 1, 3, 4, 2)[0][subject])
    assert torch.allclose(guided[0, 0], velocity[0, 0], atol=1e-5), "the anchor frame is the canvas: unchanged"
    assert not torch.allclose(guided[0, 1:], velocity[0, 1:]), "the other frames' background follows the pan"
    x0 = latents - 0.8 * guided  # the guided clean estimate
    # Frame 2 has panned 0.1 frame widths = 1.6 cells right: its column j shows frame 0's column j + 1.6,
    # read bilinearly (rows 2-3 are far from the subject).
    two = x0[0, 2, :, 2:4, 2:8]
    assert torch.allclose(two, x0[0, 0, :, 2:4, 3:9] * 0.4 + x0[0, 0, :, 2:4, 4:10] * 0.6, atol=1e-4)


def test_steps_between_refreshes_pull_to_the_last_canvas():
    torch.manual_seed(1)
    camera = np.array([[0.0, 1.0], [0.05, 1.0], [0.1, 1.0], [0.15, 1.0]], np.float32)
    boxes = np.tile(np.array([[0.4, 0.4, 0.6, 0.6]], np.float32), (4, 1))
    guide = CameraGuide(CameraGuidanceConfig(), camera, boxes, anchor=0)
    latents, velocity = torch.randn(1, 4, 8, 16, 16), torch.randn(1, 4, 8, 16, 16)
    first = latents - 0.8 * guide.velocity(latents, velocity, 0.8, steps_left=6)  # (1, T, C, h, w) guided x0
    later, v_later = torch.randn(1, 4, 8, 16, 16), torch.randn(1, 4, 8, 16, 16)
    kept = later - 0.6 * guide.velocity(later, v_later, 0.6, steps_left=4)  # between refreshes
    fresh = later - 0.6 * guide.velocity(later, v_later, 0.6, steps_left=3)  # 3 steps after the last build
    written = guide._target[1][:, 0]  # (T, h, w)
    assert torch.allclose(kept[0].permute(0, 2, 3, 1)[written], first[0].permute(0, 2, 3, 1)[written], atol=1e-5)
    assert not torch.allclose(fresh[0].permute(0, 2, 3, 1)[written], first[0].permute(0, 2, 3, 1)[written])


def test_a_reused_velocity_builds_no_canvas():
    """Under a step cache that reuses the transformer's last output, the canvas (a decode and an encode) is
    built only on steps where the transformer ran, every_cached steps apart."""
    torch.manual_seed(2)
    camera = np.array([[0.0, 1.0], [0.05, 1.0], [0.1, 1.0], [0.15, 1.0]], np.float32)
    boxes = np.tile(np.array([[0.4, 0.4, 0.6, 0.6]], np.float32), (4, 1))
    guide = CameraGuide(CameraGuidanceConfig(), camera, boxes, anchor=0)
    latents, velocity = torch.randn(1, 4, 8, 16, 16), torch.randn(1, 4, 8, 16, 16)
    guide.velocity(latents, velocity, 0.9, steps_left=9)
    built = guide._target
    guide.velocity(torch.randn_like(latents), velocity, 0.6, steps_left=6, fresh=False)
    assert guide._target is built, "a reused velocity's step keeps the canvas"
    guide.velocity(torch.randn_like(latents), torch.randn_like(velocity), 0.5, steps_left=5, fresh=True)
    assert guide._target is built, "under a cache, builds are at least every_cached (5) steps apart"
    guide.velocity(torch.randn_like(latents), torch.randn_like(velocity), 0.3, steps_left=3, fresh=True)
    assert guide._target is not built, "the first step the transformer runs 5 or more steps on builds it"
