// Deployment recipe 1, end to end: the backup key logs in as root, sshd has
// `PermitRootLogin forced-commands-only`, and authorized_keys holds the line
// `gatekeeper authorize --policy P --from 127.0.0.1` printed, byte for byte.
// A real rsync pull and a tar backup work; shells and writes are refused by
// gatekeeper; a key whose from= does not match, and a key without a forced
// command, are refused by sshd itself before gatekeeper runs.

import Foundation
import Testing

/// One sandbox: data, policy, three keys, their authorized_keys, an sshd.
final class RootRecipeLab {
  let dir: String
  let data: String
  let tree: String
  let scratch: String
  let policy: String
  let audit: String
  let gatekeeper: String
  /// Locked with `authorize --from 127.0.0.1`: the recipe's key.
  let key: String
  /// Locked with `authorize --from 192.0.2.1`: not this client's address.
  let elsewhereKey: String
  /// A plain line without command=: forced-commands-only refuses it for root.
  let plainKey: String
  /// The line `gatekeeper authorize` printed for `key`.
  let keyLine: String
  let sshd: SSHLab

  init() throws {
    gatekeeper = try Gatekeeper.path()
    dir = try Files.tempDirectory("gk-recipe-root")
    data = dir + "/data"
    tree = data + "/tree"
    scratch = data + "/scratch"
    policy = dir + "/etc/gatekeeper.policy"
    audit = dir + "/audit.jsonl"
    for d in [tree + "/sub", scratch, dir + "/etc"] { try Files.makeDirectory(d, mode: 0o755) }
    try Files.write(tree + "/a.txt", "alpha\n", mode: 0o644)
    try Files.write(tree + "/sub/b.txt", "beta\n", mode: 0o644)
    try Files.write(
      policy,
      """
      # recipe 1: read-only pulls of \(data)
      allow rsync-sender exec=/usr/bin/rsync roots=\(data)
      allow tar-create exec=/usr/bin/tar roots=\(data)
      log file=\(audit)
      log syslog=none

      """, mode: 0o644)

    key = dir + "/backup_key"
    elsewhereKey = dir + "/elsewhere_key"
    plainKey = dir + "/plain_key"
    let pub = try SSHLab.newKey(key, comment: "backup@server")
    let elsewherePub = try SSHLab.newKey(elsewhereKey, comment: "elsewhere@server")
    let plainPub = try SSHLab.newKey(plainKey, comment: "plain@server")
    keyLine = try RootRecipeLab.authorize(gatekeeper, policy: policy, from: "127.0.0.1", pub: pub)
    let elsewhereLine = try RootRecipeLab.authorize(gatekeeper, policy: policy, from: "192.0.2.1", pub: elsewherePub)
    let authorizedKeys = dir + "/authorized_keys"
    try Files.write(authorizedKeys, keyLine + elsewhereLine + plainPub, mode: 0o600)
    sshd = try SSHLab(dir: dir, authorizedKeysFile: authorizedKeys)
  }

  /// `gatekeeper authorize --policy P --from ADDR --gatekeeper BIN < pub`:
  /// its standard output, unchanged (one line with its newline).
  static func authorize(_ gatekeeper: String, policy: String, from: String, pub: String) throws -> String {
    let r = try Proc.run(
      gatekeeper, ["authorize", "--policy", policy, "--from", from, "--gatekeeper", gatekeeper], stdin: .text(pub))
    guard r.status == 0, r.err.isEmpty, r.out.hasSuffix("\n"), r.out.filter({ $0 == "\n" }).count == 1 else {
      throw HarnessError("gatekeeper authorize: \(r)")
    }
    return r.out
  }

  var records: [AuditRecord] { get throws { try AuditRecord.all(in: audit) } }

  func exists(_ path: String) -> Bool { Files.exists(path) }

  deinit {
    sshd.stop()
    Files.removeLab(dir)
  }
}

@Suite(
  "Recipe 1: root forced command",
  // root: sshd logs the key in as root
  Needs.trait(Needs.missing(root: true, Needs.sshd))
)
struct RootRecipeTests {
  @Test func theKeyLineIsRestrictedForcedAndPinned() throws {
    let lab = try RootRecipeLab()
    let prefix = "restrict,command=\"\(lab.gatekeeper) --policy \(lab.policy)\",from=\"127.0.0.1\" ssh-ed25519 "
    #expect(lab.keyLine.hasPrefix(prefix), "\(lab.keyLine)")
    #expect(lab.keyLine.hasSuffix(" backup@server\n"), "\(lab.keyLine)")
  }

  @Test func rsyncPullAndTarBackupWork() throws {
    let lab = try RootRecipeLab()
    let dest = lab.dir + "/pulled"
    let pull = try lab.sshd.rsync(key: lab.key, ["-a", "\(SSHLab.destination):\(lab.tree)/", dest + "/"])
    #expect(pull.status == 0, "rsync pull: \(pull)\nsshd: \(lab.sshd.log)")
    #expect(FileManager.default.contents(atPath: dest + "/a.txt") == Data("alpha\n".utf8))
    #expect(FileManager.default.contents(atPath: dest + "/sub/b.txt") == Data("beta\n".utf8))

    let backup = try lab.sshd.ssh(key: lab.key, "tar -c -f - -C \(lab.data) tree")
    #expect(backup.status == 0, "tar backup: \(backup)")
    let listing = try Proc.run("/usr/bin/tar", ["-t", "-f", "-"], stdin: .data(backup.stdout))
    #expect(listing.status == 0 && listing.out.contains("tree/sub/b.txt"), "\(listing)")
    let member = try Proc.run("/usr/bin/tar", ["-x", "-O", "-f", "-", "tree/a.txt"], stdin: .data(backup.stdout))
    #expect(member.out == "alpha\n", "\(member)")

    let records = try lab.records
    let decisions = records.map { "\($0.decision ?? "") \($0.detail ?? "")" }
    #expect(decisions == ["allow rsync-sender", "allow tar-create"], "\(records)")
  }

  @Test func shellsAreRefused() throws {
    let lab = try RootRecipeLab()
    // `ssh host` with no command: sshd still runs only the forced command.
    let probe = Data("echo SHELL-RAN-$((6*7))\nid\n".utf8)
    let login = try lab.sshd.ssh(key: lab.key, nil, stdin: .data(probe))
    #expect(login.status != 0 && login.status != 255, "interactive login: \(login)\nsshd: \(lab.sshd.log)")
    #expect(!login.out.contains("SHELL-RAN-42") && !login.out.contains("uid="), "\(login)")

    let shell = try lab.sshd.ssh(key: lab.key, "sh -c id")
    #expect(shell.status == 1, "sh -c id: \(shell)")
    #expect(!shell.out.contains("uid="), "\(shell)")
    #expect(shell.err.contains("gatekeeper: denied"), "\(shell)")

    let records = try lab.records
    #expect(records.count == 2 && records.allSatisfy { $0.decision == "deny" }, "\(records)")
  }

  @Test func writesAreRefused() throws {
    let lab = try RootRecipeLab()
    let src = lab.dir + "/src"
    try Files.makeDirectory(src)
    try Files.write(src + "/pushed.txt", "pushed\n", mode: 0o644)

    let push = try lab.sshd.rsync(
      key: lab.key, ["-a", src + "/pushed.txt", "\(SSHLab.destination):\(lab.scratch)/"])
    #expect(push.status != 0, "rsync push: \(push)")
    #expect(push.err.contains("gatekeeper: denied"), "\(push)")
    #expect(!lab.exists(lab.scratch + "/pushed.txt"))

    let archive = try Proc.must("/usr/bin/tar", ["-c", "-f", "-", "-C", src, "pushed.txt"]).stdout
    let extract = try lab.sshd.ssh(key: lab.key, "tar -x -f - -C \(lab.scratch)", stdin: .data(archive))
    #expect(extract.status == 1, "tar -x: \(extract)")
    #expect(extract.err.contains("gatekeeper: denied"), "\(extract)")
    #expect(!lab.exists(lab.scratch + "/pushed.txt"))

    let records = try lab.records
    #expect(records.count == 2 && records.allSatisfy { $0.decision == "deny" }, "\(records)")
  }

  @Test func sshdRefusesOtherAddressesAndUnforcedKeys() throws {
    let lab = try RootRecipeLab()
    let pull = "rsync --server --sender -logDtpre.iLsfxCIvu . \(lab.tree)/"
    // from="192.0.2.1": the key is right, the address is not.
    let elsewhere = try lab.sshd.ssh(key: lab.elsewhereKey, pull)
    #expect(elsewhere.status == 255, "from= mismatch: \(elsewhere)")
    #expect(elsewhere.err.contains("Permission denied"), "\(elsewhere)")
    // No command=: PermitRootLogin forced-commands-only refuses root. The
    // privileged monitor refuses it (OpenSSH 9.2 logs "ROOT LOGIN REFUSED",
    // then drops the connection: the client sees a broken pipe, not
    // "Permission denied").
    let plain = try lab.sshd.ssh(key: lab.plainKey, pull)
    #expect(plain.status == 255 && plain.stdout.isEmpty, "plain key: \(plain)")

    let records = try lab.records
    #expect(records.isEmpty, "gatekeeper ran: \(records)")
    let log = lab.sshd.log
    #expect(log.contains("not from a permitted host"), "sshd log:\n\(log)")
    #expect(log.contains("ROOT LOGIN REFUSED"), "sshd log:\n\(log)")
  }
}
