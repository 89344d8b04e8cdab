// The executable's own failure paths, run for real (no sshd needed): usage,
// policy file safety, audit log failures, the program to run, stdin. Each
// RuntimeReason code is reached here with its documented exit status.

import Foundation
import Testing

/// Runs the built gatekeeper with a chosen environment.
struct Bin {
  static var path: String {
    if let p = ProcessInfo.processInfo.environment["GATEKEEPER_BIN"] { return p }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/gatekeeper").path
  }

  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static func run(
    _ args: [String], env: [String: String] = [:], stdin: Data? = nil, closeStdin: Bool = false
  ) throws -> Result {
    // Proc (Harness.swift) spawns with posix_spawn: Foundation's Process hung here.
    let o =
      closeStdin
      ? try Proc.run("/bin/sh", ["-c", "exec \"$0\" \"$@\" 0<&-", path] + args, environment: env)
      : try Proc.run(path, args, stdin: stdin, environment: env)
    return Result(status: o.status, stdout: o.out, stderr: o.err)
  }
}

/// A private directory (0700) with a policy and an audit file.
final class Scratch {
  let dir: URL
  var policy: String { dir.appendingPathComponent("test.policy").path }
  var audit: String { dir.appendingPathComponent("audit.jsonl").path }

  init() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("gk-rt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
  }

  deinit { try? FileManager.default.removeItem(at: dir) }

  func writePolicy(_ text: String, mode: Int = 0o600) throws {
    try text.write(toFile: policy, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: policy)
  }

  /// The audit file's records, parsed.
  func records() throws -> [[String: Any]] {
    guard let text = try? String(contentsOfFile: audit, encoding: .utf8) else { return [] }
    return try text.split(separator: "\n").map {
      try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
  }

  /// A shell script that exits at once, to stand in for the real tool.
  func standIn(_ name: String, mode: Int = 0o755) throws -> String {
    let p = dir.appendingPathComponent(name).path
    try "#!/bin/sh\nexit 0\n".write(toFile: p, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: p)
    return p
  }
}

@Suite struct RuntimeTests {
  static let pull = "rsync --server --sender -logDtpre.iLsfxCIvu . /etc/hostname"

  func forced(_ s: Scratch, _ command: String?, extra: [String] = []) throws -> Bin.Result {
    var env = ["SSH_CONNECTION": "192.0.2.9 40000 127.0.0.1 22"]
    if let command { env["SSH_ORIGINAL_COMMAND"] = command }
    return try Bin.run(["--policy", s.policy] + extra, env: env)
  }

  @Test func binaryExists() {
    #expect(FileManager.default.isExecutableFile(atPath: Bin.path), "run `swift build` first: \(Bin.path)")
  }

  @Test func usageErrorsExit64() throws {
    for args in [["--bogus"], ["--policy"], ["--label", "a/b"], ["--"], ["check", "--", "x"], ["check", "a", "b"]] {
      let r = try Bin.run(args)
      #expect(r.status == 64, "\(args)")
      #expect(r.stderr.hasPrefix("gatekeeper: "), "\(args)")
    }
  }

  @Test func helpAndVersion() throws {
    let h = try Bin.run(["--help"])
    #expect(h.status == 0 && h.stdout.contains("gatekeeper check") && h.stdout.contains("Exit status"))
    let v = try Bin.run(["--version"])
    #expect(v.status == 0 && v.stdout.hasPrefix("gatekeeper "))
  }

  @Test func policyMissingExits78() throws {
    let s = try Scratch()
    let r = try forced(s, Self.pull)
    #expect(r.status == 78)
    #expect(r.stderr.contains("policy") && r.stderr.hasPrefix("gatekeeper: "))
  }

  @Test func policyUnsafeExits78() throws {
    let s = try Scratch()
    try s.writePolicy("allow rsync-sender\nlog file=\(s.audit)\n", mode: 0o620)
    let r = try forced(s, Self.pull)
    #expect(r.status == 78 && r.stderr.contains("writable by group or others"))
    // A symlink to a good policy is refused too (O_NOFOLLOW).
    try s.writePolicy("allow rsync-sender\n")
    let link = s.dir.appendingPathComponent("link.policy").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: s.policy)
    let l = try Bin.run(["--policy", link], env: ["SSH_ORIGINAL_COMMAND": Self.pull])
    #expect(l.status == 78 && l.stderr.contains("symbolic link"))
    // check warns but goes on for a file being edited.
    try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: s.policy)
    let c = try Bin.run(["check", "--policy", s.policy])
    #expect(c.status == 0 && c.stderr.contains("warning:"))
  }

  @Test func policyInvalidExits78WithEveryError() throws {
    let s = try Scratch()
    try s.writePolicy("allow rsync-sender bogus=1\nallow nothing\n")
    let r = try forced(s, Self.pull)
    #expect(r.status == 78 && r.stderr.contains("2 error(s)"))
    let c = try Bin.run(["check", "--policy", s.policy])
    #expect(c.status == 78)
    #expect(
      c.stderr == """
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
    #expect(r.stderr.hasPrefix("gatekeeper: denied (rsync-not-sender): "))
    #expect(r.stderr.filter { $0 == "\n" }.count == 1 && r.stderr.hasSuffix("\n"))
    let recs = try s.records()
    #expect(recs.count == 1)
    #expect(recs.first?["decision"] as? String == "deny")
    #expect(recs.first?["reason"] as? String == "rsync-not-sender")
    #expect(recs.first?["client"] as? String == "192.0.2.9")
    #expect(recs.first?["rule"] as? String == "\(s.policy):1")
    let none = try forced(s, nil)
    #expect(none.status == 1 && none.stderr.contains("no-command"))
    #expect(try s.records().last?["command"] is NSNull)
  }

  @Test func toolNotFoundExits127() throws {
    let s = try Scratch()
    try s.writePolicy("allow rsync-sender exec=\(s.dir.path)/missing\nlog file=\(s.audit)\nlog syslog=none\n")
    let r = try forced(s, Self.pull)
    #expect(r.status == 127 && r.stderr.contains("does not exist"))
    #expect(try s.records().last?["reason"] as? String == "tool-not-found")
  }

  @Test func toolNotExecutableExits126() throws {
    let s = try Scratch()
    let tool = try s.standIn("rsync", mode: 0o644)
    try s.writePolicy("allow rsync-sender exec=\(tool)\nlog file=\(s.audit)\nlog syslog=none\n")
    let r = try forced(s, Self.pull)
    #expect(r.status == 126 && r.stderr.contains("not executable"))
    #expect(try s.records().last?["reason"] as? String == "tool-not-executable")
  }

  @Test func allowedCallExecsTheRebuiltArgv() throws {
    let s = try Scratch()
    let out = s.dir.appendingPathComponent("argv.txt").path
    let tool = s.dir.appendingPathComponent("tar").path
    // The stand-in writes its argv, environment and working directory.
    try "#!/bin/sh\nprintf '%s\\n' \"$@\" > \(out)\nenv | sort >> \(out)\npwd >> \(out)\n".write(
      toFile: tool, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tool)
    try s.writePolicy("allow tar-create exec=\(tool) roots=/etc\nlog file=\(s.audit)\nlog syslog=none\n")
    var env = ["SSH_ORIGINAL_COMMAND": "env LC_ALL=C nice -n 5 tar -c -f - -C /etc hostname", "HOME": "/root"]
    env["TAR_OPTIONS"] = "--checkpoint-action=exec=id"
    let r = try Bin.run(["--policy", s.policy], env: env)
    #expect(r.status == 0, "\(r.stderr)")
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
    let badLog = s.dir.appendingPathComponent("no-such-dir/audit.jsonl").path
    try s.writePolicy("allow rsync-sender exec=\(tool)\nlog file=\(badLog)\nlog syslog=none\n")
    let r = try forced(s, Self.pull)
    #expect(r.status == 1 && r.stderr.contains("audit log cannot be written"))
    try s.writePolicy("allow rsync-sender exec=\(tool)\nlog file=\(badLog) required=no\nlog syslog=none\n")
    #expect(try forced(s, Self.pull).status == 0)
  }

  @Test func secludedBlockFromStdin() throws {
    let s = try Scratch()
    let tool = try s.standIn("rsync")
    try s.writePolicy("allow rsync-sender exec=\(tool) roots=/etc\nlog file=\(s.audit)\nlog syslog=none\n")
    let env = ["SSH_ORIGINAL_COMMAND": "rsync --server --sender -slogDtpre.iLsfxCIvu"]
    let ok = try Bin.run(["--policy", s.policy], env: env, stdin: Data("rsync\0--numeric-ids\0.\0/etc/hostname\0\0".utf8))
    #expect(ok.status == 0, "\(ok.stderr)")
    let rec = try #require(try s.records().last)
    #expect(rec["secluded"] as? [String] == ["rsync", "--numeric-ids", ".", "/etc/hostname"])
    #expect(rec["argv"] as? [String] == [tool, "--server", "--sender", "-logDtpre.iLsfxCIvu", "--numeric-ids", "--", ".", "/etc/hostname"])
    let bad = try Bin.run(["--policy", s.policy], env: env, stdin: Data("rsync\0--remove-source-files\0.\0/etc/x\0\0".utf8))
    #expect(bad.status == 1 && bad.stderr.contains("rsync-remove-source"))
    let closed = try Bin.run(["--policy", s.policy], env: env, closeStdin: true)
    #expect(closed.status == 1 && closed.stderr.contains("stdin-unreadable"))
  }

  @Test func execFailureIsRecorded() throws {
    // Executable bits but not a program: execve(2) fails with ENOEXEC.
    let s = try Scratch()
    let tool = s.dir.appendingPathComponent("rsync").path
    try Data([0x00, 0x01, 0x02, 0x03]).write(to: URL(fileURLWithPath: tool))
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tool)
    try s.writePolicy("allow rsync-sender exec=\(tool)\nlog file=\(s.audit)\nlog syslog=none\n")
    let r = try forced(s, Self.pull)
    #expect(r.status == 126 && r.stderr.contains("could not be started"))
    // The allow record was written before the exec; the failure goes to syslog.
    #expect(try s.records().last?["decision"] as? String == "allow")
  }

  @Test func keyFingerprintOrWhyNot() throws {
    let s = try Scratch()
    try s.writePolicy("log file=\(s.audit)\nlog syslog=none\n")
    let auth = s.dir.appendingPathComponent("auth").path
    let line = "publickey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID1KCENB0at5+ddc2IazmejXCFa/xhrVWF3soSDSp2cx\n"
    try line.write(toFile: auth, atomically: false, encoding: .utf8)
    _ = try Bin.run(["--policy", s.policy], env: ["SSH_ORIGINAL_COMMAND": "ls", "SSH_USER_AUTH": auth])
    #expect(try s.records().last?["key"] as? String == "SHA256:x9bb3v/aQl7HcUeFjU5aMXX+OyY4NjVrB0P0jYZo7Mg")
    // sshd deletes the file when the client hangs up early: the record says so.
    _ = try Bin.run(["--policy", s.policy], env: ["SSH_ORIGINAL_COMMAND": "ls", "SSH_USER_AUTH": auth + ".gone"])
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
