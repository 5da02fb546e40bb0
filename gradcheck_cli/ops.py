"""THE op vocabulary: every primitive a program may contain, once.

An op is a name (NumPy's), its array inputs, its static attributes with their defaults
in NumPy's positional order, which inputs are differentiable, the input domain the
generated tests draw from, and the semantic trap users meet at its kinks. Every backend
keeps one table keyed by these names; `tests/test_op_tables.py` names a table that misses
one. The parser maps the contract's spellings (functions, operators, methods, `.T`) here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Op:
    name: str
    arrays: tuple[str, ...]  # names of the array inputs, positional order; () with variadic
    attrs: tuple[tuple[str, Any], ...] = ()  # static attributes (name, default), in order
    diff: tuple[int, ...] | None = None  # differentiable array inputs; None: all
    kind: str = "elementwise"  # elementwise, compare, reduction, linalg, shape, index
    variadic: bool = False  # one list/tuple display of arrays (concatenate, stack)
    analytic: bool = True  # holomorphic wherever it is defined (complex step may be used)
    domain: str = "real"  # where tests draw inputs: real, positive, unit, nonzero
    trap: str = ""  # the kink or tie convention a user will compare across frameworks
    aliases: tuple[tuple[str, str], ...] = field(default=())  # keyword alias -> name
    optional: tuple[tuple[str, Any], ...] = ()  # array inputs that may be left out, and default
    positional: int | None = None  # how many leading arguments NumPy takes by position
    # inputs that take part in the arithmetic (not a condition or an index); None: all
    operands: tuple[int, ...] | None = None
    rest: bool = False  # the arrays are every positional argument after the attrs (einsum)
    results: tuple[str, ...] = ()  # a tuple result's parts (() one array; ("*",) as many as
    # the arguments say, split's): a program statement unpacks them by name, one eqn each
    # with the attribute `output`

    @property
    def attr_defaults(self) -> dict[str, Any]:
        return dict(self.attrs)

    def differentiable(self, i: int) -> bool:
        return self.diff is None or i in self.diff

    def operand(self, i: int) -> bool:
        """Whether input i takes part in the arithmetic (a condition or an index does not)."""
        return self.operands is None or i in self.operands


REQUIRED = object()  # attribute default meaning "must be given"

_AXIS_KEEP = (("axis", None), ("keepdims", False))


def _unary(name: str, domain: str = "real", trap: str = "", analytic: bool = True) -> Op:
    return Op(name, ("x",), domain=domain, trap=trap, analytic=analytic)


def _binary(name: str, trap: str = "", analytic: bool = True, domain: str = "real") -> Op:
    return Op(name, ("x1", "x2"), trap=trap, analytic=analytic, domain=domain)


def _compare(name: str) -> Op:
    return Op(name, ("x1", "x2"), diff=(), kind="compare", analytic=False)


def _reduction(name: str, trap: str = "", analytic: bool = True, **kw: Any) -> Op:
    # NumPy's third positional argument is dtype or out: keepdims is passed by keyword
    kw.setdefault("positional", 2)
    return Op(name, ("a",), _AXIS_KEEP, kind="reduction", trap=trap, analytic=analytic, **kw)


_OPS = [
    _binary("add"),
    _binary("subtract"),
    _binary("multiply"),
    _binary("divide", domain="nonzero"),
    _binary(
        "power",
        domain="positive",
        trap="d/dx at x = 0 with exponent 0 is 0; d/dy at x = 0 is 0 (torch's masks)",
    ),
    _binary("arctan2", domain="nonzero"),
    _binary(
        "maximum",
        analytic=False,
        trap="maximum(x, x): the gradient is split evenly, 0.5 to each side",
    ),
    _binary(
        "minimum",
        analytic=False,
        trap="minimum(x, x): the gradient is split evenly, 0.5 to each side",
    ),
    _compare("less"),
    _compare("less_equal"),
    _compare("greater"),
    _compare("greater_equal"),
    _compare("equal"),
    _compare("not_equal"),
    _unary("negative"),
    _unary("exp"),
    _unary("log", "positive"),
    _unary("log1p", "positive"),
    _unary("expm1"),
    _unary("sqrt", "positive", trap="sqrt'(0) = +inf"),
    _unary("square"),
    _unary("abs", trap="abs'(0) = 0", analytic=False),
    _unary("sign", trap="sign' = 0 everywhere, 0 included", analytic=False),
    _unary("sin"),
    _unary("cos"),
    _unary("tan", "unit"),
    _unary("arcsin", "unit"),
    _unary("arccos", "unit"),
    _unary("arctan"),
    _unary("sinh"),
    _unary("cosh"),
    _unary("tanh"),
    _unary("sigmoid"),
    _unary("relu", trap="relu'(0) = 0", analytic=False),
    _unary("softplus", analytic=False),
    Op(
        "where",
        ("condition", "x", "y"),
        diff=(1, 2),
        operands=(1, 2),
        analytic=False,
        trap="the untaken branch gets a zero cotangent; 0 * inf there is NaN, as everywhere",
    ),
    Op(
        "clip",
        ("a", "a_min", "a_max"),
        analytic=False,
        trap="at a bound the gradient passes to x (1), as torch.clamp and tf.clip_by_value",
        aliases=(("min", "a_min"), ("max", "a_max")),  # NumPy >= 2.1 takes either spelling
        optional=(("a_min", None), ("a_max", None)),
    ),
    _reduction("sum"),
    _reduction("mean"),
    _reduction("prod", trap="exact with zeros: each element gets the product of the others"),
    _reduction("max", trap="ties split the gradient evenly", analytic=False),
    _reduction("min", trap="ties split the gradient evenly", analytic=False),
    Op("argmax", ("a",), _AXIS_KEEP, diff=(), kind="reduction", analytic=False, positional=2),
    Op("argmin", ("a",), _AXIS_KEEP, diff=(), kind="reduction", analytic=False, positional=2),
    _reduction("logsumexp", trap="computed stably; all -inf gives -inf"),
    Op(
        "norm",
        ("x",),
        (("ord", None), ("axis", None), ("keepdims", False)),
        kind="reduction",
        analytic=False,
        trap="the gradient of a 2-norm at 0 is 0 (torch's choice; jax and tf give NaN)",
    ),
    Op("softmax", ("x",), (("axis", -1),), kind="reduction"),
    Op("log_softmax", ("x",), (("axis", -1),), kind="reduction"),
    Op("cumsum", ("a",), (("axis", None),), kind="shape", positional=2),
    Op("matmul", ("x1", "x2"), kind="linalg"),
    Op("dot", ("a", "b"), kind="linalg"),
    Op("outer", ("a", "b"), kind="linalg"),
    Op("transpose", ("a",), (("axes", None),), kind="shape"),
    Op("reshape", ("a",), (("shape", REQUIRED),), kind="shape", aliases=(("newshape", "shape"),)),
    Op("expand_dims", ("a",), (("axis", REQUIRED),), kind="shape"),
    Op("squeeze", ("a",), (("axis", None),), kind="shape"),
    Op("flip", ("m",), (("axis", None),), kind="shape"),
    Op("concatenate", (), (("axis", 0),), kind="shape", variadic=True),
    Op("stack", (), (("axis", 0),), kind="shape", variadic=True),
    Op("getitem", ("x",), (("index", REQUIRED),), diff=(0,), kind="index", operands=(0,)),
]

# The v2 functions (contract "Expressions (v2)"), one list per family; each op is a
# function of its own name. Its numpy rule is in the np_rules module of the same family.
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

OPS: dict[str, Op] = {op.name: op for op in _OPS + V2}

# The contract's function names that are other spellings of an op.
FUNCTION_ALIASES = {"amax": "max", "amin": "min", "mod": "remainder"}

# Every function name the contract allows in a call, as the contract lists them.
FUNCTIONS: tuple[str, ...] = (
    tuple(
        """sum mean prod max min amax amin argmax argmin exp log log1p expm1 sqrt square abs sign
    sin cos tan arcsin arccos arctan sinh cosh tanh arctan2 maximum minimum where clip matmul
    dot outer transpose reshape concatenate stack expand_dims squeeze flip cumsum norm
    logsumexp sigmoid relu softplus softmax log_softmax""".split()
    )
    + tuple(op.name for op in V2)
    + tuple(a for a, op in FUNCTION_ALIASES.items() if op in {o.name for o in V2})
)

# Methods allowed on an array (`x.sum(...)`), as the contract lists them.
METHODS: tuple[str, ...] = ("max", "mean", "min", "prod", "reshape", "sum", "transpose")
