"""Pretrained-weight handles (``torchvision.models.WeightsEnum``): a checkpoint URL, read through `ember.hub`'s cache."""
from __future__ import annotations

import enum
import warnings
from dataclasses import dataclass, field

__all__ = ["Weights", "WeightsEnum", "resolve_weights"]


@dataclass(eq=False)
class Weights:
    url: str
    meta: dict = field(default_factory=dict)


class WeightsEnum(enum.Enum):
    """An enum of `Weights`; ``get_state_dict`` loads the checkpoint (from the hub cache: ember never downloads)."""

    @classmethod
    def verify(cls, obj):
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            return cls[obj.replace(cls.__name__ + ".", "")]
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                        f"{obj.__class__.__name__}.")

    def get_state_dict(self, *args, **kwargs):
        from ...hub import load_state_dict_from_url
        return load_state_dict_from_url(self.url, *args, **kwargs)

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def meta(self) -> dict:
        return self.value.meta

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"


def resolve_weights(enum_cls, weights, kwargs: dict):
    """`weights` from the `weights=` argument or the deprecated ``pretrained=`` flag (which warns as torchvision's)."""
    if "pretrained" in kwargs:
        pretrained = kwargs.pop("pretrained")
        warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, please "
                      "use 'weights' instead.", UserWarning, stacklevel=3)
        if pretrained:
            weights = enum_cls.DEFAULT
    return enum_cls.verify(weights)
