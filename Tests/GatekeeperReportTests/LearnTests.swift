import Testing

@testable import GatekeeperReport

struct LearnTests {
  @Test(arguments: [
    (["--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "/etc/"], ["/etc/"]),
    (["--server", "--sender", "-e.LsfxC", "--", ".", "/etc/", "home/"], ["/etc/", "home/"]),
    (["--server", "--sender"], []),
  ])
  func rsyncPaths(_ args: [String], _ want: [String]) {
    #expect(LearnPaths.rsync(args.map { Array($0.utf8) }) == want)
  }

  @Test(arguments: [
    (
      ["-c", "-v", "-f", "-", "-C", "/home", "--totals", "./alice", "./bob"],
      ["/home/./alice", "/home/./bob"]
    ),
    (["-cf-", "-C/etc", "."], ["/etc/."]),
    (["czf", "-", "/etc"], ["/etc"]),
    (["--create", "--file=-", "--directory=/etc", "--totals", "."], ["/etc/."]),
    (["--create", "--file", "-", "--directory", "/etc", "."], ["/etc/."]),
    (["-c", "-f", "-", "-C", "/", "--exclude", "./proc", "--newer=2024-05-01 02:00", "."], ["/."]),
    (
      ["-c", "-f", "-", "-C", "/srv", "-C", "data", "x", "--", "-weird"],
      ["/srv/data/x", "/srv/data/-weird"]
    ),
    (["-x", "-f", "-"], nil),
  ])
  func tarPaths(_ args: [String], _ want: [String]?) {
    #expect(LearnPaths.tar(args.map { Array($0.utf8) }) == want)
  }

  /// Every option the core's TarOptions table says takes a value keeps it
  /// from being read as a path, abbreviations resolve as tar resolves them,
  /// and `--add-file` (how tar-create rebuilds an operand starting with `-`)
  /// names a path.
  @Test(arguments: [
    (["-c", "-f", "-", "--sparse-version", "1.0", "--hole-detection", "raw", "/etc"], ["/etc"]),
    (["-c", "-f", "-", "--xattrs-include", "user.*", "--pax-option", "x=y", "/etc"], ["/etc"]),
    (["-c", "-f", "-", "--dir", "/srv", "x"], ["/srv/x"]),
    (["--cre", "--file=-", "--directory=/srv", "--add-file=-weird", "x"], ["/srv/-weird", "/srv/x"]),
    (["-c", "-f", "-", "--totals", "/etc"], ["/etc"]),
  ])
  func tarValuesComeFromTheCoreTable(_ args: [String], _ want: [String]?) {
    #expect(LearnPaths.tar(args.map { Array($0.utf8) }) == want)
  }

  @Test(arguments: [
    ("/etc/", "/etc"), ("etc", "/etc"), ("/./etc/./ssh/", "/etc/ssh"), ("/", "/"),
    ("/etc/../root", nil), ("", nil),
  ])
  func normalize(_ p: String, _ want: String?) {
    #expect(LearnPaths.normalize(p) == want)
  }

  @Test(arguments: [
    (["/etc", "/etc/ssh", "/home/alice", "/home/bob", "/srv/www"], ["/etc", "/home", "/srv/www"]),
    (["/var/lib/a/x", "/var/lib/a/y", "/var/lib/b"], ["/var/lib"]),
    (["/etc", "/"], ["/"]),
    (["/srv/my dir", "/srv/a,b"], ["/srv"]),
    (["/x"], ["/x"]),
  ])
  func roots(_ paths: [String], _ want: [String]) {
    #expect(LearnPaths.roots(paths) == want)
  }

  @Test func neverLearnsFromRequestsRefusedForWhatTheyAsk() {
    let text = [
      recordLine(
        decision: "deny", reason: "shell-operator", command: "rsync --server --sender . / ; id",
        argv: []),
      recordLine(
        decision: "deny", reason: "rsync-remove-source",
        command: "rsync --server --remove-source-files . /", argv: []),
      recordLine(
        decision: "deny", reason: "rsync-outside-roots",
        command: "rsync --server --sender -e.LsfxC . /srv/", argv: []),
    ].joined(separator: "\n")
    var l = LearnSession(filter: RecordFilter())
    l.read("in", Array(text.utf8))
    let out = l.render()
    #expect(out.contains("# paths refused: /srv (1)"), "\(out)")
    #expect(out.contains("# no call of this kind was allowed: no rule proposed"))
    #expect(out.contains("# 2 records not learnt from"))
    #expect(out.contains("rsync-remove-source (1), shell-operator (1)"))
    #expect(out.split(separator: "\n").filter { $0.hasPrefix("allow") }.isEmpty)
  }

  /// An attacker's probes beside real pulls: the rule comes from what was
  /// allowed; the refused paths and their client stay in comments.
  @Test func refusedProbesNeverWidenTheRule() {
    let text = [
      recordLine(),
      recordLine(
        decision: "deny", reason: "rsync-outside-roots", client: "198.51.100.66",
        command: "rsync --server --sender -logDtpre.iLsfxCIvu . /etc/shadow", argv: []),
      recordLine(
        decision: "deny", reason: "rsync-outside-roots", client: "198.51.100.66",
        command: "rsync --server --sender -logDtpre.iLsfxCIvu . /root/.ssh/", argv: []),
    ].joined(separator: "\n")
    var l = LearnSession(filter: RecordFilter())
    l.read("in", Array(text.utf8))
    let out = l.render()
    let rules = out.split(separator: "\n").filter { $0.hasPrefix("allow") }
    #expect(rules == ["allow rsync-sender exec=/usr/bin/rsync roots=/etc from=192.0.2.7"], "\(out)")
    #expect(out.contains("# paths refused: /etc/shadow (1), /root/.ssh (1)"), "\(out)")
  }

  @Test func leavesOutFromWhenAClientIsMissing() {
    let text = recordLine(client: "") + "\n" + recordLine(client: "192.0.2.1")
    var l = LearnSession(filter: RecordFilter())
    l.read("in", Array(text.utf8))
    let out = l.render()
    #expect(out.contains("# from= left out: 1 allowed calls had no client address"))
    #expect(out.contains("allow rsync-sender exec=/usr/bin/rsync roots=/etc\n"))
  }

  @Test func labelsAndProfilesMakeSeparateRules() {
    let text = [
      recordLine(label: "a"), recordLine(label: "b"),
      recordLine(
        label: "a", command: "tar -c -f - /srv", argv: ["/bin/tar", "-c", "-f", "-", "--", "/srv"]),
    ].joined(separator: "\n")
    var l = LearnSession(filter: RecordFilter())
    l.read("in", Array(text.utf8))
    let rules = l.render().split(separator: "\n").filter { $0.hasPrefix("allow") }
    #expect(
      rules == [
        "allow rsync-sender exec=/usr/bin/rsync roots=/etc label=a from=192.0.2.7",
        "allow tar-create exec=/bin/tar roots=/srv label=a from=192.0.2.7",
        "allow rsync-sender exec=/usr/bin/rsync roots=/etc label=b from=192.0.2.7",
      ])
  }
}
