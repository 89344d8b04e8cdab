#!/usr/bin/env bash
# Builds the libFuzzer binary and runs every fuzz target for SECONDS each.
#
#   Tests/Fuzz/run.sh SECONDS            # all targets
#   FUZZ_TARGETS="rsync tar" Tests/Fuzz/run.sh 60
#   Tests/Fuzz/run.sh repro TARGET FILE  # rerun one input (a crash file)
#
# One binary (.build-fuzz/fuzz) holds all targets; FUZZ_TARGET picks one.
# Seeds come from Tests/Fuzz/corpus/<target>/ (regenerate with seeds.py);
# inputs libFuzzer finds go to .build-fuzz/corpus/<target>/, crashes to
# .build-fuzz/crashes/. Exit status: 0 when no target crashed, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"
# The Swift runtime's own backtracer fights ASan; libFuzzer reports instead.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}"

out=.build-fuzz
bin=$out/fuzz
# The report reader (GatekeeperReport) shares no top-level names with the
# core, so both compile into the one fuzz module.
mapfile -t sources < <(find Sources/GatekeeperCore Sources/GatekeeperReport Tests/Fuzz -name '*.swift' | sort)

build() {
  local stale=0
  [[ -x $bin ]] || stale=1
  for f in "${sources[@]}"; do [[ $f -nt $bin ]] && stale=1; done
  ((stale)) || return 0
  mkdir -p "$out"
  echo "== building $bin (swiftc -sanitize=fuzzer,address)"
  # ld.gold warns about ASan's local symbols; the warnings are harmless.
  if ! swiftc -swift-version 6 -sanitize=fuzzer,address -parse-as-library -O \
    -module-name GatekeeperCore "${sources[@]}" -o "$bin" >"$out/build.log" 2>&1; then
    grep -v "ld.gold: warning" "$out/build.log" | head -n 40
    echo "fuzz build failed" >&2
    exit 2
  fi
}

if [[ ${1:-} == repro ]]; then
  build
  FUZZ_TARGET="$2" exec "$bin" "$3"
fi

seconds=${1:?usage: Tests/Fuzz/run.sh SECONDS}
targets=${FUZZ_TARGETS:-tokenizer policy rsync secluded tar decide record report}
build

failed=0
printf '%-10s %12s %10s %8s %8s %8s  %s\n' target executions exec/s cov ft crashes result
for t in $targets; do
  work=$out/corpus/$t
  crashes=$out/crashes
  mkdir -p "$work" "$crashes"
  log=$out/$t.log
  set +e
  FUZZ_TARGET=$t "$bin" "$work" "Tests/Fuzz/corpus/$t" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$crashes/$t-" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  found=$(grep -c -E '^(artifact_prefix|Test unit written to)' "$log" || true)
  result=ok
  if ((rc != 0)); then
    result="CRASH (see $log)"
    failed=1
    ((found > 0)) || found=1
  fi
  printf '%-10s %12s %10s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "$found" "$result"
  if ((rc != 0)); then
    grep -m 3 -E 'INVARIANT VIOLATED|Fatal error|ERROR: (AddressSanitizer|libFuzzer)' "$log" | cut -c1-400 || true
    grep -m 1 'Test unit written to' "$log" | sed 's/^/  /' || true
    echo "  reproduce: Tests/Fuzz/run.sh repro $t FILE" \
      "(minimize: FUZZ_TARGET=$t $bin -minimize_crash=1 -runs=100000 FILE)"
  fi
done
exit "$failed"
