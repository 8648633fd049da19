"""The agent's typed tools: one module per tool, each a function of a pydantic argument model.

The argument models double as the LLM's tool schemas (``openai.pydantic_function_tool``). Names are
imported on first use, so a command that needs one tool (``generate``) does not load the sound model's
readers.
"""

import importlib

_WHERE = {
    "VideoEngine": "common", "SamplingSettings": "common", "ShotAttributes": "common", "ShotResult": "common",
    "ToolError": "common",
    "ExtendArgs": "extend", "extend_video": "extend",
    "ImageToVideoArgs": "i2v", "image_to_video": "i2v",
    "TextToVideoArgs": "t2v", "text_to_video": "t2v",
    "SoundArgs": "v2a", "SoundResult": "v2a", "SoundEngine": "v2a", "sound_video_file": "v2a",
    "VideoToVideoArgs": "v2v", "video_to_video": "v2v",
}

__all__ = ["VIDEO_TOOLS", *sorted(_WHERE)]


_VIDEO_TOOLS = {"text_to_video": "TextToVideoArgs", "image_to_video": "ImageToVideoArgs",
                "video_to_video": "VideoToVideoArgs", "extend_video": "ExtendArgs"}


def __getattr__(name: str):
    if name == "VIDEO_TOOLS":  # tool name -> (argument model, function)
        return {tool: (__getattr__(args), __getattr__(tool)) for tool, args in _VIDEO_TOOLS.items()}
    if name not in _WHERE:
        raise AttributeError(f"module 'tools' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tools.{_WHERE[name]}"), name)
