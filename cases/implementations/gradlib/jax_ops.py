"""softplus with a jax.custom_vjp."""

import jax
import jax.numpy as jnp


@jax.custom_vjp
def softplus(x):
    return jnp.logaddexp(x, 0.0)


def _forward(x):
    return softplus(x), x


def _backward(x, grad):
    return (grad * jax.nn.sigmoid(x),)


softplus.defvjp(_forward, _backward)
