// Snapshot-style backup programs with their default rsync options, pulling
// through gatekeeper: rsnapshot (twice: alpha.0 and alpha.1), dirvish (two
// images, the second hard-linked to the first) and rsbackup (which first
// probes with a bare `true`). Each image must equal the source at its time.

import Foundation
import Testing

struct ClientsSnapshotTests {

  /// The standard tree in $LAB/data/src of a lab allowing rsync pulls of $LAB/data.
  static func lab(_ name: String) throws -> (ClientLab, String) {
    let lab = try ClientLab(name, rules: ["allow rsync-sender roots=$LAB/data"])
    let src = lab.dir + "/data/src"
    try ClientTree.make(src)
    return (lab, src)
  }

  static func expectPulls(_ lab: ClientLab, _ n: Int, cluster: String, path: String) throws {
    let records = try lab.audit().filter { $0.reason != "true-probe" }
    #expect(records.count == n, "audit: \(records)")
    for a in records {
      #expect(a.decision == "allow" && a.confined && a.detail == "rsync-sender", "\(a)")
      #expect(a.command == "rsync --server --sender \(cluster) --numeric-ids . \(path)", "\(a.command ?? "")")
    }
  }

  @Test(
    "rsnapshot alpha twice (rsync -a --delete --numeric-ids --relative --delete-excluded)",
    ClientEnv.need(["rsnapshot": "/usr/bin/rsnapshot"]))
  func rsnapshot() throws {
    let (lab, src) = try Self.lab("rsnapshot")
    defer { lab.close() }
    let root = lab.dir + "/snapshots"
    let conf = lab.dir + "/rsnapshot.conf"
    let lines = [
      ["config_version", "1.2"], ["snapshot_root", root + "/"], ["cmd_rsync", "/usr/bin/rsync"],
      ["cmd_ssh", "/usr/bin/ssh"],
      ["ssh_args", lab.sshOptions], ["lockfile", lab.dir + "/rsnapshot.pid"], ["retain", "alpha", "3"],
      ["backup", "root@127.0.0.1:\(src)/", "localhost/"],
    ]
    try Files.write(conf, lines.map { $0.joined(separator: "\t") }.joined(separator: "\n") + "\n", mode: 0o600)
    let first = try Proc.run("/usr/bin/rsnapshot", ["-c", conf, "alpha"])
    #expect(first.ok, "\(first)")
    try ClientTree.copy(src, to: lab.dir + "/expect-0")
    try ClientTree.change(src)
    let second = try Proc.run("/usr/bin/rsnapshot", ["-c", conf, "alpha"])
    #expect(second.ok, "\(second)")
    try ClientTree.expectSame(src, "\(root)/alpha.0/localhost\(src)", "alpha.0")
    try ClientTree.expectSame(lab.dir + "/expect-0", "\(root)/alpha.1/localhost\(src)", "alpha.1")
    try Self.expectPulls(lab, 2, cluster: "-logDtprRe.iLsfxCIvu", path: src + "/")
  }

  @Test(
    "dirvish: two images (rsync -vlHogDtprx --numeric-ids, the second with --link-dest)",
    ClientEnv.need(["dirvish": "/usr/sbin/dirvish"], unshare: true))
  func dirvish() throws {
    let (lab, src) = try Self.lab("dirvish")
    defer { lab.close() }
    // dirvish reads /etc/dirvish/master.conf only: a private one is bind-mounted
    // over /etc/dirvish in a private mount namespace.
    let etc = lab.dir + "/etc-dirvish"
    let bank = lab.dir + "/bank"
    try Files.makeDirectory(etc)
    try Files.makeDirectory(bank + "/gk/dirvish")
    try Files.write(etc + "/master.conf", "bank:\n\t\(bank)\n", mode: 0o644)
    let vault = [
      "client: root@127.0.0.1", "tree: \(src)", "xdev: 1", "index: none", "rsh: /usr/bin/ssh \(lab.sshOptions)",
    ]
    try Files.write(bank + "/gk/dirvish/default.conf", vault.joined(separator: "\n") + "\n", mode: 0o644)
    func run(_ args: [String]) throws -> Output {
      try Proc.run(
        "/usr/bin/unshare",
        [
          "-m", "--propagation", "private", "/bin/sh", "-c",
          "mount --bind \"$0\" /etc/dirvish && exec /usr/sbin/dirvish \"$@\"", etc,
        ] + args)
    }
    let first = try run(["--vault", "gk", "--init", "--image", "first"])
    #expect(first.ok, "\(first)\n\(Files.read(bank + "/gk/first/log"))")
    try ClientTree.copy(src, to: lab.dir + "/expect-0")
    try ClientTree.change(src)
    let second = try run(["--vault", "gk", "--image", "second"])
    #expect(second.ok, "\(second)\n\(Files.read(bank + "/gk/second/log"))")
    try ClientTree.expectSame(lab.dir + "/expect-0", bank + "/gk/first/tree", hardLinks: true, "image first")
    try ClientTree.expectSame(src, bank + "/gk/second/tree", hardLinks: true, "image second")
    try Self.expectPulls(lab, 2, cluster: "-vlHogDtprxe.iLsfxCIvu", path: src + "/")
  }

  @Test(
    "rsbackup: the `true` probe is answered, then rsync -lHogDtpAXrxSz --numeric-ids",
    ClientEnv.need(["rsbackup": "/usr/bin/rsbackup"]))
  func rsbackup() throws {
    let (lab, src) = try Self.lab("rsbackup")
    defer { lab.close() }
    let store = lab.dir + "/store"
    let conf = lab.dir + "/rsbackup.conf"
    try Files.makeDirectory(store)
    try Files.write(store + "/device-id", "dev1\n", mode: 0o644)
    let config = [
      "store --no-mounted \(store)", "device dev1", "logs \(lab.dir)/rsbackup-logs", "lock \(lab.dir)/rsbackup.lock",
      "public true", "host gkclient", "  hostname 127.0.0.1", "  user root", "  volume data \(src)",
    ]
    try Files.makeDirectory(lab.dir + "/rsbackup-logs")
    try Files.write(conf, config.joined(separator: "\n") + "\n", mode: 0o644)
    // rsbackup runs `ssh` (and rsync's default `ssh`) from PATH: the lab's wrapper comes first.
    let path = lab.dir + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    let r = try Proc.run(
      "/usr/bin/rsbackup", ["--config", conf, "--backup", "--verbose"], env: Proc.environment(adding: ["PATH": path]))
    #expect(r.ok, "\(r)")
    let images = (try? FileManager.default.contentsOfDirectory(atPath: store + "/gkclient/data")) ?? []
    #expect(images.count == 1, "backups: \(images)\n\(r)")
    if let image = images.first {
      try ClientTree.expectSame(src, "\(store)/gkclient/data/\(image)", hardLinks: true, "rsbackup image")
    }
    let records = try lab.audit()
    #expect(records.first?.reason == "true-probe" && records.first?.command == "true", "\(records)")
    try Self.expectPulls(lab, 1, cluster: "-lHogDtpAXrxSze.iLsfxCIvu", path: src + "/.")
  }
}
