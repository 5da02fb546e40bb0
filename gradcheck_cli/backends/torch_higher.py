"""Forward mode and second order for the torch session, by torch's own machinery.

`jvp` runs the session's forward on dual tensors (`torch.autograd.forward_ad`): the
tangent of the value before reduction. `hvp` differentiates the reduced cost twice with
`torch.autograd.grad`, the first with `create_graph=True`, the second of the gradients
against the tangent (`grad_outputs`). Neither writes a derivative or touches the session's
params: the forward they run is the one `evaluate` runs (`TorchSession._value`), given
fresh tensors for the differentiated params.

What torch cannot do is a skip, in torch's own words: an op (or the user's
autograd.Function without a `jvp`) with no forward-mode formula raises NotImplementedError.
Everything else torch raises propagates, as in `evaluate`: under `reduce: native` a
non-scalar cost is torch refusing the implicit gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch
import torch.autograd.forward_ad as fwad

from ..errors import BackendSkip

Forward = Callable[[dict[str, torch.Tensor]], torch.Tensor]  # wrt tensors -> a tensor


def _tangents(primals: Mapping[str, torch.Tensor], tangent: Mapping[str, np.ndarray]) -> dict:
    return {k: torch.as_tensor(np.asarray(tangent[k]), dtype=p.dtype) for k, p in primals.items()}


def _numpy(t: torch.Tensor) -> np.ndarray:
    # force: torch's double backward may give a ZeroTensor (abs, norm), which has no data
    return t.detach().cpu().numpy(force=True).copy()


def jvp(value_of: Forward, primals: Mapping[str, torch.Tensor], tangent: Mapping) -> np.ndarray:
    """d value . tangent, by forward-mode AD through `value_of` (wrt tensors -> value)."""
    tangents = _tangents(primals, tangent)
    try:
        with fwad.dual_level():
            duals = {k: fwad.make_dual(p.detach(), tangents[k]) for k, p in primals.items()}
            primal, dual = fwad.unpack_dual(value_of(duals))
    except NotImplementedError as exc:  # no forward-mode formula: torch's own message
        raise BackendSkip(f"torch forward-mode AD: {exc}") from exc
    if dual is None:  # the value does not depend on the differentiated params
        return _zeros(primal)
    return _numpy(dual)


def _zeros(like: torch.Tensor) -> np.ndarray:
    """Zeros of `like`'s shape; an integer or bool `like` (a cost of integers) gets the
    default dtype, which the session sets to the case dtype."""
    exact = like.dtype.is_floating_point or like.dtype.is_complex
    return _numpy(torch.zeros(like.shape, dtype=like.dtype if exact else None))


def hvp(target_of: Forward, primals: Mapping[str, torch.Tensor], tangent: Mapping) -> dict:
    """H . tangent of the reduced cost `target_of` (wrt tensors -> what evaluate
    differentiates): the gradient with its graph, then the gradient of <grad, tangent>."""
    tangents = _tangents(primals, tangent)
    leaves = {k: p.detach().clone().requires_grad_(True) for k, p in primals.items()}
    names = list(leaves)
    target = target_of(leaves)
    zeros = {k: _zeros(p) for k, p in leaves.items()}
    if not target.requires_grad and target.numel() == 1:
        return zeros  # the cost reaches no differentiated param (evaluate: zero gradients)
    # a non-scalar target (reduce: native) goes to torch as is: torch refuses it
    grads = torch.autograd.grad(
        target, [leaves[k] for k in names], create_graph=True, allow_unused=True
    )
    # a gradient without a graph (None, or constant in the params) has no second derivative
    live = [(k, g) for k, g in zip(names, grads, strict=True) if g is not None and g.requires_grad]
    if not live:
        return zeros
    try:
        second = torch.autograd.grad(
            [g for _, g in live],
            [leaves[k] for k in names],
            grad_outputs=[tangents[k].to(g.dtype) for k, g in live],
            allow_unused=True,
        )
    except RuntimeError as exc:  # NotImplementedError is one: a backward with no derivative
        if not isinstance(exc, NotImplementedError) and "once_differentiable" not in str(exc):
            raise
        raise BackendSkip(f"torch second-order autograd: {exc}") from exc
    return {k: zeros[k] if h is None else _numpy(h) for k, h in zip(names, second, strict=True)}
