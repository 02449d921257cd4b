"""Train a 2-layer MLP on a synthetic 3-class problem with the core tensor API only.

The data are three concentric rings around the origin: points drawn from a 2-D
standard normal, labelled by their radius so that each class holds a third of
the points. No straight line separates them, so the hidden layer has to learn.

Everything here is plain tensors and autograd (no ``nn``, no ``optim``): the
weights are leaf tensors, cross-entropy is written by hand, and the update is
manual SGD under ``no_grad``. Only torch names are used, so the script runs
unchanged with ``import torch as ember``.

Run it with ``python -m ember.examples.synthetic [--steps N] [--seed S]``.
"""
import argparse
import math
import time

import ember

# Radii splitting a 2-D standard normal into three equal parts:
# P(|x|^2 <= r2) = 1 - exp(-r2 / 2) = 1/3 and 2/3.
R2_INNER = 2 * math.log(3 / 2)
R2_OUTER = 2 * math.log(3)


def make_rings(n):
    """``n`` points in 2-D and their ring label in {0, 1, 2} (int64)."""
    x = ember.randn(n, 2)
    r2 = (x * x).sum(dim=1)
    y = (r2 > R2_INNER).long() + (r2 > R2_OUTER).long()
    return x, y


def leaf(*shape, scale):
    """A weight leaf tensor: standard normal times ``scale``, requiring grad."""
    w = ember.randn(*shape, requires_grad=True)
    with ember.no_grad():
        w *= scale
    return w


def forward(params, x):
    w1, b1, w2, b2 = params
    return (x @ w1 + b1).relu() @ w2 + b2


def cross_entropy(logits, y):
    log_probs = logits - logits.logsumexp(dim=1, keepdim=True)
    return -log_probs.gather(1, y.unsqueeze(1)).mean()


def accuracy(logits, y):
    return (logits.argmax(dim=1) == y).float().mean().item()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--n-train", type=int, default=2048)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log-every", type=int, default=100)
    args = parser.parse_args(argv)

    ember.manual_seed(args.seed)
    x_train, y_train = make_rings(args.n_train)
    x_test, y_test = make_rings(1024)

    # He-style scaling for the ReLU layer, small output layer.
    params = [
        leaf(2, args.hidden, scale=math.sqrt(2 / 2)),
        ember.zeros(args.hidden, requires_grad=True),
        leaf(args.hidden, 3, scale=math.sqrt(1 / args.hidden)),
        ember.zeros(3, requires_grad=True),
    ]

    print(f"3-ring classification: {args.n_train} train / 1024 test points, "
          f"MLP 2-{args.hidden}-3, full-batch SGD lr={args.lr}")
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        logits = forward(params, x_train)
        loss = cross_entropy(logits, y_train)
        loss.backward()
        with ember.no_grad():
            for p in params:
                p -= args.lr * p.grad
                p.grad = None
        if step == 1 or step % args.log_every == 0:
            print(f"step {step:5d}  loss {loss.item():.4f}  "
                  f"train acc {accuracy(logits, y_train):.3f}")

    with ember.no_grad():
        train_acc = accuracy(forward(params, x_train), y_train)
        test_acc = accuracy(forward(params, x_test), y_test)
    print(f"final: train acc {train_acc:.3f}  test acc {test_acc:.3f}  "
          f"({time.perf_counter() - start:.1f} s)")
    return test_acc


if __name__ == "__main__":
    main()
