"""Recurrent workloads: a word-level LSTM language model training step (PyTorch's word_language_model shape)."""
import numpy as np

from workloads import data, workload


@workload(unit="ms")
def lstm_lm(fw):
    """Embedding(10000,128) -> LSTM(128,256,2) -> Linear(256,10000), seq 35, batch 20, CE, clip 0.25, SGD."""
    V, E, H, T, B, lr, clip = 10000, 128, 256, 35, 20, 20.0, 0.25
    rng = data(0)
    fw.manual_seed(0)
    emb, lstm, dec = fw.nn.Embedding(V, E), fw.nn.LSTM(E, H, 2), fw.nn.Linear(H, V)
    params = list(emb.parameters()) + list(lstm.parameters()) + list(dec.parameters())
    criterion = fw.nn.CrossEntropyLoss()
    opt = fw.optim.SGD(params, lr=lr)
    tokens = fw.from_numpy(rng.integers(0, V, (T + 1, B)).astype(np.int64))
    inp, target = tokens[:-1], tokens[1:].reshape(-1)
    state = {"hidden": None}

    def step():
        hidden = state["hidden"]
        if hidden is not None:  # truncated BPTT: carry the state, cut its history
            hidden = tuple(h.detach() for h in hidden)
        out, hidden = lstm(emb(inp), hidden)
        state["hidden"] = hidden
        loss = criterion(dec(out.reshape(T * B, H)), target)
        opt.zero_grad()
        loss.backward()
        fw.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
    return step, 1
