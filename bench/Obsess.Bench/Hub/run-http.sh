#!/usr/bin/env bash
# Runs the HTTP hub benchmarks on one engine, on a fresh database: imports the hub-import CSV (1,000,000 events,
# ~100k customers, source "bench") with the CLI, starts the app as a real process, creates an ingest key named
# "bench" (so its user ids resolve to the imported customers) and a viewer key, runs hub-ingest (POST /v1/batch,
# bounded by SECONDS), then wrk on GET /api/customers/{id}: a 20 s warm-up (WARMUP_S), paced to ~500 req/s three
# times, and once unpaced. Ingestion is measured in the steady state (STEADY, below).
# usage: bench/Obsess.Bench/Hub/run-http.sh sqlite|postgres [EVENTS] [SENDERS]   (from the repository root)
# postgres needs OBSESS_BENCH_POSTGRES (e.g. from: PG_DURABLE=1 ../shared/scripts/pg-start 55450)
# PORT: the app's port (default 5110); PROFILE=0 skips the wrk profile runs (ingestion only); OBSESS_APP_DLL runs
# another build of the app (e.g. main's, to compare before/after under the same machine load); TEXT_MODELS=first-start
# lets the app train its text models at first start, during the ingestion (see below).
set -euo pipefail
engine=${1:?sqlite or postgres}; events=${2:-1000000}; senders=${3:-4}; seconds=${SECONDS_MAX:-120}
csv=/tmp/obsess-hub-events-1000000-100000-42.csv   # written by: hub-import (or hub-import --runs 0)
port=${PORT:-5110}; url=http://127.0.0.1:$port
data=$(mktemp -d /tmp/obsess-hub-http-XXXX)
# The data folder (a million-event database is ~1 GB) goes with the run unless OBSESS_BENCH_KEEP=1.
app_pid=
trap 'if [[ -n $app_pid ]]; then kill $app_pid 2>/dev/null || true; wait $app_pid 2>/dev/null || true; fi; [[ ${OBSESS_BENCH_KEEP:-0} == 1 ]] || rm -rf "$data"' EXIT
db_args=(); count_args=(--sqlite "$data/obsess.db")
if [[ $engine == postgres ]]; then
  base=${OBSESS_BENCH_POSTGRES:?set OBSESS_BENCH_POSTGRES}
  name=obsess_hub_http
  psql "$(echo "$base" | sed 's/;/ /g; s/Username=/user=/; s/Password=/password=/; s/Host=/host=/; s/Port=/port=/; s/Database=/dbname=/')" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >/dev/null
  conn=$(echo "$base" | sed "s/Database=[^;]*/Database=$name/")
  db_args=(--database "$conn"); count_args=(--postgres "$conn")
fi
dotnet build -c Release src/Obsess -v q -nologo >/dev/null
dotnet build -c Release bench/Obsess.Bench -v q -nologo >/dev/null
app=${OBSESS_APP_DLL:-src/Obsess/bin/Release/net10.0/obsess.dll}
bench=bench/Obsess.Bench/bin/Release/net10.0/Obsess.Bench.dll
key() { dotnet $app keys create --name "$1" --role "$2" --data-dir "$data" "${db_args[@]}" 2>/dev/null | tail -1; }
[[ -f $csv ]] || { echo "run hub-import --runs 0 first (it writes $csv)"; exit 2; }
[[ ${PROFILE:-1} == 0 ]] || command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (or PROFILE=0 for ingestion only)"; exit 2; }
echo "## import of $csv: $(date -u +%T), load: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "import wall %e s" dotnet $app import events "$csv" --format csv --source bench --data-dir "$data" "${db_args[@]}" 2>&1 | tail -3
# The text models: trained once (obsess text train, ~25 s) into a folder the runs share, so that the training a fresh
# data folder does at the app's first start does not overlap the measured ingestion. TEXT_MODELS=first-start keeps
# that first-start training (what a brand-new install does), as the runs before 2026-11-24 20:00 measured it.
text_env=()
if [[ ${TEXT_MODELS:-shared} != first-start ]]; then
  # One folder per build of the text engine, so a changed engine never runs on another build's weights.
  models=/tmp/obsess-bench-text-models-$(sha1sum "$(dirname "$app")/Obsess.Analytics.dll" | cut -c1-12)
  [[ -f $models/.trained ]] || { dotnet $app text train --out "$models" >/dev/null && touch "$models/.trained"; }
  text_env=(Obsess__Text__Models="$models")
fi
env "${text_env[@]}" ASPNETCORE_ENVIRONMENT=Production dotnet $app --data-dir "$data" --urls $url --no-demo "${db_args[@]}" > "$data/app.log" 2>&1 &
app_pid=$!
for _ in $(seq 60); do curl -fs $url/healthz >/dev/null 2>&1 && break; sleep 1; done
write_key=$(key bench ingest); view_key=$(key bench-viewer viewer)
echo "## $engine, $(nproc) cores, $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
# Steady state (STEADY=1, the default): the measured ingestion starts after what a just-started app does once — the
# scores job's first pass over the imported customers (20 s after start, a few seconds of CPU; a running server
# repeats it every 5 minutes when customers changed) — and after 50,000 warm-up events with other message ids (JIT
# of the ingestion path), not counted. STEADY=0 measures from a cold start, as the runs before 2026-11-24 21:30 did.
if [[ ${STEADY:-1} == 1 ]]; then
  for _ in $(seq 90); do grep -q "Scores for workspace" "$data/app.log" && break; sleep 1; done
  echo "### steady state: scores job's first pass: $(grep -m1 -o 'Scores for workspace.*' "$data/app.log" || echo 'not seen in 90 s'); warm-up 50,000 events, not counted"
  dotnet $bench hub-ingest --url $url --write-key "$write_key" "${count_args[@]}" --events 50000 --senders "$senders" --seconds 30 --seed 1007 | grep -E "^\| (SQLite|PostgreSQL)" || true
  echo "## $engine, measured ingestion, $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
dotnet $bench hub-ingest --url $url --write-key "$write_key" "${count_args[@]}" --events "$events" --senders "$senders" --seconds "$seconds" --ids-out "$data/ids.txt" || echo "(hub-ingest exited non-zero: see above)"
[[ ${PROFILE:-1} == 0 ]] && exit 0
# Pacing: rate ≈ 10 connections × 1000 / (DELAY_MS + latency). A profile takes ~2.5 ms on SQLite and ~9 ms on
# PostgreSQL on the 2-core machine, so these defaults aim at ~500 req/s on each (2026-11-24 quiet runs).
default_delay=16; [[ $engine == postgres ]] && default_delay=10
# wrk on the profile with bench/Obsess.Bench/Hub/profile.lua: profile_wrk DELAY_MS WRK_ARGS...
profile_wrk() { local delay=$1; shift; IDS_FILE=$data/ids.txt API_KEY=$view_key DELAY_MS=$delay wrk -t2 "$@" -s bench/Obsess.Bench/Hub/profile.lua $url; }
# Warm-up, not counted: the profile's code paths have not run in this process yet (tier-0 JIT, then the
# background JIT recompiling them while the load runs). WARMUP_S=0 measures from cold, as runs before 2026-11-24
# 21:00 did.
if (( ${WARMUP_S:-20} > 0 )); then
  echo "### warm-up, not counted: wrk -t2 -c10 -d${WARMUP_S:-20}s, no pause (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  profile_wrk 0 -c10 -d"${WARMUP_S:-20}"s | grep -E "Requests/sec|Latency"
fi
for run in 1 2 3; do
  echo "### wrk run $run (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  profile_wrk "${DELAY_MS:-$default_delay}" -c10 -d30s --latency
done
echo "(unbounded: wrk -t2 -c20 -d20s, no pause)"
profile_wrk 0 -c20 -d20s --latency
