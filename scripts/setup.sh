#!/usr/bin/env bash
# Sets quicklearn up on a fresh machine: Node packages, the engine's Python virtual environment, the build.
#   bash scripts/setup.sh          what running studies needs
#   bash scripts/setup.sh --dev    plus what the tests need (reference scorers, pytest, ruff, Chromium, SLURM)
# Safe to run again: every step is skipped or quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1

say() { printf '\n== %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "quicklearn needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
  echo "quicklearn needs Python 3.10 or newer as '$PYTHON' (set PYTHON=... to choose another)" >&2
  exit 1
fi

say "Node packages"
npm ci --no-audit --no-fund --loglevel=error

say "Python engine environment (.venv)"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
req=engine/requirements.txt
[ $dev = 1 ] && req=engine/requirements-dev.txt
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"

if [ $dev = 1 ]; then
  # System packages the tests use: Chromium (report screenshot test) and a one-node SLURM cluster.
  missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v slurmctld >/dev/null || missing+=(slurm-wlm slurm-client munge)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      say "System packages: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "note: not root, so not installing ${missing[*]}; the tests that need them will say so" >&2
    fi
  fi
fi

say "Build"
npm run --silent build
echo "quicklearn is set up: ./bin/quicklearn --help" >&2
