"""Functional image transforms (torchvision.transforms.functional's names) on tensors, numpy arrays and PIL images.

Tensors are (..., C, H, W); numpy arrays are H x W or H x W x C (what the datasets give without Pillow); PIL images
are converted through numpy and back.
"""
from __future__ import annotations

import numbers
from typing import Sequence

import numpy as np

from ... import _dtype
from ..._ops._base import xp
from ..._ops.creation import as_tensor, from_numpy
from ..._ops.padding import pad as _pad_tensor
from ..._tensor import Tensor, _make

__all__ = ["to_tensor", "to_pil_image", "normalize", "hflip", "pad", "crop", "get_dimensions"]


def _is_pil(img) -> bool:
    try:
        from PIL import Image
    except ImportError:
        return False
    return isinstance(img, Image.Image)


def _is_numpy_image(img) -> bool:
    return isinstance(img, np.ndarray) and img.ndim in (2, 3)


def _check_image(img) -> None:
    if not (isinstance(img, Tensor) or _is_pil(img) or _is_numpy_image(img)):
        raise TypeError(f"img should be PIL Image, Tensor or a 2/3-dimensional ndarray. Got {type(img)}")


def get_dimensions(img) -> list[int]:
    """``[channels, height, width]`` of an image."""
    _check_image(img)
    if isinstance(img, Tensor):
        return [1 if img.ndim == 2 else img.shape[-3], img.shape[-2], img.shape[-1]]
    if isinstance(img, np.ndarray):
        return [1 if img.ndim == 2 else img.shape[2], img.shape[0], img.shape[1]]
    return [len(img.getbands()), img.size[1], img.size[0]]


def to_tensor(pic) -> Tensor:
    """A PIL image or H x W (x C) ndarray as a C x H x W tensor; ``uint8`` becomes the default float dtype / 255."""
    if not (_is_pil(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray):
        if not _is_numpy_image(pic):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        nptype = {"I": np.int32, "I;16": np.int16, "F": np.float32}.get(pic.mode, np.uint8)
        arr = np.array(pic, nptype, copy=True)
        if pic.mode == "1":
            arr = arr * np.uint8(255)
        arr = arr.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    img = from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))
    if img.dtype == _dtype.uint8:
        return img.to(_dtype.get_default_dtype()).div(255)
    return img


def to_pil_image(pic, mode: str | None = None):
    """A C x H x W tensor or H x W x C ndarray as a PIL image (float input is scaled by 255; needs Pillow)."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("to_pil_image needs Pillow: pip install pillow") from None
    if isinstance(pic, Tensor):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        pic = pic.unsqueeze(0) if pic.ndim == 2 else pic
        if pic.shape[-3] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-3]} channels.")
        if pic.is_floating_point() and mode != "F":
            pic = pic.mul(255).byte()
        npimg = np.transpose(pic.detach().cpu().numpy(), (1, 2, 0))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        npimg = pic[:, :, None] if pic.ndim == 2 else pic
        if npimg.shape[-1] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {npimg.shape[-1]} channels.")
        if np.issubdtype(npimg.dtype, np.floating) and mode != "F":
            npimg = (npimg * 255).astype(np.uint8)
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if npimg.shape[2] == 1:
        npimg = npimg[:, :, 0]
        modes = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I",
                 np.dtype(np.float32): "F"}
        if npimg.dtype not in modes:
            raise TypeError(f"Input type {npimg.dtype} is not supported")
        mode = mode or modes[npimg.dtype]
    elif npimg.dtype != np.uint8:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    else:
        mode = mode or {2: "LA", 3: "RGB", 4: "RGBA"}[npimg.shape[2]]
    return Image.fromarray(np.ascontiguousarray(npimg)).convert(mode) if mode else Image.fromarray(npimg)


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> Tensor:
    """``(tensor - mean) / std`` per channel of a float (..., C, H, W) tensor."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    mean = as_tensor(mean, dtype=tensor.dtype, device=tensor.device)
    std = as_tensor(std, dtype=tensor.dtype, device=tensor.device)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    mean = mean.view(-1, 1, 1) if mean.ndim == 1 else mean
    std = std.view(-1, 1, 1) if std.ndim == 1 else std
    return tensor.sub_(mean).div_(std) if inplace else tensor.sub(mean).div(std)


def hflip(img):
    """Mirror an image left to right."""
    _check_image(img)
    if isinstance(img, Tensor):
        return img.flip(-1)
    if isinstance(img, np.ndarray):
        return np.ascontiguousarray(img[:, ::-1])
    from PIL import Image
    return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def _padding(padding) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) from an int or a 1-, 2- or 4-sequence."""
    if isinstance(padding, numbers.Number):
        padding = [int(padding)]
    if not isinstance(padding, (tuple, list)) or len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not {padding}")
    p = [int(v) for v in padding]
    return tuple(p * 4 if len(p) == 1 else (p * 2 if len(p) == 2 else p))


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad the borders: padding is an int (all sides), (left/right, top/bottom) or (left, top, right, bottom);
    padding_mode is constant (with `fill`), edge, reflect or symmetric."""
    _check_image(img)
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _padding(padding)
    if isinstance(img, Tensor) and padding_mode == "constant" and min(left, top, right, bottom) >= 0:
        return _pad_tensor(img, (left, right, top, bottom), value=fill)
    arr = img._data if isinstance(img, Tensor) else np.asarray(img)
    hw = [(top, bottom), (left, right)]
    widths = [(0, 0)] * (arr.ndim - 2) + hw if isinstance(img, Tensor) else hw + [(0, 0)] * (arr.ndim - 2)
    kw = {"constant_values": fill} if padding_mode == "constant" else {}
    out = xp(arr).pad(arr, widths, mode=padding_mode, **kw)
    if isinstance(img, Tensor):
        return _make(out)
    if isinstance(img, np.ndarray):
        return out
    from PIL import Image
    return Image.fromarray(out, img.mode)


def crop(img, top: int, left: int, height: int, width: int):
    """The `height` x `width` window whose top-left corner is (`top`, `left`)."""
    _check_image(img)
    if isinstance(img, Tensor):
        return img[..., top:top + height, left:left + width]
    if isinstance(img, np.ndarray):
        return img[top:top + height, left:left + width]
    return img.crop((left, top, left + width, top + height))
