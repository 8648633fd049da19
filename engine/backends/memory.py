"""Will this model fit? An estimate of the memory a render needs against what the device has, made before
anything loads, so a person gets one line with the flag that would fit instead of an out-of-memory crash.

The estimate is weights (every tensor in the folder, at the dtype it will run in) plus working memory:
the transformer's activations for one step with classifier-free guidance (two batch rows) and the VAE's
decode of one latent frame's worth of pixels. It is meant to be right within tens of percent, not exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
         "F8_E4M3": 1, "F8_E5M2": 1}
GB = 1024 ** 3
HEADROOM = 0.9  # of the free memory a plan may count on (allocator fragmentation, the CUDA context)


@dataclass
class MemoryPlan:
    device: str
    offload: str
    weights: float  # bytes of weights resident on the device at the peak
    working: float  # bytes of activations at the peak
    available: float  # bytes free on the device
    alternatives: dict[str, float]  # offload mode -> its estimated peak, for the message
    tokens: int = 0  # the transformer's sequence length per batch row

    @property
    def needed(self) -> float:
        return self.weights + self.working

    def refuse_if_short(self, weights_loaded: bool = False) -> None:
        from engine.backends.base import BackendError

        if (self.working if weights_loaded else self.needed) <= HEADROOM * self.available:
            return
        where = "GPU memory" if self.device.startswith("cuda") else "memory"
        line = (f"this render needs about {self.needed / GB:.1f} GB of {where} ({self.weights / GB:.1f} GB "
                f"weights + {self.working / GB:.1f} GB working) but {self.available / GB:.1f} GB is free")
        fits = [m for m, peak in self.alternatives.items() if peak <= HEADROOM * self.available]
        if fits:
            line += f": add --offload {fits[0]} (about {self.alternatives[fits[0]] / GB:.1f} GB)"
        else:
            line += ": use a smaller --size or a shorter shot"
        raise BackendError(line)


def _params(tensors: dict[str, tuple[str, list[int]]]) -> int:
    total = 0
    for _, shape in tensors.values():
        n = 1
        for d in shape:
            n *= int(d)
        total += n
    return total


def available_bytes(device: str) -> float:
    if device.startswith("cuda"):
        free, _ = torch.cuda.mem_get_info(torch.device(device))
        return float(free)
    try:
        import psutil

        return float(psutil.virtual_memory().available)
    except ImportError:
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        return float(info["MemAvailable"].split()[0]) * 1024


def plan_memory(info, vae_ratios: tuple[int, int], dtype: torch.dtype, device: str, offload: str, width: int,
                height: int, frames: int) -> MemoryPlan:
    """The estimated peak for one render of ``frames`` frames at ``width`` x ``height``."""
    size = torch.tensor([], dtype=dtype).element_size()
    components = {name: _params(t) * size for name, t in info.tensors.items()}
    spatial, temporal = vae_ratios
    tr = info.configs["transformer"]
    heads = int(tr.get("num_attention_heads", 1))
    dim = heads * int(tr.get("attention_head_dim", 64))
    ffn = int(tr.get("ffn_dim", 4 * dim))
    patch = tr.get("patch_size", 1)
    patch_area = int(patch[1]) * int(patch[2]) if isinstance(patch, (list, tuple)) else int(patch) ** 2
    tokens = ((frames - 1) // temporal + 1) * (height // spatial) * (width // spatial) // patch_area
    # Two rows (guidance) of hidden states, q/k/v/out and the feed-forward's inner width; attention itself
    # runs through scaled_dot_product_attention, whose memory grows with tokens, not tokens squared, on a GPU.
    transformer_work = 2 * tokens * (6 * dim + ffn) * size
    if not device.startswith("cuda"):
        transformer_work += 2 * heads * tokens * min(tokens, 8192) * 4  # the CPU's math attention, chunked
    vae_work = height * width * 4 * 128 * size * 8  # one latent frame decoded through the widest layers
    working = max(transformer_work, vae_work)
    total = sum(components.values())
    largest = max(components.values(), default=0)
    biggest_block = largest / max(1, int(tr.get("num_layers", 1)))
    peaks = {"none": total + working, "model": largest + working, "group": 2 * biggest_block + working,
             "sequential": biggest_block + working}
    weights = peaks[offload] - working
    alternatives = {m: peaks[m] for m in ("model", "group", "sequential")} if device.startswith("cuda") else {}
    return MemoryPlan(device=device, offload=offload, weights=weights, working=working,
                      available=available_bytes(device), alternatives=alternatives, tokens=tokens)
