"""`Progbar`: Keras's progress bar, byte for byte."""

import math
import os
import sys
import time


def _format_value(value, any_sign):
    """`%.4f`, or `%.4e` for tiny values (verbose=2 tests `v > 1e-3` only)."""
    small = abs(value) <= 1e-3 if any_sign else value <= 1e-3
    return f" {value:.4e}" if small else f" {value:.4f}"


def _time_per_unit(seconds, unit_name):
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit_name}"
    return f" {seconds * 1e6:.0f}us/{unit_name}"


class Progbar:
    """Displays a progress bar.

    Args:
        target: total number of steps expected, `None` if unknown.
        width: width of the bar in characters.
        verbose: 0 (silent), 1 (live bar) or 2 (one line at the end).
        interval: minimum seconds between updates.
        stateful_metrics: names of metrics shown as-is rather than averaged
            (rkeras's trainer passes running results, so all of them).
        unit_name: the unit shown per step.
    """

    def __init__(
        self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step"
    ):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self._dynamic_display = (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "posix" in sys.modules
            or "PYCHARM_HOSTED" in os.environ
        )
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0.0
        self._prev_total_width = 0
        self._time_at_epoch_start = self._start
        self._time_after_first_step = None
        self._seen_so_far = 0

    def update(self, current, values=None, finalize=None):
        """Shows progress `current` with `values`, a list of `(name, value)`."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._values_order:
                self._values_order.append(name)
            # Kept as given (maybe an engine scalar): converted only when shown,
            # so skipped updates cost no read-back from the device.
            self._values[name] = value
        self._seen_so_far = current
        now = time.time()
        if self._time_after_first_step is None and current >= 1:
            self._time_after_first_step = now
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._write(self._line(current, now, finalize), finalize)
        elif self.verbose == 2 and finalize:
            self._write(self._line_verbose2(current, now) + "\n", finalize, raw=True)
        self._last_update = now

    def _time_per_step(self, current, now):
        # The first step includes warm-up, so it is left out when possible.
        if current > 1 and self._time_after_first_step is not None:
            return (now - self._time_after_first_step) / (current - 1)
        return (now - self._start) / current if current else 0.0

    def _line(self, current, now, finalize):
        parts = []
        if self.target is not None:
            digits = int(math.log10(self.target)) + 1 if self.target > 0 else 1
            parts.append(f"\x1b[1m{current:{digits}d}/{self.target}\x1b[0m ")
            filled = int(self.width * current / self.target) if self.target else self.width
            bar = "━" * filled
            rest = "━" * (self.width - filled)
            parts.append(f"\x1b[32m{bar}\x1b[0m\x1b[37m{rest}\x1b[0m")
        else:
            parts.append(f"\x1b[1m{current:7d}/Unknown\x1b[0m")
        per_step = self._time_per_step(current, now)
        if finalize or self.target is None:
            parts.append(f" \x1b[1m{now - self._start:.0f}s\x1b[0m")
        else:
            eta = per_step * (self.target - current)
            parts.append(f" \x1b[1m{_format_eta(eta)}\x1b[0m")
        parts.append(_time_per_unit(per_step, self.unit_name))
        for name in self._values_order:
            parts.append(f" - {name}:{_format_value(float(self._values[name]), True)}")
        return "".join(parts)

    def _line_verbose2(self, current, now):
        count = f"{current}/{self.target}" if self.target is not None else f"{current}"
        per_step = self._time_per_step(current, now)
        line = f"{count} - {now - self._start:.0f}s -{_time_per_unit(per_step, self.unit_name)}"
        for name in self._values_order:
            line += f" - {name}:{_format_value(float(self._values[name]), False)}"
        return line

    def _write(self, line, finalize, raw=False):
        if raw:
            sys.stdout.write(line)
            sys.stdout.flush()
            return
        prefix = ""
        if self._dynamic_display:
            prefix = "\b" * self._prev_total_width + "\r"
        padding = max(0, self._prev_total_width - len(line))
        text = prefix + line + " " * padding
        self._prev_total_width = len(line)
        if finalize:
            text += "\n"
        sys.stdout.write(text)
        sys.stdout.flush()

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)


def _format_eta(eta):
    if eta > 3600:
        return f"{int(eta // 3600)}:{int((eta % 3600) // 60):02d}:{int(eta % 60):02d}"
    if eta > 60:
        return f"{int(eta // 60)}:{int(eta % 60):02d}"
    return f"{int(eta)}s"
