// BackupPC 4 (Debian's backuppc + backuppc-rsync) backing up through
// gatekeeper with its own default transfer settings: XferMethod rsync with
// the default RsyncArgs (--protect-args, so rsync_bpc sends `-s` and the
// arguments on stdin) and XferMethod tar with the default TarClientCmd /
// TarFullArgs / TarIncrArgs. clients/backuppc.sh runs the daemon, a full and
// an incremental dump, and restores both with BackupPC_tarCreate, in a private
// mount namespace; this file checks the restores and the audit log.

import Foundation
import Testing

/// Debian package -> a program it installs.
let backupPCPackages = [
  "backuppc": "/usr/share/backuppc/bin/BackupPC_dump", "backuppc-rsync": "/usr/libexec/backuppc-rsync/rsync_bpc",
  "util-linux (unshare)": "/usr/bin/unshare", "tar": "/bin/tar",
]

@Suite(
  ClientEnv.need(backupPCPackages, unshare: true))
struct ClientsBackupPCTests {

  @Test("BackupPC rsync (default RsyncArgs, secluded -s): full + incremental restore identical")
  func rsync() throws {
    let (lab, src, out) = try backup(
      xfer: "rsync", rule: "allow rsync-sender exec=/usr/bin/rsync roots=$LAB/data label=backuppc")
    defer { lab.close() }
    let records = try lab.audit()
    #expect(records.count == 2, "audit: \(records)")
    for a in records {
      #expect(a.decision == "allow" && a.confined && a.reason == "allowed" && a.detail == "rsync-sender", "\(a)")
      // rsync_bpc's own words: -s in the cluster, everything else on stdin.
      #expect(a.command?.hasPrefix("/usr/bin/rsync --server --sender -slHogDtpr") == true, "\(a.command ?? "")")
      #expect(a.secluded?.contains("--numeric-ids") == true && a.secluded?.last == src + "/", "\(a.secluded ?? [])")
      let argv = a.argv ?? []
      #expect(argv.count > 3 && argv[3].hasPrefix("-lHogDtpr") && argv.last == src + "/", "\(argv)")
    }
    try compare(out, hardLinks: true, tarIncremental: false)
  }

  @Test("BackupPC tar (default TarClientCmd, env LC_ALL=C /bin/tar ...): full + incremental restore identical")
  func tar() throws {
    let (lab, src, out) = try backup(
      xfer: "tar", rule: "allow tar-create exec=/usr/bin/tar roots=$LAB/data label=backuppc")
    defer { lab.close() }
    let records = try lab.audit()
    #expect(records.count == 2, "audit: \(records)")
    for a in records {
      #expect(a.decision == "allow" && a.confined && a.reason == "allowed" && a.detail == "tar-create", "\(a)")
      #expect(
        a.command?.hasPrefix("env LC_ALL=C /bin/tar -c -v -f - -C \(src) --totals ") == true, "\(a.command ?? "")")
      #expect(a.argv?.first == "/usr/bin/tar" && a.argv?.last == ".", "the policy's exec= runs: \(a)")
    }
    #expect(records.first?.command?.contains("--newer=") == false)
    #expect(records.last?.command?.contains("--newer=") == true, "the incremental sends --newer")
    try compare(out, hardLinks: true, tarIncremental: true)
  }

  /// A lab whose policy is `rule` and whose root key runs gatekeeper with
  /// `--label backuppc` (as in install/recipes/backuppc4.md), the standard
  /// tree in $LAB/data/src, and clients/backuppc.sh run against it; returns
  /// the lab, source and output dir.
  func backup(xfer: String, rule: String) throws -> (ClientLab, String, String) {
    let lab = try ClientLab("backuppc-\(xfer)", rules: [rule], users: ["root": ["--label", "backuppc"]])
    let src = lab.dir + "/data/src"
    let out = lab.dir + "/bpc"
    try ClientTree.make(src)
    let started = Date()
    let r = try Proc.run("/bin/bash", [ClientEnv.scripts + "/backuppc.sh", out, lab.ssh, src, xfer], timeout: 240)
    let logs = ["dump-0.log", "dump-1.log"].map { "== \($0)\n" + Files.read("\(out)/\($0)").suffix(2500) }
    #expect(r.ok, "backuppc.sh \(xfer): \(r)\n\(logs.joined(separator: "\n"))")
    #expect(Files.read(out + "/dump-0.log").contains("full backup complete"), "\(logs[0])")
    #expect(Files.read(out + "/dump-1.log").contains("incr backup complete"), "\(logs[1])")
    let took = String(format: "%.1f", Date().timeIntervalSince(started))
    let steps = Files.read(out + "/timings").trimmingCharacters(in: .newlines)
    print("BackupPC \(xfer): \(took)s (\(steps))")
    return (lab, src, out)
  }

  /// restore-N (BackupPC_tarCreate of backup N) must equal expect-N (the
  /// source when backup N ran). A tar incremental cannot see deletions
  /// (BackupPC documents this), so there removed.txt is still in backup 1.
  /// BackupPC_tarCreate restores directories with the time of the restore,
  /// so only file times are compared.
  func compare(_ out: String, hardLinks: Bool, tarIncremental: Bool) throws {
    try ClientTree.expectSame(
      out + "/expect-0", out + "/restore-0", times: .files, hardLinks: hardLinks, "full backup")
    var want = try Tree.snapshot(out + "/expect-1")
    if tarIncremental { want["removed.txt"] = try Tree.snapshot(out + "/expect-0")["removed.txt"] }
    let incr = Tree.copyDifferences(
      want, try Tree.snapshot(out + "/restore-1"), times: .files, hardLinks: hardLinks)
    #expect(incr.isEmpty, "incremental backup differs:\n\(incr.joined(separator: "\n"))")
    #expect(Files.read(out + "/restore-1/added.txt") == "added after the full backup\n")
  }
}
