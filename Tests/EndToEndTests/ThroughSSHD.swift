// The suites that go through a real sshd share one server (and so one
// policy and one audit file) and run one test at a time. `SSHServer` is that
// server: an SSHLab whose only key is forced through gatekeeper, with the
// policy, the audit file and a reference tree in its private directory.

import Foundation
import Glibc
import Testing

@Suite(
  .serialized,
  // root: sshd lets the test key log in only as root, with its forced command
  Needs.trait(SSHServer.missing),
  .sshServer)
struct ThroughSSHD {}

final class SSHServer: @unchecked Sendable {
  let lab: SSHLab
  var dir: String { lab.dir }
  let gatekeeper: String
  let clientKey: String
  /// `SHA256:...` as printed by `ssh-keygen -lf`.
  let fingerprint: String
  let policyPath: String
  let auditPath: String
  /// Backup sources, the only policy root: `tree` (the reference tree) and
  /// `scratch` (where refused requests try to write).
  let dataRoot: String
  let tree: String
  let scratch: String
  /// Whether the file system took the POSIX ACL on `tree/acl.txt` and the
  /// user xattr on `tree/xattr.txt` (set once, before the server is shared).
  private(set) var hasACL = false
  private(set) var hasXattr = false

  static let rsyncExec = "/usr/bin/rsync"
  static let tarExec = "/usr/bin/tar"
  static let destination = SSHLab.destination

  /// Why the suite cannot run here, if it cannot.
  static let missing = Needs.missing(root: true, Needs.sshd)

  @TaskLocal static var current: Result<SSHServer, HarnessError>? = nil

  /// The server of the enclosing `.sshServer` suite.
  static func shared() throws -> SSHServer {
    guard let current else { throw HarnessError("no sshd: the suite lacks the .sshServer trait") }
    return try current.get()
  }

  /// The policy every test starts from.
  func standardPolicy() -> String {
    """
    # gatekeeper end-to-end test policy
    allow rsync-sender exec=\(SSHServer.rsyncExec) roots=\(dataRoot)
    allow tar-create exec=\(SSHServer.tarExec) roots=\(dataRoot)
    log file=\(auditPath)
    log syslog=none

    """
  }

  init() throws {
    gatekeeper = try Gatekeeper.path()
    let dir = try Files.tempDirectory("gk-e2e-sshd")
    clientKey = dir + "/client_ed25519"
    policyPath = dir + "/test.policy"
    auditPath = dir + "/audit.jsonl"
    dataRoot = dir + "/data"
    tree = dataRoot + "/tree"
    scratch = dataRoot + "/scratch"
    do {
      let pub = try SSHLab.newKey(clientKey, comment: "gk-e2e-client")
      fingerprint = try SSHLab.fingerprint(clientKey + ".pub")
      lab = try SSHLab(dir: dir, extraConfig: ["Subsystem sftp internal-sftp"])
      try lab.authorize(
        "root", SSHLab.forcedLine([gatekeeper, "--policy", policyPath], publicKey: pub))
    } catch {
      try? FileManager.default.removeItem(atPath: dir)
      throw error
    }
    try resetPolicy()
    try makeData()
  }

  func stop() {
    lab.stop()
    Files.removeLab(dir)
  }

  /// sshd's own log, for failure messages.
  var sshdLog: String { lab.log }

  /// Writes the standard policy back (0600).
  func resetPolicy() throws {
    try? FileManager.default.removeItem(atPath: policyPath)
    try Files.write(policyPath, standardPolicy())
  }

  // MARK: Clients

  /// ssh options, without the destination.
  var sshOptions: [String] { lab.sshOptions(key: clientKey) }

  /// `ssh [extra] root@127.0.0.1 [command]`: SSH_ORIGINAL_COMMAND is exactly `command`.
  func ssh(
    _ command: String?, extra: [String] = [], stdin: Proc.Input = .null,
    stdoutPath: String? = nil, timeout: TimeInterval = 30
  ) throws -> Output {
    try lab.ssh(
      key: clientKey, command, extra: extra, stdin: stdin, stdoutPath: stdoutPath, timeout: timeout)
  }

  func rsync(_ args: [String], timeout: TimeInterval = 30) throws -> Output {
    try lab.rsync(key: clientKey, args, timeout: timeout)
  }

  /// A fresh empty directory outside the policy's roots.
  func freshDirectory(_ name: String) throws -> String {
    let path = dir + "/out/\(name)-\(UUID().uuidString.prefix(8))"
    try Files.makeDirectory(path)
    return path
  }

  // MARK: Audit

  /// Runs `attempt` and returns the one audit record it added. Also checks
  /// the fields every forced call carries: the client, its port, the key.
  /// `keyMayBeLost`: the client disconnects at once, and sshd deletes the
  /// SSH_USER_AUTH file before gatekeeper can read it (the key is then "").
  func audited(
    keyMayBeLost: Bool = false, _ attempt: () throws -> Output,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> (Output, AuditRecord) {
    let before = Files.lines(auditPath)
    let output = try attempt()
    // The client can be gone before the remote side finished (ssh -tt quits
    // when the pty is refused): give the record a moment to land.
    var after = Files.lines(auditPath)
    let deadline = Date().addingTimeInterval(5)
    while after.count <= before.count && Date() < deadline {
      usleep(10_000)
      after = Files.lines(auditPath)
    }
    try #require(
      after.count == before.count + 1,
      "expected exactly one new audit record, got \(after.count - before.count); \(output)",
      sourceLocation: sourceLocation)
    #expect(
      Array(after.prefix(before.count)) == before, "earlier audit lines changed",
      sourceLocation: sourceLocation)
    let record = try AuditRecord(line: after[after.count - 1], sourceLocation: sourceLocation)
    #expect(record.client == "127.0.0.1", "client: \(record)", sourceLocation: sourceLocation)
    #expect(
      record.port.map { (1...65535).contains($0) } == true, "client_port: \(record)",
      sourceLocation: sourceLocation)
    let keys = keyMayBeLost ? [fingerprint, ""] : [fingerprint]
    #expect(
      keys.contains(record.key ?? "?"), "key, expected \(fingerprint): \(record)",
      sourceLocation: sourceLocation)
    #expect(record.mode == "forced", "mode: \(record)", sourceLocation: sourceLocation)
    #expect(record.string("user") == "root", "user: \(record)", sourceLocation: sourceLocation)
    return (output, record)
  }

  /// Builds the reference tree and the scratch directory, both with fixed
  /// old times so that a copy that kept them is told from one that did not.
  private func makeData() throws {
    for d in [tree + "/sub/deeper", scratch, dataRoot + "/odd dir's \"x\""] {
      try Files.makeDirectory(d)
    }
    try Files.write(tree + "/plain.txt", "plain text\n", mode: 0o644)
    try Files.write(tree + "/it's a \"quoted\" name.txt", "spaces and quotes\n", mode: 0o640)
    try Files.write(tree + "/run.sh", "#!/bin/sh\necho hi\n", mode: 0o755)
    try Files.write(tree + "/empty", "", mode: 0o600)
    try Files.write(tree + "/sub/inner.txt", "inner\n", mode: 0o600)
    try Files.write(
      tree + "/sub/deeper/blob.bin", data: Data((0...255).map { UInt8($0) }), mode: 0o644)
    try Files.write(tree + "/sub/owned.txt", "numeric owner\n", mode: 0o644)
    guard chown(tree + "/sub/owned.txt", 12345, 23456) == 0 else {
      throw HarnessError("chown failed")
    }
    let fm = FileManager.default
    try fm.createSymbolicLink(atPath: tree + "/link", withDestinationPath: "plain.txt")
    try fm.createSymbolicLink(atPath: tree + "/sub/up", withDestinationPath: "../run.sh")
    try fm.linkItem(atPath: tree + "/plain.txt", toPath: tree + "/sub/hard.txt")
    try Files.write(dataRoot + "/odd dir's \"x\"/inside.txt", "odd\n", mode: 0o644)
    try Files.write(scratch + "/existing.txt", "original\n", mode: 0o644)
    try Files.write(scratch + "/victim.txt", "must survive\n", mode: 0o644)
    guard chmod(tree + "/sub/deeper", 0o750) == 0 else { throw HarnessError("chmod failed") }
    try Files.write(tree + "/acl.txt", "named-user ACL\n", mode: 0o640)
    hasACL = Tree.setXattr(tree + "/acl.txt", Tree.aclName, Tree.accessACL(namedUser: 4242))
    try Files.write(tree + "/xattr.txt", "user xattr\n", mode: 0o644)
    hasXattr = Tree.setXattr(tree + "/xattr.txt", "user.gatekeeper", Data("e2e".utf8))
    // Deepest first, so setting a file's time does not disturb its directory's.
    var stamp = 1_000_000_000
    for path in try Tree.paths(under: dataRoot).reversed() {
      stamp += 3600
      try Tree.setTime(path, stamp)
    }
  }
}

/// `.sshServer`: one sshd for the whole suite (and its nested suites),
/// stopped when the suite ends.
struct SSHServerTrait: SuiteTrait, TestScoping {
  func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    guard SSHServer.missing == nil else { return try await function() }
    let started: Result<SSHServer, HarnessError>
    do { started = .success(try SSHServer()) } catch let e as HarnessError {
      started = .failure(e)
    } catch {
      started = .failure(HarnessError("\(error)"))
    }
    defer { if case .success(let s) = started { s.stop() } }
    try await SSHServer.$current.withValue(started) { try await function() }
  }
}

extension Trait where Self == SSHServerTrait {
  static var sshServer: Self { SSHServerTrait() }
}
