"""Random-weight diffusers video pipelines, written as a local folder exactly as a downloaded one would be.

Tests and benchmarks need real Wan and LTX-Video pipelines without any download. These builders make
every component (a word-level tokenizer made with the ``tokenizers`` package, a T5-family text encoder, the
family's VAE and transformer) from a config and save the pipeline with ``save_pretrained``, so the product
loads it through the same ``--model DIR`` path as a real checkpoint. The weights are random: the pictures
mean nothing, the shapes, modes, timings and memory are real.

Presets: ``tiny`` (seconds on a CPU, for tests), ``mid`` (a CPU benchmark), ``full`` (the transformer
shaped as Wan 2.1 1.3B or LTX-Video 2B, for a GPU benchmark; text encoder and VAE stay small, since only the
transformer's cost is measured).
"""

from __future__ import annotations

from pathlib import Path

import torch

from engine.backends.base import quiet_libraries

WORDS = ("a an the red orange yellow green blue purple white black ball cube cat dog bird car boat man woman "
         "child horse tree house bounces runs walks flies rises falls moves left right in on at of to and then "
         "beach meadow forest city street night day sea snow desert sky camera pans zooms slowly over through "
         "rolls jumps sits stands swims drives sunset rain light dark cinematic shot close wide").split()

# Transformer shapes per family and preset.
WAN_TRANSFORMER = {
    "tiny": dict(num_attention_heads=2, attention_head_dim=12, ffn_dim=32, num_layers=2, freq_dim=256,
                 rope_max_seq_len=32),
    "mid": dict(num_attention_heads=8, attention_head_dim=64, ffn_dim=2048, num_layers=8, freq_dim=256,
                rope_max_seq_len=256),
    "full": dict(num_attention_heads=12, attention_head_dim=128, ffn_dim=8960, num_layers=30, freq_dim=256,
                 rope_max_seq_len=1024),  # Wan 2.1 T2V 1.3B
}
LTX_TRANSFORMER = {
    "tiny": dict(num_attention_heads=4, attention_head_dim=8, num_layers=1),
    "mid": dict(num_attention_heads=8, attention_head_dim=64, num_layers=8),
    "full": dict(num_attention_heads=32, attention_head_dim=64, num_layers=28),  # LTX-Video 2B (0.9.x)
}
TEXT_DIM = 32  # the small text encoder's width (the transformer's text/caption input)


def _save(pipe, folder) -> None:
    pipe.save_pretrained(folder, safe_serialization=True)


def make_tokenizer():
    """A word-level tokenizer over a small English vocabulary, as transformers' fast tokenizer."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2}
    for word in WORDS:
        vocab.setdefault(word, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                                   model_max_length=512)


def _text_parts(seed: int, umt5: bool) -> tuple:
    """A fresh seed, the word-level tokenizer and a small (U)T5 encoder: what every family's folder starts with."""
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    quiet_libraries()
    torch.manual_seed(seed)
    tokenizer = make_tokenizer()
    config_class, model_class = (UMT5Config, UMT5EncoderModel) if umt5 else (T5Config, T5EncoderModel)
    config = config_class(vocab_size=len(tokenizer), d_model=TEXT_DIM, d_kv=8, d_ff=64, num_layers=1, num_heads=4,
                          relative_attention_num_buckets=8, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    return tokenizer, model_class(config)


def build_wan(folder: str | Path, preset: str = "tiny", image_to_video: bool = False, seed: int = 0) -> Path:
    """A Wan 2.1 pipeline folder: ``WanPipeline`` (text to video), or with ``image_to_video`` a
    ``WanImageToVideoPipeline`` (its transformer takes the first frame's latents and a CLIP image embedding)."""
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanImageToVideoPipeline,
        WanPipeline,
        WanTransformer3DModel,
    )

    tokenizer, text_encoder = _text_parts(seed, umt5=True)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    z = vae.config.z_dim
    shape = WAN_TRANSFORMER[preset]
    extra = {}
    if image_to_video:
        extra = dict(in_channels=2 * z + 4, image_dim=4)
    transformer = WanTransformer3DModel(patch_size=(1, 2, 2), out_channels=z, text_dim=TEXT_DIM,
                                        cross_attn_norm=True, qk_norm="rms_norm_across_heads",
                                        **{"in_channels": z, **extra}, **shape)
    scheduler = FlowMatchEulerDiscreteScheduler(shift=3.0)
    parts = dict(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, transformer=transformer, scheduler=scheduler)
    if image_to_video:
        from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

        image_encoder = CLIPVisionModel(CLIPVisionConfig(
            hidden_size=4, projection_dim=4, num_hidden_layers=2, num_attention_heads=2, image_size=32,
            intermediate_size=16, patch_size=1))
        pipe = WanImageToVideoPipeline(image_encoder=image_encoder,
                                       image_processor=CLIPImageProcessor(crop_size=32, size=32), **parts)
    else:
        pipe = WanPipeline(**parts)
    _save(pipe, folder)
    return Path(folder)


def build_ltx(folder: str | Path, preset: str = "tiny", seed: int = 0) -> Path:
    """An LTX-Video pipeline folder (``LTXPipeline``; the image-to-video and condition pipelines share it)."""
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXPipeline,
        LTXVideoTransformer3DModel,
    )

    tokenizer, text_encoder = _text_parts(seed, umt5=False)
    # tiny: the VAE of diffusers' own tests (4x compression, so 32-px clips have tokens); otherwise LTX-Video's
    # real compression (32x in space, 8x in time, 128 latent channels) with narrow layers, so the transformer
    # sees as many tokens as the real model does at the same size.
    real = preset != "tiny"
    scaling = (True, True, True, False) if real else (True, True, False, False)
    width = 16 if real else 8
    latent = 128 if real else 8
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=latent, block_out_channels=(width,) * 4,
        decoder_block_out_channels=(width,) * 4, layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=scaling,
        decoder_spatio_temporal_scaling=scaling, decoder_inject_noise=(False,) * 5, upsample_residual=(False,) * 4,
        upsample_factor=(1,) * 4, timestep_conditioning=False, patch_size=4 if real else 1, patch_size_t=1,
        encoder_causal=True, decoder_causal=False)
    heads, head_dim = LTX_TRANSFORMER[preset]["num_attention_heads"], LTX_TRANSFORMER[preset]["attention_head_dim"]
    transformer = LTXVideoTransformer3DModel(in_channels=latent, out_channels=latent, patch_size=1, patch_size_t=1,
                                             cross_attention_dim=heads * head_dim, caption_channels=TEXT_DIM,
                                             **LTX_TRANSFORMER[preset])
    pipe = LTXPipeline(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, transformer=transformer,
                       scheduler=FlowMatchEulerDiscreteScheduler())
    _save(pipe, folder)
    return Path(folder)
