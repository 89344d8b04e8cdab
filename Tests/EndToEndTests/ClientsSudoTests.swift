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

@Suite(.enabled(if: ClientEnv.ready(sudoRecipePackages), ClientEnv.skipComment(sudoRecipePackages)))
struct ClientsSudoTests {
  static let user = "gkbackup"
  /// No dot in the name: sudo ignores files in sudoers.d whose names contain one.
  static let sudoers = "/etc/sudoers.d/gatekeeper-e2e-clients"

  @Test("sudo recipe: gkbackup pulls root-only files; the seed's nice/sudo shape works; a push is refused")
  func sudoRecipe() throws {
    let created = try Self.ensureUser()
    defer { if created { _ = try? ClientLab.run(["/usr/sbin/userdel", Self.user]) } }
    let lab = try ClientLab(
      "sudo", rules: ["allow rsync-sender roots=$LAB/data"], users: [Self.user: ["--sudo"]],
      gatekeeper: "$LAB/bin/gatekeeper")
    defer { lab.close() }
    // A root-owned copy in a directory gkbackup can reach; sudoers names exactly it.
    let gk = lab.dir + "/bin/gatekeeper"
    try FileManager.default.copyItem(atPath: ClientEnv.gatekeeper, toPath: gk)
    chmod(gk, 0o755)
    // The product's own snippet and key line (`gatekeeper sudoers` / `authorize --sudo`).
    let snippet = try ClientLab.run([gk, "sudoers", "--user", Self.user, "--gatekeeper", gk])
    #expect(snippet.ok, "gatekeeper sudoers: \(snippet.summary)")
    let rules = snippet.stdout
    let line = try ClientLab.run(
      [gk, "authorize", "--sudo", "--policy", lab.policyPath, "--gatekeeper", gk],
      input: ClientLab.read(lab.keyPath + ".pub"))
    #expect(
      line.ok && line.stdout.hasPrefix("restrict,command=\"\(gk) --sudo --policy \(lab.policyPath)\""),
      "\(line.summary)")
    try ClientLab.write(line.stdout, to: "\(lab.dir)/keys/\(Self.user)", mode: 0o644)
    try ClientLab.write(rules, to: lab.dir + "/sudoers", mode: 0o440)
    let check = try ClientLab.run(["/usr/sbin/visudo", "-cf", lab.dir + "/sudoers"])
    #expect(check.ok, "visudo -cf: \(check.summary)")
    try ClientLab.write(rules, to: Self.sudoers, mode: 0o440)
    defer { try? FileManager.default.removeItem(atPath: Self.sudoers) }
    let whole = try ClientLab.run(["/usr/sbin/visudo", "-c"])
    #expect(whole.ok, "visudo -c: \(whole.summary)")

    let src = lab.dir + "/data/src"
    try FileManager.default.createDirectory(atPath: src, withIntermediateDirectories: true)
    try ClientTree.make(src)
    try ClientLab.write("root only\n", to: src + "/secret", mode: 0o600)
    let remote = "\(Self.user)@127.0.0.1:\(src)/"

    let plain = try ClientLab.run(["/usr/bin/rsync", "-a", "-e", lab.ssh, remote, lab.dir + "/dst-plain/"])
    #expect(plain.ok, "\(plain.summary)")
    ClientsSnapshotTests.same(src, lab.dir + "/dst-plain", "sudo pull")
    #expect(ClientLab.read(lab.dir + "/dst-plain/secret") == "root only\n")

    let seed = try ClientLab.run([
      "/usr/bin/rsync", "-a", "--rsync-path=nice -n 19 sudo /usr/bin/rsync", "-e", lab.ssh, remote,
      lab.dir + "/dst-seed/",
    ])
    #expect(seed.ok, "\(seed.summary)")
    ClientsSnapshotTests.same(src, lab.dir + "/dst-seed", "seed-shape pull")

    let secluded = try ClientLab.run(["/usr/bin/rsync", "-s", "-a", "-e", lab.ssh, remote, lab.dir + "/dst-s/"])
    #expect(secluded.ok, "\(secluded.summary)")
    ClientsSnapshotTests.same(src, lab.dir + "/dst-s", "secluded pull through sudo")

    let before = ClientTree.manifest(src, hardLinks: true, dirTimes: true)
    let evil = lab.dir + "/evil"
    try FileManager.default.createDirectory(atPath: evil, withIntermediateDirectories: true)
    try ClientLab.write("overwritten\n", to: evil + "/secret", mode: 0o644)
    let push = try ClientLab.run(["/usr/bin/rsync", "-a", "-e", lab.ssh, evil + "/", remote])
    #expect(!push.ok)
    #expect(push.stderr.contains("gatekeeper: denied (rsync-not-sender)"), "\(push.summary)")
    #expect(
      ClientTree.diff(before, ClientTree.manifest(src, hardLinks: true, dirTimes: true)).isEmpty, "source changed")

    // The root instance's records (gkbackup cannot write the root-owned log;
    // its own records, including the push refusal, go to syslog only).
    let records = lab.audit()
    #expect(records.count == 3, "audit: \(records)")
    for a in records {
      #expect(
        a.decision == "allow" && a.reason == "allowed" && a.mode == "argv" && a.argv.first == "/usr/bin/rsync", "\(a)")
      #expect(
        a.key?.hasPrefix("SHA256:") == true && a.client == "127.0.0.1", "sudo kept SSH_CONNECTION/SSH_USER_AUTH: \(a)")
      #expect(a.sudo_user == Self.user, "the record names the account that ran sudo: \(a)")
    }
    if records.count == 3 {
      #expect(records[0].command == "rsync --server --sender -logDtpre.iLsfxCIvu . \(src)/", "\(records[0])")
      #expect(
        records[1].command?.hasPrefix("nice -n 19 ") == true && records[1].argv.contains("--sender"), "\(records[1])")
      #expect(records[2].secluded?.last == src + "/", "\(records[2])")
    }
  }

  /// Creates gkbackup (shell /bin/sh, password field `*` so sshd with
  /// UsePAM no does not treat it as locked) unless it exists; true if created.
  static func ensureUser() throws -> Bool {
    if getpwnam(user) != nil { return false }
    let r = try ClientLab.run(["/usr/sbin/useradd", "-M", "-d", "/nonexistent", "-s", "/bin/sh", "-p", "*", user])
    guard r.ok else { throw ClientLabError("useradd: \(r.summary)") }
    return true
  }
}
