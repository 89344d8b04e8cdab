// What root opens, writes and runs must be trusted, as sshd's StrictModes
// and sudo require: the policy, the audit file and the policy's program, and
// every directory above each, owned by root (or the caller) and writable by
// nobody else (a root-owned sticky directory such as /tmp excepted). Each
// case here was accepted by gatekeeper 0.1.

import Foundation
import Glibc
import Testing

@Suite(Needs.trait(Needs.missing(root: true)))
struct TrustTests {
  static let pull = "tar -c -f - -C /etc hostname"

  /// A scratch directory with a nested one (`sub`) for policy, log and program.
  static func lab() throws -> (Scratch, String) {
    let s = try Scratch()
    let sub = s.dir + "/a/b"
    try Files.makeDirectory(sub, mode: 0o755)
    return (s, sub)
  }

  static func forced(_ policy: String) throws -> Output {
    try Gatekeeper.forced(policy: policy, command: Array(pull.utf8))
  }

  /// A copy of /bin/true as the rule's program.
  static func program(at path: String) throws -> String {
    try FileManager.default.copyItem(atPath: "/bin/true", toPath: path)
    chmod(path, 0o755)
    return path
  }

  // MARK: the program (exec=)

  @Test(arguments: ["owner", "group-writable", "writable-directory"])
  func untrustedProgramIsRefusedAndCheckSaysWhere(_ how: String) throws {
    let (s, sub) = try Self.lab()
    let tool = try Self.program(at: sub + "/tar")
    switch how {
    case "owner": chown(tool, 12345, 12345)
    case "group-writable": chmod(tool, 0o775)
    default: chmod(s.dir + "/a", 0o777)  // an ancestor anyone can write
    }
    try s.writePolicy("# comment\nallow tar-create   exec=\(tool) roots=/etc\nlog file=\(s.audit)\nlog syslog=none\n")
    let r = try Self.forced(s.policy)
    #expect(r.status == 126 && r.stdout.isEmpty, "\(r)")
    #expect(r.err.hasPrefix("gatekeeper: the program named by the policy is not safe to run"), "\(r.err)")
    let rec = try #require(try s.records().last)
    #expect(rec["decision"] as? String == "error" && rec["reason"] as? String == "tool-unsafe", "\(rec)")
    let c = try Gatekeeper.run(["check", "--policy", s.policy])
    #expect(c.status == 78, "\(c)")
    #expect(c.err.hasPrefix("\(s.policy):2:25: "), "line and column of the exec= value: \(c.err)")
  }

  @Test func trustedProgramThroughALinkedDirectoryRuns() throws {
    // /bin -> usr/bin on merged-/usr systems: a root-owned link is followed
    let (s, sub) = try Self.lab()
    _ = try Self.program(at: sub + "/tar")
    try FileManager.default.createSymbolicLink(atPath: s.dir + "/bin", withDestinationPath: "a/b")
    try s.writePolicy("allow tar-create exec=\(s.dir)/bin/tar roots=/etc\nlog file=\(s.audit)\nlog syslog=none\n")
    let r = try Self.forced(s.policy)
    #expect(r.status == 0, "\(r)")
  }

  // MARK: the policy

  @Test func policyUnderAWritableAncestorIsRefused() throws {
    let (s, sub) = try Self.lab()
    let policy = sub + "/p.policy"
    try Files.write(policy, "allow tar-create exec=/bin/true roots=/etc\nlog syslog=none\n", mode: 0o600)
    chmod(s.dir + "/a", 0o777)
    let r = try Self.forced(policy)
    #expect(r.status == 78, "\(r)")
    #expect(r.err.contains("directory \(s.dir)/a is writable by group or others"), "\(r.err)")
    chmod(s.dir + "/a", 0o1777)  // sticky but not root's own... it is root's: allowed
    #expect(try Self.forced(policy).status == 0)
  }

  @Test func policyThroughASymlinkedDirectoryIsRefused() throws {
    let (s, sub) = try Self.lab()
    try Files.write(sub + "/p.policy", "allow tar-create exec=/bin/true roots=/etc\nlog syslog=none\n", mode: 0o600)
    try FileManager.default.createSymbolicLink(atPath: s.dir + "/link", withDestinationPath: sub)
    let r = try Self.forced(s.dir + "/link/p.policy")
    #expect(r.status == 78 && r.err.contains("is a symbolic link"), "\(r)")
  }

  // MARK: SSH_USER_AUTH

  /// The key file is read only when it is a regular file of the account
  /// that logged in: not another account's file, not a FIFO (which would
  /// block), not a device.
  @Test(arguments: ["other-owner", "fifo", "device"])
  func keyFileOfTheWrongKindIsNotRead(_ how: String) throws {
    let s = try Scratch()
    var auth = s.dir + "/auth"
    switch how {
    case "other-owner":
      try Files.write(
        auth, "publickey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
        mode: 0o600)
      chown(auth, 12345, 12345)
    case "fifo": #expect(mkfifo(auth, 0o600) == 0)
    default: auth = "/dev/zero"
    }
    try s.writePolicy("allow tar-create exec=/bin/true roots=/etc\nlog file=\(s.audit)\nlog syslog=none\n")
    let r = try Gatekeeper.run(
      ["--policy", s.policy],
      env: ["SSH_ORIGINAL_COMMAND": Self.pull, "SSH_CONNECTION": "192.0.2.9 1 192.0.2.1 22", "SSH_USER_AUTH": auth],
      timeout: 20)
    #expect(r.status == 0, "\(r)")
    let rec = try #require(try s.records().last)
    #expect(rec["key"] as? String == "", "\(rec)")
    #expect((rec["detail"] as? String)?.contains("SSH_USER_AUTH") == true, "\(rec)")
  }

  // MARK: the audit file

  static func logPolicy(_ s: Scratch, log: String, required: Bool = true) throws {
    try s.writePolicy(
      "allow tar-create exec=/bin/true roots=/etc\nlog file=\(log)\(required ? "" : " required=no")\nlog syslog=none\n")
  }

  @Test(arguments: ["writable-directory", "linked-directory", "owner", "mode", "fifo"])
  func untrustedLogIsRefused(_ how: String) throws {
    let (s, sub) = try Self.lab()
    var log = sub + "/audit.jsonl"
    switch how {
    case "writable-directory": chmod(sub, 0o777)
    case "linked-directory":
      try FileManager.default.createSymbolicLink(atPath: s.dir + "/logs", withDestinationPath: sub)
      log = s.dir + "/logs/audit.jsonl"
    case "owner":
      try Files.write(log, "", mode: 0o640)
      chown(log, 12345, 12345)
    case "mode": try Files.write(log, "", mode: 0o666)
    default: #expect(mkfifo(log, 0o600) == 0)
    }
    try Self.logPolicy(s, log: log)
    let r = try Self.forced(s.policy)  // a FIFO would hang here without O_NONBLOCK
    #expect(r.status == 1, "\(r)")
    #expect(r.err.hasPrefix("gatekeeper: the audit log is not safe to write"), "\(r.err)")
    #expect(!Files.exists(sub + "/audit.jsonl") || how != "linked-directory")
    // check says why, without refusing the policy
    let c = try Gatekeeper.run(["check", "--policy", s.policy])
    #expect(c.status == 0 && c.err.contains("warning: log file") && c.err.contains("log-unsafe"), "\(c)")
    // required=no: the call goes on (the record goes to syslog only)
    try Self.logPolicy(s, log: log, required: false)
    #expect(try Self.forced(s.policy).status == 0)
  }

  /// A short write (a full disk) left a line without its newline: the next
  /// record still starts on a line of its own.
  @Test func partialLineIsEndedBeforeTheNextRecord() throws {
    let s = try Scratch()
    try Files.write(s.audit, "{\"v\":1,\"decision\":\"allow\",\"cut short", mode: 0o640)
    try Self.logPolicy(s, log: s.audit)
    #expect(try Self.forced(s.policy).status == 0)
    let lines = Files.lines(s.audit)
    #expect(lines.count == 2, "\(lines)")
    let last = try JSONSerialization.jsonObject(with: Data((lines.last ?? "").utf8)) as? [String: Any]
    #expect(last?["decision"] as? String == "allow")
  }
}
