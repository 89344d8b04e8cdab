#!/usr/bin/env bash
# Benchmark (not a timed test): `gatekeeper report` on 1,000,000 realistic
# records, side by side with grep and jq doing the simplest equivalent
# count (denials). Target: under 2 s, and at least 10x faster than jq.
#
# usage: Tests/Bench/report.sh [RECORDS]     (from the package root)
# Needs python3 (generator), jq and /usr/bin/time (package time); builds the
# release binary (`swift build -c release` in the package root) unless
# GATEKEEPER_BIN points at one.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
export PATH="/opt/swift/usr/bin:$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bin=${GATEKEEPER_BIN:-}
if [ -z "$bin" ]; then
  swift build -c release >/dev/null
  bin=$(swift build -c release --show-bin-path)/gatekeeper
fi
data=$work/audit.jsonl
python3 Tests/Bench/genrecords.py "$n" > "$data"
cat "$data" > /dev/null # warm the page cache

# "WALL CPU" seconds of the fastest of three runs of "$@" (stdout to a
# file: grep stops at the first match when it writes to /dev/null)
best() {
  local best_wall="" best_cpu=""
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" > "$work/out"
    read -r wall user sys < "$work/time"
    local cpu
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    if [ -z "$best_wall" ] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
      best_wall=$wall
      best_cpu=$cpu
    fi
  done
  echo "$best_wall $best_cpu"
}

denied_report=$("$bin" report --json "$data" | jq .denied)
denied_grep=$(grep -c '"decision":"deny"' "$data")
denied_jq=$(jq -c 'select(.decision == "deny")' "$data" | wc -l)

read -r t_report c_report <<< "$(best "$bin" report "$data")"
read -r t_json c_json <<< "$(best "$bin" report --json "$data")"
read -r t_grep c_grep <<< "$(best grep -c '"decision":"deny"' "$data")"
read -r t_jq c_jq <<< "$(best sh -c "jq -c 'select(.decision == \"deny\")' '$data' | wc -l")"

echo "records: $n ($(du -m "$data" | cut -f1) MB), denied: report $denied_report, grep $denied_grep, jq $denied_jq"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1 /proc/loadavg), $(date -u +%Y-%m-%d)"
printf '%-32s %8s %8s %8s\n' "command (best of 3)" "wall s" "cpu s" "vs jq"
for row in "gatekeeper report|$t_report|$c_report" "gatekeeper report --json|$t_json|$c_json" \
  "grep -c '\"decision\":\"deny\"'|$t_grep|$c_grep" "jq 'select(.decision==\"deny\")'|$t_jq|$c_jq"; do
  IFS='|' read -r name secs cpu <<< "$row"
  ratio=$(awk -v a="$t_jq" -v b="$secs" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')
  printf '%-32s %8s %8s %8s\n' "$name" "$secs" "$cpu" "$ratio"
done
if [ "$denied_report" != "$denied_grep" ] || [ "$denied_report" != "$denied_jq" ]; then
  echo "MISMATCH: the counts differ" >&2
  exit 1
fi
