// The sudo recipe: an unprivileged account (gkbackup) whose key runs
// `gatekeeper --sudo --policy P`; gatekeeper validates, then runs
// `sudo -n gatekeeper --policy P -- WORDS` which validates again as root and
// execs rsync. sudoers allows gatekeeper and nothing else. Proves a real pull
// of a root-only file, the seed's `nice -n 19 sudo /usr/bin/rsync` shape,
// secluded args through sudo, and that a push is refused.

import Foundation
import Testing

/// Debian package -> a program it installs.
let sudoRecipePackages = [
  "sudo": "/usr/bin/sudo", "sudo (visudo)": "/usr/sbin/visudo", "passwd (useradd)": "/usr/sbin/useradd",
]

@Suite(ClientEnv.need(sudoRecipePackages))
struct ClientsSudoTests {
  static let user = "gkbackup"
  /// No dot in the name: sudo ignores files in sudoers.d whose names contain one.
  static let sudoers = "/etc/sudoers.d/gatekeeper-e2e-clients"

  @Test("sudo recipe: gkbackup pulls root-only files; the seed's nice/sudo shape works; a push is refused")
  func sudoRecipe() throws {
    let created = try Self.ensureUser()
    defer { if created { _ = try? Proc.run("/usr/sbin/userdel", [Self.user]) } }
    let lab = try ClientLab(
      "sudo", rules: ["allow rsync-sender roots=$LAB/data"], users: [Self.user: ["--sudo"]],
      gatekeeper: "$LAB/bin/gatekeeper")
    defer { lab.close() }
    // A root-owned copy in a directory gkbackup can reach; sudoers names exactly it.
    let gk = lab.dir + "/bin/gatekeeper"
    try FileManager.default.copyItem(atPath: try Gatekeeper.path(), toPath: gk)
    chmod(gk, 0o755)
    // The product's own snippet and key line (`gatekeeper sudoers` / `authorize --sudo`).
    let snippet = try Proc.run(
      gk, ["sudoers", "--user", Self.user, "--gatekeeper", gk, "--policy", lab.policyPath])
    #expect(snippet.ok, "gatekeeper sudoers: \(snippet)")
    let rules = snippet.out
    let line = try Proc.run(
      gk, ["authorize", "--sudo", "--policy", lab.policyPath, "--gatekeeper", gk],
      stdin: .file(lab.keyPath + ".pub"))
    #expect(
      line.ok && line.out.hasPrefix("restrict,command=\"\(gk) --sudo --policy \(lab.policyPath)\""),
      "\(line)")
    try lab.sshd.authorize(Self.user, line.out)
    try Files.write(lab.dir + "/sudoers", rules, mode: 0o440)
    let check = try Proc.run("/usr/sbin/visudo", ["-cf", lab.dir + "/sudoers"])
    #expect(check.ok, "visudo -cf: \(check)")
    try Files.write(Self.sudoers, rules, mode: 0o440)
    defer { try? FileManager.default.removeItem(atPath: Self.sudoers) }
    let whole = try Proc.run("/usr/sbin/visudo", ["-c"])
    #expect(whole.ok, "visudo -c: \(whole)")

    // sudoers lets gkbackup run gatekeeper as root only in argv mode with the
    // key line's policy: not `check` (as root it would echo a file's lines in
    // its errors), not `report`, not another policy.
    for args in [
      ["check", "--policy", "/etc/shadow"], ["report", "/etc/shadow"],
      ["--policy", "/etc/shadow", "--", "rsync", "--server"],
      ["--policy", lab.policyPath, "--label", "x", "--", "tar"],
    ] {
      let r = try Proc.run("/usr/sbin/runuser", ["-u", Self.user, "--", "/usr/bin/sudo", "-n", gk] + args)
      #expect(!r.ok && !r.out.contains("root:"), "sudo must refuse \(args): \(r)")
      #expect(r.err.contains("sudo:"), "refused by sudo itself, not by gatekeeper: \(r)")
    }

    let src = lab.dir + "/data/src"
    try ClientTree.make(src)
    try Files.write(src + "/secret", "root only\n", mode: 0o600)
    let remote = "\(Self.user)@127.0.0.1:\(src)/"

    let plain = try Proc.run("/usr/bin/rsync", ["-a", "-e", lab.ssh, remote, lab.dir + "/dst-plain/"])
    #expect(plain.ok, "\(plain)")
    try ClientTree.expectSame(src, lab.dir + "/dst-plain", "sudo pull")
    #expect(Files.read(lab.dir + "/dst-plain/secret") == "root only\n")

    let seed = try Proc.run(
      "/usr/bin/rsync",
      ["-a", "--rsync-path=nice -n 19 sudo /usr/bin/rsync", "-e", lab.ssh, remote, lab.dir + "/dst-seed/"])
    #expect(seed.ok, "\(seed)")
    try ClientTree.expectSame(src, lab.dir + "/dst-seed", "seed-shape pull")

    let secluded = try Proc.run("/usr/bin/rsync", ["-s", "-a", "-e", lab.ssh, remote, lab.dir + "/dst-s/"])
    #expect(secluded.ok, "\(secluded)")
    try ClientTree.expectSame(src, lab.dir + "/dst-s", "secluded pull through sudo")

    let before = try Tree.snapshot(src)
    let evil = lab.dir + "/evil"
    try Files.makeDirectory(evil)
    try Files.write(evil + "/secret", "overwritten\n", mode: 0o644)
    let push = try Proc.run("/usr/bin/rsync", ["-a", "-e", lab.ssh, evil + "/", remote])
    #expect(!push.ok)
    #expect(push.err.contains("gatekeeper: denied (rsync-not-sender)"), "\(push)")
    let changes = Tree.changes(before, try Tree.snapshot(src))
    #expect(changes.isEmpty, "source changed: \(changes)")

    // The root instance's records (gkbackup cannot write the root-owned log;
    // its own go to syslog only): three pulls, and the push refusal, which
    // gkbackup's gatekeeper handed to root to be recorded here.
    var records = try lab.audit()
    #expect(records.count == 4, "audit: \(records)")
    let refusal = records.popLast()
    #expect(
      refusal?.decision == "deny" && refusal?.reason == "rsync-not-sender" && refusal?.sudoUser == Self.user,
      "\(String(describing: refusal))")
    for a in records {
      #expect(
        a.decision == "allow" && a.confined && a.reason == "allowed" && a.mode == "argv"
          && a.argv?.first == "/usr/bin/rsync", "\(a)")
      #expect(
        a.key?.hasPrefix("SHA256:") == true && a.client == "127.0.0.1", "sudo kept SSH_CONNECTION/SSH_USER_AUTH: \(a)")
      #expect(a.sudoUser == Self.user, "the record names the account that ran sudo: \(a)")
    }
    if records.count == 3 {
      #expect(records[0].command == "rsync --server --sender -logDtpre.iLsfxCIvu . \(src)/", "\(records[0])")
      #expect(
        records[1].command?.hasPrefix("nice -n 19 ") == true && records[1].argv?.contains("--sender") == true,
        "\(records[1])")
      #expect(records[2].secluded?.last == src + "/", "\(records[2])")
    }
  }

  /// Creates gkbackup (shell /bin/sh, password field `*` so sshd with
  /// UsePAM no does not treat it as locked) unless it exists; true if created.
  static func ensureUser() throws -> Bool {
    if getpwnam(user) != nil { return false }
    try Proc.must("/usr/sbin/useradd", ["-M", "-d", "/nonexistent", "-s", "/bin/sh", "-p", "*", user])
    return true
  }
}
