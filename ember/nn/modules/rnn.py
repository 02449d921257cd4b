"""Recurrent layers: RNN, LSTM, GRU (multi-layer, bidirectional, packed sequences) and their single-step cells."""
from __future__ import annotations

import math
import numbers
import warnings

from ..._ops import rnn as _rnn
from ..._ops.creation import empty, zeros
from ..._tensor import Tensor
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _apply_permutation(tensor: Tensor, permutation: Tensor, dim: int = 1) -> Tensor:
    return tensor.index_select(dim, permutation)


class RNNBase(Module):
    r"""Base class for RNN, LSTM and GRU: parameter creation, naming, checks and the shared forward.

    Parameters are registered per layer and direction as ``weight_ih_l{k}[_reverse]``, ``weight_hh_l{k}``,
    ``bias_ih_l{k}``, ``bias_hh_l{k}`` (and ``weight_hr_l{k}`` for LSTM with ``proj_size > 0``), all drawn from
    :math:`\mathcal{U}(-1/\sqrt{hidden\_size}, 1/\sqrt{hidden\_size})`.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=2)
        for name, val, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                                ("input_size", input_size, int), ("hidden_size", hidden_size, int)):
            if not isinstance(val, kind):
                raise TypeError(f"{name} should be of type {kind.__name__}, got: {type(val).__name__}")
            if kind is int and val <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        D = 2 if bidirectional else 1
        kw = {"device": device, "dtype": dtype}
        self._flat_weights_names: list = []
        self._all_weights: list = []
        for layer in range(num_layers):
            for direction in range(D):
                layer_input = input_size if layer == 0 else real_hidden * D
                shapes = {"weight_ih_l{}{}": (gate_size, layer_input), "weight_hh_l{}{}": (gate_size, real_hidden)}
                if bias:
                    shapes.update({"bias_ih_l{}{}": (gate_size,), "bias_hh_l{}{}": (gate_size,)})
                if proj_size > 0:
                    shapes["weight_hr_l{}{}"] = (proj_size, hidden_size)
                names = []
                for fmt, shape in shapes.items():
                    name = fmt.format(layer, "_reverse" if direction == 1 else "")
                    setattr(self, name, Parameter(empty(shape, **kw)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self._init_flat_weights()
        self.reset_parameters()

    def _init_flat_weights(self) -> None:
        self._flat_weights = [getattr(self, n) if hasattr(self, n) else None for n in self._flat_weights_names]
        self.flatten_parameters()

    def __setattr__(self, attr, value) -> None:
        names = self.__dict__.get("_flat_weights_names")
        if names is not None and attr in names:
            self._flat_weights[names.index(attr)] = value
        super().__setattr__(attr, value)

    def flatten_parameters(self) -> None:
        """Accepted for compatibility: ember keeps no fused weight buffer, so this is a no-op."""

    def _apply(self, fn, recurse=True):
        ret = super()._apply(fn, recurse)
        self._init_flat_weights()
        return ret

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def all_weights(self) -> list:
        return [[getattr(self, w) for w in weights] for weights in self._all_weights]

    def check_input(self, input: Tensor, batch_sizes) -> None:
        wdt = self._flat_weights[0].dtype
        if input.dtype != wdt:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({wdt}). Convert input: "
                             f"input.to({wdt}), or convert model: model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.size(-1)}")

    def get_expected_hidden_size(self, input: Tensor, batch_sizes) -> tuple:
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        D = 2 if self.bidirectional else 1
        return (self.num_layers * D, mini_batch, self.proj_size if self.proj_size > 0 else self.hidden_size)

    def check_hidden_size(self, hx: Tensor, expected_hidden_size: tuple,
                          msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input: Tensor, hidden: Tensor, batch_sizes) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx: Tensor, permutation):
        return hx if permutation is None else _apply_permutation(hx, permutation)

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    def _state_shapes(self, batch: int) -> list:
        n = self.num_layers * (2 if self.bidirectional else 1)
        h = (n, batch, self.proj_size if self.proj_size > 0 else self.hidden_size)
        return [h, (n, batch, self.hidden_size)] if self.mode == "LSTM" else [h]

    def _run(self, input, hx: tuple | None, is_batched: bool):
        """Shared forward: `hx` is the tuple of initial states (already batched) or None."""
        packed = isinstance(input, PackedSequence)
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            bs = [int(b) for b in batch_sizes.tolist()]
            batch = bs[0]
        else:
            batch_sizes = sorted_indices = unsorted_indices = None
            data = input if is_batched else input.unsqueeze(0 if self.batch_first else 1)
            batch = data.size(0) if self.batch_first else data.size(1)
        if hx is None:
            hx = tuple(zeros(s, dtype=data.dtype, device=data.device) for s in self._state_shapes(batch))
            self._check_args(data, hx, batch_sizes)
        else:
            self._check_args(data, hx, batch_sizes)
            hx = tuple(self.permute_hidden(h, sorted_indices) for h in hx)
        if not packed:
            x = data.transpose(0, 1) if self.batch_first else data
            T = x.size(0)
            if T == 0:
                raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
            bs = [batch] * T
            x = x.reshape(T * batch, self.input_size)
        else:
            x = data
        out, *hidden = _rnn.rnn_stack(self.mode, x, hx, self._flat_weights, bias=self.bias,
                                      num_layers=self.num_layers, dropout=self.dropout, train=self.training,
                                      bidirectional=self.bidirectional, bs=bs, proj=self.proj_size > 0,
                                      out_shape=None if packed else (T, batch))
        hidden = [self.permute_hidden(h, unsorted_indices) for h in hidden]
        if packed:
            out = PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices)
        else:
            if self.batch_first:
                out = out.transpose(0, 1)
            if not is_batched:
                out = out.squeeze(0 if self.batch_first else 1)
                hidden = [h.squeeze(1) for h in hidden]
        return out, hidden

    def _check_args(self, data, hx, batch_sizes):
        self.check_forward_args(data, hx[0], batch_sizes)

    def _dims(self, input, hx):
        """Validate ranks like torch; returns (is_batched, hx as a batched 1-tuple or None) for RNN and GRU."""
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        if isinstance(input, PackedSequence):
            return True, None if hx is None else (hx,)
        if input.dim() not in (2, 3):
            suffix = " tensor" if name == "RNN" else ""
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{suffix} instead")
        is_batched = input.dim() == 3
        if hx is not None:
            want = 3 if is_batched else 2
            if hx.dim() != want:
                kind = "batched 3-D" if is_batched else "unbatched 2-D"
                raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {hx.dim()}-D tensor")
            hx = (hx if is_batched else hx.unsqueeze(1),)
        return is_batched, hx


class RNN(RNNBase):
    r"""Multi-layer Elman RNN: :math:`h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})` (or ReLU).

    Args:
        input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False, dropout=0.0,
        bidirectional=False.

    Shape:
        - input: :math:`(L, N, H_{in})` (or :math:`(N, L, H_{in})` with batch_first, :math:`(L, H_{in})` unbatched)
          or a PackedSequence; h_0: :math:`(D * num\_layers, N, H_{out})`.
        - output: :math:`(L, N, D * H_{out})`; h_n: :math:`(D * num\_layers, N, H_{out})`.
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        is_batched, hx = self._dims(input, hx)
        out, hidden = self._run(input, hx, is_batched)
        return out, hidden[0]


class LSTM(RNNBase):
    r"""Multi-layer LSTM with gates :math:`i, f, g, o` (that order in the weights), optional projection.

    .. math::
        c_t = f_t \odot c_{t-1} + i_t \odot g_t, \quad h_t = o_t \odot \tanh(c_t)\ (\cdot W_{hr}^T \text{ if proj})

    Args:
        input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False,
        proj_size=0.

    Shape:
        - input: :math:`(L, N, H_{in})`, :math:`(N, L, H_{in})` with batch_first, :math:`(L, H_{in})` unbatched,
          or a PackedSequence; (h_0, c_0): :math:`(D * num\_layers, N, H_{out})`, :math:`(D * num\_layers, N, H)`.
        - output: :math:`(L, N, D * H_{out})`; (h_n, c_n) shaped like (h_0, c_0).
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input: Tensor, batch_sizes) -> tuple:
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        return (self.num_layers * (2 if self.bidirectional else 1), mini_batch, self.hidden_size)

    def check_forward_args(self, input: Tensor, hidden: tuple, batch_sizes) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def _check_args(self, data, hx, batch_sizes):
        self.check_forward_args(data, hx, batch_sizes)

    def forward(self, input, hx: tuple | None = None):
        if isinstance(input, PackedSequence):
            is_batched = True
            hx = None if hx is None else (hx[0], hx[1])
        else:
            if input.dim() not in (2, 3):
                raise ValueError(f"LSTM: Expected input to be 2D or 3D, got {input.dim()}D instead")
            is_batched = input.dim() == 3
            if hx is not None:
                want = 3 if is_batched else 2
                if hx[0].dim() != want or hx[1].dim() != want:
                    kind = "batched 3-D" if is_batched else "unbatched 2-D"
                    raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                       f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
                hx = (hx[0], hx[1]) if is_batched else (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        out, hidden = self._run(input, hx, is_batched)
        return out, tuple(hidden)


class GRU(RNNBase):
    r"""Multi-layer GRU with gates :math:`r, z, n` (that order in the weights).

    .. math::
        n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})), \quad
        h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    Args:
        input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False.

    Shape:
        - input: :math:`(L, N, H_{in})` (or batch_first / unbatched / PackedSequence); h_0:
          :math:`(D * num\_layers, N, H_{out})`.
        - output: :math:`(L, N, D * H_{out})`; h_n: :math:`(D * num\_layers, N, H_{out})`.
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        is_batched, hx = self._dims(input, hx)
        out, hidden = self._run(input, hx, is_batched)
        return out, hidden[0]


class RNNCellBase(Module):
    """Base class of the single-step cells: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _batched(self, name: str, input: Tensor, hx, what: str = "hidden"):
        """torch's rank checks; returns (is_batched, input as 2-D)."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for k, h in enumerate(hx):
            if h is not None and h.dim() not in (1, 2):
                label = f"hx[{k}]" if len(hx) > 1 else what
                raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {h.dim()}D instead")
        is_batched = input.dim() == 2
        return is_batched, input if is_batched else input.unsqueeze(0)

    def _state(self, input: Tensor, h, is_batched: bool) -> Tensor:
        if h is None:
            return zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
        return h if is_batched else h.unsqueeze(0)


class RNNCell(RNNCellBase):
    r"""One Elman RNN step: :math:`h' = \tanh(x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh})` (or ReLU).

    Args:
        input_size, hidden_size, bias=True, nonlinearity='tanh'.

    Shape:
        - input: :math:`(N, H_{in})` or :math:`(H_{in})`; hidden: :math:`(N, H_{out})` or :math:`(H_{out})`.
        - output: like hidden.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        is_batched, x = self._batched("RNNCell", input, (hx,))
        h = self._state(x, hx, is_batched)
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        _rnn.check_cell(x, (h,), self.input_size, self.hidden_size, self.weight_ih)
        _, ret = _rnn.rnn_layer(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                                bs=(x.size(0),), relu=self.nonlinearity == "relu")
        return ret if is_batched else ret.squeeze(0)


class LSTMCell(RNNCellBase):
    r"""One LSTM step returning :math:`(h', c')`; gates :math:`i, f, g, o` in that order.

    Args:
        input_size, hidden_size, bias=True.

    Shape:
        - input: :math:`(N, H_{in})` or :math:`(H_{in})`; (h_0, c_0): each :math:`(N, H)` or :math:`(H)`.
        - output: (h_1, c_1) shaped like (h_0, c_0).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        is_batched, x = self._batched("LSTMCell", input, tuple(hx) if hx is not None else ())
        if hx is None:
            h = c = self._state(x, None, is_batched)
        else:
            h, c = self._state(x, hx[0], is_batched), self._state(x, hx[1], is_batched)
        _rnn.check_cell(x, (h, c), self.input_size, self.hidden_size, self.weight_ih)
        _, h1, c1 = _rnn.lstm_layer(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                                    bs=(x.size(0),))
        return (h1, c1) if is_batched else (h1.squeeze(0), c1.squeeze(0))


class GRUCell(RNNCellBase):
    r"""One GRU step: gates :math:`r, z, n` with :math:`b_{hn}` inside the reset product.

    Args:
        input_size, hidden_size, bias=True.

    Shape:
        - input: :math:`(N, H_{in})` or :math:`(H_{in})`; hidden: :math:`(N, H_{out})` or :math:`(H_{out})`.
        - output: like hidden.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        is_batched, x = self._batched("GRUCell", input, (hx,))
        h = self._state(x, hx, is_batched)
        _rnn.check_cell(x, (h,), self.input_size, self.hidden_size, self.weight_ih)
        _, ret = _rnn.gru_layer(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                                bs=(x.size(0),))
        return ret if is_batched else ret.squeeze(0)
