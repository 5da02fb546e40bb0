"""Test-session setup shared by every test module."""

from gradcheck_cli.backends import xla_flags

# In a test process another module may start JAX before gradcheck's jax backend is
# imported, so the XLA passes it turns off are turned off here first.
xla_flags.apply()
