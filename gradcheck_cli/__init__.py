"""gradcheck: are your gradients right, and how do PyTorch, JAX, TensorFlow and math disagree?"""

__version__ = "0.1.0"
