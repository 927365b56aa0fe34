#!/usr/bin/env bash
# Run every benchmark in bench/ once (about 6 minutes on 2 cores). `make bench` calls this.
#   bash bench/run_all.sh                      # PostgreSQL at the default URL
#   OPSFLOW_BENCH_POSTGRES_URL=postgresql+psycopg://user@host:5432/db bash bench/run_all.sh
#   bash bench/run_all.sh --no-postgres        # SQLite and in-memory only
#   bash bench/run_all.sh --big                # also the 100,000-instance databases and the pages on them:
#                                              # big_db.py builds them once (2-4 minutes each) and reuses them
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3

no_postgres=0
big=0
for arg in "$@"; do
    case "$arg" in
        --no-postgres) no_postgres=1 ;;
        --big) big=1 ;;
        *) echo "usage: bash bench/run_all.sh [--no-postgres] [--big]" >&2; exit 2 ;;
    esac
done
pg_args=()
pg_server=${OPSFLOW_BENCH_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
if [ "$no_postgres" = 1 ]; then
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
echo "== bench/durable_limit.py"
"$PY" bench/durable_limit.py "${pg_args[@]}"
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
echo
echo "== bench/audit_exports.py (smaller than its defaults; run it alone for 10,000 instances and 1,000,000 events)"
"$PY" bench/audit_exports.py --instances 2000 --events 100000
if [ "$big" = 1 ]; then
    echo
    echo "== bench/big_db.py (SQLite)"
    "$PY" bench/big_db.py
    if [ "$no_postgres" = 0 ]; then
        echo
        echo "== bench/big_db.py (PostgreSQL)"
        "$PY" bench/big_db.py --postgres "$pg_server"
    fi
    echo
    echo "== bench/inbox_at_scale.py"
    "$PY" bench/inbox_at_scale.py "${pg_args[@]}"
fi
echo
echo "== bench/preview_cost.py (a history of 60 plans here)"
"$PY" bench/preview_cost.py --history 60 --repeat 15 "${pg_args[@]}"
echo
echo "== bench/audit_search.py (20,000 instances here; --instances 100000 for the README's figure)"
"$PY" bench/audit_search.py --instances 20000 --heatmap 2000
