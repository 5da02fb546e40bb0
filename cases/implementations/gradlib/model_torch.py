"""A one-hidden-layer tanh model's squared error, in torch: the original of a port."""

import torch


def mlp_error(W1, b1, W2, x, y):
    hidden = torch.tanh(x @ W1 + b1)
    return (hidden @ W2 - y) ** 2
