#!/usr/bin/env bash
# gatekeeper live demo: a throwaway sshd on loopback, a backup key locked to
# gatekeeper, a real rsync pull and tar backup through it, attacks refused
# (a shell, tar's checkpoint action, a push, a symlink out of the tree), the
# kernel confinement, and the audit trail. Cleans up everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }

# sshd, ssh and rsync: installed here when run as root, else the command is printed
bash install/deps.sh demo || exit 1
bin=${GATEKEEPER_BIN:-$PWD/.build/debug/gatekeeper}
if [ ! -x "$bin" ]; then
  say "Building gatekeeper (swift build)"
  swift build 2>&1 | tail -n 2
fi

work=$(mktemp -d /tmp/gatekeeper-demo.XXXXXX)
chmod 700 "$work"
sshd_pid=""
cleanup() {
  if [ -n "$sshd_pid" ]; then kill "$sshd_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

user=$(id -un)
say "Setting up a throwaway sshd on 127.0.0.1 for user $user (work dir $work)"
mkdir -p "$work/data/etc-copy/sub" "$work/restore" "$work/scratch"
echo "hello from the client" > "$work/data/etc-copy/motd"
echo "nested file" > "$work/data/etc-copy/sub/file with space.txt"
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
ssh-keygen -q -t ed25519 -N '' -C backup-server -f "$work/backupkey"
cat > "$work/gatekeeper.policy" <<POLICY
# demo policy: read-only pulls of $work/data, nothing else
allow rsync-sender roots=$work/data
allow tar-create roots=$work/data
log file=$work/audit.jsonl
log syslog=none
POLICY
chmod 600 "$work/gatekeeper.policy"
printf 'restrict,command="%s --policy %s" %s\n' "$bin" "$work/gatekeeper.policy" "$(cat "$work/backupkey.pub")" \
  > "$work/authorized_keys"
echo "authorized_keys line:"
sed 's/AAAA[^ ]*/AAAA.../' "$work/authorized_keys"
port=$(( 20000 + RANDOM % 20000 ))
[ "$(id -u)" = 0 ] && mkdir -p /run/sshd
cat > "$work/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $work/hostkey
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin forced-commands-only
ExposeAuthInfo yes
CONF
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
sshd_pid=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
ssh_cmd="ssh -i $work/backupkey -p $port -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o LogLevel=ERROR"

say "1. A real rsync pull through the locked key"
run rsync -a -e "$ssh_cmd" "$user@127.0.0.1:$work/data/etc-copy/" "$work/restore/rsync/"
run diff -r "$work/data/etc-copy" "$work/restore/rsync" && echo "identical tree"

say "2. A real tar backup through the locked key"
mkdir -p "$work/restore/tar"
printf '$ %s\n' "$ssh_cmd $user@127.0.0.1 tar -c -f - -C $work/data/etc-copy . | tar -x -C $work/restore/tar"
$ssh_cmd "$user@127.0.0.1" tar -c -f - -C "$work/data/etc-copy" . | tar -x -C "$work/restore/tar"
run diff -r "$work/data/etc-copy" "$work/restore/tar" && echo "identical tree"

say "3. Attack: a shell command through the key"
run $ssh_cmd "$user@127.0.0.1" "touch $work/scratch/pwned; id" || echo "(refused, exit $?)"
say "4. Attack: tar's checkpoint action runs a program"
run $ssh_cmd "$user@127.0.0.1" "tar -c -f - --checkpoint=1 --checkpoint-action=exec=id $work/data" >/dev/null || echo "(refused, exit $?)"
say "5. Attack: an rsync push (a write) into the client"
run rsync -a -e "$ssh_cmd" "$work/data/etc-copy/" "$user@127.0.0.1:$work/scratch/" || echo "(refused, exit $?)"
[ -z "$(ls -A "$work/scratch")" ] && echo "nothing was written to $work/scratch"

say "6. Attack: a symbolic link inside the allowed tree that leads out of it"
mkdir -p "$work/secrets" && echo "not for backup" > "$work/secrets/key"
ln -s "$work/secrets" "$work/data/etc-copy/escape"
run rsync -a -e "$ssh_cmd" "$user@127.0.0.1:$work/data/etc-copy/escape/" "$work/restore/escape/" || echo "(refused, exit $?)"
[ ! -e "$work/restore/escape/key" ] && echo "nothing outside the roots was read"
echo "and behind the parsers, the kernel (Landlock) confines what runs:"
run "$bin" check --policy "$work/gatekeeper.policy" "rsync --server --sender -logDtpre.iLsfxCIvu . $work/data/etc-copy/"

say "7. The audit trail ($work/audit.jsonl)"
cat "$work/audit.jsonl"
if "$bin" report "$work/audit.jsonl" >/dev/null 2>&1; then
  say "8. gatekeeper report"
  "$bin" report "$work/audit.jsonl"
fi
say "Done; cleaning up"
