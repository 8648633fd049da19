"""Forward hooks that can replace a module's forward: diffusers' ``hooks`` pattern, without importing diffusers.

``add_hook(module, name, hook)`` routes ``module(...)`` through ``hook.new_forward(module, forward, ...)``,
where ``forward`` is the module's own (or the next hook's) forward; ``remove_hook`` takes it out again and
the module's class forward is back, untouched. A hook holds its own state; the model's code knows nothing
of it. (diffusers' HookRegistry would do the same, but importing diffusers costs seconds that a one-shot
``generate`` on the built-in model should not pay.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

_HOOKS = "_reel_hooks"  # module attribute: name -> (hook, the forward it wraps)


class Hook:
    """Override ``new_forward``; call ``forward(*args, **kwargs)`` to run what the hook wraps."""

    def new_forward(self, module: nn.Module, forward: Callable, *args, **kwargs) -> Any:
        return forward(*args, **kwargs)

    def reset(self) -> None:
        """Forget per-generation state."""


def add_hook(module: nn.Module, name: str, hook: Hook) -> Hook:
    """Wraps ``module``'s current forward (its own, or earlier hooks') in ``hook``."""
    hooks: dict = module.__dict__.setdefault(_HOOKS, {})
    if name in hooks:
        raise ValueError(f"{type(module).__name__} already has a hook named {name!r}")
    inner = module.forward

    def forward(*args, **kwargs):
        return hook.new_forward(module, inner, *args, **kwargs)

    hooks[name] = (hook, inner)
    module.forward = forward  # an instance attribute: nn.Module.__call__ finds it before the class's forward
    return hook


def remove_hook(module: nn.Module, name: str) -> None:
    """Takes the hook out; with none left the module's forward is its class's again."""
    hooks: dict = module.__dict__.get(_HOOKS, {})
    if name not in hooks:
        return
    names = list(hooks)
    later = [(n, hooks[n][0]) for n in names[names.index(name) + 1:]]
    for n in reversed(names[names.index(name):]):  # unwind to below this hook, then rewrap the later ones
        _, inner = hooks.pop(n)
        module.forward = inner
    if "forward" in module.__dict__ and not hooks:
        del module.forward
    for n, hook in later:
        add_hook(module, n, hook)
    if not hooks:
        module.__dict__.pop(_HOOKS, None)


def get_hook(module: nn.Module, name: str) -> Hook | None:
    entry = module.__dict__.get(_HOOKS, {}).get(name)
    return entry[0] if entry else None
