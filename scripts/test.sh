#!/usr/bin/env bash
# All of quicklearn's checks: format, lint, types, import cycles, TypeScript tests (unit and end-to-end), engine tests.
# Ends with one line "N passed, N failed" over both test runners.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
step() { printf '\n== %s\n' "$1"; shift; "$@" || status=1; }

step "Format (prettier)" npx prettier --check . --log-level warn
step "Lint (eslint)" npx eslint .
step "Format (ruff, engine)" .venv/bin/ruff format --check engine
step "Lint (ruff, engine)" .venv/bin/ruff check engine
step "Types (tsc)" npx tsc -p tsconfig.json --noEmit
step "Import cycles (madge)" npm run --silent check:cycles
step "Build" npm run --silent build

reports=$(mktemp -d)
step "TypeScript tests (vitest)" npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/vitest.json"
step "Engine tests (pytest)" .venv/bin/python -m pytest -q engine/tests --junitxml="$reports/pytest.xml"

node scripts/test-summary.mjs "$reports/vitest.json" "$reports/pytest.xml" || status=1
rm -rf "$reports"
exit $status
