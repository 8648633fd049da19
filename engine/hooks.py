"""Forward hooks that can replace a module's forward: diffusers' ``hooks`` pattern, without importing diffusers.

``add_hook(module, name, hook)`` routes ``module(...)`` through ``hook.new_forward(module, forward, ...)``,
where ``forward`` is what the module ran before (its class's forward, or another wrapper: an earlier hook,
accelerate's offload); ``remove_hook`` takes it out again and puts back exactly what was there. A hook holds
its own state; the model's code knows nothing of it. (diffusers' HookRegistry would do the same, but
importing diffusers costs seconds that a one-shot ``generate`` on the built-in model should not pay.)

Another library may replace the forward over ours (accelerate's model offload resets it when a pipeline is
placed): ``rewrap`` puts our hooks back on top of whatever forward the module has then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

_HOOKS = "_reel_hooks"  # module attribute: name -> _Entry, innermost first
_MISSING = object()


class Hook:
    """Override ``new_forward``; call ``forward(*args, **kwargs)`` to run what the hook wraps."""

    def new_forward(self, module: nn.Module, forward: Callable, *args, **kwargs) -> Any:
        return forward(*args, **kwargs)

    def reset(self) -> None:
        """Forget per-generation state."""


@dataclass
class _Entry:
    hook: Hook
    inner: Any  # the instance's own ``forward`` attribute before this hook (_MISSING: the class's forward)
    wrapper: Callable


def add_hook(module: nn.Module, name: str, hook: Hook) -> Hook:
    """Wraps ``module``'s current forward (its class's, an earlier hook's or another library's) in ``hook``."""
    hooks: dict[str, _Entry] = module.__dict__.setdefault(_HOOKS, {})
    if name in hooks:
        raise ValueError(f"{type(module).__name__} already has a hook named {name!r}")
    inner = module.__dict__.get("forward", _MISSING)
    call = module.forward  # what runs now: the bound class forward, or the instance's wrapper

    def wrapper(*args, **kwargs):
        return hook.new_forward(module, call, *args, **kwargs)

    hooks[name] = _Entry(hook, inner, wrapper)
    module.forward = wrapper  # an instance attribute: nn.Module.__call__ finds it before the class's forward
    return hook


def remove_hook(module: nn.Module, name: str) -> None:
    """Takes the hook out; what wrapped it is rewrapped around what it wrapped. When the module's forward is
    no longer ours (another library replaced it), our record goes and the forward is left alone."""
    hooks: dict[str, _Entry] = module.__dict__.get(_HOOKS, {})
    if name not in hooks:
        return
    names = list(hooks)
    if module.__dict__.get("forward") is not hooks[names[-1]].wrapper:  # replaced over us: nothing to unwrap
        hooks.pop(name)
    else:
        later = [(n, hooks[n].hook) for n in names[names.index(name) + 1:]]
        inner = hooks[name].inner
        for n in names[names.index(name):]:
            hooks.pop(n)
        if inner is _MISSING:
            module.__dict__.pop("forward", None)
        else:
            module.forward = inner
        for n, hook in later:
            add_hook(module, n, hook)
    if not hooks:
        module.__dict__.pop(_HOOKS, None)


def rewrap(module: nn.Module) -> bool:
    """If another library replaced the module's forward over our hooks, add them again on top of it.
    Returns whether it had to."""
    hooks: dict[str, _Entry] = module.__dict__.get(_HOOKS, {})
    if not hooks or module.__dict__.get("forward") is list(hooks.values())[-1].wrapper:
        return False
    entries = [(n, e.hook) for n, e in hooks.items()]
    module.__dict__.pop(_HOOKS)
    for n, hook in entries:
        add_hook(module, n, hook)
    return True


def get_hook(module: nn.Module, name: str) -> Hook | None:
    entry = module.__dict__.get(_HOOKS, {}).get(name)
    return entry.hook if entry else None
