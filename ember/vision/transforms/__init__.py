"""Image transforms with torchvision's names and semantics: ``transforms.Compose([ToTensor(), Normalize(...)])``.

Random transforms draw from ember's global generator (``ember.manual_seed`` makes them repeatable), one
``rand(1)``/``randint`` call per decision like torchvision.
"""
from __future__ import annotations

import numbers
from typing import Callable, Sequence

from ..._ops.creation import rand, randint
from ...nn.modules.module import Module
from . import functional
from . import functional as F
from .functional import InterpolationMode

__all__ = ["Compose", "ToTensor", "ToPILImage", "Normalize", "Lambda", "RandomHorizontalFlip", "RandomCrop",
           "functional", "Resize", "CenterCrop",
           "InterpolationMode"]


class Compose:
    r"""Chain transforms: ``Compose([t1, t2])(img) == t2(t1(img))``.

    Args:
        transforms (list of callables): applied in order.
    """

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        return type(self).__name__ + "(" + "".join(f"\n    {t}" for t in self.transforms) + "\n)"


class ToTensor:
    r"""A PIL image or ``H x W (x C)`` numpy array to a ``C x H x W`` tensor; ``uint8`` input is scaled to
    ``[0, 1]`` in the default float dtype, other dtypes are kept as they are.
    """

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToPILImage:
    r"""A ``C x H x W`` tensor or ``H x W x C`` array to a PIL image (float values are scaled by 255; needs Pillow).

    Args:
        mode (str, optional): the PIL mode; inferred from the channel count and dtype when None.
    """

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + (f"mode={self.mode}" if self.mode is not None else "") + ")"


class Normalize(Module):
    r"""Normalize each channel of a float tensor image: ``output[c] = (input[c] - mean[c]) / std[c]``.

    Args:
        mean (sequence): per-channel means.
        std (sequence): per-channel standard deviations.
        inplace (bool): modify the input tensor instead of returning a new one.

    Shape:
        - Input: :math:`(..., C, H, W)`, floating point.
        - Output: same as input.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        super().__init__()
        self.mean, self.std, self.inplace = mean, std, inplace

    def forward(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    r"""Wrap a user function as a transform.

    Args:
        lambd (callable): applied to the input.
    """

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class RandomHorizontalFlip(Module):
    r"""Mirror the image left to right with probability `p` (tensor, numpy array or PIL image).

    Args:
        p (float): probability of flipping. Default: 0.5
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p

    def forward(self, img):
        return F.hflip(img) if rand(1).item() < self.p else img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


def _size(size) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if not isinstance(size, Sequence) or len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return int(size[0]), int(size[1])


class RandomCrop(Module):
    r"""Crop a random ``size`` window, after optionally padding the borders.

    Args:
        size (int or (h, w)): output size.
        padding (int or sequence, optional): border padding first: an int (all sides), (left/right, top/bottom)
            or (left, top, right, bottom).
        pad_if_needed (bool): pad images smaller than `size` up to it.
        fill (number): value for ``padding_mode="constant"``.
        padding_mode (str): constant, edge, reflect or symmetric.

    Shape:
        - Input: tensor :math:`(..., C, H, W)`, array :math:`(H, W[, C])` or PIL image.
        - Output: the same kind with height and width `size`.
    """

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0, padding_mode: str = "constant"):
        super().__init__()
        self.size = _size(size)
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    @staticmethod
    def get_params(img, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """Random ``(top, left, height, width)`` of a crop of `output_size`."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        i = randint(0, h - th + 1, size=(1,)).item()
        j = randint(0, w - tw + 1, size=(1,)).item()
        return i, j, th, tw

    def forward(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class Resize(Module):
    r"""Resize to ``size``: (h, w), or an int matching the smaller edge (aspect ratio kept, capped by ``max_size``).

    Args:
        size (int or sequence): output size.
        interpolation (InterpolationMode): NEAREST, NEAREST_EXACT, BILINEAR or BICUBIC for tensors (all for PIL).
        max_size (int, optional): bound on the longer edge when ``size`` is an int.
        antialias (bool): antialiased downsampling for bilinear/bicubic tensors (PIL always antialiases).
    """

    def __init__(self, size, interpolation: InterpolationMode = InterpolationMode.BILINEAR, max_size=None,
                 antialias: bool | None = True) -> None:
        super().__init__()
        if not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size, self.max_size, self.antialias = size, max_size, antialias
        self.interpolation = InterpolationMode(interpolation) if isinstance(interpolation, str) else interpolation

    def forward(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class CenterCrop(Module):
    r"""Crop the central ``size`` window ((h, w) or an int), zero-padding images that are smaller.

    Args:
        size (int or (h, w)): output size.
    """

    def __init__(self, size) -> None:
        super().__init__()
        self.size = _size(size)

    def forward(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"
