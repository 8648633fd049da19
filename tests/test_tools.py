"""The video tools on a tiny random model: files, caching, chaining inputs, clear errors, tool schemas."""

import pytest
from PIL import Image
from pydantic import ValidationError

from tools import (
    VIDEO_TOOLS,
    ExtendArgs,
    ImageToVideoArgs,
    SamplingSettings,
    ShotAttributes,
    TextToVideoArgs,
    ToolError,
    VideoEngine,
    VideoToVideoArgs,
    extend_video,
    image_to_video,
    text_to_video,
    video_to_video,
)

FAST = SamplingSettings(frames=8, steps=2, seed=1)


@pytest.fixture(scope="module")
def engine(tiny_weights, tmp_path_factory):
    return VideoEngine(weights=tiny_weights, cache_dir=tmp_path_factory.mktemp("shots"))


def test_t2v_writes_files_and_caches(engine):
    args = TextToVideoArgs(prompt="a red ball bounces", attributes=ShotAttributes(shape="ball", motion="bounces"),
                           settings=FAST)
    first = text_to_video(args, engine)
    assert not first.cached and first.frame_count == 8
    assert first.frames().shape == (8, 64, 64, 3)
    assert Image.open(first.last_frame_path).size == (64, 64)
    again = text_to_video(args, engine)
    assert again.cached and again.key == first.key
    other = text_to_video(args.model_copy(update={"settings": FAST.model_copy(update={"seed": 2})}), engine)
    assert other.key != first.key


def test_chaining_i2v_extend_and_v2v(engine):
    shot = text_to_video(TextToVideoArgs(prompt="a blue cube", settings=FAST), engine)
    nxt = image_to_video(ImageToVideoArgs(prompt="the cube falls", image_path=shot.last_frame_path, settings=FAST),
                         engine)
    assert nxt.mode == "i2v" and nxt.frame_count == 8
    ext = extend_video(ExtendArgs(prompt="it keeps going", video_path=shot.frames_path, context_frames=3,
                                  settings=FAST), engine)
    assert ext.frame_count == 8 - 3
    edit = video_to_video(VideoToVideoArgs(prompt="a green cube", video_path=shot.video_path, strength=0.5,
                                           settings=FAST), engine)
    assert edit.frame_count == 8


def test_bad_inputs_are_one_line_errors(engine, tmp_path):
    with pytest.raises(ToolError, match="no such image"):
        image_to_video(ImageToVideoArgs(prompt="x", image_path=str(tmp_path / "none.png"), settings=FAST), engine)
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    with pytest.raises(ToolError, match="cannot read"):
        image_to_video(ImageToVideoArgs(prompt="x", image_path=str(junk), settings=FAST), engine)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"garbage" * 20)
    with pytest.raises(ToolError):
        video_to_video(VideoToVideoArgs(prompt="x", video_path=str(broken), settings=FAST), engine)
    with pytest.raises(ValidationError, match="strength"):
        VideoToVideoArgs(prompt="x", video_path="a.mp4", strength=1.5)
    with pytest.raises(ValidationError, match="ball, cube, triangle, ring"):
        ShotAttributes(shape="hexagon")
    with pytest.raises(ValidationError):
        TextToVideoArgs(prompt="")


def test_missing_weights_is_a_tool_error(tmp_path):
    with pytest.raises(ToolError, match="model weights missing"):
        text_to_video(TextToVideoArgs(prompt="x", settings=FAST), VideoEngine(weights=tmp_path, cache_dir=tmp_path))


def test_argument_models_are_llm_tool_schemas():
    from openai import pydantic_function_tool

    for name, (model, _) in VIDEO_TOOLS.items():
        schema = pydantic_function_tool(model, name=name, description=model.__doc__)
        assert schema["function"]["name"] == name
        assert "prompt" in schema["function"]["parameters"]["properties"]
