"""Extend: continue a clip from its last frames."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tools.common import SamplingSettings, ShotAttributes, ShotResult, VideoEngine, default_engine, read_video_file


class ExtendArgs(BaseModel):
    """Carry a clip on: the new shot picks up where the clip ends."""

    model_config = ConfigDict(extra="forbid")
    prompt: str = Field(min_length=1, description="what happens next")
    video_path: str = Field(description="the clip to continue (mp4, or a shot's frames .npy)")
    context_frames: int | None = Field(None, ge=1, le=32, description="how many of its last frames to continue "
                                       "from (default: what the engine continues from)")
    attributes: ShotAttributes = Field(default_factory=ShotAttributes)
    settings: SamplingSettings = Field(default_factory=SamplingSettings)


def extend_video(args: ExtendArgs, engine: VideoEngine | None = None, progress=None) -> ShotResult:
    video = read_video_file(args.video_path)
    return (engine or default_engine()).render(
        "extend", args.prompt, args.attributes, args.settings, inputs={"video": video},
        options={"context_frames": args.context_frames}, progress=progress)
