"""Image to video: a shot that starts from a given picture (a person's image or the previous shot's end)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tools.common import SamplingSettings, ShotAttributes, ShotResult, VideoEngine, default_engine, read_image_file


class ImageToVideoArgs(BaseModel):
    """Animate a picture: the shot's first frame is the image."""

    model_config = ConfigDict(extra="forbid")
    prompt: str = Field(min_length=1, description="what happens from the picture on")
    image_path: str = Field(description="the start picture (png/jpg), e.g. the previous shot's last frame")
    attributes: ShotAttributes = Field(default_factory=ShotAttributes)
    settings: SamplingSettings = Field(default_factory=SamplingSettings)


def image_to_video(args: ImageToVideoArgs, engine: VideoEngine | None = None, progress=None) -> ShotResult:
    image = read_image_file(args.image_path)
    return (engine or default_engine()).render("i2v", args.prompt, args.attributes, args.settings,
                                               inputs={"image": image}, progress=progress)
