"""The V2A model: visual features per mel frame -> onset track -> log-mel spectrogram.

Two small stacks of dilated 1-D convolutions over time. The onset stack reads the visual features and
says, per 10 ms frame, how likely a sound starts there. The mel stack reads the same features plus that
onset track and draws the spectrum: the scene's ambience bed, and at each onset the attack and ringing
of the material that hit (or the splash, on the beach). Both stacks see about 0.6 s either side, enough
for the longest ring. Being convolutional, the model takes any length.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from engine.modeling import SavedModel, register_config
from engine.v2a.features import CHANNELS
from engine.v2a.mel import N_MELS

V2A_PRESETS = {
    "S": dict(width=96, onset_dilations=(1, 2, 4, 8, 1), mel_dilations=(1, 2, 4, 8, 16, 32, 1, 2)),
}


class FrameNorm(nn.LayerNorm):
    """LayerNorm over channels, each time step on its own: an output frame depends only on the frames in
    its receptive field, so a long video cut into chunks gives exactly what one pass would."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, W, F)
        return super().forward(x.transpose(1, 2)).transpose(1, 2)  # (B, W, F)


class ResidualConv(nn.Module):
    """x + conv(gelu(norm(x))) with a dilated kernel-3 convolution over time."""

    def __init__(self, width: int, dilation: int):
        super().__init__()
        self.norm = FrameNorm(width)
        self.conv = nn.Conv1d(width, width, 3, padding=dilation, dilation=dilation)
        self.mix = nn.Conv1d(width, width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, W, F)
        return x + self.mix(F.gelu(self.conv(F.gelu(self.norm(x)))))  # (B, W, F)


class ConvStack(nn.Module):
    def __init__(self, inputs: int, width: int, dilations: tuple[int, ...], outputs: int):
        super().__init__()
        self.proj_in = nn.Conv1d(inputs, width, 1)
        self.blocks = nn.ModuleList([ResidualConv(width, d) for d in dilations])
        self.norm_out = FrameNorm(width)
        self.proj_out = nn.Conv1d(width, outputs, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, F)
        h = self.proj_in(x)  # (B, W, F)
        for block in self.blocks:
            h = block(h)  # (B, W, F)
        return self.proj_out(F.gelu(self.norm_out(h)))  # (B, outputs, F)


class V2AModel(SavedModel):
    @register_config
    def __init__(self, feature_channels: int = len(CHANNELS), n_mels: int = N_MELS, width: int = 96,
                 onset_dilations: tuple[int, ...] = (1, 2, 4, 8, 1),
                 mel_dilations: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 1, 2), mel_floor: float = -11.5):
        super().__init__()
        self.onset = ConvStack(feature_channels, width // 2, tuple(onset_dilations), 1)
        self.mel = ConvStack(feature_channels + 1, width, tuple(mel_dilations), n_mels)
        # Start the mel output at a quiet level instead of 0 (= full scale), so early training is stable.
        nn.init.zeros_(self.mel.proj_out.weight)
        nn.init.constant_(self.mel.proj_out.bias, mel_floor / 2)

    @property
    def receptive_field(self) -> int:
        """Mel frames either side that influence one output frame."""
        onset = sum(self.config.onset_dilations)
        return onset + sum(self.config.mel_dilations)

    def onset_logits(self, features: torch.Tensor) -> torch.Tensor:  # (B, C, F)
        return self.onset(features)[:, 0]  # (B, F)

    def forward(self, features: torch.Tensor, onsets: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Onset logits (B, F) and log-mel (B, M, F). ``onsets`` (B, F) in [0, 1] replaces the predicted
        onset track (training feeds the true one part of the time)."""
        logits = self.onset_logits(features)  # (B, F)
        track = torch.sigmoid(logits) if onsets is None else onsets  # (B, F)
        logmel = self.mel(torch.cat([features, track[:, None]], dim=1))  # (B, M, F)
        return logits, logmel


def v2a_from_preset(name: str = "S") -> V2AModel:
    return V2AModel(**V2A_PRESETS[name])
