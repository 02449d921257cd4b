"""nn layer workloads: an nn.Sequential MLP training step and the embedding backward (scatter-add)."""
import numpy as np

from workloads import data, workload


@workload(unit="ms")
def mlp(fw):
    """One step of nn.Linear(784,256)/ReLU/Linear(256,256)/ReLU/Linear(256,10), batch 128, nn.CrossEntropyLoss,
    manual SGD (p -= lr * p.grad under no_grad)."""
    nn = fw.nn
    fw.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    loss_fn = nn.CrossEntropyLoss()
    rng = data(0)
    x = fw.from_numpy(rng.standard_normal((128, 784), dtype=np.float32))
    y = fw.from_numpy(rng.integers(0, 10, size=128).astype(np.int64))
    params = list(model.parameters())
    lr = 0.01

    def step():
        loss = loss_fn(model(x), y)
        loss.backward()
        with fw.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
    return step, 1


@workload(unit="ms")
def embedding_bwd(fw):
    """Embedding(10000, 128) on 10^5 random indices: forward + sum().backward() (the scatter-add)."""
    fw.manual_seed(0)
    emb = fw.nn.Embedding(10000, 128)
    idx = fw.from_numpy(data(0).integers(0, 10000, size=100000).astype(np.int64))

    def step():
        emb(idx).sum().backward()
        emb.weight.grad = None
    return step, 1


@workload(unit="ms")
def gelu_layernorm(fw):
    """Transformer-style block pieces: LayerNorm(512) + GELU on (64, 128, 512) float32, forward + backward."""
    fw.manual_seed(0)
    ln = fw.nn.LayerNorm(512)
    act = fw.nn.GELU()
    x = fw.from_numpy(data(0).standard_normal((64, 128, 512), dtype=np.float32)).requires_grad_()

    def step():
        act(ln(x)).sum().backward()
        x.grad = None
    return step, 1
