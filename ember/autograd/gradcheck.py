"""Numerical gradient checks (central differences in float64), with torch's signatures."""
from __future__ import annotations

import numpy as np


class GradcheckError(RuntimeError):
    """Raised when analytical and numerical gradients disagree."""


def _flat_outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _diff_inputs(inputs):
    from .._tensor import Tensor
    return [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]


def _numerical(func, inputs, targets, outs, eps):
    """Jacobian blocks J[out][inp] of shape (out.numel(), inp.numel()) by central differences."""
    jac = [[np.zeros((o.numel(), t.numel())) for t in targets] for o in outs]
    # no no_grad here: gradgradcheck's function itself calls autograd.grad
    for j, t in enumerate(targets):
        flat = t._data.reshape(-1) if t._data.flags.c_contiguous else None
        if flat is None:
            raise ValueError("gradcheck needs contiguous inputs")
        for k in range(flat.size):
            orig = flat[k].item()
            flat[k] = orig + eps
            plus = [o.detach()._data.astype(np.float64).ravel().copy() for o in _flat_outputs(func(*inputs))
                    if o.dtype.is_floating_point]
            flat[k] = orig - eps
            minus = [o.detach()._data.astype(np.float64).ravel().copy() for o in _flat_outputs(func(*inputs))
                     if o.dtype.is_floating_point]
            flat[k] = orig
            for i in range(len(outs)):
                jac[i][j][:, k] = (plus[i] - minus[i]) / (2 * eps)
    return jac


def _analytical(func, inputs, targets, outs):
    from . import grad
    from .._tensor import _make
    jac = [[np.zeros((o.numel(), t.numel())) for t in targets] for o in outs]
    for i, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for r in range(o.numel()):
            seed = np.zeros(o.numel(), dtype=o._data.dtype)
            seed[r] = 1
            gs = grad([o], targets, [_make(seed.reshape(o._data.shape))], retain_graph=True, allow_unused=True)
            for j, g in enumerate(gs):
                if g is not None:
                    jac[i][j][r] = g.detach()._data.astype(np.float64).ravel()
    return jac


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode: bool = False, masked=None) -> bool:
    """Compare the autograd Jacobian of `func` at `inputs` with finite differences."""
    from .._tensor import Tensor
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    targets = _diff_inputs(inputs)
    for t in targets:
        if t.dtype.name != "float64":
            import warnings
            warnings.warn(f"Input #{inputs.index(t)} requires gradient and is not a double precision floating "
                          "point. This check will likely fail if all the inputs are not of double precision.")
    outs = [o for o in _flat_outputs(func(*inputs)) if isinstance(o, Tensor) and o.dtype.is_floating_point]
    num = _numerical(func, inputs, targets, outs, eps)
    ana = _analytical(func, inputs, targets, outs)
    for i in range(len(outs)):
        for j in range(len(targets)):
            a, n = ana[i][j], num[i][j]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                msg = (f"Jacobian mismatch for output {i} with respect to input {j},\n"
                       f"numerical:{n}\nanalytical:{a}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev=False, check_rev_over_rev=True,
                  fast_mode: bool = False, masked=False) -> bool:
    """Check second derivatives: gradcheck of (inputs, grad_outputs) -> autograd.grad(func(inputs), create_graph)."""
    from . import grad
    from .._tensor import Tensor, _make
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    outs = [o for o in _flat_outputs(func(*inputs)) if isinstance(o, Tensor) and o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [_make(rng.standard_normal(o._data.shape)).requires_grad_() for o in outs]
    grad_outputs = list(grad_outputs)
    n_in = len(inputs)

    def first_grad(*args):
        ins, gos = args[:n_in], args[n_in:]
        targets = _diff_inputs(ins)
        os_ = [o for o in _flat_outputs(func(*ins)) if isinstance(o, Tensor) and o.requires_grad]
        gs = grad(os_, targets, list(gos), create_graph=True, allow_unused=True)
        return tuple(g if g is not None else t.new_zeros(t.shape) for g, t in zip(gs, targets))

    return gradcheck(first_grad, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
