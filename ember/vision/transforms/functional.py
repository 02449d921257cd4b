"""Functional image transforms (torchvision.transforms.functional's names) on tensors, numpy arrays and PIL images.

Tensors are (..., C, H, W); numpy arrays are H x W or H x W x C (what the datasets give without Pillow); PIL images
are converted through numpy and back.
"""
from __future__ import annotations

import enum
import numbers
from typing import Sequence

import numpy as np

from ... import _dtype
from ..._ops._base import xp
from ..._ops.creation import as_tensor, from_numpy
from ..._ops.padding import pad as _pad_tensor
from ..._tensor import Tensor, _make

__all__ = ["to_tensor", "to_pil_image", "normalize", "hflip", "pad", "crop", "get_dimensions", "resize", "center_crop",
           "InterpolationMode"]


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


class InterpolationMode(enum.Enum):
    """Resampling filters (torchvision's names and string values)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_FILTERS = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5}


def _resized_size(h: int, w: int, size, max_size) -> list[int]:
    """torchvision's output size: (h, w) as given, or the smaller edge matched to an int keeping the aspect ratio."""
    if isinstance(size, numbers.Number) or (isinstance(size, (list, tuple)) and len(size) == 1):
        requested = int(size if isinstance(size, numbers.Number) else size[0])
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                                 f"smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return [new_long, new_short] if w <= h else [new_short, new_long]
    if not isinstance(size, (list, tuple)) or len(size) != 2:
        raise ValueError(f"If size is a sequence, it should have 1 or 2 values, got {size!r}")
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, i.e. size "
                         "should be an int or a sequence of length 1 in torchscript mode.")
    return [int(size[0]), int(size[1])]


def _aa_matrix(in_size: int, out_size: int, mode: str, dtype) -> np.ndarray:
    """(out, in) resampling weights of torch's antialiased interpolation (PIL's separable filters)."""
    scale = in_size / out_size
    interp = 2 if mode == "bilinear" else 4
    support = interp * 0.5 * scale if scale >= 1 else interp * 0.5
    inv = 1.0 / scale if scale >= 1 else 1.0
    center = scale * (np.arange(out_size) + 0.5)
    xmin = np.maximum(np.trunc(center - support + 0.5), 0).astype(np.int64)
    xmax = np.minimum(np.trunc(center + support + 0.5).astype(np.int64), in_size)
    j = np.arange(in_size)
    x = np.abs((j[None, :] - center[:, None] + 0.5) * inv)
    if mode == "bilinear":
        w = np.where(x < 1, 1 - x, 0.0)
    else:
        a = -0.5
        w = np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                     np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))
    w = np.where((j[None, :] >= xmin[:, None]) & (j[None, :] < xmax[:, None]), w, 0.0)
    total = w.sum(1, keepdims=True)
    return np.where(total != 0, w / np.where(total != 0, total, 1), w).astype(dtype)


def _resize_tensor(img: Tensor, size: list[int], mode: str, antialias: bool) -> Tensor:
    from ..._ops.upsampling import interpolate
    shape = img.shape
    x = img.reshape(-1, *shape[-3:]) if img.ndim >= 3 else img.reshape(1, 1, *shape)
    out_dtype = x.dtype
    if not x.is_floating_point():
        x = x.to(_dtype.float32)
    if antialias and mode in ("bilinear", "bicubic"):
        npdt = x._data.dtype
        rows = _make(_aa_matrix(x.shape[-2], size[0], mode, npdt))
        cols = _make(_aa_matrix(x.shape[-1], size[1], mode, npdt).T.copy())
        y = rows.matmul(x).matmul(cols)
    else:
        kw = {"align_corners": False} if mode in ("bilinear", "bicubic") else {}
        y = interpolate(x, size=size, mode=mode, **kw)
    if out_dtype != y.dtype:
        if mode in ("bilinear", "bicubic"):
            y = y.round()
        info = np.iinfo(_dtype.to_np(out_dtype)) if out_dtype != _dtype.bool else None
        y = (y.clamp(info.min, info.max) if info is not None else y).to(out_dtype)
    return y.reshape(*shape[:-2], *size)


def resize(img, size, interpolation: InterpolationMode = InterpolationMode.BILINEAR, max_size: int | None = None,
           antialias: bool | None = True):
    """Resize to `size` ((h, w), or an int for the smaller edge); tensors use ember's interpolation (antialiased
    like torch for bilinear/bicubic by default), PIL images use Pillow."""
    _check_image(img)
    if isinstance(interpolation, str):
        interpolation = InterpolationMode(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer "
                        "constant")
    _, h, w = get_dimensions(img)
    out = _resized_size(h, w, size, max_size)
    if [h, w] == out:
        return img
    mode = interpolation.value
    if _is_pil(img):
        return img.resize((out[1], out[0]), _PIL_FILTERS[mode])
    if mode not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise ValueError(f"Interpolation mode {mode} is only supported for PIL images")
    if isinstance(img, np.ndarray):
        t = from_numpy(np.ascontiguousarray(np.moveaxis(img[..., None] if img.ndim == 2 else img, -1, 0)))
        r = _resize_tensor(t, out, mode, bool(antialias)).numpy()
        r = np.moveaxis(r, 0, -1)
        return r[..., 0] if img.ndim == 2 else r
    return _resize_tensor(img, out, mode, bool(antialias))


def center_crop(img, output_size):
    """The central `output_size` ((h, w) or an int) window; images smaller than that are zero-padded first."""
    _check_image(img)
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    crop_h, crop_w = (int(v) for v in output_size)
    _, h, w = get_dimensions(img)
    if crop_w > w or crop_h > h:
        padding = [(crop_w - w) // 2 if crop_w > w else 0, (crop_h - h) // 2 if crop_h > h else 0,
                   (crop_w - w + 1) // 2 if crop_w > w else 0, (crop_h - h + 1) // 2 if crop_h > h else 0]
        img = pad(img, padding, fill=0)
        _, h, w = get_dimensions(img)
        if crop_w == w and crop_h == h:
            return img
    top = int(round((h - crop_h) / 2.0))
    left = int(round((w - crop_w) / 2.0))
    return crop(img, top, left, crop_h, crop_w)
