"""fastnn's bench suite: `python -m bench [suite ...]` from the repository root."""
