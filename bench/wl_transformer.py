"""Transformer workload: a 2-layer TransformerEncoder training step with AdamW."""
import numpy as np

from workloads import data, workload


@workload(unit="ms")
def transformer(fw):
    """TransformerEncoder(d_model 128, 4 heads, ff 512, 2 layers, batch_first), batch 16 x seq 64, MSE, AdamW."""
    rng = data(0)
    fw.manual_seed(0)
    layer = fw.nn.TransformerEncoderLayer(128, 4, 512, dropout=0.1, batch_first=True)
    model = fw.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    opt = fw.optim.AdamW(model.parameters(), lr=1e-3)
    loss_fn = fw.nn.MSELoss()
    x = fw.from_numpy(rng.standard_normal((16, 64, 128), dtype=np.float32))
    y = fw.from_numpy(rng.standard_normal((16, 64, 128), dtype=np.float32))

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return step, 1
