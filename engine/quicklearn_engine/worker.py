"""The engine worker: `python -m quicklearn_engine.worker`, one JSON object per line each way.

Requests on stdin:  {"type": "load_model", "id"?, "model", "init_from"?, "device"?}
                    {"type": "run" | "train" | "generate", "id"?, "spec": {...run spec...}}
                    {"type": "shutdown", "id"?}
Events on stdout:   ready, loaded, progress, log, warning, checkpoint, error, done, bye (docs/engine.md).
Each request ends with exactly one of: loaded, done, error, bye (carrying the request's "id").
Everything else the process prints (library warnings, progress bars) goes to stderr, never stdout.
"""

import json
import os
import signal
import sys
import traceback


def main() -> int:
    from .process import die_with_parent, emitter, setup_torch, start_process

    # Absent rather than null: a request without an id, an error outside a run.
    emit = emitter(start_process(), ("id", "run_id"))
    die_with_parent()

    import torch

    from .device import resolve_device
    from .errors import EngineError
    from .models import ModelCache
    from .run import execute, library_versions
    from .spec import default_device, parse_spec, with_default_device

    setup_torch()
    cache = ModelCache()
    emit(
        {
            "type": "ready",
            "pid": os.getpid(),
            "versions": library_versions(),
            "cuda_available": torch.cuda.is_available(),
            "cuda_devices": torch.cuda.device_count(),
        }
    )
    device_default = default_device()

    for line in sys.stdin:
        if not line.strip():
            continue
        req_id = None
        run_id = None
        try:
            try:
                req = json.loads(line)
            except json.JSONDecodeError as e:
                raise EngineError("bad_request", f"request is not valid JSON: {e.msg}") from None
            if not isinstance(req, dict) or not isinstance(req.get("type"), str):
                raise EngineError("bad_request", 'request must be a JSON object with a "type"')
            req_id = req.get("id")
            kind = req["type"]
            if kind == "shutdown":
                emit({"type": "bye", "id": req_id})
                return 0
            if kind == "load_model":
                device = resolve_device(req.get("device") or device_default)
                loaded, timing = cache.get(req.get("model") or "", req.get("init_from"), device)
                emit(
                    {
                        "type": "loaded",
                        "id": req_id,
                        "model_type": loaded.model_type,
                        "device": str(device),
                        **timing,
                    }
                )
            elif kind in ("run", "train", "generate"):
                spec = parse_spec(with_default_device(req.get("spec"), device_default))
                run_id = spec.run_id
                phases = {"run": ("train", "eval"), "train": ("train",), "generate": ("eval",)}[kind]

                def run_emit(event: dict, run_id=run_id) -> None:
                    emit({**event, "run_id": run_id})

                body = execute(spec, cache, run_emit, phases)
                emit({"type": "done", "id": req_id, "run_id": run_id, **body})
            else:
                raise EngineError(
                    "bad_request",
                    f"unknown request type {kind!r} (load_model, run, train, generate, shutdown)",
                )
        except EngineError as e:
            emit({"type": "error", "id": req_id, "run_id": run_id, "code": e.code, "message": e.message})
        except KeyboardInterrupt:
            # Ctrl-C reaches us twice (terminal process group + the driver's interrupt()): report once.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            emit(
                {
                    "type": "error",
                    "id": req_id,
                    "run_id": run_id,
                    "code": "interrupted",
                    "message": "run interrupted (SIGINT/SIGTERM)",
                }
            )
            return 130
        except torch.OutOfMemoryError as e:
            emit(
                {
                    "type": "error",
                    "id": req_id,
                    "run_id": run_id,
                    "code": "out_of_memory",
                    "message": str(e).splitlines()[0],
                }
            )
            cache.current = None  # the model may be half-updated; reload on the next run
            torch.cuda.empty_cache()
        except Exception as e:  # a bug or an unexpected library failure: report it with its traceback
            traceback.print_exc(file=sys.stderr)
            if cache.current is not None:
                cache.current.dirty = True
            emit(
                {
                    "type": "error",
                    "id": req_id,
                    "run_id": run_id,
                    "code": "internal",
                    "message": f"{type(e).__name__}: {e}",
                    "traceback": traceback.format_exc(),
                }
            )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
