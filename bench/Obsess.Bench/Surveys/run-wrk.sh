#!/usr/bin/env bash
# Load benchmark of the public survey response endpoint: starts the app as a real process on a fresh database,
# creates and publishes an NPS survey with a manager key, then wrk POSTs complete anonymous responses to
# /s/{token}/responses and the script checks that the responses stored equal the responses accepted (201).
# The load generator sends from one address, so the per-address and per-survey rate limits are raised for this
# run through configuration (Obsess__Surveys__PerAddressPerMinute / PerSurveyPerMinute); everything else is the
# product's normal path (validation, feedback records, comment texts queued for analysis, one transaction each).
# usage: bench/Obsess.Bench/Surveys/run-wrk.sh sqlite|postgres [SECONDS] [CONNECTIONS]   (from the repository root)
# postgres needs OBSESS_BENCH_POSTGRES (e.g. from: PG_DURABLE=1 ../shared/scripts/pg-start 55460)
set -euo pipefail
engine=${1:?sqlite or postgres}; seconds=${2:-30}; connections=${3:-16}
port=${PORT:-5120}; url=http://127.0.0.1:$port
data=$(mktemp -d /tmp/obsess-survey-wrk-XXXX)
# The data folder (a million-event database is ~1 GB) goes with the run unless OBSESS_BENCH_KEEP=1.
app_pid=
trap 'if [[ -n $app_pid ]]; then kill $app_pid 2>/dev/null || true; wait $app_pid 2>/dev/null || true; fi; [[ ${OBSESS_BENCH_KEEP:-0} == 1 ]] || rm -rf "$data"' EXIT
db_args=(); count() { sqlite3 "$data/obsess.db" "$1"; }
if [[ $engine == postgres ]]; then
  base=${OBSESS_BENCH_POSTGRES:?set OBSESS_BENCH_POSTGRES}
  libpq=$(echo "$base" | sed 's/;/ /g; s/Username=/user=/; s/Password=/password=/; s/Host=/host=/; s/Port=/port=/; s/Database=/dbname=/')
  name=obsess_survey_wrk
  psql "$libpq" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >/dev/null
  conn=$(echo "$base" | sed "s/Database=[^;]*/Database=$name/")
  db_args=(--database "$conn")
  count() { psql "$(echo "$conn" | sed 's/;/ /g; s/Username=/user=/; s/Password=/password=/; s/Host=/host=/; s/Port=/port=/; s/Database=/dbname=/')" -tAc "$1"; }
fi
dotnet build -c Release src/Obsess -v q -nologo >/dev/null
app=src/Obsess/bin/Release/net10.0/obsess.dll
# The text engine as the product runs it: trained weights (trained once into $models, reused by later runs),
# so every comment gets the full analysis while the answers arrive. TEXT=rules runs the rules alone.
models=${TEXT_MODELS:-/tmp/obsess-bench-text-models}
if [[ ${TEXT:-model} != rules && ! -f $models/sentiment.json ]]; then dotnet $app text train --out "$models" >/dev/null; fi
text_args=(Obsess__Text__Models="$models" Obsess__Text__Train=false)
[[ ${TEXT:-model} == rules ]] && text_args=(Obsess__Text__Models=/nonexistent Obsess__Text__Train=false)
env "${text_args[@]}" Obsess__Surveys__PerAddressPerMinute=100000000 Obsess__Surveys__PerSurveyPerMinute=100000000 \
  ASPNETCORE_ENVIRONMENT=Production dotnet $app --data-dir "$data" --urls $url --no-demo "${db_args[@]}" > "$data/app.log" 2>&1 &
app_pid=$!
for _ in $(seq 90); do curl -fs $url/healthz >/dev/null 2>&1 && break; sleep 1; done
key=$(dotnet $app keys create --name bench-surveys --role manager --data-dir "$data" "${db_args[@]}" 2>/dev/null | tail -1)
survey=$(curl -fs -H "Authorization: Bearer $key" -H 'Content-Type: application/json' $url/api/surveys -d '{
  "name": "Load test", "languages": ["en"], "defaultLanguage": "en", "defaultTouchpoint": "load-test",
  "questions": [
    { "id": "nps", "type": "nps", "required": true, "label": { "en": "How likely are you to recommend us?" } },
    { "id": "csat", "type": "csat", "required": true, "label": { "en": "How satisfied are you?" } },
    { "id": "liked", "type": "multiple", "label": { "en": "What did you like?" },
      "options": [ { "id": "price", "label": { "en": "Price" } }, { "id": "speed", "label": { "en": "Speed" } } ] },
    { "id": "comment", "type": "text", "label": { "en": "Anything else?" } } ] }')
id=$(echo "$survey" | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
token=$(curl -fs -X POST -H "Authorization: Bearer $key" $url/api/surveys/$id/publish | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
# Warm-up (not counted): the JIT compiles the hot paths at their final tier in the first seconds of load.
SURVEY_TOKEN=$token wrk -t2 -c"$connections" -d"${WARMUP:-30}s" --timeout 30s -s bench/Obsess.Bench/Surveys/responses.lua $url > "$data/warmup.txt"
sleep 1
stored_before=$(count "SELECT count(*) FROM survey_responses WHERE status = 'complete'")
echo "## $engine, $(nproc) cores, $(date -u +%FT%TZ), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# CPU used while wrk runs (clock ticks of utime+stime): the app, and every postgres process (0 on SQLite).
ticks() { awk '{ s += $14 + $15 } END { print s + 0 }' "$@" 2>/dev/null || echo 0; }
# The benchmark's PostgreSQL only: its postmaster (by port) and its backends (other servers may run beside it).
pg_port=$(echo "${OBSESS_BENCH_POSTGRES:-}" | sed -n 's/.*Port=\([0-9]*\).*/\1/p')
pg_ticks() {
  local main pids
  main=$([[ -n $pg_port ]] && pgrep -f "postgres -D .* -p $pg_port( |$)" | head -1)
  [[ -z $main ]] && { echo 0; return; }
  pids=$(printf '%s\n' "$main" $(pgrep -P "$main") | sed 's|.*|/proc/&/stat|')
  ticks $pids
}
app_before=$(ticks /proc/$app_pid/stat); pg_before=$(pg_ticks)
SURVEY_TOKEN=$token wrk -t2 -c"$connections" -d"${seconds}s" --timeout 30s --latency -s bench/Obsess.Bench/Surveys/responses.lua $url | tee "$data/wrk.txt"
accepted=$(grep '^ACCEPTED' "$data/wrk.txt" | cut -d' ' -f2)
app_after=$(ticks /proc/$app_pid/stat); pg_after=$(pg_ticks); hz=$(getconf CLK_TCK)
echo "cpu-ms per accepted response: app $(( (app_after - app_before) * 1000 * 1000 / hz / accepted ))e-3, postgres $(( (pg_after - pg_before) * 1000 * 1000 / hz / accepted ))e-3"
sleep 1
stored=$(( $(count "SELECT count(*) FROM survey_responses WHERE status = 'complete'") - stored_before ))
records=$(count "SELECT count(*) FROM feedback")
total=$(count "SELECT count(*) FROM survey_responses")
echo "accepted $accepted, stored complete responses $stored during the run; all responses $total, feedback records $records (4 per response: $((total * 4))), load after: $(cut -d' ' -f1-3 /proc/loadavg)"
# Nothing lost: every accepted response is stored. A few more may be stored than wrk counted: the requests still in
# flight when wrk stops (at most one per connection) complete on the server after wrk stopped listening.
if (( stored >= accepted && stored <= accepted + connections )); then
  echo "OK: nothing lost ($((stored - accepted)) responses completed after wrk stopped counting; at most $connections can)"
else
  echo "MISMATCH: accepted $accepted, stored $stored"; exit 1
fi
