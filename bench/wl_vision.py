"""Vision workloads: LeNet-5 and a small BN CNN training step, and a plain conv2d forward."""
import numpy as np

from workloads import data, workload


def _sync_params(fw, layers, seed):
    """Give every parameter the same (seeded) values in both frameworks."""
    rng = data(seed)
    params = []
    for layer in layers:
        for p in layer.parameters():
            arr = (rng.standard_normal(tuple(p.shape)) * 0.1).astype(np.float32)
            with fw.no_grad():
                p.copy_(fw.from_numpy(arr))
            params.append(p)
    return params


def _loss(fw, logits, y):
    return fw.nn.functional.cross_entropy(logits, y)


def _sgd_step(fw, params, loss, lr=0.01):
    loss.backward()
    with fw.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None


@workload(unit="ms")
def lenet(fw):
    """One SGD step of LeNet-5 (conv5-6, pool, conv5-16, pool, 400-120-84-10), batch 64 of 1x28x28."""
    nn, F = fw.nn, fw.nn.functional
    c1, c2 = nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
    f1, f2, f3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)
    params = _sync_params(fw, [c1, c2, f1, f2, f3], 1)
    rng = data(0)
    x = fw.from_numpy(rng.standard_normal((64, 1, 28, 28), dtype=np.float32))
    y = fw.from_numpy(rng.integers(0, 10, size=64).astype(np.int64))

    def step():
        h = F.max_pool2d(F.relu(c1(x)), 2)
        h = F.max_pool2d(F.relu(c2(h)), 2)
        h = h.reshape(h.shape[0], -1)
        h = f3(F.relu(f2(F.relu(f1(h)))))
        _sgd_step(fw, params, _loss(fw, h, y))
    return step, 1


@workload(unit="ms")
def cnn_bn(fw):
    """One SGD step: conv3-32 BN ReLU, conv32-64/s2 BN ReLU, global avg pool, fc 64-10; batch 32 of 3x32x32."""
    nn, F = fw.nn, fw.nn.functional
    c1, b1 = nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32)
    c2, b2 = nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.BatchNorm2d(64)
    fc = nn.Linear(64, 10)
    params = _sync_params(fw, [c1, c2, fc], 2) + list(b1.parameters()) + list(b2.parameters())
    rng = data(0)
    x = fw.from_numpy(rng.standard_normal((32, 3, 32, 32), dtype=np.float32))
    y = fw.from_numpy(rng.integers(0, 10, size=32).astype(np.int64))

    def step():
        h = F.relu(b1(c1(x)))
        h = F.relu(b2(c2(h)))
        h = F.adaptive_avg_pool2d(h, 1).reshape(h.shape[0], -1)
        _sgd_step(fw, params, _loss(fw, fc(h), y))
    return step, 1


@workload(unit="ms")
def conv2d_fwd(fw):
    """Conv2d 64->64, 3x3, padding 1 on 32x64x32x32, no grad."""
    conv = fw.nn.Conv2d(64, 64, 3, padding=1)
    _sync_params(fw, [conv], 3)
    x = fw.from_numpy(data(0).standard_normal((32, 64, 32, 32), dtype=np.float32))

    def step():
        with fw.no_grad():
            conv(x)
    return step, 1
