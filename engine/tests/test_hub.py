"""A model given by hub id ("org/name") loads through from_pretrained's hub path, here from a local cache.

The hub cannot be reached from CI, but the code path is the same one a user with network runs: transformers
resolves the id in the Hugging Face cache (HF_HUB_CACHE) and, offline, stops there. The cache below has
the layout huggingface_hub writes (models--org--name/refs/main -> snapshots/<commit>/files).
"""

import shutil
from pathlib import Path

from conftest import base_spec, toy_rows, write_jsonl

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def cache_as_hub_model(model_dir: str, cache: Path, repo_id: str) -> None:
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    shutil.copytree(model_dir, repo / "snapshots" / COMMIT)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(COMMIT)


def test_a_hub_id_loads_from_the_hub_cache(worker, tiny_t5, tmp_path):
    cache = tmp_path / "hub"
    cache_as_hub_model(tiny_t5, cache, "quicklearn-test/tiny-t5")
    data = write_jsonl(tmp_path / "rows.jsonl", toy_rows(6))
    w = worker({"HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1"})

    w.send(
        {"type": "run", "id": 1, "spec": base_spec("quicklearn-test/tiny-t5", tmp_path / "run", data, data)}
    )
    done, _ = w.until_terminal()
    assert done["type"] == "done", done
    assert done["stats"]["model"] == "quicklearn-test/tiny-t5"
    assert len(Path(done["outputs"]["predictions"]).read_text().splitlines()) == 6

    # An id the cache does not hold is a clear error naming the field, not a traceback.
    w.send({"type": "run", "id": 2, "spec": base_spec("quicklearn-test/absent", tmp_path / "x", data, data)})
    error, _ = w.until_terminal()
    assert error["type"] == "error" and error["code"] == "model_not_found", error
    assert error["message"].startswith("model: "), error["message"]
    w.close()


def test_a_hub_id_pinned_to_a_revision_loads_that_snapshot(worker, tiny_t5, tmp_path):
    cache = tmp_path / "hub"
    cache_as_hub_model(tiny_t5, cache, "quicklearn-test/tiny-t5")
    data = write_jsonl(tmp_path / "rows.jsonl", toy_rows(4))
    w = worker({"HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1"})

    pinned = f"quicklearn-test/tiny-t5@{COMMIT}"
    w.send({"type": "run", "id": 1, "spec": base_spec(pinned, tmp_path / "run", data, data)})
    done, _ = w.until_terminal()
    assert done["type"] == "done", done

    # A revision the cache does not hold is refused, not replaced by whatever main points to.
    other = "quicklearn-test/tiny-t5@" + "f" * 40
    w.send({"type": "run", "id": 2, "spec": base_spec(other, tmp_path / "x", data, data)})
    error, _ = w.until_terminal()
    assert error["type"] == "error" and error["code"] == "model_not_found", error
    assert error["message"].startswith("model: "), error["message"]
    w.close()
