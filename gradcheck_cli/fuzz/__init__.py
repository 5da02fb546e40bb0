"""Generated checks: the op forms derived from `ops.OPS`, random programs over the
vocabulary, and the shrinking of a program on which a backend disagrees (`gradcheck fuzz`).

`reference` is plain NumPy, the judge of which forms exist; `operands`, `shapes` and
`forms` list each op's forms; `syntax` writes expressions; `conditioning` and `draw` keep
values away from kinks; `cases` turns forms into cases (tests/test_generated_ops.py);
`programs`, `generate`, `shrink` and `session` are the fuzzer (docs/fuzz.md).
"""
