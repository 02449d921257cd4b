"""``torchvision.models.vgg``: VGG 11/13/16/19 (Simonyan & Zisserman 2014), with and without batch norm."""
from __future__ import annotations

from ... import flatten
from ...nn import (AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Linear, MaxPool2d, Module, ReLU, Sequential,
                   init)
from ._api import Weights, WeightsEnum, resolve_weights

__all__ = ["VGG", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
           "VGG11_Weights", "VGG13_Weights", "VGG16_Weights", "VGG19_Weights", "VGG11_BN_Weights",
           "VGG13_BN_Weights", "VGG16_BN_Weights", "VGG19_BN_Weights"]

cfgs = {"A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
        "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
        "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
        "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]}


class VGG(Module):
    def __init__(self, features: Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((7, 7))
        self.classifier = Sequential(Linear(512 * 7 * 7, 4096), ReLU(True), Dropout(p=dropout), Linear(4096, 4096),
                                     ReLU(True), Dropout(p=dropout), Linear(4096, num_classes))
        if init_weights:
            for m in self.modules():
                if isinstance(m, Conv2d):
                    init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        init.constant_(m.bias, 0)
                elif isinstance(m, BatchNorm2d):
                    init.constant_(m.weight, 1)
                    init.constant_(m.bias, 0)
                elif isinstance(m, Linear):
                    init.normal_(m.weight, 0, 0.01)
                    init.constant_(m.bias, 0)

    def forward(self, x):
        return self.classifier(flatten(self.avgpool(self.features(x)), 1))


def make_layers(cfg: list, batch_norm: bool = False) -> Sequential:
    layers, in_channels = [], 3
    for v in cfg:
        if v == "M":
            layers.append(MaxPool2d(kernel_size=2, stride=2))
        else:
            conv = Conv2d(in_channels, v, kernel_size=3, padding=1)
            layers += [conv, BatchNorm2d(v), ReLU(inplace=True)] if batch_norm else [conv, ReLU(inplace=True)]
            in_channels = v
    return Sequential(*layers)


def _weights(name: str, url: str):
    return WeightsEnum(name, {"IMAGENET1K_V1": Weights(f"https://download.pytorch.org/models/{url}.pth"),
                              "DEFAULT": Weights(f"https://download.pytorch.org/models/{url}.pth")})


VGG11_Weights = _weights("VGG11_Weights", "vgg11-8a719046")
VGG13_Weights = _weights("VGG13_Weights", "vgg13-19584684")
VGG16_Weights = _weights("VGG16_Weights", "vgg16-397923af")
VGG19_Weights = _weights("VGG19_Weights", "vgg19-dcbb9e9d")
VGG11_BN_Weights = _weights("VGG11_BN_Weights", "vgg11_bn-6002323d")
VGG13_BN_Weights = _weights("VGG13_BN_Weights", "vgg13_bn-abd245e5")
VGG16_BN_Weights = _weights("VGG16_BN_Weights", "vgg16_bn-6c64b313")
VGG19_BN_Weights = _weights("VGG19_BN_Weights", "vgg19_bn-c79401a0")


def _vgg(cfg: str, batch_norm: bool, weights_enum, weights, progress: bool, kwargs: dict) -> VGG:
    weights = resolve_weights(weights_enum, weights, kwargs)
    if weights is not None:
        kwargs["init_weights"] = False
    model = VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


def vgg11(*, weights=None, progress=True, **kwargs) -> VGG:
    return _vgg("A", False, VGG11_Weights, weights, progress, kwargs)


def vgg11_bn(*, weights=None, progress=True, **kwargs) -> VGG:
    return _vgg("A", True, VGG11_BN_Weights, weights, progress, kwargs)


def vgg13(*, weights=None, progress=True, **kwargs) -> VGG:
    return _vgg("B", False, VGG13_Weights, weights, progress, kwargs)


def vgg13_bn(*, weights=None, progress=True, **kwargs) -> VGG:
    return _vgg("B", True, VGG13_BN_Weights, weights, progress, kwargs)


def vgg16(*, weights=None, progress=True, **kwargs) -> VGG:
    return _vgg("D", False, VGG16_Weights, weights, progress, kwargs)


def vgg16_bn(*, weights=None, progress=True, **kwargs) -> VGG:
    return _vgg("D", True, VGG16_BN_Weights, weights, progress, kwargs)


def vgg19(*, weights=None, progress=True, **kwargs) -> VGG:
    return _vgg("E", False, VGG19_Weights, weights, progress, kwargs)


def vgg19_bn(*, weights=None, progress=True, **kwargs) -> VGG:
    return _vgg("E", True, VGG19_BN_Weights, weights, progress, kwargs)
