"""fastnn.ops.losses"""

__all__ = []
