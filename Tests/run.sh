#!/usr/bin/env bash
# Every test, one command: installs the test packages (as root; otherwise
# says what is missing and the suites that need it skip, one line each),
# builds, runs `swift test` (unit and end-to-end suites), then fuzzes every
# target briefly. With CI=true nothing may skip for a missing package: a
# missing one fails the run.
#
#   bash Tests/run.sh            # FUZZ_SECONDS=7 by default; 0 skips fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

echo "== test dependencies (install/deps.sh test)"
if ! bash install/deps.sh test; then
  if [[ ${CI:-} == true ]]; then
    echo "CI: test dependencies are missing and could not be installed" >&2
    exit 1
  fi
  echo "(going on: suites that need what is missing will say so and skip)" >&2
fi
if [[ $(id -u) == 0 ]]; then mkdir -p /run/sshd; fi

echo "== shellcheck (every shell script)"
if command -v shellcheck >/dev/null; then
  git ls-files -- '*.sh' .ci/run 2>/dev/null | xargs -r shellcheck
elif [[ ${CI:-} == true ]]; then
  echo "CI: shellcheck is missing" >&2
  exit 1
else
  echo "(shellcheck not installed: skipped; install/deps.sh test installs it)"
fi

echo "== swift-format lint --strict (the committed .swift-format)"
if command -v swift-format >/dev/null; then
  swift-format lint --strict -r Sources Tests Package.swift
elif [[ ${CI:-} == true ]]; then
  echo "CI: swift-format is missing (it ships with the Swift toolchain)" >&2
  exit 1
else
  echo "(swift-format not found: skipped)"
fi

echo "== building"
swift build 2>&1 | tail -n 20

echo "== swift test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
swift test 2>&1 | tee "$log" | grep -vE ' started\.$'
status=${PIPESTATUS[0]}
set -e
passed=$(sed -n 's/.*Test run with \([0-9]*\) tests\{0,1\} in .* passed after.*/\1/p' "$log" | tail -n 1)
failed=$(sed -n 's/.*Test run with [0-9]* tests\{0,1\} in .* failed after .* with \([0-9]*\) issues\{0,1\}.*/\1/p' "$log" | tail -n 1)
skipped=$(grep -c '^➜ \(Test\|Suite\) .* skipped' "$log" || true)
if ((status != 0)); then
  echo "swift test failed (exit $status)" >&2
  echo "tests: ${passed:-?} passed, ${failed:-?} failed, ${skipped} skipped"
  exit 1
fi

echo "== the package: install/build.sh (the shipped static build), install/deb.sh, lintian"
if command -v lintian >/dev/null && command -v dpkg-deb >/dev/null; then
  bash install/build.sh | tail -n 1
  deb=$(bash install/deb.sh --binary out/gatekeeper | sed -n 's/^deb.sh: built \([^ ]*\) .*/\1/p')
  # No errors and no warnings; the one override (the static binary) says why.
  if ! out=$(lintian --fail-on error,warning "$deb" 2>&1); then
    printf '%s\n' "$out" >&2
    echo "lintian: $deb has errors or warnings" >&2
    exit 1
  fi
  echo "lintian: $deb: no errors, no warnings"
  rm -f "$deb"
elif [[ ${CI:-} == true ]]; then
  echo "lintian or dpkg-deb missing (install/deps.sh test installs them)" >&2
  exit 1
else
  echo "(lintian not installed: the package check is skipped; install/deps.sh test installs it)"
fi

fuzz=${FUZZ_SECONDS:-7}
if ((fuzz > 0)); then
  echo "== fuzzing: every target ${fuzz} s (Tests/Fuzz/run.sh; longer runs: see README)"
  Tests/Fuzz/run.sh "$fuzz"
fi

echo "== summary"
# The counts swift test printed (a passing run prints no failure count).
echo "tests: ${passed:-?} passed, ${failed:-0} failed, ${skipped} skipped"
