// install/: build.sh (static binary), install.sh (into a --destdir, again,
// --uninstall, refusing a bad policy, --sudoers), deb.sh + dpkg, the man
// pages (mandoc lint, every reason code), the shipped policies, and the
// text `gatekeeper authorize` / `gatekeeper sudoers` print.

import Foundation
import Testing

private let binaryBuilt = Gatekeeper.isBuilt
private let slow = ProcessInfo.processInfo.environment["GATEKEEPER_SLOW"] == "1"

/// Runs `argv` (argv[0] absolute or found on PATH) from the package root
/// (or `cwd`), with the toolchain and sbin directories on PATH.
private func run(
  _ argv: [String], stdin: String? = nil, cwd: String? = nil, env: [String: String] = [:]
) throws -> Output {
  let path = "/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  return try Proc.run(
    argv[0].hasPrefix("/") ? argv[0] : (Proc.which(argv[0]) ?? argv[0]), Array(argv.dropFirst()),
    stdin: stdin.map { .text($0) } ?? .null,
    env: Proc.environment(adding: ["PATH": path].merging(env) { _, new in new }),
    cwd: cwd ?? Gatekeeper.packageRoot, timeout: 1200)
}

/// A fresh private directory, removed by the caller.
private func tempDir(_ tag: String) throws -> String {
  try Files.tempDirectory("gk-install-\(tag)", mode: 0o755)
}

@Suite(.enabled(if: binaryBuilt, "needs the gatekeeper binary (swift build, or set GATEKEEPER_BIN)"))
struct InstallScriptTests {
  func install(_ dest: String, _ extra: [String] = [], script: String = "install/install.sh") throws -> Output {
    try run(["/bin/bash", Gatekeeper.file(script), "--destdir", dest, "--binary", Gatekeeper.location] + extra)
  }

  @Test func installsIdempotentlyAndUninstalls() throws {
    let dest = try tempDir("destdir")
    defer { try? FileManager.default.removeItem(atPath: dest) }
    let first = try install(dest)
    #expect(first.status == 0, "\(first.output)")
    let d = dest
    let policies = try FileManager.default.contentsOfDirectory(atPath: Gatekeeper.file("policies"))
      .filter { $0.hasSuffix(".policy") }
    #expect(!policies.isEmpty)
    #expect(Files.stat("\(d)/usr/local/sbin/gatekeeper")?.mode == 0o755)
    #expect(Files.stat("\(d)/usr/local/share/man/man8/gatekeeper.8")?.mode == 0o644)
    #expect(Files.stat("\(d)/usr/local/share/man/man5/gatekeeper.policy.5")?.mode == 0o644)
    for p in policies { #expect(Files.stat("\(d)/etc/gatekeeper/\(p).example")?.mode == 0o644, "\(p)") }
    #expect(Files.stat("\(d)/etc/gatekeeper/gatekeeper.policy")?.mode == 0o644)
    #expect(Files.stat("\(d)/var/log/gatekeeper")?.mode == 0o750)
    #expect(
      FileManager.default.contents(atPath: "\(d)/etc/logrotate.d/gatekeeper")
        == FileManager.default.contents(atPath: Gatekeeper.file("install/logrotate/gatekeeper")))
    if isRoot {
      #expect(Files.stat("\(d)/usr/local/sbin/gatekeeper")?.uid == 0)
      #expect(Files.stat("\(d)/etc/gatekeeper/gatekeeper.policy")?.uid == 0)
    }
    #expect(
      FileManager.default.contents(atPath: "\(d)/etc/gatekeeper/gatekeeper.policy")
        == FileManager.default.contents(atPath: Gatekeeper.file("policies/rsync-pull.policy")))
    // The installed binary accepts the installed default policy.
    let check = try run([
      "\(d)/usr/local/sbin/gatekeeper", "check", "--policy", "\(d)/etc/gatekeeper/gatekeeper.policy",
    ])
    #expect(check.status == 0, "\(check.output)")

    // Idempotent: a second run leaves the same names, kinds, modes, owners and contents.
    let before = try Tree.snapshot(dest)
    let second = try install(dest)
    #expect(second.status == 0, "\(second.output)")
    let changed = Tree.copyDifferences(before, try Tree.snapshot(dest), times: .none)
    #expect(changed.isEmpty, "\(changed)")

    // An edited policy is never overwritten, and survives --uninstall.
    let edited = "allow rsync-sender roots=/srv\n"
    try edited.write(toFile: "\(d)/etc/gatekeeper/gatekeeper.policy", atomically: true, encoding: .utf8)
    let third = try install(dest)
    #expect(third.status == 0)
    #expect(third.output.contains("kept the existing"))
    #expect(try String(contentsOfFile: "\(d)/etc/gatekeeper/gatekeeper.policy", encoding: .utf8) == edited)

    let un = try install(dest, ["--uninstall"])
    #expect(un.status == 0, "\(un.output)")
    #expect(Files.stat("\(d)/usr/local/sbin/gatekeeper") == nil)
    #expect(Files.stat("\(d)/usr/local/share/man/man8/gatekeeper.8") == nil)
    for p in policies { #expect(Files.stat("\(d)/etc/gatekeeper/\(p).example") == nil) }
    #expect(try String(contentsOfFile: "\(d)/etc/gatekeeper/gatekeeper.policy", encoding: .utf8) == edited)
    #expect(Files.stat("\(d)/var/log/gatekeeper") != nil, "audit logs are kept")
    // Unedited: removed with the rest; uninstalling twice is fine.
    #expect(try install(dest).status == 0)
    try FileManager.default.removeItem(atPath: "\(d)/etc/gatekeeper/gatekeeper.policy")
    #expect(try install(dest).status == 0)
    #expect(try install(dest, ["--uninstall"]).status == 0)
    #expect(Files.stat("\(d)/etc/gatekeeper") == nil)
    #expect(Files.stat("\(d)/etc/logrotate.d/gatekeeper") == nil, "unedited: removed")
    #expect(try install(dest, ["--uninstall"]).status == 0)
  }

  @Test func refusesToInstallABadPolicy() throws {
    // A copy of the repository's install/ and policies/ plus one bad policy.
    let tree = try tempDir("tree")
    defer { try? FileManager.default.removeItem(atPath: tree) }
    let copy = try run(
      ["/bin/cp", "-rL", Gatekeeper.file("install"), Gatekeeper.file("policies"), tree])
    #expect(copy.status == 0, "\(copy.output)")
    try Files.write(tree + "/policies/zz-bad.policy", "allow rsync-sender roots=relative/path\n", mode: 0o644)
    let dest = tree + "/dest"
    let r = try run([
      "/bin/bash", tree + "/install/install.sh", "--destdir", dest, "--binary",
      Gatekeeper.location,
    ])
    #expect(r.status == 1)
    #expect(r.err.contains("refusing to install: gatekeeper check rejects policies/zz-bad.policy"), "\(r.output)")
    #expect(!Files.exists(dest), "nothing may be installed")

    // A policy whose examples do not hold is refused too.
    try FileManager.default.removeItem(atPath: tree + "/policies/zz-bad.policy")
    try Files.write(
      tree + "/policies/zz-wrong.policy",
      "allow rsync-sender roots=/etc\n# expect allow: rsync --server --sender -logDtpre.iLsfxCIvu . /root/\n",
      mode: 0o644)
    let r2 = try run([
      "/bin/bash", tree + "/install/install.sh", "--destdir", dest, "--binary",
      Gatekeeper.location,
    ])
    #expect(r2.status == 1)
    #expect(r2.err.contains("the examples in policies/zz-wrong.policy do not hold"), "\(r2.output)")
    #expect(!Files.exists(dest))
  }

  @Test(Needs.trait(Needs.missing(["sudo": "/usr/sbin/visudo"])))
  func installsTheSudoersSnippet() throws {
    let dest = try tempDir("sudoers")
    defer { try? FileManager.default.removeItem(atPath: dest) }
    let r = try install(dest, ["--sudoers", "backup"])
    #expect(r.status == 0, "\(r.output)")
    let file = "\(dest)/etc/sudoers.d/gatekeeper"
    #expect(Files.stat(file)?.mode == 0o440)
    let text = try String(contentsOfFile: file, encoding: .utf8)
    #expect(
      text.contains(
        "\nbackup ALL=(root) NOPASSWD: /usr/local/sbin/gatekeeper --policy /etc/gatekeeper/gatekeeper.policy -- *\n"))
    let visudo = try run(["visudo", "-cf", file])
    #expect(visudo.status == 0, "\(visudo.output)")
    let un = try install(dest, ["--uninstall"])
    #expect(un.status == 0)
    #expect(Files.stat(file) == nil)

    let bad = try install(dest, ["--sudoers", "root,ALL"])
    #expect(bad.status != 0)
    #expect(Files.stat("\(dest)/usr/local/sbin/gatekeeper") == nil, "nothing installed")
  }

  @Test(
    .enabled(if: isRoot, "dpkg -i needs root"),
    .enabled(if: Proc.which("dpkg-deb") != nil, "needs dpkg-deb (Debian/Ubuntu)"))
  func debianPackageInstallsChecksAndRemoves() throws {
    let installed = try run(["dpkg-query", "-W", "-f=${Status}", "gatekeeper"])
    try #require(
      !installed.out.contains("installed") || installed.out.contains("not-installed"),
      "a gatekeeper package is installed on this machine already; not touching it")
    let built = try run(["/bin/bash", Gatekeeper.file("install/deb.sh"), "--binary", Gatekeeper.location])
    #expect(built.status == 0, "\(built.output)")
    let name = built.out.split(separator: "\n").first { $0.hasPrefix("deb.sh: built ") }
      .map { String($0.dropFirst("deb.sh: built ".count).split(separator: " ")[0]) }
    let deb = try #require(name, "\(built.output)")
    let debPath = Gatekeeper.file(deb)
    defer { try? FileManager.default.removeItem(atPath: debPath) }

    let contents = try run(["dpkg-deb", "--contents", debPath])
    #expect(contents.out.contains("./usr/share/man/man8/gatekeeper.8.gz"))
    #expect(contents.out.contains("./usr/share/man/man5/gatekeeper.policy.5.gz"))
    for doc in ["copyright", "changelog.gz", "rsyslog/gatekeeper.conf", "README.md"] {
      #expect(contents.out.contains("./usr/share/doc/gatekeeper/\(doc)"), "\(doc)")
    }
    #expect(contents.out.contains("./usr/share/lintian/overrides/gatekeeper"))
    let conffiles = try run(["dpkg-deb", "--ctrl-tarfile", debPath])
    #expect(conffiles.status == 0)
    let info = try run(["/bin/bash", "-c", "dpkg-deb -I '\(debPath)' conffiles"])
    #expect(info.out.contains("/etc/gatekeeper/gatekeeper.policy\n"), "\(info.output)")
    #expect(info.out.contains("/etc/logrotate.d/gatekeeper\n"), "\(info.output)")

    let i = try run(["dpkg", "-i", debPath])
    #expect(i.status == 0, "\(i.output)")
    defer { _ = try? run(["dpkg", "-P", "gatekeeper"]) }
    let check = try run(["/usr/sbin/gatekeeper", "check", "--policy", "/etc/gatekeeper/gatekeeper.policy"])
    #expect(check.status == 0, "\(check.output)")
    #expect(Files.stat("/var/log/gatekeeper")?.mode == 0o750)
    #expect(Files.stat("/usr/sbin/gatekeeper")?.uid == 0)
    // authorize run from /usr/sbin names /usr/sbin/gatekeeper.
    let line = try run(["/usr/sbin/gatekeeper", "authorize"], stdin: InstallFixtures.key + "\n")
    #expect(line.out.hasPrefix("restrict,command=\"/usr/sbin/gatekeeper\" ssh-ed25519 "), "\(line.output)")

    let r = try run(["dpkg", "-r", "gatekeeper"])
    #expect(r.status == 0, "\(r.output)")
    #expect(Files.stat("/usr/sbin/gatekeeper") == nil)
    #expect(Files.stat("/etc/gatekeeper/gatekeeper.policy") != nil, "conffiles stay until purge")
    let p = try run(["dpkg", "-P", "gatekeeper"])
    #expect(p.status == 0, "\(p.output)")
    #expect(Files.stat("/etc/gatekeeper/gatekeeper.policy") == nil)
    #expect(Files.stat("/var/log/gatekeeper") == nil)
  }
}

@Suite(.enabled(if: slow, "builds a release binary (minutes): set GATEKEEPER_SLOW=1"))
struct InstallBuildTests {
  @Test func buildScriptMakesAStaticStrippedBinary() throws {
    let r = try run(["/bin/bash", Gatekeeper.file("install/build.sh")])
    #expect(r.status == 0, "\(r.output)")
    #expect(r.out.contains("ok: out/gatekeeper"))
    let file = try run(["file", "-b", Gatekeeper.file("out/gatekeeper")])
    #expect(file.out.contains("statically linked") || file.out.contains("static-pie linked"), "\(file.out)")
    #expect(file.out.contains("stripped") && !file.out.contains("not stripped"))
    let v = try run([Gatekeeper.file("out/gatekeeper"), "--version"])
    #expect(v.status == 0 && v.out.hasPrefix("gatekeeper "))
  }
}

struct InstallManPageTests {
  static let pages = ["install/man/gatekeeper.8", "install/man/gatekeeper.policy.5"]

  @Test(Needs.trait(Needs.missing(["mandoc": "/usr/bin/mandoc"])), arguments: pages)
  func mandocLintIsClean(page: String) throws {
    let r = try run(["mandoc", "-T", "lint", "-W", "warning", Gatekeeper.file(page)])
    #expect(r.status == 0 && r.output.isEmpty, "\(r.output)")
  }

  // The REASON CODES and EXIT STATUS sections are checked against the
  // core by GatekeeperCoreTests/ManPageTests.
}

@Suite(.enabled(if: binaryBuilt, "needs the gatekeeper binary (swift build, or set GATEKEEPER_BIN)"))
struct InstallPolicyTests {
  static let policies: [String] = {
    let dir = Gatekeeper.file("policies")
    return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".policy") }
      .sorted()
  }()

  @Test(arguments: policies)
  func shippedPolicyPassesCheck(name: String) throws {
    let path = Gatekeeper.file("policies/\(name)")
    let r = try run([Gatekeeper.location, "check", "--policy", path])
    #expect(r.status == 0, "\(r.output)")
    #expect(r.out.contains(": ok, "))
    let text = try String(contentsOfFile: path, encoding: .utf8)
    if text.contains("# expect ") {
      let ex = try run([Gatekeeper.location, "check", "--examples", "--policy", path])
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
  func gk(_ args: [String], stdin: String? = nil) throws -> Output {
    try run([Gatekeeper.location] + args, stdin: stdin)
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
    #expect(r.out == options + " " + InstallFixtures.key + "\n")
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
    #expect(r.out.isEmpty)
    #expect(r.err.contains(message), "\(r.err)")
  }

  @Test func sudoersSnippet() throws {
    let r = try gk(["sudoers", "--user", "backup"])
    #expect(r.status == 0)
    #expect(
      r.out.hasSuffix(
        """
        Defaults!/usr/local/sbin/gatekeeper env_reset, env_keep = "SSH_CONNECTION SSH_USER_AUTH", !env_check, !setenv, !requiretty
        backup ALL=(root) NOPASSWD: /usr/local/sbin/gatekeeper --policy /etc/gatekeeper/gatekeeper.policy -- *

        """))
    if Proc.which("visudo") != nil {
      let dir = try tempDir("visudo")
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let file = dir + "/gatekeeper"
      try Files.write(file, r.out, mode: 0o644)
      let v = try run(["visudo", "-cf", file])
      #expect(v.status == 0, "\(v.output)")
    }
  }
}
