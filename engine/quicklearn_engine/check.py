"""Preflight checks before a study spends GPU-hours: the GPUs asked for exist, each model's config,
tokenizer and weight files are whole, read at metadata level (no weights loaded), and the packages the
runs' trackers write with are installed.

    python -m quicklearn_engine.check --model models/tiny [--model org/name ...] [--chat-model REF ...]
        [--gpus 0,1] [--tracker tensorboard ...]

One JSON line per finding on stdout: {"type": "finding", "check": "device" | "model" | "tokenizer" |
"weights" | "template" | "tracking", "target", "ok", "message"}, a weights finding with "parameters" and
"weight_bytes" when it could count them. A `--chat-model` (runs with `template: chat`) gets a template
finding: the rule the run itself applies (chat.py), so a model without a chat template fails here rather
than in every run. A `--tracker` (runs with `tracking`) gets a tracking finding for the same reason: a run
whose tracker's package is missing fails with bad_spec (tracking.py).
Exit status 0 once every finding is printed, whatever they say: the driver (src/engine/check.ts) judges them.
"""

import argparse
import importlib.metadata
import importlib.util
import json
import math
import os
import struct
import sys
import zipfile
from pathlib import Path

from .errors import EngineError

# The JSON files a tokenizer folder may hold; each must parse (a cut tokenizer.json fails every run).
TOKENIZER_JSON = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
)


# The package each tracker of a spec's `tracking` writes with (tracking.py imports it), by its import name.
TRACKER_PACKAGES = {"tensorboard": "tensorboardX"}
# Where the engine's pinned versions are: the pip command a missing package's finding gives installs that one.
REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"


def finding(check: str, target: str, ok: bool, message: str, **extra) -> dict:
    return {"type": "finding", "check": check, "target": target, "ok": ok, "message": message, **extra}


# ------------------------------------------------------------------------------------------- device


def check_gpus(gpus: list[int]) -> dict:
    """The GPU indices `--gpus` names (physical indices: each worker gets one as CUDA_VISIBLE_DEVICES)."""
    # The workers' CUDA_VISIBLE_DEVICES replaces the user's, so the indices count against every GPU.
    os.environ.pop("CUDA_VISIBLE_DEVICES", None)
    import torch

    target = "--gpus " + ",".join(map(str, gpus))
    if not torch.cuda.is_available():
        return finding(
            "device",
            target,
            False,
            f"{target}: no CUDA GPU is available (torch {torch.__version__}, built for CUDA "
            f"{torch.version.cuda or 'none'}); run with --cpu, or on a machine with NVIDIA GPUs and drivers",
        )
    count = torch.cuda.device_count()
    missing = [g for g in gpus if g >= count]
    if missing:
        return finding(
            "device",
            target,
            False,
            f"{target}: GPU {','.join(map(str, missing))} does not exist: this machine has {count} "
            f"(indices 0-{count - 1}); give --gpus from those",
        )
    names = sorted({torch.cuda.get_device_name(g) for g in gpus})
    return finding("device", target, True, f"{len(gpus)} GPU(s) present: {', '.join(names)}")


# ------------------------------------------------------------------------------------------- models


def check_model(ref: str) -> list[dict]:
    """Findings for one model reference: a local folder, or a hub id (from the local cache, else the hub)."""
    from .models import locate_model

    try:
        source = locate_model(ref, "model")
    except EngineError as e:
        return [finding("model", ref, False, e.message.removeprefix("model: "))]
    folder = Path(source)
    if not folder.is_dir():
        folder, found = _hub_snapshot(ref)
        if folder is None:
            return [found]
    return [_check_config(ref, folder), _check_tokenizer(ref, folder), _check_weights(ref, folder)]


def check_chat_template(ref: str) -> list[dict]:
    """A template finding for a model that runs with `template: chat` (nothing when the model itself is not
    there: check_model names that)."""
    from .models import _architecture, locate_model

    try:
        folder = Path(locate_model(ref, "model"))
    except EngineError:
        return []
    if not folder.is_dir():
        folder, _ = _hub_snapshot(ref)
        if folder is None:
            return []
    from transformers import AutoTokenizer

    try:
        _, arch = _architecture(str(folder), "model")
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
        chat = arch.chat_template(tokenizer, ref)
    except EngineError as e:
        return [finding("template", ref, False, e.message)]
    except Exception:  # a damaged config or tokenizer: the model and tokenizer findings name it
        return []
    end = tokenizer.convert_ids_to_tokens(chat.end_of_turn)
    return [finding("template", ref, True, f"chat template, answers end with {end}")]


def _hub_snapshot(repo_id: str) -> tuple[Path | None, dict]:
    """The cached snapshot of a hub id, or (None, a finding): on the hub but not cached, or unreachable."""
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.constants import HF_HUB_CACHE
    from huggingface_hub.errors import LocalEntryNotFoundError, RepositoryNotFoundError

    try:
        return Path(snapshot_download(repo_id, local_files_only=True)), {}
    except LocalEntryNotFoundError:
        pass
    not_cached = f"hub id {repo_id!r} is not in the local Hugging Face cache ({HF_HUB_CACHE})"
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return None, finding(
            "model",
            repo_id,
            False,
            f"{not_cached} and HF_HUB_OFFLINE is set; download it where the hub is reachable",
        )
    try:
        info = HfApi().model_info(repo_id, files_metadata=True, timeout=20)
    except RepositoryNotFoundError:
        return None, finding(
            "model",
            repo_id,
            False,
            f"no model {repo_id!r} on the Hugging Face hub (or it is gated or private: `hf auth login`)",
        )
    except Exception as e:  # no network, DNS, proxy, TLS: whatever stops the download
        return None, finding(
            "model",
            repo_id,
            False,
            f"{not_cached} and the hub cannot be reached ({type(e).__name__}: {_first_line(e)}); "
            "download it first (e.g. `hf download " + repo_id + "`) or give a local model folder",
        )
    weights = [s for s in info.siblings or [] if _is_weight_file(s.rfilename)]
    size = sum(s.size or 0 for s in weights)
    return None, finding(
        "model",
        repo_id,
        True,
        f"on the hub, not cached: each worker downloads {size / 1e9:.1f} GB on its first run",
        weight_bytes=size,
        parameters=size // 4,
    )


def _check_config(ref: str, folder: Path) -> dict:
    from .models import _architecture

    path = folder / "config.json"
    problem = _json_problem(path)
    if problem:
        return finding("model", ref, False, problem)
    try:
        config, arch = _architecture(str(folder), "model")
    except EngineError as e:
        return finding("model", ref, False, f"{path}: {e.message.removeprefix('model: ')}")
    return finding("model", ref, True, f"{config.model_type} ({arch.title})")


def _check_tokenizer(ref: str, folder: Path) -> dict:
    for name in TOKENIZER_JSON:
        problem = _json_problem(folder / name)
        if problem:
            return finding("tokenizer", ref, False, problem)
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
    except Exception as e:  # the library's many failure types: a missing or damaged file, a bad class name
        return finding(
            "tokenizer",
            ref,
            False,
            f"{folder}: the tokenizer does not load ({type(e).__name__}: {_first_line(e)})",
        )
    if tokenizer.eos_token_id is None:
        return finding("tokenizer", ref, False, f"{folder}: the tokenizer has no eos token")
    return finding("tokenizer", ref, True, f"{type(tokenizer).__name__}, {len(tokenizer)} tokens")


def _check_weights(ref: str, folder: Path) -> dict:
    for index in ("model.safetensors.index.json", "pytorch_model.bin.index.json"):
        problem = _json_problem(folder / index) or _index_problem(folder / index)
        if problem:
            return finding("weights", ref, False, problem)
    files = sorted(p for p in folder.iterdir() if _is_weight_file(p.name))
    if not files:
        return finding(
            "weights",
            ref,
            False,
            f"{folder}: no weight files (model.safetensors or pytorch_model.bin, as save_pretrained writes)",
        )
    parameters = 0
    for path in files:
        try:
            parameters += (
                _safetensors_parameters(path) if path.suffix == ".safetensors" else _bin_parameters(path)
            )
        except ValueError as e:
            return finding("weights", ref, False, f"{path}: {e}")
    size = sum(p.stat().st_size for p in files)
    return finding(
        "weights",
        ref,
        True,
        f"{len(files)} file(s), {size / 1e6:,.1f} MB, {parameters:,} parameters",
        weight_bytes=size,
        parameters=parameters,
    )


def _is_weight_file(name: str) -> bool:
    return name.endswith(".safetensors") or (name.startswith("pytorch_model") and name.endswith(".bin"))


def _safetensors_parameters(path: Path) -> int:
    """Check a safetensors file's header and length; return its parameter count.

    Read by hand: the safetensors library refuses a damaged file with "MetadataIncompleteBuffer" or
    "invalid JSON in header", without saying how much of the file is missing; the format (8-byte
    little-endian header length, a JSON header with each tensor's dtype, shape and byte offsets, then the
    tensor bytes) is fixed by its specification."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ValueError(f"truncated: {size} bytes, not even the 8-byte header length")
        (header_len,) = struct.unpack("<Q", head)
        if 8 + header_len > size:
            raise ValueError(f"truncated: header says it is {header_len:,} bytes long, the file has {size:,}")
        try:
            header = json.loads(f.read(header_len))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"damaged: its header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise ValueError("damaged: its header is not a JSON object")
    tensors = {k: v for k, v in header.items() if k != "__metadata__"}
    try:
        end = max((int(t["data_offsets"][1]) for t in tensors.values()), default=0)
        parameters = sum(math.prod(t["shape"]) for t in tensors.values())
    except (KeyError, TypeError, ValueError, IndexError):
        raise ValueError("damaged: a tensor entry of its header has no data_offsets or shape") from None
    data = size - 8 - header_len
    if data < end:
        raise ValueError(f"truncated: header says {end:,} bytes of tensors, the file has {data:,}")
    return parameters


def _bin_parameters(path: Path) -> int:
    """A torch.save file is a zip archive whose directory sits at its end: a cut file has none. Parameters
    are estimated from the size (fp32)."""
    try:
        with zipfile.ZipFile(path) as z:
            z.infolist()
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(f"damaged or truncated: not a complete torch.save archive ({e})") from None
    return path.stat().st_size // 4


def _index_problem(path: Path) -> str | None:
    """A sharded checkpoint's index must name shards that exist."""
    if not path.is_file():
        return None
    weight_map = json.loads(path.read_text()).get("weight_map")
    if not isinstance(weight_map, dict):
        return f"{path}: no weight_map"
    missing = sorted({f for f in weight_map.values() if not (path.parent / str(f)).is_file()})
    return f"{path}: names shard(s) that are missing: {', '.join(missing)}" if missing else None


def _json_problem(path: Path) -> str | None:
    """None when `path` is absent or valid JSON; else a message naming the file and the place."""
    if not path.is_file():
        return None if path.name != "config.json" else f"{path}: missing"
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        return f"{path}: not valid UTF-8 (byte 0x{e.object[e.start]:02x} at offset {e.start})"
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        cut = e.pos >= len(text.rstrip()) - 1 or e.msg.startswith("Unterminated")
        return f"{path}: not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}" + (
            " (the file ends early: truncated?)" if cut else ""
        )
    return None


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else ""


# ------------------------------------------------------------------------------------------- tracking


def check_tracker(name: str) -> dict:
    """That the package `name` writes with is installed in this Python (the engine's: each run's too),
    found by its metadata, nothing imported: else every run with `tracking` fails the same way."""
    package = TRACKER_PACKAGES[name]
    python = sys.executable
    if importlib.util.find_spec(package) is None:
        return finding(
            "tracking",
            python,
            False,
            f"{python}: {package} is not installed, and `tracking: {name}` writes with it; install it: "
            f"{python} -m pip install {_pinned(package)}, or leave tracking out of the study spec",
        )
    try:
        version = importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:  # importable, but not installed by pip (on PYTHONPATH)
        version = "(version unknown)"
    return finding("tracking", python, True, f"{package} {version}, for tracking: {name}")


def _pinned(package: str) -> str:
    """`package==version` as engine/requirements.txt pins it; the bare name when that file is not there."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    try:
        lines = REQUIREMENTS.read_text().splitlines()
    except OSError:
        return package
    for line in lines:
        try:
            req = Requirement(line.split("#", 1)[0].strip())
        except InvalidRequirement:  # blank lines, comments, pip options
            continue
        if canonicalize_name(req.name) == canonicalize_name(package):
            return f"{package}{req.specifier}"
    return package


# ------------------------------------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m quicklearn_engine.check", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--model", action="append", default=[], help="a model folder or hub id (repeatable)")
    parser.add_argument(
        "--chat-model", action="append", default=[], help="a model runs use with template chat (repeatable)"
    )
    parser.add_argument("--gpus", help="GPU indices that must exist, e.g. 0,1")
    parser.add_argument(
        "--tracker",
        action="append",
        default=[],
        choices=sorted(TRACKER_PACKAGES),
        help="a tracker runs write to (repeatable)",
    )
    args = parser.parse_args(argv)
    from .process import die_with_parent, emitter, start_process

    emit = emitter(start_process(), ())
    die_with_parent()
    if args.model or args.chat_model:
        import transformers

        transformers.logging.set_verbosity_error()
    if args.gpus:
        emit(check_gpus([int(g) for g in args.gpus.split(",") if g.strip()]))
    for ref in dict.fromkeys(args.model):
        for f in check_model(ref):
            emit(f)
    for ref in dict.fromkeys(args.chat_model):
        for f in check_chat_template(ref):
            emit(f)
    for name in dict.fromkeys(args.tracker):
        emit(check_tracker(name))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
