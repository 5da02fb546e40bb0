"""The torch repro script: the case as PyTorch code, differentiated by autograd, stepped by
torch.optim, with the functions the torch backend uses (gradcheck_cli/backends/
torch_backend.py): `torch.amax`, `torch.clamp`, `torch.linalg.norm`; a negative slice step
through `torch.flip`. This module writes text; it does not import torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..case import Case
from .expr import (
    ATOM,
    COMPARE,
    SUM,
    TERM,
    Arg,
    Expr,
    Site,
    Template,
    binary,
    call,
    fit,
    from_spec,
    negative,
    nested,
    normalized,
    py,
    wrap,
)
from .program import describe, header, hyperparameters, reached, render
from .torch_index import getitem

FRAMEWORK = "torch"
OPTIMIZERS = {
    "sgd": "SGD",
    "adam": "Adam",
    "adamw": "AdamW",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
}


def problem(case: Case) -> str | None:
    return None  # the torch backend runs every case


# ---- helpers ------------------------------------------------------------------------------


def tensor(arg: Arg) -> str:
    """A literal as a tensor (in torch's default dtype, set to the case dtype), for the
    functions that take no Python number."""
    return f"torch.tensor({arg.text})" if arg.literal else arg.text


def to(arg: Arg, dtype: Any) -> Expr:
    """The argument in `dtype`, for the functions that do not promote (matmul, cat...)."""
    if arg.literal:
        return Expr(f"torch.tensor({arg.text}, dtype=torch.{dtype})")
    if arg.dtype == dtype:
        return arg.expr
    return Expr(f"{wrap(arg.expr, ATOM)}.to(torch.{dtype})")


def floating(arg: Arg, site: Site) -> str:
    if arg.literal or arg.kind == "f":
        return tensor(arg)
    return f"{wrap(arg.expr, ATOM)}.to(torch.{site.dtype})"


def _dims(site: Site, ndim: int, name: str = "dim") -> dict[str, Any]:
    """NumPy's axis and keepdims as torch's dim and keepdim."""
    attrs, out = site.attrs, {}
    if attrs.get("axis") is not None:
        out[name] = attrs["axis"]
    if attrs.get("keepdims"):
        out["keepdim"] = True
    return out


def _unary(fn: str) -> Template:
    return lambda site, args: call(fn, tensor(args[0]))


def _function(fn: str) -> Template:
    """A function that does not promote (the backend's `_common`): arrays in the result's
    dtype first."""
    return lambda site, args: call(
        fn, *(tensor(a) if a.literal else to(a, site.out.dtype).text for a in args)
    )


def _arith(symbol: str, prec: int) -> Template:
    """An operator, a bool operand meeting a number first in the result's dtype (the
    backend's `_arith`: torch refuses a bool in `-` and in the derivative of `**`)."""
    operator = binary(symbol, prec)

    def template(site: Site, args: list[Arg]) -> Expr:
        dtype = site.out.dtype
        if dtype.kind == "b" or not any(a.kind == "b" for a in args):
            return operator(site, args)
        unbooled = [
            (Arg(Expr(str(int(a.value))), int(a.value), True) if a.literal else _cast(a, dtype))
            if a.kind == "b"
            else a
            for a in args
        ]
        return operator(site, unbooled)

    return template


def _cast(arg: Arg, dtype: Any) -> Arg:
    return Arg(to(arg, dtype), np.asarray(arg.value).astype(dtype), arg.literal)


def _on_bools(template: Template) -> Template:
    """Where every operand is bool, which some torch kernels refuse: in int64, the result
    in NumPy's dtype (the backend's `_on_bools`)."""

    def on_bools(site: Site, args: list[Arg]) -> Expr:
        arrays = [a for a in args if not a.literal]
        given = [a for a in args if a.literal and a.value is not None]
        if any(a.kind != "b" for a in arrays) or any(type(a.value) is not bool for a in given):
            return template(site, args)
        ints = [a if a.literal and a.value is None else _cast(a, np.dtype("int64")) for a in args]
        inner = template(Site(site.eqn, site.out.astype("int64"), site.dtype), ints)
        return Expr(f"{wrap(inner, ATOM)}.to(torch.{site.out.dtype})")

    return on_bools


def _relu(site: Site, args: list[Arg]) -> Expr:
    (x,) = args
    return call("torch.relu", to(x, "int64").text if x.kind == "b" else tensor(x))


def _compare(symbol: str) -> Template:
    operator = binary(symbol, COMPARE)
    return lambda site, args: operator(site, args)


# ---- templates ----------------------------------------------------------------------------


def _where(site: Site, args: list[Arg]) -> Expr:
    condition, x, y = args
    c = condition.text if condition.kind == "b" else f"{wrap(condition.expr, COMPARE + 1)} != 0"
    return call("torch.where", c, x.text, y.text)


def _clip(site: Site, args: list[Arg]) -> Expr:
    a, lo, hi = args
    bounds = {k: b for k, b in (("min", lo), ("max", hi)) if not (b.literal and b.value is None)}
    if not bounds:
        return a.expr
    as_tensor = any(not b.literal for b in bounds.values())  # clamp takes both alike
    dtype = site.out.dtype
    parts = [f"{k}={to(b, dtype).text if as_tensor else b.text}" for k, b in bounds.items()]
    return call("torch.clamp", tensor(a), *parts)


def _reduction(fn: str, floats: bool = False) -> Template:
    def template(site: Site, args: list[Arg]) -> Expr:
        (a,) = args
        x = floating(a, site) if floats else tensor(a)
        if site.attrs.get("axis") == ():  # NumPy reduces no axis: a new one of size 1
            return call(fn, f"{wrap(a.expr, ATOM)}.unsqueeze(-1)", dim=-1)
        return call(fn, x, **_dims(site, a.ndim))

    return template


def _prod(site: Site, args: list[Arg]) -> Expr:
    (a,) = args
    axis, keep = site.attrs.get("axis"), {"keepdim": True} if site.attrs.get("keepdims") else {}
    if axis is None:
        return call("torch.prod", tensor(a))
    expr = a.expr
    for d in reversed(normalized(axis, a.ndim)):  # one dim at a time, the highest first
        expr = call("torch.prod", expr.text, dim=d, **keep)
    return expr


def _logsumexp(site: Site, args: list[Arg]) -> Expr:
    (a,) = args
    dims = normalized(site.attrs.get("axis"), a.ndim)
    dim = dims[0] if len(dims) == 1 else tuple(dims)
    keep = {"keepdim": True} if site.attrs.get("keepdims") else {}
    return call("torch.logsumexp", floating(a, site), dim=dim, **keep)


def _arg(fn: str) -> Template:
    def template(site: Site, args: list[Arg]) -> Expr:
        axis, keep = site.attrs.get("axis"), site.attrs.get("keepdims")
        kwargs = {"dim": axis} if axis is not None or keep else {}
        a = (
            to(args[0], "uint8").text if args[0].kind == "b" else tensor(args[0])
        )  # torch refuses bool
        return call(fn, a, **kwargs, **({"keepdim": True} if keep else {}))

    return template


def _norm(site: Site, args: list[Arg]) -> Expr:
    changed = site.changed()
    kwargs = {{"axis": "dim", "keepdims": "keepdim"}.get(k, k): v for k, v in changed.items()}
    return call("torch.linalg.norm", floating(args[0], site), **kwargs)


def _softmax(fn: str, log: bool) -> Template:
    def template(site: Site, args: list[Arg]) -> Expr:
        (x,) = args
        axis = site.attrs.get("axis", -1)
        if isinstance(axis, tuple) and len(axis) == 1:
            axis = axis[0]
        if isinstance(axis, int):
            return call(fn, floating(x, site), dim=axis)
        # torch's softmax takes one dim: over several, written with logsumexp
        lse = call("torch.logsumexp", x.text, dim=tuple(normalized(axis, x.ndim)), keepdim=True)
        shifted = Expr(f"{wrap(x.expr, SUM)} - {lse.text}", SUM)
        return shifted if log else call("torch.exp", shifted.text)

    return template


def _cumsum(site: Site, args: list[Arg]) -> Expr:
    (a,) = args
    axis = site.attrs.get("axis")
    if axis is None or np.ndim(a.value) == 0:  # NumPy flattens first (a 0-d array too)
        return call("torch.cumsum", f"{wrap(a.expr, ATOM)}.reshape(-1)", dim=0)
    return call("torch.cumsum", a.text, dim=axis)


def _matmul(site: Site, args: list[Arg]) -> Expr:
    x, y = (to(a, site.out.dtype) for a in args)
    return Expr(f"{wrap(x, TERM)} @ {wrap(y, TERM + 1)}", TERM)


def _dot(site: Site, args: list[Arg]) -> Expr:
    a, b = (to(x, site.out.dtype).text for x in args)
    if args[0].ndim == 0 or args[1].ndim == 0:
        return call("torch.mul", a, b)
    if args[0].ndim == 1 and args[1].ndim == 1:
        return call("torch.dot", a, b)
    if args[1].ndim <= 2:
        return call("torch.matmul", a, b)
    dims = ([args[0].ndim - 1], [args[1].ndim - 2])
    return call("torch.tensordot", a, b, dims=dims)


def _outer(site: Site, args: list[Arg]) -> Expr:
    items = [to(a, site.out.dtype) for a in args]
    parts = [
        i.text if a.ndim == 1 else f"{wrap(i, ATOM)}.reshape(-1)"
        for i, a in zip(items, args, strict=True)
    ]
    return call("torch.outer", *parts)


def _transpose(site: Site, args: list[Arg]) -> Expr:
    (a,) = args
    axes = site.attrs.get("axes")
    if a.ndim == 2 and axes in (None, (1, 0), (-1, -2), (1, -2), (-1, 0)):
        return Expr(f"{wrap(a.expr, ATOM)}.T")
    perm = tuple(reversed(range(a.ndim))) if axes is None else tuple(axes)
    return Expr(f"{wrap(a.expr, ATOM)}.permute{py(perm) if len(perm) != 1 else f'({perm[0]})'}")


def _reshape(site: Site, args: list[Arg]) -> Expr:
    shape = site.attrs["shape"]
    sizes = ", ".join(map(str, shape)) if isinstance(shape, (tuple, list)) else str(shape)
    return Expr(f"{wrap(args[0].expr, ATOM)}.reshape({sizes})")


def _expand_dims(site: Site, args: list[Arg]) -> Expr:
    (a,) = args
    axis = site.attrs["axis"]
    count = 1 if isinstance(axis, int) else len(axis)
    text = wrap(a.expr, ATOM)
    for d in normalized(axis, a.ndim + count):  # ascending: each lands where NumPy puts it
        text += f".unsqueeze({d})"
    return Expr(text)


def _squeeze(site: Site, args: list[Arg]) -> Expr:
    axis = site.attrs.get("axis")
    return Expr(f"{wrap(args[0].expr, ATOM)}.squeeze({'' if axis is None else py(axis)})")


def _flip(site: Site, args: list[Arg]) -> Expr:
    (m,) = args
    return call("torch.flip", m.text, dims=tuple(normalized(site.attrs.get("axis"), m.ndim)))


def _joined(fn: str) -> Template:
    def template(site: Site, args: list[Arg]) -> Expr:
        axis = site.attrs.get("axis", 0)
        items = [to(a, site.out.dtype) for a in args]
        if axis is None:  # NumPy flattens every array first
            return call(fn, "[" + ", ".join(f"{wrap(i, ATOM)}.reshape(-1)" for i in items) + "]")
        return call(fn, "[" + ", ".join(i.text for i in items) + "]", dim=axis)

    return template


TEMPLATES: dict[str, Template] = {
    "add": _arith("+", SUM),
    "subtract": _arith("-", SUM),
    "multiply": _arith("*", TERM),
    "divide": _arith("/", TERM),
    "power": _on_bools(_arith("**", 15)),
    "arctan2": _function("torch.atan2"),
    "maximum": _function("torch.maximum"),
    "minimum": _function("torch.minimum"),
    "less": _compare("<"),
    "less_equal": _compare("<="),
    "greater": _compare(">"),
    "greater_equal": _compare(">="),
    "equal": _compare("=="),
    "not_equal": _compare("!="),
    "negative": negative,
    "exp": _unary("torch.exp"),
    "log": _unary("torch.log"),
    "log1p": _unary("torch.log1p"),
    "expm1": _unary("torch.expm1"),
    "sqrt": _unary("torch.sqrt"),
    "square": _unary("torch.square"),
    "abs": _on_bools(_unary("torch.abs")),
    "sign": _unary("torch.sign"),
    "sin": _unary("torch.sin"),
    "cos": _unary("torch.cos"),
    "tan": _unary("torch.tan"),
    "arcsin": _unary("torch.asin"),
    "arccos": _unary("torch.acos"),
    "arctan": _unary("torch.atan"),
    "sinh": _unary("torch.sinh"),
    "cosh": _unary("torch.cosh"),
    "tanh": _unary("torch.tanh"),
    "sigmoid": _unary("torch.sigmoid"),
    "relu": _relu,
    "softplus": lambda site, args: call("torch.nn.functional.softplus", floating(args[0], site)),
    "where": _where,
    "clip": _on_bools(_clip),
    "sum": _reduction("torch.sum"),
    "mean": _reduction("torch.mean", floats=True),
    "prod": _prod,
    "max": _reduction("torch.amax"),
    "min": _reduction("torch.amin"),
    "argmax": _arg("torch.argmax"),
    "argmin": _arg("torch.argmin"),
    "logsumexp": _logsumexp,
    "norm": _norm,
    "softmax": _softmax("torch.softmax", log=False),
    "log_softmax": _softmax("torch.log_softmax", log=True),
    "cumsum": _cumsum,
    "matmul": _on_bools(_matmul),
    "dot": _on_bools(_dot),
    "outer": _outer,
    "transpose": _transpose,
    "reshape": _reshape,
    "expand_dims": _expand_dims,
    "squeeze": _squeeze,
    "flip": _flip,
    "concatenate": _joined("torch.cat"),
    "stack": _joined("torch.stack"),
    "getitem": getitem,
}


# ---- the script ---------------------------------------------------------------------------


def _define(name: str, case: Case, array: Any, spec: Any, grad: bool) -> str:
    data = from_spec(array, spec) or nested(array)
    dtype = array.dtype.name
    extra = ", requires_grad=True" if grad else ""
    return f"{name} = torch.tensor({data}, dtype=torch.{dtype}{extra})"


def _optimizer(case: Case, hp: dict[str, Any], params: str) -> str:
    args = [params, *(f"{k}={py(v)}" for k, v in hp.items())]
    return fit(f"optimizer = torch.optim.{OPTIMIZERS[case.optimizer.name]}(", args)


def _differentiate(case: Case, cost: str, reach: tuple[str, ...]) -> tuple[list[str], str]:
    """The reduce, torch's way, and the backward pass; and what is differentiated."""
    if case.reduce in ("sum", "mean"):
        lines, loss = [f"loss = {cost}.{case.reduce}()  # reduce: {case.reduce}"], "loss"
    else:
        lines, loss = [], cost
    note = {
        "native": "  # reduce: native: torch's own rule for a non-scalar cost",
        "none": "  # reduce: none: the cost is a scalar",
    }.get(case.reduce, "")
    if reach or case.reduce == "native":
        lines.append(f"{wrap(Expr(loss), ATOM)}.backward(){note}")
    return lines, loss


def _grad_lines(case: Case, names: dict[str, str], reach: tuple[str, ...]) -> list[str]:
    lines = []
    for p in case.wrt:
        n = names[p]
        if p in reach:
            lines.append(f'print("grad {p}:", {n}.grad.tolist())')
        else:
            lines.append(
                f'print("grad {p}:", torch.zeros_like({n}).tolist())  # no path to the cost'
            )
    return lines


def script(case: Case, specs: dict[str, Any]) -> str:
    body = render(case, TEMPLATES, lambda v: f"torch.tensor({py(v)})")
    names, reach = body.names, reached(case)
    lines = header(case, "torch", describe(case)) + ["import torch"]
    if any(s is not None and from_spec(a, s) for a, s in _arrays(case, specs)):
        lines.append("import numpy as np")
    lines.append("")
    if case.dtype == "float64":
        lines.append("torch.set_default_dtype(torch.float64)  # the case dtype, for literals")
    lines.append('print("torch", torch.__version__)')
    for name, array in {**case.params, **case.inputs}.items():
        grad = name in case.wrt
        lines.append(_define(names[name], case, array, specs.get(name), grad))
    program = body.lines
    step, loss = _differentiate(case, body.cost, reach)
    value = f'print("value:", {body.cost}.tolist())'
    grads = _grad_lines(case, names, reach)
    if case.optimizer is None:
        return "\n".join([*lines, "", *program, value, *step, *grads]) + "\n"
    params = "[" + ", ".join(names[p] for p in case.wrt) + "]"
    lines += [_optimizer(case, hyperparameters(case), params), "", "costs = []"]
    lines.append(f"for step in range({case.steps}):")
    loop = ["optimizer.zero_grad()", *program, "if step == 0:", f"    {value}", *step]
    loop += [f"costs.append({loss}.item())", "if step == 0:", *(f"    {g}" for g in grads)]
    loop.append("optimizer.step()")
    lines += [f"    {line}" for line in loop]
    lines += [f'print("params {p}:", {names[p]}.tolist())' for p in case.wrt]
    lines.append('print("costs:", costs)')
    return "\n".join(lines) + "\n"


def _arrays(case: Case, specs: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(a, specs.get(n)) for n, a in {**case.params, **case.inputs}.items()]
