"""softplus as a custom torch.autograd.Function, right and wrong."""

import torch


class Softplus(torch.autograd.Function):
    """log(1 + e^x), computed stably; its derivative is sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.logaddexp(x, torch.zeros_like(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * torch.sigmoid(x)


class WrongSoftplus(Softplus):
    """The same forward; the backward forgets that sigmoid(x) = 1 / (1 + e^-x) and uses
    1 / (1 + e^x), sigmoid(-x): right at 0, wrong everywhere else."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * torch.sigmoid(-x)


def softplus(x):
    return Softplus.apply(x)


def wrong_softplus(x):
    return WrongSoftplus.apply(x)
