// install/: build.sh (static binary), install.sh (into a --destdir, again,
// --uninstall, refusing a bad policy, --sudoers), deb.sh + dpkg, the man
// pages (mandoc lint, every reason code), the shipped policies, and the
// text `gatekeeper authorize` / `gatekeeper sudoers` print.

import Foundation
import Testing

private let binaryBuilt = FileManager.default.isExecutableFile(atPath: InstallPaths.binary)
private let slow = ProcessInfo.processInfo.environment["GATEKEEPER_SLOW"] == "1"

@Suite(.enabled(if: binaryBuilt, "needs the gatekeeper binary (swift build, or set GATEKEEPER_BIN)"))
struct InstallScriptTests {
  /// Every regular file under `dir` with its mode and contents, for comparing states.
  func snapshot(_ dir: URL) throws -> [String: String] {
    var out: [String: String] = [:]
    let fm = FileManager.default
    guard let e = fm.enumerator(atPath: dir.path) else { return out }
    for case let rel as String in e {
      let p = dir.appendingPathComponent(rel).path
      let mode = installStat(p).map { String($0.mode, radix: 8) } ?? "?"
      var isDir: ObjCBool = false
      _ = fm.fileExists(atPath: p, isDirectory: &isDir)
      out[rel] = isDir.boolValue ? "dir \(mode)" : "file \(mode) \(fm.contents(atPath: p)?.count ?? -1)"
    }
    return out
  }

  func install(_ dest: URL, _ extra: [String] = [], script: String = "install/install.sh") throws -> InstallProc {
    try InstallProc.run(
      ["/bin/bash", InstallPaths.path(script), "--destdir", dest.path, "--binary", InstallPaths.binary] + extra)
  }

  @Test func installsIdempotentlyAndUninstalls() throws {
    let dest = try InstallPaths.tempDir("destdir")
    defer { InstallPaths.cleanup(dest) }
    let first = try install(dest)
    #expect(first.status == 0, "\(first.output)")
    let d = dest.path
    let policies = try FileManager.default.contentsOfDirectory(atPath: InstallPaths.path("policies"))
      .filter { $0.hasSuffix(".policy") }
    #expect(!policies.isEmpty)
    #expect(installStat("\(d)/usr/local/sbin/gatekeeper")?.mode == 0o755)
    #expect(installStat("\(d)/usr/local/share/man/man8/gatekeeper.8")?.mode == 0o644)
    #expect(installStat("\(d)/usr/local/share/man/man5/gatekeeper.policy.5")?.mode == 0o644)
    for p in policies { #expect(installStat("\(d)/etc/gatekeeper/\(p).example")?.mode == 0o644, "\(p)") }
    #expect(installStat("\(d)/etc/gatekeeper/gatekeeper.policy")?.mode == 0o644)
    #expect(installStat("\(d)/var/log/gatekeeper")?.mode == 0o750)
    if InstallPaths.isRoot {
      #expect(installStat("\(d)/usr/local/sbin/gatekeeper")?.uid == 0)
      #expect(installStat("\(d)/etc/gatekeeper/gatekeeper.policy")?.uid == 0)
    }
    #expect(
      FileManager.default.contents(atPath: "\(d)/etc/gatekeeper/gatekeeper.policy")
        == FileManager.default.contents(atPath: InstallPaths.path("policies/rsync-pull.policy")))
    // The installed binary accepts the installed default policy.
    let check = try InstallProc.run([
      "\(d)/usr/local/sbin/gatekeeper", "check", "--policy", "\(d)/etc/gatekeeper/gatekeeper.policy",
    ])
    #expect(check.status == 0, "\(check.output)")

    // Idempotent: a second run leaves the same tree.
    let before = try snapshot(dest)
    let second = try install(dest)
    #expect(second.status == 0, "\(second.output)")
    #expect(try snapshot(dest) == before)

    // An edited policy is never overwritten, and survives --uninstall.
    let edited = "allow rsync-sender roots=/srv\n"
    try edited.write(toFile: "\(d)/etc/gatekeeper/gatekeeper.policy", atomically: true, encoding: .utf8)
    let third = try install(dest)
    #expect(third.status == 0)
    #expect(third.output.contains("kept the existing"))
    #expect(try String(contentsOfFile: "\(d)/etc/gatekeeper/gatekeeper.policy", encoding: .utf8) == edited)

    let un = try install(dest, ["--uninstall"])
    #expect(un.status == 0, "\(un.output)")
    #expect(installStat("\(d)/usr/local/sbin/gatekeeper") == nil)
    #expect(installStat("\(d)/usr/local/share/man/man8/gatekeeper.8") == nil)
    for p in policies { #expect(installStat("\(d)/etc/gatekeeper/\(p).example") == nil) }
    #expect(try String(contentsOfFile: "\(d)/etc/gatekeeper/gatekeeper.policy", encoding: .utf8) == edited)
    #expect(installStat("\(d)/var/log/gatekeeper") != nil, "audit logs are kept")
    // Unedited: removed with the rest; uninstalling twice is fine.
    #expect(try install(dest).status == 0)
    try FileManager.default.removeItem(atPath: "\(d)/etc/gatekeeper/gatekeeper.policy")
    #expect(try install(dest).status == 0)
    #expect(try install(dest, ["--uninstall"]).status == 0)
    #expect(installStat("\(d)/etc/gatekeeper") == nil)
    #expect(try install(dest, ["--uninstall"]).status == 0)
  }

  @Test func refusesToInstallABadPolicy() throws {
    // A copy of the repository's install/ and policies/ plus one bad policy.
    let tree = try InstallPaths.tempDir("tree")
    defer { InstallPaths.cleanup(tree) }
    let copy = try InstallProc.run(
      ["/bin/cp", "-rL", InstallPaths.path("install"), InstallPaths.path("policies"), tree.path])
    #expect(copy.status == 0, "\(copy.output)")
    try "allow rsync-sender roots=relative/path\n".write(
      to: tree.appendingPathComponent("policies/zz-bad.policy"), atomically: true, encoding: .utf8)
    let dest = tree.appendingPathComponent("dest")
    let r = try InstallProc.run([
      "/bin/bash", tree.appendingPathComponent("install/install.sh").path, "--destdir", dest.path, "--binary",
      InstallPaths.binary,
    ])
    #expect(r.status == 1)
    #expect(r.stderr.contains("refusing to install: gatekeeper check rejects policies/zz-bad.policy"), "\(r.output)")
    #expect(!FileManager.default.fileExists(atPath: dest.path), "nothing may be installed")

    // A policy whose examples do not hold is refused too.
    try FileManager.default.removeItem(at: tree.appendingPathComponent("policies/zz-bad.policy"))
    try "allow rsync-sender roots=/etc\n# expect allow: rsync --server --sender -logDtpre.iLsfxCIvu . /root/\n".write(
      to: tree.appendingPathComponent("policies/zz-wrong.policy"), atomically: true, encoding: .utf8)
    let r2 = try InstallProc.run([
      "/bin/bash", tree.appendingPathComponent("install/install.sh").path, "--destdir", dest.path, "--binary",
      InstallPaths.binary,
    ])
    #expect(r2.status == 1)
    #expect(r2.stderr.contains("the examples in policies/zz-wrong.policy do not hold"), "\(r2.output)")
    #expect(!FileManager.default.fileExists(atPath: dest.path))
  }

  @Test(.enabled(if: InstallPaths.which("visudo") != nil, "needs visudo (apt-get install sudo)"))
  func installsTheSudoersSnippet() throws {
    let dest = try InstallPaths.tempDir("sudoers")
    defer { InstallPaths.cleanup(dest) }
    let r = try install(dest, ["--sudoers", "backup"])
    #expect(r.status == 0, "\(r.output)")
    let file = "\(dest.path)/etc/sudoers.d/gatekeeper"
    #expect(installStat(file)?.mode == 0o440)
    let text = try String(contentsOfFile: file, encoding: .utf8)
    #expect(text.contains("\nbackup ALL=(root) NOPASSWD: /usr/local/sbin/gatekeeper\n"))
    let visudo = try InstallProc.run(["visudo", "-cf", file])
    #expect(visudo.status == 0, "\(visudo.output)")
    let un = try install(dest, ["--uninstall"])
    #expect(un.status == 0)
    #expect(installStat(file) == nil)

    let bad = try install(dest, ["--sudoers", "root,ALL"])
    #expect(bad.status != 0)
    #expect(installStat("\(dest.path)/usr/local/sbin/gatekeeper") == nil, "nothing installed")
  }

  @Test(
    .enabled(if: InstallPaths.isRoot, "dpkg -i needs root"),
    .enabled(if: InstallPaths.which("dpkg-deb") != nil, "needs dpkg-deb (Debian/Ubuntu)"))
  func debianPackageInstallsChecksAndRemoves() throws {
    let installed = try InstallProc.run(["dpkg-query", "-W", "-f=${Status}", "gatekeeper"])
    try #require(
      !installed.stdout.contains("installed") || installed.stdout.contains("not-installed"),
      "a gatekeeper package is installed on this machine already; not touching it")
    let built = try InstallProc.run(["/bin/bash", InstallPaths.path("install/deb.sh"), "--binary", InstallPaths.binary])
    #expect(built.status == 0, "\(built.output)")
    let name = built.stdout.split(separator: "\n").first { $0.hasPrefix("deb.sh: built ") }
      .map { String($0.dropFirst("deb.sh: built ".count).split(separator: " ")[0]) }
    let deb = try #require(name, "\(built.output)")
    let debPath = InstallPaths.path(deb)
    defer { try? FileManager.default.removeItem(atPath: debPath) }

    let contents = try InstallProc.run(["dpkg-deb", "--contents", debPath])
    #expect(contents.stdout.contains("./usr/share/man/man8/gatekeeper.8.gz"))
    #expect(contents.stdout.contains("./usr/share/man/man5/gatekeeper.policy.5.gz"))
    let conffiles = try InstallProc.run(["dpkg-deb", "--ctrl-tarfile", debPath])
    #expect(conffiles.status == 0)
    let info = try InstallProc.sh("dpkg-deb -I '\(debPath)' conffiles")
    #expect(info.stdout.contains("/etc/gatekeeper/gatekeeper.policy\n"), "\(info.output)")

    let i = try InstallProc.run(["dpkg", "-i", debPath])
    #expect(i.status == 0, "\(i.output)")
    defer { _ = try? InstallProc.run(["dpkg", "-P", "gatekeeper"]) }
    let check = try InstallProc.run(["/usr/sbin/gatekeeper", "check", "--policy", "/etc/gatekeeper/gatekeeper.policy"])
    #expect(check.status == 0, "\(check.output)")
    #expect(installStat("/var/log/gatekeeper")?.mode == 0o750)
    #expect(installStat("/usr/sbin/gatekeeper")?.uid == 0)
    // authorize run from /usr/sbin names /usr/sbin/gatekeeper.
    let line = try InstallProc.run(["/usr/sbin/gatekeeper", "authorize"], stdin: InstallFixtures.key + "\n")
    #expect(line.stdout.hasPrefix("restrict,command=\"/usr/sbin/gatekeeper\" ssh-ed25519 "), "\(line.output)")

    let r = try InstallProc.run(["dpkg", "-r", "gatekeeper"])
    #expect(r.status == 0, "\(r.output)")
    #expect(installStat("/usr/sbin/gatekeeper") == nil)
    #expect(installStat("/etc/gatekeeper/gatekeeper.policy") != nil, "conffiles stay until purge")
    let p = try InstallProc.run(["dpkg", "-P", "gatekeeper"])
    #expect(p.status == 0, "\(p.output)")
    #expect(installStat("/etc/gatekeeper/gatekeeper.policy") == nil)
    #expect(installStat("/var/log/gatekeeper") == nil)
  }
}

@Suite(.enabled(if: slow, "builds a release binary (minutes): set GATEKEEPER_SLOW=1"))
struct InstallBuildTests {
  @Test func buildScriptMakesAStaticStrippedBinary() throws {
    let r = try InstallProc.run(["/bin/bash", InstallPaths.path("install/build.sh")])
    #expect(r.status == 0, "\(r.output)")
    #expect(r.stdout.contains("ok: out/gatekeeper"))
    let file = try InstallProc.run(["file", "-b", InstallPaths.path("out/gatekeeper")])
    #expect(file.stdout.contains("statically linked") || file.stdout.contains("static-pie linked"), "\(file.stdout)")
    #expect(file.stdout.contains("stripped") && !file.stdout.contains("not stripped"))
    let v = try InstallProc.run([InstallPaths.path("out/gatekeeper"), "--version"])
    #expect(v.status == 0 && v.stdout.hasPrefix("gatekeeper "))
  }
}

struct InstallManPageTests {
  static let pages = ["install/man/gatekeeper.8", "install/man/gatekeeper.policy.5"]

  @Test(.enabled(if: InstallPaths.which("mandoc") != nil, "needs mandoc (apt-get install mandoc)"), arguments: pages)
  func mandocLintIsClean(page: String) throws {
    let r = try InstallProc.run(["mandoc", "-T", "lint", "-W", "warning", InstallPaths.path(page)])
    #expect(r.status == 0 && r.output.isEmpty, "\(r.output)")
  }

  @Test func everyReasonCodeIsDocumented() throws {
    let codes = try InstallProc.run(["/bin/bash", InstallPaths.path("install/man/reasons.sh"), "--codes"])
    #expect(codes.status == 0, "\(codes.output)")
    let list = codes.stdout.split(separator: "\n").map(String.init)
    #expect(list.count > 50, "reasons.sh found only \(list.count) codes")
    #expect(Set(list).count == list.count, "duplicate reason codes")
    let page = try String(contentsOfFile: InstallPaths.path("install/man/gatekeeper.8"), encoding: .utf8)
    let documented = Set(page.split(separator: "\n").filter { $0.hasPrefix(".It Cm ") }.map { String($0.dropFirst(7)) })
    for code in list { #expect(documented.contains(code), "gatekeeper.8 does not list \(code)") }
    // ...with the current messages: the generated section is up to date.
    let check = try InstallProc.run(["/bin/bash", InstallPaths.path("install/man/reasons.sh"), "--check"])
    #expect(check.status == 0, "\(check.output)")
  }
}

@Suite(.enabled(if: binaryBuilt, "needs the gatekeeper binary (swift build, or set GATEKEEPER_BIN)"))
struct InstallPolicyTests {
  static let policies: [String] = {
    let dir = InstallPaths.path("policies")
    return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".policy") }
      .sorted()
  }()

  @Test(arguments: policies)
  func shippedPolicyPassesCheck(name: String) throws {
    let path = InstallPaths.path("policies/\(name)")
    let r = try InstallProc.run([InstallPaths.binary, "check", "--policy", path])
    #expect(r.status == 0, "\(r.output)")
    #expect(r.stdout.contains(": ok, "))
    let text = try String(contentsOfFile: path, encoding: .utf8)
    if text.contains("# expect ") {
      let ex = try InstallProc.run([InstallPaths.binary, "check", "--examples", "--policy", path])
      #expect(ex.status == 0, "\(ex.output)")
    }
  }

  @Test func theDefaultPolicyShips() {
    #expect(Self.policies.contains("rsync-pull.policy"))
  }
}

enum InstallFixtures {
  static let blob = "AAAAC3NzaC1lZDI1NTE5AAAAIM61L5f0Vbl0U4dVFx+qeaYaszECd7KVbtCMna2VrqAB"
  static let key = "ssh-ed25519 \(blob) backup@server"
}

@Suite(.enabled(if: binaryBuilt, "needs the gatekeeper binary (swift build, or set GATEKEEPER_BIN)"))
struct InstallAuthorizeTests {
  func gk(_ args: [String], stdin: String? = nil) throws -> InstallProc {
    try InstallProc.run([InstallPaths.binary] + args, stdin: stdin)
  }

  @Test(arguments: [
    ([], #"restrict,command="/usr/local/sbin/gatekeeper""#),
    (
      ["--policy", "/etc/gatekeeper/backuppc-rsync.policy", "--label", "backuppc", "--from", "192.0.2.10"],
      #"restrict,command="/usr/local/sbin/gatekeeper --policy /etc/gatekeeper/backuppc-rsync.policy --label backuppc",from="192.0.2.10""#
    ),
    (
      ["--sudo", "--gatekeeper=/usr/sbin/gatekeeper", "--from=192.0.2.0/24,2001:db8::/32"],
      #"restrict,command="/usr/sbin/gatekeeper --sudo",from="192.0.2.0/24,2001:db8::/32""#
    ),
  ])
  func authorizePrintsTheKeyLine(args: [String], options: String) throws {
    let r = try gk(["authorize"] + args, stdin: InstallFixtures.key + "\n")
    #expect(r.status == 0, "\(r.output)")
    #expect(r.stdout == options + " " + InstallFixtures.key + "\n")
  }

  @Test(arguments: [
    (["authorize"], "restrict " + InstallFixtures.key, Int32(1), "the key line already carries options"),
    (["authorize"], "", 1, "no public key on standard input"),
    (["authorize"], "ssh-rsa \(InstallFixtures.blob)", 1, "the key data says 'ssh-ed25519', not 'ssh-rsa'"),
    (["authorize"], "ssh-ed25519 AAAA!!", 1, "the key data is not valid base64"),
    (["authorize", "--from", "backup.example.org"], InstallFixtures.key, 64, "is not an IP address or CIDR network"),
    (["authorize", "--policy", "/etc/a\"b"], InstallFixtures.key, 64, "contains a quote"),
    (["authorize", "--label", "a b"], InstallFixtures.key, 64, "--label must be"),
    (["authorize", "--bogus"], InstallFixtures.key, 64, "unknown argument '--bogus'"),
    (["sudoers"], "", 64, "sudoers needs --user NAME"),
    (["sudoers", "--user", "root,ALL"], "", 64, "--user must be a user name"),
    (["sudoers", "--user", "backup", "--gatekeeper", "/usr/bin/rsync *"], "", 64, "--gatekeeper must be"),
  ])
  func refusals(args: [String], stdin: String, status: Int32, message: String) throws {
    let r = try gk(args, stdin: stdin)
    #expect(r.status == status, "\(r.output)")
    #expect(r.stdout.isEmpty)
    #expect(r.stderr.contains(message), "\(r.stderr)")
  }

  @Test func sudoersSnippet() throws {
    let r = try gk(["sudoers", "--user", "backup"])
    #expect(r.status == 0)
    #expect(
      r.stdout.hasSuffix(
        """
        Defaults!/usr/local/sbin/gatekeeper env_reset, env_keep = "SSH_CONNECTION SSH_USER_AUTH", !env_check, !setenv, !requiretty
        backup ALL=(root) NOPASSWD: /usr/local/sbin/gatekeeper

        """))
    if InstallPaths.which("visudo") != nil {
      let dir = try InstallPaths.tempDir("visudo")
      defer { InstallPaths.cleanup(dir) }
      let file = dir.appendingPathComponent("gatekeeper")
      try r.stdout.write(to: file, atomically: true, encoding: .utf8)
      let v = try InstallProc.run(["visudo", "-cf", file.path])
      #expect(v.status == 0, "\(v.output)")
    }
  }
}
