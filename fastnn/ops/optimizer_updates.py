"""fastnn.ops.optimizer_updates"""

__all__ = []
