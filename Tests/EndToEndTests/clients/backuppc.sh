#!/usr/bin/env bash
# BackupPC 4 through gatekeeper, with the package's own config.pl and only
# what a host needs changed: private TopDir/LogDir/RunDir, SshPath (a wrapper
# that adds the test sshd's port and key), the host's share and alias.
# Usage: backuppc.sh OUT SSH_WRAPPER SRC rsync|tar
# Runs (re-execs itself) in a private mount namespace where OUT/conf is
# bind-mounted over /etc/backuppc: the system's BackupPC is never touched.
# Steps: daemon up; full dump; copy SRC to OUT/expect-0; change SRC (new file,
# changed file, removed file); incremental dump; copy to OUT/expect-1;
# restore both backups with BackupPC_tarCreate into OUT/restore-0 and
# OUT/restore-1; daemon down. Timings go to OUT/timings.
set -euo pipefail
out=$1 ssh_wrapper=$2 src=$3 xfer=$4
if [ "${GK_BPC_IN_NS:-}" != 1 ]; then
  exec env GK_BPC_IN_NS=1 unshare -m --propagation private "$0" "$@"
fi
bin=/usr/share/backuppc/bin
conf=$out/conf top=$out/top
mkdir -p "$conf" "$top/pc" "$top/cpool" "$top/pool" "$top/log" "$out/run"
cp /etc/backuppc/config.pl "$conf/config.pl"
cat >> "$conf/config.pl" <<PERL

# --- gatekeeper end-to-end test: private locations, root, ssh wrapper ---
\$Conf{TopDir} = '$top';
\$Conf{LogDir} = '$top/log';
\$Conf{RunDir} = '$out/run';
\$Conf{BackupPCUser} = 'root';
\$Conf{BackupPCUserVerify} = 0;
\$Conf{SshPath} = '$ssh_wrapper';
# Recommended packages (smbclient, nmblookup, a sendmail) are not needed:
# the daemon refuses to start when a configured program is missing.
\$Conf{SmbClientPath} = '';
\$Conf{NmbLookupPath} = '';
\$Conf{SendmailPath} = '';
PERL
printf 'host dhcp user moreUsers\ngkclient 0 root\n' > "$conf/hosts"
if [ "$xfer" = rsync ]; then share="\$Conf{RsyncShareName} = ['$src'];"; else share="\$Conf{TarShareName} = ['$src'];"; fi
# The host: as install/recipes/backuppc4.pl says (these equal the defaults).
cat > "$conf/gkclient.pl" <<PERL
\$Conf{XferMethod} = '$xfer';
\$Conf{RsyncClientPath} = '/usr/bin/rsync';
\$Conf{RsyncSshArgs} = ['-e', '\$sshPath -l root'];
\$Conf{TarClientPath} = '/bin/tar';
$share
\$Conf{ClientNameAlias} = '127.0.0.1';
\$Conf{BackupsDisable} = 1;
PERL
mount --bind "$conf" /etc/backuppc

now() { date +%s.%N; }
t0=$(now)
"$bin/BackupPC" -d
for _ in $(seq 100); do [ -S "$out/run/BackupPC.sock" ] && break; sleep 0.1; done
stop() { if [ -f "$out/run/BackupPC.pid" ]; then kill "$(cat "$out/run/BackupPC.pid")" 2>/dev/null || true; fi; }
trap stop EXIT
trap 'stop; exit 1' INT TERM
t1=$(now)
cp -a "$src/." "$out/expect-0/"
"$bin/BackupPC_dump" -f -v gkclient > "$out/dump-0.log" 2>&1
t2=$(now)
# The change an incremental must pick up (mtimes move forward by 2 s).
sleep 1.1
echo "added after the full backup" > "$src/added.txt"
echo "changed after the full backup" >> "$src/plain.txt"
rm -f "$src/removed.txt"
cp -a "$src/." "$out/expect-1/"
"$bin/BackupPC_dump" -i -v gkclient > "$out/dump-1.log" 2>&1
t3=$(now)
for n in 0 1; do
  mkdir -p "$out/restore-$n"
  "$bin/BackupPC_tarCreate" -h gkclient -n "$n" -s "$src" . > "$out/restore-$n.tar" 2> "$out/tarCreate-$n.log"
  tar -x -f "$out/restore-$n.tar" -C "$out/restore-$n"
done
t4=$(now)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="$t4" \
  'BEGIN { printf "daemon %.1fs full %.1fs incr %.1fs restore %.1fs\n", b - a, c - b, d - c, e - d }' > "$out/timings"
