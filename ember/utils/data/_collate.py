"""default_collate / default_convert: turn a list of samples into a batch of tensors, recursing into
dicts, tuples, namedtuples and lists (torch's rules, including its output container types)."""
from __future__ import annotations

import collections.abc
import copy
import re
from typing import Any, Callable

import numpy as np

from ... import _dtype
from ..._ops.creation import as_tensor, tensor
from ..._ops.shape import stack
from ..._tensor import Tensor

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map"]

_np_str_obj = re.compile(r"[SaUO]")
_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _rebuild_mapping(elem, items: dict):
    """A mapping of ``elem``'s type holding ``items`` (a plain dict when that type cannot be rebuilt)."""
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            out = copy.copy(elem)
            out.update(items)
            return out
        return type(elem)(items)
    except TypeError:
        return items


def _rebuild_sequence(elem, items: list):
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            out = copy.copy(elem)
            for i, v in enumerate(items):
                out[i] = v
            return out
        return type(elem)(items)
    except TypeError:
        return items


def default_convert(data):
    r"""Convert NumPy arrays and scalars inside ``data`` to tensors, keeping the container structure
    (tuples become lists, as in torch). Used as the collate function when automatic batching is off."""
    if isinstance(data, Tensor):
        return data
    tp = type(data)
    if tp.__module__ == "numpy" and tp.__name__ not in ("str_", "string_", "bytes_"):
        if isinstance(data, np.ndarray) and _np_str_obj.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {k: default_convert(data[k]) for k in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return tp(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def collate(batch: list, *, collate_fn_map: dict | None = None):
    r"""Collate ``batch`` (a list of samples): dispatch on the first element's type through ``collate_fn_map``
    (``{type or tuple of types: fn(batch, *, collate_fn_map)}``), else recurse into mappings, namedtuples and
    sequences."""
    elem = batch[0]
    tp = type(elem)
    if collate_fn_map is not None:
        if tp in collate_fn_map:
            return collate_fn_map[tp](batch, collate_fn_map=collate_fn_map)
        for key, fn in collate_fn_map.items():
            if isinstance(elem, key):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        for i, d in enumerate(batch):
            if isinstance(d, Tensor):  # torch's TypeError from indexing a tensor with a key
                raise TypeError(f"default_collate: element {i} of a batch of mappings is a Tensor; expected a "
                                "mapping like element 0")
        return _rebuild_mapping(elem, {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map)
                                       for k in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return tp(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]  # columns stay tuples
        return columns if isinstance(elem, tuple) else _rebuild_sequence(elem, columns)
    raise TypeError(_ERR.format(tp))


def _type_name(obj) -> str:
    tp = type(obj)
    return tp.__qualname__ if tp.__module__ == "builtins" else f"{tp.__module__}.{tp.__qualname__}"


def _collate_tensor(batch, *, collate_fn_map=None):
    for i, b in enumerate(batch):
        if not isinstance(b, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {_type_name(b)}")
    return stack(batch, 0)


def _collate_ndarray(batch, *, collate_fn_map=None):
    if _np_str_obj.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERR.format(batch[0].dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def _collate_np_scalar(batch, *, collate_fn_map=None):
    return as_tensor(np.asarray(batch))


def _collate_float(batch, *, collate_fn_map=None):
    return tensor(batch, dtype=_dtype.float64)


def _collate_int(batch, *, collate_fn_map=None):
    return tensor(batch)


def _collate_str(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map: dict[Any, Callable] = {
    Tensor: _collate_tensor, np.ndarray: _collate_ndarray, (np.bool_, np.number, np.object_): _collate_np_scalar,
    float: _collate_float, int: _collate_int, str: _collate_str, bytes: _collate_str}


def default_collate(batch: list):
    r"""Stack a list of samples into a batch: tensors and NumPy arrays are stacked along a new first dimension,
    Python floats become a float64 tensor and ints an int64 tensor, strings stay a list, and dicts, tuples
    (returned as lists), namedtuples and lists are collated element-wise."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
