#!/bin/bash
# No-new-files re-runs on one warehouse with a temporary Prefect server, alternated: "head" (a
# `git archive` of the commit before, with build/native, under $HEAD_ROOT) against this checkout;
# wall, the CLI process's peak RSS (/usr/bin/time) and the run's stage seconds and RSS.
#   HEAD_ROOT=/tmp/head docs/benchmarks/2026-12-07-publish-bytecopy/ab_rerun_gx.sh <corpus> <warehouse>
corpus=$1; wh=$2; py=$(pwd)/.venv/bin/python; new=$(pwd)
for w in head new new head head new; do
  root=$HEAD_ROOT; [ $w = new ] && root=$new
  export PYTHONPATH=$root PREFECT_HOME=/tmp/phome-$w DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false
  load=$(cut -d' ' -f1 /proc/loadavg); t0=$(date +%s.%N)
  (cd "$root" && /usr/bin/time -f "maxrss_kb=%M" "$py" -m newsetl.app.cli run --input "$corpus" --warehouse "$wh" --json > "$wh.$w.json" 2> "$wh.$w.err")
  t1=$(date +%s.%N)
  echo "$w wall=$(echo "$t1 - $t0" | bc) load=$load $(tail -1 "$wh.$w.err") $("$py" -c "import json;d=json.load(open('$wh.$w.json'));print(d['status'],d['timings'],d['peak_rss_mb'])")"
done
