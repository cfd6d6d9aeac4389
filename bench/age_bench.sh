#!/usr/bin/env bash
# Throughput of age encryption and decryption of a 256 MiB file: baton's
# libbackup (bench/age_tool) beside the Debian `age` binary, in ONE
# hyperfine run on the same files (bench/RESULTS.md, "age").
#
#   bench/age_bench.sh          # from anywhere; needs age, age-keygen, hyperfine
#
# Builds age_tool (Release, BUILD_DIR), then in a throwaway directory
# (removed on exit): 256 MiB of random plaintext, an age-keygen identity, and
# one file encrypted by each tool, so each decrypts the other's file too.
# Outputs go to /dev/null so the disk is not what is timed.
#
# Environment (defaults): BUILD_DIR (build-bench), SIZE_MIB (256), RUNS (10),
# WARMUP (2), OUT (BUILD_DIR/age-bench: hyperfine JSON/markdown and a summary).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-build-bench}
SIZE_MIB=${SIZE_MIB:-256}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
OUT=${OUT:-$ROOT/$BUILD_DIR/age-bench}

for tool in age age-keygen hyperfine python3; do
  command -v "$tool" >/dev/null || { echo "age_bench: $tool not found (scripts/setup)" >&2; exit 1; }
done

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBATON_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j2 --target age_tool
TOOL=$ROOT/$BUILD_DIR/bench/age_tool

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$WORK/plain"
age-keygen -o "$WORK/key" 2>/dev/null
RECIPIENT=$(age-keygen -y "$WORK/key")
age -r "$RECIPIENT" -o "$WORK/by-age.age" "$WORK/plain"
"$TOOL" encrypt "$RECIPIENT" <"$WORK/plain" >"$WORK/by-baton.age"
# Both tools must read each other's files before anything is timed.
age -d -i "$WORK/key" "$WORK/by-baton.age" | cmp -s - "$WORK/plain"
"$TOOL" decrypt "$WORK/key" <"$WORK/by-age.age" | cmp -s - "$WORK/plain"

hyperfine --warmup "$WARMUP" --runs "$RUNS" --style basic \
  --export-json "$OUT/age.json" --export-markdown "$OUT/age.md" \
  -n "age encrypt" "age -r $RECIPIENT -o /dev/null $WORK/plain" \
  -n "baton encrypt" "$TOOL encrypt $RECIPIENT <$WORK/plain >/dev/null" \
  -n "age decrypt" "age -d -i $WORK/key -o /dev/null $WORK/by-age.age" \
  -n "baton decrypt" "$TOOL decrypt $WORK/key <$WORK/by-age.age >/dev/null"

python3 - "$OUT/age.json" "$SIZE_MIB" <<'PY' | tee "$OUT/summary.txt"
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
mib = float(sys.argv[2])
for op in ("encrypt", "decrypt"):
    age, baton = results[f"age {op}"]["median"], results[f"baton {op}"]["median"]
    print(f"{op}: age {age * 1000:.0f} ms ({mib / age:.0f} MiB/s), "
          f"baton {baton * 1000:.0f} ms ({mib / baton:.0f} MiB/s), "
          f"baton/age throughput {age / baton:.2f}")
PY
