// The executable's own failure paths, run for real (no sshd needed): usage,
// policy file safety, audit log failures, the program to run, stdin. Each
// RuntimeReason code is reached here with its documented exit status.

import Foundation
import Testing

/// A private directory (0700) with a policy and an audit file.
final class Scratch {
  let dir: String
  var policy: String { dir + "/test.policy" }
  var audit: String { dir + "/audit.jsonl" }

  init() throws { dir = try Files.tempDirectory("gk-rt") }

  deinit { try? FileManager.default.removeItem(atPath: dir) }

  func writePolicy(_ text: String, mode: mode_t = 0o600) throws { try Files.write(policy, text, mode: mode) }

  /// The audit file's records, parsed.
  func records() throws -> [[String: Any]] { try AuditRecord.all(in: audit).map(\.object) }

  /// A shell script that exits at once, to stand in for the real tool.
  /// (Its policy needs `confine landlock=off`: a confined rsync rule may
  /// not execute /bin/sh.)
  func standIn(_ name: String, mode: mode_t = 0o755) throws -> String {
    let p = dir + "/" + name
    try Files.write(p, "#!/bin/sh\nexit 0\n", mode: mode)
    return p
  }
}

@Suite struct RuntimeTests {
  static let pull = "rsync --server --sender -logDtpre.iLsfxCIvu . /etc/hostname"

  func forced(_ s: Scratch, _ command: String?, extra: [String] = []) throws -> Output {
    var env = ["SSH_CONNECTION": "192.0.2.9 40000 127.0.0.1 22"]
    if let command { env["SSH_ORIGINAL_COMMAND"] = command }
    return try Gatekeeper.run(["--policy", s.policy] + extra, env: env)
  }

  @Test func binaryExists() {
    #expect(
      FileManager.default.isExecutableFile(atPath: Gatekeeper.location),
      "run `swift build` first: \(Gatekeeper.location)")
  }

  @Test func usageErrorsExit64() throws {
    for args in [
      ["--bogus"], ["--policy"], ["--label", "a/b"], ["--"], ["check", "--", "x", "y"], ["check", "a", "b"],
      // a second --policy (or any option given twice) must not quietly win
      ["--policy", "/a", "--policy", "/b"], ["check", "--label", "a", "--label=b"], ["--policy=/a", "--policy", "/b"],
    ] {
      let r = try Gatekeeper.run(args)
      #expect(r.status == 64, "\(args)")
      #expect(r.err.hasPrefix("gatekeeper: "), "\(args)")
    }
  }

  @Test func helpAndVersion() throws {
    let h = try Gatekeeper.run(["--help"])
    #expect(h.status == 0 && h.out.contains("gatekeeper check") && h.out.contains("Exit status"))
    let v = try Gatekeeper.run(["--version"])
    #expect(v.status == 0 && v.out.hasPrefix("gatekeeper "))
  }

  @Test func policyMissingExits78() throws {
    let s = try Scratch()
    let r = try forced(s, Self.pull)
    #expect(r.status == 78)
    #expect(r.err.contains("policy") && r.err.hasPrefix("gatekeeper: "))
  }

  @Test func policyUnsafeExits78() throws {
    let s = try Scratch()
    try s.writePolicy("allow rsync-sender\nlog file=\(s.audit)\n", mode: 0o620)
    let r = try forced(s, Self.pull)
    #expect(r.status == 78 && r.err.contains("writable by group or others"))
    // A symlink to a good policy is refused too (O_NOFOLLOW).
    try s.writePolicy("allow rsync-sender\n")
    let link = s.dir + "/link.policy"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: s.policy)
    let l = try Gatekeeper.run(["--policy", link], env: ["SSH_ORIGINAL_COMMAND": Self.pull])
    #expect(l.status == 78 && l.err.contains("symbolic link"))
    // check warns but goes on for a file being edited.
    #expect(chmod(s.policy, 0o666) == 0)
    let c = try Gatekeeper.run(["check", "--policy", s.policy])
    #expect(c.status == 0 && c.err.contains("warning:"))
  }

  @Test func policyInvalidExits78WithEveryError() throws {
    let s = try Scratch()
    try s.writePolicy("allow rsync-sender bogus=1\nallow nothing\n")
    let r = try forced(s, Self.pull)
    #expect(r.status == 78 && r.err.contains("2 error(s)"))
    let c = try Gatekeeper.run(["check", "--policy", s.policy])
    #expect(c.status == 78)
    #expect(
      c.err == """
        \(s.policy):1:20: unknown key 'bogus' (expected exec, roots, label, from or confine-root)
        \(s.policy):2:7: unknown profile 'nothing' (expected rsync-sender or tar-create)

        """)
  }

  @Test func deniedCallIsRecordedAndExits1() throws {
    let s = try Scratch()
    try s.writePolicy("allow rsync-sender roots=/etc\nlog file=\(s.audit)\nlog syslog=none\n")
    let r = try forced(s, "rsync --server -logDtpre.iLsfxCIvu . /etc/")
    #expect(r.status == 1)
    // One line for the SSH client; the detail goes to the log.
    #expect(r.err.hasPrefix("gatekeeper: denied (rsync-not-sender): "))
    #expect(r.err.filter { $0 == "\n" }.count == 1 && r.err.hasSuffix("\n"))
    let recs = try s.records()
    #expect(recs.count == 1)
    #expect(recs.first?["decision"] as? String == "deny")
    #expect(recs.first?["reason"] as? String == "rsync-not-sender")
    #expect(recs.first?["client"] as? String == "192.0.2.9")
    #expect(recs.first?["rule"] as? String == "\(s.policy):1")
    let none = try forced(s, nil)
    #expect(none.status == 1 && none.err.contains("no-command"))
    #expect(try s.records().last?["command"] is NSNull)
  }

  @Test func toolNotFoundExits127() throws {
    let s = try Scratch()
    try s.writePolicy("allow rsync-sender exec=\(s.dir)/missing\nlog file=\(s.audit)\nlog syslog=none\n")
    let r = try forced(s, Self.pull)
    #expect(r.status == 127 && r.err.contains("does not exist"))
    #expect(try s.records().last?["reason"] as? String == "tool-not-found")
  }

  @Test func toolNotExecutableExits126() throws {
    let s = try Scratch()
    let tool = try s.standIn("rsync", mode: 0o644)
    try s.writePolicy("allow rsync-sender exec=\(tool)\nlog file=\(s.audit)\nlog syslog=none\n")
    let r = try forced(s, Self.pull)
    #expect(r.status == 126 && r.err.contains("not executable"))
    #expect(try s.records().last?["reason"] as? String == "tool-not-executable")
  }

  @Test func allowedCallExecsTheRebuiltArgv() throws {
    let s = try Scratch()
    let out = s.dir + "/argv.txt"
    let tool = s.dir + "/tar"
    // The stand-in writes its argv, environment and working directory.
    try Files.write(
      tool, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \(out)\nenv | sort >> \(out)\npwd >> \(out)\n", mode: 0o755)
    // (unconfined: the stand-in is a shell script that writes a file)
    try s.writePolicy(
      "allow tar-create exec=\(tool) roots=/etc\nconfine landlock=off\nlog file=\(s.audit)\nlog syslog=none\n")
    var env = ["SSH_ORIGINAL_COMMAND": "env LC_ALL=C nice -n 5 tar -c -f - -C /etc hostname", "HOME": "/root"]
    env["TAR_OPTIONS"] = "--checkpoint-action=exec=id"
    let r = try Gatekeeper.run(["--policy", s.policy], env: env)
    #expect(r.status == 0, "\(r.err)")
    let seen = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
    let argv = try #require(try s.records().last?["argv"] as? [String])
    #expect(argv.first == tool)
    #expect(Array(seen.prefix(argv.count - 1)) == Array(argv.dropFirst()))
    #expect(seen.contains("LC_ALL=C") && seen.contains("PATH=/usr/bin:/bin"))
    #expect(!seen.contains { $0.hasPrefix("HOME=") || $0.hasPrefix("TAR_OPTIONS=") || $0.hasPrefix("SSH_") })
    #expect(seen.last == "/")
  }

  @Test func logUnwritableDeniesUnlessRequiredNo() throws {
    let s = try Scratch()
    let tool = try s.standIn("rsync")
    let badLog = s.dir + "/no-such-dir/audit.jsonl"
    try s.writePolicy("allow rsync-sender exec=\(tool)\nlog file=\(badLog)\nlog syslog=none\n")
    let r = try forced(s, Self.pull)
    #expect(r.status == 1 && r.err.contains("audit log cannot be written"))
    try s.writePolicy(
      "allow rsync-sender exec=\(tool)\nconfine landlock=off\nlog file=\(badLog) required=no\nlog syslog=none\n")
    #expect(try forced(s, Self.pull).status == 0)
  }

  /// rsbackup's `true` probe: when its record cannot be written to a
  /// required audit file, the exit status says so too (0.1 exited 0).
  @Test func trueProbeExitAgreesWithItsRecord() throws {
    let s = try Scratch()
    try s.writePolicy("allow rsync-sender\nlog file=\(s.dir)/no-such-dir/audit.jsonl\nlog syslog=none\n")
    let r = try forced(s, "true")
    #expect(r.status == 1 && r.err.contains("audit log cannot be written"), "\(r)")
    try s.writePolicy("allow rsync-sender\nlog file=\(s.audit)\nlog syslog=none\n")
    #expect(try forced(s, "true").status == 0)
    #expect(try s.records().last?["reason"] as? String == "true-probe")
  }

  @Test func secludedBlockFromStdin() throws {
    let s = try Scratch()
    let tool = try s.standIn("rsync")
    try s.writePolicy(
      "allow rsync-sender exec=\(tool) roots=/etc\nconfine landlock=off\nlog file=\(s.audit)\nlog syslog=none\n")
    let env = ["SSH_ORIGINAL_COMMAND": "rsync --server --sender -slogDtpre.iLsfxCIvu"]
    let ok = try Gatekeeper.run(
      ["--policy", s.policy], env: env, stdin: .text("rsync\0--numeric-ids\0.\0/etc/hostname\0\0"))
    #expect(ok.status == 0, "\(ok.err)")
    let rec = try #require(try s.records().last)
    #expect(rec["secluded"] as? [String] == ["rsync", "--numeric-ids", ".", "/etc/hostname"])
    #expect(
      rec["argv"] as? [String] == [
        tool, "--server", "--sender", "-logDtpre.iLsfxCIvu", "--numeric-ids", "--", ".", "/etc/hostname",
      ])
    let bad = try Gatekeeper.run(
      ["--policy", s.policy], env: env, stdin: .text("rsync\0--remove-source-files\0.\0/etc/x\0\0"))
    #expect(bad.status == 1 && bad.err.contains("rsync-remove-source"))
    let closed = try Gatekeeper.run(["--policy", s.policy], env: env, stdin: .closed)
    #expect(closed.status == 1 && closed.err.contains("stdin-unreadable"))
  }

  @Test func execFailureIsRecorded() throws {
    // Executable bits but not a program: execve(2) fails with ENOEXEC.
    let s = try Scratch()
    let tool = s.dir + "/rsync"
    try Files.write(tool, data: Data([0x00, 0x01, 0x02, 0x03]), mode: 0o755)
    try s.writePolicy("allow rsync-sender exec=\(tool)\nlog file=\(s.audit)\nlog syslog=none\n")
    let r = try forced(s, Self.pull)
    #expect(r.status == 126 && r.err.contains("could not be started"))
    // The allow record was written before the exec; the failure goes to syslog.
    #expect(try s.records().last?["decision"] as? String == "allow")
  }

  @Test func keyFingerprintOrWhyNot() throws {
    let s = try Scratch()
    try s.writePolicy("log file=\(s.audit)\nlog syslog=none\n")
    let auth = s.dir + "/auth"
    let line = "publickey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID1KCENB0at5+ddc2IazmejXCFa/xhrVWF3soSDSp2cx\n"
    try Files.write(auth, line)
    _ = try Gatekeeper.run(["--policy", s.policy], env: ["SSH_ORIGINAL_COMMAND": "ls", "SSH_USER_AUTH": auth])
    #expect(try s.records().last?["key"] as? String == "SHA256:x9bb3v/aQl7HcUeFjU5aMXX+OyY4NjVrB0P0jYZo7Mg")
    // sshd deletes the file when the client hangs up early: the record says so.
    _ = try Gatekeeper.run(
      ["--policy", s.policy], env: ["SSH_ORIGINAL_COMMAND": "ls", "SSH_USER_AUTH": auth + ".gone"])
    let rec = try #require(try s.records().last)
    #expect(rec["key"] as? String == "")
    #expect((rec["detail"] as? String)?.contains("SSH_USER_AUTH unreadable") == true)
  }

  @Test func trueProbeSucceedsWithoutRunningAnything() throws {
    let s = try Scratch()
    try s.writePolicy("log file=\(s.audit)\nlog syslog=none\n")
    let r = try forced(s, "true")
    #expect(r.status == 0)
    #expect(try s.records().last?["reason"] as? String == "true-probe")
  }
}

/// A secluded (-s) call waits for its argument block: the wait is bounded
/// and a hang-up ends it, and either way the call is recorded (0.1 waited
/// for ever, and a SIGHUP left no trace).
@Suite struct SecludedWaitTests {
  /// Starts gatekeeper on a secluded request whose stdin stays open and
  /// silent (a FIFO this process also holds open).
  static func start(_ s: Scratch) throws -> (pid_t, Int32, String) {
    try s.writePolicy("allow rsync-sender exec=/bin/true roots=/etc\nlog file=\(s.audit)\nlog syslog=none\n")
    let fifo = s.dir + "/stdin"
    guard mkfifo(fifo, 0o600) == 0 else { throw HarnessError("mkfifo") }
    let keep = open(fifo, O_RDWR | O_NONBLOCK)
    let out = s.dir + "/out"
    let pid = try Proc.spawn(
      [try Gatekeeper.path(), "--policy", s.policy], stdin: fifo, stdout: out, stderr: out,
      env: [
        "SSH_ORIGINAL_COMMAND": "rsync --server --sender -slogDtpre.iLsfxCIvu",
        "SSH_CONNECTION": "192.0.2.9 1 192.0.2.1 22",
      ])
    return (pid, keep, out)
  }

  @Test func hangUpDuringTheWaitIsRecorded() throws {
    let s = try Scratch()
    let (pid, keep, out) = try Self.start(s)
    defer { close(keep) }
    usleep(500_000)
    kill(pid, SIGHUP)
    let (status, killed) = Proc.wait(pid, timeout: 10)
    #expect(!killed && status == 1, "status \(status): \(Files.read(out))")
    let rec = try #require(try s.records().last)
    #expect(rec["reason"] as? String == "rsync-block-interrupted", "\(rec)")
    #expect((rec["detail"] as? String)?.hasPrefix("SIGHUP") == true, "\(rec)")
  }

  @Test func silentClientTimesOutAndIsRecorded() throws {
    let s = try Scratch()
    let start = Date()
    let (pid, keep, out) = try Self.start(s)
    defer { close(keep) }
    let (status, killed) = Proc.wait(pid, timeout: 90)
    let took = Date().timeIntervalSince(start)
    #expect(!killed && status == 1, "status \(status): \(Files.read(out))")
    #expect(took >= 29 && took < 60, "waited \(took) s")
    let rec = try #require(try s.records().last)
    #expect(rec["reason"] as? String == "rsync-block-timeout", "\(rec)")
  }
}
