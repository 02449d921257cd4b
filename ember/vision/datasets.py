"""Vision datasets (torchvision's names): MNIST and Fashion-MNIST from IDX files, and ImageFolder.

ember never downloads: the IDX files come from Debian's ``dataset-fashion-mnist`` package
(``/usr/share/datasets/fashion-mnist``), from ``$EMBER_DATA``, or from ``root`` laid out like torchvision's
(``root/FashionMNIST/raw/train-images-idx3-ubyte.gz`` or the files directly in ``root``).
"""
from __future__ import annotations

import gzip
import os
from typing import Any, Callable

import numpy as np

from .._ops.creation import from_numpy
from ..utils.data import Dataset

__all__ = ["VisionDataset", "MNIST", "FashionMNIST", "DatasetFolder", "ImageFolder", "read_idx", "write_idx"]

# IDX type codes (third magic byte) -> big-endian numpy dtypes.
_IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _open(path: str):
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file (optionally ``.gz``) into a native-endian numpy array."""
    with _open(path) as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()})")
    dt, ndim = _IDX_TYPES[raw[2]], raw[3]
    shape = tuple(int(d) for d in np.frombuffer(raw, ">i4", ndim, 4))
    count, offset = int(np.prod(shape)), 4 + 4 * ndim
    if len(raw) - offset != count * dt.itemsize:
        raise RuntimeError(f"{path}: header says shape {shape} ({count * dt.itemsize} bytes of data) but the file "
                           f"holds {len(raw) - offset}; it is truncated or damaged")
    return np.frombuffer(raw, dt, count, offset).reshape(shape).astype(dt.newbyteorder("="))


def write_idx(path: str, array: np.ndarray) -> None:
    """Write `array` as an IDX file (gzip-compressed when `path` ends in ``.gz``)."""
    array = np.asarray(array)
    code = {v.newbyteorder("="): k for k, v in _IDX_TYPES.items()}.get(array.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(f"IDX cannot store dtype {array.dtype}")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">i4").tobytes()
    body = array.astype(_IDX_TYPES[code]).tobytes()
    with (gzip.open(path, "wb") if path.endswith(".gz") else open(path, "wb")) as f:
        f.write(header + body)


def _pil():
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


class VisionDataset(Dataset):
    """Base class holding ``root``, ``transform`` and ``target_transform``, with torchvision's repr."""

    def __init__(self, root: str | None = None, transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        self.root = os.path.expanduser(root) if isinstance(root, (str, os.PathLike)) else root
        self.transform = transform
        self.target_transform = target_transform

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        for head, t in (("Transform: ", self.transform), ("Target transform: ", self.target_transform)):
            if t is not None:
                lines = repr(t).splitlines()
                body += [head + lines[0]] + [" " * len(head) + line for line in lines[1:]]
        return "\n".join([f"Dataset {type(self).__name__}"] + ["    " + line for line in body])


class MNIST(VisionDataset):
    r"""MNIST handwritten digits read from the four standard IDX files.

    Args:
        root (str, optional): a folder holding the IDX files (``.gz`` or not), directly or under
            ``root/MNIST/raw`` like torchvision. None (or a folder without them) also searches ``$EMBER_DATA``
            and the system folder (``/usr/share/datasets/mnist``; Fashion-MNIST: ``.../fashion-mnist``).
        train (bool): the 60k training split if True, else the 10k test split.
        transform (callable, optional): applied to the image: a PIL ``L`` image when Pillow is installed, else
            a ``uint8`` numpy array of shape (28, 28). ``transforms.ToTensor()`` takes either.
        target_transform (callable, optional): applied to the integer label.
        download (bool): ember does not download; True only raises a clearer error when files are missing.

    Attributes:
        data (Tensor): ``uint8`` images, shape (N, 28, 28).
        targets (Tensor): ``int64`` labels, shape (N,).
    """

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]
    system_dir = "/usr/share/datasets/mnist"
    how_to_get = "put the four IDX files (train-images-idx3-ubyte.gz, ...) in $EMBER_DATA/MNIST/raw"

    def __init__(self, root: str | None = None, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        super().__init__(root, transform, target_transform)
        self.train = train
        prefix = "train" if train else "t10k"
        images, folder = self._find(f"{prefix}-images-idx3-ubyte", download)
        labels, _ = self._find(f"{prefix}-labels-idx1-ubyte", download, [folder])
        self.raw_folder = folder
        self.data = from_numpy(read_idx(images).astype(np.uint8, copy=False))
        self.targets = from_numpy(read_idx(labels).astype(np.int64))
        if len(self.data) != len(self.targets):
            raise RuntimeError(f"{images} holds {len(self.data)} images but {labels} holds {len(self.targets)} "
                               "labels")

    def _search_dirs(self) -> list[str]:
        roots = [self.root] if self.root is not None else []
        if os.environ.get("EMBER_DATA"):
            roots.append(os.environ["EMBER_DATA"])
        name, dirs = type(self).__name__, []
        for r in map(os.fspath, roots):
            dirs += [os.path.join(r, name, "raw"), os.path.join(r, name), os.path.join(r, os.path.basename(
                self.system_dir)), r]
        return dirs + [self.system_dir]

    def _find(self, stem: str, download: bool, dirs: list[str] | None = None) -> tuple[str, str]:
        searched = dirs or self._search_dirs()
        for d in searched:
            for name in (stem + ".gz", stem):
                if os.path.isfile(os.path.join(d, name)):
                    return os.path.join(d, name), d
        lines = "\n".join("  " + d for d in dict.fromkeys(searched))
        why = "ember does not download datasets (download=True)" if download else "Dataset not found"
        raise RuntimeError(f"{why}: {type(self).__name__} needs {stem}.gz, searched:\n{lines}\n"
                           f"To get it: {self.how_to_get}.")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = self.data.numpy()[index], int(self.targets.numpy()[index])
        image = _pil()
        if image is not None:
            img = image.fromarray(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    r"""Fashion-MNIST (Zalando, MIT licence): 28x28 grey images of 10 kinds of clothing; arguments as `MNIST`."""

    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
    system_dir = "/usr/share/datasets/fashion-mnist"
    how_to_get = ("`apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or put the four IDX files "
                  "(train-images-idx3-ubyte.gz, ...) in $EMBER_DATA/FashionMNIST/raw")


IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def pil_loader(path: str):
    """Open an image file as an RGB PIL image (needs Pillow)."""
    image = _pil()
    if image is None:
        raise ImportError("ImageFolder needs Pillow to read images: pip install pillow")
    with open(path, "rb") as f:
        return image.open(f).convert("RGB")


class DatasetFolder(VisionDataset):
    r"""Samples laid out as ``root/<class>/<file>``; classes are the sorted folder names.

    Args:
        root (str): the top folder.
        loader (callable): reads one file path into a sample.
        extensions (tuple of str, optional): file endings to keep (case-insensitive).
        transform, target_transform (callable, optional): applied to the sample and to the class index.
        is_valid_file (callable, optional): keeps a path if it returns True (instead of `extensions`).
    """

    def __init__(self, root: str, loader: Callable, extensions: tuple[str, ...] | None = None,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 is_valid_file: Callable[[str], bool] | None = None) -> None:
        super().__init__(root, transform, target_transform)
        if (extensions is None) == (is_valid_file is None):
            raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
        keep = is_valid_file or (lambda p: p.lower().endswith(tuple(e.lower() for e in extensions)))
        self.classes = sorted(e.name for e in os.scandir(self.root) if e.is_dir())
        if not self.classes:
            raise FileNotFoundError(f"Couldn't find any class folder in {self.root}.")
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
        self.samples = [(os.path.join(dirpath, f), idx) for c, idx in self.class_to_idx.items()
                        for dirpath, _, files in sorted(os.walk(os.path.join(self.root, c), followlinks=True))
                        for f in sorted(files) if keep(os.path.join(dirpath, f))]
        empty = set(self.classes) - {self.classes[i] for _, i in self.samples}
        if empty:
            raise FileNotFoundError(f"Found no valid file for the classes {', '.join(sorted(empty))}. "
                                    f"Supported extensions are: {', '.join(extensions or ())}")
        self.loader, self.extensions = loader, extensions
        self.targets = [s[1] for s in self.samples]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target


class ImageFolder(DatasetFolder):
    r"""Images laid out as ``root/<class>/<image>``, read as RGB PIL images (needs Pillow)."""

    def __init__(self, root: str, transform: Callable | None = None, target_transform: Callable | None = None,
                 loader: Callable = pil_loader, is_valid_file: Callable[[str], bool] | None = None) -> None:
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform,
                         target_transform, is_valid_file)
        self.imgs = self.samples
