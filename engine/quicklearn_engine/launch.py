"""One run from a spec file, without the JSON-lines request loop: the entry point for torchrun.

    python -m quicklearn_engine.launch --spec run.json                          # one process
    torchrun --standalone --nproc_per_node 4 -m quicklearn_engine.launch --spec run.json   # 4 GPUs, DDP

Rank 0 prints the worker's events (progress, log, warning, checkpoint, then done or error) as JSON lines
on stdout, everything else goes to stderr; the other ranks print only to stderr, an error as the line
`[rank N] error {"code": ..., "message": ...}`. Exit status: 0 done,
2 the user's error (bad spec, missing model, ...), 1 other failures, 130 interrupted (SIGINT/SIGTERM).
docs/engine.md, "Multi-GPU", has the srun + torchrun command for several nodes.
"""

import argparse
import json
import os
import sys
import traceback


def _die_with_torchrun() -> None:
    """torchrun starts each rank in a session of its own, so killing torchrun (SIGKILL after a timeout, an
    OOM kill) does not reach the ranks: they die with it instead (process.die_with_parent)."""
    if "TORCHELASTIC_RUN_ID" in os.environ:
        from .process import die_with_parent

        die_with_parent()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m quicklearn_engine.launch", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--spec", required=True, help="run spec (JSON, docs/engine.md)")
    parser.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        help="device for a spec that says auto (default: $QUICKLEARN_DEVICE, else auto)",
    )
    args = parser.parse_args(argv)
    from .process import emitter, setup_torch, start_process

    rank = int(os.environ.get("RANK", "0"))
    # stdout carries only rank 0's protocol lines; stray prints of any rank go to stderr.
    proto = start_process(protocol=rank == 0)
    write = emitter(proto, ("run_id",)) if proto is not None else None
    run_id = None

    def emit(event: dict) -> None:
        if write is not None:
            write(event)
        elif event.get("type") == "warning":
            print(f"[rank {rank}] warning: {event.get('message')}", file=sys.stderr)
        elif event.get("type") == "error":
            # torchrun may stop rank 0 before it reports the same failure: the driver reads this line then.
            body = {"code": event.get("code"), "message": event.get("message")}
            print(f"[rank {rank}] error {json.dumps(body)}", file=sys.stderr, flush=True)

    _die_with_torchrun()
    import torch

    from . import distributed
    from .errors import EngineError
    from .models import ModelCache
    from .run import execute
    from .spec import default_device, parse_spec, with_default_device

    setup_torch()
    par = None
    try:
        try:
            with open(args.spec, encoding="utf-8") as f:
                raw = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            raise EngineError("bad_spec", f"{args.spec}: cannot read the run spec: {e}") from None
        spec = parse_spec(with_default_device(raw, args.device or default_device()))
        run_id = spec.run_id
        par = distributed.init(spec.device, spec.train.parallel if spec.train else "ddp")
        cache = ModelCache(keep_pristine=False)  # one run per process: nothing to restore
        body = execute(spec, cache, lambda e: emit({**e, "run_id": run_id}), par=par)
        # Rank 0 has written every output; the others wait for it before the group goes away.
        par.barrier()
        emit({"type": "done", "run_id": run_id, **body})
        return 0
    except EngineError as e:
        emit({"type": "error", "run_id": run_id, "code": e.code, "message": e.message})
        return 2 if e.user_fault else 1
    except KeyboardInterrupt:
        message = "run interrupted (SIGINT/SIGTERM)"
        emit({"type": "error", "run_id": run_id, "code": "interrupted", "message": message})
        return 130
    except torch.OutOfMemoryError as e:
        emit({"type": "error", "run_id": run_id, "code": "out_of_memory", "message": str(e).splitlines()[0]})
        return 1
    except Exception as e:  # a bug or an unexpected library failure: report it with its traceback
        traceback.print_exc(file=sys.stderr)
        emit(
            {
                "type": "error",
                "run_id": run_id,
                "code": "internal",
                "message": f"{type(e).__name__}: {e}",
                "traceback": traceback.format_exc(),
            }
        )
        return 1
    finally:
        if par is not None:
            distributed.shutdown(par)


if __name__ == "__main__":
    code = main()
    # Leave without the interpreter's teardown: the run is over (outputs written, events flushed, the process
    # group destroyed), yet once, under load, a rank aborted in it (SIGABRT, "terminate called without an
    # active exception" from a gloo thread) and torchrun reported the finished run as failed.
    sys.stderr.flush()
    os._exit(code)
