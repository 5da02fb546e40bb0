"""The tensorflow repro script: the case run eagerly by TensorFlow, differentiated by a
GradientTape, stepped by Keras 3's optimizers, with the functions of the tensorflow backend
(gradcheck_cli/backends/tf_backend.py): `tf.reduce_max`, `tf.clip_by_value`, `tf.norm`,
`tf.where` with its operands broadcast first, an integer list through `tf.gather`.
TensorFlow refuses mixed dtypes where NumPy promotes, so an integer or bool operand meeting
a float one is cast first (`tf.cast(n, tf.float32)`). This module writes text; it does not
import tensorflow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..case import Case
from ..ir import ArrayRef
from .expr import (
    ATOM,
    COMPARE,
    POWER,
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
    nested,
    normalized,
    py,
    wrap,
)
from .program import describe, header, hyperparameters, reached, render
from .tf_index import getitem

FRAMEWORK = "tensorflow"
NORM_ORDS = "'euclidean', 'fro', 1, 2, inf for matrices and any p > 0 for vectors"


def problem(case: Case) -> str | None:
    """What the tensorflow backend skips, with its reason."""
    for eqn in case.program.eqns:
        ord_ = eqn.attrs.get("ord")
        if eqn.op == "norm" and (ord_ == "nuc" or (isinstance(ord_, (int, float)) and ord_ <= 0)):
            return f"norm(ord={ord_!r}): tf.norm takes only {NORM_ORDS}"
        axis = eqn.attrs.get("axis", -1)
        if eqn.op in ("softmax", "log_softmax") and not (
            isinstance(axis, int) or (isinstance(axis, tuple) and len(axis) == 1)
        ):
            return f"{eqn.op}(axis={axis!r}): tf.nn.{eqn.op} takes a single axis"
    h = hyperparameters(case)
    if case.optimizer is not None and case.optimizer.name == "sgd":
        if h["dampening"] != 0:
            return f"Keras SGD has no dampening (dampening={h['dampening']!r})"
        if h["momentum"] > 1:
            return f"Keras SGD refuses momentum above 1 (momentum={h['momentum']!r})"
    return None


# ---- dtypes -------------------------------------------------------------------------------


def cast(arg: Arg, dtype: Any) -> Expr:
    """The argument in `dtype` (a literal as a constant of it)."""
    if arg.literal:
        return Expr(f"tf.constant({arg.text}, tf.{dtype})")
    if arg.dtype == dtype:
        return arg.expr
    return call("tf.cast", arg.text, f"tf.{dtype}")


def _target(args: list[Arg]) -> Any:
    """The dtype NumPy computes in (the backend's `_promote`): an integer or bool tensor
    meeting a float one takes its dtype; a Python literal is weak."""
    tensors = [a.dtype for a in args if not a.literal]
    kinds = [d for d in tensors if d.kind == "f"] or tensors
    return np.result_type(*kinds, *(a.value for a in args if a.literal))


def _promoted(args: list[Arg], target: Any) -> list[Expr]:
    """Each argument in `target`; a literal TensorFlow converts itself stays as written."""
    return [
        a.expr if a.literal and (a.kind == target.kind or target.kind == "f") else cast(a, target)
        for a in args
    ]


def _in_case_dtype(expr: Expr, target: Any, site: Site) -> Expr:
    """Integers alone that give a float (`n / 2`) give the case dtype, as in the backend."""
    if site.out.dtype.kind == "f" and target.kind == "f" and target != site.out.dtype:
        return call("tf.cast", expr.text, f"tf.{site.out.dtype}")
    return expr


def _real_target(args: list[Arg], real: bool) -> Any:
    """`_target`; for a function whose NumPy result is floating (`/`, arctan2), float64
    where no float is among the arguments (the backend's `_real`)."""
    target = _target(args)
    return np.dtype("float64") if real and target.kind != "f" else target


def _operator(symbol: str, prec: int, real: bool = False) -> Template:
    operator = binary(symbol, prec)

    def template(site: Site, args: list[Arg]) -> Expr:
        target = _real_target(args, real)
        exprs = _promoted(args, target)
        new = [Arg(e, a.value, a.literal) for e, a in zip(exprs, args, strict=True)]
        return _in_case_dtype(operator(site, new), target, site)

    return template


def _function(fn: str, real: bool = False) -> Template:
    def template(site: Site, args: list[Arg]) -> Expr:
        target = _real_target(args, real)
        expr = call(fn, *(e.text for e in _promoted(args, target)))
        return _in_case_dtype(expr, target, site)

    return template


def _on_bools(template: Template) -> Template:
    """Where every operand is bool, which TensorFlow's arithmetic refuses: in int32, the
    result cast to NumPy's dtype (the backend's `_on_bools`)."""

    def on_bools(site: Site, args: list[Arg]) -> Expr:
        arrays = [a for a in args if not a.literal]
        given = [a for a in args if a.literal and a.value is not None]
        if any(a.kind != "b" for a in arrays) or any(type(a.value) is not bool for a in given):
            return template(site, args)
        ints = [
            a
            if a.literal and a.value is None
            else Arg(Expr(str(int(a.value))), int(a.value), True)
            if a.literal
            else Arg(cast(a, "int32"), np.asarray(a.value).astype(np.int32), False)
            for a in args
        ]
        inner = template(Site(site.eqn, site.out.astype(np.int32), site.dtype), ints)
        return call("tf.cast", inner.text, f"tf.{site.out.dtype}")

    return on_bools


def _same(args: list[Arg], site: Site) -> list[Expr]:
    """The arguments promoted together (matmul, concat...)."""
    return _promoted(args, _target(args))


def _math(fn: str) -> Template:
    """A float function: an integer or literal argument becomes the case dtype first."""

    def template(site: Site, args: list[Arg]) -> Expr:
        (x,) = args
        text = x.text if not x.literal and x.kind == "f" else cast(x, site.out.dtype).text
        return call(fn, text, **site.changed())

    return template


# ---- templates ----------------------------------------------------------------------------


def _broadcast(expr: Expr, shape: tuple[int, ...], own: tuple[int, ...]) -> str:
    return expr.text if own == shape else call("tf.broadcast_to", expr.text, py(list(shape))).text


def _filled(arg: Arg, shape: tuple[int, ...], dtype: Any) -> str:
    """A literal as a tensor of `shape`: tf.zeros, tf.ones or tf.fill."""
    size = py(list(shape))
    if arg.value in (0, 1) and not isinstance(arg.value, bool):
        return f"tf.{'zeros' if arg.value == 0 else 'ones'}({size}, tf.{dtype})"
    return f"tf.fill({size}, {cast(arg, dtype).text})"


def _where(site: Site, args: list[Arg]) -> Expr:
    """tf.where with the operands broadcast to the result's shape first."""
    condition, x, y = args
    c = condition.expr if condition.kind == "b" else call("tf.cast", condition.text, "tf.bool")
    shape, dtype = site.out.shape, site.out.dtype
    parts = [_broadcast(c, shape, condition.shape)]
    for arg, expr in zip((x, y), _same([x, y], site), strict=True):
        if arg.literal and (arg.shape != shape or (x.literal and y.literal)):
            parts.append(_filled(arg, shape, dtype))
        else:
            parts.append(_broadcast(expr, shape, arg.shape))
    return call("tf.where", *parts)


def _clip(site: Site, args: list[Arg]) -> Expr:
    """tf.clip_by_value; a missing bound is the dtype's infinity."""
    a, lo, hi = args
    given = [b for b in (lo, hi) if not (b.literal and b.value is None)]
    if not given:
        return a.expr
    exprs = dict(zip([id(x) for x in (a, *given)], _same([a, *given], site), strict=True))
    low = exprs.get(id(lo), Expr('float("-inf")'))
    high = exprs.get(id(hi), Expr('float("inf")'))
    return call(
        "tf.clip_by_value", _broadcast(exprs[id(a)], site.out.shape, a.shape), low.text, high.text
    )


def _axis(site: Site) -> dict[str, Any]:
    axis, out = site.attrs.get("axis"), {}
    if axis is not None:
        out["axis"] = list(axis) if isinstance(axis, tuple) else axis
    if site.attrs.get("keepdims"):
        out["keepdims"] = True
    return out


def _reduce(fn: str, kind: str = "") -> Template:
    """`kind` "numeric": a bool becomes int64 (NumPy's sum); "floating": the case dtype."""

    def template(site: Site, args: list[Arg]) -> Expr:
        (a,) = args
        x = a.expr
        if kind == "numeric" and a.kind == "b":
            x = cast(a, "int64")
        elif a.literal or (kind == "floating" and a.kind != "f"):
            x = cast(a, site.out.dtype)
        return call(fn, x.text, **_axis(site))

    return template


def _arg(fn: str) -> Template:
    def template(site: Site, args: list[Arg]) -> Expr:
        (a,) = args
        axis, keep = site.attrs.get("axis"), site.attrs.get("keepdims")
        if axis is None:  # NumPy's: the index in the flattened array
            out = call(fn, call("tf.reshape", a.text, "[-1]").text, axis=0)
            return call("tf.reshape", out.text, py([1] * a.ndim)) if keep else out
        out = call(fn, a.text, axis=axis)
        return call("tf.expand_dims", out.text, str(axis)) if keep else out

    return template


def _norm(site: Site, args: list[Arg]) -> Expr:
    """numpy.linalg.norm as tf.norm: with ord and no axis, a vector or a matrix norm."""
    (x,) = args
    ord_, axis = site.attrs.get("ord"), site.attrs.get("axis")
    if axis is None and ord_ is not None:
        axis = 0 if x.ndim == 1 else (0, 1)
    if isinstance(axis, tuple):
        axis = axis[0] if len(axis) == 1 else list(axis)
    kwargs = {"ord": ord_} if ord_ is not None else {}
    kwargs.update({"axis": axis} if axis is not None else {})
    kwargs.update({"keepdims": True} if site.attrs.get("keepdims") else {})
    text = x.text if x.kind == "f" else cast(x, site.out.dtype).text
    return call("tf.norm", text, **kwargs)


def _softmax(fn: str) -> Template:
    def template(site: Site, args: list[Arg]) -> Expr:
        axis = site.attrs.get("axis", -1)
        axis = axis[0] if isinstance(axis, tuple) else axis
        (x,) = args
        text = x.text if x.kind == "f" else cast(x, site.out.dtype).text
        return call(fn, text, **({"axis": axis} if axis != -1 else {}))

    return template


def _cumsum(site: Site, args: list[Arg]) -> Expr:
    (a,) = args
    x = cast(a, "int64").text if a.kind == "b" else a.text
    if site.attrs.get("axis") is None:
        return call("tf.math.cumsum", call("tf.reshape", x, "[-1]").text)
    return call("tf.math.cumsum", x, axis=site.attrs["axis"])


def _matmul(site: Site, args: list[Arg]) -> Expr:
    """numpy.matmul: a 1-D operand is a row (left) or a column (right), then dropped."""
    a, b = _same(args, site)
    ra, rb = args[0].ndim, args[1].ndim
    if ra == 1 and rb == 1:
        return call("tf.tensordot", a.text, b.text, "1")
    if ra == 1:
        return call("tf.squeeze", f"{wrap(a, ATOM)}[None] @ {wrap(b, TERM + 1)}", "-2")
    if rb == 1:
        return call("tf.squeeze", f"{wrap(a, TERM)} @ {wrap(b, ATOM)}[:, None]", "-1")
    return Expr(f"{wrap(a, TERM)} @ {wrap(b, TERM + 1)}", TERM)


def _dot(site: Site, args: list[Arg]) -> Expr:
    a, b = _same(args, site)
    ra, rb = args[0].ndim, args[1].ndim
    if ra == 0 or rb == 0:
        return Expr(f"{wrap(a, TERM)} * {wrap(b, TERM + 1)}", TERM)
    if ra == 1 and rb == 1:
        return call("tf.tensordot", a.text, b.text, "1")
    return call("tf.tensordot", a.text, b.text, py([[ra - 1], [max(rb - 2, 0)]]))


def _outer(site: Site, args: list[Arg]) -> Expr:
    parts = [
        e.text if a.ndim == 1 else call("tf.reshape", e.text, "[-1]").text
        for e, a in zip(_same(args, site), args, strict=True)
    ]
    return call("tf.tensordot", *parts, axes=0)


def _transpose(site: Site, args: list[Arg]) -> Expr:
    (a,) = args
    axes = site.attrs.get("axes")
    if axes is None:
        return call("tf.transpose", a.text)
    return call("tf.transpose", a.text, perm=[d % a.ndim for d in axes])


def _reshape(site: Site, args: list[Arg]) -> Expr:
    shape = site.attrs["shape"]
    return call(
        "tf.reshape", args[0].text, py(list(shape) if isinstance(shape, tuple) else [shape])
    )


def _expand_dims(site: Site, args: list[Arg]) -> Expr:
    (a,) = args
    axis = site.attrs["axis"]
    expr = a.expr
    for d in normalized(axis, a.ndim + (1 if isinstance(axis, int) else len(axis))):
        expr = call("tf.expand_dims", expr.text, str(d))
    return expr


def _squeeze(site: Site, args: list[Arg]) -> Expr:
    axis = site.attrs.get("axis")
    if axis is None:
        return call("tf.squeeze", args[0].text)
    return call("tf.squeeze", args[0].text, axis=list(axis) if isinstance(axis, tuple) else axis)


def _flip(site: Site, args: list[Arg]) -> Expr:
    (m,) = args
    return call("tf.reverse", m.text, axis=normalized(site.attrs.get("axis"), m.ndim))


def _joined(fn: str) -> Template:
    def template(site: Site, args: list[Arg]) -> Expr:
        items = [e.text for e in _same(args, site)]
        axis = site.attrs.get("axis", 0)
        if axis is None:  # NumPy flattens every array first
            items, axis = [call("tf.reshape", i, "[-1]").text for i in items], 0
        return call(fn, "[" + ", ".join(items) + "]", axis=axis)

    return template


TEMPLATES: dict[str, Template] = {
    "add": _on_bools(_operator("+", SUM)),
    "subtract": _on_bools(_operator("-", SUM)),
    "multiply": _on_bools(_operator("*", TERM)),
    "divide": _operator("/", TERM, real=True),
    "power": _on_bools(_operator("**", POWER)),
    "arctan2": _function("tf.math.atan2", real=True),
    "maximum": _on_bools(_function("tf.maximum")),
    "minimum": _on_bools(_function("tf.minimum")),
    "less": _on_bools(_operator("<", COMPARE)),
    "less_equal": _on_bools(_operator("<=", COMPARE)),
    "greater": _on_bools(_operator(">", COMPARE)),
    "greater_equal": _on_bools(_operator(">=", COMPARE)),
    "equal": _function("tf.equal"),  # `==` on tensors is not elementwise in every version
    "not_equal": _function("tf.not_equal"),
    "negative": lambda site, args: Expr(f"-{wrap(args[0].expr, 14)}", 14),
    "exp": _math("tf.exp"),
    "log": _math("tf.math.log"),
    "log1p": _math("tf.math.log1p"),
    "expm1": _math("tf.math.expm1"),
    "sqrt": _math("tf.sqrt"),
    "square": _on_bools(_math("tf.square")),
    "abs": _on_bools(_math("tf.abs")),
    "sign": _math("tf.sign"),
    "sin": _math("tf.sin"),
    "cos": _math("tf.cos"),
    "tan": _math("tf.tan"),
    "arcsin": _math("tf.asin"),
    "arccos": _math("tf.acos"),
    "arctan": _math("tf.atan"),
    "sinh": _math("tf.sinh"),
    "cosh": _math("tf.cosh"),
    "tanh": _math("tf.tanh"),
    "sigmoid": _math("tf.sigmoid"),
    "relu": _math("tf.nn.relu"),
    "softplus": _math("tf.nn.softplus"),
    "where": _where,
    "clip": _on_bools(_clip),
    "sum": _reduce("tf.reduce_sum", "numeric"),
    "mean": _reduce("tf.reduce_mean", "floating"),
    "prod": _reduce("tf.reduce_prod", "numeric"),
    "max": _on_bools(_reduce("tf.reduce_max")),
    "min": _on_bools(_reduce("tf.reduce_min")),
    "argmax": _arg("tf.math.argmax"),
    "argmin": _arg("tf.math.argmin"),
    "logsumexp": _reduce("tf.reduce_logsumexp", "floating"),
    "norm": _norm,
    "softmax": _softmax("tf.nn.softmax"),
    "log_softmax": _softmax("tf.nn.log_softmax"),
    "cumsum": _cumsum,
    "matmul": _on_bools(_matmul),
    "dot": _on_bools(_dot),
    "outer": _on_bools(_outer),
    "transpose": _transpose,
    "reshape": _reshape,
    "expand_dims": _expand_dims,
    "squeeze": _squeeze,
    "flip": _flip,
    "concatenate": _joined("tf.concat"),
    "stack": _joined("tf.stack"),
    "getitem": getitem,
}


# ---- Keras 3 optimizers, as the contract maps torch.optim's hyperparameters ---------------

# (Keras class, torch.optim name -> Keras name): `betas` is two of Keras's arguments.
_KERAS = {
    "sgd": ("SGD", "lr momentum nesterov weight_decay"),
    "adam": ("Adam", "lr betas eps amsgrad weight_decay"),
    "adamw": ("AdamW", "lr betas eps amsgrad weight_decay"),
    "rmsprop": ("RMSprop", "lr alpha momentum eps centered"),
    "adagrad": ("Adagrad", "lr initial_accumulator_value eps"),
}
_NAMES = {"lr": "learning_rate", "alpha": "rho", "eps": "epsilon", "betas": ("beta_1", "beta_2")}


def _optimizer(case: Case) -> str:
    cls, keys = _KERAS[case.optimizer.name]
    h = hyperparameters(case)
    parts = []
    for key in keys.split():
        keras_name = _NAMES.get(key, key)
        if isinstance(keras_name, tuple):
            parts += [f"{n}={py(v)}" for n, v in zip(keras_name, h[key], strict=True)]
        else:
            parts.append(f"{keras_name}={py(h[key])}")
    return fit(f"optimizer = tf.keras.optimizers.{cls}(", parts)


# ---- the script ---------------------------------------------------------------------------


def _define(name: str, array: Any, spec: Any, variable: bool) -> str:
    data = from_spec(array, spec) or nested(array)
    return (
        f"{name} = tf.{'Variable' if variable else 'constant'}({data}, dtype=tf.{array.dtype.name})"
    )


def _tape(case: Case, body: Any, reach: tuple[str, ...]) -> tuple[list[str], str]:
    """The forward pass under a tape, the reduce, the gradient; and the recorded cost."""
    names, cost = body.names, body.cost
    reduce = {"sum": "tf.reduce_sum({})", "mean": "tf.reduce_mean({})"}.get(case.reduce)
    inner = list(body.lines)
    if reduce:
        inner.append(f"loss = {reduce.format(cost)}  # reduce: {case.reduce}")
        target, recorded = "loss", "loss"
    else:
        target = cost
        recorded = f"tf.reduce_sum({cost})" if case.reduce == "native" else cost
    variables = "[" + ", ".join(names[p] for p in case.wrt) + "]"
    zero = (
        ", unconnected_gradients=tf.UnconnectedGradients.ZERO" if len(reach) < len(case.wrt) else ""
    )
    gradient = f"tape.gradient({target}, {variables}{zero})"
    lines = ["with tf.GradientTape() as tape:", *(f"    {line}" for line in inner)]
    if case.reduce == "native":
        lines.append("# reduce: native: the tape differentiates the sum of a non-scalar cost")
    if _gathers(case):  # tf.gather's gradient is IndexedSlices: made dense
        lines.append(f"grads = [tf.convert_to_tensor(g) for g in {gradient}]")
    else:
        lines.append(f"grads = {gradient}")
    return lines, recorded


def _gathers(case: Case) -> bool:
    """Whether the program indexes with an integer list or array (a tf.gather)."""
    return any(
        isinstance(e, (ArrayRef, tuple))
        for eqn in case.program.eqns
        if eqn.op == "getitem"
        for e in eqn.attrs["index"]
    )


def script(case: Case, specs: dict[str, Any]) -> str:
    body = render(case, TEMPLATES, lambda v: f"tf.constant({py(v)}, tf.{case.dtype})")
    names, reach = body.names, reached(case)
    lines = [*header(case, "tensorflow", describe(case)), "import tensorflow as tf"]
    if any(from_spec(a, specs.get(n)) for n, a in {**case.params, **case.inputs}.items()):
        lines.append("import numpy as np")
    lines += ["", 'print("tensorflow", tf.__version__)']
    for name, array in {**case.params, **case.inputs}.items():
        lines.append(_define(names[name], array, specs.get(name), name in case.wrt))
    tape, recorded = _tape(case, body, reach)
    value = f'print("value:", {body.cost}.numpy().tolist())'
    grads = [f'print("grad {p}:", grads[{i}].numpy().tolist())' for i, p in enumerate(case.wrt)]
    if case.optimizer is None:
        return "\n".join([*lines, "", *tape, value, *grads]) + "\n"
    variables = "[" + ", ".join(names[p] for p in case.wrt) + "]"
    lines += [_optimizer(case), "", "costs = []", f"for step in range({case.steps}):"]
    loop = [*tape, f"costs.append(float({recorded}))", "if step == 0:"]
    loop += [f"    {line}" for line in (value, *grads)]
    loop.append(f"optimizer.apply_gradients(zip(grads, {variables}))")
    lines += [f"    {line}" for line in loop]
    lines += [f'print("params {p}:", {names[p]}.numpy().tolist())' for p in case.wrt]
    return "\n".join([*lines, 'print("costs:", costs)']) + "\n"
