"""Example workloads: one training step of the main job's Fashion-MNIST CNN, and a char-LSTM step."""
import numpy as np

from workloads import data, workload


def _fashion_net(fw, width=16):
    """The CNN of ember/examples/fashion_mnist.py (conv-BN-ReLU-pool x2, dropout, 2 Linear layers)."""
    nn = fw.nn

    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    return nn.Sequential(*block(1, width), nn.MaxPool2d(2), *block(width, 2 * width), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Dropout(0.25), nn.Linear(2 * width * 49, 128), nn.ReLU(inplace=True), nn.Dropout(0.25),
                         nn.Linear(128, 10))


def _sync(fw, model, seed):
    rng = data(seed)
    with fw.no_grad():
        for p in model.parameters():
            p.copy_(fw.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.05).astype(np.float32)))


@workload(unit="ms")
def fashion_step(fw):
    """Main job: one AdamW step of the Fashion-MNIST CNN (width 16), batch 128 of 1x28x28."""
    model = _fashion_net(fw)
    _sync(fw, model, 4)
    opt = fw.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=5e-4)
    rng = data(0)
    x = fw.from_numpy(rng.standard_normal((128, 1, 28, 28), dtype=np.float32))
    y = fw.from_numpy(rng.integers(0, 10, 128).astype(np.int64))

    def step():
        loss = fw.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step, 1


@workload(unit="ms")
def char_lm_step(fw):
    """char_lm example: one AdamW step of Embedding(101, 64) -> LSTM(256) -> Linear, batch 32 x 64 characters."""
    nn = fw.nn
    emb, lstm, head = nn.Embedding(101, 64), nn.LSTM(64, 256, batch_first=True), nn.Linear(256, 101)
    params = [*emb.parameters(), *lstm.parameters(), *head.parameters()]
    opt = fw.optim.AdamW(params, lr=3e-3)
    rng = data(1)
    x = fw.from_numpy(rng.integers(0, 101, (32, 64)).astype(np.int64))
    y = fw.from_numpy(rng.integers(0, 101, (32, 64)).astype(np.int64))

    def step():
        out, _ = lstm(emb(x))
        loss = fw.nn.functional.cross_entropy(head(out).reshape(-1, 101), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    return step, 1
