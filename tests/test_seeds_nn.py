"""The seed documents' nn examples (layers and blocks, parameter management, custom layers), run as written with
`import ember as torch`, asserting what the documents show."""
from collections import OrderedDict

import numpy as np
import pytest

import ember as torch
from ember import nn
from ember.nn import functional as F

RGNET_REPR = """Sequential(
  (0): Sequential(
    (block0): Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=4, bias=True)
      (3): ReLU()
    )
    (block1): Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=4, bias=True)
      (3): ReLU()
    )
    (block2): Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=4, bias=True)
      (3): ReLU()
    )
    (block3): Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=4, bias=True)
      (3): ReLU()
    )
  )
  (1): Linear(in_features=4, out_features=1, bias=True)
)"""


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(20, 256)
        self.out = nn.Linear(256, 10)

    def forward(self, X):
        return self.out(F.relu(self.hidden(X)))


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        for block in args:
            self._modules[block] = block  # the seed keys _modules by the module itself

    def forward(self, X):
        for block in self._modules.values():
            X = block(X)
        return X


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.rand_weight = torch.rand((20, 20), requires_grad=False)
        self.Linear = nn.Linear(20, 20)

    def forward(self, X):
        X = self.Linear(X)
        X = F.relu(torch.mm(X, self.rand_weight) + 1)
        X = self.Linear(X)
        while X.abs().sum() > 1:
            X /= 2
        return X.sum()


class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
        self.linear = nn.Linear(32, 16)

    def forward(self, X):
        return self.linear(self.net(X))


def test_blocks():
    X = torch.rand(2, 20)
    net = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    y = net(X)
    assert y.shape == (2, 10) and y.grad_fn.name() == "AddmmBackward0" and "grad_fn=<AddmmBackward0>" in repr(y)
    assert MLP()(X).shape == (2, 10)
    seq = MySequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    assert seq(X).shape == (2, 10)
    out = FixedHiddenMLP()(X)
    assert out.shape == () and out.grad_fn.name() == "SumBackward0" and abs(out.item()) <= 1
    chimera = nn.Sequential(NestMLP(), nn.Linear(16, 20), FixedHiddenMLP())
    assert chimera(X).shape == ()


def test_parameter_access():
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    X = torch.rand(size=(2, 4))
    assert net(X).shape == (2, 1)
    sd = net[2].state_dict()
    assert isinstance(sd, OrderedDict) and list(sd) == ["weight", "bias"]
    assert repr(sd).startswith("OrderedDict([('weight', tensor([[")
    assert type(net[2].bias) is nn.Parameter
    assert repr(net[2].bias).startswith("Parameter containing:\ntensor([") and "requires_grad=True" in repr(
        net[2].bias)
    assert "requires_grad" not in repr(net[2].bias.data)
    assert net[2].weight.grad is None
    assert [(n, tuple(p.shape)) for n, p in net[0].named_parameters()] == [("weight", (8, 4)), ("bias", (8,))]
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert repr(net[0].weight.shape) == "ember.Size([8, 4])"


def test_nested_blocks_repr():
    def block1():
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU())

    def block2():
        net = nn.Sequential()
        for i in range(4):
            net.add_module(f"block{i}", block1())
        return net

    rgnet = nn.Sequential(block2(), nn.Linear(4, 1))
    assert rgnet(torch.rand(2, 4)).shape == (2, 1)
    assert repr(rgnet) == RGNET_REPR
    assert rgnet[0][1][0].bias.shape == (8,)


def test_init_via_apply():
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))

    def init_normal(m):
        if type(m) == nn.Linear:  # noqa: E721 - as the seed writes it
            nn.init.normal_(m.weight, mean=0, std=0.01)
            nn.init.zeros_(m.bias)
    net.apply(init_normal)
    assert abs(float(net[0].weight.data.std())) < 0.05 and net[0].bias.data.tolist() == [0.0] * 8

    def init_constant(m):
        if type(m) == nn.Linear:  # noqa: E721
            nn.init.constant_(m.weight, 1)
            nn.init.zeros_(m.bias)
    net.apply(init_constant)
    assert net[0].weight.data.tolist() == [[1.0] * 4] * 8
    assert repr(net[0].bias) == "Parameter containing:\ntensor([0., 0., 0., 0., 0., 0., 0., 0.], requires_grad=True)"

    def xvaier(m):
        if type(m) == nn.Linear:  # noqa: E721
            nn.init.xavier_uniform_(m.weight)

    def init_42(m):
        if type(m) == nn.Linear:  # noqa: E721
            nn.init.constant_(m.weight, 42)
    net[0].apply(xvaier)
    net[2].apply(init_42)
    bound = np.sqrt(6 / (4 + 8))
    assert float(net[0].weight.data.abs().max()) <= bound
    assert repr(net[2].weight.data) == "tensor([[42., 42., 42., 42., 42., 42., 42., 42.]])"

    seen = []

    def my_init(m):
        if type(m) == nn.Linear:  # noqa: E721
            seen.append([(name, param.shape) for name, param in m.named_parameters()][0])
            nn.init.uniform_(m.weight, -10, 10)
            m.weight.data *= m.weight.data.abs() >= 5
    net.apply(my_init)
    assert [(n, tuple(s)) for n, s in seen] == [("weight", (8, 4)), ("weight", (1, 8))]
    w = net[0].weight.data.numpy()
    assert ((w == 0) | (np.abs(w) >= 5)).all()
    net[0].weight.data[:] += 1
    net[0].weight.data[0, 0] = 42
    assert net[0].weight.data[0, 0].item() == 42 and net[0].weight[0, 0].item() == 42


def test_tied_parameters():
    shared = nn.Linear(8, 8)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 1))
    net(torch.rand(2, 4))
    assert (net[2].weight.data[0] == net[4].weight.data[0]).tolist() == [True] * 8
    net[2].weight.data[0, 0] = 100
    assert (net[2].weight.data[0] == net[4].weight.data[0]).tolist() == [True] * 8
    assert net[4].weight.data[0, 0].item() == 100
    assert len(list(net.parameters())) == 6  # the shared layer counts once


def test_custom_layers():
    class CenteredLayer(nn.Module):
        def forward(self, X):
            return X - X.mean()

    layer = CenteredLayer()
    assert repr(layer(torch.FloatTensor([1, 2, 3, 4, 5]))) == "tensor([-2., -1.,  0.,  1.,  2.])"
    net = nn.Sequential(nn.Linear(8, 128), CenteredLayer())
    y = net(torch.rand(4, 8))
    assert abs(y.mean().item()) < 1e-6 and y.mean().grad_fn.name() == "MeanBackward0"

    class MyLinear(nn.Module):
        def __init__(self, in_units, units):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(in_units, units))
            self.bias = nn.Parameter(torch.randn(units,))

        def forward(self, X):
            linear = torch.matmul(X, self.weight.data) + self.bias.data
            return F.relu(linear)

    dense = MyLinear(5, 3)
    assert repr(dense.weight).startswith("Parameter containing:\ntensor([[") and dense.weight.shape == (5, 3)
    out = dense(torch.rand(2, 5))
    assert out.shape == (2, 3) and (out.numpy() >= 0).all() and out.grad_fn is None
    net = nn.Sequential(MyLinear(64, 8), MyLinear(8, 1))
    assert net(torch.rand(2, 64)).shape == (2, 1)


def test_transformer_seed():
    transformer_layer = torch.nn.Transformer(d_model=512, nhead=8, num_encoder_layers=6)
    assert len(transformer_layer.encoder.layers) == 6 and len(transformer_layer.decoder.layers) == 6
    src, tgt = torch.rand(10, 2, 512), torch.rand(7, 2, 512)
    assert transformer_layer(src, tgt).shape == (7, 2, 512)


@pytest.mark.parametrize("rnn", ["RNN", "LSTM", "GRU"])
def test_rnn_seed_shapes(rnn):
    m = getattr(nn, rnn)(10, 20, 2)
    x = torch.randn(5, 3, 10)
    out, h = m(x)
    assert out.shape == (5, 3, 20)
    assert (h[0] if rnn == "LSTM" else h).shape == (2, 3, 20)
