"""What both engine entry points (worker.py, the JSON-lines worker; launch.py, one run under torchrun) do
as a process, before and around the engine itself: quiet libraries, protocol lines on the real stdout only,
SIGTERM as Ctrl-C, and torch set up once it is imported. Kept free of torch imports so that it runs first."""

import json
import os
import signal
import sys
from collections.abc import Callable


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent goes (prctl PR_SET_PDEATHSIG; no library exposes it).
    The driver (Node, or torchrun for a rank) may be SIGKILLed or OOM-killed: an engine left running would
    go on writing into the run folder while a resumed study runs the same run again."""
    if sys.platform != "linux":
        return
    import ctypes

    parent = os.getppid()
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def start_process(protocol: bool = True):
    """Set the process up and return the stream for protocol lines (None for a process that prints none,
    e.g. a torchrun rank other than 0). Stray prints of any library go to stderr, never into the protocol."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8") if protocol else None
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # SIGTERM stops a run the same way Ctrl-C does: cleanly, temp files removed, an "interrupted" error.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    return proto


def emitter(proto, absent_when_none: tuple[str, ...]) -> Callable[[dict], None]:
    """Write one event as a JSON line; the `absent_when_none` keys are left out rather than null."""

    def emit(event: dict) -> None:
        event = {k: v for k, v in event.items() if not (k in absent_when_none and v is None)}
        proto.write(json.dumps(event, ensure_ascii=False, default=str) + "\n")
        proto.flush()

    return emit


def setup_torch() -> None:
    """Threads as the driver asks (QUICKLEARN_TORCH_THREADS: tiny models on a shared CPU run far faster
    single-threaded, without OpenMP spin contention) and no transformers chatter."""
    import torch
    import transformers

    threads = os.environ.get("QUICKLEARN_TORCH_THREADS")
    if threads:
        torch.set_num_threads(int(threads))
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def _raise_interrupt(_signum, _frame):
    raise KeyboardInterrupt
