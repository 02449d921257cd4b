"""tools/api_coverage.py: runs on one namespace against the installed torch and reports consistent figures."""
import importlib.util
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("torch")
_TOOL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools", "api_coverage.py")


def _load():
    spec = importlib.util.spec_from_file_location("api_coverage", _TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_coverage_of_one_namespace_is_consistent():
    cov = _load()
    r = cov.coverage("torch.nn.init")
    assert r["total"] >= 20 and 0 < r["have"] <= r["total"]
    assert r["have"] + len(r["missing"]) == r["total"]
    assert r["percent"] == round(100.0 * r["have"] / r["total"], 1)
    import ember.nn.init as ei
    names = cov.public_names("torch.nn.init")
    assert "kaiming_uniform_" in names and "xavier_normal_" in names and not any(n.startswith("_") for n in names)
    assert all(not hasattr(ei, n) for n in r["missing"]) and all(hasattr(ei, n) for n in names
                                                                  if n not in r["missing"])


def test_tensor_methods_and_filters():
    cov = _load()
    names = cov.public_names("torch.Tensor")
    assert "sum" in names and "view" in names and "__add__" not in names
    top = cov.public_names("torch")
    assert "AliasDb" not in top and "tensor" in top and "Generator" in top  # JIT classes left out
    assert "math" not in cov.public_names("torch.nn.functional")  # stdlib imports left out
    with pytest.raises(ValueError):
        cov.public_names("torch.no_such_namespace")


def test_command_line_json():
    out = subprocess.run([sys.executable, _TOOL, "torch.linalg", "--json", "--missing"], capture_output=True,
                         text=True, check=True, timeout=120).stdout
    (r,) = json.loads(out)
    assert r["namespace"] == "torch.linalg" and r["have"] + len(r["missing"]) == r["total"] > 10


def test_table_output(capsys):
    assert _load().main(["torch.nn.init", "--missing"]) == 0
    table = capsys.readouterr().out
    assert "torch.nn.init" in table and "%" in table and "missing" in table
