#!/usr/bin/env bash
# Backup and restore of a 10,000-item vault: `batond backup` and
# `batond restore` beside the floor of the same work done by hand — a file
# copy of the same vault.db plus `age -r` to encrypt it, and `age -d` plus a
# copy to bring it back — in ONE hyperfine run (bench/RESULTS.md, "Server
# backup and restore").
#
#   bench/backup_bench.sh       # from anywhere; needs age, age-keygen, hyperfine
#
# Builds batond and http_setup (Release, BUILD_DIR), then in a throwaway
# directory (removed on exit): a data dir made by `batond init`, filled with
# ITEMS items by http_setup (300-byte ciphertexts, as the HTTPS benchmark),
# an age-keygen identity named in the data dir's batond.conf as the backup
# recipient, and one backup. Peak RSS of one backup and one restore comes
# from /usr/bin/time -v.
#
# The references end with sync(1) of what they wrote, because batond
# fsyncs its output (written atomically) and a backup not on disk is none.
#
# Why a file copy and not the sqlite3 shell's .backup: the vault is
# SQLCipher, which the Debian sqlite3 shell cannot open; a copy of the
# quiescent file is the least work that yields the same bytes.
#
# Environment (defaults): BUILD_DIR (build-bench), ITEMS (10000), RUNS (10),
# WARMUP (2), OUT (BUILD_DIR/backup-bench).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-build-bench}
ITEMS=${ITEMS:-10000}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
OUT=${OUT:-$ROOT/$BUILD_DIR/backup-bench}

for tool in age age-keygen hyperfine python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "backup_bench: $tool not found (scripts/setup --bench)" >&2; exit 1; }
done

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBATON_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j2 --target batond http_setup
BATOND=$ROOT/$BUILD_DIR/server/batond
SETUP=$ROOT/$BUILD_DIR/bench/http_setup

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
DATA=$WORK/data
"$BATOND" init "$DATA" >/dev/null
"$SETUP" "$DATA" "$ITEMS" >/dev/null
age-keygen -o "$WORK/key" 2>/dev/null
RECIPIENT=$(age-keygen -y "$WORK/key")
echo "backup_recipients = $RECIPIENT" >>"$DATA/batond.conf"

"$BATOND" backup --data "$DATA" --out "$WORK/backup.age" >/dev/null
cp "$DATA/vault.db" "$WORK/vault.copy"
age -r "$RECIPIENT" -o "$WORK/vault.age" "$WORK/vault.copy"

# The restored data dir must hold the same vault before anything is timed.
"$BATOND" restore "$WORK/backup.age" --data "$WORK/check" --identity "$WORK/key" >/dev/null
cmp -s "$DATA/vault.db" "$WORK/check/vault.db" ||
  echo "backup_bench: note: the restored vault.db differs byte-wise (a page-level copy)" >&2

peak_kib() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
rm -rf "$WORK/rss"
backup_rss=$(peak_kib "$BATOND" backup --data "$DATA" --out "$WORK/rss.age")
restore_rss=$(peak_kib "$BATOND" restore "$WORK/backup.age" --data "$WORK/rss" --identity "$WORK/key")
age_enc_rss=$(peak_kib age -r "$RECIPIENT" -o /dev/null "$WORK/vault.copy")
age_dec_rss=$(peak_kib age -d -i "$WORK/key" -o /dev/null "$WORK/vault.age")

hyperfine --warmup "$WARMUP" --runs "$RUNS" --style basic \
  --export-json "$OUT/backup.json" --export-markdown "$OUT/backup.md" \
  --prepare "rm -rf $WORK/restored $WORK/plain $WORK/timed.age $WORK/timed.db $WORK/timed.db.age" \
  -n "batond backup" "$BATOND backup --data $DATA --out $WORK/timed.age" \
  -n "copy + age -r" "cp $DATA/vault.db $WORK/timed.db && age -r $RECIPIENT -o $WORK/timed.db.age $WORK/timed.db && sync $WORK/timed.db.age" \
    -n "batond restore" "$BATOND restore $WORK/backup.age --data $WORK/restored --identity $WORK/key" \
  -n "age -d + copy" "mkdir $WORK/restored && age -d -i $WORK/key -o $WORK/plain $WORK/vault.age && cp $WORK/plain $WORK/restored/vault.db && sync $WORK/restored/vault.db"

python3 - "$OUT/backup.json" "$ITEMS" "$(stat -c %s "$DATA/vault.db")" \
  "$(stat -c %s "$WORK/backup.age")" "$(stat -c %s "$WORK/vault.age")" \
  "$backup_rss" "$restore_rss" "$age_enc_rss" "$age_dec_rss" <<'PY' | tee "$OUT/summary.txt"
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
items, db, backup, age_file = sys.argv[2], *map(int, sys.argv[3:6])
b_rss, r_rss, e_rss, d_rss = sys.argv[6:10]
print(f"{items} items; vault.db {db / 1048576:.1f} MiB; backup {backup / 1048576:.1f} MiB; "
      f"age of the copy {age_file / 1048576:.1f} MiB")
for ours, ref, a, b in (("batond backup", "copy + age -r", b_rss, e_rss),
                        ("batond restore", "age -d + copy", r_rss, d_rss)):
    o, f = r[ours]["median"], r[ref]["median"]
    print(f"{ours}: {o * 1000:.0f} ms, peak RSS {a} KiB; {ref}: {f * 1000:.0f} ms, "
          f"age peak RSS {b} KiB; time ratio {o / f:.2f}")
PY
