"""ember.onnx (torch.onnx's names): importable now; ONNX export itself lands in a later issue."""
from __future__ import annotations

__all__ = ["export", "is_in_onnx_export"]


def is_in_onnx_export() -> bool:
    """Whether an ONNX export is running: never, ember cannot export yet."""
    return False


def export(model, args=(), f=None, **kwargs):
    """Export `model` to ONNX: not implemented yet (raises NotImplementedError)."""
    raise NotImplementedError("ember.onnx.export is not implemented yet: ONNX export is planned for a later issue "
                              "and will need the 'onnx' extra (pip install 'ember[onnx]'). Save the weights with "
                              "ember.save(model.state_dict(), path) meanwhile; torch.load reads them.")
