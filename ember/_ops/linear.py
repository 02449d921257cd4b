"""Linear maps: linear and bilinear."""
from __future__ import annotations

import math

from . import shape as S
from ._base import Tensor
from .linalg import addmm

__all__ = ["linear", "bilinear"]


# ---- linear ---------------------------------------------------------------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""y = x A^T + b (2-D input with bias is a single addmm, as in torch)."""
    nd, shp, ws = input._data.ndim, input._data.shape, weight._data.shape
    if nd == 0 or len(ws) == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {nd}D and {len(ws)}D")
    wt = S.t(weight) if len(ws) == 2 else weight
    if len(ws) == 2 and shp[-1] != ws[1]:
        rows = math.prod(shp[:-1]) if nd > 1 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{shp[-1]} and {ws[1]}x{ws[0]})")
    if bias is None:
        return input.mm(wt) if nd == 2 else input.matmul(wt)
    if nd == 2:
        return addmm(bias, input, wt)
    out = addmm(bias, input.reshape(-1, shp[-1]), wt)  # flattened batch: one GEMM, then a view (as torch)
    return out.view(shp[:-1] + out._data.shape[-1:])


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""y = x1^T A x2 + b over the last dims of `input1` (..., in1) and `input2` (..., in2)."""
    s1, s2, sw = input1._data.shape, input2._data.shape, weight._data.shape
    if len(sw) != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {len(sw)} dimensions")
    if len(s1) != len(s2):
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {len(s1)} and {len(s2)}")
    for i, (a, b) in enumerate(zip(s1[:-1], s2[:-1])):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got {a} and {b}")
    if s1[-1] != sw[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {s1[-1]} but expected {sw[1]}")
    if s2[-1] != sw[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {s2[-1]} but expected {sw[2]}")
    if bias is not None and bias._data.shape != (sw[0],):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but expected "
                           f"{sw[0]}")
    o, i, j = sw
    a = input1.reshape(-1, i).matmul(weight.permute(1, 0, 2).reshape(i, o * j))  # (B, O*J)
    y = (a.view(-1, o, j) * input2.reshape(-1, 1, j)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.view(s1[:-1] + (o,))
