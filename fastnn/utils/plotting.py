"""`plot_history`: training curves to a PNG with matplotlib (optional: the `plot` extra)."""
from __future__ import annotations

import os

__all__ = ["plot_history"]


def plot_history(history: object, path: str | os.PathLike, title: str | None = None) -> None:
    """Draw loss and each metric per epoch (training and validation) into the image file `path`.

    Args:
        history: A `History` (as `fit` returns) or its `history` dict.
        path: The image file to write (`.png`, `.svg`, `.pdf`, ...); its folder must exist.
        title: An optional figure title.

    Returns:
        None.
    """
    try:  # matplotlib is optional: loaded on the first plot, not with `import fastnn`
        import matplotlib  # noqa: PLC0415  (optional dependency, loaded on first use)

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt  # noqa: PLC0415  (optional dependency, loaded on first use)
        from matplotlib.ticker import MaxNLocator  # noqa: PLC0415  (optional dependency, loaded on first use)
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from None
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError("plot_history needs a History (or its .history dict) with at least one epoch")
    names = [k for k in logs if not k.startswith("val_") and k != "learning_rate"]
    epochs = [e + 1 for e in getattr(history, "epoch", range(len(next(iter(logs.values())))))]
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.4), squeeze=False)
    for ax, name in zip(axes[0], names):
        ax.plot(epochs, logs[name], marker="o", label=f"train {name}")
        if "val_" + name in logs:
            val_epochs = epochs[-len(logs["val_" + name]):]
            ax.plot(val_epochs, logs["val_" + name], marker="s", label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
