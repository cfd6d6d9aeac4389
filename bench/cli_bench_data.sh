#!/usr/bin/env bash
# Writes the entries of the client benchmark (bench/cli_bench.sh):
#
#   bench/cli_bench_data.sh FIRST LAST OUT_DIR
#
# entries FIRST..LAST, the same for every tool:
#   OUT_DIR/entries.tsv   name<TAB>username<TAB>password, one per line
#   OUT_DIR/keepass.xml   the same entries as a KeePass 2 XML export (one
#                         root group), for `keepassxc-cli import`
# Names are site-NNNNN; passwords are 20 letters and digits from a fixed
# seed (benchmark fixtures, not secrets), so every run stores the same data.
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: cli_bench_data.sh FIRST LAST OUT_DIR" >&2; exit 2; }
first=$1 last=$2 out=$3
mkdir -p "$out"
awk -v first="$first" -v last="$last" -v tsv="$out/entries.tsv" -v xml="$out/keepass.xml" '
function b64(s,    i, n, c1, c2, c3, out, alpha) {  # base64 of ASCII text
  alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  n = length(s); out = ""
  for (i = 1; i <= n; i += 3) {
    c1 = ord[substr(s, i, 1)]; c2 = (i + 1 <= n) ? ord[substr(s, i + 1, 1)] : 0
    c3 = (i + 2 <= n) ? ord[substr(s, i + 2, 1)] : 0
    out = out substr(alpha, int(c1 / 4) + 1, 1) substr(alpha, (c1 % 4) * 16 + int(c2 / 16) + 1, 1)
    out = out ((i + 1 <= n) ? substr(alpha, (c2 % 16) * 4 + int(c3 / 64) + 1, 1) : "=")
    out = out ((i + 2 <= n) ? substr(alpha, c3 % 64 + 1, 1) : "=")
  }
  return out
}
BEGIN {
  for (i = 32; i < 127; i++) ord[sprintf("%c", i)] = i
  chars = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
  srand(20261122)
  printf "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<KeePassFile>\n" > xml
  printf " <Meta><Generator>baton cli_bench_data</Generator><DatabaseName>bench</DatabaseName></Meta>\n" > xml
  printf " <Root>\n  <Group>\n   <UUID>%s</UUID>\n   <Name>Root</Name>\n", b64("bench-root-group") > xml
  for (i = 1; i <= last; i++) {
    pw = ""
    for (j = 0; j < 20; j++) pw = pw substr(chars, int(rand() * length(chars)) + 1, 1)
    if (i < first) continue  # same passwords whatever FIRST is
    name = sprintf("site-%05d", i); user = sprintf("user%05d@example.com", i)
    printf "%s\t%s\t%s\n", name, user, pw > tsv
    printf "   <Entry>\n    <UUID>%s</UUID>\n", b64(sprintf("bench-entry%05d", i)) > xml
    printf "    <String><Key>Title</Key><Value>%s</Value></String>\n", name > xml
    printf "    <String><Key>UserName</Key><Value>%s</Value></String>\n", user > xml
    printf "    <String><Key>Password</Key><Value>%s</Value></String>\n   </Entry>\n", pw > xml
  }
  printf "  </Group>\n </Root>\n</KeePassFile>\n" > xml
}'
