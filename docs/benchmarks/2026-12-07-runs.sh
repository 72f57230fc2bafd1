#!/bin/bash
# One `newsetl run` of main ("base") or of this checkout ("new"); prints wall seconds, the load
# average at the start and the run's stage seconds. Run from the checkout:
#   git archive <base commit> | tar -x -C $BASE_ROOT && cp -r build/native $BASE_ROOT/build/
#   docs/benchmarks/2026-12-07-runs.sh base|new <corpus> <warehouse> [PREFECT_API_URL]
which=$1; corpus=$2; wh=$3; api=$4
py=${PYTHON:-$(pwd)/.venv/bin/python}
if [ "$which" = base ]; then root=${BASE_ROOT:-/tmp/wt20-p/base}; else root=${NEW_ROOT:-$(pwd)}; fi
cd "$root" || exit 1
export PYTHONPATH=$root PREFECT_HOME=${PHOME:-/tmp/newsetl-phome}-$which DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false
[ -n "$api" ] && export PREFECT_API_URL=$api
load=$(cut -d' ' -f1 /proc/loadavg)
t0=$(date +%s.%N)
"$py" -m newsetl.app.cli run --input "$corpus" --warehouse "$wh" > "$wh.log" 2>&1
rc=$?
t1=$(date +%s.%N)
printf "%s rc=%s wall=%.2f load=%s %s\n" "$which" $rc "$(echo "$t1 - $t0" | bc)" "$load" "$(grep 'stage seconds' "$wh.log" | sed 's/.*stage seconds://')"
