#!/usr/bin/env bash
# End-to-end time of reading one password from the command line: baton
# (agent unlocked) against pass (gpg-agent warm), gopass (the same store) and
# keepassxc-cli, on the same entries, at 1,000 and 10,000 entries
# (bench/RESULTS.md §11).
#
#   scripts/setup --bench && bench/cli_bench.sh      # from the repository root
#
# Builds batond, baton and cli_fill (Release, BUILD_DIR), then in a throwaway
# directory (removed on exit; nothing outside it is touched: HOME, GNUPGHOME,
# PASSWORD_STORE_DIR and BATON_HOME all point into it):
#   * a passphrase-less GnuPG key; pass and gopass share one store, filled by
#     encrypting the entry files with `gpg --multifile` (not one `pass
#     insert` per entry); gpg-agent is warmed before measuring;
#   * a KDBX made by `keepassxc-cli import` of a generated KeePass 2 XML
#     (default KDF settings; the password comes on stdin);
#   * a local batond (`batond init`, `baton init`, one collection), filled by
#     cli_fill over the API, and `baton unlock`;
# for each size the stores grow to SIZE entries (the same names and
# passwords everywhere, bench/cli_bench_data.sh), then ONE hyperfine run
# compares the four tools reading the password of $TARGET, and /usr/bin/time -v
# reads each tool's peak RSS (client process; batond's VmHWM is reported too).
#
# Environment (defaults): BUILD_DIR (build-bench), SIZES ("1000 10000"),
# RUNS (30), WARMUP (5), TARGET (site-00500), BATOND_PORT (18543),
# OUT (bench/out-cli: hyperfine JSON/markdown and a summary, kept).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-build-bench}
SIZES=${SIZES:-"1000 10000"}
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-5}
TARGET=${TARGET:-site-00500}
BATOND_PORT=${BATOND_PORT:-18543}
OUT=${OUT:-$ROOT/bench/out-cli}

for tool in pass gopass keepassxc-cli gpg gpg-connect-agent hyperfine /usr/bin/time curl; do
  command -v "$tool" >/dev/null || { echo "cli_bench: $tool not found (scripts/setup --bench)" >&2; exit 1; }
done
if (exec 3<>"/dev/tcp/127.0.0.1/$BATOND_PORT") 2>/dev/null; then
  echo "cli_bench: port $BATOND_PORT on 127.0.0.1 is in use" >&2
  exit 1
fi

echo "== build ($BUILD_DIR)" >&2
if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBATON_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j2 --target batond baton cli_fill >&2
BATOND=$(realpath "$BUILD_DIR/server/batond")
BATON=$(realpath "$BUILD_DIR/cli/baton")
FILL=$(realpath "$BUILD_DIR/bench/cli_fill")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cli_bench.XXXXXX")
BATOND_PID=
cleanup() {
  if [[ -n ${BATON_HOME:-} && -x ${BATON:-} ]]; then "$BATON" lock >/dev/null 2>&1 || true; fi
  gpgconf --kill gpg-agent >/dev/null 2>&1 || true
  if [[ -n $BATOND_PID ]]; then
    kill -TERM "$BATOND_PID" 2>/dev/null || true
    wait "$BATOND_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export HOME=$TMP/home GNUPGHOME=$TMP/gnupg PASSWORD_STORE_DIR=$TMP/store BATON_HOME=$TMP/baton
unset XDG_CONFIG_HOME BATON_PROFILE
mkdir -p "$HOME" "$GNUPGHOME" "$PASSWORD_STORE_DIR" "$OUT"
chmod 700 "$GNUPGHOME"
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

echo "== gpg key, pass store" >&2
gpg --batch --quiet --passphrase '' --quick-gen-key "cli bench <bench@example.invalid>" \
  default default never 2>/dev/null
FPR=$(gpg --list-keys --with-colons | awk -F: '/^fpr/ {print $10; exit}')
pass init "$FPR" >/dev/null

echo "== batond, baton init, unlock" >&2
DATA=$TMP/data
printf 'cli bench passphrase\n' >"$TMP/passphrase"
printf 'kdbx bench password\nkdbx bench password\n' >"$TMP/kdbx-new"
printf 'kdbx bench password\n' >"$TMP/kdbx-pw"
CODE=$("$BATOND" init "$DATA" | awk '/Owner invite code/ {getline; print $1}')
# Request logging on: the per-route server times below come from it.
BATON_LOG_REQUESTS=true "$BATOND" serve --data "$DATA" --port "$BATOND_PORT" \
  >"$TMP/batond.log" 2>&1 &
BATOND_PID=$!
for _ in $(seq 1 100); do
  curl -sk -o /dev/null --max-time 1 "https://127.0.0.1:$BATOND_PORT/healthz" && break
  sleep 0.1
done
"$BATON" --passphrase-file "$TMP/passphrase" init "https://127.0.0.1:$BATOND_PORT" "$CODE" >/dev/null
"$BATON" --passphrase-file "$TMP/passphrase" unlock >/dev/null
"$BATON" collection create Bench >/dev/null

summary=$OUT/summary.md
{
  echo "| entries | tool | median ms | mean ± sd ms | ratio to gopass | peak RSS (MiB) |"
  echo "| --- | --- | --- | --- | --- | --- |"
} >"$summary"

have=0
for size in $SIZES; do
  echo "== $size entries" >&2
  data=$TMP/data-$size
  "$ROOT/bench/cli_bench_data.sh" $((have + 1)) "$size" "$data"
  # Full set for the KeePass import (a new KDBX per size).
  "$ROOT/bench/cli_bench_data.sh" 1 "$size" "$data/all"

  start=$(date +%s%N)
  plain=$TMP/plain-$size
  mkdir -p "$plain"
  while IFS=$'\t' read -r name user pw; do
    printf '%s\nuser: %s\n' "$pw" "$user" >"$plain/$name"
  done <"$data/entries.tsv"
  (cd "$plain" && find . -type f -print0 |
     xargs -0 -n 500 gpg --batch --yes --quiet --trust-model always -r "$FPR" --multifile --encrypt)
  find "$plain" -name '*.gpg' -exec mv -t "$PASSWORD_STORE_DIR" {} +
  rm -rf "$plain"
  echo "   pass/gopass store: $(ms_since "$start") ms" >&2

  start=$(date +%s%N)
  rm -f "$TMP/bench.kdbx"
  keepassxc-cli import -q -p "$data/all/keepass.xml" "$TMP/bench.kdbx" <"$TMP/kdbx-new" >/dev/null
  echo "   kdbx import: $(ms_since "$start") ms" >&2

  start=$(date +%s%N)
  "$FILL" Bench <"$data/entries.tsv" >/dev/null
  echo "   baton fill: $(ms_since "$start") ms" >&2
  have=$size

  # Every tool must print the same password before anything is timed.
  want=$(awk -F'\t' -v t="$TARGET" '$1 == t {print $3}' "$data/all/entries.tsv")
  got_baton=$("$BATON" item get "$TARGET" --field password)
  got_pass=$(pass show "$TARGET" | head -1)
  got_gopass=$(gopass show "$TARGET" 2>/dev/null | head -1)
  got_kp=$(keepassxc-cli show -q -s -a Password "$TMP/bench.kdbx" "$TARGET" <"$TMP/kdbx-pw")
  for got in "$got_baton" "$got_pass" "$got_gopass" "$got_kp"; do
    [[ $got == "$want" ]] || { echo "cli_bench: a tool printed the wrong password" >&2; exit 1; }
  done

  names=(baton pass gopass keepassxc-cli)
  cmds=(
    "$BATON item get $TARGET --field password"
    "pass show $TARGET"
    "gopass show $TARGET"
    "keepassxc-cli show -q -s -a Password $TMP/bench.kdbx $TARGET < $TMP/kdbx-pw"
  )
  hyperfine --warmup "$WARMUP" --runs "$RUNS" --style basic \
    --export-json "$OUT/hyperfine-$size.json" --export-markdown "$OUT/hyperfine-$size.md" \
    -n baton "${cmds[0]}" -n pass "${cmds[1]}" -n gopass "${cmds[2]}" \
    -n keepassxc-cli "${cmds[3]}" >&2

  # Peak RSS of the client (the largest process it waited for; for pass, gpg),
  # the largest of 3 runs.
  declare -A rss=()
  for i in "${!names[@]}"; do
    best=0
    for _ in 1 2 3; do
      /usr/bin/time -v -o "$TMP/time.txt" bash -c "exec ${cmds[$i]}" >/dev/null 2>&1
      kb=$(awk '/Maximum resident set size/ {print $6}' "$TMP/time.txt")
      kb=${kb:-0}
      (( kb > best )) && best=$kb
    done
    rss[${names[$i]}]=$best
  done
  batond_hwm=$(awk '/VmHWM/ {print $2}' "/proc/$BATOND_PID/status")

  # Where baton's time goes: the server-side time of each request of one
  # `item get` (median of 5 gets), from batond's request log.
  mark=$(wc -l <"$TMP/batond.log")
  for _ in 1 2 3 4 5; do "$BATON" item get "$TARGET" --field password >/dev/null; done
  tail -n +$((mark + 1)) "$TMP/batond.log" | python3 -c '
import collections, statistics, sys
t = collections.defaultdict(list)
for line in sys.stdin:
    f = line.split()
    if len(f) >= 4 and f[3].endswith("ms"):
        t[f[0] + " " + f[1]].append(float(f[3][:-2]))
for k in sorted(t):
    print("   server %-40s %2d calls, median %7.2f ms" % (k, len(t[k]), statistics.median(t[k])))
' >"$OUT/phases-$size.txt"
  cat "$OUT/phases-$size.txt" >&2

  medians=$(python3 - "$OUT/hyperfine-$size.json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
for x in r:
    print(x["command"], statistics.median(x["times"]) * 1000, x["mean"] * 1000, x["stddev"] * 1000)
PY
)
  gopass_med=$(awk '$1 == "gopass" {print $2}' <<<"$medians")
  while read -r name med mean sd; do
    awk -v n="$name" -v s="$size" -v m="$med" -v mean="$mean" -v sd="$sd" -v g="$gopass_med" \
        -v kb="${rss[$name]}" 'BEGIN {
          printf "| %d | %s | %.1f | %.1f ± %.1f | %.2f× | %.1f |\n", s, n, m, mean, sd, m / g, kb / 1024 }'
  done <<<"$medians" >>"$summary"
  echo "| $size | (batond VmHWM) | | | | $(awk -v kb="$batond_hwm" 'BEGIN {printf "%.1f", kb / 1024}') |" \
    >>"$summary"
done

echo >&2
cat "$summary"
