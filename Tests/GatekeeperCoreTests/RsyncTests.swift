// Tests of the rsync-sender profile. Command lines are written as the words
// after the program word, split on single spaces (the core's tokenizer has
// already removed the client's escapes); rows whose words contain spaces are
// given as arrays. Roots are the corpus's assumed policy.

import Testing

@testable import GatekeeperCore

private let scope = RuleScope(roots: ["/etc", "/home", "/srv", "/var/lib/backup"])
private let wholeTree = RuleScope(roots: ["/"])

private func words(_ line: String) -> [String] {
  line.isEmpty ? [] : line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
}

private func code(_ result: Result<ToolPlan, Denial>) -> String {
  switch result {
  case .success: "allowed"
  case .failure(let denial): denial.code
  }
}

// MARK: - Accepted command lines

/// Captured from real clients (corpus ALLOW rows) and built from rsync's
/// server_options() for the options a pull sends.
private let accepted: [String] = [
  // Sent by a pull client, ignored by the sender (the rsync option sweep).
  "--server --sender -blogDtpre.iLsfxCIvu --backup-dir /bk . /etc/",
  "--server --sender -blogDtpre.iLsfxCIvu --backup-dir=/bk --suffix=~ . /etc/",
  "--server --sender -blogDtpre.iLsfxCIvu --backup-dir -x . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --suffix=.bak . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --use-qsort . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --iconv=. . /etc/",
  "--server --sender -Dre.iLsfxCIvu --devices . /etc/",
  // corpus
  "--server --sender -logDtpre.iLsfxCIvu . /etc/",
  // gatekeeper's own rebuilt shape, `--` right before the `.`
  "--server --sender -logDtpre.iLsfxCIvu -- . /etc/",
  "--server --sender -logDtpre.iLsf . /etc/",
  "--server --sender -logDtpre.iLsfxC . /etc/",
  "--server --sender -lHogDtpAXre.iLsfxCIvu --numeric-ids . /home/",
  "--server --sender -logDtprze.iLsfxCIvu . /srv/",
  "--server --sender -logDtpRe.LsfxCIvu --files-from=- --from0 . /home/",
  "--server --sender -logDtprRe.iLsfxCIvu . /etc/./ssh/",
  "--server --sender -logDtprce.iLsfxCIvu . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --inplace . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --bwlimit=1000 . /etc/",
  "--server --sender -vlogDtprze.iLsfxCIvu . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --timeout=600 . /etc/",
  "--server --sender -logDtprRe.iLsfxCIvu --numeric-ids . /etc/",
  "--server --sender -lHogDtprcxe.iLsfxCIvu --ignore-errors --numeric-ids . /home/",
  "--server --sender --numeric-ids --perms --owner --group -D --links --hard-links --times --block-size=2048 --recursive --ignore-times . /home/",
  "--server --sender -de.LsfxCIvu --list-only . /etc/",
  "--server --sender -e.LsfxCIvu . /etc/hostname",
  "--server --sender . /etc/hostname",
  "--server --sender -logDtpr . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu . /etc/ /home/",
  "--server --sender -logDtpre.iLsfxCIvu --iconv=latin1 . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --checksum-choice=md5 . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --compress-choice=zstd . /etc/",
  "--server --sender -logDtprze.iLsfxCIvu --compress-level=9 . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --info=NAME2,STATS3 . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --msgs2stderr . /etc/",
  "--server --sender -vvlogDtpre.iLsfxCIvu . /etc/",
  "--server --sender -logDtprSe.iLsfxCIvu . /var/lib/backup/",
  "--server --sender -logDtpre.iLsfxCIvu --ignore-missing-args . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --delete-missing-args . /etc/",
  "--server --sender --delete -g -l -o -p -D -r -t -v . /home/",
  "--server --sender -logDtpre32.1iLsfxCIvu . /etc/",
  "--server --sender -logDtprRe.iLsfxCIvu . /./etc/",
  // other real clients
  "--server --sender -lHogDtprcxe.iLsfxC --timeout=72000 --numeric-ids . /etc/",  // BackupPC 4
  "--server --sender -lHogDtpAXrxSze.iLsfxCIvu --numeric-ids . /srv/.",  // rsbackup
  "--server --sender -vlHogDtpre.iLsfxCIvu --numeric-ids . /home/",  // dirvish
  "--server --sender -g -l -o -p -D -r -t -x -z -n . /srv/",  // openrsync flags
  // letters a pull sends
  "--server --sender -qlogDtpre.iLsfxCIvu --msgs2stderr . /etc/",
  "--server --sender -nlogDtpre.iLsfxCIvu . /etc/",
  "--server --sender -ulogDtpre.iLsfxCIvu . /etc/",
  "--server --sender -lWogDtpre.iLsfxCIvu . /etc/",
  "--server --sender -lHHogDtpre.iLsfxCIvu . /etc/",
  "--server --sender -logDtUUNpre.iLsfxCIvu . /etc/",
  "--server --sender -logDtpAXXre.iLsfxCIvu . /etc/",
  "--server --sender -logDtprCe.iLsfxCIvu . /etc/",
  "--server --sender -logDtprIe.iLsfxCIvu . /etc/",
  "--server --sender -logDtprxxe.iLsfxCIvu . /etc/",
  "--server --sender -vvvlogDtpre.iLsfxCIvu . /etc/",
  "--server --sender -rt . /srv/a /srv/b /home/c",
  "--server --sender -de.LsfxCIvu --list-only . /etc",
  "--server --sender -logDtpre.iLsfxCIvu . /home//alice/./docs/",
  "--server --sender -logDtpre.iLsfxCIvu . /home/ünï/",
  "--server --sender -logDtpre.iLsfxCIvu . /srv/a]b",
  // long options a pull sends, with their value shapes
  "--server --sender -logDtpre.iLsfxCIvu --no-msgs2stderr . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --append . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --append --append . /etc/",
  "--server --sender -logDtpe.LsfxCIvu --files-from=- --from0 --no-relative . /etc/",
  "--server --sender -logDtprRe.iLsfxCIvu --no-implied-dirs . /etc/./ssh",
  "--server --sender -logDtpre.iLsfxCIvu --safe-links . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --open-noatime . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --checksum-seed=12345 . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --checksum-seed=-7 . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --max-alloc=4G . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --max-alloc=1.5g . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --max-alloc=8MiB+1 . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu -B2048 . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --block-size=131072 . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --skip-compress=gz/jpg/mp[34]/7z . /etc/",
  "--server --sender -logDtprze.iLsfxCIvu --old-compress . /etc/",
  "--server --sender -logDtprze.iLsfxCIvu --new-compress . /etc/",
  "--server --sender -logtpre.iLsfxCIvu --specials . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --no-specials . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --compress-choice=zstd --compress-level=-5 . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --checksum-choice=xxh128,md5 . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --checksum-choice=auto . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --info=name,stats3,FLIST0 . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --timeout=0 --bwlimit=0 . /etc/",
  "--server --sender -logDtpRe.LsfxCIvu --files-from=- -0 . /home/",
  "--server --sender -logDtpre.iLsfxCIvu --cc=md5 --zc=lz4 --zl=3 . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --iconv=UTF-8 . /etc/",
  "--server --sender -logDtpre.iLsfxCIvu --delete-missing-args --ignore-errors . /etc/",
  "--server --sender --dry-run --verbose --recursive --dirs --perms --acls --xattrs --times --atimes --crtimes . /srv/",
  "--server --sender --owner --group --links --relative --one-file-system --update --sparse --whole-file --checksum --cvs-exclude --compress --quiet . /srv/",
]

/// Accepted rows whose paths contain spaces or shell characters (3.2.4+
/// clients escape them; the tokenizer hands them over unescaped).
private let acceptedWords: [[String]] = [
  ["--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "/srv/my dir/"],
  ["--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "/srv/it's\"q/"],
  ["--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "/srv/$HOME;id`x`/"],
  ["--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "/srv/./-dash"],
]

// MARK: - Refused command lines

private let refused: [(String, RsyncReason)] = [
  // --backup-dir's split value: only the next word, never a spliced one.
  ("--server --sender -blogDtpre.iLsfxCIvu --backup-dir . /etc/", .noDot),
  ("--server --sender -blogDtpre.iLsfxCIvu --backup-dir", .splitValue),
  ("--server --sender -blogDtpre.iLsfxCIvu --backup-dir a!#:+ . /etc/", .badValue),
  ("--server --sender -blogDtpre.iLsfxCIvu --suffix=a/b . /etc/", .badValue),
  ("--server --sender -blogDtpre.iLsfxCIvu --suffix= . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --partial-dir .p . /etc/", .receiverOnly),
  ("--server --sender -logDtpre.iLsfxCIvu --iconv=.. . /etc/", .badValue),
  // structure
  ("--server -logDtpre.iLsfxCIvu . /dst/", .notSender),
  ("-v --server --sender -logDtpre.iLsfxCIvu . /etc/", .notServer),
  ("--version", .notServer),
  ("", .notServer),
  ("--sender --server -logDtpre.iLsfxCIvu . /etc/", .notServer),
  ("--server", .notSender),
  ("--server --sender --sender . /etc/", .notSender),
  ("--server --sender -v --server . /etc/", .notServer),
  // daemon mode, remote options, rsh
  ("--server --daemon --config=/tmp/evil.conf --dparam=pre-xferexec=id .", .daemon),
  ("--server --sender --daemon . /etc/", .daemon),
  ("--server --sender --config=/tmp/x . /etc/", .daemon),
  ("--server --sender --dparam=pre-xferexec=id . /etc/", .daemon),
  ("--server --sender --detach . /etc/", .daemon),
  ("--server --sender --no-detach . /etc/", .daemon),
  ("--server --sender -M--log-file=/tmp/x . /etc/", .remoteOption),
  ("--server --sender --remote-option=--log-file=/tmp/x . /etc/", .remoteOption),
  ("--server --sender -e sh . /etc/", .rsh),
  ("--server --sender --rsh=sh . /etc/", .rsh),
  ("--server --sender -logDtpre . /etc/", .rsh),
  ("--server --sender --rsync-path=/tmp/x . /etc/", .clientOnly),
  // capability strings
  ("--server --sender -logDtpre.iLsfxCIvu -e.x . /etc/", .capability),
  ("--server --sender -esh . /etc/", .capability),
  ("--server --sender -loeg.iLsf . /etc/", .capability),
  ("--server --sender -logDtpre.iLsfxCIvuZ . /etc/", .capability),
  ("--server --sender -logDtpre.iiLsf . /etc/", .capability),
  ("--server --sender -logDtpreX.iLsf . /etc/", .capability),
  ("--server --sender -logDtpre32.iLsf . /etc/", .capability),
  ("--server --sender -logDtpre.iLs/etc . /etc/", .capability),
  ("--server --sender --numeric-ids -e.LsfxCIvu . /etc/", .capability),
  // letters taking values
  ("--server --sender -logDtpT/tmp . /etc/", .valueInCluster),
  ("--server --sender -lf-x . /etc/", .valueInCluster),
  ("--server --sender -lB2048 . /etc/", .valueInCluster),
  ("--server --sender -lM--log-file=/tmp/x . /etc/", .valueInCluster),
  ("--server --sender -logDtpre.iLsfxCIvu -B . /etc/", .splitValue),
  ("--server --sender -logDtpre.iLsfxCIvu --timeout 600 . /etc/", .splitValue),
  ("--server --sender -logDtpre.iLsfxCIvu --iconv latin1 . /etc/", .splitValue),
  ("--server --sender -logDtpre.iLsfxCIvu --files-from - . /etc/", .splitValue),
  // writes and deletes
  ("--server --sender -logDtpre.iLsfxCIvu --log-file=/tmp/x . /etc/", .logFile),
  ("--server --sender -logDtpre.iLsfxCIvu --log-file-format=%i . /etc/", .logFile),
  ("--server --sender -logDtpre.iLsfxCIvu --remove-source-files . /etc/", .removeSource),
  ("--server --sender -logDtpre.iLsfxCIvu --remove-sent-files . /etc/", .removeSource),
  ("--server --sender -logDtpre.iLsfxCIvu --write-batch=/tmp/b . /etc/", .batch),
  ("--server --sender -logDtpre.iLsfxCIvu --only-write-batch=/tmp/b . /etc/", .batch),
  ("--server --sender -logDtpre.iLsfxCIvu --read-batch=/tmp/b . /etc/", .batch),
  // reads beyond the request
  ("--server --sender -vlogDtpLre.iLsfxCIvu . /etc/", .followsLinks),
  ("--server --sender -logDtpkre.iLsfxCIvu . /etc/", .followsLinks),
  ("--server --sender -logDtpre.iLsfxCIvu --copy-unsafe-links . /home/", .followsLinks),
  ("--server --sender -logDtpre.iLsfxCIvu --copy-links . /home/", .followsLinks),
  ("--server --sender -logDtpre.iLsfxCIvu --copy-dirlinks . /home/", .followsLinks),
  ("--server --sender -logDtpre.iLsfxCIvu --copy-devices . /etc/", .copyDevices),
  ("--server --sender -logDtpre.iLsfxCIvu --files-from=/etc/shadow . /etc/", .filesFrom),
  ("--server --sender -logDtpre.iLsfxCIvu --files-from=host:/list . /etc/", .filesFrom),
  ("--server --sender -logDtpre.iLsfxCIvu --exclude-from=/etc/shadow . /etc/", .filter),
  ("--server --sender -logDtpre.iLsfxCIvu --include-from=/etc/shadow . /etc/", .filter),
  ("--server --sender -logDtpre.iLsfxCIvu --filter=merge_/etc/shadow . /etc/", .filter),
  ("--server --sender -logDtpre.iLsfxCIvu -f.x . /etc/", .filter),
  ("--server --sender -logDtpre.iLsfxCIvu -F . /etc/", .filter),
  ("--server --sender -lF . /etc/", .filter),
  ("--server --sender -logDtpre.iLsfxCIvu --exclude=x . /etc/", .filter),
  ("--server --sender -logDtpre.iLsfxCIvu --include=x . /etc/", .filter),
  ("--server --sender -logDtpre.iLsfxCIvu --debug=FILTER . /etc/", .debug),
  ("--server --sender -logDtpre.iLsfxCIvu --copy-as=root . /etc/", .copyAs),
  ("--server --sender -logDtpre.iLsfxCIvu --max-alloc=0 . /etc/", .maxAllocZero),
  ("--server --sender -logDtpre.iLsfxCIvu --max-alloc=0.0k . /etc/", .maxAllocZero),
  // judged by the value rsync computes, not the text: each of these is 0 (no limit)
  ("--server --sender -logDtpre.iLsfxCIvu --max-alloc=0.0001k . /etc/", .maxAllocZero),
  ("--server --sender -logDtpre.iLsfxCIvu --max-alloc=1b-1 . /etc/", .maxAllocZero),
  ("--server --sender -logDtpre.iLsfxCIvu --max-alloc=0.5 . /etc/", .maxAllocZero),
  ("--server --sender -logDtpre.iLsfxCIvu --max-alloc=0.000000000001g . /etc/", .maxAllocZero),
  ("--server --sender -logDtpre.iLsfxCIvu --max-alloc=0-1 . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --insecure-links . /etc/", .insecureLinks),
  ("--server --sender -logDtpre.iLsfxCIvu --confine-root=/ . /etc/", .confineRoot),
  ("--server --sender -logDtpre.iLsfxCIvu --early-input=/etc/shadow . /etc/", .earlyInput),
  // receiver-only, client-only, unneeded
  ("--server --sender -logDtpre.iLsfxCIvu --temp-dir=/tmp . /etc/", .receiverOnly),
  ("--server --sender -T/tmp . /etc/", .receiverOnly),
  ("--server --sender -logDtpre.iLsfxCIvu --link-dest=/x . /etc/", .receiverOnly),
  ("--server --sender -logDtpre.iLsfxCIvu --partial-dir=.p . /etc/", .receiverOnly),
  ("--server --sender -logDtpre.iLsfxCIvu --compare-dest=/x . /etc/", .receiverOnly),
  ("--server --sender -logDtpre.iLsfxCIvu --copy-dest=/x . /etc/", .receiverOnly),
  ("--server --sender -logDtpre.iLsfxCIvu --delete-after . /etc/", .receiverOnly),
  ("--server --sender -KlogDtpre.iLsfxCIvu . /etc/", .receiverOnly),
  ("--server --sender -logDtpre.iLsfxCIvu --stats . /etc/", .receiverOnly),
  ("--server --sender -alogDtpre.iLsfxCIvu . /etc/", .unneeded),
  ("--server --sender -logDtpre.iLsfxCIvu --no-perms . /etc/", .unneeded),
  ("--server --sender -logDtpre.iLsfxCIvu --protocol=29 . /etc/", .clientOnly),
  ("--server --sender -logDtpre.iLsfxCIvu --progress . /etc/", .clientOnly),
  ("--server --sender -P . /etc/", .clientOnly),
  ("--server --sender -hlogDtpre.iLsfxCIvu . /etc/", .clientOnly),
  ("--server --sender -logDtpre.iLsfxCIvu --password-file=/etc/shadow . /etc/", .clientOnly),
  // exact names and values
  ("--server --sender -logDtpre.iLsfxCIvu --log-fil=/tmp/x . /etc/", .abbreviation),
  ("--server --sender -logDtpre.iLsfxCIvu --numeric . /etc/", .abbreviation),
  ("--server --sender -logDtpre.iLsfxCIvu --remove-source . /etc/", .abbreviation),
  ("--server --sender -logDtpre.iLsfxCIvu --numeric-ids=1 . /etc/", .unwantedValue),
  ("--server --sender -v=1 . /etc/", .unwantedValue),
  ("--server --sender -logDtpre.iLsfxCIvu --bogus . /etc/", .unknownOption),
  ("--server --sender -logDtpre.iLsfxCIvu --NUMERIC-IDS . /etc/", .unknownOption),
  ("--server --sender -jlogDtpr . /etc/", .unknownOption),
  ("--server --sender -log-file . /etc/", .unknownOption),
  ("--server --sender -logDtpre.iLsfxCIvu --=x . /etc/", .unknownOption),
  ("--server --sender -logDtpre.iLsfxCIvu --timeout=abc . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --timeout=010 . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --timeout=0x10 . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --timeout=-1 . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --timeout=1234567890 . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --timeout= . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --bwlimit=1.5m . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --iconv=utf8,latin1 . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --iconv=!#:+ . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --iconv=- . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --checksum-choice=sha256 . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --checksum-choice=md5,md4,md5 . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --compress-choice=bzip2 . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --info=help . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --info=NAME5 . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --info= . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu -B0x10 . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu -B=2048 . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --skip-compress=a*b . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --max-alloc=lots . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --max-alloc=1x . /etc/", .badValue),
  ("--server --sender -logDtpre.iLsfxCIvu --no-relative -R . /etc/", .optionOrder),
  ("--server --sender -logtpre.iLsfxCIvu --no-specials -D . /etc/", .optionOrder),
  // positionals
  ("--server --sender -logDtpre.iLsfxCIvu . /etc/ --log-file=/tmp/x", .optionAfterPaths),
  ("--server --sender -logDtpre.iLsfxCIvu . /etc/ --", .optionAfterPaths),
  ("--server --sender -logDtpre.iLsfxCIvu . -", .optionAfterPaths),
  ("--server --sender -logDtpre.iLsfxCIvu -- /etc/", .doubleDash),
  ("--server --sender -logDtpre.iLsfxCIvu -- -- . /etc/", .doubleDash),
  ("--server --sender -logDtpre.iLsfxCIvu", .noDot),
  ("--server --sender -logDtpre.iLsfxCIvu /etc/ hostname", .noDot),
  ("--server --sender -logDtpre.iLsfxCIvu - /etc/", .noDot),
  ("--server --sender -logDtpre.iLsfxCIvu .", .noPath),
  ("--server --sender -logDtpre.iLsfxCIvu . .ssh/", .relativePath),
  ("--server --sender -logDtpre.iLsfxCIvu . .", .relativePath),
  ("--server --sender -logDtpre.iLsfxCIvu . ~root/", .tilde),
  ("--server --sender -logDtpre.iLsfxCIvu . /etc/*", .glob),
  ("--server --sender -logDtpre.iLsfxCIvu . /etc/passw?", .glob),
  ("--server --sender -logDtpre.iLsfxCIvu . /etc/[ps]*", .glob),
  ("--server --sender -logDtpre.iLsfxCIvu . /etc/../root/", .dotDot),
  ("--server --sender -logDtprRe.iLsfxCIvu . /etc/./../root/", .dotDot),
  ("--server --sender -logDtpre.iLsfxCIvu . /etc/..", .dotDot),
  ("--server --sender -logDtpre.iLsfxCIvu . /etcfoo/", .outsideRoots),
  ("--server --sender -logDtpre.iLsfxCIvu . /", .outsideRoots),
  ("--server --sender -logDtpre.iLsfxCIvu . /var/lib", .outsideRoots),
  ("--server --sender -logDtpre.iLsfxCIvu . /etc/ /root/", .outsideRoots),
  ("--server --sender -logDtprRe.iLsfxCIvu . /./root/", .outsideRoots),
  // secluded arguments
  ("--server --sender -logDtpre.iLsfxCIvu --secluded-args . /etc/", .secludedSpelling),
  ("--server --sender -logDtpre.iLsfxCIvu --protect-args . /etc/", .secludedSpelling),
  ("--server --sender -logDtpre.iLsfxCIvu --no-s . /etc/", .secludedSpelling),
  ("--server --sender -logDtpre.iLsfxCIvu -s . /etc/", .secludedSpelling),
  ("--server --sender -slogDtpre.iLsfxCIvu . /etc/", .secludedWithArgs),
  ("--server --sender -slogDtpr --numeric-ids", .secludedWithArgs),
  ("--server --sender -s --iconv=latin1 .", .secludedWithArgs),
]

/// Refused rows that need exact words (control characters).
private let refusedWords: [([String], RsyncReason)] = [
  (["--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "/etc/\r"], .controlCharacter),
  (
    ["--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "/etc/\n--log-file=/tmp/x"],
    .controlCharacter
  ),
  (["--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "/etc/\u{1B}x"], .controlCharacter),
  (
    ["--server", "--sender", "-logDtpre.iLsfxCIvu", "--iconv=lat\u{7F}in1", ".", "/etc/"],
    .controlCharacter
  ),
  (["--server", "--sender", "-logDtpre.iLsfxCIvu", ".", ""], .relativePath),
  (["--server", "--sender", "-logDtpre.iLsfxCIvu", "", "/etc/"], .noDot),
]

// MARK: - Rebuilt argv

private let golden: [(String, [String])] = [
  (
    "--server --sender -logDtpre.iLsfxCIvu . /etc/",
    ["--server", "--sender", "-logDtpre.iLsfxCIvu", "--", ".", "/etc/"]
  ),
  ("--server --sender . /etc/hostname", ["--server", "--sender", "--", ".", "/etc/hostname"]),
  (
    "--server --sender -e.LsfxCIvu . /etc/hostname",
    ["--server", "--sender", "-e.LsfxCIvu", "--", ".", "/etc/hostname"]
  ),
  (
    "--server --sender --numeric-ids --perms --owner --group -D --links --hard-links --times --block-size=2048 --recursive --ignore-times . /home/",
    [
      "--server", "--sender", "-lHogDtprI", "--numeric-ids", "--block-size=2048", "--", ".",
      "/home/",
    ]
  ),
  (
    "--server --sender --delete -g -l -o -p -D -r -t -v . /home/",
    ["--server", "--sender", "-vlogDtpr", "--delete", "--", ".", "/home/"]
  ),
  (
    "--server --sender -logDtpRe.LsfxCIvu --files-from=- --from0 . /home/",
    [
      "--server", "--sender", "-logDtpRe.LsfxCIvu", "--files-from=-", "--from0", "--", ".",
      "/home/",
    ]
  ),
  (
    "--server --sender -logDtpre.iLsfxCIvu -B2048 --cc=md5 --no-R . /etc/",
    [
      "--server", "--sender", "-logDtpre.iLsfxCIvu", "--block-size=2048", "--checksum-choice=md5",
      "--no-relative", "--", ".", "/etc/",
    ]
  ),
  (
    "--server --sender -logDtpRe.LsfxCIvu --files-from=- -0 . /home/",
    [
      "--server", "--sender", "-logDtpRe.LsfxCIvu", "--files-from=-", "--from0", "--", ".",
      "/home/",
    ]
  ),
  (
    "--server --sender -logDtprRe.iLsfxCIvu . /etc/./ssh/",
    ["--server", "--sender", "-logDtprRe.iLsfxCIvu", "--", ".", "/etc/./ssh/"]
  ),
  (
    "--server --sender -lHogDtprcxe.iLsfxC --timeout=72000 --numeric-ids . /etc/",
    [
      "--server", "--sender", "-lHogDtprcxe.iLsfxC", "--timeout=72000", "--numeric-ids", "--", ".",
      "/etc/",
    ]
  ),
  (
    "--server --sender -logDtpre32.1iLsfxCIvu . /etc/",
    ["--server", "--sender", "-logDtpre32.1iLsfxCIvu", "--", ".", "/etc/"]
  ),
]

// MARK: - Roots and confinement

private let confining = RuleScope(roots: ["/etc", "/home", "/srv", "/srv/www"], confineRoot: true)

/// Refused only under `confining`.
private let refusedConfining: [(String, RsyncReason)] = [
  ("--server --sender -logDtpre.iLsfxCIvu . /etc/ /home/", .confineRootSpans),
  ("--server --sender -logDtprRe.iLsfxCIvu . /etc/./ssh /srv/./www/x", .confineRootSpans),
]

private let confinement: [(String, String?)] = [
  ("--server --sender -logDtpre.iLsfxCIvu . /etc/", "/etc"),
  ("--server --sender -logDtpre.iLsfxCIvu . /etc/ssh /etc/hosts", "/etc"),
  ("--server --sender -logDtpre.iLsfxCIvu . /srv/www/site", "/srv/www"),
  ("--server --sender -logDtpre.iLsfxCIvu . /srv/www/site /srv/db", "/srv"),
  ("--server --sender -logDtprRe.iLsfxCIvu . /home/./alice/", "/home"),
]

// MARK: - Secluded arguments

/// Blocks captured from rsync 3.5.0 clients through a fake ssh that dumped
/// its argv and stdin (`rsync -s -e ./dumpssh.sh ...`). Right after the
/// block the protocol starts: the four bytes of protocol version 32.
private let capturedBlocks: [(String, String, [String])] = [
  (
    "--server --sender -slogDtpre.iLsfxCIvu", "rsync\0.\0/etc/hostname\0\0",
    ["--server", "--sender", "-logDtpre.iLsfxCIvu", "--", ".", "/etc/hostname"]
  ),
  (
    "--server --sender -slHogDtpAXre.iLsfxCIvu", "rsync\0--numeric-ids\0.\0/etc/\0\0",
    ["--server", "--sender", "-lHogDtpAXre.iLsfxCIvu", "--numeric-ids", "--", ".", "/etc/"]
  ),
  (
    "--server --sender -slogDtprRe.iLsfxCIvu", "rsync\0.\0/etc/./ssh/\0\0",
    ["--server", "--sender", "-logDtprRe.iLsfxCIvu", "--", ".", "/etc/./ssh/"]
  ),
  (
    "--server --sender -slogDtpre.iLsfxCIvu --iconv=latin1", "rsync\0.\0/etc/\0\0",
    ["--server", "--sender", "-logDtpre.iLsfxCIvu", "--iconv=latin1", "--", ".", "/etc/"]
  ),
  (
    "--server --sender -slogDtpRe.LsfxCIvu", "rsync\0--files-from=-\0--from0\0.\0/etc/\0\0",
    ["--server", "--sender", "-logDtpRe.LsfxCIvu", "--files-from=-", "--from0", "--", ".", "/etc/"]
  ),
  (
    "--server --sender -slogDtpre.iLsfxCIvu",
    "rsync\0--compress-level=3\0-B2048\0--checksum-choice=xxh128\0--compress-choice=zstd\0--max-alloc=2G\0.\0/etc/\0\0",
    [
      "--server", "--sender", "-logDtpre.iLsfxCIvu", "--compress-level=3", "--block-size=2048",
      "--checksum-choice=xxh128", "--compress-choice=zstd", "--max-alloc=2G", "--", ".", "/etc/",
    ]
  ),
  (
    "--server --sender -slogDtpre.iLsfxCIvu", "rsync\0.\0/srv/my dir/\0/etc/hostname\0\0",
    ["--server", "--sender", "-logDtpre.iLsfxCIvu", "--", ".", "/srv/my dir/", "/etc/hostname"]
  ),
  (
    "--server --sender -slHogDtprcxe.iLsfxC",
    "rsync\0--numeric-ids\0--timeout=72000\0.\0/home/\0\0",
    [
      "--server", "--sender", "-lHogDtprcxe.iLsfxC", "--numeric-ids", "--timeout=72000", "--", ".",
      "/home/",
    ]
  ),
]

/// Feeds `bytes` one at a time, as the executable does; returns the final
/// step and how many bytes were consumed.
private func readBlock(_ bytes: [UInt8], limit: Int = SecludedBlock.defaultLimit) -> (
  SecludedBlock.Step, Int
) {
  var reader = SecludedBlock(limit: limit)
  for (index, byte) in bytes.enumerated() {
    let step = reader.feed(byte)
    if step != .more { return (step, index + 1) }
  }
  return (.failed(reader.endOfInput()), bytes.count)
}

/// Blocks that parse but whose contents are refused.
private let refusedBlocks: [(String, [String], RsyncReason)] = [
  ("-slogDtpre.iLsfxCIvu", ["rsync", "--remove-source-files", ".", "/etc/"], .removeSource),
  ("-slogDtpre.iLsfxCIvu", ["rsync", ".", "/etc/", "--remove-source-files"], .optionAfterPaths),
  ("-slogDtpre.iLsfxCIvu", ["rsync", "--log-file=/tmp/x", ".", "/etc/"], .logFile),
  ("-slogDtpre.iLsfxCIvu", ["rsync", "-e.x", ".", "/etc/"], .capability),
  ("-slogDtpre.iLsfxCIvu", ["rsync", "-s", ".", "/etc/"], .secludedSpelling),
  ("-slogDtpre.iLsfxCIvu", ["rsync", "--server", "--sender", ".", "/etc/"], .notServer),
  ("-slogDtpre.iLsfxCIvu", ["rsync", "-L", ".", "/etc/"], .followsLinks),
  ("-slogDtpre.iLsfxCIvu", ["rsync", ".", "/etc/*"], .glob),
  ("-slogDtpre.iLsfxCIvu", ["rsync", ".", "."], .relativePath),
  ("-slogDtpre.iLsfxCIvu", ["rsync", ".", "/root/"], .outsideRoots),
  ("-slogDtpre.iLsfxCIvu", ["rsync", "."], .noPath),
  ("-slogDtpre.iLsfxCIvu", ["rsync"], .noDot),
  ("-slogDtpre.iLsfxCIvu", ["rsync", ".", "/etc/\nx"], .controlCharacter),
  ("-slogDtpre.iLsfxCIvu", ["rsync", "--info=NAME\u{85}", ".", "/etc/"], .controlCharacter),
  ("-slogDtpre.iLsfxCIvu", ["rsynd", ".", "/etc/"], .blockNotRsync),
  ("-slogDtpre.iLsfxCIvu --iconv=latin1", ["rsync", ".", "/home/ünï/"], .secludedIconv),
  ("-slogDtpr --no-relative", ["rsync", "-R", ".", "/etc/"], .secludedWithArgs),
  ("-logDtpre.iLsfxCIvu", ["rsync", ".", "/etc/"], .notSecluded),
  ("-slogDtpre.iLsfxCIvu", ["rsync", "--no-relative", "-R", ".", "/etc/"], .optionOrder),
]

private let badStreams: [(String, [UInt8], Int, RsyncReason)] = [
  ("missing terminator", Array("rsync\0.\0/etc/\0".utf8), 65536, .blockTruncated),
  ("empty input", [], 65536, .blockTruncated),
  ("not rsync", Array("rsynx\0.\0/etc/\0\0".utf8), 65536, .blockNotRsync),
  ("long first string", Array("rsyncd".utf8), 65536, .blockNotRsync),
  ("empty first string", [0, 0], 65536, .blockNotRsync),
  ("oversized", Array("rsync\0.\0/etc/aaaaaaaaaaaaaaaaaaaa\0\0".utf8), 24, .blockTooLarge),
  (
    "string too long", Array("rsync\0".utf8) + Array(repeating: 0x61, count: 5000) + [0, 0], 65536,
    .blockTooLarge
  ),
  (
    "too many strings",
    Array("rsync\0".utf8) + Array(repeating: Array("/e\0".utf8), count: 5000).flatMap { $0 }, 65536,
    .blockTooLarge
  ),
  ("invalid UTF-8", Array("rsync\0.\0/srv/".utf8) + [0xFF, 0, 0], 65536, .blockEncoding),
  ("overlong UTF-8", Array("rsync\0.\0/srv/".utf8) + [0xC0, 0xAF, 0, 0], 65536, .blockEncoding),
]

// MARK: - The table and the reasons

@Suite struct RsyncTests {
  @Test(arguments: accepted)
  func acceptsPull(_ line: String) {
    #expect(code(RsyncSender.check(words(line), scope: scope)) == "allowed")
  }

  @Test(arguments: acceptedWords)
  func acceptsPullWithSpecialPaths(_ line: [String]) throws {
    let plan = try RsyncSender.check(line, scope: scope).get()
    #expect(plan.arguments.suffix(3) == ["--", ".", line[4]])
  }

  @Test(arguments: accepted)
  func rebuiltArgvIsAFixedPoint(_ line: String) throws {
    // The rebuilt argv (minus our `--`) is itself accepted and rebuilds the same.
    let first = try RsyncSender.check(words(line), scope: scope).get().arguments
    let again = first.filter { $0 != "--" }
    #expect(try RsyncSender.check(again, scope: scope).get().arguments == first)
  }

  @Test(arguments: refused)
  func refusesCommandLine(_ line: String, _ reason: RsyncReason) {
    #expect(code(RsyncSender.check(words(line), scope: scope)) == reason.rawValue)
  }

  @Test(arguments: refusedWords)
  func refusesExactWords(_ line: [String], _ reason: RsyncReason) {
    #expect(code(RsyncSender.check(line, scope: scope)) == reason.rawValue)
  }

  @Test(arguments: golden)
  func rebuildsCanonicalArgv(_ line: String, _ expected: [String]) throws {
    let plan = try RsyncSender.check(words(line), scope: scope).get()
    #expect(plan.arguments == expected)
    #expect(!plan.needsSecludedBlock)
  }

  @Test func comparesRootsByComponent() {
    let etc = RuleScope(roots: ["/etc"])
    #expect(
      code(RsyncSender.check(words("--server --sender -r . /etcfoo"), scope: etc))
        == "rsync-outside-roots")
    #expect(code(RsyncSender.check(words("--server --sender -r . /etc"), scope: etc)) == "allowed")
    #expect(code(RsyncSender.check(words("--server --sender -r . /etc/"), scope: etc)) == "allowed")
    #expect(
      code(RsyncSender.check(words("--server --sender -r . //etc//x"), scope: etc)) == "allowed")
    #expect(
      code(RsyncSender.check(words("--server --sender -r . /et"), scope: etc))
        == "rsync-outside-roots")
  }

  @Test func followsLinksOnlyOnTheWholeTree() {
    let lines = [
      "--server --sender -vlogDtpLre.iLsfxCIvu . /etc/",
      "--server --sender -logDtpkre.iLsfxCIvu . /etc/",
      "--server --sender -logDtpre.iLsfxCIvu --copy-unsafe-links . /home/",
    ]
    for line in lines {
      #expect(code(RsyncSender.check(words(line), scope: wholeTree)) == "allowed")
      #expect(code(RsyncSender.check(words(line), scope: scope)) == "rsync-follows-links")
    }
    // The whole tree allows any absolute path, still without `..`.
    #expect(
      code(RsyncSender.check(words("--server --sender -r . /"), scope: wholeTree)) == "allowed")
    #expect(
      code(RsyncSender.check(words("--server --sender -r . /a/../b"), scope: wholeTree))
        == "rsync-dot-dot")
  }

  @Test(arguments: confinement)
  func addsConfineRoot(_ line: String, _ root: String?) throws {
    let arguments = try RsyncSender.check(words(line), scope: confining).get().arguments
    let added = arguments.filter { $0.hasPrefix("--confine-root=") }
    #expect(added == (root.map { ["--confine-root=" + $0] } ?? []))
    if root != nil {
      // Just before our own `--`.
      #expect(arguments.firstIndex(of: "--") == arguments.firstIndex(of: added[0]).map { $0 + 1 })
    }
  }

  /// confine-root=yes is never dropped: paths under two roots that no single
  /// root contains are refused (the client must not decide whether rsync
  /// confines itself); with confine-root=no they are allowed.
  @Test(arguments: refusedConfining)
  func pathsUnderTwoRootsAreRefusedWhenConfining(_ line: String, _ reason: RsyncReason) {
    #expect(code(RsyncSender.check(words(line), scope: confining)) == reason.rawValue)
    let plain = RuleScope(roots: confining.roots, confineRoot: false)
    #expect(code(RsyncSender.check(words(line), scope: plain)) == "allowed")
  }

  /// gatekeeper's own argv, fed back, is allowed again unchanged (fuzz
  /// invariant); any other client-chosen confinement is refused.
  @Test(arguments: confinement)
  func confinedPlanIsIdempotent(_ line: String, _ root: String?) throws {
    let plan = try RsyncSender.check(words(line), scope: confining).get().arguments
    #expect(try RsyncSender.check(plan, scope: confining).get().arguments == plan)
    guard root != nil else { return }
    #expect(code(RsyncSender.check(plan, scope: scope)) == "rsync-confine-root")
    let other = plan.map { $0.hasPrefix("--confine-root=") ? "--confine-root=/" : $0 }
    #expect(code(RsyncSender.check(other, scope: confining)) == "rsync-confine-root")
  }

  @Test func secludedClusterCarriesNoLongOptions() {
    // `-s0` would rebuild as `-s --from0`, a shape no client sends.
    #expect(code(RsyncSender.check(words("--server --sender -s0"), scope: scope)) == "rsync-secluded-with-args")
    #expect(code(RsyncSender.check(words("--server --sender -slogDtpre.iLsfxCIvu"), scope: scope)) == "allowed")
  }

  @Test func noConfineRootWithoutPolicyOrOnWholeTree() throws {
    let line = words("--server --sender -logDtpre.iLsfxCIvu . /etc/")
    let plain = try RsyncSender.check(line, scope: scope).get().arguments
    #expect(!plain.contains { $0.hasPrefix("--confine-root") })
    let whole = try RsyncSender.check(line, scope: RuleScope(roots: ["/"], confineRoot: true)).get()
    #expect(!whole.arguments.contains { $0.hasPrefix("--confine-root") })
  }

  @Test(arguments: capturedBlocks)
  func acceptsCapturedSecludedPull(_ command: String, _ block: String, _ expected: [String]) throws {
    let first = try RsyncSender.check(words(command), scope: scope).get()
    #expect(first.needsSecludedBlock)
    let protocolVersion: [UInt8] = [0x20, 0, 0, 0]
    let (step, consumed) = readBlock(Array(block.utf8) + protocolVersion)
    #expect(consumed == block.utf8.count)  // nothing after the block is read
    guard case .done(let strings) = step else {
      Issue.record("block not read: \(step)")
      return
    }
    let plan = try RsyncSender.checkSecluded(
      commandLine: words(command), block: strings, scope: scope
    ).get()
    #expect(plan.arguments == expected)
    #expect(!plan.needsSecludedBlock)
  }

  @Test func secludedCommandLineShape() throws {
    let plan = try RsyncSender.check(words("--server --sender -slogDtpre.iLsfxCIvu"), scope: scope)
      .get()
    #expect(plan.needsSecludedBlock)
    #expect(plan.arguments == ["--server", "--sender", "-slogDtpre.iLsfxCIvu"])
    let bare = try RsyncSender.check(words("--server --sender -s"), scope: scope).get()
    #expect(bare.needsSecludedBlock)
  }

  @Test(arguments: refusedBlocks)
  func refusesSecludedBlock(_ cluster: String, _ block: [String], _ reason: RsyncReason) {
    let command = ["--server", "--sender"] + words(cluster)
    #expect(
      code(RsyncSender.checkSecluded(commandLine: command, block: block, scope: scope))
        == reason.rawValue)
  }

  @Test(arguments: badStreams)
  func refusesBadStream(_ name: String, _ bytes: [UInt8], _ limit: Int, _ reason: RsyncReason) {
    let (step, _) = readBlock(bytes, limit: limit)
    guard case .failed(let denial) = step else {
      Issue.record("\(name): \(step)")
      return
    }
    #expect(denial.code == reason.rawValue, "\(name)")
  }

  @Test func readerStaysDoneAndCountsTheLimitExactly() {
    let block = Array("rsync\0.\0/etc/\0\0".utf8)
    var reader = SecludedBlock(limit: block.count)
    var last = SecludedBlock.Step.more
    for byte in block { last = reader.feed(byte) }
    #expect(last == .done(["rsync", ".", "/etc/"]))
    #expect(reader.feed(0x41) == .done(["rsync", ".", "/etc/"]))
  }

  @Test func tableIsConsistent() {
    let rows = RsyncOption.table
    let longs = rows.compactMap(\.long)
    #expect(Set(longs).count == longs.count, "duplicate long name")
    let shorts = rows.compactMap(\.short)
    #expect(Set(shorts).count == shorts.count, "duplicate letter")
    for row in rows {
      if case .same(let target) = row.verdict {
        let resolved = RsyncOption.long(target[...])
        #expect(resolved != nil, "\(target)")
        #expect(resolved.map { if case .same = $0.verdict { false } else { true } } ?? false)
        #expect(resolved?.argument == row.argument, "\(target)")
      }
      if case .allow = row.verdict, row.argument == .text {
        Issue.record("allowed free text: \(row)")
      }
    }
    for letter in RsyncOption.clusterOrder {
      let verdict = RsyncOption.short(letter)?.verdict
      #expect(verdict == .allow || verdict == .followsLinks, "\(letter)")
    }
    for name in RsyncOption.negations.keys {
      #expect(RsyncOption.long(name[...])?.verdict == .allow, "\(name)")
    }
    // rsync 3.5.0's long_options[] without its terminator, and --use-qsort,
    // the name its client sends for --qsort.
    #expect(rows.count == 259)
  }

  @Test func everyReasonIsReached() {
    var reached = Set(refused.map(\.1.rawValue))
    reached.formUnion(refusedWords.map(\.1.rawValue))
    reached.formUnion(refusedBlocks.map(\.2.rawValue))
    reached.formUnion(badStreams.map(\.3.rawValue))
    reached.formUnion(refusedConfining.map(\.1.rawValue))
    // The executable's wait for the block (reached for real in SecludedWaitTests).
    let waiting = SecludedBlock()
    reached.formUnion([waiting.timedOut().code, waiting.interrupted(by: "SIGHUP").code])
    for reason in RsyncReason.allCases {
      #expect(reached.contains(reason.rawValue), "unreached: \(reason.rawValue)")
      #expect(reason.rawValue.hasPrefix("rsync-") && !reason.message.isEmpty)
    }
  }

  /// Word lists drawn (seeded) from awkward pieces: every one is refused
  /// with an rsync reason, or allowed with a plan whose argv is itself
  /// allowed and gives the same plan.
  @Test func neverTrapsOnOddWords() {
    let pieces = [
      "--server", "--sender", "-", "--", "-=", "--=", "-e", "-B", "---", "-s", "-slogDtpr", ".",
      "/etc/", "-e.iLsf", "-e32.", "-e.", "-B99999999999", "--max-alloc=.", "--max-alloc=1.",
      "--max-alloc=99999999999999999999k", "--info=,", "--iconv=", "-ü", "--ü=ü", "-🙂", "/etc/🙂",
      "--files-from=-", "--no-relative", "-R", "~", "/etc/./..", "", "-M", "-vvvvvvvvvvvvvvvvvvvv",
    ]
    var generator = SeededGenerator(seed: 0x9E37_79B9_7F4A_7C15)
    var allowed = 0
    func expectSound(_ result: Result<ToolPlan, Denial>, _ line: [String]) {
      switch result {
      case .failure(let denial):
        #expect(RsyncReason(rawValue: denial.code) != nil, "\(line): \(denial.code)")
      case .success(let plan):
        allowed += 1
        let again = RsyncSender.check(plan.arguments, scope: scope)
        #expect((try? again.get()) == plan, "\(line) rebuilt as \(plan.arguments)")
      }
    }
    for _ in 0..<20_000 {
      let line = (0..<Int.random(in: 0...15, using: &generator)).map { _ in
        pieces.randomElement(using: &generator)!
      }
      expectSound(RsyncSender.check(line, scope: scope), line)
      expectSound(RsyncSender.check(["--server", "--sender"] + line, scope: scope), line)
      let secluded = RsyncSender.checkSecluded(
        commandLine: ["--server", "--sender", "-s"], block: ["rsync"] + line, scope: scope)
      expectSound(secluded, ["-s"] + line)
    }
    #expect(allowed > 0)
  }
}
