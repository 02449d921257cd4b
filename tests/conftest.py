"""pytest configuration shared by all ember tests."""
import os
import sys

import numpy as np
import pytest

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_TESTS = os.path.dirname(os.path.abspath(__file__))
# Make `import ember` work from any working directory and `import helpers` from any
# rootdir. Appending (not prepending) lets an explicit PYTHONPATH take priority.
for _p in (_ROOT, _TESTS):
    if _p not in sys.path:
        sys.path.append(_p)


def _cupy_available():
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - any failure means "no usable GPU"
        return False


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: needs cupy and a CUDA device")
    config.addinivalue_line("markers", "slow: long-running test")
    config.addinivalue_line("markers", "mpirun: needs mpi4py and an MPI launcher")


@pytest.fixture(params=["numpy"] + (["cupy"] if _cupy_available() else []))
def backend(request):
    """Array backend name: 'numpy' always, 'cupy' when a GPU is usable."""
    return request.param


@pytest.fixture
def seed():
    """Seed NumPy's global RNG (and ember's, when it exists); returns the seed."""
    value = 0
    np.random.seed(value)
    import ember
    if hasattr(ember, "manual_seed"):
        ember.manual_seed(value)
    return value


@pytest.fixture(autouse=True)
def _restore_default_dtype():
    """Tests that call ember.set_default_dtype must not leak it into other tests."""
    try:
        import ember
        before = ember.get_default_dtype()
    except Exception:  # noqa: BLE001 - ember missing or incomplete
        yield
        return
    try:
        yield
    finally:
        ember.set_default_dtype(before)
