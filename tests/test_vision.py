"""ember.vision: IDX datasets on tiny files written here, ImageFolder, and transforms' torchvision semantics."""
import gzip
import os

import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader
from ember.vision import datasets, transforms as T
from ember.vision.datasets import read_idx, write_idx
from ember.vision.transforms import functional as TF

try:
    from PIL import Image
except ImportError:  # the datasets then hand out numpy arrays
    Image = None

needs_pil = pytest.mark.skipif(Image is None, reason="Pillow not installed")


def _write_split(folder, prefix, images, labels, gz=True):
    os.makedirs(folder, exist_ok=True)
    ext = ".gz" if gz else ""
    write_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte{ext}"), images)
    write_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte{ext}"), labels)


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """torchvision's layout root/FashionMNIST/raw with 6 train and 4 test images; no other search location."""
    rng = np.random.default_rng(0)
    data = {"train": (rng.integers(0, 256, (6, 28, 28), dtype=np.uint8), rng.integers(0, 10, 6).astype(np.uint8)),
            "t10k": (rng.integers(0, 256, (4, 28, 28), dtype=np.uint8), rng.integers(0, 10, 4).astype(np.uint8))}
    for prefix, (x, y) in data.items():
        _write_split(tmp_path / "FashionMNIST" / "raw", prefix, x, y)
    monkeypatch.delenv("EMBER_DATA", raising=False)
    monkeypatch.setattr(datasets.FashionMNIST, "system_dir", str(tmp_path / "nowhere"))
    monkeypatch.setattr(datasets.MNIST, "system_dir", str(tmp_path / "nowhere"))
    return tmp_path, data


# ---- IDX files ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("gz", [True, False])
def test_idx_roundtrip(tmp_path, dtype, gz):
    a = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = str(tmp_path / ("a.idx" + (".gz" if gz else "")))
    write_idx(path, a)
    b = read_idx(path)
    assert b.dtype == np.dtype(dtype) and b.dtype.isnative and b.shape == (2, 3, 4)
    np.testing.assert_array_equal(a, b)


def test_idx_header_is_big_endian(tmp_path):
    path = str(tmp_path / "l.idx")
    write_idx(path, np.array([1, 2, 3], np.uint8))
    with open(path, "rb") as f:
        assert f.read() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3])


def test_idx_bad_files(tmp_path):
    bad = tmp_path / "bad.gz"
    with gzip.open(bad, "wb") as f:
        f.write(b"\x01\x02\x03\x04rest")
    with pytest.raises(RuntimeError, match="not an IDX file"):
        read_idx(str(bad))
    short = tmp_path / "short"
    short.write_bytes(bytes([0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 3]) + b"\x00" * 5)
    with pytest.raises(RuntimeError, match="truncated"):
        read_idx(str(short))
    with pytest.raises(TypeError, match="IDX cannot store"):
        write_idx(str(tmp_path / "x"), np.zeros(2, np.int64))


# ---- MNIST / FashionMNIST ----------------------------------------------------------------------------------------
def test_fashion_mnist_reads_torchvision_layout(tiny):
    root, data = tiny
    train = datasets.FashionMNIST(str(root), train=True)
    test = datasets.FashionMNIST(str(root), train=False)
    assert len(train) == 6 and len(test) == 4
    assert train.data.dtype == ember.uint8 and tuple(train.data.shape) == (6, 28, 28)
    assert train.targets.dtype == ember.int64 and tuple(train.targets.shape) == (6,)
    np.testing.assert_array_equal(train.data.numpy(), data["train"][0])
    np.testing.assert_array_equal(test.targets.numpy(), data["t10k"][1])
    assert train.classes[0] == "T-shirt/top" and train.class_to_idx["Ankle boot"] == 9
    img, target = train[2]
    assert isinstance(target, int) and target == int(data["train"][1][2])
    if Image is not None:
        assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    np.testing.assert_array_equal(np.asarray(img), data["train"][0][2])


def test_dataset_transforms_and_loader(tiny):
    root, data = tiny
    ds = datasets.FashionMNIST(str(root), train=True, transform=T.ToTensor(), target_transform=lambda y: y + 100)
    x, y = ds[1]
    assert x.dtype == ember.float32 and tuple(x.shape) == (1, 28, 28)
    np.testing.assert_array_equal(x.numpy()[0], data["train"][0][1].astype(np.float32) / np.float32(255))
    assert y == int(data["train"][1][1]) + 100
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert tuple(xb.shape) == (4, 1, 28, 28) and yb.dtype == ember.int64
    np.testing.assert_array_equal(yb.numpy(), data["train"][1][:4].astype(np.int64) + 100)


def test_dataset_repr(tiny):
    root, _ = tiny
    ds = datasets.FashionMNIST(str(root), train=False, transform=T.Compose([T.ToTensor(), T.Normalize((0.5,),
                                                                                                       (0.5,))]))
    assert repr(ds) == (f"Dataset FashionMNIST\n    Number of datapoints: 4\n    Root location: {root}\n"
                        "    Split: Test\n    Transform: Compose(\n                   ToTensor()\n"
                        "                   Normalize(mean=(0.5,), std=(0.5,))\n               )")


def test_flat_folder_plain_files_and_ember_data(tiny, monkeypatch):
    root, data = tiny
    flat = root / "flat"
    _write_split(flat, "train", *data["train"], gz=False)
    assert len(datasets.MNIST(str(flat))) == 6  # files directly in root, not gzipped
    monkeypatch.setenv("EMBER_DATA", str(root))
    ds = datasets.FashionMNIST(train=False)  # root=None: $EMBER_DATA/FashionMNIST/raw
    assert len(ds) == 4 and ds.raw_folder == str(root / "FashionMNIST" / "raw")
    # a root without the files falls back to $EMBER_DATA, like the system folder
    assert len(datasets.FashionMNIST(str(root / "empty"), train=False)) == 4


def test_missing_files_say_how_to_get_them(tiny):
    root, _ = tiny
    with pytest.raises(RuntimeError, match="Dataset not found") as e:
        datasets.FashionMNIST(str(root / "empty"))
    assert "apt-get install dataset-fashion-mnist" in str(e.value) and "EMBER_DATA" in str(e.value)
    assert str(root / "empty" / "FashionMNIST" / "raw") in str(e.value)
    with pytest.raises(RuntimeError, match="does not download"):
        datasets.MNIST(str(root / "empty"), download=True)
    assert len(datasets.FashionMNIST(str(root), download=True)) == 6  # files present: download=True is harmless


def test_mismatched_lengths(tiny):
    root, data = tiny
    _write_split(root / "odd", "train", data["train"][0], data["train"][1][:5])
    with pytest.raises(RuntimeError, match="6 images but .* 5 labels"):
        datasets.MNIST(str(root / "odd"))


@needs_pil
def test_image_folder(tmp_path):
    for cls, color in (("cat", 10), ("dog", 200)):
        os.makedirs(tmp_path / cls)
        for i in range(2):
            Image.fromarray(np.full((5, 7), color + i, np.uint8)).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    ds = datasets.ImageFolder(str(tmp_path), transform=T.ToTensor())
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert len(ds) == 4 and ds.targets == [0, 0, 1, 1] and ds.imgs == ds.samples
    x, y = ds[3]
    assert tuple(x.shape) == (3, 5, 7) and y == 1
    np.testing.assert_allclose(x.numpy(), np.float32(201) / 255)
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(str(tmp_path / "cat"))


# ---- transforms --------------------------------------------------------------------------------------------------
def test_to_tensor_numpy():
    a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    t = T.ToTensor()(a)
    assert t.dtype == ember.float32 and tuple(t.shape) == (1, 3, 4)
    np.testing.assert_array_equal(t.numpy()[0], a.astype(np.float32) / np.float32(255))
    rgb = np.random.default_rng(0).integers(0, 256, (2, 3, 3), dtype=np.uint8)
    t = T.ToTensor()(rgb)
    assert tuple(t.shape) == (3, 2, 3) and 0 <= t.min().item() and t.max().item() <= 1
    np.testing.assert_array_equal(t.numpy(), rgb.transpose(2, 0, 1) / np.float32(255))
    f = np.full((2, 2), 7.0)  # non-uint8 arrays keep dtype and values, like torchvision
    t = T.ToTensor()(f)
    assert t.dtype == ember.float64 and t.numpy().max() == 7.0
    with _default_dtype(ember.float64):
        assert T.ToTensor()(a).dtype == ember.float64
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([[1, 2]])
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 4 dimensions."):
        T.ToTensor()(np.zeros((1, 1, 1, 1), np.uint8))


class _default_dtype:
    def __init__(self, dt):
        self.dt = dt

    def __enter__(self):
        self.old = ember.get_default_dtype()
        ember.set_default_dtype(self.dt)

    def __exit__(self, *exc):
        ember.set_default_dtype(self.old)


@needs_pil
def test_to_tensor_and_back_pil():
    a = np.random.default_rng(1).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    t = T.ToTensor()(Image.fromarray(a))
    assert tuple(t.shape) == (3, 4, 5)
    np.testing.assert_array_equal(t.numpy(), a.transpose(2, 0, 1) / np.float32(255))
    back = T.ToPILImage()(t)
    assert back.mode == "RGB" and np.array_equal(np.asarray(back), a)
    grey = T.ToPILImage()(ember.tensor([[[0.0, 0.5], [1.0, 0.25]]]))
    assert grey.mode == "L" and np.asarray(grey).tolist() == [[0, 127], [255, 63]]  # mul(255).byte() truncates
    assert np.array_equal(np.asarray(T.ToTensor()(Image.fromarray(np.eye(2, dtype=bool)))),
                          np.eye(2, dtype=np.float32)[None])  # mode "1" -> 0/255 -> 0/1
    assert repr(T.ToPILImage()) == "ToPILImage()" and repr(T.ToPILImage("L")) == "ToPILImage(mode=L)"
    with pytest.raises(ValueError, match="2/3 dimensional"):
        T.ToPILImage()(ember.zeros(1, 1, 2, 2))


def test_normalize_math_and_errors():
    x = ember.rand(2, 3, 4, 5)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    y = T.Normalize(mean, std)(x)
    ref = (x.numpy() - np.float32(mean)[:, None, None]) / np.float32(std)[:, None, None]
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-6)
    assert y.dtype == ember.float32 and not np.shares_memory(y.numpy(), x.numpy())
    x2 = x.clone()
    assert T.Normalize(mean, std, inplace=True)(x2) is x2
    np.testing.assert_allclose(x2.numpy(), ref, rtol=1e-6)
    assert repr(T.Normalize((0.5,), [0.5])) == "Normalize(mean=(0.5,), std=[0.5])"
    assert isinstance(T.Normalize((0.5,), (0.5,)), ember.nn.Module)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.0,), (0.0,))(ember.rand(1, 2, 2))
    with pytest.raises(TypeError, match="Input tensor should be a float tensor. Got ember.uint8."):
        T.Normalize((0.0,), (1.0,))(ember.zeros(1, 2, 2, dtype=ember.uint8))
    with pytest.raises(ValueError, match=r"of size \(\.\.\., C, H, W\)"):
        T.Normalize((0.0,), (1.0,))(ember.rand(2, 2))
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        T.Normalize((0.0,), (1.0,))(np.zeros((1, 2, 2), np.float32))


def test_compose_and_lambda():
    tf = T.Compose([T.ToTensor(), T.Lambda(lambda t: t * 2), T.Normalize((1.0,), (1.0,))])
    a = np.full((2, 2), 255, np.uint8)
    np.testing.assert_allclose(tf(a).numpy(), np.ones((1, 2, 2)))
    assert repr(tf) == "Compose(\n    ToTensor()\n    Lambda()\n    Normalize(mean=(1.0,), std=(1.0,))\n)"
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)


def test_random_horizontal_flip():
    t = ember.arange(6.0).reshape(1, 2, 3)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(t).numpy(), t.numpy()[..., ::-1])
    assert T.RandomHorizontalFlip(p=0.0)(t) is t
    a = np.arange(6, dtype=np.uint8).reshape(2, 3)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(a), a[:, ::-1])
    flip = T.RandomHorizontalFlip()
    ember.manual_seed(3)
    first = [flip(t)[0, 0, 0].item() for _ in range(40)]
    ember.manual_seed(3)
    assert [flip(t)[0, 0, 0].item() for _ in range(40)] == first  # seeded: repeatable
    assert 5 < first.count(2.0) < 35  # and both outcomes occur
    assert repr(flip) == "RandomHorizontalFlip(p=0.5)"
    if Image is not None:
        img = T.RandomHorizontalFlip(1.0)(Image.fromarray(a))
        np.testing.assert_array_equal(np.asarray(img), a[:, ::-1])


def test_random_crop_padding():
    t = ember.arange(1.0, 17.0).reshape(1, 4, 4)
    crop = T.RandomCrop(4, padding=2)
    padded = np.pad(t.numpy(), [(0, 0), (2, 2), (2, 2)])
    ember.manual_seed(0)
    outs = [crop(t) for _ in range(30)]
    corners = set()
    for o in outs:
        assert tuple(o.shape) == (1, 4, 4)
        hits = [(i, j) for i in range(5) for j in range(5) if np.array_equal(padded[:, i:i + 4, j:j + 4], o.numpy())]
        assert hits, "the crop is not a window of the padded image"
        corners.add(hits[0])
    assert len(corners) > 5
    ember.manual_seed(0)
    assert all(np.array_equal(crop(t).numpy(), o.numpy()) for o in outs)
    assert repr(crop) == "RandomCrop(size=(4, 4), padding=2)"
    assert T.RandomCrop(4)(t) is not None and np.array_equal(T.RandomCrop(4)(t).numpy(), t.numpy())
    with pytest.raises(ValueError, match=r"Required crop size \(5, 5\) is larger than input image size \(4, 4\)"):
        T.RandomCrop(5)(t)
    assert tuple(T.RandomCrop((6, 5), pad_if_needed=True)(t).shape) == (1, 6, 5)


def test_random_crop_numpy_and_pad_modes():
    a = np.arange(9, dtype=np.uint8).reshape(3, 3)
    np.testing.assert_array_equal(TF.pad(a, 1, padding_mode="edge"), np.pad(a, 1, mode="edge"))
    np.testing.assert_array_equal(TF.pad(a, [1, 2], fill=7), np.pad(a, [(2, 2), (1, 1)], constant_values=7))
    np.testing.assert_array_equal(TF.pad(a, [0, 1, 2, 3], padding_mode="reflect"),
                                  np.pad(a, [(1, 3), (0, 2)], mode="reflect"))
    t = ember.tensor(a[None].astype(np.float32))
    np.testing.assert_array_equal(TF.pad(t, 1, padding_mode="symmetric").numpy()[0],
                                  np.pad(a, 1, mode="symmetric").astype(np.float32))
    out = T.RandomCrop(3, padding=1, padding_mode="reflect")(a)
    assert out.shape == (3, 3) and out.dtype == np.uint8
    rgb = np.zeros((3, 3, 3), np.uint8)
    assert T.RandomCrop(2, padding=1)(rgb).shape == (2, 2, 3)
    with pytest.raises(ValueError, match="Padding mode should be"):
        TF.pad(a, 1, padding_mode="wrap")


def test_transform_pipeline_gradients_flow():
    x = ember.rand(1, 3, 3, requires_grad=True)
    y = T.Normalize((0.5,), (2.0,))(TF.crop(TF.pad(x, 1), 0, 0, 3, 3)).sum()
    y.backward()
    assert x.grad is not None and tuple(x.grad.shape) == (1, 3, 3)
