"""The agent's typed tools: one module per tool, each a function of a pydantic argument model.

The argument models double as the LLM's tool schemas (``openai.pydantic_function_tool``).
"""

from tools.common import EngineSession, SamplingSettings, ShotAttributes, ShotResult, ToolError
from tools.extend import ExtendArgs, extend_video
from tools.i2v import ImageToVideoArgs, image_to_video
from tools.t2v import TextToVideoArgs, text_to_video
from tools.v2a import SoundArgs, SoundResult, SoundSession, sound_video_file
from tools.v2v import VideoToVideoArgs, video_to_video

VIDEO_TOOLS = {
    "text_to_video": (TextToVideoArgs, text_to_video),
    "image_to_video": (ImageToVideoArgs, image_to_video),
    "video_to_video": (VideoToVideoArgs, video_to_video),
    "extend_video": (ExtendArgs, extend_video),
}

__all__ = ["VIDEO_TOOLS", "EngineSession", "ExtendArgs", "ImageToVideoArgs", "SamplingSettings", "ShotAttributes",
           "ShotResult", "SoundArgs", "SoundResult", "SoundSession", "TextToVideoArgs", "ToolError",
           "VideoToVideoArgs", "extend_video", "image_to_video", "sound_video_file", "text_to_video",
           "video_to_video"]
