// Tests for the tar-create profile (TarCreate.swift, TarOptions.swift).
// Rows are the words after the program word, as the core's tokenizer hands
// them over (quotes and backslashes already removed). `w` splits a row on
// single spaces; `␣` stands for a space inside a word.

import Testing

@testable import GatekeeperCore

#if canImport(Glibc)
  import Glibc
#endif

private func w(_ row: String) -> [String] {
  if row.isEmpty { return [] }
  return row.split(separator: " ", omittingEmptySubsequences: false)
    .map { String($0).replacing("␣", with: " ") }
}

private let whole = RuleScope(roots: ["/"])
private let narrow = RuleScope(roots: ["/etc", "/home"])
private let narrowCafe = RuleScope(roots: ["/etc", "/home/caf\u{e9}"])

private func code(_ words: [String], _ scope: RuleScope) -> String {
  switch TarCreate.check(words, scope: scope) {
  case .success(let plan): "ALLOW " + plan.arguments.joined(separator: " ")
  case .failure(let denial): denial.code
  }
}

// MARK: - Accepted, roots "/"

/// Corpus ALLOW rows (prefixes removed) and rows from tar's manual.
private let acceptedWhole: [String] = [
  "-c -v -f - -C / --totals .",
  "-c -v -f - -C / --totals --newer=2024-05-01␣02:00:00 .",
  "-c -v -f - -C / --totals --exclude=./proc --exclude=./sys --exclude=./tmp/* .",
  "-c -v -f - -C /home --totals ./alice ./bob",
  "-c -v -f - -C /srv/my␣share --totals --newer=2024-05-01␣02:00:00 --exclude=./cache␣dir .",
  "-c -v -f - -C / --totals --exclude=./x;id .",
  "-c -v -f - -C /etc --totals .",
  "-c -v -f - -C / --totals --exclude=./proc .",
  "-c -v -f - -C / --one-file-system --totals .",
  "-c -v -f - -C / --totals -p --numeric-owner --sparse .",
  "-c -v -f - -C / --totals --newer-mtime=2024-05-01␣02:00:00 .",
  "-c -v -f - -C /home --totals --one-file-system --exclude-caches --exclude-vcs .",
  "-c -f - -C /etc --acls --xattrs --selinux .",
  "--create --file=- --directory=/etc --totals .",
  "--create --file - --directory /etc .",
  "-cf- -C/etc .",
  "-cvf - /etc",
  "czf - /etc",
  "cfb - 20 /etc",
  "-c -z -f - -C /etc .",
  "-c --zstd -f - -C /etc .",
  "-c -f - -b 20 -H posix /etc",
  "-c -f - --format=posix --pax-option=delete=atime /etc",
  "-c -f - --transform=s,^,client1/, /etc",
  "-c -f - --atime-preserve=system -C /etc .",
  "-c -f - --exclude=*.log -C /var/log .",
  "-c -f - -C /var/log --exclude=*.log .",
  "-c -f - -C / --newer-mtime=2024-05-01␣02:00:00 .",
  "-c -f - /etc --totals",
  "-c -f - -C /etc . -C /var/lib/dpkg status",
  "-c -f - -- -f /etc/x",
  "-c -f - -C / --exclude=x -- --checkpoint-action=exec=id",
  "-c --totals=SIGUSR1 -f - /etc",
  "-c -f - --restrict -C /etc .",
  "-c -h -f - -C /home .",
  "-c -j -f - /etc",
  "-cJf - /etc",
  "--create --bzip2 --file=- /etc",
  "-c --xz --lzip --lzma --lzop -f - /etc",
  "-c -a --no-auto-compress -f - /etc",
  "-c --gzip --gunzip --ungzip -Z --compress --uncompress -f - /etc",
  "-c -f - --no-acls --no-xattrs --no-selinux /etc",
  "-c -f - --exclude-caches-under --exclude-caches-all --exclude-tag=.nobackup /etc",
  "-c -f - --exclude-tag-under=NOBACKUP --exclude-tag-all=.skip /etc",
  "-c -f - --exclude-backups --exclude-vcs-ignores /home",
  "-c -f - --exclude-ignore=.tarignore --exclude-ignore-recursive=.tarignore /home",
  "-c -f - --xform=s/a/b/gi /etc",
  "-c -f - -H gnu --format=ustar /etc",
  "-c -f - -b 4096 /etc",
  "-c -f - --blocking-factor=1 /etc",
  "-c -f - --record-size=10240 /etc",
  "-c -f - --record-size=10k --record-size=20b --record-size=2M /etc",
  "-c -f - --totals=USR2 --totals=HUP --totals=SIGINT --totals=QUIT /etc",
  "-c -f - --ignore-failed-read --warning=no-file-changed /etc",
  "-c -f - --label=backup␣2024 /etc",
  "-c -f - -V lbl /etc",
  "-c -f - --no-recursion /etc /etc/hosts --recursion /var/log",
  "-c -f - --anchored --no-anchored --ignore-case --no-ignore-case --exclude=x /etc",
  "-c -f - --wildcards --no-wildcards --wildcards-match-slash --no-wildcards-match-slash /etc",
  "-c -f - --null --no-null --unquote --no-unquote --verbatim-files-from --no-verbatim-files-from /etc",
  "-cvf - --numeric-owner --owner=root --group=0 --mode=go-w --mtime=2024-01-01 --clamp-mtime /etc",
  "-c -f - --sort=name --hole-detection=seek --sparse-version=1.0 /etc",
  "-c -f - --check-device --no-check-device --one-file-system /etc",
  "-c -f - -l --check-links --show-transformed-names --show-stored-names --utc --full-time /etc",
  "-c -f - -R --block-number /etc",
  "-c -f - --quoting-style=escape --quote-chars=: --no-quote-chars=x /etc",
  "-c -f - --level=0 /etc",
  "-c -f - --force-local --seek --no-seek -n /etc",
  "-c -f - -P --absolute-names --hard-dereference --dereference /etc",
  "-c -f - -o --old-archive --portability --posix /etc",
  "-c -f - --add-file=-weird -C /etc .",
  "-c -f - -C /etc -- -dash",
  "-c -c -f - /etc",
  "-c -f - -N 2024-01-01 /etc",
  "-c -f - --after-date=2024-01-01 /etc",
  "-c -f - --newer yesterday /etc",
  "-c -f - --xattrs-include=user.* --xattrs-exclude=security.* /etc",
  "-c -f - --atime-preserve=sys /etc",
  "-c -f - --pax-option=exthdr.name=%d/PaxHeaders/%f,atime:=0 /etc",
  "-c -f - --pax-option=mtime:={2024-01-01} /etc",
  "-c -f - -C / etc home",
  "-cvzf - -C /etc .",
  "-c -f - /",
  "-c -f - -C /etc -C ssh .",
  "-c -f - relative/dir",
  "-c -f - --newer=2024-05-01 --exclude=./a --exclude ./b .",
  "c -f - /etc",
  "cv -f - --totals /etc",
  "-f - -c /etc",
  "-c -f - -- -",
  "-c --file=- /etc",
  "-c -f - -C /etc -Sp .",
  "-c -f - --format posix --label x --owner 0 --group 0 /etc",
]

@Test(arguments: acceptedWhole)
func tarAcceptsWholeTree(_ row: String) {
  #expect(code(w(row), whole).hasPrefix("ALLOW "), "\(row)")
}

@Test func tarAcceptsEmptyFirstWord() {
  // tar reads an empty first word as an empty old-style letter list.
  #expect(code(["", "-c", "-f", "-", "/etc"], whole) == "ALLOW --create --file=- /etc")
  #expect(code(["", "x", "-c", "-f", "-"], whole) == "ALLOW --add-file=x --create --file=-")
}

// MARK: - Refused, roots "/"

/// (row, expected reason code)
private let refusedWhole: [(String, String)] = [
  // corpus DENY rows
  ("-c -f - --checkpoint=1 --checkpoint-action=exec=sh /etc/hostname", "tar-checkpoint"),
  ("-c --checkpoint-a=exec=id -f - /etc", "tar-abbreviated-option"),
  ("-c -v -f - -C / --totals . --checkpoint=1 --checkpoint-action=exec=id", "tar-checkpoint"),
  ("-c -f - --checkpoint-action=exec=sh␣-c␣id /etc", "tar-runs-program"),
  ("-c --use-c=id -f - /etc", "tar-abbreviated-option"),
  ("cIf sh␣-c␣id - /etc", "tar-runs-program"),
  ("-c -f - --to-command=id /etc", "tar-runs-program"),
  ("-c -f - --set-mtime-command=id /etc", "tar-unknown-option"),
  ("-c -f - --program-name=x /etc", "tar-builtin-option"),
  ("-c --rsh-command=/bin/sh -f localhost:x /etc", "tar-runs-program"),
  ("-c --rmt-command=/tmp/x -f h:/x /etc", "tar-runs-program"),
  ("cvf --checkpoint=1 /etc", "tar-archive-not-stdout"),
  ("-cfv - /etc", "tar-archive-not-stdout"),
  ("-c -f/dev/sda /etc", "tar-archive-not-stdout"),
  ("-c --file=/dev/stdout /etc", "tar-archive-not-stdout"),
  ("-c -f - --rem /home", "tar-abbreviated-option"),
  ("-c -f - -g /etc/cron.d/evil /etc", "tar-writes-file"),
  (
    "--create --file - --directory /home --one-file-system --listed-incremental "
      + "/var/lib/amanda/gnutar-lists/h_home_0.new --sparse --ignore-failed-read --totals .",
    "tar-writes-file"
  ),
  ("-c -v -f - --ind=/etc/x /etc", "tar-abbreviated-option"),
  ("-c --backup=numbered -f /etc/passwd /etc", "tar-writes-file"),
  ("-c -f - --atime-preserve /etc", "tar-atime-replace"),
  ("-c -v -f - -C / --totals -L 1024 .", "tar-multi-volume"),
  ("-c -M -F /tmp/evil.sh -L 1 -f /tmp/v.tar /etc", "tar-multi-volume"),
  ("-c -f - --new-volume-script=/tmp/e.sh -M -L1 /etc", "tar-runs-program"),
  ("-c -W -f - /etc", "tar-verify"),
  ("-c -v -f - -C / --totals -T -", "tar-reads-file"),
  ("-c -f - -T /etc/shadow", "tar-reads-file"),
  ("-c -f - --null -T /tmp/list", "tar-reads-file"),
  ("-c -f - -C / --owner-map=/etc/shadow .", "tar-reads-file"),
  ("-x -p --numeric-owner --same-owner -v -f - -C /", "tar-mode-not-create"),
  ("-r -f - /etc", "tar-mode-not-create"),
  ("-A -f - x", "tar-mode-not-create"),
  ("-C /etc -f - .", "tar-mode-missing"),
  ("-c --fil=- /etc", "tar-ambiguous-option"),
  ("-c -f - --CREATE /etc", "tar-unknown-option"),
  ("-c -f - -s ,a,b, /etc", "tar-not-create-option"),
  ("-c -f - -W use-compress-program=id /etc", "tar-verify"),
  ("-c -f - --options=x /etc", "tar-unknown-option"),
  // modes
  ("-t -f -", "tar-mode-not-create"),
  ("--list -f -", "tar-mode-not-create"),
  ("-c --extract -f - /etc", "tar-mode-not-create"),
  ("-c --get -f - /etc", "tar-mode-not-create"),
  ("-c -d -f - /etc", "tar-mode-not-create"),
  ("--diff -f -", "tar-mode-not-create"),
  ("--compare -f -", "tar-mode-not-create"),
  ("-u -f - /etc", "tar-mode-not-create"),
  ("--update -f - /etc", "tar-mode-not-create"),
  ("--append -f - /etc", "tar-mode-not-create"),
  ("--catenate -f - x", "tar-mode-not-create"),
  ("--concatenate -f - x", "tar-mode-not-create"),
  ("--delete -f - x", "tar-mode-not-create"),
  ("--test-label -f -", "tar-mode-not-create"),
  ("xf - /etc", "tar-mode-not-create"),
  ("-cx -f - /etc", "tar-mode-not-create"),
  ("-f - /etc", "tar-mode-missing"),
  ("", "tar-mode-missing"),
  ("-- -c", "tar-mode-missing"),
  ("c-f - /etc", "tar-archive-missing"),
  // archive
  ("-c /etc", "tar-archive-missing"),
  ("-c -f - -f - /etc", "tar-archive-repeated"),
  ("-c --file=- --file=x /etc", "tar-archive-repeated"),
  ("-c -f -- /etc", "tar-archive-not-stdout"),
  ("-c --file= /etc", "tar-archive-not-stdout"),
  ("-c -0 -f - /etc", "tar-archive-not-stdout"),
  ("c0 /etc", "tar-archive-not-stdout"),
  ("cbf 20 /tmp/x /etc", "tar-archive-not-stdout"),
  // programs, prompts, writes
  ("-c -f - -I gzip /etc", "tar-runs-program"),
  ("-c -f - --use-compress-program=gzip /etc", "tar-runs-program"),
  ("-c -f - --checkpoint /etc", "tar-checkpoint"),
  ("-c -f - -F /tmp/x /etc", "tar-runs-program"),
  ("-c -f - --info-script=x /etc", "tar-runs-program"),
  ("-c -f - --tape-length=1 /etc", "tar-multi-volume"),
  ("-c -f - --multi-volume /etc", "tar-multi-volume"),
  ("-c -f - -w /etc", "tar-interactive"),
  ("-c -f - --confirmation /etc", "tar-interactive"),
  ("-c -f - --interactive /etc", "tar-interactive"),
  ("-c -f - --index-file=/tmp/x /etc", "tar-writes-file"),
  ("-c -f - --volno-file=/tmp/v /etc", "tar-writes-file"),
  ("-c -f - --suffix=.bak /etc", "tar-writes-file"),
  ("-c -f - --backup /etc", "tar-writes-file"),
  ("-c -f - --listed-incremental=/tmp/s /etc", "tar-writes-file"),
  ("-c -f - --remove-files /etc", "tar-removes-files"),
  ("-c -f - -X /etc/shadow /etc", "tar-reads-file"),
  ("-c -f - --exclude-from=x /etc", "tar-reads-file"),
  ("-c -f - --files-from=x", "tar-reads-file"),
  ("-c -f - --group-map=x /etc", "tar-reads-file"),
  ("cTf /etc/shadow -", "tar-reads-file"),
  // dates that name files
  ("-c -f - --newer=/etc/shadow /etc", "tar-date-from-file"),
  ("-c -f - -N ./x /etc", "tar-date-from-file"),
  ("-c -f - --newer-mtime=/x /etc", "tar-date-from-file"),
  ("-c -f - --mtime=/etc/passwd /etc", "tar-date-from-file"),
  ("-c -f - --after-date=. /etc", "tar-date-from-file"),
  ("-c -f - --pax-option=mtime:={/etc/shadow} /etc", "tar-date-from-file"),
  ("-c -f - --pax-option=a=1,exthdr.mtime=␣{./x} /etc", "tar-date-from-file"),
  ("-c -f - --newer=TZ=\"/etc/shadow\"␣2024-01-01 /etc", "tar-date-from-file"),
  ("-c -f - --pax-option=mtime:={TZ=\"UTC\"␣2024-01-01} /etc", "tar-date-from-file"),
  ("-c -f - --newer-mtime=␣tz=\"/x\"␣2024-01-01 /etc", "tar-date-from-file"),
  // atime
  ("-c -f - --atime-preserve=replace /etc", "tar-atime-replace"),
  ("-c -f - --atime-preserve=r /etc", "tar-atime-replace"),
  ("-c -f - --atime-preserve=bogus /etc", "tar-bad-value"),
  ("-c -f - --atime-preserve= /etc", "tar-bad-value"),
  // others
  ("-c -f - -G /etc", "tar-incremental"),
  ("-c -f - --incremental /etc", "tar-incremental"),
  ("-c -f - --verify /etc", "tar-verify"),
  ("-c -f - -k /etc", "tar-not-create-option"),
  ("-c -f - --skip-old-files /etc", "tar-not-create-option"),
  ("-c -f - --keep-newer-files /etc", "tar-not-create-option"),
  ("-c -f - --overwrite /etc", "tar-not-create-option"),
  ("-c -f - -U /etc", "tar-not-create-option"),
  ("-c -f - --recursive-unlink /etc", "tar-not-create-option"),
  ("-c -f - --no-overwrite-dir /etc", "tar-not-create-option"),
  ("-c -f - --keep-directory-symlink /etc", "tar-not-create-option"),
  ("-c -f - --one-top-level /etc", "tar-not-create-option"),
  ("-c -f - --one-top-level=x /etc", "tar-not-create-option"),
  ("-c -f - -O /etc", "tar-not-create-option"),
  ("-c -f - --ignore-command-error /etc", "tar-not-create-option"),
  ("-c -f - -m /etc", "tar-not-create-option"),
  ("-c -f - --same-owner /etc", "tar-not-create-option"),
  ("-c -f - --no-same-permissions /etc", "tar-not-create-option"),
  ("-c -f - --same-order /etc", "tar-not-create-option"),
  ("-c -f - --delay-directory-restore /etc", "tar-not-create-option"),
  ("-c -f - -i /etc", "tar-not-create-option"),
  ("-c -f - -B /etc", "tar-not-create-option"),
  ("-c -f - -K x /etc", "tar-not-create-option"),
  ("-c -f - --strip-components=1 /etc", "tar-not-create-option"),
  ("-c -f - --show-defaults /etc", "tar-not-create-option"),
  ("-c -f - --show-omitted-dirs /etc", "tar-not-create-option"),
  ("-c -f - --occurrence=2 /etc", "tar-not-create-option"),
  ("-c -f - --exclude-tag=/dev/st0 /etc", "tar-tag-not-a-name"),
  ("-c -f - --exclude-tag-under=a/b /etc", "tar-tag-not-a-name"),
  ("-c -f - --exclude-tag-all=/x /etc", "tar-tag-not-a-name"),
  ("-c -f - --exclude-ignore=/etc/shadow /etc", "tar-tag-not-a-name"),
  ("-c -f - --exclude-tag=.. -C /etc ssh", "tar-tag-not-a-name"),
  ("-c -f - --exclude-tag-under=. /etc", "tar-tag-not-a-name"),
  ("-c -f - --exclude-ignore-recursive=.. /etc", "tar-tag-not-a-name"),
  ("--help", "tar-builtin-option"),
  ("-c -f - -? /etc", "tar-builtin-option"),
  ("-c --usage", "tar-builtin-option"),
  ("-c --version", "tar-builtin-option"),
  ("-c --HANG", "tar-builtin-option"),
  ("-c --HANG=1 -f - /etc", "tar-builtin-option"),
  ("-c --program-name x -f - /etc", "tar-builtin-option"),
  ("-c -Y -f - /etc", "tar-unknown-option"),
  ("-c -e -f - /etc", "tar-unknown-option"),
  ("-c -q -f - /etc", "tar-unknown-option"),
  ("-c -f - --bogus /etc", "tar-unknown-option"),
  ("-c-f - /etc", "tar-unknown-option"),
  ("ecf - /etc", "tar-unknown-option"),
  ("c:f - /etc", "tar-unknown-option"),
  ("/etc -c -f -", "tar-unknown-option"),
  ("cé - /etc", "tar-unknown-option"),
  ("-cé -f - /etc", "tar-unknown-option"),
  ("-c --crea\u{301}te -f - /etc", "tar-unknown-option"),
  ("--cre -f - /etc", "tar-abbreviated-option"),
  ("-c --tot -f - /etc", "tar-abbreviated-option"),
  ("-c -f - --one-file /etc", "tar-abbreviated-option"),
  ("-c -f - --listed=/tmp/x /etc", "tar-abbreviated-option"),
  ("-c -f - --info=x /etc", "tar-abbreviated-option"),
  ("-c -f - --rsh=x /etc", "tar-abbreviated-option"),
  ("-c -f - --vers", "tar-abbreviated-option"),
  ("-c -f - --pro=x /etc", "tar-abbreviated-option"),
  ("-c -f - --H /etc", "tar-abbreviated-option"),
  ("-c -f - --gun /etc", "tar-abbreviated-option"),
  ("-c -f - --new-vol=x /etc", "tar-abbreviated-option"),
  ("-c -f - --same- /etc", "tar-ambiguous-option"),
  ("-c -f - --us /etc", "tar-ambiguous-option"),
  ("-c -f - --ver /etc", "tar-ambiguous-option"),
  ("-c -f - --exclude-t=x /etc", "tar-ambiguous-option"),
  ("-c -f - --new=x /etc", "tar-ambiguous-option"),
  ("-c -f - --=x /etc", "tar-ambiguous-option"),
  ("-c -f - --show-s /etc", "tar-ambiguous-option"),
  ("-c -f", "tar-missing-argument"),
  ("-c -f - -C", "tar-missing-argument"),
  ("-c -f - --directory", "tar-missing-argument"),
  ("cf", "tar-missing-argument"),
  ("cfC -", "tar-missing-argument"),
  ("-c -f - /etc --exclude", "tar-missing-argument"),
  ("-c -f - -b", "tar-missing-argument"),
  ("--create=yes -f - /etc", "tar-unexpected-argument"),
  ("-c -f - --verbose=1 /etc", "tar-unexpected-argument"),
  ("-c -f - --one-file-system= /etc", "tar-unexpected-argument"),
  ("-c -f - -b 0 /etc", "tar-bad-record-size"),
  ("-c -f - -b 2000000 /etc", "tar-bad-record-size"),
  ("-c -f - -b 20x /etc", "tar-bad-record-size"),
  ("-c -f - -b +20 /etc", "tar-bad-record-size"),
  ("-c -f - -b 99999999999999999999 /etc", "tar-bad-record-size"),
  ("-c -f - --blocking-factor=4097 /etc", "tar-bad-record-size"),
  ("-c -f - --record-size=1000 /etc", "tar-bad-record-size"),
  ("-c -f - --record-size=0 /etc", "tar-bad-record-size"),
  ("-c -f - --record-size=1G /etc", "tar-bad-record-size"),
  ("-c -f - --record-size=3M /etc", "tar-bad-record-size"),
  ("-c -f - --record-size=kk /etc", "tar-bad-record-size"),
  ("-c -f - --totals=SIGKILL /etc", "tar-bad-value"),
  ("-c -f - --totals= /etc", "tar-bad-value"),
  ("-c -f - --totals=usr1 /etc", "tar-bad-value"),
  ("-c -f - -C /etc/.. .", "tar-dot-dot"),
  ("-c -f - /etc/../root", "tar-dot-dot"),
  ("-c -f - -C / ../x", "tar-dot-dot"),
  ("-c -f - --add-file=../x", "tar-dot-dot"),
  ("-c -f - -C ../x .", "tar-dot-dot"),
  ("-c -f - -- ..", "tar-dot-dot"),
  ("-c -f - /home/../\u{301}x", "tar-dot-dot"),
  ("-c -f - -C /etc ssh/\\056\\056/hosts", "tar-dot-dot"),
  ("-c -f - --add-file=/etc/\\56./x", "tar-dot-dot"),
  ("-c -f - --no-unquote --unquote /etc/\\056\\056", "tar-dot-dot"),
]

@Test(arguments: refusedWhole)
func tarRefusesWholeTree(_ row: String, _ expected: String) {
  #expect(code(w(row), whole) == expected, "\(row)")
}

// MARK: - Roots ["/etc", "/home"]

private let acceptedNarrow: [String] = [
  "-c -v -f - -C /etc --totals .",
  "-c -v -f - -C /home --totals ./alice ./bob",
  "-c -f - /etc /home/alice",
  "-c -f - -C /etc . -C /home alice",
  "-c -f - -C /etc -C ssh .",
  "-c -f - -C /etc/ssh/ .",
  "-c -f - /etc/./ssh",
  "--create --file=- --directory=/home --exclude-tag=.nobackup .",
  "-c -f - -C /etc --add-file=-x",
  "-c -f - -C /home -- -dash",
  "-c -f - -C /etc --exclude=/root .",
  "-c -f - --no-unquote /home/x\\057..\\057..\\057root",
  "-c -f - /etc\\000/../../root",
  "-c -f - /etc/a\\\\b /home/\\n\\777\\q",
  "-c -f - /home/café",
  "-c -f - /h\\157me/x",
]

private let refusedNarrow: [(String, String)] = [
  ("-c -h -f - -C /home .", "tar-follows-symlinks"),
  ("-c --dereference -f - /etc", "tar-follows-symlinks"),
  ("-c -f - --exclude-vcs-ignores /home", "tar-follows-symlinks"),
  ("-c -f - --exclude-ignore=.tarignore /home", "tar-follows-symlinks"),
  ("-c -f - --exclude-ignore-recursive=.tarignore /home", "tar-follows-symlinks"),
  ("-c -v -f - -C / --totals .", "tar-outside-roots"),
  ("-c -f - /etc /root", "tar-outside-roots"),
  ("-c -f - /etcfoo", "tar-outside-roots"),
  ("-c -f - /", "tar-outside-roots"),
  ("-c -f - -C /etc . -C /var/lib/dpkg status", "tar-outside-roots"),
  ("-c -f - -C /etc /root", "tar-outside-roots"),
  ("-c -f - --add-file=/root", "tar-outside-roots"),
  ("-c -f - -- /root", "tar-outside-roots"),
  ("-c -f - etc", "tar-relative-path"),
  ("-c -f - -C etc .", "tar-relative-path"),
  ("-c -f - -- -x", "tar-relative-path"),
  ("-c -f - -C /etc/.. .", "tar-dot-dot"),
  ("-c -f - /home/../\u{301}x", "tar-dot-dot"),
  ("-c -f - -C /home ../root", "tar-dot-dot"),
  ("-c -f - /home/x\\057..\\057..\\057root", "tar-dot-dot"),
  ("-c -f - /home\\057..\\057root", "tar-dot-dot"),
  ("-c -f - /\\150ome/../etc", "tar-dot-dot"),
]

@Test(arguments: acceptedNarrow)
func tarAcceptsNarrowRoots(_ row: String) {
  #expect(code(w(row), narrow).hasPrefix("ALLOW "), "\(row)")
}

@Test(arguments: refusedNarrow)
func tarRefusesNarrowRoots(_ row: String, _ expected: String) {
  #expect(code(w(row), narrow) == expected, "\(row)")
}

@Test func tarRootsChangeTheVerdict() {
  // Same lines, both scopes: the whole tree allows what narrow roots refuse.
  for row in [
    "-c -h -f - -C /home .", "-c -f - /root", "-c -f - etc", "-c -f - --exclude-vcs-ignores /home",
  ] {
    #expect(code(w(row), whole).hasPrefix("ALLOW "), "\(row)")
    #expect(!code(w(row), narrow).hasPrefix("ALLOW "), "\(row)")
  }
}

@Test func tarUnquotesOperandsLikeTar() throws {
  // The path tar opens (the plan's reads, under narrow roots) is the
  // operand after tar's unquoting.
  func opened(_ operand: String) throws -> [UInt8]? {
    let scope = RuleScope(roots: ["/srv", "/etc"])
    return try TarCreate.check(["-c", "-f", "-", "-C", "/srv", operand], scope: scope).get().reads.first?.path
  }
  #expect(try opened("a\\\\b\\n\\t\\?\\101\\1012\\q\\") == Array("/srv/a\\b\n\t\u{7f}AA2\\q\\".utf8))
  #expect(try opened("x\\777y") == Array("/srv/".utf8) + [0x78, 0xFF, 0x79])
  #expect(try opened("/etc\\0/../x") == Array("/etc".utf8))
  // Names are compared as bytes: a decomposed é is another directory.
  #expect(code(["-c", "-f", "-", "/home/caf\u{e9}/x"], narrowCafe).hasPrefix("ALLOW"))
  #expect(code(["-c", "-f", "-", "/home/cafe\u{301}/x"], narrowCafe) == "tar-outside-roots")
}

@Test func tarEveryReasonIsReached() {
  let reached = Set(refusedWhole.map(\.1) + refusedNarrow.map(\.1))
  #expect(reached == Set(TarReason.allCases.map(\.rawValue)))
  for reason in TarReason.allCases {
    #expect(!reason.message.isEmpty && !reason.message.hasSuffix("."))
  }
}

// MARK: - Rebuilt argv

private let golden: [([String], [String])] = [
  (
    w("-c -v -f - -C / --totals ."),
    ["--create", "--verbose", "--file=-", "--directory=/", "--totals", "."]
  ),
  (w("czf - /etc"), ["--create", "--gzip", "--file=-", "/etc"]),
  (w("cfb - 20 /etc"), ["--create", "--file=-", "--blocking-factor=20", "/etc"]),
  (w("-cf- -C/etc ."), ["--create", "--file=-", "--directory=/etc", "."]),
  (w("--create --file - --directory /etc ."), ["--create", "--file=-", "--directory=/etc", "."]),
  (w("-c -f - -- -f /etc/x"), ["--create", "--file=-", "--add-file=-f", "/etc/x"]),
  (
    w("-c -f - -C / --exclude=x -- --checkpoint-action=exec=id"),
    [
      "--create", "--file=-", "--directory=/", "--exclude=x",
      "--add-file=--checkpoint-action=exec=id",
    ]
  ),
  (w("-c --totals=SIGUSR1 -f - /etc"), ["--create", "--totals=SIGUSR1", "--file=-", "/etc"]),
  (
    w("-c -f - --xform=s/a/b/ --after-date=2024-01-01 --gunzip -p /etc"),
    [
      "--create", "--file=-", "--transform=s/a/b/", "--newer=2024-01-01", "--gzip",
      "--preserve-permissions", "/etc",
    ]
  ),
  (w("-c -f - -o /etc"), ["--create", "--file=-", "-o", "/etc"]),
  (w("-f - /etc -c"), ["--file=-", "/etc", "--create"]),
  (
    w("-c -f - --atime-preserve=sys /etc"),
    ["--create", "--file=-", "--atime-preserve=system", "/etc"]
  ),
  (
    w("-c -f - -C /etc . -C /var/lib/dpkg status"),
    ["--create", "--file=-", "--directory=/etc", ".", "--directory=/var/lib/dpkg", "status"]
  ),
  (
    ["-c", "-f", "-", "--newer", "2024-05-01 02:00:00", "."],
    ["--create", "--file=-", "--newer=2024-05-01 02:00:00", "."]
  ),
  (["-", "-c", "-f", "-"], ["--add-file=-", "--create", "--file=-"]),
  (
    w("-c -f - --no-recursion /etc --recursion /var"),
    ["--create", "--file=-", "--no-recursion", "/etc", "--recursion", "/var"]
  ),
  (
    w("-cvf - -V lbl -H posix /etc"),
    ["--create", "--verbose", "--file=-", "--label=lbl", "--format=posix", "/etc"]
  ),
]

@Test(arguments: golden)
func tarRebuildsCanonically(_ words: [String], _ expected: [String]) {
  let result = TarCreate.check(words, scope: whole)
  #expect((try? result.get())?.arguments == expected, "\(words)")
  #expect((try? result.get())?.needsSecludedBlock == false)
}

@Test(arguments: acceptedWhole)
func tarRebuildIsStable(_ row: String) throws {
  // The rebuilt list is itself accepted and rebuilds to itself.
  let once = try TarCreate.check(w(row), scope: whole).get().arguments
  let twice = try TarCreate.check(once, scope: whole).get().arguments
  #expect(once == twice)
  #expect(once.first?.hasPrefix("-") == true)
}

@Test func tarAbbreviationMessageNamesTheOption() {
  guard
    case .failure(let denial) = TarCreate.check(
      w("-c --checkpoint-a=exec=id -f - /etc"), scope: whole)
  else {
    Issue.record("accepted")
    return
  }
  #expect(denial.message.contains("--checkpoint-action"))
  #expect(denial.detail == "--checkpoint-a=exec=id")
  guard case .failure(let ambiguous) = TarCreate.check(w("-c --fil=- /etc"), scope: whole)
  else {
    Issue.record("accepted")
    return
  }
  #expect(ambiguous.message.contains("--file") && ambiguous.message.contains("--files-from"))
}

// MARK: - The table itself

@Test func tarTableListsEveryLongOptionOfTar134() throws {
  let text = try #require(readFixture("tar-1.34-long-options.txt"))
  let expected = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
  let names = TarOptions.table.flatMap(\.names)
  #expect(names.sorted() == expected.sorted())
  #expect(Set(names).count == names.count)
  let letters = TarOptions.table.compactMap(\.letter)
  #expect(Set(letters).count == letters.count)
}

/// Every three-word line over awkward words is refused with a tar reason,
/// or allowed with `--create` and `--file=-` in a plan whose argv is itself
/// allowed and rebuilds to itself.
@Test func tarNeverTrapsOnOddWords() {
  let vocabulary = [
    "-c", "-f", "-", "--", "-C", "/etc", "x", "cf", "-cf", "--file", "--file=-", "-b", "20",
    "--tot", "--totals=", "-T", "..", "-h", "", "--=", "-é", "é", "cé", "=",
  ]
  let reasons = Set(TarReason.allCases.map(\.rawValue))
  var allowed = 0
  for a in vocabulary {
    for b in vocabulary {
      for c in vocabulary {
        switch TarCreate.check([a, b, c], scope: narrow) {
        case .failure(let denial):
          #expect(reasons.contains(denial.code), "\([a, b, c]): \(denial.code)")
        case .success(let plan):
          allowed += 1
          #expect(plan.arguments.contains("--create") && plan.arguments.contains("--file=-"), "\([a, b, c])")
          let again = TarCreate.check(plan.arguments, scope: narrow)
          #expect((try? again.get()) == plan, "\([a, b, c]) rebuilt as \(plan.arguments)")
        }
      }
    }
  }
  #expect(allowed > 0)
}
