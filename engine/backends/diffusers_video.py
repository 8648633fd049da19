"""Real video models: a diffusers Wan or LTX-Video pipeline folder as a reelwright engine.

The folder is what ``save_pretrained`` writes (or a download of a ``*-Diffusers`` repository): its
``model_index.json`` names the pipeline class, and so the family. The folder is checked when it is named
(index, component configs, every safetensors header), so a wrong or broken folder is refused before
anything renders; the weights load on the first render, once, and every mode's pipeline shares them
(``from_pipe``).

Per family, each mode is one method that turns a ``RenderRequest`` into a call plan: which pipeline class,
its keyword arguments, and how many leading output frames were given rather than made (extend).
"""

from __future__ import annotations

import json
import struct
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from engine.backends.base import (
    BackendError,
    Capabilities,
    Clip,
    ProgressCallback,
    RenderRequest,
    StepEvent,
    check_request,
    quiet_libraries,
    weights_fingerprint,
)
from engine.backends.memory import MemoryPlan, plan_memory

FAMILY_OF = {
    "WanPipeline": "wan", "WanImageToVideoPipeline": "wan", "WanVideoToVideoPipeline": "wan",
    "LTXPipeline": "ltx", "LTXImageToVideoPipeline": "ltx", "LTXConditionPipeline": "ltx",
}
OFFLOADS = ("none", "model", "group", "sequential")
NEGATIVE_PROMPT = "blurry, low quality, distorted, static, still picture, watermark, text"


def _read_json(path: Path, what: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackendError(f"{path} is not readable JSON ({str(exc).splitlines()[0]}): the {what} is damaged; "
                           f"download the model again") from None
    if not isinstance(data, dict):
        raise BackendError(f"{path} is not a {what}: download the model again")
    return data


def check_safetensors(path: Path) -> dict:
    """The header of a safetensors file, after checking the file holds every tensor it lists (a truncated or
    corrupt download is refused here, in one line, not half-way through loading)."""
    try:
        with path.open("rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise ValueError("shorter than a header")
            (n,) = struct.unpack("<Q", head)
            if n > 100_000_000:
                raise ValueError("header length out of range")
            header = json.loads(f.read(n))
        end = max((int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"), default=0)
        if path.stat().st_size < 8 + n + end:
            raise ValueError(f"{path.stat().st_size} bytes where {8 + n + end} are needed (incomplete download)")
        return header
    except (OSError, ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError) as exc:
        raise BackendError(f"{path} is not a valid safetensors file ({str(exc).splitlines()[0]}): "
                           f"download the model again") from None


@dataclass
class FolderInfo:
    """What the folder says about itself, read without loading any weights."""

    root: Path
    pipeline: str  # model_index.json's _class_name
    family: str
    index: dict
    configs: dict[str, dict] = field(default_factory=dict)  # component -> its config.json
    # component -> tensor name -> (dtype, shape)
    tensors: dict[str, dict[str, tuple[str, list[int]]]] = field(default_factory=dict)


def inspect_folder(folder: str | Path) -> FolderInfo:
    """Check a model folder as far as can be without loading it; BackendError names what is wrong."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise BackendError(f"no model folder at {root}: give the folder of a diffusers Wan or LTX-Video pipeline "
                           f"(the one holding model_index.json)")
    index_path = root / "model_index.json"
    if not index_path.is_file():
        raise BackendError(f"{root} is not a diffusers pipeline folder (no model_index.json): give the folder of a "
                           f"Wan or LTX-Video pipeline, e.g. a download of Wan-AI/Wan2.1-T2V-1.3B-Diffusers")
    index = _read_json(index_path, "pipeline index")
    name = str(index.get("_class_name", ""))
    if name not in FAMILY_OF:
        kind = "an image model" if any(k in name for k in ("StableDiffusion", "Flux", "PixArt", "Sana", "Kandinsky",
                                                           "Image")) and "Video" not in name else "a pipeline"
        raise BackendError(f"{root} holds {name or 'an unnamed pipeline'}, {kind} reelwright cannot film with: "
                           f"use a Wan (WanPipeline, WanImageToVideoPipeline) or LTX-Video (LTXPipeline) folder")
    info = FolderInfo(root=root, pipeline=name, family=FAMILY_OF[name], index=index)
    for component, spec in index.items():
        if component.startswith("_") or not isinstance(spec, list) or spec[0] is None:
            continue
        sub = root / component
        if not sub.is_dir():
            raise BackendError(f"{root} lacks its {component}/ folder: the download is incomplete; download the "
                               f"model again")
        if (sub / "config.json").is_file():
            info.configs[component] = _read_json(sub / "config.json", f"{component} config")
        weights = sorted(sub.glob("*.safetensors"))
        if spec[0] in ("diffusers", "transformers") and not weights and component not in ("tokenizer", "scheduler",
                                                                                          "image_processor"):
            if list(sub.glob("*.bin")) or list(sub.glob("*.pth")):
                raise BackendError(f"{sub} holds pickled weights (.bin): reelwright loads safetensors only; convert "
                                   f"or download the safetensors version")
            raise BackendError(f"{sub} holds no weights: the download is incomplete; download the model again")
        info.tensors[component] = {}
        for w in weights:
            for key, meta in check_safetensors(w).items():
                if key != "__metadata__":
                    info.tensors[component][key] = (meta["dtype"], meta["shape"])
    for needed in ("transformer", "vae", "text_encoder"):
        if needed not in info.configs:
            raise BackendError(f"{root} has no {needed} config: the download is incomplete; download the model again")
    return info


# -- families ------------------------------------------------------------------------------------------------


@dataclass
class CallPlan:
    """One render as a pipeline call: the class to run, its arguments, and the leading frames it was given."""

    pipeline: str
    kwargs: dict
    given_frames: int = 0


def _pil(frame: np.ndarray) -> Image.Image:
    return Image.fromarray(np.asarray(frame, dtype=np.uint8)).convert("RGB")


def _fit(frame: np.ndarray, width: int, height: int) -> Image.Image:
    """A picture to the render size: scaled to cover, then centre-cropped (no stretching)."""
    img = _pil(frame)
    scale = max(width / img.width, height / img.height)
    img = img.resize((max(width, round(img.width * scale)), max(height, round(img.height * scale))), Image.LANCZOS)
    left, top = (img.width - width) // 2, (img.height - height) // 2
    return img.crop((left, top, left + width, top + height))


def _retime(video: np.ndarray, frames: int) -> np.ndarray:
    """A source clip resampled to ``frames`` frames (nearest), as the world model's video-to-video does."""
    idx = np.linspace(0, len(video) - 1, frames).round().astype(int)
    return np.asarray(video)[idx]


class Family(ABC):
    """What differs between families: names, native settings, which modes a folder can do, and per mode
    the call plan."""

    label = ""
    t2v_pipeline = ""
    fps = 16
    width, height = 832, 480
    max_frames = 81
    steps, guidance = 30, 5.0

    def __init__(self, info: FolderInfo):
        self.info = info

    @abstractmethod
    def vae_ratios(self) -> tuple[int, int]:
        """(spatial, temporal) compression of the folder's VAE, read from its config."""
        ...

    @abstractmethod
    def size_multiple(self) -> int:
        ...

    @abstractmethod
    def modes(self) -> tuple[str, ...]:
        ...

    def capabilities(self, device: str) -> Capabilities:
        spatial, temporal = self.vae_ratios()
        note = None
        if device == "cpu":
            note = (f"{self.label} runs on the CPU here, in float32: expect minutes per shot at small sizes and far "
                    f"longer at its native {self.width}x{self.height}; a GPU makes it practical")
        return Capabilities(family=self.info.family, name=f"{self.label} ({self.info.root.name})", modes=self.modes(),
                            free_text=True, extend_context=self.extend_context(), width=self.width,
                            height=self.height, fps=self.fps,
                            frame_step=temporal, frame_offset=1, max_frames=self.max_frames,
                            size_multiple=self.size_multiple(), device=device, default_steps=self.steps,
                            default_guidance=self.guidance, note=note)

    def extend_context(self) -> int:
        """The frames extend continues from: one picture, unless the family conditions on a clip."""
        return 1

    def common(self, request: RenderRequest, width: int, height: int) -> dict:
        return dict(prompt=request.prompt, negative_prompt=NEGATIVE_PROMPT, width=width, height=height,
                    num_inference_steps=request.steps, guidance_scale=request.guidance, output_type="np")

    def plan(self, request: RenderRequest, width: int, height: int, pipe) -> CallPlan:
        return getattr(self, f"_plan_{request.mode}")(request, width, height, pipe)


class WanFamily(Family):
    label = "Wan"
    fps = 16
    width, height = 832, 480
    max_frames = 81

    def __init__(self, info: FolderInfo):
        super().__init__(info)
        vae, tr = info.configs["vae"], info.configs["transformer"]
        self.z = int(vae.get("z_dim", 16))
        self.in_channels = int(tr.get("in_channels", self.z))
        self.expand_timesteps = bool(info.index.get("expand_timesteps", False))
        if self.expand_timesteps:  # Wan 2.2 TI2V-5B: 24 fps, 1280x704
            self.fps, self.width, self.height, self.max_frames = 24, 1280, 704, 121

    def vae_ratios(self) -> tuple[int, int]:
        down = self.info.configs["vae"].get("temperal_downsample", [False, True, True])
        spatial = int(self.info.configs["vae"].get("scale_factor_spatial", 2 ** len(down)))
        temporal = int(self.info.configs["vae"].get("scale_factor_temporal", 2 ** sum(bool(d) for d in down)))
        return spatial, temporal

    def size_multiple(self) -> int:
        patch = self.info.configs["transformer"].get("patch_size", [1, 2, 2])
        return self.vae_ratios()[0] * int(patch[1])

    def modes(self) -> tuple[str, ...]:
        # The video-to-video pipeline has one transformer: Wan 2.2's two experts (transformer_2) cannot run it.
        two_experts = bool(self.info.index.get("transformer_2", [None])[0])
        v2v = () if two_experts else ("v2v",)
        if self.in_channels == self.z:  # a text-to-video transformer
            return ("t2v", "i2v", "extend", *v2v) if self.expand_timesteps else ("t2v", *v2v)
        return ("i2v", "extend")  # the image-to-video transformer takes the first frame's latents as input

    def _plan_t2v(self, request, width, height, pipe) -> CallPlan:
        return CallPlan("WanPipeline", {**self.common(request, width, height), "num_frames": request.frames})

    def _plan_i2v(self, request, width, height, pipe) -> CallPlan:
        return CallPlan("WanImageToVideoPipeline", {**self.common(request, width, height),
                                                    "image": _fit(request.image, width, height),
                                                    "num_frames": request.frames})

    def _plan_extend(self, request, width, height, pipe) -> CallPlan:
        # Wan conditions on one picture: the clip goes on from its last frame, which comes back as frame 0.
        plan = self._plan_i2v(request.model_copy(update={"image": request.video[-1]}), width, height, pipe)
        plan.given_frames = 1
        return plan

    def _plan_v2v(self, request, width, height, pipe) -> CallPlan:
        source = [_fit(f, width, height) for f in _retime(request.video, request.frames)]
        return CallPlan("WanVideoToVideoPipeline", {**self.common(request, width, height), "video": source,
                                                    "strength": request.strength})


class LTXFamily(Family):
    label = "LTX-Video"
    fps = 24
    width, height = 704, 480
    max_frames = 257
    steps, guidance = 30, 3.0

    def vae_ratios(self) -> tuple[int, int]:
        vae = self.info.configs["vae"]
        scaling = sum(bool(s) for s in vae.get("spatio_temporal_scaling", (True, True, True, False)))
        spatial = vae.get("spatial_compression_ratio") or int(vae.get("patch_size", 4)) * 2 ** scaling
        temporal = vae.get("temporal_compression_ratio") or int(vae.get("patch_size_t", 1)) * 2 ** scaling
        return int(spatial), int(temporal)

    def size_multiple(self) -> int:
        return max(32, self.vae_ratios()[0])  # the pipelines refuse sizes that are not multiples of 32

    def modes(self) -> tuple[str, ...]:
        return ("t2v", "i2v", "extend", "v2v")  # one transformer; the condition pipeline does extend and v2v

    def common(self, request, width, height) -> dict:
        return {**super().common(request, width, height), "frame_rate": self.fps}

    def _plan_t2v(self, request, width, height, pipe) -> CallPlan:
        return CallPlan("LTXPipeline", {**self.common(request, width, height), "num_frames": request.frames})

    def _plan_i2v(self, request, width, height, pipe) -> CallPlan:
        return CallPlan("LTXImageToVideoPipeline", {**self.common(request, width, height),
                                                    "image": _fit(request.image, width, height),
                                                    "num_frames": request.frames})

    def extend_context(self) -> int:
        return self.vae_ratios()[1] + 1  # one latent frame beyond the first: the motion the clip ends with

    def _plan_extend(self, request, width, height, pipe) -> CallPlan:
        # The clip's last k frames lead the new one (k = temporal compression * m + 1, as the VAE takes them,
        # at most context_frames); as with every engine, ``frames`` counts them and they are dropped after.
        temporal = self.vae_ratios()[1]
        most = min(len(request.video), request.context_frames or self.extend_context(), request.frames - 1)
        k = max(0, most - 1) // temporal * temporal + 1
        context = [_fit(f, width, height) for f in request.video[-k:]]
        return CallPlan("LTXConditionPipeline", {**self.common(request, width, height), "video": context,
                                                 "frame_index": 0, "strength": 1.0, "num_frames": request.frames},
                        given_frames=k)

    def _plan_v2v(self, request, width, height, pipe) -> CallPlan:
        # SDEdit: the source's own latents, noised to ``strength`` and denoised under the new prompt.
        source = [_fit(f, width, height) for f in _retime(request.video, request.frames)]
        # The execution device, not the VAE's: under offload the VAE waits on the CPU until it runs.
        video = pipe.video_processor.preprocess_video(source, height, width).to(pipe._execution_device, pipe.vae.dtype)
        with torch.no_grad():
            latents = pipe.vae.encode(video).latent_dist.mode()
        latents = pipe._normalize_latents(latents, pipe.vae.latents_mean, pipe.vae.latents_std)
        return CallPlan("LTXConditionPipeline", {**self.common(request, width, height), "latents": latents,
                                                 "denoise_strength": request.strength, "num_frames": request.frames})


FAMILIES = {"wan": WanFamily, "ltx": LTXFamily}


class DiffusersBackend:
    """A diffusers video pipeline folder behind the backend contract."""

    def __init__(self, folder: str | Path, device: str | None = None, offload: str = "none", cache=None):
        from engine.caches import CacheSettings

        self.info = inspect_folder(folder)
        self.cache_settings = CacheSettings() if cache is None else cache
        self._caches: list = []  # an AppliedCache per transformer (Wan 2.2 has two experts), once loaded
        self.family = FAMILIES[self.info.family](self.info)
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if offload not in OFFLOADS:
            raise BackendError(f"unknown offload {offload!r}: use one of {', '.join(OFFLOADS)}")
        if offload != "none" and device == "cpu":
            raise BackendError(f"--offload {offload} moves weights between the CPU and a GPU, and there is no GPU "
                               f"here: leave --offload out")
        self.device, self.offload = device, offload
        self.dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        self.capabilities = self.family.capabilities(device)
        self._pipes: dict[str, object] = {}
        self._lock = threading.Lock()
        self._weights_id: str | None = None

    @property
    def weights_id(self) -> str:
        if self._weights_id is None:
            parts = [self.info.root / c for c in sorted(self.info.tensors)]
            self._weights_id = f"{weights_fingerprint(*parts)}-{self.dtype}".replace("torch.", "")
        return self._weights_id

    @property
    def transformer(self):
        return self._base().transformer

    def load(self) -> None:
        with self._lock:
            self._base()

    def memory(self, request: RenderRequest, width: int, height: int) -> MemoryPlan:
        return plan_memory(self.info, self.family.vae_ratios(), self.dtype, self.device, self.offload, width, height,
                           request.frames)

    def _base(self):
        """The folder's own pipeline, loaded once and placed on the device (or offloaded)."""
        if self.info.pipeline not in self._pipes:
            from diffusers import DiffusionPipeline

            quiet_libraries()
            pipe = DiffusionPipeline.from_pretrained(self.info.root, dtype=self.dtype)
            pipe.set_progress_bar_config(disable=True)
            if self.offload == "sequential":
                pipe.enable_sequential_cpu_offload(device=self.device)
            elif self.offload == "group":  # the hooks live on the modules, so every derived pipeline shares them
                pipe.enable_group_offload(onload_device=torch.device(self.device), num_blocks_per_group=1)
            elif self.offload == "none":
                pipe.to(self.device)
            self._place(pipe)
            self._pipes[self.info.pipeline] = pipe
        return self._pipes[self.info.pipeline]

    def _place(self, pipe) -> None:
        # Model offload keeps a per-pipeline sequence of hooks: each pipeline that runs needs its own.
        if self.offload == "model":
            pipe.enable_model_cpu_offload(device=self.device)

    def _pipeline(self, name: str):
        """The pipeline class ``name`` over the already loaded components (no weights loaded twice)."""
        if name not in self._pipes:
            import diffusers

            # from_pipe casts every shared component to its dtype (float32 unless told): keep the loaded one.
            pipe = getattr(diffusers, name).from_pipe(self._base(), dtype=self.dtype)
            pipe.set_progress_bar_config(disable=True)
            self._place(pipe)
            self._pipes[name] = pipe
        return self._pipes[name]

    def _applied_caches(self, pipe, plan: CallPlan) -> list:
        """The step cache on each shared transformer, installed at the first render. MagCache's ratios are
        the model's own: without them, the first render's plan runs once at full compute, with a fixed prompt
        and seed, to measure them."""
        if not self._caches and self.cache_settings.active:
            from dataclasses import replace

            from engine.caches import apply_cache, calibrate_mag_ratios

            settings = self.cache_settings
            if settings.name == "magcache" and settings.mag_ratios is None:
                kwargs = {**plan.kwargs, "prompt": "a calm landscape, slow camera pan"}
                settings = self.cache_settings = replace(settings, mag_ratios=calibrate_mag_ratios(
                    pipe.transformer, lambda: pipe(**kwargs, generator=torch.Generator("cpu").manual_seed(0))))
            experts = [pipe.transformer, getattr(pipe, "transformer_2", None)]
            self._caches = [apply_cache(t, settings) for t in experts if t is not None]
        return self._caches

    def render(self, request: RenderRequest, callback: ProgressCallback | None = None) -> Clip:
        width, height = check_request(self.capabilities, request)
        # Once the weights are resident they are no longer free memory: then only the working memory must fit.
        self.memory(request, width, height).refuse_if_short(weights_loaded=bool(self._pipes))
        started = time.perf_counter()
        with self._lock:
            try:
                base = self._base()
                loaded = time.perf_counter()
                plan = self.family.plan(request, width, height, base)
                pipe = self._pipeline(plan.pipeline)
                caches = self._applied_caches(pipe, plan)
                for cache in caches:
                    cache.begin(request.steps)
                fractions = []

                def on_step(p, i, t, kwargs):
                    ran = [c for c in caches if c.has_new_calls()] or caches  # the expert this step used
                    fractions.append(sum(c.fraction() for c in ran) / len(ran) if ran else 1.0)
                    if callback is not None:  # v2v runs fewer steps than asked: the pipeline knows how many
                        callback(StepEvent(step=i + 1, total=p.num_timesteps, sigma=float(t) / 1000.0,
                                           compute_fraction=fractions[-1]))
                    return kwargs

                generator = torch.Generator("cpu").manual_seed(request.seed)
                out = pipe(**plan.kwargs, generator=generator, callback_on_step_end=on_step)
            except torch.OutOfMemoryError:
                raise BackendError(f"{self.capabilities.name} ran out of memory at {width}x{height}, "
                                   f"{request.frames} frames: try --offload model, a smaller --size or a shorter "
                                   f"shot") from None
            except (OSError, ValueError, RuntimeError, KeyError, ImportError, TypeError) as exc:
                if isinstance(exc, BackendError):
                    raise
                raise BackendError(f"{self.capabilities.name} failed ({type(exc).__name__}: "
                                   f"{str(exc).splitlines()[0][:200] if str(exc) else 'no message'}); the folder "
                                   f"{self.info.root} may be damaged or from an unsupported version") from None
        frames = np.asarray(out.frames[0])  # (T, H, W, 3) floats in [0, 1]
        frames = (np.clip(frames, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)[plan.given_frames:]
        done = time.perf_counter()
        return Clip(frames=frames, fps=self.capabilities.fps,
                    compute_fraction=sum(fractions) / len(fractions) if fractions else 1.0,
                    timings={"load": loaded - started, "sampling": done - loaded})
