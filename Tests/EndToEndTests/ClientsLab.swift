// The client suites' lab: an SSHLab whose keys are locked to gatekeeper, a
// policy, an ssh wrapper the real backup programs use, the standard source
// tree, and what the machine must have for each suite.

import Foundation
import Testing

/// What the machine has: the client tests skip, saying why, without it.
enum ClientEnv {
  /// The helper scripts beside this file.
  static var scripts: String {
    Gatekeeper.file("Tests/EndToEndTests/clients")
  }

  static let base: [String: String] = [
    "openssh-server": "/usr/sbin/sshd", "openssh-client": "/usr/bin/ssh", "rsync": "/usr/bin/rsync",
  ]

  /// nil when root and every package's program is installed (and, with
  /// `unshare`, private mount namespaces work), else why the suite cannot run.
  static func missing(_ packages: [String: String] = [:], unshare: Bool = false) -> String? {
    if let m = Needs.missing(root: true, base.merging(packages) { a, _ in a }) { return m }
    if unshare && !canUnshare {
      return "unshare -m fails here (no CAP_SYS_ADMIN?): no private /etc/backuppc or /etc/dirvish"
    }
    return nil
  }

  /// The suite trait for `missing(packages, unshare:)`.
  static func need(_ packages: [String: String] = [:], unshare: Bool = false) -> ConditionTrait {
    Needs.trait(missing(packages, unshare: unshare))
  }

  /// Whether private mount namespaces work here (BackupPC and dirvish read
  /// fixed paths under /etc; the tests bind-mount private ones over them).
  static let canUnshare: Bool = {
    guard isRoot, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else {
      return false
    }
    return (try? Proc.run("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/true"]).ok)
      ?? false
  }()
}

final class ClientLab {
  let dir: String
  let policyPath: String
  let auditPath: String
  let keyPath: String
  /// An ssh that reaches this lab's sshd with the backup key: `ssh -l USER 127.0.0.1 CMD`.
  let ssh: String
  let sshd: SSHLab
  private var closed = false

  /// `rules`: the policy's allow lines, `$LAB` standing for the lab's directory
  /// (the log lines are added).
  /// `users`: account -> extra gatekeeper arguments (e.g. ["root": [], "gkbackup": ["--sudo"]]).
  /// `gatekeeper`: the program the keys run (default the binary under test; `$LAB` allowed).
  init(
    _ name: String, rules: [String], users: [String: [String]] = ["root": []],
    gatekeeper: String? = nil
  ) throws {
    // 0755: other accounts (gkbackup) must reach the policy and keys.
    let dir = try Files.tempDirectory("gk-clients-\(name)", mode: 0o755)
    self.dir = dir
    policyPath = dir + "/gatekeeper.policy"
    auditPath = dir + "/audit.jsonl"
    keyPath = dir + "/backupkey"
    ssh = dir + "/bin/ssh"
    do {
      let policy =
        rules.map { $0.replacingOccurrences(of: "$LAB", with: dir) }
        + ["log file=\(auditPath)", "log syslog=none"]
      try Files.write(policyPath, policy.joined(separator: "\n") + "\n", mode: 0o644)
      let pub = try SSHLab.newKey(keyPath, comment: "backup-server")
      sshd = try SSHLab(dir: dir)
      let bin = (gatekeeper ?? Gatekeeper.location).replacingOccurrences(of: "$LAB", with: dir)
      for (user, extra) in users {
        try sshd.authorize(
          user, SSHLab.forcedLine([bin] + extra + ["--policy", policyPath], publicKey: pub))
      }
      try Files.makeDirectory(dir + "/bin")
      try Files.write(ssh, "#!/bin/sh\nexec /usr/bin/ssh \(sshOptions) \"$@\"\n", mode: 0o755)
    } catch {
      Files.removeLab(dir)
      throw error
    }
  }

  /// Port, key and host-key options for programs that take ssh arguments themselves.
  var sshOptions: String { sshd.sshOptions(key: keyPath).joined(separator: " ") }

  /// Stops this lab's sshd and removes the lab (kept with GK_E2E_KEEP).
  func close() {
    guard !closed else { return }
    closed = true
    sshd.stop()
    Files.removeLab(dir)
  }

  deinit { close() }

  /// The audit log's records so far.
  func audit() throws -> [AuditRecord] { try AuditRecord.all(in: auditPath) }
}

/// The standard source tree and what the backup tests do to it.
enum ClientTree {
  /// Builds the standard source tree at `root`: a plain file, a file that the
  /// incremental step removes (owned by 1234:5678), a 0600 file with a space,
  /// a hard link, a symlink, quotes in a name, an empty directory, an old mtime.
  static func make(_ root: String) throws {
    for d in ["d/empty", "d/deeper"] { try Files.makeDirectory("\(root)/\(d)") }
    try Files.write("\(root)/plain.txt", "plain\n", mode: 0o644)
    try Files.write("\(root)/removed.txt", "removed later\n", mode: 0o640)
    chown("\(root)/removed.txt", 1234, 5678)
    try Files.write("\(root)/d/with space.txt", "with a space\n", mode: 0o600)
    try Files.write("\(root)/d/it's \"quoted\".txt", "quotes\n", mode: 0o644)
    try Files.write(
      "\(root)/d/deeper/big.bin", String(repeating: "0123456789abcdef", count: 20000), mode: 0o644)
    link("\(root)/plain.txt", "\(root)/d/hardlink")
    symlink("../plain.txt", "\(root)/d/sym")
    try Tree.setTime("\(root)/d/deeper/big.bin", 1_000_000_000)
  }

  /// Expects `got` to be a faithful copy of `want` (see Tree.copyDifferences).
  static func expectSame(
    _ want: String, _ got: String, times: Tree.Times = .filesAndDirectories,
    hardLinks: Bool = false,
    xattrs: Bool = false, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let d = Tree.copyDifferences(
      try Tree.snapshot(want), try Tree.snapshot(got), times: times, hardLinks: hardLinks,
      xattrs: xattrs)
    #expect(
      d.isEmpty, "\(what) differs:\n\(d.joined(separator: "\n"))", sourceLocation: sourceLocation)
  }

  /// A copy of `src` as it is now (cp -a), to compare a later backup with.
  static func copy(_ src: String, to dst: String) throws {
    try Files.makeDirectory(dst)
    try Proc.must("/bin/cp", ["-a", src + "/.", dst + "/"])
  }

  /// The change every incremental must pick up: a new file, an appended file
  /// (its hard link too), a removed file; mtimes move on by at least a second.
  static func change(_ src: String) throws {
    usleep(1_100_000)
    try Files.write("\(src)/added.txt", "added after the first backup\n", mode: 0o644)
    let h = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(src)/plain.txt"))
    h.seekToEndOfFile()
    h.write(Data("changed after the first backup\n".utf8))
    h.closeFile()
    try FileManager.default.removeItem(atPath: "\(src)/removed.txt")
  }
}
