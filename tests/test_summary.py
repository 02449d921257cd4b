"""ember.utils.summary: the torchinfo-style table for known models (rows, shapes, exact parameter totals)."""
import pytest

import ember
import ember.nn as nn
from ember.utils import summary
from helpers import requires_torch, torch


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                                      nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 10))

    def forward(self, x):
        return self.head(self.features(x))


# by hand: conv 1*6*25+6, conv 6*16*25+16, BN 16+16, fc 400*120+120, fc 120*10+10
LENET_PARAMS = (150 + 6) + (2400 + 16) + 32 + (48000 + 120) + (1200 + 10)


def test_lenet_table(capsys):
    model = LeNet()
    stats = summary(model, input_size=(4, 1, 28, 28))
    printed = capsys.readouterr().out
    assert printed.strip() == str(stats).strip()
    assert stats.total_params == LENET_PARAMS == 51934
    assert stats.trainable_params == LENET_PARAMS and stats.non_trainable_params == 0
    rows = {r.name: r for r in stats.summary_list}
    assert rows["features.0"].output_shape == [4, 6, 28, 28] and rows["features.0"].num_params == 156
    assert rows["features.6"].output_shape == [4, 16, 5, 5]
    assert rows["head.3"].output_shape == [4, 10] and rows["head.3"].num_params == 1210
    assert rows[""].class_name == "LeNet" and rows[""].output_shape == [4, 10]
    assert [r.name for r in stats.summary_list][:3] == ["", "features", "features.0"]  # call order
    lines = str(stats).splitlines()
    assert lines[1].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#"]
    bn = [line for line in lines if line.startswith("│    └─features.4 (BatchNorm2d)")]
    assert len(bn) == 1 and bn[0].split()[-5:] == ["[4,", "16,", "10,", "10]", "32"]
    assert "Total params: 51,934" in lines and "Trainable params: 51,934" in lines
    assert "Non-trainable params: 0" in lines
    assert f"Params size (MB): {LENET_PARAMS * 4 / 1e6:.2f}" in lines
    assert f"Input size (MB): {4 * 28 * 28 * 4 / 1e6:.2f}" in lines
    # activations of every leaf layer, forward + backward
    leaf_elems = 4 * (6 * 28 * 28 * 2 + 6 * 14 * 14 + 16 * 10 * 10 * 3 + 16 * 5 * 5 + 400 + 120 * 2 + 10)
    assert stats.total_output_bytes == 2 * 4 * leaf_elems


@requires_torch
def test_totals_match_torch_parameter_count():
    t = torch.nn.Sequential(torch.nn.Conv2d(1, 6, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                            torch.nn.Conv2d(6, 16, 5), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
                            torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(400, 120), torch.nn.ReLU(),
                            torch.nn.Linear(120, 10))
    assert sum(p.numel() for p in t.parameters()) == summary(LeNet(), input_size=(1, 1, 28, 28),
                                                             verbose=0).total_params
    lstm = torch.nn.LSTM(10, 20, num_layers=2, bidirectional=True)
    stats = summary(ember.nn.LSTM(10, 20, num_layers=2, bidirectional=True), input_size=(5, 3, 10), verbose=0)
    assert stats.total_params == sum(p.numel() for p in lstm.parameters())
    assert stats.summary_list[0].output_shape == [5, 3, 40]


def test_depth_rolls_up_and_frozen_params_and_modes():
    model = LeNet()
    for p in model.features.parameters():
        p.requires_grad_(False)
    model.head.train()
    model.features.eval()
    running = model.features[4].running_mean.clone()
    stats = summary(model, input_data=ember.randn(2, 1, 28, 28), depth=1, verbose=0)
    assert [r.name for r in stats.summary_list] == ["", "features", "head"]
    assert [r.num_params for r in stats.summary_list] == [0, 156 + 2416 + 32, 48120 + 1210]
    assert stats.non_trainable_params == 156 + 2416 + 32 and stats.trainable_params == 48120 + 1210
    assert model.training and model.head.training and not model.features.training  # modes restored
    assert ember.equal(model.features[4].running_mean, running)  # ran in eval mode
    assert not model._forward_hooks and not model.features[0]._forward_pre_hooks  # hooks removed


def test_shared_module_is_recursive_and_inputs():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(50, 8)
            self.lin = nn.Linear(8, 8)

        def forward(self, ids, scale=1.0):
            return self.lin(self.lin(self.emb(ids))) * scale

    stats = summary(Twice(), input_size=(2, 7), dtypes=[ember.long], verbose=0)
    names = [(r.name, r.is_recursive, r.num_params) for r in stats.summary_list]
    assert names == [("", False, 0), ("emb", False, 400), ("lin", False, 72), ("lin", True, 0)]
    assert "(recursive)" in str(stats) and stats.total_params == 472
    stats = summary(Twice(), input_data={"ids": ember.zeros(3, 4, dtype=ember.long), "scale": 2.0}, verbose=0)
    assert stats.summary_list[0].output_shape == [3, 4, 8]


def test_errors():
    with pytest.raises(ValueError, match="exactly one of input_size or input_data"):
        summary(LeNet())
    with pytest.raises(RuntimeError, match=r"forward pass failed.*features.0"):
        summary(LeNet(), input_size=(1, 1, 20, 20), verbose=0)
