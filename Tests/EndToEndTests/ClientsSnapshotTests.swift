// Snapshot-style backup programs with their default rsync options, pulling
// through gatekeeper: rsnapshot (twice: alpha.0 and alpha.1), dirvish (two
// images, the second hard-linked to the first) and rsbackup (which first
// probes with a bare `true`). Each image must equal the source at its time.

import Foundation
import Testing

struct ClientsSnapshotTests {
  static func skip(_ package: String, _ path: String) -> Comment { ClientEnv.skipComment([package: path]) }

  /// The standard tree in $LAB/data/src of a lab allowing rsync pulls of $LAB/data.
  static func lab(_ name: String) throws -> (ClientLab, String) {
    let lab = try ClientLab(name, rules: ["allow rsync-sender roots=$LAB/data"])
    let src = lab.dir + "/data/src"
    try FileManager.default.createDirectory(atPath: src, withIntermediateDirectories: true)
    try ClientTree.make(src)
    return (lab, src)
  }

  static func same(_ want: String, _ got: String, hardLinks: Bool = false, _ what: String) {
    let d = ClientTree.diff(
      ClientTree.manifest(want, hardLinks: hardLinks), ClientTree.manifest(got, hardLinks: hardLinks))
    #expect(d.isEmpty, "\(what) differs:\n\(d.joined(separator: "\n"))")
  }

  static func expectPulls(_ lab: ClientLab, _ n: Int, cluster: String, path: String) {
    let records = lab.audit().filter { $0.reason != "true-probe" }
    #expect(records.count == n, "audit: \(records)")
    for a in records {
      #expect(a.decision == "allow" && a.detail == "rsync-sender", "\(a)")
      #expect(a.command == "rsync --server --sender \(cluster) --numeric-ids . \(path)", "\(a.command ?? "")")
    }
  }

  @Test(
    "rsnapshot alpha twice (rsync -a --delete --numeric-ids --relative --delete-excluded)",
    .enabled(if: ClientEnv.ready(["rsnapshot": "/usr/bin/rsnapshot"]), skip("rsnapshot", "/usr/bin/rsnapshot")))
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
    try ClientLab.write(lines.map { $0.joined(separator: "\t") }.joined(separator: "\n") + "\n", to: conf, mode: 0o600)
    let first = try ClientLab.run(["/usr/bin/rsnapshot", "-c", conf, "alpha"])
    #expect(first.ok, "\(first.summary)")
    try ClientTree.snapshot(src, to: lab.dir + "/expect-0")
    try ClientTree.change(src)
    let second = try ClientLab.run(["/usr/bin/rsnapshot", "-c", conf, "alpha"])
    #expect(second.ok, "\(second.summary)")
    Self.same(src, "\(root)/alpha.0/localhost\(src)", "alpha.0")
    Self.same(lab.dir + "/expect-0", "\(root)/alpha.1/localhost\(src)", "alpha.1")
    Self.expectPulls(lab, 2, cluster: "-logDtprRe.iLsfxCIvu", path: src + "/")
  }

  @Test(
    "dirvish: two images (rsync -vlHogDtprx --numeric-ids, the second with --link-dest)",
    .enabled(
      if: ClientEnv.ready(["dirvish": "/usr/sbin/dirvish"]) && ClientEnv.canUnshare,
      ClientEnv.skipComment(["dirvish": "/usr/sbin/dirvish"], unshare: true)))
  func dirvish() throws {
    let (lab, src) = try Self.lab("dirvish")
    defer { lab.close() }
    // dirvish reads /etc/dirvish/master.conf only: a private one is bind-mounted
    // over /etc/dirvish in a private mount namespace.
    let etc = lab.dir + "/etc-dirvish"
    let bank = lab.dir + "/bank"
    try FileManager.default.createDirectory(atPath: etc, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: bank + "/gk/dirvish", withIntermediateDirectories: true)
    try ClientLab.write("bank:\n\t\(bank)\n", to: etc + "/master.conf", mode: 0o644)
    let vault = [
      "client: root@127.0.0.1", "tree: \(src)", "xdev: 1", "index: none", "rsh: /usr/bin/ssh \(lab.sshOptions)",
    ]
    try ClientLab.write(vault.joined(separator: "\n") + "\n", to: bank + "/gk/dirvish/default.conf", mode: 0o644)
    func run(_ args: [String]) throws -> ClientRun {
      try ClientLab.run(
        [
          "/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
          "mount --bind \"$0\" /etc/dirvish && exec /usr/sbin/dirvish \"$@\"", etc,
        ] + args)
    }
    let first = try run(["--vault", "gk", "--init", "--image", "first"])
    #expect(first.ok, "\(first.summary)\n\(ClientLab.read(bank + "/gk/first/log"))")
    try ClientTree.snapshot(src, to: lab.dir + "/expect-0")
    try ClientTree.change(src)
    let second = try run(["--vault", "gk", "--image", "second"])
    #expect(second.ok, "\(second.summary)\n\(ClientLab.read(bank + "/gk/second/log"))")
    Self.same(lab.dir + "/expect-0", bank + "/gk/first/tree", hardLinks: true, "image first")
    Self.same(src, bank + "/gk/second/tree", hardLinks: true, "image second")
    Self.expectPulls(lab, 2, cluster: "-vlHogDtprxe.iLsfxCIvu", path: src + "/")
  }

  @Test(
    "rsbackup: the `true` probe is answered, then rsync -lHogDtpAXrxSz --numeric-ids",
    .enabled(if: ClientEnv.ready(["rsbackup": "/usr/bin/rsbackup"]), skip("rsbackup", "/usr/bin/rsbackup")))
  func rsbackup() throws {
    let (lab, src) = try Self.lab("rsbackup")
    defer { lab.close() }
    let store = lab.dir + "/store"
    let conf = lab.dir + "/rsbackup.conf"
    try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
    try ClientLab.write("dev1\n", to: store + "/device-id", mode: 0o644)
    let config = [
      "store --no-mounted \(store)", "device dev1", "logs \(lab.dir)/rsbackup-logs", "lock \(lab.dir)/rsbackup.lock",
      "public true", "host gkclient", "  hostname 127.0.0.1", "  user root", "  volume data \(src)",
    ]
    try FileManager.default.createDirectory(atPath: lab.dir + "/rsbackup-logs", withIntermediateDirectories: true)
    try ClientLab.write(config.joined(separator: "\n") + "\n", to: conf, mode: 0o644)
    // rsbackup runs `ssh` (and rsync's default `ssh`) from PATH: the lab's wrapper comes first.
    let path = lab.dir + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    let r = try ClientLab.run(["/usr/bin/rsbackup", "--config", conf, "--backup", "--verbose"], env: ["PATH": path])
    #expect(r.ok, "\(r.summary)")
    let images = (try? FileManager.default.contentsOfDirectory(atPath: store + "/gkclient/data")) ?? []
    #expect(images.count == 1, "backups: \(images)\n\(r.summary)")
    if let image = images.first { Self.same(src, "\(store)/gkclient/data/\(image)", hardLinks: true, "rsbackup image") }
    let records = lab.audit()
    #expect(records.first?.reason == "true-probe" && records.first?.command == "true", "\(records)")
    Self.expectPulls(lab, 1, cluster: "-lHogDtpAXrxSze.iLsfxCIvu", path: src + "/.")
  }
}
