"""Shape / movement ops: differential tests against torch (values, dtypes, gradients)
plus torch-free checks of view semantics (memory sharing, contiguity, strides)."""
import numpy as np
import pytest

import ember
from helpers import check_op, requires_torch, torch


def ck(f, shapes=((3, 4),), **kw):
    """check_op for a function written once as ``f(T, *tensors)``, T = torch or ember."""
    check_op(lambda *a: f(torch, *a), lambda *a: f(ember, *a), shapes=shapes, **kw)


# ----------------------------------------------------------------------------- differential

# (id, fn(T, *xs), shapes, extra check_op kwargs)
CASES = [
    # view: only on contiguous inputs (a transposed input is not viewable, in torch too)
    ("view_2d", lambda T, x: x.view(4, 3), [(3, 4)], dict(noncontig=False)),
    ("view_minus1", lambda T, x: x.view(-1), [(3, 4)], dict(noncontig=False)),
    ("view_minus1_mid", lambda T, x: x.view(2, -1, 2), [(3, 4)], dict(noncontig=False)),
    ("view_tuple_arg", lambda T, x: x.view((6, 2)), [(3, 4)], dict(noncontig=False)),
    ("view_0d_to_1", lambda T, x: x.view(1), [()], {}),
    ("view_0d_minus1", lambda T, x: x.view(-1), [()], {}),
    ("view_1_to_0d", lambda T, x: x.view(()), [(1,)], {}),
    ("view_empty", lambda T, x: x.view(-1), [(0, 3)], {}),
    ("view_empty_2", lambda T, x: x.view(3, 0), [(0, 3)], {}),
    ("reshape", lambda T, x: x.reshape(-1, 2), [(3, 4)], {}),
    ("reshape_3d", lambda T, x: x.reshape(4, -1), [(2, 3, 4)], {}),
    ("reshape_0d", lambda T, x: x.reshape(1, 1), [()], {}),
    ("reshape_empty", lambda T, x: x.reshape(3, 0), [(0, 3)], {}),
    ("reshape_fn", lambda T, x: T.reshape(x, (2, 6)), [(3, 4)], {}),
    ("permute", lambda T, x: x.permute(2, 0, 1), [(2, 3, 4)], {}),
    ("permute_neg", lambda T, x: x.permute(-1, 0, 1), [(2, 3, 4)], {}),
    ("permute_tuple", lambda T, x: x.permute((1, 0, 2)), [(2, 3, 4)], {}),
    ("permute_fn", lambda T, x: T.permute(x, (1, 0)), [(3, 4)], {}),
    ("transpose", lambda T, x: x.transpose(0, 2), [(2, 3, 4)], {}),
    ("transpose_neg", lambda T, x: x.transpose(-1, -2), [(2, 3, 4)], {}),
    ("transpose_fn", lambda T, x: T.transpose(x, 0, 1), [(3, 4)], {}),
    ("transpose_empty", lambda T, x: x.transpose(0, 1), [(0, 3)], {}),
    ("swapaxes", lambda T, x: x.swapaxes(0, 1), [(3, 4)], {}),
    ("squeeze_all", lambda T, x: x.squeeze(), [(1, 3, 1, 4)], {}),
    ("squeeze_dim", lambda T, x: x.squeeze(0), [(1, 3, 1, 4)], {}),
    ("squeeze_dim_noop", lambda T, x: x.squeeze(1), [(1, 3, 1, 4)], {}),
    ("squeeze_neg", lambda T, x: x.squeeze(-2), [(1, 3, 1, 4)], {}),
    ("squeeze_tuple", lambda T, x: x.squeeze((0, 2)), [(1, 3, 1, 4)], {}),
    ("squeeze_tuple_mixed", lambda T, x: x.squeeze((0, 1)), [(1, 3, 1, 4)], {}),
    ("squeeze_0d", lambda T, x: x.squeeze(), [()], {}),
    ("squeeze_0d_dim", lambda T, x: x.squeeze(0), [()], {}),
    ("squeeze_fn", lambda T, x: T.squeeze(x, 2), [(1, 3, 1, 4)], {}),
    ("squeeze_all_ones", lambda T, x: x.squeeze(), [(1, 1)], {}),
    ("unsqueeze0", lambda T, x: x.unsqueeze(0), [(3, 4)], {}),
    ("unsqueeze_mid", lambda T, x: x.unsqueeze(1), [(3, 4)], {}),
    ("unsqueeze_neg", lambda T, x: x.unsqueeze(-1), [(3, 4)], {}),
    ("unsqueeze_0d", lambda T, x: x.unsqueeze(0), [()], {}),
    ("unsqueeze_fn", lambda T, x: T.unsqueeze(x, -2), [(3, 4)], {}),
    ("flatten_all", lambda T, x: x.flatten(), [(2, 3, 4)], {}),
    ("flatten_start", lambda T, x: x.flatten(1), [(2, 3, 4)], {}),
    ("flatten_range", lambda T, x: x.flatten(0, 1), [(2, 3, 4)], {}),
    ("flatten_neg", lambda T, x: x.flatten(-2, -1), [(2, 3, 4)], {}),
    ("flatten_0d", lambda T, x: x.flatten(), [()], {}),
    ("flatten_fn", lambda T, x: T.flatten(x, start_dim=1), [(2, 3, 4)], {}),
    ("unflatten", lambda T, x: x.unflatten(1, (3, 4)), [(2, 12)], {}),
    ("unflatten_minus1", lambda T, x: x.unflatten(1, (-1, 4)), [(2, 12)], {}),
    ("unflatten_neg_dim", lambda T, x: x.unflatten(-1, (2, 6)), [(2, 12)], {}),
    ("expand", lambda T, x: x.expand(3, 4), [(3, 1)], {}),
    ("expand_new_dims", lambda T, x: x.expand(2, 3, 4), [(3, 1)], {}),
    ("expand_minus1", lambda T, x: x.expand(-1, 5), [(3, 1)], {}),
    ("expand_tuple", lambda T, x: x.expand((2, 3, 5)), [(3, 1)], {}),
    ("expand_0d", lambda T, x: x.expand(2, 3), [()], {}),
    ("expand_as", lambda T, x, y: x.expand_as(y), [(1, 4), (3, 4)], dict(grad=[True, False])),
    ("repeat", lambda T, x: x.repeat(2, 2), [(2, 3)], {}),
    ("repeat_new_dim", lambda T, x: x.repeat(2, 1, 3), [(2, 3)], {}),
    ("repeat_0d", lambda T, x: x.repeat(3), [()], {}),
    ("repeat_tuple", lambda T, x: x.repeat((1, 2)), [(2, 3)], {}),
    ("tile", lambda T, x: x.tile((2,)), [(2, 3)], {}),
    ("tile_more", lambda T, x: x.tile((2, 1, 2)), [(2, 3)], {}),
    ("tile_fn", lambda T, x: T.tile(x, (3, 2)), [(2, 3)], {}),
    ("flip0", lambda T, x: x.flip(0), [(3, 4)], {}),
    ("flip_both", lambda T, x: x.flip((0, 1)), [(3, 4)], {}),
    ("flip_neg", lambda T, x: T.flip(x, [-1]), [(2, 3, 4)], {}),
    ("fliplr", lambda T, x: T.fliplr(x), [(3, 4)], {}),
    ("roll_flat", lambda T, x: x.roll(1), [(3, 4)], {}),
    ("roll_dim", lambda T, x: x.roll(1, 0), [(3, 4)], {}),
    ("roll_tuple", lambda T, x: x.roll((1, 2), (0, 1)), [(3, 4)], {}),
    ("roll_neg", lambda T, x: T.roll(x, -1, -1), [(3, 4)], {}),
    ("roll_big_shift", lambda T, x: T.roll(x, shifts=7, dims=1), [(3, 4)], {}),
    ("narrow", lambda T, x: x.narrow(0, 1, 2), [(3, 4)], {}),
    ("narrow_dim1", lambda T, x: T.narrow(x, 1, 1, 2), [(3, 4)], {}),
    ("narrow_neg_dim", lambda T, x: x.narrow(-1, 0, 3), [(2, 3, 4)], {}),
    ("split_int", lambda T, x: x.split(2, dim=1), [(3, 5)], {}),
    ("split_int_dim0", lambda T, x: T.split(x, 2), [(5, 3)], {}),
    ("split_list", lambda T, x: x.split([1, 2], dim=0), [(3, 4)], {}),
    ("split_list_neg", lambda T, x: T.split(x, [1, 0, 3], dim=-1), [(3, 4)], {}),
    ("chunk", lambda T, x: x.chunk(2, 1), [(3, 5)], {}),
    ("chunk_uneven", lambda T, x: T.chunk(x, 3), [(7,)], {}),
    ("chunk_fewer", lambda T, x: x.chunk(4), [(6,)], {}),
    ("unbind0", lambda T, x: x.unbind(0), [(3, 4)], {}),
    ("unbind1", lambda T, x: T.unbind(x, 1), [(3, 4)], {}),
    ("cat0", lambda T, a, b: T.cat([a, b]), [(2, 3), (4, 3)], {}),
    ("cat_neg", lambda T, a, b: T.cat((a, b), dim=-1), [(2, 3), (2, 1)], {}),
    ("cat_three", lambda T, a, b, c: T.cat([a, b, c], 1), [(2, 3), (2, 1), (2, 2)], {}),
    ("cat_empty", lambda T, a, b: T.cat([a, b], 0), [(0, 3), (2, 3)], {}),
    ("cat_3d", lambda T, a, b: T.cat([a, b], 1), [(2, 1, 4), (2, 3, 4)], {}),
    ("concat_alias", lambda T, a, b: T.concat([a, b], 0), [(2, 3), (1, 3)], {}),
    ("stack0", lambda T, a, b, c: T.stack([a, b, c]), [(2, 3)] * 3, {}),
    ("stack1", lambda T, a, b: T.stack((a, b), 1), [(2, 3)] * 2, {}),
    ("stack_last", lambda T, a, b: T.stack([a, b], dim=-1), [(2, 3)] * 2, {}),
    ("stack_end", lambda T, a, b: T.stack([a, b], dim=2), [(2, 3)] * 2, {}),
    ("stack_0d", lambda T, a, b: T.stack([a, b]), [(), ()], {}),
    ("tril", lambda T, x: x.tril(), [(4, 5)], {}),
    ("tril_pos", lambda T, x: T.tril(x, 1), [(4, 5)], {}),
    ("tril_neg", lambda T, x: x.tril(diagonal=-1), [(4, 5)], {}),
    ("tril_batched", lambda T, x: x.tril(), [(2, 3, 3)], {}),
    ("triu", lambda T, x: x.triu(), [(4, 5)], {}),
    ("triu_pos", lambda T, x: T.triu(x, diagonal=2), [(4, 5)], {}),
    ("triu_neg", lambda T, x: x.triu(-1), [(5, 4)], {}),
    ("triu_batched", lambda T, x: T.triu(x, 1), [(2, 3, 3)], {}),
    ("diag_1d", lambda T, x: T.diag(x), [(3,)], {}),
    ("diag_1d_pos", lambda T, x: T.diag(x, 1), [(3,)], {}),
    ("diag_1d_neg", lambda T, x: x.diag(-2), [(3,)], {}),
    ("diag_2d", lambda T, x: T.diag(x), [(3, 4)], {}),
    ("diag_2d_pos", lambda T, x: x.diag(1), [(3, 4)], {}),
    ("diag_2d_neg", lambda T, x: T.diag(x, diagonal=-2), [(3, 4)], {}),
    ("diag_roundtrip", lambda T, x: T.diag(T.diag(x)), [(4,)], {}),
    ("t_2d", lambda T, x: x.t(), [(3, 4)], {}),
    ("t_1d", lambda T, x: x.t(), [(3,)], {}),
    ("t_0d", lambda T, x: T.t(x), [()], {}),
    ("T_2d", lambda T, x: x.T, [(3, 4)], {}),
    ("mT_3d", lambda T, x: x.mT, [(2, 3, 4)], {}),
    ("contiguous", lambda T, x: x.contiguous(), [(3, 4)], {}),
    ("clone", lambda T, x: x.clone(), [(3, 4)], {}),
    ("clone_fn", lambda T, x: T.clone(x), [()], {}),
    ("movedim", lambda T, x: x.movedim(0, -1), [(2, 3, 4)], {}),
    ("movedim_tuple", lambda T, x: T.movedim(x, (0, 1), (2, 0)), [(2, 3, 4)], {}),
    # compositions: views of views and ops on non-contiguous results
    ("chain", lambda T, x: x.t().reshape(2, 6).unsqueeze(0).expand(3, 2, 6).flip(2), [(3, 4)], {}),
    ("chain_cat_views", lambda T, x: T.cat([x[:, :2].t(), x.t()[2:]], 0), [(3, 4)], {}),
]


@requires_torch
@pytest.mark.parametrize("fn,shapes,kw", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_shape_op_vs_torch(fn, shapes, kw):
    ck(fn, shapes, **kw)


@requires_torch
def test_cat_legacy_empty_1d():
    # torch still accepts a 1-D empty tensor next to any shape (the `x = tensor([]); cat([x, y])` idiom)
    ck(lambda T, a, b: T.cat([a, b]), [(0,), (2, 3)])
    ck(lambda T, a, b: T.cat([b, a], dim=1), [(0,), (2, 3)])


@requires_torch
def test_split_chunk_return_tuples():
    for T in (torch, ember):
        x = T.arange(10.0)
        assert isinstance(x.split(3), tuple) and [len(p) for p in x.split(3)] == [3, 3, 3, 1]
        assert isinstance(x.chunk(3), tuple) and [len(p) for p in x.chunk(3)] == [4, 4, 2]
        assert isinstance(x.unbind(), tuple) and len(x.unbind()) == 10


@requires_torch
def test_integer_and_bool_shape_ops_keep_dtype():
    for dt in ("int64", "int32", "bool"):
        check_op(lambda x: x.t().reshape(-1).flip(0), shapes=[(3, 4)], dtypes=(dt,), grad=False)
        check_op(lambda x: x.unsqueeze(1).expand(3, 2, 4).permute(2, 0, 1), shapes=[(3, 4)],
                 dtypes=(dt,), grad=False)
        ck(lambda T, a, b: T.cat([a, b], 1), [(3, 4), (3, 2)], dtypes=(dt,), grad=False)
        ck(lambda T, a, b: T.stack([a, b]), [(3, 4), (3, 4)], dtypes=(dt,), grad=False)


@requires_torch
def test_cat_stack_promote_dtypes_like_torch():
    ck(lambda T, a, b: T.cat([a, b]), [(2, 3), (1, 3)], dtypes=[("float32", "float64")])
    ck(lambda T, a, b: T.cat([a, b]), [(2, 3), (1, 3)], dtypes=[("int64", "float32")],
       grad=False)


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("fn,exc", [
    (lambda x: x.view(5, 3), RuntimeError),             # wrong numel
    (lambda x: x.view(-1, -1), RuntimeError),           # two inferred dims
    (lambda x: x.reshape(7, -1), RuntimeError),         # not divisible
    (lambda x: x.permute(0, 0), RuntimeError),          # repeated dim
    (lambda x: x.permute(0), RuntimeError),             # wrong number of dims
    (lambda x: x.transpose(0, 2), IndexError),          # dim out of range
    (lambda x: x.unsqueeze(3), IndexError),
    (lambda x: x.squeeze(2), IndexError),
    (lambda x: x.expand(3, 5), RuntimeError),           # non-singleton dim changed
    (lambda x: x.expand(4), RuntimeError),              # fewer dims than tensor
    (lambda x: x.narrow(0, 2, 2), RuntimeError),        # past the end
    (lambda x: x.split([1, 1], 0), RuntimeError),       # sizes don't sum to 3
    (lambda x: x.flatten(1, 0), RuntimeError),          # start > end
    (lambda x: x.repeat(2), RuntimeError),              # fewer repeats than dims
    (lambda x: x.unflatten(1, (3, 3)), RuntimeError),   # wrong product
], ids=["view_numel", "view_two_minus1", "reshape_indivisible", "permute_repeat",
        "permute_ndims", "transpose_range", "unsqueeze_range", "squeeze_range", "expand_size",
        "expand_fewer_dims", "narrow_past_end", "split_sizes", "flatten_start_gt_end",
        "repeat_fewer", "unflatten_product"])
def test_shape_errors(fn, exc):
    x = ember.zeros(3, 4)
    with pytest.raises(exc):
        fn(x)


def test_cat_stack_errors():
    a, b = ember.zeros(2, 3), ember.zeros(2, 4)
    with pytest.raises(RuntimeError):
        ember.cat([a, b], 0)
    with pytest.raises(RuntimeError):
        ember.stack([a, b])
    with pytest.raises((RuntimeError, ValueError)):
        ember.cat([])
    with pytest.raises(IndexError):
        ember.cat([a, a], 2)


ERROR_CASES = [
    ("view_size", lambda T: T.zeros(3, 4).view(5, 3)),
    ("permute", lambda T: T.zeros(3, 4).permute(0, 0)),
    ("transpose", lambda T: T.zeros(3, 4).transpose(0, 2)),
    ("expand", lambda T: T.zeros(3, 4).expand(3, 5)),
    ("cat", lambda T: T.cat([T.zeros(2, 3), T.zeros(2, 4)])),
    ("stack", lambda T: T.stack([T.zeros(2, 3), T.zeros(3, 2)])),
    ("squeeze", lambda T: T.zeros(3, 4).squeeze(5)),
    ("flip", lambda T: T.zeros(3, 4).flip(2)),
    ("roll_mismatch", lambda T: T.zeros(3, 4).roll((1, 2), 0)),
    ("diag_3d", lambda T: T.diag(T.zeros(2, 2, 2))),
    ("tril_1d", lambda T: T.tril(T.zeros(3))),
]


@requires_torch
@pytest.mark.parametrize("name,fn", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_shape_error_types_match_torch(name, fn):
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(Exception) as ee:
        fn(ember)
    assert type(ee.value) is type(te.value) or isinstance(ee.value, type(te.value)), (
        f"{name}: torch raised {type(te.value).__name__}, ember {type(ee.value).__name__}")


# ----------------------------------------------------------------------------- hard-coded values


def test_view_values_and_shapes():
    t = ember.arange(12)
    assert t.view(3, 4).tolist() == np.arange(12).reshape(3, 4).tolist()
    assert tuple(t.view(2, -1, 3).shape) == (2, 2, 3)
    assert tuple(t.reshape(-1, 6).shape) == (2, 6)
    assert t.view(3, 4).permute(1, 0).tolist() == np.arange(12).reshape(3, 4).T.tolist()
    x = ember.tensor([[1, 2], [3, 4]])
    assert x.flip(0).tolist() == [[3, 4], [1, 2]]
    assert x.roll(1).tolist() == [[4, 1], [2, 3]]
    assert x.roll(1, 1).tolist() == [[2, 1], [4, 3]]
    assert x.repeat(1, 2).tolist() == [[1, 2, 1, 2], [3, 4, 3, 4]]
    assert ember.tensor([1, 2]).repeat(2, 1).tolist() == [[1, 2], [1, 2]]
    assert x.tril().tolist() == [[1, 0], [3, 4]]
    assert x.triu(1).tolist() == [[0, 2], [0, 0]]
    assert ember.diag(ember.tensor([1, 2])).tolist() == [[1, 0], [0, 2]]
    assert ember.diag(ember.tensor([1, 2]), 1).tolist() == [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    assert ember.diag(x).tolist() == [1, 4]
    assert ember.cat([x, x], 1).tolist() == [[1, 2, 1, 2], [3, 4, 3, 4]]
    assert ember.stack([x, x], 2).tolist() == [[[1, 1], [2, 2]], [[3, 3], [4, 4]]]
    assert [p.tolist() for p in ember.arange(5).split([2, 3])] == [[0, 1], [2, 3, 4]]
    assert [p.tolist() for p in ember.arange(5).chunk(2)] == [[0, 1, 2], [3, 4]]
    assert ember.zeros(2, 1, 3).squeeze().shape == (2, 3)
    assert ember.zeros(1, 1, 3).squeeze((0, 1)).shape == (3,)
    assert ember.zeros(()).unsqueeze(0).shape == (1,)
    assert ember.zeros(3, 1).expand(3, 4).shape == (3, 4)
    assert ember.zeros(2, 3, 4).flatten(1).shape == (2, 12)
    assert ember.zeros(2, 12).unflatten(1, (3, -1)).shape == (2, 3, 4)
    assert ember.zeros(2, 3, 4).movedim(0, -1).shape == (3, 4, 2)
    assert ember.zeros(2, 3, 4).mT.shape == (2, 4, 3)
    assert ember.zeros(0, 3).view(-1).shape == (0,)


def test_view_shares_memory():
    t = ember.arange(12.0).view(3, 4)
    v = t.view(4, 3)
    v[0, 0] = 100.0
    assert t[0, 0].item() == 100.0
    f = t.view(-1)
    f[5] = -5.0
    assert t[1, 1].item() == -5.0
    t[2, 3] = 42.0           # and the other way round
    assert v[3, 2].item() == 42.0 and f[11].item() == 42.0


def test_slices_share_memory():
    t = ember.zeros(3, 4)
    s = t[1:, ::2]
    assert s.shape == (2, 2)
    s[0, 1] = 7.0
    assert t[1, 2].item() == 7.0
    s.fill_(3.0)
    assert t.tolist() == [[0, 0, 0, 0], [3, 0, 3, 0], [3, 0, 3, 0]]
    row = t[0]
    row += 1
    assert t[0].tolist() == [1, 1, 1, 1]
    t[2, :] = 9.0
    assert s[1].tolist() == [9.0, 9.0]


def test_transpose_permute_share_memory():
    t = ember.zeros(3, 4)
    tt = t.transpose(0, 1)
    tt[1, 0] = 5.0
    assert t[0, 1].item() == 5.0
    t.t()[3, 2] = 6.0
    assert t[2, 3].item() == 6.0
    t.T[0, 2] = 1.5
    assert t[2, 0].item() == 1.5
    u = ember.zeros(2, 3, 4)
    u.permute(2, 0, 1)[3, 1, 2] = 8.0
    assert u[1, 2, 3].item() == 8.0


@pytest.mark.parametrize("make_view,idx,base_idx", [
    (lambda t: t.unsqueeze(0), (0, 1, 2), (1, 2)),
    (lambda t: t.narrow(1, 1, 2), (2, 1), (2, 2)),
    (lambda t: t[1], (3,), (1, 3)),
    (lambda t: t.split(2, 1)[1], (0, 1), (0, 3)),
    (lambda t: t.chunk(3, 0)[2], (0, 0), (2, 0)),
    (lambda t: t.unbind(1)[2], (1,), (1, 2)),
    (lambda t: t.view(3, 1, 4).squeeze(1), (2, 2), (2, 2)),
    (lambda t: t.flatten(), (6,), (1, 2)),
    (lambda t: t.diagonal(), (1,), (1, 1)),
    (lambda t: t.movedim(0, 1), (3, 2), (2, 3)),
    (lambda t: t.mT, (1, 0), (0, 1)),
    (lambda t: t.unflatten(1, (2, 2)), (1, 1, 0), (1, 2)),
], ids=["unsqueeze", "narrow", "select", "split", "chunk", "unbind", "squeeze", "flatten", "diagonal",
        "movedim", "mT", "unflatten"])
def test_view_ops_share_memory(make_view, idx, base_idx):
    t = ember.zeros(3, 4)
    v = make_view(t)
    v[idx] = 11.0
    assert t[base_idx].item() == 11.0
    assert float(t.sum()) == 11.0


def test_clone_and_copying_ops_do_not_share_memory():
    t = ember.zeros(2, 3)
    for copy in (t.clone(), t.repeat(1, 1), t.flip(0), t.roll(1), ember.cat([t]),
                 ember.stack([t])[0], t.tile((1,)), t.t().contiguous()):
        copy.fill_(1.0)
        assert float(t.sum()) == 0.0


def test_view_of_non_viewable_raises():
    t = ember.zeros(3, 4).t()
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        t.view(12)
    with pytest.raises(RuntimeError):
        ember.zeros(4, 6)[:, :3].view(12)
    # a strided slice whose dims still merge is viewable (as in torch)
    assert ember.zeros(4, 6)[:, ::2].view(12).shape == (12,)
    # reshape copies when it has to, and the result has the right values
    x = ember.arange(12).view(3, 4).t()
    assert x.reshape(12).tolist() == np.arange(12).reshape(3, 4).T.reshape(12).tolist()
    # but a view that keeps the non-contiguous dims intact is fine (as in torch)
    assert ember.zeros(3, 4).t().view(4, 3).shape == (4, 3)
    assert ember.zeros(2, 3, 4).transpose(0, 1).view(3, 2, 2, 2).shape == (3, 2, 2, 2)


def test_is_contiguous_and_contiguous():
    t = ember.arange(12.0).view(3, 4)
    assert t.is_contiguous()
    assert not t.t().is_contiguous()
    assert not t[:, ::2].is_contiguous()
    assert t[1:].is_contiguous()
    assert t.contiguous() is t
    c = t.t().contiguous()
    assert c.is_contiguous() and c.tolist() == t.t().tolist()
    assert ember.zeros(3, 1).expand(3, 4).is_contiguous() is False
    assert ember.zeros(()).is_contiguous()
    assert ember.zeros(1, 4).t().is_contiguous()  # size-1 dims don't matter, as in torch


def test_strides():
    t = ember.zeros(3, 4)
    assert t.stride() == (4, 1)
    assert t.stride(0) == 4 and t.stride(-1) == 1
    assert t.t().stride() == (1, 4)
    assert t[:, ::2].stride() == (4, 2)
    assert t[1:, 1:].stride() == (4, 1)
    assert t.unsqueeze(1).stride() == (4, 4, 1)
    assert ember.zeros(3, 1).expand(3, 4).stride() == (1, 0)
    assert ember.zeros(2, 3, 4).permute(2, 0, 1).stride() == (1, 12, 4)
    assert ember.zeros(2, 3, 4).stride() == (12, 4, 1)
    assert ember.zeros(()).stride() == ()
    assert isinstance(t.stride(), tuple)
    assert ember.zeros(5, dtype=ember.float64).stride() == (1,)  # in elements, not bytes


@requires_torch
@pytest.mark.parametrize("src", [
    'T.zeros(2, 3, 4).transpose(0, 2)',
    'T.zeros(2, 3, 4)[:, 1:, ::3]',
    'T.zeros(3, 1).expand(2, 3, 5)',
    'T.zeros(2, 3, 4).permute(1, 2, 0).unsqueeze(1)',
    'T.zeros(6, 4)[::2].t()',
    'T.zeros(2, 3, 4).select(1, 1)',
    'T.zeros(4, 4).diagonal()',
])
def test_strides_and_contiguity_match_torch(src):
    fn = eval("lambda T: " + src)
    t, e = fn(torch), fn(ember)
    assert tuple(e.shape) == tuple(t.shape)
    assert tuple(e.stride()) == tuple(t.stride())
    assert e.is_contiguous() == t.is_contiguous()
