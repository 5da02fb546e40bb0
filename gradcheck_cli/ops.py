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
SPECIAL: list[Op] = []  # elementwise and special functions, the operators % and //
NN: list[Op] = []  # jax.nn-style functions, stop_gradient, the boolean functions & | ^ ~
STATS: list[Op] = []  # var std cumprod all any trace, einsum tensordot kron cross, diag...
DECOMPOSITIONS: list[Op] = []  # numpy.linalg: inv det slogdet solve cholesky eigh svd qr...
ARRANGE: list[Op] = []  # take take_along_axis sort argsort split tile repeat pad roll ...
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
