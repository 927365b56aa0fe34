#!/usr/bin/env bash
# Run every benchmark in bench/ once (a minute or two on 2 cores). `make bench` calls this.
#   bash bench/run_all.sh                      # PostgreSQL at the default URL
#   OPSFLOW_BENCH_POSTGRES_URL=postgresql+psycopg://user@host:5432/db bash bench/run_all.sh
#   bash bench/run_all.sh --no-postgres        # SQLite and in-memory only
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3

pg_args=()
if [ "${1:-}" = "--no-postgres" ]; then
    pg_args=(--no-postgres)
elif [ -n "${OPSFLOW_BENCH_POSTGRES_URL:-}" ]; then
    pg_args=(--postgres "$OPSFLOW_BENCH_POSTGRES_URL")
fi

echo "== bench/sql_per_step.py"
"$PY" bench/sql_per_step.py --quiet
echo
echo "== bench/engine_throughput.py"
"$PY" bench/engine_throughput.py "${pg_args[@]}"
echo
echo "== bench/script_memory_bound.py"
"$PY" bench/script_memory_bound.py
echo
echo "== bench/step_cost.py"
"$PY" bench/step_cost.py
echo
echo "== bench/api_throughput.py"
"$PY" bench/api_throughput.py
echo
echo "== bench/appraisal_cycle.py"
"$PY" bench/appraisal_cycle.py "${pg_args[@]}"
echo
echo "== bench/web_inbox.py"
"$PY" bench/web_inbox.py
