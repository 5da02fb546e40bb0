"""The commented starter case that `gradcheck new NAME` writes.

A small smooth case whose expected numbers can be checked by hand (y = w * x, cost y**2
summed), so it passes as written on every backend; the optimizer lines are commented out
with their expected results beside them, right once uncommented.
"""

from __future__ import annotations

from .document import DocumentError, parse

TEMPLATE = """\
# yaml-language-server: $schema={schema}
# A gradcheck case. Run it with: gradcheck run {file}
# The line above lets an editor check and complete this file once the schema exists:
#   gradcheck schema > gradcheck.schema.json     (see docs/editors.md)
{name_line}# unique in a run: letters, digits, - _ .
description: y = w * x, cost y**2 summed   # free text
tags: [starter]                 # words; gradcheck run --tag starter selects by them
dtype: float64                  # float32 or float64 (the default): params, inputs, arithmetic
params:                         # differentiated (and updated by an optimizer)
  w: [1.0, 2.0]
inputs:                         # constants; also {{value: [0, 1], dtype: int64}} (indices)
  x: [3.0, -1.0]                # or {{shape: [3, 4], init: normal, seed: 0}} (generated)
program: |                      # NAME = EXPR, one a line, run in order (optional)
  y = w * x
cost: y ** 2                    # an expression: Python syntax, NumPy semantics
reduce: sum                     # a non-scalar cost becomes a scalar: sum, mean, none, native
# wrt: [w]                      # the params to differentiate (default: all)
# backends: [numpy, fd, torch, jax, tensorflow]   # who runs it (default: all five)
# reference: fd                 # who the others are compared with (default: fd)
# tolerance: {{rtol: 1e-7, atol: 1e-9}}   # |a - b| <= atol + rtol * |b| (default: by dtype)
#
# To take optimizer steps, uncomment the next two lines and params/costs under expect:
# optimizer: {{name: sgd, lr: 0.1}}   # sgd adam adamw rmsprop adagrad, torch.optim spelling
# steps: 1
expect:                         # what every backend must give
  value: [9.0, 4.0]             # the cost before reduce: y**2 with y = [3, -2]
  grad: {{w: [18.0, 4.0]}}        # d(sum of y**2)/dw = 2 * y * x
  # params: {{w: [-0.8, 1.6]}}    # after the steps: w - lr * grad
  # costs: [13.0]               # the reduced cost before each step: 9 + 4
# expect_backend: {{torch: {{raises: "some text"}}}}   # a framework's own result, judged instead
"""


def _reads_as_itself(name: str) -> bool:
    """False for a name YAML would read as something else: 1.5, true, 0x1f, null, `-`."""
    try:
        return parse(f"name: {name}", "<name>").plain()["name"] == name
    except DocumentError:
        return False


def text(name: str, file: str, schema: str) -> str:
    """The starter case named `name`, for the file `file`, its schema at path `schema`."""
    written = name if _reads_as_itself(name) else f'"{name}"'
    line = f"name: {written}"
    line += " " * max(2, 32 - len(line))  # the comments line up with the others
    return TEMPLATE.format(name_line=line, file=file, schema=schema)


IMPLEMENTATIONS = """\
# Your own code under test (docs/implementations.md): each function below is called with
# every param and input as keyword arguments, as its framework's arrays, and returns the
# cost before reduction; gradcheck differentiates it with that framework's autodiff.
# Nothing is imported unless the run asks: gradcheck run {file} --import
implementations:
  torch: {package}.ops_torch:cost
  jax: {package}.ops_jax:cost
  tensorflow: {package}.ops_tf:cost
  numpy: {{value: "{package}.ops_numpy:cost", grad: "{package}.ops_numpy:cost_grad"}}
"""
MODULES = {
    "__init__.py": '"""Your own code under test, one module per framework (gradcheck new)."""\n',
    "ops_torch.py": '''"""The starter's cost in PyTorch (a torch.autograd.Function fits here)."""


def cost(w, x):
    return (w * x) ** 2
''',
    "ops_jax.py": '''"""The starter's cost in JAX; a jax.custom_vjp goes here too."""


def cost(w, x):
    return (w * x) ** 2
''',
    "ops_tf.py": '''"""The starter's cost in TensorFlow; a tf.custom_gradient goes here too (call it
positionally: it records gradients of positional arguments only)."""


def cost(w, x):
    return (w * x) ** 2
''',
    "ops_numpy.py": '''"""The starter's cost in NumPy, with its gradient derived by hand."""


def cost(w, x):
    return (w * x) ** 2


def cost_grad(w, x):
    """d sum((w * x) ** 2) / dw: the gradient of the reduced cost."""
    return 2 * (w * x) * x
''',
}


def with_implementations(body: str, package: str, file: str) -> str:
    """The starter with an `implementations` section naming `package`'s modules."""
    section = IMPLEMENTATIONS.format(package=package, file=file)
    return body.replace("# wrt: [w]", section + "# wrt: [w]", 1)
