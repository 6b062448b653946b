#!/usr/bin/env bash
# CPU cost of HTTP ingestion, per 1,000 events: utime+stime of the app, of the database server (PostgreSQL: the
# postmaster and every backend, live or exited) and of the sender, read from /proc around one hub-ingest run.
# CPU per event moves far less with other people's load than events/s does, so this is the figure to compare
# builds with on a shared machine.
# usage: bench/Obsess.Bench/Hub/cpu-ingest.sh sqlite|postgres DATA_DIR [SECONDS] [SEED]   (from the repository root)
#   DATA_DIR: prepared by a first run with PREPARE=1 (imports the 1M-event CSV with the CLI, creates the keys);
#   later runs reuse it with a new SEED each (new message ids), so nothing is a duplicate.
#   postgres needs OBSESS_BENCH_POSTGRES (e.g. from: PG_DURABLE=1 ../shared/scripts/pg-start 55471).
# The app is started fresh each run, warmed up with 20,000 other events, and the measured ingestion starts after the scores job's first run (20 s after
# start) has gone quiet, so the figure is the ingestion's own.
set -euo pipefail
engine=${1:?sqlite or postgres}; data=${2:?data dir}; seconds=${3:-30}; seed=${4:-11}
csv=/tmp/obsess-hub-events-1000000-100000-42.csv
port=${PORT:-5111}; url=http://127.0.0.1:$port
app=${OBSESS_APP_DLL:-src/Obsess/bin/Release/net10.0/obsess.dll}
bench=bench/Obsess.Bench/bin/Release/net10.0/Obsess.Bench.dll
db_args=(); count_args=(--sqlite "$data/obsess.db"); pg_pid=
if [[ $engine == postgres ]]; then
  base=${OBSESS_BENCH_POSTGRES:?set OBSESS_BENCH_POSTGRES}
  name=obsess_hub_cpu
  conn=$(echo "$base" | sed "s/Database=[^;]*/Database=$name/")
  db_args=(--database "$conn"); count_args=(--postgres "$conn")
  pg_port=$(echo "$base" | sed 's/.*Port=\([0-9]*\).*/\1/')
  pg_pid=$(head -1 "$(cat "$(dirname "$(mktemp -u)")/obsess-pg-$pg_port.dir")/postmaster.pid")
fi
ticks=$(getconf CLK_TCK)
# utime+stime (+ children's, for exited PostgreSQL backends) of a process, in clock ticks.
cpu_of() { awk '{print $14+$15+$16+$17}' "/proc/$1/stat"; }
pg_cpu() { local t; t=$(cpu_of "$pg_pid"); for c in $(pgrep -P "$pg_pid"); do t=$((t + $(awk '{print $14+$15}' "/proc/$c/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
if [[ ${PREPARE:-0} == 1 ]]; then
  mkdir -p "$data"
  if [[ $engine == postgres ]]; then
    psql "$(echo "$base" | sed 's/;/ /g; s/Username=/user=/; s/Password=/password=/; s/Host=/host=/; s/Port=/port=/; s/Database=/dbname=/')" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >/dev/null
  fi
  echo "## import: $(date -u +%T), load: $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "import wall %e s, cpu %U+%S s" dotnet $app import events "$csv" --format csv --source bench --data-dir "$data" "${db_args[@]}" 2>&1 | tail -3
  dotnet $app keys create --name bench --role ingest --data-dir "$data" "${db_args[@]}" 2>/dev/null | tail -1 > "$data/write.key"
fi
ASPNETCORE_ENVIRONMENT=Production dotnet $app --data-dir "$data" --urls $url --no-demo "${db_args[@]}" > "$data/app.log" 2>&1 &
app_pid=$!
trap 'kill $app_pid 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -fs $url/healthz >/dev/null 2>&1 && break; sleep 1; done
# Wait for the scores job's first run (it starts 20 s after the app) to finish: the app idle for 3 s in a row.
sleep 22; idle=0
while ((idle < 3)); do a=$(cpu_of $app_pid); sleep 1; b=$(cpu_of $app_pid); if ((b - a < 5)); then idle=$((idle + 1)); else idle=0; fi; done
# Warm up (JIT tiering, connection pool, caches) with other message ids, outside the measured window. 20,000 events
# (40 requests) left the runtime's background JIT at ~12% of the app's samples in the measured window (perf); the
# default of 100,000 lets tiering finish first, so the figure is the steady state of a running server.
dotnet $bench hub-ingest --url $url --write-key "$(cat "$data/write.key")" "${count_args[@]}" --events "${WARMUP_EVENTS:-100000}" --senders "${SENDERS:-4}" \
  --batch "${BATCH:-500}" --seconds 20 --seed $((seed + 100000)) >/dev/null || true
load0=$(cut -d' ' -f1-3 /proc/loadavg)
app0=$(cpu_of $app_pid); db0=${pg_pid:+$(pg_cpu)}
out=$(mktemp)
/usr/bin/time -f "sender %U %S" -o "$out.time" dotnet $bench hub-ingest --url $url --write-key "$(cat "$data/write.key")" "${count_args[@]}" \
  --events "${EVENTS:-600000}" --senders "${SENDERS:-4}" --batch "${BATCH:-500}" --seconds "$seconds" --seed "$seed" | tee "$out" || true
app1=$(cpu_of $app_pid); db1=${pg_pid:+$(pg_cpu)}
accepted=$(awk -F'|' '/^\| (SQLite|PostgreSQL)/ {gsub(/[ ,]/,"",$6); print $6}' "$out")
awk -v a="$((app1 - app0))" -v d="${db1:+$((db1 - db0))}" -v n="$accepted" -v hz="$ticks" -v l0="$load0" -v l1="$(cut -d' ' -f1-3 /proc/loadavg)" -v s="$(cut -d' ' -f2,3 "$out.time")" 'BEGIN {
  split(s, st, " "); snd = (st[1] + st[2]) * 1000
  printf "cpu-ms per 1,000 events: app %.0f, database %s, sender %.0f (incl. building its bodies); load %s -> %s\n",
    a * 1000 / hz * 1000 / n, d == "" ? "in-process" : sprintf("%.0f", d * 1000 / hz * 1000 / n), snd * 1000 / n, l0, l1 }'
rm -f "$out" "$out.time"
