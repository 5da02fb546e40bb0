"""A small example package of the user's own code under test: the same softplus written
four ways (a custom torch.autograd.Function, jax.custom_vjp, tf.custom_gradient, a NumPy
value and hand-derived gradient), one with a deliberately wrong backward, and one small
model written twice (torch and JAX) as in a port. `cases/implementations/*.yaml` check
them; `gradcheck run cases/ --import` imports them."""
