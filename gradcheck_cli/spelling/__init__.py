"""One spelling table per framework: each op as a small tree of the framework's own calls,
built from shapes and dtypes, run by the backend and printed by `gradcheck repro`."""
