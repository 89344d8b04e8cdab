# BackupPC 4: per-host config (/etc/backuppc/pc/HOST.pl) or config.pl.
# The client's key line runs gatekeeper; these settings only make BackupPC
# ask for what the policy allows. See backuppc4.md.

# rsync: what BackupPC asks the client to run. gatekeeper ignores the path
# and runs the policy's exec= instead, but it must be rsync by name.
$Conf{XferMethod}      = 'rsync';
$Conf{RsyncClientPath} = '/usr/bin/rsync';
# The key BackupPC logs in with (~backuppc/.ssh/id_ed25519 by default).
$Conf{RsyncSshArgs}    = ['-e', '$sshPath -l root'];
$Conf{RsyncShareName}  = ['/etc', '/home'];

# tar (XferMethod 'tar' instead of 'rsync'): BackupPC's default command,
# unchanged; gatekeeper applies `env LC_ALL=C` itself.
$Conf{TarClientPath}   = '/bin/tar';
$Conf{TarClientCmd}    = '$sshPath -q -x -n -l root $host env LC_ALL=C $tarPath -c -v -f - -C $shareName+ --totals';
$Conf{TarShareName}    = ['/etc', '/home'];
