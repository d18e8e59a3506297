"""fastnn.ops.activations"""

__all__ = []
