"""fastnn.ops.pooling"""

__all__ = []
