"""Variable-length sequence utilities: PackedSequence, packing, padding and their inverses (torch.nn.utils.rnn)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from ... import _dtype
from ..._backend import to_device
from ..._ops._base import Node, _make, xp
from ..._ops.creation import arange, as_tensor, empty_like
from ..._ops.index import sort
from ..._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


def _bind(optional, fn):
    return None if optional is None else fn(optional)


class PackedSequence(PackedSequence_):
    r"""A batch of variable-length sequences stored time-major without padding.

    ``data`` holds the rows of step 0 for every sequence, then step 1, ...; ``batch_sizes[t]`` is how many sequences
    are still running at step t; ``sorted_indices``/``unsorted_indices`` map between the caller's batch order and
    the length-sorted order (None when the input was already sorted). Build it with :func:`pack_padded_sequence` or
    :func:`pack_sequence`, never by hand.
    """

    def __new__(cls, data: Tensor, batch_sizes: Tensor | None = None, sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError("batch_sizes should always be on CPU. Instances of PackedSequence should never be "
                                 "created manually. They should be instantiated by functions like pack_sequence and "
                                 "pack_padded_sequences in nn.utils.rnn.")
        else:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """Move/cast ``data`` like ``Tensor.to``; the index tensors follow its device; batch_sizes stays on CPU."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = (lambda t: t.to(data.device))
        return type(self)(data, self.batch_sizes, _bind(self.sorted_indices, move),
                          _bind(self.unsorted_indices, move))

    def cuda(self, device=None, non_blocking: bool = False) -> "PackedSequence":
        """Move to a CUDA device (``cuda``, ``cuda:i`` or an index)."""
        return self.to(f"cuda:{device}" if isinstance(device, int) else (device or "cuda"))

    def cpu(self) -> "PackedSequence":
        """Move to the CPU."""
        return self.to("cpu")

    def pin_memory(self) -> "PackedSequence":
        """Returns self: ember has no pinned host memory."""
        return self

    def double(self) -> "PackedSequence":
        return self.to(dtype=_dtype.float64)

    def float(self) -> "PackedSequence":
        return self.to(dtype=_dtype.float32)

    def half(self) -> "PackedSequence":
        return self.to(dtype=_dtype.float16)

    def long(self) -> "PackedSequence":
        return self.to(dtype=_dtype.int64)

    def int(self) -> "PackedSequence":
        return self.to(dtype=_dtype.int32)

    def short(self) -> "PackedSequence":
        return self.to(dtype=_dtype.int16)

    def char(self) -> "PackedSequence":
        return self.to(dtype=_dtype.int8)

    def byte(self) -> "PackedSequence":
        return self.to(dtype=_dtype.uint8)

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` lives on a CUDA device."""
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        """Always False: ember has no pinned host memory."""
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation (None stays None)."""
    if permutation is None:
        return None
    output = empty_like(permutation)
    output._data[permutation._data] = xp(permutation._data).arange(permutation.numel(), dtype=output._data.dtype)
    return output


class PackPaddedSequenceBackward0(Node):
    """Rows of a flattened padded tensor picked in packed (time-major) order."""

    @staticmethod
    def forward(ctx, flat, idx):
        ctx.shape, ctx.idx = flat.shape, idx
        return flat[idx]

    def backward(self, g):
        return g.new_zeros(self.shape).index_add(0, _make(self.idx), g)


class PadPackedSequenceBackward0(Node):
    """Packed rows scattered into a flattened tensor filled with the padding value."""

    @staticmethod
    def forward(ctx, data, idx, rows, value):
        ctx.idx = idx
        out = xp(data).full((rows,) + data.shape[1:], value, dtype=data.dtype)
        out[idx] = data
        return out

    def backward(self, g):
        return g.index_select(0, _make(self.idx))


def _packed_index(bs: np.ndarray, T: int, B: int, batch_first: bool) -> np.ndarray:
    """Flat row of each packed element in a (T, B) (or (B, T)) padded layout."""
    steps, batch = np.nonzero(np.arange(B)[None, :] < bs[:, None])  # time-major order
    return (batch * T + steps) if batch_first else (steps * B + batch)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    r"""Pack a padded batch of sequences (lengths as a list or CPU tensor).

    Args:
        input: :math:`(T, B, *)`, or :math:`(B, T, *)` with ``batch_first``.
        lengths: the length of every sequence.
        enforce_sorted: require lengths in decreasing order; otherwise they are sorted here and the permutation
            recorded in the PackedSequence.
    """
    if not isinstance(lengths, Tensor):
        lengths = as_tensor(lengths, dtype=_dtype.int64)
    else:
        lengths = lengths.to(dtype=_dtype.int64)
    if lengths.dim() != 1 or lengths.device.type != "cpu":
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.dim()}D "
                           f"{lengths.device.type} Long tensor")
    if enforce_sorted:
        sorted_indices = None
    else:
        lengths, sorted_indices = sort(lengths, descending=True)
        sorted_indices = sorted_indices.to(input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    lens = lengths._data
    T, B = (input.shape[1], input.shape[0]) if batch_first else (input.shape[0], input.shape[1])
    if len(lens) != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lens)} "
                           f"(batch_size={B})")
    if B and lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    if (np.diff(lens) > 0).any():
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                           "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep "
                           "this requirement if you do not need ONNX exportability.")
    if lens[0] > T:
        raise RuntimeError(f"Expected all lengths to be at most the padded length {T}, but got {int(lens[0])}")
    bs = (lens[None, :] > np.arange(lens[0])[:, None]).sum(1).astype(np.int64)
    idx = to_device(_packed_index(bs, T, B, batch_first), input.device)
    data = PackPaddedSequenceBackward0.apply(input.reshape((T * B,) + tuple(input.shape[2:])), idx)
    return PackedSequence(data, _make(bs), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple:
    r"""Inverse of :func:`pack_padded_sequence`: returns (padded batch, lengths) in the caller's batch order.

    Args:
        sequence: the PackedSequence.
        batch_first: return :math:`(B, T, *)` instead of :math:`(T, B, *)`.
        padding_value: value of the padded positions.
        total_length: pad to this many steps (at least the longest sequence).
    """
    bs = sequence.batch_sizes._data
    max_len = len(bs)
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {max_len}")
        max_len = total_length
    data = sequence.data
    B = int(bs[0])
    idx = to_device(_packed_index(bs, max_len, B, batch_first), data.device)
    flat = PadPackedSequenceBackward0.apply(data, idx, max_len * B, padding_value)
    padded = flat.view(((B, max_len) if batch_first else (max_len, B)) + tuple(data.shape[1:]))
    lengths = _make((bs[None, :] > np.arange(B)[:, None]).sum(1).astype(np.int64))
    if sequence.unsorted_indices is not None:
        return padded.index_select(0 if batch_first else 1, sequence.unsorted_indices), \
            lengths[sequence.unsorted_indices.cpu()]
    return padded, lengths


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    r"""Stack variable-length tensors :math:`(L_i, *)` into :math:`(L_{max}, B, *)` (or :math:`(B, L_{max}, *)`).

    Args:
        sequences: an iterable of tensors with equal trailing dims.
        batch_first: put the batch dim first.
        padding_value: the fill value.
        padding_side: ``'right'`` (pad after each sequence) or ``'left'``.
    """
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences:
        if tuple(s.shape[1:]) != trailing:
            for d, (a, b) in enumerate(zip(s.shape[1:], trailing)):
                if a != b:
                    raise RuntimeError(f"The size of tensor a ({b}) must match the size of tensor b ({a}) at "
                                       f"non-singleton dimension {d + 1}")
            raise RuntimeError(f"pad_sequence: all sequences must have the same trailing dims, got "
                               f"{list(trailing)} and {list(s.shape[1:])}")
    from ..._ops.shape import cat
    lens = [s.shape[0] for s in sequences]
    T, B = max(lens), len(sequences)
    dtype = sequences[0].dtype
    for s in sequences[1:]:
        dtype = _dtype.promote_types(dtype, s.dtype)
    seq = cat([s.reshape((-1,) + trailing).to(dtype) for s in sequences])  # all rows, sequence after sequence
    L = np.asarray(lens)
    start = np.arange(T)[None, :] if padding_side == "right" else np.arange(T)[None, :] - (T - L)[:, None]
    valid = (start >= 0) & (start < L[:, None])  # (B, T): which padded slots hold a row
    b, t = np.nonzero(valid)
    idx = to_device((b * T + t) if batch_first else (t * B + b), seq.device)
    flat = PadPackedSequenceBackward0.apply(seq, idx, T * B, padding_value)
    return flat.view(((B, T) if batch_first else (T, B)) + trailing)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list:
    """Split a padded batch back into its sequences (like torch, transposes a time-major input in place)."""
    if not batch_first:
        padded_sequences.transpose_(0, 1)
    idx = arange(padded_sequences.shape[1], device=lengths.device)
    return [seq[idx < length] for seq, length in zip(padded_sequences, lengths)]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of variable-length tensors :math:`(L_i, *)` (pad then pack)."""
    lengths = as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """Inverse of :func:`pack_sequence`: the list of sequences."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)

