"""The numpy repro script: the case's forward pass in plain NumPy, the gradient by central
differences in float64 (NumPy has no autodiff, and the script must not import gradcheck's
engine), the optimizer as torch.optim's update written out in NumPy. What it prints is
what gradcheck's `fd` backend computes, up to the step size: a framework-free reference
to set beside a framework's script. This module writes text; it imports no framework.
"""

from __future__ import annotations

from typing import Any

from ..case import Case
from ..spelling import numpy as numpy_spelling
from ..spelling.site import lower
from .expr import fit, from_spec, names_list, nested, py
from .program import describe, header, hyperparameters, render_lowered

FRAMEWORK = "numpy"


def problem(case: Case) -> str | None:
    if "stop_gradient" in case.program.ops:  # its central differences would move it
        return "stop_gradient: the script's central differences cannot hold it constant"
    return None


SPELL = numpy_spelling.SPELL

# The definitions of the helpers, and which helpers each needs.
HELPERS = {
    "sigmoid": """def sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))  # jax.nn.sigmoid, without overflow""",
    "relu": """def relu(x):
    return np.maximum(x, 0)""",
    "softplus": """def softplus(x):
    return np.logaddexp(x, 0)""",
    "logsumexp": """def logsumexp(a, axis=None, keepdims=False):
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)
    out = np.log(np.sum(np.exp(a - top), axis=axis, keepdims=True)) + top
    return out if keepdims else np.squeeze(out, axis=axis)""",
    "softmax": """def softmax(x, axis=-1):
    return np.exp(x - logsumexp(x, axis=axis, keepdims=True))""",
    "log_softmax": """def log_softmax(x, axis=-1):
    return x - logsumexp(x, axis=axis, keepdims=True)""",
}
_NEEDS = {"softmax": ("logsumexp",), "log_softmax": ("logsumexp",)}

GRADIENT = '''EPS = np.finfo(np.float64).eps


def gradient(arrays, name):
    """d loss / d arrays[name] by central differences in float64 (NumPy has no autodiff),
    each element as gradcheck's fd backend takes it: from h = cbrt(eps) * max(|x|, 1), the
    step shrinks 8x (at most 4 sizes) while the truncation error, estimated from the
    difference at 2h, exceeds the rounding error; the best estimate is kept. A complex
    element's is dL/dx + i dL/dy (torch's and TensorFlow's convention; JAX's conjugates it)."""
    wide = {"f": np.float64, "c": np.complex128}
    at = {k: np.array(v, wide.get(v.dtype.kind, v.dtype)) for k, v in arrays.items()}
    f0, x = loss(at), at[name]
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        g[i] = derivative(at, x, i, f0)
        if x.dtype.kind == "c":
            g[i] += 1j * derivative(at, x, i, f0, 1j)
    return g  # float64 (complex128), as fd's: a float32 case's step casts it


def derivative(at, x, i, f0, unit=1.0):
    xi = x[i]
    part = xi.imag if unit == 1j else xi.real

    def difference(h):
        x[i] = xi + unit * h
        up = loss(at)
        x[i] = xi - unit * h
        down = loss(at)
        x[i] = xi
        return (up - down) / (2 * h)

    h, best, error = EPS ** (1 / 3) * max(abs(xi), 1.0), np.nan, np.inf
    for _ in range(4):
        h = (part + h) - part  # a step the float64 grid holds exactly
        if h == 0:
            break
        d1, d2 = difference(h), difference(2 * h)
        truncation = abs(d2 - d1) / 3
        rounding = EPS * (abs(f0) + abs(d1) * h) / h
        if truncation + rounding < error or np.isnan(best):
            best, error = d1, truncation + rounding
        if not truncation > rounding:
            break
        h /= 8
    return best'''

# torch.optim's updates (torch 2's single-tensor path), one per optimizer.
OPTIMIZERS = {
    "sgd": '''def sgd(p, g, state, lr, momentum, dampening, nesterov, weight_decay):
    """torch.optim.SGD's update."""
    if weight_decay != 0:
        g = g + weight_decay * p
    if momentum != 0:
        buf = state.get("momentum_buffer")
        buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
        state["momentum_buffer"] = buf
        g = g + momentum * buf if nesterov else buf
    return p - lr * g''',
    "adam": '''def adam(p, g, state, lr, betas, eps, weight_decay, amsgrad, decoupled=False):
    """torch.optim.Adam's update; AdamW's with decoupled=True."""
    beta1, beta2 = betas
    step = state["step"] = state.get("step", 0) + 1
    if weight_decay != 0 and decoupled:
        p = p * (1 - lr * weight_decay)
    elif weight_decay != 0:
        g = g + weight_decay * p
    m = state["exp_avg"] = state.get("exp_avg", 0 * p) * beta1 + (1 - beta1) * g
    v = state["exp_avg_sq"] = state.get("exp_avg_sq", 0 * p) * beta2 + (1 - beta2) * g * g
    if amsgrad:
        v = state["max_exp_avg_sq"] = np.maximum(state.get("max_exp_avg_sq", 0 * p), v)
    denom = np.sqrt(v) / (1 - beta2**step) ** 0.5 + eps
    return p - lr / (1 - beta1**step) * m / denom''',
    "rmsprop": '''def rmsprop(p, g, state, lr, alpha, eps, momentum, centered):
    """torch.optim.RMSprop's update."""
    v = state["square_avg"] = state.get("square_avg", 0 * p) * alpha + (1 - alpha) * g * g
    if centered:
        mean = state["grad_avg"] = state.get("grad_avg", 0 * p) * alpha + (1 - alpha) * g
        avg = np.sqrt(v - mean * mean) + eps
    else:
        avg = np.sqrt(v) + eps
    if momentum > 0:
        buf = state["momentum_buffer"] = state.get("momentum_buffer", 0 * p) * momentum + g / avg
        return p - lr * buf
    return p - lr * g / avg''',
    "adagrad": '''def adagrad(p, g, state, lr, eps, initial_accumulator_value):
    """torch.optim.Adagrad's update (lr_decay 0)."""
    total = state.get("sum", np.full_like(p, initial_accumulator_value)) + g * g
    state["sum"] = total
    return p - lr * g / (np.sqrt(total) + eps)''',
}
OPTIMIZERS["adamw"] = (
    OPTIMIZERS["adam"]
    + '''


def adamw(p, g, state, **hp):
    """torch.optim.AdamW's update: Adam's, with the weight decay decoupled."""
    return adam(p, g, state, decoupled=True, **hp)'''
)

AS_REAL = '''def as_real(a):
    """A complex array as torch.optim steps it (torch.view_as_real): real and imaginary parts
    on a last axis of 2, each updated as a real number."""
    return np.stack([a.real, a.imag], axis=-1) if a.dtype.kind == "c" else a


def from_real(r, dtype):
    return (r[..., 0] + 1j * r[..., 1]).astype(dtype) if np.dtype(dtype).kind == "c" else r'''

_REDUCE = {
    "sum": ("np.sum({})", "reduce: sum"),
    "mean": ("np.mean({})", "reduce: mean"),
    "none": ("{}", "reduce: none: a scalar"),
    "native": ("np.sum({})", "reduce: native: numpy sums, as gradcheck's numpy and fd do"),
}


def _helpers(case: Case) -> list[str]:
    used = [op for op in HELPERS if op in case.program.ops]
    used += [need for op in used for need in _NEEDS.get(op, ())]
    return [HELPERS[op] for op in HELPERS if op in used]


def _array(array: Any, spec: Any) -> str:
    source = from_spec(array, spec)
    if source:
        return f"{source}.astype(np.{array.dtype.name})"
    return f"np.array({nested(array)}, dtype=np.{array.dtype.name})"


def _functions(case: Case, body: Any) -> list[str]:
    names = body.names
    arrays = [*case.params, *case.inputs]
    unpack = [f'{names[n]} = arrays["{n}"]' for n in arrays]
    reduce, note = _REDUCE[case.reduce]
    compute = ["def compute(arrays):", *(f"    {line}" for line in [*unpack, *body.lines])]
    compute.append(f"    return {body.cost}")
    loss = ["def loss(arrays):", f"    return {reduce.format('compute(arrays)')}  # {note}"]
    return ["\n".join(compute), "\n".join(loss), GRADIENT]


def script(case: Case, specs: dict[str, Any]) -> str:
    real = {"complex64": "float32", "complex128": "float64"}.get(case.dtype, case.dtype)
    constant = lambda v: f"np.asarray({py(v)}, dtype=np.{real})"  # noqa: E731  a number cost
    body = render_lowered(case, lower(case, SPELL), constant)
    scipy = ["import scipy.special"] if numpy_spelling.SCIPY & set(case.program.ops) else []
    lines = [*header(case, "numpy", describe(case)), "import numpy as np", *scipy, ""]
    lines.append('print("numpy", np.__version__)')
    entries = [
        f'"{n}": {_array(a, specs.get(n))}' for n, a in {**case.params, **case.inputs}.items()
    ]
    lines += [fit("arrays = {", entries, "}"), "", ""]
    for block in [*_helpers(case), *_functions(case, body)]:
        lines += [block, "", ""]
    wrt = names_list(case.wrt)
    evaluate = [f"grads = {{name: gradient(arrays, name) for name in {wrt}}}"]
    prints = ['print("value:", compute(arrays).tolist())']
    prints += [f'print("grad {p}:", grads["{p}"].tolist())' for p in case.wrt]
    if case.optimizer is None:
        return "\n".join([*lines, *evaluate, *prints]) + "\n"
    name = case.optimizer.name
    h = [f'"{k}": {py(v)}' for k, v in hyperparameters(case).items()]
    complex_params = any(a.dtype.kind == "c" for a in case.params.values())
    as_real = [AS_REAL, "", ""] if complex_params else []
    lines += [OPTIMIZERS[name], "", "", *as_real, fit("HYPERPARAMETERS = {", h, "}")]
    lines += [f"state = {{name: {{}} for name in {wrt}}}", "costs = []"]
    loop = ["costs.append(float(loss(arrays)))", *evaluate, "if step == 0:"]
    loop += [f"    {p}" for p in prints]
    loop += [f"for name in {wrt}:"]
    loop += ["    g = grads[name].astype(arrays[name].dtype)  # the step runs in the case dtype"]
    if complex_params:  # torch.optim's view_as_real
        loop += [
            f"    new = {name}(as_real(arrays[name]), as_real(g), state[name], **HYPERPARAMETERS)",
            "    arrays[name] = from_real(np.asarray(new), arrays[name].dtype)",
        ]
    else:
        update = f"{name}(arrays[name], g, state[name], **HYPERPARAMETERS)"
        loop.append(f"    arrays[name] = np.asarray({update})")
    lines += [f"for step in range({case.steps}):", *(f"    {line}" for line in loop)]
    lines += [f'print("params {p}:", arrays["{p}"].tolist())' for p in case.wrt]
    return "\n".join([*lines, 'print("costs:", costs)']) + "\n"
