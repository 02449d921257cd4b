"""nn.utils.rnn: PackedSequence, pack/pad round trips, pad_sequence, against torch and analytically."""
import numpy as np
import pytest

import ember
from helpers import requires_torch, torch

R = ember.nn.utils.rnn


def _np(t):
    return t.detach().cpu().numpy() if hasattr(t, "cpu") else t.detach().numpy()


def _both(arr, grad=True):
    """The same array as (ember, torch) tensors (torch None when missing)."""
    e = ember.tensor(arr.copy(), requires_grad=grad)
    t = torch.tensor(arr.copy(), requires_grad=grad) if torch is not None else None
    return e, t


def _same(e, t, what=""):
    if e is None or t is None:
        assert e is None and t is None, what
        return
    ea, ta = _np(e), _np(t)
    assert ea.shape == ta.shape and ea.dtype == ta.dtype, f"{what}: {ea.shape}/{ea.dtype} vs {ta.shape}/{ta.dtype}"
    np.testing.assert_allclose(ea, ta, rtol=1e-6, atol=1e-7, err_msg=what)


# ---- pack_padded_sequence / pad_packed_sequence vs torch -----------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("lengths_as", ["list", "tensor"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 3, 1], True), ([2, 5, 1, 4], False),
                                                    ([4, 4, 4, 4], True), ([1, 2, 3, 4], False)])
def test_pack_pad_round_trip_matches_torch(lengths, enforce_sorted, batch_first, lengths_as):
    T = 6
    arr = np.random.default_rng(0).standard_normal((4, T, 3) if batch_first else (T, 4, 3)).astype(np.float32)
    e, t = _both(arr)
    le = lengths if lengths_as == "list" else ember.tensor(lengths)
    lt = lengths if lengths_as == "list" else torch.tensor(lengths)
    pe = R.pack_padded_sequence(e, le, batch_first=batch_first, enforce_sorted=enforce_sorted)
    pt = torch.nn.utils.rnn.pack_padded_sequence(t, lt, batch_first=batch_first, enforce_sorted=enforce_sorted)
    for field in ("data", "batch_sizes", "sorted_indices", "unsorted_indices"):
        _same(getattr(pe, field), getattr(pt, field), field)
    for kw in ({}, {"padding_value": -1.5}, {"total_length": 8}, {"batch_first": not batch_first}):
        (oe, le2), (ot, lt2) = R.pad_packed_sequence(pe, **kw), torch.nn.utils.rnn.pad_packed_sequence(pt, **kw)
        _same(oe, ot, f"padded {kw}")
        _same(le2, lt2, f"lengths {kw}")
    w = np.random.default_rng(1).standard_normal(_np(pt.data).shape).astype(np.float32)
    (pe.data * ember.tensor(w)).sum().backward()
    (pt.data * torch.tensor(w)).sum().backward()
    _same(e.grad, t.grad, "grad through pack")


@requires_torch
def test_grad_through_pad_packed():
    arr = np.random.default_rng(2).standard_normal((5, 3, 2)).astype(np.float32)
    e, t = _both(arr)
    pe = R.pack_padded_sequence(e, [2, 5, 3], enforce_sorted=False)
    pt = torch.nn.utils.rnn.pack_padded_sequence(t, [2, 5, 3], enforce_sorted=False)
    oe, _ = R.pad_packed_sequence(pe, batch_first=True, padding_value=7.0, total_length=6)
    ot, _ = torch.nn.utils.rnn.pad_packed_sequence(pt, batch_first=True, padding_value=7.0, total_length=6)
    w = np.random.default_rng(3).standard_normal(_np(ot).shape).astype(np.float32)
    (oe * ember.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    _same(e.grad, t.grad, "grad through pad_packed")


# ---- pad_sequence ---------------------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("trailing", [(), (2,), (2, 3)])
def test_pad_sequence_matches_torch(trailing, batch_first, padding_side):
    rng = np.random.default_rng(4)
    arrs = [rng.standard_normal((n,) + trailing).astype(np.float32) for n in (3, 5, 1)]
    es, ts = zip(*[_both(a) for a in arrs])
    kw = dict(batch_first=batch_first, padding_value=-2.0, padding_side=padding_side)
    oe, ot = R.pad_sequence(list(es), **kw), torch.nn.utils.rnn.pad_sequence(list(ts), **kw)
    _same(oe, ot, "pad_sequence")
    w = rng.standard_normal(_np(ot).shape).astype(np.float32)
    (oe * ember.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    for i, (a, b) in enumerate(zip(es, ts)):
        _same(a.grad, b.grad, f"grad of sequence {i}")


def test_pad_sequence_analytic():
    a, b = ember.ones(2, 3), ember.ones(3, 3) * 2
    out = R.pad_sequence([a, b], padding_side="left", padding_value=-1)
    assert out.shape == (3, 2, 3)
    np.testing.assert_array_equal(out[:, 0, 0].numpy(), [-1, 1, 1])
    np.testing.assert_array_equal(out[:, 1, 0].numpy(), [2, 2, 2])
    out = R.pad_sequence([a, b], batch_first=True)
    np.testing.assert_array_equal(out[0, :, 0].numpy(), [1, 1, 0])
    ints = R.pad_sequence([ember.tensor([1, 2]), ember.tensor([3])])
    assert ints.dtype == ember.int64 and ints.tolist() == [[1, 3], [2, 0]]


# ---- pack_sequence / unpack / unpad ---------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_matches_torch(enforce_sorted):
    rng = np.random.default_rng(5)
    lens = (4, 2, 1) if enforce_sorted else (2, 4, 1)
    arrs = [rng.standard_normal((n, 3)).astype(np.float32) for n in lens]
    pe = R.pack_sequence([ember.tensor(a) for a in arrs], enforce_sorted=enforce_sorted)
    pt = torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in arrs], enforce_sorted=enforce_sorted)
    for field in ("data", "batch_sizes", "sorted_indices", "unsorted_indices"):
        _same(getattr(pe, field), getattr(pt, field), field)
    for e, t, a in zip(R.unpack_sequence(pe), torch.nn.utils.rnn.unpack_sequence(pt), arrs):
        _same(e, t, "unpack")
        np.testing.assert_array_equal(_np(e), a)


def test_unpad_sequence_round_trip():
    seqs = [ember.randn(n, 2) for n in (3, 1, 4)]
    lengths = ember.tensor([3, 1, 4])
    for batch_first in (False, True):
        padded = R.pad_sequence(seqs, batch_first=batch_first)
        back = R.unpad_sequence(padded, lengths, batch_first=batch_first)
        for s, b in zip(seqs, back):
            np.testing.assert_array_equal(s.numpy(), b.numpy())


def test_packed_layout_analytic():
    x = ember.arange(12.0).reshape(4, 3, 1)  # x[t, b] = 3 t + b
    p = R.pack_padded_sequence(x, [4, 2, 1])
    assert p.batch_sizes.tolist() == [3, 2, 1, 1] and p.batch_sizes.dtype == ember.int64
    assert p.data.reshape(-1).tolist() == [0, 1, 2, 3, 4, 6, 9]
    assert p.sorted_indices is None and p.unsorted_indices is None
    p = R.pack_padded_sequence(x, [1, 4, 2], enforce_sorted=False)
    assert p.sorted_indices.tolist() == [1, 2, 0] and p.unsorted_indices.tolist() == [2, 0, 1]
    assert p.data.reshape(-1).tolist() == [1, 2, 0, 4, 5, 7, 10]
    padded, lengths = R.pad_packed_sequence(p)
    assert lengths.tolist() == [1, 4, 2]
    assert padded[:, 1, 0].tolist() == [1, 4, 7, 10] and padded[:, 0, 0].tolist() == [0, 0, 0, 0]


# ---- PackedSequence object -------------------------------------------------------------------------------------------
def test_packed_sequence_is_a_namedtuple():
    p = R.pack_sequence([ember.randn(3, 2), ember.randn(2, 2)])
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert data is p.data and batch_sizes is p.batch_sizes and sorted_indices is None and unsorted_indices is None
    assert p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert isinstance(p, tuple) and not p.is_cuda and not p.is_pinned()
    assert repr(p).startswith("PackedSequence(data=tensor(")
    q = p.to(ember.float64)
    assert isinstance(q, R.PackedSequence) and q.data.dtype == ember.float64 and q.batch_sizes is p.batch_sizes
    assert p.to(ember.float32) is p and p.double().data.dtype == ember.float64
    r = R.PackedSequence(p.data, p.batch_sizes, ember.tensor([1, 0]))
    assert r.unsorted_indices.tolist() == [1, 0]
    assert R.invert_permutation(ember.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert R.invert_permutation(None) is None


def test_rnn_accepts_packed_sequence_from_pack_sequence():
    gru = ember.nn.GRU(2, 3, batch_first=True)
    seqs = [ember.randn(n, 2) for n in (2, 4, 3)]
    out, h = gru(R.pack_sequence(seqs, enforce_sorted=False))
    assert isinstance(out, R.PackedSequence) and out.data.shape == (9, 3) and h.shape == (1, 3, 3)
    padded, lengths = R.pad_packed_sequence(out, batch_first=True)
    assert padded.shape == (3, 4, 3) and lengths.tolist() == [2, 4, 3]
    for i, s in enumerate(seqs):
        ref, href = gru(s.unsqueeze(0))
        np.testing.assert_allclose(padded[i, :len(s)].detach().numpy(), ref[0].detach().numpy(), atol=1e-6)
        np.testing.assert_allclose(h[0, i].detach().numpy(), href[0, 0].detach().numpy(), atol=1e-6)
        assert not padded[i, len(s):].detach().numpy().any()


# ---- errors -------------------------------------------------------------------------------------------------------------
ERRORS = [
    (lambda fw: fw.nn.utils.rnn.pack_padded_sequence(fw.zeros(4, 3, 2), [2, 3, 1]), RuntimeError,
     "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True"),
    (lambda fw: fw.nn.utils.rnn.pack_padded_sequence(fw.zeros(4, 3, 2), [4, 3, 0]), RuntimeError,
     "Length of all samples has to be greater than 0"),
    (lambda fw: fw.nn.utils.rnn.pack_padded_sequence(fw.zeros(4, 3, 2), [4, 3]), RuntimeError,
     "Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)"),
    (lambda fw: fw.nn.utils.rnn.pad_packed_sequence(
        fw.nn.utils.rnn.pack_padded_sequence(fw.zeros(4, 3, 2), [4, 3, 1]), total_length=2), ValueError,
     "Expected total_length to be at least the length of the longest sequence in input, but got total_length=2 "
     "and max sequence length being 4"),
    (lambda fw: fw.nn.utils.rnn.pad_sequence([]), RuntimeError, "received an empty list of sequences"),
    (lambda fw: fw.nn.utils.rnn.pad_sequence([fw.zeros(2, 3)], padding_side="up"), RuntimeError,
     "Expected padding_side to be one of left or right, but got up."),
    (lambda fw: fw.nn.utils.rnn.pad_sequence([fw.zeros(2, 3), fw.zeros(3, 4)]), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"),
    (lambda fw: fw.nn.utils.rnn.pad_sequence(5), RuntimeError,
     "pad_sequence: Expected iterable for input sequences"),
]


@pytest.mark.parametrize("make,exc,msg", ERRORS)
def test_errors(make, exc, msg):
    with pytest.raises(exc) as info:
        make(ember)
    assert msg in str(info.value)
    if torch is not None:
        with pytest.raises(exc) as tinfo:
            make(torch)
        assert msg in str(tinfo.value)


def test_lengths_longer_than_input_raise():
    with pytest.raises(RuntimeError, match="at most the padded length"):
        R.pack_padded_sequence(ember.zeros(3, 2, 1), [4, 1])
