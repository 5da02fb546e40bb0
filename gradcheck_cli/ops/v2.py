"""The v2 functions (contract "Expressions (v2)"), one list per family; each op is a
function of its own name. Its numpy rule is in backends/np_rules_<family>.py, its
spellings in spelling/<family>.py."""

from __future__ import annotations

from .op import _AXIS_KEEP, REQUIRED, Op, _binary, _unary

SPECIAL: list[Op] = [  # elementwise and special functions, the operators % and //
    _unary("log2", "positive"),
    _unary("log10", "positive"),
    _unary("exp2"),
    _unary(
        "cbrt",
        trap="cbrt'(0) = +inf; torch has no cbrt: sign(x) * abs(x) ** (1/3), NaN",
        analytic=False,  # numpy.cbrt takes no complex numbers
    ),
    _unary("reciprocal", "nonzero"),
    _unary("arcsinh"),
    _unary("arccosh", "above_one"),
    _unary("arctanh", "unit"),
    # NumPy takes no complex numbers in these: not analytic, for fd's complex step
    _binary(
        "hypot",
        trap="hypot at (0, 0): d = x / hypot is NaN (jax gives 0.5 to each)",
        analytic=False,
    ),
    _binary("logaddexp", analytic=False),
    _binary("logaddexp2", analytic=False),
    _unary("floor", trap="floor' = 0 wherever it is differentiable", analytic=False),
    _unary("ceil", trap="ceil' = 0 wherever it is differentiable", analytic=False),
    Op(
        "round",
        ("a",),
        (("decimals", 0),),
        analytic=False,
        trap="half to even; round' = 0 wherever it is differentiable",
    ),
    _unary("trunc", trap="trunc' = 0 wherever it is differentiable", analytic=False),
    _binary(
        "remainder",
        analytic=False,
        domain="nonzero",
        trap="the divisor's sign; d/dx1 = 1, d/dx2 = -floor(x1 / x2)",
    ),
    _binary(
        "fmod",
        analytic=False,
        domain="nonzero",
        trap="the dividend's sign; d/dx1 = 1, d/dx2 = -trunc(x1 / x2); tf.truncatemod has none",
    ),
    _binary(
        "floor_divide",
        analytic=False,
        domain="nonzero",
        trap="derivative 0 wherever differentiable; torch.floor_divide refuses its derivative",
    ),
    Op("isnan", ("x",), diff=(), analytic=False),
    Op("isinf", ("x",), diff=(), analytic=False),
    Op("isfinite", ("x",), diff=(), analytic=False),
    Op(
        "nan_to_num",
        ("x",),
        (("nan", 0.0), ("posinf", None), ("neginf", None)),
        positional=1,  # NumPy's second positional argument is `copy`
        analytic=False,
        trap="the derivative is 1 where x is finite, 0 where it is replaced",
    ),
    # complex numbers (v2): on a real array real and conj are the identity, imag is 0
    _unary("real", analytic=False, trap="d real(z) = the real part: a real cotangent g gives g"),
    _unary("imag", analytic=False, trap="d imag(z): a real cotangent g gives i g"),
    _unary("conj", analytic=False, trap="not holomorphic: the cotangent is conjugated"),
    _unary(
        "angle",
        analytic=False,
        trap="angle(0) = 0 with a NaN or 0 gradient (frameworks differ); real x < 0 gives pi",
    ),
    _unary("erf"),
    _unary("erfc"),
    Op(
        "xlogy",
        ("x", "y"),
        domain="positive",
        trap="0 where x == 0; there d/dx = log(y) and d/dy = x / y (jax's; torch, tf mask)",
    ),
    Op(
        "xlog1py",
        ("x", "y"),
        domain="positive",
        trap="0 where x == 0; there d/dx = log1p(y), d/dy = x / (1 + y) (jax's; torch, tf mask)",
    ),
]
NN: list[Op] = [  # jax.nn-style functions, stop_gradient, the boolean functions & | ^ ~
    _unary("log_sigmoid", analytic=False),
    _unary("silu"),
    Op("gelu", ("x",), (("approximate", True),)),
    Op("elu", ("x",), (("alpha", 1.0),), analytic=False, trap="elu'(0) = alpha (every framework)"),
    Op(
        "celu",
        ("x",),
        (("alpha", 1.0),),
        analytic=False,
        trap="celu'(0) = 1 (jax, torch); tf.keras.activations.celu gives 2 (max and min ties)",
    ),
    _unary("selu", analytic=False, trap="selu'(0) = scale * alpha (jax, torch); tf: scale"),
    Op(
        "leaky_relu",
        ("x",),
        (("negative_slope", 0.01),),
        analytic=False,
        trap="leaky_relu'(0) = 1 (jax.nn); torch and tf give negative_slope",
    ),
    _unary("softsign", analytic=False),
    _unary("relu6", trap="relu6' = 0 at 0 and at 6 (jax, torch, tf alike)", analytic=False),
    _unary(
        "hard_tanh",
        trap="hard_tanh' = 1 at -1 and 1 (jax.nn, tf's clip_by_value); torch.hardtanh gives 0",
        analytic=False,
    ),
    Op(
        "one_hot",
        ("x",),
        (("num_classes", REQUIRED),),
        diff=(),
        kind="shape",
        analytic=False,
        trap="a label outside [0, num_classes) gives a row of zeros (jax, tf); torch raises",
    ),
    Op("stop_gradient", ("x",), diff=(), trap="the value of x, its derivative 0"),
    Op("logical_and", ("x1", "x2"), diff=(), kind="compare", analytic=False),
    Op("logical_or", ("x1", "x2"), diff=(), kind="compare", analytic=False),
    Op("logical_xor", ("x1", "x2"), diff=(), kind="compare", analytic=False),
    Op("logical_not", ("x",), diff=(), analytic=False),
    Op("all", ("a",), _AXIS_KEEP, diff=(), kind="reduction", analytic=False, positional=2),
    Op("any", ("a",), _AXIS_KEEP, diff=(), kind="reduction", analytic=False, positional=2),
]
STATS: list[Op] = [  # var std cumprod all any trace, einsum tensordot kron cross, diag...
    Op(
        "var",
        ("a",),
        (("axis", None), ("ddof", 0), ("keepdims", False)),
        kind="reduction",
        analytic=False,  # NumPy's var of a complex array is the mean of |x - mean|^2
        positional=2,  # var(a, axis, dtype, out, ddof, keepdims): the rest by keyword
        trap="ddof >= n divides by 0, as NumPy (inf; the gradient inf or NaN)",
    ),
    Op(
        "std",
        ("a",),
        (("axis", None), ("ddof", 0), ("keepdims", False)),
        kind="reduction",
        analytic=False,
        positional=2,
        trap="the gradient where the spread is 0 is 0 (torch's choice; jax and tf give NaN)",
    ),
    Op(
        "cumprod",
        ("a",),
        (("axis", None),),
        kind="shape",
        positional=2,
        trap="exact with zeros: no division by the input",
    ),
    Op("trace", ("a",), (("offset", 0),), kind="reduction", positional=2),
    Op(
        "einsum",
        (),
        (("subscripts", REQUIRED),),
        kind="linalg",
        variadic=True,
        rest=True,
        positional=1,
    ),
    Op("tensordot", ("a", "b"), (("axes", 2),), kind="linalg"),
    Op("kron", ("a", "b"), kind="linalg"),
    Op("cross", ("a", "b"), (("axis", -1),), kind="linalg", positional=2),
    Op("diag", ("v",), (("k", 0),), kind="shape"),
    Op("diagonal", ("a",), (("offset", 0), ("axis1", 0), ("axis2", 1)), kind="shape"),
    Op("triu", ("m",), (("k", 0),), kind="shape"),
    Op("tril", ("m",), (("k", 0),), kind="shape"),
]
DECOMPOSITIONS: list[Op] = [  # numpy.linalg: inv det slogdet solve cholesky eigh svd qr...
    Op("inv", ("a",), kind="linalg"),
    Op("det", ("a",), kind="linalg"),
    Op(
        "slogdet",
        ("a",),
        kind="linalg",
        analytic=False,
        results=("sign", "logabsdet"),
        trap="the sign's gradient is 0; logabsdet's is inv(a).T, the same for either sign",
    ),
    Op("solve", ("a", "b"), kind="linalg"),
    Op(
        "cholesky",
        ("a",),
        kind="linalg",
        analytic=False,
        trap="reads the lower triangle only: the upper gets a zero gradient (NumPy's reading); "
        "torch, jax and tensorflow give the symmetrized gradient",
    ),
    Op(
        "eigh",
        ("a",),
        kind="linalg",
        analytic=False,
        results=("eigenvalues", "eigenvectors"),
        trap="reads the lower triangle only (the upper gets a zero gradient; torch and jax "
        "symmetrize it); repeated eigenvalues make the eigenvectors' gradient inf or NaN",
    ),
    Op(
        "eigvalsh",
        ("a",),
        kind="linalg",
        analytic=False,
        trap="reads the lower triangle only (the upper gets a zero gradient; torch and jax "
        "symmetrize it)",
    ),
    Op(
        "svd",
        ("a",),
        (("full_matrices", True),),
        kind="linalg",
        analytic=False,
        results=("U", "S", "Vh"),
        positional=2,
        trap="with full_matrices the extra columns of U and rows of Vh get no gradient (a "
        "gauge, as torch); repeated singular values make U's and Vh's gradient inf or NaN",
    ),
    Op("svdvals", ("x",), kind="linalg", analytic=False),
    Op("qr", ("a",), kind="linalg", analytic=False, results=("Q", "R")),
]
ARRANGE: list[Op] = [  # take take_along_axis sort argsort split tile repeat pad roll ...
    Op(
        "take",
        ("a", "indices"),
        (("axis", None),),
        diff=(0,),
        kind="index",
        operands=(0,),
        positional=3,
        trap="a repeated index accumulates its gradient; out of range NumPy raises, JAX clamps",
    ),
    Op(
        "take_along_axis",
        ("arr", "indices"),
        (("axis", -1),),
        diff=(0,),
        kind="index",
        operands=(0,),
        trap="a repeated index accumulates its gradient",
    ),
    Op(
        "sort",
        ("a",),
        (("axis", -1),),
        kind="shape",
        analytic=False,
        positional=2,
        trap="ties: the gradient follows the stable permutation (equal values keep their order)",
    ),
    Op("argsort", ("a",), (("axis", -1),), diff=(), kind="shape", analytic=False, positional=2),
    Op(
        "split",
        ("ary",),
        (("indices_or_sections", REQUIRED), ("axis", 0)),
        kind="shape",
        results=("*",),
    ),
    Op("tile", ("A",), (("reps", REQUIRED),), kind="shape"),
    Op("repeat", ("a",), (("repeats", REQUIRED), ("axis", None)), kind="shape"),
    Op(
        "pad",
        ("array",),
        (("pad_width", REQUIRED), ("mode", "constant"), ("constant_values", 0)),
        kind="shape",
        positional=3,
        trap="edge and reflect send the padded elements' gradient to the elements they copy",
    ),
    Op("roll", ("a",), (("shift", REQUIRED), ("axis", None)), kind="shape"),
    Op("moveaxis", ("a",), (("source", REQUIRED), ("destination", REQUIRED)), kind="shape"),
    Op("swapaxes", ("a",), (("axis1", REQUIRED), ("axis2", REQUIRED)), kind="shape"),
    Op("broadcast_to", ("array",), (("shape", REQUIRED),), kind="shape"),
    Op("ravel", ("a",), kind="shape"),
]
V2 = SPECIAL + NN + STATS + DECOMPOSITIONS + ARRANGE
