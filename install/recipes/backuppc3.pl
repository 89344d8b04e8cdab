# BackupPC 3 (File::RsyncP): per-host config or config.pl. See backuppc3.md.

$Conf{XferMethod}      = 'rsync';
$Conf{RsyncClientPath} = '/usr/bin/rsync';
$Conf{RsyncClientCmd}  = '$sshPath -q -x -l root $host $rsyncPath $argList+';
$Conf{RsyncShareName}  = ['/etc', '/home'];

# tar instead of rsync:
$Conf{TarClientPath}   = '/bin/tar';
$Conf{TarClientCmd}    = '$sshPath -q -x -n -l root $host env LC_ALL=C $tarPath -c -v -f - -C $shareName+ --totals';
$Conf{TarShareName}    = ['/etc', '/home'];
