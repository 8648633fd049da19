"""Video to video: restyle or change a clip, keeping what the prompt does not change (SDEdit at a strength; what
it changes, such as the subject's colour, is redrawn from noise: engine.redraw)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tools.common import SamplingSettings, ShotAttributes, ShotResult, VideoEngine, default_engine, read_video_file


class VideoToVideoArgs(BaseModel):
    """Change a clip (a new colour, a new scene) and keep how things move."""

    model_config = ConfigDict(extra="forbid")
    prompt: str = Field(min_length=1, description="the clip as it should become")
    video_path: str = Field(description="the source clip (mp4, or a shot's frames .npy)")
    strength: float = Field(0.6, gt=0.0, le=1.0,
                            description="how much of what the prompt keeps may change: near 0 keeps it, 1 redraws it")
    anchor_every: int = Field(0, ge=0, description="keep every Nth source frame exactly (0: none)")
    attributes: ShotAttributes = Field(default_factory=ShotAttributes)
    settings: SamplingSettings = Field(default_factory=SamplingSettings)


def video_to_video(args: VideoToVideoArgs, engine: VideoEngine | None = None, progress=None) -> ShotResult:
    video = read_video_file(args.video_path)
    return (engine or default_engine()).render(
        "v2v", args.prompt, args.attributes, args.settings, inputs={"video": video},
        options={"strength": args.strength, "anchor_every": args.anchor_every}, progress=progress)
