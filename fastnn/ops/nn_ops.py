"""fastnn.ops.nn_ops — differentiable neural-network ops (`tf.nn.*`) on the C++ kernels."""
__all__ = []
