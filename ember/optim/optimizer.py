"""Optimizer: the base class of ember.optim, with torch's param_groups / state / state_dict contract.

Subclasses update parameters in place on their raw arrays (``p._data``) with ``out=`` ufunc calls. Large
contiguous tensors are processed in cache-sized blocks (:func:`_blocked`) so the temporaries of a multi-step
update stay in L2 cache instead of streaming through memory once per elementwise op.
"""
from __future__ import annotations

import functools
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from copy import deepcopy
from itertools import chain
from typing import Any, Callable

import numpy as np

from .. import _dtype
from .._ops._base import xp
from .._tensor import Tensor, _make
from ..autograd.graph import _Handle
from ..autograd.grad_mode import enable_grad

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]


class _RequiredParameter:
    """Singleton marking a default that every param group must provide (e.g. ``lr`` of a custom optimizer)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_global_pre_hooks: OrderedDict = OrderedDict()
_global_post_hooks: OrderedDict = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable) -> _Handle:
    """Register ``hook(optimizer, args, kwargs)`` to run before every optimizer's ``step``."""
    return _Handle(_global_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable) -> _Handle:
    """Register ``hook(optimizer, args, kwargs)`` to run after every optimizer's ``step``."""
    return _Handle(_global_post_hooks, hook)


def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(type(obj), "__module__", "")
    return (module + "." if module and module != "builtins" else "") + type(obj).__qualname__


def _hooked_step(step: Callable) -> Callable:
    """Wrap a subclass's ``step`` so the global and per-instance step pre/post hooks run around it."""

    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        self = args[0]
        if not (self._optimizer_step_pre_hooks or self._optimizer_step_post_hooks or _global_pre_hooks
                or _global_post_hooks):
            return step(*args, **kwargs)
        for hook in chain(_global_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), but got "
                                       f"{result}.")
                args, kwargs = result
        out = step(*args, **kwargs)
        for hook in chain(self._optimizer_step_post_hooks.values(), _global_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    wrapper._hooked = True
    return wrapper


class Optimizer:
    r"""Base class for all optimizers.

    Args:
        params (iterable): an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts defining parameter
            groups (each with a ``"params"`` entry and optional per-group options).
        defaults (dict): default values of the optimization options, used where a group does not set them.
    """

    _HOOK_DICTS = ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
                   "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
                   "_optimizer_load_state_dict_post_hooks")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_hooked", False):
            cls.step = _hooked_step(step)

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        for name in self._HOOK_DICTS:
            setattr(self, name, OrderedDict())
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for name in self._HOOK_DICTS:
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self.defaults.setdefault("differentiable", False)

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ---- hooks -----------------------------------------------------------------------------------------------
    def register_step_pre_hook(self, hook: Callable) -> _Handle:
        """Register ``hook(optimizer, args, kwargs) -> None | (args, kwargs)`` to run before ``step``."""
        return _Handle(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> _Handle:
        """Register ``hook(optimizer, args, kwargs)`` to run after ``step``."""
        return _Handle(self._optimizer_step_post_hooks, hook)

    def _prepended(self, store: OrderedDict, hook: Callable, prepend: bool) -> _Handle:
        handle = _Handle(store, hook)
        if prepend:
            store.move_to_end(handle.id, last=False)
        return handle

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> _Handle:
        """Register ``hook(optimizer)`` to run before :meth:`state_dict`."""
        return self._prepended(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> _Handle:
        """Register ``hook(optimizer, state_dict) -> state_dict | None`` to run after :meth:`state_dict`."""
        return self._prepended(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> _Handle:
        """Register ``hook(optimizer, state_dict) -> state_dict | None`` to run before :meth:`load_state_dict`."""
        return self._prepended(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> _Handle:
        """Register ``hook(optimizer)`` to run after :meth:`load_state_dict`."""
        return self._prepended(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ---- state_dict ------------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer state as ``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``."""
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        mapping: dict[int, int] = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            mapping.update({id(p): i for i, p in enumerate(group["params"], start) if id(p) not in mapping})
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        groups = [pack(g) for g in self.param_groups]
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        out = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, out)
            if result is not None:
                out = result
        return out

    @staticmethod
    def _process_value_according_to_param_policy(param: Tensor, value: Tensor, param_id, param_groups,
                                                  key=None) -> Tensor:
        fused = capturable = False
        for pg in param_groups:
            if param_id in pg["params"]:
                fused, capturable = pg.get("fused", False), pg.get("capturable", False)
                break
        if key == "step":
            return value.to(dtype=_dtype.float32, device=param.device) if capturable or fused else value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state saved by :meth:`state_dict` (also torch's, converted tensor-wise to ember)."""
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, param_id=None, key=None):
            if isinstance(value, Tensor):
                return Optimizer._process_value_according_to_param_policy(
                    param, value, param_id, state_dict["param_groups"], key)
            if isinstance(value, dict):
                return {k: cast(param, v, param_id, k) for k, v in value.items()}
            if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
                return type(value)(cast(param, v, param_id) for v in value)
            return value

        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = cast(id_map[k], v, k)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        self.__setstate__({"state": state, "param_groups": [update_group(g, ng) for g, ng in zip(groups,
                                                                                                 saved_groups)]})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    # ---- gradients and groups --------------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors: to None (default) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g.zero_()

    def step(self, closure: Callable[[], float] | None = None):
        """Perform a single optimization step (implemented by every subclass)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with optional per-group options) to :attr:`param_groups`."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        tensors, names = [], []
        for p in param_group["params"]:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(p))
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if len(tensors) != len({id(p) for p in tensors}):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                txt = "with names" if "param_names" in param_group else "without names"
                raise ValueError(f"all optimizer param groups should be with/without names. cannot add param group "
                                 f"{txt} to the optimizer")
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ---- helpers shared by the subclasses --------------------------------------------------------------------
    def _params_with_grad(self, group: dict[str, Any], name: str) -> list[Tensor]:
        """The group's parameters whose ``grad`` is set (the others are skipped, as torch does)."""
        out = []
        for p in group["params"]:
            if p.grad is not None:
                if getattr(p.grad, "is_sparse", False):
                    raise RuntimeError(f"{name} does not support sparse gradients")
                out.append(p)
        return out

    def _step_setstate(self, *keys: str, defaults: dict[str, Any] | None = None) -> None:
        """Back-compat for loaded states: fill missing group options, turn float ``keys`` state into tensors."""
        for group in self.param_groups:
            for k, v in (defaults or {}).items():
                group.setdefault(k, v)
            for p in group["params"]:
                st = self.state.get(p, {})
                for key in keys:
                    if key in st and not isinstance(st[key], Tensor):
                        st[key] = _scalar_tensor(float(st[key]))


def _check_flags(differentiable: bool, fused: bool | None = None, foreach: bool | None = None) -> None:
    """Accept torch's implementation switches; only the ones with a meaning on ember are checked."""
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if fused and differentiable:
        raise RuntimeError("`fused` does not support `differentiable`")
    if differentiable:
        raise RuntimeError("ember optimizers do not support differentiable=True: updates run on the raw arrays "
                           "outside autograd")


def _eval_closure(closure):
    """Evaluate ``closure`` with grad enabled (the step itself runs outside autograd)."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


def _lr(value) -> float:
    """A learning rate / hyper-parameter that may be a 1-element tensor, as a Python float."""
    return float(value.item()) if isinstance(value, Tensor) else value


def _scalar_dtype():
    return np.float64 if _dtype.get_default_dtype() is _dtype.float64 else np.float32


def _scalar_tensor(value: float) -> Tensor:
    """A 0-d CPU tensor of the default scalar dtype: torch's per-parameter ``step`` / ``mu_product`` state."""
    return _make(np.array(value, dtype=_scalar_dtype()))


def _incr(step: Tensor) -> float:
    """``step += 1`` in place on a 0-d state tensor, returning the new value as a Python float."""
    d = step._data
    if isinstance(d, np.ndarray) and d.ndim == 0 and d.flags.writeable:
        d[()] += 1
    else:
        step._data = d + 1
    step._vc[0] += 1
    return float(step._data)


def _zeros_like(p: Tensor) -> Tensor:
    return _make(xp(p._data).zeros_like(p._data))


def _full_like(p: Tensor, value: float) -> Tensor:
    return _make(xp(p._data).full_like(p._data, value))


def _bump(params: list[Tensor]) -> None:
    """Record the in-place update in each parameter's version counter (as torch's in-place ops do)."""
    for p in params:
        p._vc[0] += 1


_BLOCK = 1 << 16  # elements per block: the temporaries (256 KiB each in float32) stay in L2 cache


def _blocked(kernel: Callable, arrays: list, ntemp: int) -> None:
    """Run ``kernel(*views, *temps)`` over matching 1-D blocks of same-shape arrays.

    Every elementwise step of an update then reads and writes cache-resident memory; only the state arrays
    themselves stream through main memory. Small, non-contiguous or non-NumPy arrays are passed whole.
    """
    a0 = arrays[0]
    n = a0.size
    for a in arrays[1:]:
        if a.shape != a0.shape:  # e.g. a state of the wrong shape loaded through load_state_dict
            d = next((i for i, (x, y) in enumerate(zip(a.shape[::-1], a0.shape[::-1])) if x != y), 0)
            raise RuntimeError(f"The size of tensor a ({a.shape[::-1][d] if a.ndim > d else 1}) must match the size "
                               f"of tensor b ({a0.shape[::-1][d] if a0.ndim > d else 1}) at non-singleton dimension "
                               f"{max(a.ndim, a0.ndim) - 1 - d}")
    if n <= _BLOCK or type(a0) is not np.ndarray or not all(a.flags.c_contiguous for a in arrays):
        m = xp(a0)
        kernel(*arrays, *[m.empty(a0.shape, a0.dtype) for _ in range(ntemp)])
        return
    flat = [a.reshape(-1) for a in arrays]
    temps = [np.empty(_BLOCK, a0.dtype) for _ in range(ntemp)]
    for s in range(0, n, _BLOCK):
        e = min(s + _BLOCK, n)
        kernel(*[f[s:e] for f in flat], *([t[:e - s] for t in temps] if e - s < _BLOCK else temps))


def _grad_of(m, g, p, t, maximize: bool, weight_decay: float):
    """torch's ``grad = -grad if maximize``, then ``grad = grad + weight_decay * param`` (into ``t`` if changed)."""
    if weight_decay != 0:
        m.multiply(p, weight_decay, out=t)
        return m.subtract(t, g, out=t) if maximize else m.add(g, t, out=t)
    return m.negative(g, out=t) if maximize else g


def _decayed_grad(m, p, g, t, lr: float, wd: float, decoupled: bool, maximize: bool):
    """The gradient after (decoupled: AdamW-style, applied to the parameter first) weight decay."""
    if wd != 0 and decoupled:
        p *= 1 - lr * wd
        return _grad_of(m, g, p, t, maximize, 0)
    return _grad_of(m, g, p, t, maximize, wd)


def _check_adam_hparams(lr, eps: float, betas, weight_decay: float) -> None:
    """torch's argument checks shared by the Adam family."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _lerp_(m, a, b, w: float, t) -> None:
    """torch's ``a.lerp_(b, w)``: ``a + w*(b-a)`` for ``w < 0.5``, else ``b - (b-a)*(1-w)``."""
    m.subtract(b, a, out=t)
    if w < 0.5:
        t *= w
        a += t
    else:
        t *= 1 - w
        m.subtract(b, t, out=a)


def _ema_sq_(m, v, g, beta: float, t) -> None:
    """torch's ``v.mul_(beta).addcmul_(g, g, value=1 - beta)``."""
    v *= beta
    m.multiply(g, g, out=t)
    t *= 1 - beta
    v += t
