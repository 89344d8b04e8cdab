// `gatekeeper check` as a black box, without sshd: exit status 0 allow,
// 1 deny, 64 usage, 78 policy; golden first lines; and the
// `FILE:LINE:COL: message` format for policy errors.

import Foundation
import Glibc
import Testing

@Suite final class CheckMode {
  let dir: String
  let policy: String

  static let policyText = """
    # check-mode test policy
    allow rsync-sender roots=/srv/data
    allow tar-create roots=/srv/data
    allow tar-create roots=/srv/net from=10.0.0.0/8
    log syslog=none

    """

  init() throws {
    dir = try Files.tempDirectory("gk-e2e-check")
    policy = dir + "/check.policy"
    try Files.write(policy, CheckMode.policyText)
  }

  deinit { try? FileManager.default.removeItem(atPath: dir) }

  func check(_ args: [String], stdin: Proc.Input = .null) throws -> Output {
    try Gatekeeper.run(["check"] + args, env: Proc.environment(), stdin: stdin, timeout: 10)
  }

  struct Case: CustomTestStringConvertible, Sendable {
    var command: String
    var from: String? = nil
    var status: Int32
    /// The exact first line of stdout, `RULE` standing for the policy path;
    /// a line ending in `*` is a prefix.
    var firstLine: String
    var testDescription: String { command + (from.map { " (from \($0))" } ?? "") }
  }

  static let cases: [Case] = [
    Case(
      command: "rsync --server --sender -logDtpre.iLsfxCIvu . /srv/data/", status: 0,
      firstLine: "allow rsync-sender (rule RULE:2)"),
    Case(
      command: "tar -c -f - -C /srv/data .", status: 0, firstLine: "allow tar-create (rule RULE:3)"),
    Case(
      command: "env LC_ALL=C /bin/tar -c -v -f - -C /srv/data --totals .", status: 0,
      firstLine: "allow tar-create (rule RULE:3)"),
    Case(
      command: "tar -c -f - -C /srv/net .", from: "10.1.2.3", status: 0,
      firstLine: "allow tar-create (rule RULE:4)"),
    Case(
      command: "true", status: 0,
      firstLine: "allow true-probe: answered by gatekeeper with success; nothing runs"),
    Case(
      command: "touch /srv/data/x", status: 1,
      firstLine: "deny unknown-program: only rsync and tar backups are allowed"),
    Case(
      command: "tar -c -f - /srv/data; touch /x", status: 1,
      firstLine: "deny shell-operator: unquoted ';', '&' or '|' is shell syntax"),
    Case(
      command: "/usr/lib/openssh/sftp-server", status: 1,
      firstLine: "deny sftp-request: sftp is not allowed; only backup commands are"),
    Case(
      command: "scp -t /srv/data", status: 1,
      firstLine: "deny scp-request: scp is not allowed; only backup commands are"),
    Case(
      command: "sudo tar -c -f - /srv/data", status: 1,
      firstLine:
        "deny client-sudo: sudo in the command is not allowed; gatekeeper decides privileges"),
    // Refused by the rsync and tar parsers; their codes are theirs to name.
    Case(
      command: "rsync --server -logDtpre.iLsfxCIvu . /srv/data/", status: 1, firstLine: "deny *"),
    Case(
      command: "rsync --server --sender -logDtpre.iLsfxCIvu --remove-source-files . /srv/data/",
      status: 1,
      firstLine: "deny *"),
    Case(command: "tar -x -f - -C /srv/data", status: 1, firstLine: "deny *"),
    Case(command: "tar -c -f /srv/data/out.tar /srv/data", status: 1, firstLine: "deny *"),
    Case(command: "tar -c -f - /etc", status: 1, firstLine: "deny *"),
    Case(command: "tar -c -f - -C /srv/net .", status: 1, firstLine: "deny *"),
    Case(command: "tar -c -f - -C /srv/net .", from: "192.0.2.1", status: 1, firstLine: "deny *"),
  ]

  @Test(arguments: cases)
  func decision(_ c: Case) throws {
    let out = try check(
      ["--policy", policy] + (c.from.map { ["--from", $0] } ?? []) + [c.command])
    #expect(out.status == c.status, "\(out); stdout: \(out.out)")
    let first =
      out.out.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
    let golden = c.firstLine.replacingOccurrences(of: "RULE", with: policy)
    if golden.hasSuffix("*") {
      #expect(first.hasPrefix(golden.dropLast()), "first line: \(first)")
    } else {
      #expect(first == golden)
    }
    #expect(out.err.isEmpty, "\(out)")
  }

  @Test func allowPrintsTheArgvThatWouldRun() throws {
    let out = try check([
      "--policy", policy, "env LC_ALL=C /bin/tar -c -v -f - -C /srv/data --totals .",
    ])
    let lines = out.out.split(separator: "\n").map(String.init)
    #expect(out.status == 0)
    #expect(
      lines.count >= 2 && lines[1].hasPrefix("/usr/bin/tar "),
      "the policy's program, not /bin/tar: \(lines)")
    #expect(lines.contains("with LC_ALL=C"), "\(lines)")
  }

  @Test func secludedBlockIsJudged() throws {
    let cmd = "rsync --server --sender -slogDtpre.iLsfxCIvu"
    let good = try check(["--policy", policy, "--secluded", ". /srv/data/", cmd])
    #expect(good.status == 0, "\(good); \(good.out)")
    #expect(good.out.hasPrefix("allow rsync-sender (rule \(policy):2)\n"), "\(good.out)")
    let bad = try check([
      "--policy", policy, "--secluded", "--remove-source-files . /srv/data/x", cmd,
    ])
    #expect(bad.status == 1, "\(bad); \(bad.out)")
    #expect(bad.out.hasPrefix("deny "), "\(bad.out)")
    // '-' reads the NUL-separated block from stdin, as the real call does.
    let block = Data("rsync\0--remove-source-files\0.\0/srv/data/x\0\0".utf8)
    let piped = try check(["--policy", policy, "--secluded", "-", cmd], stdin: .data(block))
    #expect(piped.status == 1 && piped.out.hasPrefix("deny "), "\(piped); \(piped.out)")
  }

  @Test func validPolicyWithoutCommand() throws {
    let out = try check(["--policy", policy])
    #expect(out.status == 0, "\(out)")
    #expect(out.out == "policy \(policy): ok, 3 rule(s)\n")
  }

  @Test(arguments: [
    (["--bogus"], "gatekeeper: unknown argument '--bogus'"),
    (
      ["--from", "not-an-address", "tar -c -f - /srv/data"],
      "gatekeeper: --from 'not-an-address' is not an IP address"
    ),
    (["--label", "bad label", "tar -c -f - /srv/data"], "gatekeeper: bad --label 'bad label'"),
    (["--", "tar", "x"], "gatekeeper: check takes one COMMAND-STRING after '--'"),
    (["--label"], "gatekeeper: --label needs a value"),
    (["--policy", "/other"], "gatekeeper: --policy given twice"),
  ])
  func usageErrors(_ args: [String], firstLine: String) throws {
    let out = try check(["--policy", policy] + args)
    #expect(out.status == 64, "\(out)")
    #expect(out.err.split(separator: "\n").first.map(String.init) == firstLine, "\(out)")
    #expect(out.out.isEmpty)
  }

  /// The request's text is shown, never obeyed: C1 controls (CSI), bidi
  /// overrides and line separators come out as visible escapes.
  @Test func outputShowsControlAndBidiCharactersEscaped() throws {
    let out = try check([
      "--policy", policy, "rsync --server --sender -logDtpre.iLsfxCIvu . /srv/data/a\u{202e}b \u{9b}2J\u{2028}",
    ])
    #expect(out.status == 1, "\(out)")
    #expect(out.out.contains("detail: \\x9b2J\\u{2028}"), "\(out.out)")
    #expect(!out.out.unicodeScalars.contains { [0x9b, 0x202e, 0x2028].contains($0.value) })
  }

  /// A command string that starts with '-' is a command after `--`, not an
  /// option of check.
  @Test func commandStringStartingWithADash() throws {
    let out = try check(["--policy", policy, "--", "-c -f - /srv/data"])
    #expect(out.status == 1 && out.out.hasPrefix("deny unknown-program: "), "\(out)")
    let ok = try check(["--policy", policy, "--", "tar -c -f - /srv/data"])
    #expect(ok.status == 0 && ok.out.hasPrefix("allow tar-create"), "\(ok)")
  }

  /// sudo mode: refusals go to root's log through sudo; what cannot be
  /// handed over needs syslog, and check says so.
  @Test func sudoWithSyslogOffIsWarnedAbout() throws {
    let out = try check(["--sudo", "--policy", policy])
    #expect(out.status == 0, "\(out)")
    #expect(out.err.contains("warning: with --sudo and 'log syslog=none'"), "\(out.err)")
    #expect(try check(["--policy", policy]).err.isEmpty)
  }

  @Test func missingPolicy() throws {
    let out = try check(["--policy", dir + "/absent.policy", "tar -c -f - /srv/data"])
    #expect(out.status == 78, "\(out)")
    #expect(out.err == "gatekeeper: policy \(dir)/absent.policy: No such file or directory\n")
  }

  @Test func policyErrorsAreAllReportedWithLineAndColumn() throws {
    let bad = dir + "/bad.policy"
    try Files.write(
      bad,
      """
      allow rsync-sender roots=/srv
      allow foo
      log file=relative
      bogus keyword
      allow tar-create  colour=blue
      log syslog=none

      """)
    let out = try check(["--policy", bad, "tar -c -f - /srv"])
    #expect(out.status == 78, "\(out)")
    #expect(out.out.isEmpty)
    let lines = out.err.split(separator: "\n").map(String.init)
    #expect(
      lines == [
        "\(bad):2:7: unknown profile 'foo' (expected rsync-sender or tar-create)",
        "\(bad):3:10: log file must be an absolute path without '..'",
        "\(bad):4:1: unknown keyword 'bogus' (expected 'allow', 'log' or 'confine')",
        "\(bad):5:19: unknown key 'colour' (expected exec, roots, label, from or confine-root)",
      ])
    // Whatever the messages become, the format stays FILE:LINE:COL: message.
    for line in lines {
      let rest = line.dropFirst(bad.count)
      let parts = rest.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
      #expect(line.hasPrefix(bad + ":") && parts.count == 4, "\(line)")
      if parts.count == 4 {
        #expect(
          Int(parts[1]).map { $0 > 0 } == true && Int(parts[2]).map { $0 > 0 } == true, "\(line)")
        #expect(parts[3].hasPrefix(" ") && parts[3].count > 1, "\(line)")
      }
    }
  }

  /// check judges an unsafe policy anyway but warns; a real call refuses
  /// (see PolicyProblems).
  @Test func unsafePolicyIsAWarningInCheck() throws {
    #expect(chmod(policy, 0o620) == 0)
    let out = try check(["--policy", policy, "tar -c -f - -C /srv/data ."])
    #expect(out.status == 0, "\(out)")
    #expect(
      out.err.hasPrefix("gatekeeper: warning: policy \(policy) is writable by group or others"),
      "\(out)")
  }
}
