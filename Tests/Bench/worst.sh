#!/usr/bin/env bash
# Benchmark (not a timed test): the costliest requests the size caps allow
# (128 KiB command lines), for each parser, under a 10-rule and a 1,000-rule
# policy, run through `gatekeeper check` (the real decision path, symlink
# check included). Prints CPU seconds and max RSS; the target is 50 ms.
#
#   Tests/Bench/worst.sh          (from the package root; builds with
#                                  install/build.sh unless GATEKEEPER_BIN is set)
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"
bin=${GATEKEEPER_BIN:-}
if [[ -z $bin ]]; then
  install/build.sh >/dev/null
  bin=$PWD/out/gatekeeper
fi
w=$(mktemp -d /var/tmp/gk-worst.XXXXXX)
trap 'rm -rf "$w"' EXIT
mkdir -p "$w/root/a"

python3 - "$w" <<'EOF'
import sys
w = sys.argv[1]
root = w + "/root"
cap = 128 * 1024 - 64
def fill(head, unit, tail=""):
    n = (cap - len(head) - len(tail)) // len(unit)
    return head + unit * n + tail
reqs = {
    "tar: relative -C steps": fill("tar -c -f - -C " + root, " -C a"),
    "tar: -C steps with operands": fill("tar -c -f - -C " + root, " -C a x"),
    "tar: steps, last operand outside": fill("tar -c -f - -C " + root, " -C a", " /etc/shadow"),
    "rsync: distinct paths": "rsync --server --sender -logDtpre.iLsfxCIvu ." + "".join(
        " %s/p%d" % (root, i) for i in range(100000))[: cap - 60],
    "rsync: paths, last outside": "rsync --server --sender -logDtpre.iLsfxCIvu ." + "".join(
        " %s/p%d" % (root, i) for i in range(100000))[: cap - 80] + " /etc/shadow",
}
for i, (name, text) in enumerate(reqs.items()):
    text = text.rsplit(" ", 1)[0] if text.endswith("/p") else text
    open("%s/req%d" % (w, i), "w").write(text)
    open("%s/name%d" % (w, i), "w").write(name)
for n in (10, 1000):
    lines = []
    for i in range(n - 1):
        lines.append("allow tar-create roots=%s,/srv/x%d" % (root, i))
        lines.append("allow rsync-sender roots=%s,/srv/x%d" % (root, i))
    lines += ["allow tar-create roots=" + root, "allow rsync-sender roots=" + root, "log syslog=none"]
    open("%s/p%d" % (w, n), "w").write("\n".join(lines) + "\n")
EOF
chmod 600 "$w"/p10 "$w"/p1000

printf '%-36s %8s %14s %14s\n' "request (128 KiB)" "rules" "CPU s" "max RSS KB"
for i in 0 1 2 3 4; do
  for n in 10 1000; do
    /usr/bin/time -f '%U %S %M' -o "$w/t" "$bin" check --policy "$w/p$n" "$(cat "$w/req$i")" >/dev/null 2>&1 || true
    read -r u s m < <(tail -n 1 "$w/t")
    printf '%-36s %8s %14s %14s\n' "$(cat "$w/name$i")" "$((n * 2))" "$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')" "$m"
  done
done
