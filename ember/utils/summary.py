"""A torchinfo-style model summary: one forward pass with hooks gives every layer's output shape and parameters.

    >>> from ember.utils import summary
    >>> summary(model, input_size=(16, 1, 28, 28))      # prints the table and returns the statistics
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from .._tensor import Tensor
from ..autograd import no_grad

__all__ = ["summary", "ModelStatistics", "LayerInfo"]


@dataclass
class LayerInfo:
    """One row: a module call, its depth in the tree, output shape and the parameters shown for it."""

    name: str
    class_name: str
    depth: int
    output_shape: list[int] | None = None
    output_bytes: int = 0
    num_params: int = 0
    is_leaf: bool = True
    is_recursive: bool = False


def _first_tensor(obj) -> Tensor | None:
    if isinstance(obj, Tensor):
        return obj
    items = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else ()
    for item in items:
        t = _first_tensor(item)
        if t is not None:
            return t
    return None


def _tensor_bytes(obj) -> int:
    if isinstance(obj, Tensor):
        return obj.numel() * obj.element_size()
    items = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else ()
    return sum(_tensor_bytes(item) for item in items)


class ModelStatistics:
    """The summary's rows and totals; ``str()`` gives the table."""

    def __init__(self, rows: list[LayerInfo], calls: list[LayerInfo], model, input_bytes: int) -> None:
        self.summary_list = rows
        params = list(model.parameters())
        self.total_params = sum(p.numel() for p in params)
        self.trainable_params = sum(p.numel() for p in params if p.requires_grad)
        self.non_trainable_params = self.total_params - self.trainable_params
        self.total_param_bytes = sum(p.numel() * p.element_size() for p in params)
        self.total_input = input_bytes
        # activations of the leaf layers, kept once for the forward pass and once for their gradients
        self.total_output_bytes = 2 * sum(r.output_bytes for r in calls if r.is_leaf)

    def __str__(self) -> str:
        def tree(r: LayerInfo) -> str:
            glyph = "" if r.depth == 0 else "├─" if r.depth == 1 else "│    " * (r.depth - 1) + "└─"
            label = r.class_name if r.depth == 0 else f"{r.name} ({r.class_name})"
            return glyph + label

        def params(r: LayerInfo) -> str:
            return "(recursive)" if r.is_recursive else f"{r.num_params:,}" if r.num_params else "--"

        cells = [(tree(r), "--" if r.output_shape is None else str(r.output_shape), params(r))
                 for r in self.summary_list]
        head = ("Layer (type)", "Output Shape", "Param #")
        widths = [max(len(c[i]) for c in cells + [head]) + 4 for i in range(3)]
        widths[2] -= 4
        line = "=" * sum(widths)

        def fmt(c):
            return "".join(x.ljust(w) for x, w in zip(c, widths)).rstrip()

        mb = 1e6
        body = [line, fmt(head), line, *map(fmt, cells), line,
                f"Total params: {self.total_params:,}", f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.non_trainable_params:,}", line,
                f"Input size (MB): {self.total_input / mb:.2f}",
                f"Forward/backward pass size (MB): {self.total_output_bytes / mb:.2f}",
                f"Params size (MB): {self.total_param_bytes / mb:.2f}",
                f"Estimated Total Size (MB): "
                f"{(self.total_input + self.total_output_bytes + self.total_param_bytes) / mb:.2f}", line]
        return "\n".join(body)

    __repr__ = __str__


def _make_inputs(input_size, dtypes) -> list[Tensor]:
    from .._ops.creation import rand, zeros
    sizes = [input_size] if all(isinstance(s, int) for s in input_size) else list(input_size)
    dtypes = list(dtypes) if dtypes is not None else [None] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"got {len(dtypes)} dtypes for {len(sizes)} input sizes")
    return [zeros(*s, dtype=d) if d is not None and not d.is_floating_point else rand(*s, dtype=d)
            for s, d in zip(sizes, dtypes)]


def summary(model, input_size: Sequence[int] | Sequence[Sequence[int]] | None = None, input_data: Any = None,
            dtypes: Sequence | None = None, depth: int = 3, verbose: int = 1, **kwargs) -> ModelStatistics:
    r"""Run one forward pass of `model` and tabulate its layers: name and class, output shape, parameter count,
    then total/trainable/non-trainable parameters and an estimate of the memory a training step needs.

    Args:
        model (Module): the model; it runs in eval mode under ``no_grad`` (its modes are restored afterwards,
            so BatchNorm statistics do not change).
        input_size (tuple or list of tuples, optional): shape(s) of random inputs, batch dimension included.
        input_data (Tensor, tuple/list of Tensors or dict, optional): real inputs instead (a dict is passed as
            keyword arguments).
        dtypes (list of dtypes, optional): one per `input_size` (integer dtypes give zeros, e.g. token ids).
        depth (int): deepest level shown; the parameters of hidden layers count in their shown ancestor.
        verbose (int): 0 returns the statistics silently, 1 also prints the table.
        **kwargs: extra keyword arguments for ``model.forward``.

    Returns:
        ModelStatistics: ``str()`` is the table; ``total_params``, ``trainable_params``,
        ``non_trainable_params`` and ``summary_list`` (the rows) hold the numbers.
    """
    if (input_size is None) == (input_data is None):
        raise ValueError("pass exactly one of input_size or input_data")
    if input_data is None:
        args, call_kwargs = _make_inputs(input_size, dtypes), dict(kwargs)
    elif isinstance(input_data, dict):
        args, call_kwargs = [], {**input_data, **kwargs}
    else:
        args = list(input_data) if isinstance(input_data, (list, tuple)) else [input_data]
        call_kwargs = dict(kwargs)
    input_bytes = _tensor_bytes(args) + _tensor_bytes(call_kwargs)

    rows: list[LayerInfo] = []  # the rows shown (depth <= `depth`)
    calls: list[LayerInfo] = []  # every module call
    stack: list[LayerInfo] = []
    seen: set[int] = set()
    depth_of = {}
    for name, module in model.named_modules():
        depth_of[id(module)] = (name, 0 if name == "" else name.count(".") + 1)

    def subtree_params(module) -> int:
        return sum(p.numel() for p in module.parameters())

    def pre_hook(module, inputs):
        name, d = depth_of[id(module)]
        row = LayerInfo(name, type(module).__name__, d, is_leaf=not any(True for _ in module.children()),
                        is_recursive=id(module) in seen)
        if not row.is_recursive:
            own = sum(p.numel() for p in module.parameters(recurse=False))
            row.num_params = subtree_params(module) if d == depth else own
        seen.add(id(module))
        stack.append(row)
        calls.append(row)
        if d <= depth:
            rows.append(row)

    def post_hook(module, inputs, output):
        row = stack.pop()
        t = _first_tensor(output)
        row.output_shape = None if t is None else list(t.shape)
        row.output_bytes = _tensor_bytes(output)

    modes = {id(m): m.training for m in model.modules()}
    handles = []
    for module in model.modules():
        handles.append(module.register_forward_pre_hook(pre_hook))
        handles.append(module.register_forward_hook(post_hook))
    try:
        model.eval()
        with no_grad():
            model(*args, **call_kwargs)
    except Exception as e:
        done = [f"{r.name or r.class_name} ({r.class_name})" for r in rows if r.output_shape is not None]
        raise RuntimeError(f"summary: the forward pass failed ({type(e).__name__}: {e}); layers run before the "
                           f"failure: {done}") from e
    finally:
        for h in handles:
            h.remove()
        for m in model.modules():
            m.training = modes[id(m)]
    stats = ModelStatistics(rows, calls, model, input_bytes)
    if verbose:
        print(stats)
    return stats
