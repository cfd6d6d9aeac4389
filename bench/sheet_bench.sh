#!/usr/bin/env bash
# Time and peak memory to render printable sheets (bench/RESULTS.md,
# "Printable sheets"): a 40-channel break-glass sheet and a 16-share set of
# share sheets through libbackup (bench/sheet_tool), beside the reference
# tools on the same content: the `qrencode` CLI making each QR code as a PNG
# (error correction and quiet zone as the sheets use them) and `pdftoppm`
# rasterising the same PDFs at 150 dpi.
#
#   bench/sheet_bench.sh        # needs qrencode, pdftoppm, /usr/bin/time, python3
#
# Each command runs RUNS times under `/usr/bin/time -f "%e %U %S %M"`; the
# medians of wall time, CPU time (user + system) and peak RSS are printed.
# On a busy machine the CPU time is the steadier figure: the wall time also
# holds the wait for other processes and for fsync (each sheet is written
# atomically and durably). Environment (defaults): BUILD_DIR (build), RUNS (5).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-build}
RUNS=${RUNS:-5}

for tool in qrencode pdftoppm python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "sheet_bench: $tool not found (scripts/setup --bench)" >&2; exit 1; }
done
cmake -S . -B "$BUILD_DIR" -G Ninja >/dev/null
cmake --build "$BUILD_DIR" -j2 --target sheet_tool >/dev/null
TOOL=$ROOT/$BUILD_DIR/bench/sheet_tool

# 0700, removed on exit: the samples are made up, but sheets stay private.
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/bg-payloads" "$WORK/share-payloads" "$WORK/shares" "$WORK/png"
"$TOOL" payloads breakglass 40 "$WORK/bg-payloads"
"$TOOL" payloads shares 16 "$WORK/share-payloads"
"$TOOL" breakglass 40 en a4 "$WORK/bg.pdf"
"$TOOL" shares 16 en a4 "$WORK/shares"

# measure NAME COMMAND: RUNS runs, then the medians of wall, CPU and peak RSS.
measure() {
  local name=$1 cmd=$2
  : >"$WORK/times"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/one" bash -c "$cmd" >/dev/null 2>&1
    cat "$WORK/one" >>"$WORK/times"
  done
  python3 - "$name" "$WORK/times" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[2]) if l.strip()]
secs = [float(r[0]) for r in rows]
cpu = [float(r[1]) + float(r[2]) for r in rows]
kib = [int(r[3]) for r in rows]
print(f"{sys.argv[1]:<50} wall {statistics.median(secs):6.2f} s  cpu {statistics.median(cpu):6.2f} s"
      f"  peak {statistics.median(kib) / 1024:5.1f} MiB  (wall {min(secs):.2f}-{max(secs):.2f} s,"
      f" {len(rows)} runs)")
PY
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
measure "baton: break-glass sheet, 40 channels (PDF)" "$TOOL breakglass 40 en a4 $WORK/out.pdf"
measure "baton: break-glass sheet, 40 channels (text)" "$TOOL breakglass 40 en a4 $WORK/out.txt"
measure "qrencode: the 40 otpauth URIs as PNGs (-l Q)" \
  "for f in $WORK/bg-payloads/*.txt; do qrencode -l Q -m 4 -r \$f -o $WORK/png/\$(basename \$f).png; done"
measure "pdftoppm -r 150: the 40-channel sheet" "pdftoppm -r 150 -png $WORK/bg.pdf $WORK/png/bg"
measure "baton: 16 share sheets (PDF, split included)" "rm -f $WORK/shares/*; $TOOL shares 16 en a4 $WORK/shares"
measure "qrencode: the 16 mnemonics as PNGs (-l M)" \
  "for f in $WORK/share-payloads/*.txt; do qrencode -l M -m 4 -r \$f -o $WORK/png/s\$(basename \$f).png; done"
measure "pdftoppm -r 150: the 16 share sheets" \
  "for f in $WORK/shares/*.pdf; do pdftoppm -r 150 -png \$f $WORK/png/\$(basename \$f); done"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
