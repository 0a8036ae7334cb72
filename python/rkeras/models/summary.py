"""`model.summary()`: Keras's table of layers, shapes and parameter counts."""

import numpy as np


def _count(weights):
    return int(sum(np.prod(w.shape) for w in weights))


def _format_bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024
    return f"{n:.2f} GB"


def _output_shape(layer):
    nodes = getattr(layer, "_inbound_nodes", [])
    for node in nodes:
        if node.outputs:
            shapes = [t.shape for t in node.outputs]
            return str(shapes[0]) if len(shapes) == 1 else str(shapes)
    return "?"


def _rows(model):
    from rkeras.layers.core.input_layer import InputLayer

    graph = getattr(model, "_graph", None)
    layers = model.layers
    rows = []
    for layer in layers:
        if graph is not None and isinstance(layer, InputLayer):
            continue
        name = f"{layer.name} ({type(layer).__name__})"
        params = _count(layer.weights) if layer.built else 0
        shape = _output_shape(layer)
        rows.append((name, shape, f"{params:,}" if layer.built else "0 (unbuilt)"))
    return rows


def print_summary(model, line_length=None, print_fn=None, show_trainable=False):
    print_fn = print_fn or print
    widths = [31, 22, 13]
    if line_length:
        widths[0] = max(20, line_length - widths[1] - widths[2] - 10)
    rows = _rows(model)
    for name, shape, params in rows:
        widths[0] = max(widths[0], len(name))
        widths[1] = max(widths[1], len(shape))
        widths[2] = max(widths[2], len(params))

    def line(left, fill, mid, right):
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def cells(values, border, align_right_last=True):
        parts = []
        for i, (value, width) in enumerate(zip(values, widths, strict=True)):
            text = value.rjust(width) if i == 2 and align_right_last else value.ljust(width)
            parts.append(f" {text} ")
        return border + border.join(parts) + border

    out = [f'Model: "{model.name}"']
    out.append(line("┏", "━", "┳", "┓"))
    out.append(cells(("Layer (type)", "Output Shape", "Param #"), "┃"))
    out.append(line("┡", "━", "╇", "┩"))
    for i, row in enumerate(rows):
        out.append(cells(row, "│"))
        if i < len(rows) - 1:
            out.append(line("├", "─", "┼", "┤"))
    out.append(line("└", "─", "┴", "┘"))
    trainable = _count(model.trainable_weights)
    total = _count(model.weights)
    non_trainable = total - trainable
    out.append(f" Total params: {total:,} ({_format_bytes(total * 4)})")
    out.append(f" Trainable params: {trainable:,} ({_format_bytes(trainable * 4)})")
    out.append(f" Non-trainable params: {non_trainable:,} ({_format_bytes(non_trainable * 4)})")
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "built", False):
        slots = _count(optimizer.variables)
        out.append(f" Optimizer params: {slots:,} ({_format_bytes(slots * 4)})")
    print_fn("\n".join(out))
