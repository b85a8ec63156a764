#!/usr/bin/env bash
# One-shot GPU check (issue 5): the engine's tests on CUDA, then the speed benchmark and its levers on the
# T5 v1.1 XL shape. On a machine with a CUDA GPU and the engine's Python environment:
#   bash scripts/gpu-check.sh [tests] [bench] [levers]      (default: all three, in this order)
# Writes to $OUT if set, else ./gpu-check-out: tests.log + pytest.xml, bench.log + engine-bench.json (also
# copied to assets/performance/, where `quicklearn plan` reads it), levers.log + levers.json.
# PYTHON chooses the interpreter (default .venv/bin/python). Exit: 0 all passed, 1 a step failed (the
# others still ran), 2 no CUDA GPU or no interpreter (nothing ran).
set -uo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
out=${OUT:-gpu-check-out}
steps=${*:-tests bench levers}
export PYTHONPATH=engine PYTHONUNBUFFERED=1

for s in $steps; do
  case $s in tests | bench | levers) ;; *) echo "gpu-check: unknown step '$s' (tests, bench, levers)" >&2; exit 2 ;; esac
done
if ! command -v "$py" >/dev/null; then
  echo "gpu-check: no $py: run scripts/setup.sh, or set PYTHON to an interpreter with the engine's packages" >&2
  exit 2
fi
if ! "$py" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  echo "gpu-check: torch in $py sees no CUDA GPU (nvidia-smi, CUDA_VISIBLE_DEVICES?); nothing was run" >&2
  exit 2
fi
mkdir -p "$out"
"$py" -c 'import torch; print("gpu-check:", torch.cuda.get_device_name(0), "torch", torch.__version__)'

status=0
# step NAME COMMAND...: run it, its output on the terminal and in $out/NAME.log; a failure is remembered.
step() {
  local name=$1
  shift
  echo "== $name: $*"
  "$@" 2>&1 | tee "$out/$name.log" || { status=1; echo "== $name FAILED"; }
}
bench() { "$py" -m quicklearn_engine.bench --model t5-xl-shape --device cuda --json "$@"; }

for s in $steps; do
  case $s in
    # -rs lists each skipped test with its reason (CPU-only ones, see engine/tests/conftest.py).
    tests) step tests env QUICKLEARN_TEST_DEVICE=cuda "$py" -m pytest -q -rs engine/tests \
      --junitxml="$out/pytest.xml" ;;
    bench)
      rm -f "$out/engine-bench.json" # not an earlier run's figures
      step bench bench --out "$out/engine-bench.json"
      [ -f "$out/engine-bench.json" ] && mkdir -p assets/performance &&
        cp "$out/engine-bench.json" assets/performance/engine-bench.json ;;
    # Fewer steps and prompts than the contract: six paths (baseline + five levers) in one process.
    levers) step levers bench --levers --steps 4 --gen-prompts 128 --out "$out/levers.json" ;;
  esac
done
echo "gpu-check: outputs in $out; $([ $status = 0 ] && echo 'all steps passed' || echo 'a step FAILED')"
exit $status
