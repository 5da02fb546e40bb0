"""Test-session setup shared by every test module."""

import os

# As gradcheck's jax backend does before JAX starts (see its module): in a test process
# another module may start JAX first, so the flag is set here, before any test imports it.
if "--xla_disable_hlo_passes=algsimp" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "") + " --xla_disable_hlo_passes=algsimp"
    ).strip()
