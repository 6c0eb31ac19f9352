"""Progress that suits where it runs: tqdm's live bar on a terminal; in a log (stderr is not
a terminal) one plain line every `every` items and at the end, formatted by tqdm's own
`format_meter` (count, rate, elapsed and ETA), with no carriage-return frames."""

from __future__ import annotations

import sys
import time

from tqdm.auto import tqdm


class LineProgress:
    """The part of tqdm's interface the commands use, writing whole lines."""

    def __init__(self, total: int | None, desc: str, unit: str, every: int, file=None):
        self.total, self.desc, self.unit, self.every = total, desc, unit, every
        self.file = file or sys.stderr
        self.n, self.started, self.postfix = 0, time.monotonic(), ""

    def update(self, count: int = 1) -> None:
        before, self.n = self.n, self.n + count
        if before // self.every != self.n // self.every:
            self._line()

    def set_postfix(self, **values) -> None:
        self.postfix = ", ".join(f"{k}={v}" for k, v in values.items())

    def close(self) -> None:
        if self.n % self.every:
            self._line()

    def _line(self) -> None:
        meter = tqdm.format_meter(self.n, self.total, time.monotonic() - self.started, prefix=self.desc,
                                  unit=self.unit, ascii=True, ncols=0, postfix=self.postfix or None)
        print(meter, file=self.file, flush=True)


def progress(total: int | None, desc: str, unit: str, every: int, disable: bool = False, leave: bool = True):
    """A live tqdm bar on a terminal, `LineProgress` elsewhere, or a silent bar when `disable`."""
    if disable:
        return tqdm(total=total, disable=True)
    if sys.stderr.isatty():
        return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=leave)
    return LineProgress(total, desc, unit, every)
