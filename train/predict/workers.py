"""Predicting with worker processes around one model: `predict --workers N`.

On a GPU the chip waits for the work around the encoder (normalization, tokenization,
windows, decoding, relation pairs): on an H200 it was 77% of `predict`'s wall time, all of it
on one CPU core (README, "Benchmarks"). With N workers, each worker process takes whole
chunks of documents and runs `chunk.predict_chunk` on them; its encoder and relation-head
passes are requests over a pipe to the process that holds the model (`RemoteCalls`), which
only serves them and keeps each worker's hidden states on the device. N CPU cores then
feed one model, as `DataLoader` workers feed a training loop, and documents come back in
input order. Only subword ids, label ids, probabilities and mention indices cross the pipes.

On Linux workers are forked, as `DataLoader` workers are: a fork starts in milliseconds
and shares the parent's memory, and it is safe after CUDA was initialised because workers
never touch the device (their tensors are CPU views of the numbers they receive). Elsewhere
they are spawned, which re-imports the main module and costs seconds per `stream` call.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
import traceback
from multiprocessing.connection import Connection, wait
from typing import Callable, Iterator

import torch

from ..data.documents import Document
from .chunk import Decoding, ModelCalls, predict_chunk

STOP_TIMEOUT_S = 10
"""How long a worker may take to exit after it was told to stop, before it is terminated."""
SILENCE_TIMEOUT_S = 3600
"""How long a worker predicting a chunk may send nothing (no model call, no result) before it
counts as hung: its own work between two model calls takes seconds, even on long articles."""


class WorkerError(RuntimeError):
    """A worker process failed (its traceback is in the message) or exited without a word."""


class RemoteCalls:
    """`chunk.ModelCalls` in a worker process: each call is a request to the model's process."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def best_tags(self, numbers: list[int], rows: list[list[int]],
                  sizes: list[int]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        self.conn.send(("encode", numbers, rows, sizes))
        return [(torch.from_numpy(top), torch.from_numpy(ids).long()) for top, ids in self.conn.recv()]

    def relation_probs(self, numbers: list[int], mentions: list[list[tuple[int, int, int]]],
                       pairs: list[list[tuple[int, int]]]) -> torch.Tensor:
        self.conn.send(("relations", numbers, mentions, pairs))
        return torch.from_numpy(self.conn.recv())

    def release(self, numbers: list[int]) -> None:
        self.conn.send(("release", numbers))


def worker_main(conn: Connection, decoding: Decoding) -> None:
    """A worker's life: predict each chunk it is sent, until it is sent None or its pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    # tokenizers turns its threads off in a forked child and would warn at the first batch
    # call unless told; the cores are the other workers' anyway
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    torch.set_num_threads(1)  # the decoding's tensors are small; the cores are the other workers'
    calls = RemoteCalls(conn)
    try:
        while (chunk := conn.recv()) is not None:
            try:
                conn.send(("done", predict_chunk(decoding, calls, chunk)))
            except Exception:  # noqa: BLE001 - the main process raises it with the traceback
                conn.send(("error", traceback.format_exc()))
    except (EOFError, OSError):  # the main process is gone
        pass


class WorkerPool:
    """`workers` processes predicting chunks; their model calls are served here, each chunk's by
    a fresh `new_calls()` (a `chunk.ModelCalls` that keeps that chunk's hidden states)."""

    def __init__(self, decoding: Decoding, workers: int, new_calls: Callable[[], ModelCalls]):
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        self.new_calls = new_calls
        self.silence_timeout_s = SILENCE_TIMEOUT_S
        self.heard: dict[int, float] = {}  # busy worker -> when it last sent or was sent a chunk
        self.calls: list[ModelCalls | None] = [None] * workers
        self.conns: list[Connection] = []
        self.processes = []
        for k in range(workers):
            parent, child = context.Pipe()
            process = context.Process(target=worker_main, args=(child, decoding), daemon=True,
                                      name=f"predict-worker-{k}")
            process.start()
            child.close()
            self.conns.append(parent)
            self.processes.append(process)

    def stream(self, chunks: Iterator[list[tuple[str, str]]]) -> Iterator[Document]:
        """The documents of every chunk, in input order. Each worker predicts one chunk at a
        time, and at most two chunks per worker are taken ahead of the oldest one not yet
        returned (the others finished and waiting for it), so memory stays bounded.
        Raises WorkerError when a worker fails, exits, or sends nothing for `silence_timeout_s`
        while predicting, and what a model call raises."""
        free, assigned = list(range(len(self.conns))), {}  # worker -> chunk number
        finished: dict[int, list[Document]] = {}
        taken = returned = 0
        exhausted = stopped = False
        try:
            while not stopped:
                while free and not exhausted and taken - returned < 2 * len(self.conns):
                    chunk = next(chunks, None)
                    if chunk is None:
                        exhausted = True
                        break
                    worker = free.pop()
                    self.calls[worker] = self.new_calls()  # the previous chunk's hidden states go
                    self._send(worker, chunk)
                    self.heard[worker] = time.monotonic()
                    assigned[worker], taken = taken, taken + 1
                while returned in finished:
                    yield from finished.pop(returned)
                    returned += 1
                if not assigned:
                    stopped = exhausted
                    continue
                ready = [self.conns.index(c) for c in wait([self.conns[w] for w in assigned],
                                                           timeout=self.silence_timeout_s)]
                self.heard.update((worker, time.monotonic()) for worker in ready)
                self._check_silence(assigned)
                for worker in ready:
                    done = self._serve(worker)
                    if done is not None:
                        finished[assigned.pop(worker)] = done
                        free.append(worker)
        finally:
            self.close(graceful=stopped)

    def _check_silence(self, assigned: dict[int, int]) -> None:
        """Raises WorkerError for a busy worker that has sent nothing for `silence_timeout_s`."""
        now = time.monotonic()
        for worker, chunk in assigned.items():
            if now - self.heard.get(worker, now) > self.silence_timeout_s:
                raise WorkerError(f"predict worker {worker} sent nothing for {self.silence_timeout_s:g} s while "
                                  f"predicting chunk {chunk} (counted from 0): it hangs; the workers were stopped")

    def _serve(self, worker: int) -> list[Document] | None:
        """Answer one message of a worker; its documents when it finished its chunk."""
        try:
            kind, *payload = self.conns[worker].recv()
        except (EOFError, OSError):
            raise self._exited(worker) from None
        calls = self.calls[worker]
        if kind == "error":
            raise WorkerError(f"predict worker {worker} failed:\n{payload[0]}")
        if kind == "done":
            return payload[0]
        if kind == "release":
            calls.release(*payload)
            return None
        with torch.inference_mode():
            if kind == "encode":
                # label ids travel as int16 (a schema has far fewer labels), a quarter of int64
                reply = [(top.numpy(), ids.to(torch.int16).numpy()) for top, ids in calls.best_tags(*payload)]
            elif kind == "relations":
                reply = calls.relation_probs(*payload).numpy()
            else:
                raise WorkerError(f"predict worker {worker} sent an unknown request {kind!r}")
        self._send(worker, reply)
        return None

    def _send(self, worker: int, message) -> None:
        try:
            self.conns[worker].send(message)
        except OSError:
            raise self._exited(worker) from None

    def _exited(self, worker: int) -> WorkerError:
        self.processes[worker].join(STOP_TIMEOUT_S)  # its exit code tells why (a signal: negative)
        return WorkerError(f"predict worker {worker} exited (code {self.processes[worker].exitcode})")

    def close(self, graceful: bool = True) -> None:
        """Stop every worker and close the pipes. Graceful: idle workers are told to exit (and
        terminated when they do not in time); otherwise (a failure, or a consumer that stopped
        reading) they are terminated at once, since they may be waiting for an answer."""
        for conn in self.conns if graceful else ():
            try:
                conn.send(None)
            except OSError:
                pass
        for process in self.processes:
            process.join(STOP_TIMEOUT_S if graceful else 0)
            if process.is_alive():
                process.terminate()
                process.join()
        for conn in self.conns:
            conn.close()
        self.conns, self.processes, self.calls = [], [], []  # calls: hidden states on the device
