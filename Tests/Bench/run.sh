#!/usr/bin/env bash
# Benchmark: prints a table (never a timed test). Run as root from the
# repository root of a fresh clone:
#
#   Tests/Bench/run.sh [RUNS]        # RUNS wall-time samples per case (default 300)
#   BENCH_THROUGHPUT=0 Tests/Bench/run.sh   # skip the 1 GB rsync pull
#
# Per call: an allowed rsync pull under a 10-rule policy (the 10th rule
# allows), audit to a file and to syslog, then exec of a stand-in that exits
# at once (a static C program). Compared with /bin/true run directly, and
# with rrsync (Debian's rsync package) and authprogs (PyPI) allowing the same
# pull. Also: the deny path, a 1,000-rule policy, a secluded (-s) call.
# Wall: hyperfine median. Instructions: valgrind callgrind up to the exec
# (--dump-before=execve). Memory: max RSS from /usr/bin/time. Syslog goes
# to a throwaway rsyslogd whose socket is /dev/log in a private mount
# namespace (BENCH_SYSLOG=none: no daemon, /dev/log absent).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"
runs=${1:-300}
W=${BENCH_DIR:-/var/tmp/gk-bench}
syslog_mode=${BENCH_SYSLOG:-rsyslogd}

need() {
  local missing=()
  command -v hyperfine >/dev/null || missing+=(hyperfine)
  command -v valgrind >/dev/null || missing+=(valgrind)
  command -v gcc >/dev/null || missing+=(gcc libc6-dev)
  [[ -x /usr/bin/time ]] || missing+=(time)
  command -v rsync >/dev/null || missing+=(rsync)
  command -v rsyslogd >/dev/null || missing+=(rsyslog)
  command -v python3 >/dev/null || missing+=(python3)
  if ((${#missing[@]})); then
    echo "== installing ${missing[*]}" >&2
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
}
need

rm -rf "$W"
mkdir -p "$W" "$W/cg"
chmod 700 "$W"

# The shipped build: install/build.sh (static, release flags, size checks).
echo "== release static build (install/build.sh)" >&2
if ! install/build.sh >"$W/build.log" 2>&1; then
  cat "$W/build.log" >&2
  echo "run.sh: install/build.sh failed" >&2
  exit 1
fi
tail -n 1 "$W/build.log" >&2
cp .build-static/release/gatekeeper "$W/gatekeeper-unstripped"
cp out/gatekeeper "$W/gatekeeper"
GK=$W/gatekeeper

printf 'int main(void) { return 0; }\n' >"$W/standin.c"
gcc -static -O2 -o "$W/standin" "$W/standin.c"
STANDIN=$W/standin

# Policies: N-1 rsync rules whose roots do not hold /etc (each is tried and
# refuses), then the one that allows.
policy() { # N FILE
  {
    for ((i = 1; i < $1; i++)); do echo "allow rsync-sender exec=$STANDIN roots=/srv/area$i,/home/area$i"; done
    echo "allow rsync-sender exec=$STANDIN roots=/etc,/home,/srv,/var/lib/backup"
    echo "log file=$W/audit.jsonl"
    echo "log syslog=authpriv"
  } >"$2"
  chmod 600 "$2"
}
policy 10 "$W/p10"
# The same ten rules with the allowing one first.
{ grep -v '^allow' "$W/p10"; } >"$W/p10.log"
{ grep '^allow' "$W/p10" | tail -n 1; grep '^allow' "$W/p10" | head -n 9; cat "$W/p10.log"; } >"$W/p10first"
chmod 600 "$W/p10first"
policy 1000 "$W/p1000"
# The same ten rules without kernel confinement (the others use the default,
# confine landlock=auto).
{ cat "$W/p10"; echo "confine landlock=off"; } >"$W/p10off"
chmod 600 "$W/p10off"
PULL="rsync --server --sender -logDtpre.iLsfxCIvu . /etc/"
DENY="rsync --server --sender -logDtpre.iLsfxCIvu --remove-source-files . /etc/"
SECLUDED="rsync --server --sender -slogDtpre.iLsfxCIvu"
printf 'rsync\0.\0/etc/\0\0' >"$W/block"
export SSH_CONNECTION="192.0.2.7 40000 127.0.0.1 22"

# rrsync, pointed at the stand-in.
RRSYNC=""
if [[ -r /usr/bin/rrsync ]]; then
  sed "s|^RSYNC = .*|RSYNC = '$STANDIN'|" /usr/bin/rrsync >"$W/rrsync"
  chmod 755 "$W/rrsync"
  RRSYNC=$W/rrsync
fi
# authprogs, allowing the same pull run as the stand-in.
AUTHPROGS=""
if ! python3 -c 'import authprogs' 2>/dev/null; then pip install -q authprogs >/dev/null 2>&1 || true; fi
if python3 -c 'import authprogs' 2>/dev/null; then
  AUTHPROGS=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/authprogs
  printf -- '-\n  allow:\n    - command: %s --server --sender -logDtpre.iLsfxCIvu . /etc/\n' "$STANDIN" >"$W/authprogs.yaml"
fi

# Syslog: a throwaway rsyslogd; the measured commands run in a private mount
# namespace whose /dev is a small tmpfs with /dev/log pointing at its socket.
inns() { "$@"; }
RSYSLOG_PID=""
cleanup() {
  if [[ -n $RSYSLOG_PID ]]; then kill "$RSYSLOG_PID" 2>/dev/null || true; fi
  rm -rf "$W/tree" "$W/dst"
}
trap cleanup EXIT
if [[ $syslog_mode == rsyslogd ]] && command -v rsyslogd >/dev/null && unshare -m true 2>/dev/null; then
  cat >"$W/rsyslog.conf" <<EOF
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$W/log.sock" RateLimit.Interval="0")
authpriv.* action(type="omfile" file="$W/syslog.txt")
EOF
  rsyslogd -n -f "$W/rsyslog.conf" -i "$W/rsyslogd.pid" &
  RSYSLOG_PID=$!
  for _ in $(seq 50); do [[ -S $W/log.sock ]] && break; sleep 0.1; done
  inns() {
    # shellcheck disable=SC2016 # the inner sh expands $0 and $@, not this one
    unshare -m --propagation private sh -c '
      mount -t tmpfs -o mode=755 none /dev &&
      mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 &&
      mknod -m 444 /dev/urandom c 1 9 && mknod -m 444 /dev/random c 1 8 &&
      ln -s "$0" /dev/log && exec "$@"' "$W/log.sock" "$@"
  }
  syslog_note="syslog: throwaway rsyslogd ($W/log.sock as /dev/log, private mount namespace)"
else
  syslog_mode=none
  syslog_note="syslog: no daemon (/dev/log absent; syslog(3) fails quietly)"
fi

# Wall median (ms) of a command; env and stdin are the caller's.
wall() { # NAME STDIN CMD...
  local name=$1 input=$2
  shift 2
  local cmd
  cmd=$(printf '%q ' "$@")
  if [[ $input == - ]]; then
    inns hyperfine -N -i --style none --warmup 20 --runs "$runs" --export-json "$W/$name.json" "$cmd" >/dev/null 2>&1
  else
    inns hyperfine -i --style none --warmup 20 --runs "$runs" --export-json "$W/$name.json" "$cmd < $input" >/dev/null 2>&1
  fi
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.3f %.3f" % (r["median"]*1000, (r["user"]+r["system"])*1000))' "$W/$name.json"
}

# Instructions up to the exec (or to the end when there is none).
instr() { # NAME STDIN CMD...
  local name=$1 input=$2
  shift 2
  rm -f "$W/cg/$name".*
  # callgrind finds execve by its symbol: count the unstripped twin.
  [[ $1 == "$GK" ]] && set -- "$W/gatekeeper-unstripped" "${@:2}"
  inns valgrind --tool=callgrind --dump-before=execve --dump-before=gk_execveat --callgrind-out-file="$W/cg/$name.%p" "$@" \
    <"${input/#-//dev/null}" >/dev/null 2>"$W/cg/$name.log" || true
  local f="" c
  # the dump before the exec (NAME.PID.1), else the whole run (NAME.PID)
  for c in "$W/cg/$name".*.1; do
    if [[ -e $c ]]; then f=$c; break; fi
  done
  if [[ -z $f ]]; then
    for c in "$W/cg/$name".[0-9]*; do
      if [[ $c != *.log ]]; then f=$c; break; fi
    done
  fi
  { grep -E '^(summary|totals):' "$f" || echo "x 0"; } | head -n 1 | awk '{print $2}'
}

rss() { # STDIN CMD...
  local input=$1
  shift
  inns /usr/bin/time -f '%M' -o "$W/rss" "$@" <"${input/#-//dev/null}" >/dev/null 2>&1 || true
  tail -n 1 "$W/rss"
}

rows=()
measure() { # LABEL NAME STDIN CMD...
  local label=$1 name=$2 input=$3
  shift 3
  echo "== $label" >&2
  local w i r
  w=$(wall "$name" "$input" "$@")
  i=$(instr "$name" "$input" "$@")
  r=$(rss "$input" "$@")
  rows+=("$label|${w% *}|${w#* }|$i|$r")
}

measure "/bin/true, direct" true - /bin/true
measure "stand-in (static C), direct" standin - "$STANDIN"
SSH_ORIGINAL_COMMAND=$PULL measure "gatekeeper allow, 10 rules" allow10 - "$GK" --policy "$W/p10"
SSH_ORIGINAL_COMMAND=$PULL measure "gatekeeper allow, unconfined" allow10off - "$GK" --policy "$W/p10off"
SSH_ORIGINAL_COMMAND=$DENY measure "gatekeeper deny, 10 rules" deny10 - "$GK" --policy "$W/p10"
SSH_ORIGINAL_COMMAND=$PULL measure "gatekeeper allow, 1000 rules" allow1000 - "$GK" --policy "$W/p1000"
SSH_ORIGINAL_COMMAND=$SECLUDED measure "gatekeeper allow, secluded -s" secluded "$W/block" "$GK" --policy "$W/p10"
if [[ -n $RRSYNC ]]; then
  SSH_ORIGINAL_COMMAND=$PULL measure "rrsync -ro / (python3)" rrsync - "$RRSYNC" -ro /
fi
if [[ -n $AUTHPROGS ]]; then
  SSH_ORIGINAL_COMMAND="$STANDIN --server --sender -logDtpre.iLsfxCIvu . /etc/" \
    measure "authprogs --run (python3)" authprogs - "$AUTHPROGS" --run --configfile "$W/authprogs.yaml"
fi
SSH_ORIGINAL_COMMAND=$PULL measure "gatekeeper allow, 10 rules, 1st" allow10first - "$GK" --policy "$W/p10first"

audit_lines=$(wc -l <"$W/audit.jsonl")
confined_lines=$(grep -c '"confine":"landlock-' "$W/audit.jsonl" || true)
unconfined_lines=$(grep -c '"confine":"none' "$W/audit.jsonl" || true)
syslog_lines=$([[ -f $W/syslog.txt ]] && wc -l <"$W/syslog.txt" || echo 0)

# Throughput: a 1 GB pull through gatekeeper versus the same wrapper shape without it.
tp_note="throughput: skipped (BENCH_THROUGHPUT=0)"
if [[ ${BENCH_THROUGHPUT:-1} != 0 ]]; then
  echo "== generating 1 GB tree" >&2
  mkdir -p "$W/tree"
  for i in $(seq -w 1 100); do head -c 10M /dev/urandom >"$W/tree/f$i"; done
  printf 'allow rsync-sender exec=/usr/bin/rsync roots=%s\nlog file=%s/audit-tp.jsonl\nlog syslog=none\n' "$W/tree" "$W" >"$W/ptp"
  chmod 600 "$W/ptp"
  printf '#!/bin/sh\nshift\nSSH_ORIGINAL_COMMAND="$*" exec %s --policy %s\n' "$GK" "$W/ptp" >"$W/ssh-gk"
  printf '#!/bin/sh\nshift\nexec "$@"\n' >"$W/ssh-direct"
  chmod 755 "$W/ssh-gk" "$W/ssh-direct"
  pull() {
    rm -rf "$W/dst"
    local t0 t1
    t0=$(date +%s.%N)
    rsync -a -e "$W/$1" "localhost:$W/tree/" "$W/dst/"
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l 2>/dev/null || python3 -c "print($t1 - $t0)"
  }
  declare -a tg td
  # One untimed pull each warms the page cache; then the order alternates so
  # neither side always runs first.
  pull ssh-direct >/dev/null
  pull ssh-gk >/dev/null
  for k in 1 2 3 4 5; do
    if ((k % 2)); then
      td+=("$(pull ssh-direct)")
      tg+=("$(pull ssh-gk)")
    else
      tg+=("$(pull ssh-gk)")
      td+=("$(pull ssh-direct)")
    fi
  done
  med() { printf '%s\n' "$@" | sort -n | sed -n 3p; }
  d=$(med "${td[@]}")
  g=$(med "${tg[@]}")
  tp_note=$(python3 -c "print('throughput: 1 GB rsync pull (100 x 10 MB), median of 5 after a warm-up: direct %.2f s, through gatekeeper %.2f s, ratio %.2f' % ($d, $g, $g / $d))")
fi

size_unstripped=$(stat -c %s "$W/gatekeeper-unstripped")
size_stripped=$(stat -c %s "$GK")

echo
echo "gatekeeper benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), Linux $(uname -r), $(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release)"
echo "tools: $(swift --version 2>&1 | head -n 1 | sed 's/ (.*//'), $(rsync --version | head -n 1 | awk '{print "rsync " $3}'), hyperfine $(hyperfine --version | awk '{print $2}'), $runs runs per case"
echo "$syslog_note; audit file lines written: $audit_lines, syslog lines: $syslog_lines"
echo "confinement: $confined_lines allow records say landlock-N, $unconfined_lines say none (the 'unconfined' policy, and every run under valgrind 3.19, which does not implement the Landlock system calls: its instruction counts leave out building the ruleset)"
echo
printf '| %-32s | %13s | %13s | %14s | %12s |\n' "case" "wall median ms" "cpu mean ms" "instructions" "max RSS KB"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..34})" "$(printf -- '-%.0s' {1..15})" "$(printf -- '-%.0s' {1..15})" "$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..14})"
for row in "${rows[@]}"; do
  IFS='|' read -r label w c i r <<<"$row"
  printf '| %-32s | %14s | %13s | %14s | %12s |\n' "$label" "$w" "$c" "$(echo "$i" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')" "$r"
done
echo
python3 - "$W" "$size_stripped" "$size_unstripped" "${rows[@]}" <<'EOF'
import sys
w, stripped, unstripped = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = {}
for r in sys.argv[4:]:
    label, wall, cpu, instr, rss = r.split("|")
    rows[label] = (float(wall), float(cpu), int(instr), int(rss))
gk = rows["gatekeeper allow, 10 rules"]
off = rows["gatekeeper allow, unconfined"]
true = rows["/bin/true, direct"]
standin = rows["stand-in (static C), direct"]
def verdict(ok): return "met" if ok else "MISSED"
own = gk[2]  # instructions up to the exec, logging included
print(f"targets:")
print(f"- instructions per allowed call (to the exec, logging included): {own:,} (target <= 400,000: {verdict(own <= 400_000)})")
ratio = gk[0] / true[0]
print(f"- wall vs /bin/true direct: {gk[0]:.3f} / {true[0]:.3f} ms = {ratio:.2f}x (target <= 1.5x: {verdict(ratio <= 1.5)})")
for name in ("rrsync -ro / (python3)", "authprogs --run (python3)"):
    if name in rows:
        p = rows[name]
        print(f"- vs {name}: {p[2] / own:.0f}x fewer instructions, {p[1] / gk[1]:.1f}x less CPU time, {p[0] / gk[0]:.1f}x less wall (target >= 20x less CPU time: {verdict(p[1] / gk[1] >= 20)})")
print(f"- Landlock confinement adds {gk[0] - off[0]:.3f} ms wall and {gk[1] - off[1]:.3f} ms CPU per allowed call (kernel work included)")
print(f"- static binary: {stripped / 1e6:.1f} MB stripped, {unstripped / 1e6:.1f} MB unstripped (target <= 8 MB: {verdict(stripped <= 8_000_000)})")
print(f"- max RSS: {gk[3]} KB; floor: /bin/true {true[3]} KB, stand-in {standin[3]} KB")
EOF
echo "$tp_note"
echo
echo "top functions of the allowed call (callgrind_annotate, unstripped binary, up to the exec):"
f=""
for c in "$W"/cg/allow10.*.1; do
  f=$c
  break
done
callgrind_annotate --inclusive=no "$f" 2>/dev/null | sed -n '/^Ir/,$p' | sed -n '3,14p' | cut -c1-140
