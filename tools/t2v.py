"""Text to video: a new shot from words."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tools.common import SamplingSettings, ShotAttributes, ShotResult, VideoEngine, default_engine


class TextToVideoArgs(BaseModel):
    """Draw a new shot from a description."""

    model_config = ConfigDict(extra="forbid")
    prompt: str = Field(min_length=1, description="what the shot shows, e.g. 'a red ball bounces in a meadow'")
    attributes: ShotAttributes = Field(default_factory=ShotAttributes)
    settings: SamplingSettings = Field(default_factory=SamplingSettings)


def text_to_video(args: TextToVideoArgs, engine: VideoEngine | None = None, progress=None) -> ShotResult:
    return (engine or default_engine()).render("t2v", args.prompt, args.attributes, args.settings,
                                               progress=progress)
