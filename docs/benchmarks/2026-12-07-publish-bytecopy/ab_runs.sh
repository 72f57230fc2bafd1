#!/bin/bash
# Cold runs, then a no-new-files re-run on each warehouse: main ("base", a `git archive` of it with
# the same build/native under $BASE_ROOT) against this checkout ("new"), alternated.
#   BASE_ROOT=/tmp/base docs/benchmarks/2026-12-07-publish-bytecopy/ab_runs.sh <corpus> <out dir>
corpus=$1; out=$2; mkdir -p "$out"
i=0; for w in base new new base; do
  i=$((i+1)); wh=$out/wh-$w-$i; rm -rf "$wh" "$wh.log"
  echo "cold $i $(docs/benchmarks/2026-12-07-runs.sh $w "$corpus" "$wh")"
done
i=0; for w in base new new base; do
  i=$((i+1)); echo "rerun $i $(docs/benchmarks/2026-12-07-runs.sh $w "$corpus" "$out/wh-$w-$i")"
done
du -sb "$out"/wh-*/.work/*.duckdb "$out"/wh-*/.published/current/newsetl.duckdb
