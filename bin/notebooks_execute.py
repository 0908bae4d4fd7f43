#!/usr/bin/python3
"""Execute one Jupyter notebook headless and write the executed copy.

Usage: notebooks_execute.py INPUT.ipynb OUTPUT.ipynb KERNEL_NAME CELL_TIMEOUT_S

Exit status 0 when every cell ran, 1 when a cell failed or timed out or the
kernel died (the error is printed, and the copy is written up to that cell),
2 on bad arguments. The kernel's working directory is the notebook's folder,
as in `jupyter nbconvert --execute`.

This wraps nbclient (Debian's python3-nbclient) rather than calling
`jupyter nbconvert --execute`. Deno's kernel (checked with Deno 2.9.6)
sometimes publishes a cell's `idle` status before its last outputs, and
nbclient stops reading at `idle`, so it drops those outputs. Here, reading
goes on until the kernel has been quiet for LATE_OUTPUT_GRACE_S. A cell's
failure is still taken from the execute reply, as nbconvert does.
"""
import os
import sys
from queue import Empty

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import (
    CellExecutionComplete,
    CellExecutionError,
    CellTimeoutError,
    DeadKernelError,
)

# Late outputs came at most 1.1 ms after `idle` in 60 runs of a cell that
# displays a value, awaits a 20 ms timer, logs and returns a value (Deno 2.9.6,
# 2-core machine under load), so 0.25 s leaves a wide margin.
LATE_OUTPUT_GRACE_S = 0.25


class LateOutputNotebookClient(NotebookClient):
    """A NotebookClient that keeps a cell's outputs published after its idle status."""

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        while True:
            msg = await self.kc.iopub_channel.get_msg(timeout=None)
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                break
        while True:
            try:
                msg = await self.kc.iopub_channel.get_msg(timeout=LATE_OUTPUT_GRACE_S)
            except Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                pass


def main(argv):
    if len(argv) != 5:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    source, target, kernel_name, timeout = argv[1:]
    try:
        timeout_s = int(timeout)
    except ValueError:
        print(f"invalid cell timeout {timeout!r}: give whole seconds", file=sys.stderr)
        return 2
    notebook = nbformat.read(source, as_version=4)
    client = LateOutputNotebookClient(
        notebook,
        timeout=timeout_s,
        kernel_name=kernel_name,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(source))}},
    )
    failed = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
        # The copy keeps the outputs up to the failure, so it is written either way.
        failed = err
    temporary = f"{target}.{os.getpid()}.tmp"
    nbformat.write(notebook, temporary)
    os.replace(temporary, target)
    if failed is not None:
        print(f"{type(failed).__name__}: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
