#!/usr/bin/env bash
# HTTPS throughput of batond beside nginx on the same machine, certificate
# and response sizes (bench/RESULTS.md §10).
#
#   bench/http_bench.sh            # from the repository root
#
# Builds batond and http_setup (Release, build-http/), creates a throwaway
# data dir with `batond init`, fills it with http_setup (one owner, one
# session, one collection, ITEMS items), starts batond and an nginx that
# serves two static files with exactly the byte sizes of batond's /healthz
# body and of one item-fetch body, over TLS with the same tls.crt/tls.key.
# Then runs wrk, ROUNDS times, interleaved:
#   a. batond GET /healthz
#   b. nginx  the healthz-sized file
#   c. batond GET /v1/items/ID (authenticated; an audited, durable fetch)
#   d. nginx  the item-sized file
# and reads batond's peak RSS (VmHWM) before stopping it. All traffic goes
# to 127.0.0.1; everything is stopped and removed on exit.
#
# Environment (defaults): BUILD_DIR (build-http), ITEMS (10000), ROUNDS (2),
# CONNECTIONS (64), THREADS (2), DURATION (30s), BATOND_PORT (18443),
# NGINX_PORT (18444), NGINX (nginx from PATH, else /usr/sbin/nginx),
# KEEP_DIR (empty: if set, the raw wrk outputs are copied there).
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-http}
ITEMS=${ITEMS:-10000}
ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-30s}
BATOND_PORT=${BATOND_PORT:-18443}
NGINX_PORT=${NGINX_PORT:-18444}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
KEEP_DIR=${KEEP_DIR:-}

for tool in wrk curl "$NGINX"; do
  command -v "$tool" >/dev/null || { echo "http_bench: $tool not found" >&2; exit 1; }
done
for port in "$BATOND_PORT" "$NGINX_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "http_bench: port $port on 127.0.0.1 is in use" >&2
    exit 1
  fi
done

echo "== build ($BUILD_DIR, Release)" >&2
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBATON_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j2 --target batond http_setup >&2
BATOND=$BUILD_DIR/server/batond
SETUP=$BUILD_DIR/bench/http_setup

TMP=$(mktemp -d "${TMPDIR:-/tmp}/http_bench.XXXXXX")
BATOND_PID=
NGINX_PID=
cleanup() {
  for pid in $BATOND_PID $NGINX_PID; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $BATOND_PID $NGINX_PID; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DATA=$TMP/data
"$BATOND" init "$DATA" >/dev/null
echo "== http_setup: $ITEMS items" >&2
start_ns=$(date +%s%N)
mapfile -t fixture < <("$SETUP" "$DATA" "$ITEMS")
echo "   $(( ($(date +%s%N) - start_ns) / 1000000 )) ms" >&2
TOKEN=${fixture[0]}
ITEM=${fixture[1]}
[[ -n $TOKEN && -n $ITEM ]] || { echo "http_bench: http_setup printed no fixture" >&2; exit 1; }

BATOND_URL=https://127.0.0.1:$BATOND_PORT
NGINX_URL=https://127.0.0.1:$NGINX_PORT

BATON_LOG_REQUESTS=false "$BATOND" serve --data "$DATA" --port "$BATOND_PORT" \
  >"$TMP/batond.log" 2>&1 &
BATOND_PID=$!
wait_up() {  # URL: up to 10 s
  for _ in $(seq 1 100); do
    curl -sk -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  echo "http_bench: $1 did not come up" >&2
  cat "$TMP"/*.log >&2 || true
  exit 1
}
wait_up "$BATOND_URL/healthz"

# The bodies nginx serves: batond's own responses, byte for byte.
mkdir -p "$TMP/www" "$TMP/nginx"
curl -sk --fail --max-time 10 -o "$TMP/www/healthz" "$BATOND_URL/healthz"
curl -sk --fail --max-time 10 -H "Authorization: Bearer $TOKEN" -o "$TMP/www/item" "$BATOND_URL/v1/items/$ITEM"
HEALTHZ_BYTES=$(stat -c %s "$TMP/www/healthz")
ITEM_BYTES=$(stat -c %s "$TMP/www/item")
hdr_bytes() { curl -sk --max-time 10 -o /dev/null -D - "$@" | wc -c; }
# nginx workers may run as another user when started by root: let them in.
chmod 711 "$TMP"
chmod 755 "$TMP/www"
chmod 644 "$TMP/www/healthz" "$TMP/www/item"

cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  default_type application/json;
  # Same keep-alive limits as batond's defaults (1000 requests, 5 s).
  keepalive_requests 1000;
  keepalive_timeout 5s;
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    ssl_certificate $DATA/tls.crt;
    ssl_certificate_key $DATA/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $TMP/www;
  }
}
EOF
"$NGINX" -p "$TMP/nginx/" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" \
  >"$TMP/nginx.log" 2>&1 &
NGINX_PID=$!
wait_up "$NGINX_URL/healthz"
for f in healthz item; do
  got=$(curl -sk --fail --max-time 10 "$NGINX_URL/$f" | cmp - "$TMP/www/$f" && echo same)
  [[ $got == same ]] || { echo "http_bench: nginx serves a different $f" >&2; exit 1; }
done
echo "== bodies: healthz $HEALTHZ_BYTES B, item $ITEM_BYTES B" >&2
echo "== response header bytes: batond healthz $(hdr_bytes "$BATOND_URL/healthz")," \
  "item $(hdr_bytes -H "Authorization: Bearer $TOKEN" "$BATOND_URL/v1/items/$ITEM");" \
  "nginx healthz $(hdr_bytes "$NGINX_URL/healthz"), item $(hdr_bytes "$NGINX_URL/item")" >&2

# CPU seconds (user + system) used so far by a process and its threads, or
# by the nginx workers (the children of the master).
cpu_ticks() {
  local total=0 pid
  for pid in "$@"; do
    # utime + stime: fields 14 and 15, i.e. 12 and 13 after "PID (COMM) ".
    total=$(( total + $(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$pid/stat") ))
  done
  echo "$total"
}
nginx_workers() { pgrep -P "$NGINX_PID" || true; }
HZ=$(getconf CLK_TCK)

field() { awk -v k="$1" '$1 == k {print $2; exit}' "$2"; }
errors_of() {  # non-2xx/3xx + socket errors
  local non2xx sock
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$1")
  sock=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$1")
  echo "${non2xx:-0}/${sock:-0}"
}

RESULTS=$TMP/results.tsv
printf 'round\tcase\treq/s\tnon2xx/sock_err\tp50\tp99\tserver_cpu_ms_per_1k\tbatond_threads\tload1\n' >"$RESULTS"
run_case() {  # ROUND NAME URL [wrk args...]
  local round=$1 name=$2 url=$3; shift 3
  local out=$TMP/wrk-$round-$name.txt pids threads=- t0 t1 reqs
  if [[ $name == batond-* ]]; then pids=$BATOND_PID; else pids=$(nginx_workers); fi
  echo "== round $round: $name ($url)" >&2
  # shellcheck disable=SC2086  # $pids is a list of process ids
  t0=$(cpu_ticks $pids)
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency "$@" "$url" >"$out" 2>&1 &
  local wrk_pid=$!
  if [[ $name == batond-* ]]; then
    sleep 5
    threads=$(awk '/^Threads:/ {print $2}' "/proc/$BATOND_PID/status")
  fi
  wait "$wrk_pid"
  # shellcheck disable=SC2086
  t1=$(cpu_ticks $pids)
  cat "$out" >&2
  reqs=$(awk '/requests in/ {print $1}' "$out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" \
    "$(awk '/^Requests\/sec:/ {print $2}' "$out")" "$(errors_of "$out")" \
    "$(field 50% "$out")" "$(field 99% "$out")" \
    "$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$reqs" 'BEGIN {printf "%.1f", (n > 0 ? t * 1000 / hz / n * 1000 : 0)}')" \
    "$threads" "$(cut -d' ' -f1 /proc/loadavg)" >>"$RESULTS"
}

echo "== load before: $(uptime)" >&2
for round in $(seq 1 "$ROUNDS"); do
  run_case "$round" batond-healthz "$BATOND_URL/healthz"
  run_case "$round" nginx-healthz "$NGINX_URL/healthz"
  run_case "$round" batond-item "$BATOND_URL/v1/items/$ITEM" -H "Authorization: Bearer $TOKEN"
  run_case "$round" nginx-item "$NGINX_URL/item"
done
echo "== load after: $(uptime)" >&2

STATUS=/proc/$BATOND_PID/status
echo "== batond after the runs ($ITEMS items):" \
  "VmHWM $(awk '/^VmHWM:/ {print $2, $3}' "$STATUS")," \
  "VmRSS $(awk '/^VmRSS:/ {print $2, $3}' "$STATUS")," \
  "Threads $(awk '/^Threads:/ {print $2}' "$STATUS")"
nginx_rss=0
for pid in $NGINX_PID $(nginx_workers); do
  nginx_rss=$(( nginx_rss + $(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status") ))
done
echo "== nginx master + workers: VmHWM sum $nginx_rss kB"
AUDIT=$(curl -sk --max-time 10 -H "Authorization: Bearer $TOKEN" "$BATOND_URL/v1/audit/head" || true)
echo "== audit head after the runs: $AUDIT"
echo "== results"
column -t -s $'\t' "$RESULTS"

if [[ -n $KEEP_DIR ]]; then
  mkdir -p "$KEEP_DIR"
  cp "$TMP"/wrk-*.txt "$RESULTS" "$KEEP_DIR"/
fi
