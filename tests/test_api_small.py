"""Small torch names that real model files import (found by tools/api_usage.py), compared with torch."""
import warnings

import pytest

import ember

torch = pytest.importorskip("torch")


def test_get_activation_fn():
    from ember.nn.modules.transformer import _get_activation_fn
    x = ember.linspace(-3, 3, 7)
    for name in ("relu", "gelu"):
        ref = torch.nn.modules.transformer._get_activation_fn(name)(torch.linspace(-3, 3, 7))
        assert _get_activation_fn(name)(x).tolist() == pytest.approx(ref.tolist(), abs=1e-6)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        _get_activation_fn("tanh")


def test_sdp_kernel_sets_flags_inside_and_warns():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with ember.backends.cuda.sdp_kernel(enable_flash=False, enable_math=True):
            assert ember.backends.cuda.flash_sdp_enabled() is False
    assert w and issubclass(w[0].category, FutureWarning)
    assert ember.backends.cuda.flash_sdp_enabled() is True


def test_default_backend_for_device_and_syncbn_path():
    import ember.distributed as dist
    for d in ("cpu", "cuda"):
        assert dist.get_default_backend_for_device(d) == torch.distributed.get_default_backend_for_device(d)
    with pytest.raises(ValueError, match="Default backend not registered"):
        dist.get_default_backend_for_device("meta")
    from ember.nn.modules.batchnorm import SyncBatchNorm
    assert SyncBatchNorm is ember.nn.SyncBatchNorm
