"""`model.summary()`: Keras 3's table (layer (type), output shape, param #) and the parameter totals."""
import numpy as np

__all__ = ["summarize"]


def _shape_text(shape):
    if shape is None:
        return "?"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _bytes_text(count):
    size = count * 4.0  # float32
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024


def summarize(model):
    rows = []
    for layer, shape in model._summary_rows():
        params = layer.count_params() if layer.built else 0
        rows.append((f"{layer.name} ({type(layer).__name__})", _shape_text(shape), f"{params:,}"))
    widths = [max(31, *(len(r[0]) for r in rows)) if rows else 31,
              max(22, *(len(r[1]) for r in rows)) if rows else 22, 13]
    header = ("Layer (type)", "Output Shape", "Param #")

    def line(left, mid, right, fill):
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def row(cells, sep="│"):
        a, b, c = cells
        return f"{sep} {a:<{widths[0]}} {sep} {b:<{widths[1]}} {sep} {c:>{widths[2]}} {sep}"

    out = [f'Model: "{model.name}"', line("┏", "┳", "┓", "━"), row(header, "┃"), line("┡", "╇", "┩", "━")]
    for i, r in enumerate(rows):
        out.append(row(r))
        out.append(line("├", "┼", "┤", "─") if i < len(rows) - 1 else line("└", "┴", "┘", "─"))
    if not rows:
        out.append(line("└", "┴", "┘", "─"))
    weights = model.weights if model.built or rows else []
    total = int(sum(int(np.prod(w.shape)) for w in weights))
    trainable = int(sum(int(np.prod(w.shape)) for w in model.trainable_weights)) if weights else 0
    out += [f" Total params: {total:,} ({_bytes_text(total)})",
            f" Trainable params: {trainable:,} ({_bytes_text(trainable)})",
            f" Non-trainable params: {total - trainable:,} ({_bytes_text(total - trainable)})"]
    return "\n".join(out)
