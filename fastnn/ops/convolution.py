"""fastnn.ops.convolution"""

__all__ = []
