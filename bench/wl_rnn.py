"""Recurrent workloads: a word-level LSTM language model training step (PyTorch's word_language_model shape).

Layers that ember does not have yet are replaced, in BOTH frameworks alike, by the same few tensor ops
(embedding = index_select on a weight, linear = addmm, cross-entropy = log_softmax + gather, clipping and SGD by
hand); `lstm_lm_parts()` says which ones run as modules.
"""
import numpy as np

from workloads import data, workload


def _ember_has(path: str) -> bool:
    try:
        import ember
    except Exception:  # noqa: BLE001 - no ember: everything substituted
        return False
    obj = ember
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return False
    return True


def lstm_lm_parts() -> dict:
    """Which components run as real modules/functions (True) or as the shared substitute (False)."""
    return {k: _ember_has(k) for k in ("nn.Embedding", "nn.Linear", "nn.CrossEntropyLoss",
                                       "nn.utils.clip_grad_norm_", "optim.SGD")}


@workload(unit="ms")
def lstm_lm(fw):
    """Embedding(10000,128) -> LSTM(128,256,2) -> Linear(256,10000), seq 35, batch 20, CE, clip 0.25, SGD."""
    V, E, H, T, B, lr, clip = 10000, 128, 256, 35, 20, 20.0, 0.25
    parts = lstm_lm_parts()
    rng = data(0)
    fw.manual_seed(0)
    lstm = fw.nn.LSTM(E, H, 2)
    params = list(lstm.parameters())
    if parts["nn.Embedding"]:
        emb = fw.nn.Embedding(V, E)
        params += list(emb.parameters())
        embed = emb
    else:
        w_emb = fw.tensor(rng.uniform(-0.1, 0.1, (V, E)).astype(np.float32), requires_grad=True)
        params.append(w_emb)

        def embed(tok):
            return w_emb.index_select(0, tok.reshape(-1)).reshape(T, B, E)
    if parts["nn.Linear"]:
        lin = fw.nn.Linear(H, V)
        params += list(lin.parameters())
        decode = lin
    else:
        w_dec = fw.tensor(rng.uniform(-0.1, 0.1, (V, H)).astype(np.float32), requires_grad=True)
        b_dec = fw.tensor(np.zeros(V, np.float32), requires_grad=True)
        params += [w_dec, b_dec]

        def decode(h):
            return fw.addmm(b_dec, h, w_dec.t())
    if parts["nn.CrossEntropyLoss"]:
        criterion = fw.nn.CrossEntropyLoss()
    else:
        def criterion(logits, y):
            return -logits.log_softmax(1).gather(1, y.unsqueeze(1)).mean()
    opt = fw.optim.SGD(params, lr=lr) if parts["optim.SGD"] else None
    tokens = fw.from_numpy(rng.integers(0, V, (T + 1, B)).astype(np.int64))
    inp, target = tokens[:-1], tokens[1:].reshape(-1)
    state = {"hidden": None}

    def clip_(ps):
        if parts["nn.utils.clip_grad_norm_"]:
            return fw.nn.utils.clip_grad_norm_(ps, clip)
        with fw.no_grad():
            total = fw.stack([p.grad.norm() for p in ps]).norm()
            coef = (clip / (total + 1e-6)).clamp(max=1.0)
            for p in ps:
                p.grad.mul_(coef)
        return total

    def step():
        hidden = state["hidden"]
        if hidden is not None:  # truncated BPTT: carry the state, cut its history
            hidden = tuple(h.detach() for h in hidden)
        out, hidden = lstm(embed(inp), hidden)
        state["hidden"] = hidden
        loss = criterion(decode(out.reshape(T * B, H)), target)
        loss.backward()
        clip_(params)
        if opt is not None:
            opt.step()
            opt.zero_grad()
        else:
            with fw.no_grad():
                for p in params:
                    p.add_(p.grad, alpha=-lr)
                    p.grad = None
    return step, 1
