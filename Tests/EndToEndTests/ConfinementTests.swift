// The kernel layer on its own: a policy whose exec= program is a probe
// (clients/landlock-probe.c, built here) that tries what a wrong option-table
// row could make the real tool do: write, create, truncate, remove, rename,
// read outside the roots, run another program (directly and through sh -c),
// connect and bind TCP. Under `confine landlock=required` every attempt must
// fail; under `confine landlock=off` the same probe must succeed, so these
// tests can fail. Then the real tools: symlinks inside a root that lead out
// of it are stopped by the kernel, and the records say what was applied.

import Foundation
import Glibc
import Testing

/// A scratch tree: `root` (the policy's only root) with the probe's files,
/// `outside/secret` beside it, a TCP listener whose port is in `root/port`.
final class ConfineLab {
  let dir: String
  var root: String { dir + "/root" }
  var outside: String { dir + "/outside" }
  var policy: String { dir + "/test.policy" }
  var audit: String { dir + "/audit.jsonl" }
  private var listener: Int32 = -1

  /// The C helpers, built once per test run into one directory.
  static let built: Result<String, HarnessError> = {
    do {
      let out = try Files.tempDirectory("gk-confine-bin", mode: 0o755)
      for name in ["landlock-probe", "no-landlock"] {
        let r = try Proc.run(
          "/usr/bin/cc", ["-O1", "-o", "\(out)/\(name)", Gatekeeper.file("Tests/EndToEndTests/clients/\(name).c")])
        guard r.ok else { throw HarnessError("cc \(name).c failed: \(r.output)") }
      }
      return .success(out)
    } catch let e as HarnessError { return .failure(e) } catch { return .failure(HarnessError("\(error)")) }
  }()

  static func helper(_ name: String) throws -> String { try built.get() + "/" + name }

  init() throws {
    dir = try Files.tempDirectory("gk-confine", mode: 0o755)
    try Files.makeDirectory(root, mode: 0o755)
    try Files.makeDirectory(outside, mode: 0o755)
    try Files.write(outside + "/secret", "outside the roots\n", mode: 0o644)
    for f in ["f-read", "f-write", "f-trunc", "f-unlink", "f-rename"] {
      try Files.write(root + "/" + f, "inside\n", mode: 0o644)
    }
    try Files.write(root + "/ordinary.txt", "an ordinary file\n", mode: 0o644)
    try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: outside)
    try listen()
  }

  deinit {
    if listener >= 0 { close(listener) }
    try? FileManager.default.removeItem(atPath: dir)
  }

  /// A TCP listener on 127.0.0.1 (the probe's connect target).
  private func listen() throws {
    listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
      p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(listener, $0, len) == 0 && Glibc.listen(listener, 16) == 0 && getsockname(listener, $0, &len) == 0
      }
    }
    guard ok else { throw HarnessError("cannot listen on 127.0.0.1") }
    try Files.write(root + "/port", "\(UInt16(bigEndian: addr.sin_port))\n", mode: 0o644)
  }

  func writePolicy(_ rules: String, confine: String) throws {
    try Files.write(policy, rules + "\n\(confine)\nlog file=\(audit)\nlog syslog=none\n", mode: 0o600)
  }

  /// A remote shell for a real rsync client (`rsync -e SHELL x:PATH ...`)
  /// that runs gatekeeper as the forced command, as sshd would.
  func remoteShell() throws -> String {
    let ssh = dir + "/fake-ssh"
    try Files.write(
      ssh,
      """
      #!/bin/sh
      shift
      SSH_ORIGINAL_COMMAND="$*" SSH_CONNECTION="192.0.2.7 40000 192.0.2.1 22" exec \(try Gatekeeper.path()) --policy \(policy)

      """, mode: 0o755)
    return ssh
  }

  /// The last audit record.
  func lastRecord() throws -> [String: Any] {
    try #require(try AuditRecord.all(in: audit).last).object
  }
}

@Suite(.serialized, Needs.trait(Needs.missing(["gcc": "/usr/bin/cc"])))
struct ConfinementTests {
  static let attempts = [
    "read-outside", "read-via-link", "create", "create-outside", "write", "truncate", "unlink", "rename", "mkdir",
    "symlink",
    "mkfifo", "exec", "exec-sh", "connect", "bind",
  ]

  /// The probe's report: attempt -> "ok" or the error text.
  static func results(_ out: String) -> [String: String] {
    var r: [String: String] = [:]
    for line in out.split(separator: "\n") {
      let parts = line.split(separator: " ", maxSplits: 1)
      if parts.count == 2 { r[String(parts[0])] = String(parts[1]) }
    }
    return r
  }

  /// Runs the probe as the tool of an rsync-sender or tar-create rule.
  static func probe(_ lab: ConfineLab, tar: Bool, confine: String) throws -> (Output, [String: String]) {
    let probe = try ConfineLab.helper("landlock-probe")
    let profile = tar ? "tar-create" : "rsync-sender"
    try lab.writePolicy("allow \(profile) exec=\(probe) roots=\(lab.root)", confine: confine)
    let command =
      tar ? "tar -c -f - -C \(lab.root) ." : "rsync --server --sender -logDtpre.iLsfxCIvu . \(lab.root)/"
    let r = try Gatekeeper.forced(policy: lab.policy, command: Array(command.utf8))
    return (r, results(r.out))
  }

  @Test(arguments: [false, true])
  func requiredStopsEveryAttempt(tar: Bool) throws {
    let lab = try ConfineLab()
    let (r, results) = try Self.probe(lab, tar: tar, confine: "confine landlock=required")
    #expect(r.status == 0, "\(r)")
    #expect(results["read-inside"] == "ok", "\(r.out)")
    for name in Self.attempts {
      let got = try #require(results[name], "\(name) missing from: \(r.out)")
      #expect(got != "ok", "\(tar ? "tar" : "rsync") rule: \(name) succeeded under Landlock")
    }
    // nothing was made, changed or removed
    for f in ["new", "newdir", "newlink", "fifo", "renamed"] { #expect(!Files.exists(lab.root + "/" + f), "\(f)") }
    #expect(!Files.exists(lab.outside + "/new"))
    #expect(Files.read(lab.root + "/f-trunc") == "inside\n" && Files.exists(lab.root + "/f-unlink"))
    let rec = try lab.lastRecord()
    #expect(rec["decision"] as? String == "allow")
    #expect((rec["confine"] as? String)?.hasPrefix("landlock-") == true, "\(rec)")
  }

  /// The same probe, unconfined: every attempt works, so the test above
  /// would notice a ruleset that stopped nothing.
  @Test(arguments: [false, true])
  func offLetsTheSameProbeDoEverything(tar: Bool) throws {
    let lab = try ConfineLab()
    let (r, results) = try Self.probe(lab, tar: tar, confine: "confine landlock=off")
    #expect(r.status == 0, "\(r)")
    for name in ["read-inside"] + Self.attempts {
      #expect(results[name] == "ok", "\(name): \(results[name] ?? "missing") in \(r.out)")
    }
    #expect(try lab.lastRecord()["confine"] as? String == "none (policy: confine landlock=off)")
  }

  /// Without Landlock in the kernel (a seccomp filter makes its system calls
  /// fail): `auto` runs unconfined and says so; `required` refuses with
  /// confine-unavailable, exit 69, and records why.
  @Test(arguments: [("38", "kernel has no landlock"), ("95", "landlock is disabled in this kernel")])
  func withoutLandlock(_ errno: String, _ why: String) throws {
    let lab = try ConfineLab()
    let wrapper = [try ConfineLab.helper("no-landlock"), "-e", errno]
    let command = Array("tar -c -f - -C \(lab.root) ordinary.txt".utf8)
    try lab.writePolicy("allow tar-create roots=\(lab.root)", confine: "confine landlock=auto")
    let auto = try Gatekeeper.forced(policy: lab.policy, command: command, wrapper: wrapper)
    #expect(auto.status == 0 && auto.stdout.count > 512, "\(auto.err)")
    #expect(try lab.lastRecord()["confine"] as? String == "none (\(why))")

    try lab.writePolicy("allow tar-create roots=\(lab.root)", confine: "confine landlock=required")
    let req = try Gatekeeper.forced(policy: lab.policy, command: command, wrapper: wrapper)
    #expect(req.status == 69 && req.stdout.isEmpty, "\(req)")
    #expect(
      req.err
        == "gatekeeper: kernel confinement (Landlock) could not be applied: \(why); the policy says confine landlock=required\n"
    )
    let rec = try lab.lastRecord()
    #expect(rec["decision"] as? String == "error" && rec["reason"] as? String == "confine-unavailable", "\(rec)")
    #expect((rec["argv"] as? [Any])?.isEmpty == true)
    // check runs the same path and says deny
    let check = try Proc.run(
      wrapper[0],
      Array(wrapper[1...]) + [
        try Gatekeeper.path(), "check", "--policy", lab.policy, String(decoding: command, as: UTF8.self),
      ])
    #expect(check.status == 1 && check.out.hasPrefix("deny confine-unavailable: "), "\(check)")
  }

  /// `check` prints the ruleset a real call would get.
  @Test func checkPrintsTheRuleset() throws {
    let lab = try ConfineLab()
    try lab.writePolicy("allow tar-create roots=\(lab.root)", confine: "")
    let r = try Gatekeeper.run(["check", "--policy", lab.policy, "tar -czf - -C \(lab.root) ."])
    #expect(r.status == 0, "\(r)")
    let lines = r.out.split(separator: "\n").map(String.init)
    #expect(
      lines.count > 4 && lines[2].hasPrefix("confine landlock-") && lines[2].hasSuffix("(confine landlock=auto)"),
      "\(r.out)")
    #expect(lines.contains("  read       \(lab.root) (root)"), "\(r.out)")
    #expect(
      lines.contains { $0.hasPrefix("  read+exec  /usr/bin/tar ") || $0 == "  read+exec  /usr/bin/tar (program)" })
    #expect(
      lines.contains { $0.hasPrefix("  read+exec  ") && $0.contains("/usr/bin/gzip") && $0.hasSuffix("(compressor)") })
    #expect(lines.last?.hasPrefix("  denied     everything else: writing") == true)
    #expect(!r.out.contains(" /etc (") && !r.out.contains("/etc/shadow"))
  }
}

/// The real tools and symbolic links inside a root that lead out of it.
/// Layer 2 (PathResolver) refuses what the command line names through such
/// a link; what it cannot see (an rsync --files-from list arrives inside the
/// protocol) meets layer 1, the kernel, with nothing read. Under `off` the
/// same list reads the file, so the test can fail.
@Suite(.serialized, Needs.trait(Needs.missing(Needs.rsync)))
struct SymlinkEscapeTests {
  static func check(_ lab: ConfineLab, _ command: String) throws -> Output {
    try Gatekeeper.run(["check", "--policy", lab.policy, command])
  }

  @Test(arguments: [
    "rsync --server --sender -logDtpre.iLsfxCIvu . ROOT/link/",
    "rsync --server --sender -logDtpre.iLsfxCIvu . ROOT/link/.",
    "rsync --server --sender -logDtpre.iLsfxCIvu . ROOT/link/secret",
    "rsync --server --sender -logDtpRe.iLsfxCIvu . ROOT/./link/secret",
    "rsync --server --sender -logDtpre.LsfxCIvu --files-from=- --from0 . ROOT/link",
    "tar -c -f - -C ROOT/link .",
    "tar -c -f - -C ROOT link/secret",
    "tar -c -f - -C ROOT link/",
    "tar -c -f - ROOT/link/secret",
  ])
  func refusedByTheResolver(_ template: String) throws {
    let lab = try ConfineLab()
    try lab.writePolicy(
      "allow rsync-sender roots=\(lab.root)\nallow tar-create roots=\(lab.root)", confine: "confine landlock=required")
    let command = template.replacingOccurrences(of: "ROOT", with: lab.root)
    let r = try Gatekeeper.forced(policy: lab.policy, command: Array(command.utf8))
    #expect(r.status == 1 && r.stdout.isEmpty, "\(r)")
    #expect(r.err.hasPrefix("gatekeeper: denied (path-escapes-roots): "), "\(r.err)")
    let rec = try lab.lastRecord()
    #expect(rec["reason"] as? String == "path-escapes-roots")
    #expect((rec["detail"] as? String)?.contains("\(lab.root)/link -> \(lab.outside)") == true, "\(rec)")
    // check says the same, naming the link
    let c = try Self.check(lab, command)
    #expect(c.status == 1 && c.out.hasPrefix("deny path-escapes-roots: "), "\(c)")
    #expect(c.out.contains("detail: ") && c.out.contains("(resolves to \(lab.outside)"), "\(c.out)")
  }

  /// Not escapes: a final link the tool archives as a link, a link that
  /// stays inside the roots (check names it), a path that does not exist.
  @Test(arguments: [
    ("rsync --server --sender -logDtpre.iLsfxCIvu . ROOT/link", false),
    ("tar -c -f - -C ROOT link", false),
    ("rsync --server --sender -logDtpre.iLsfxCIvu . ROOT/inside/", true),
    ("tar -c -f - -C ROOT/inside .", true),
    ("rsync --server --sender -logDtpre.iLsfxCIvu . ROOT/missing/deeper/", false),
  ])
  func allowed(_ template: String, _ followsALink: Bool) throws {
    let lab = try ConfineLab()
    try FileManager.default.createSymbolicLink(atPath: lab.root + "/inside", withDestinationPath: "f-read/../.")
    try lab.writePolicy(
      "allow rsync-sender roots=\(lab.root)\nallow tar-create roots=\(lab.root)", confine: "confine landlock=required")
    let c = try Self.check(lab, template.replacingOccurrences(of: "ROOT", with: lab.root))
    #expect(c.status == 0, "\(c)")
    #expect(c.out.contains("symlink on this machine: ") == followsALink, "\(c.out)")
  }

  /// A root that is itself a link (/srv/www -> /var/www) is judged by where
  /// it leads: its own paths are inside.
  @Test func aRootThatIsALink() throws {
    let lab = try ConfineLab()
    let linkedRoot = lab.dir + "/www"
    try FileManager.default.createSymbolicLink(atPath: linkedRoot, withDestinationPath: lab.root)
    try lab.writePolicy("allow rsync-sender roots=\(linkedRoot)", confine: "confine landlock=required")
    let ok = try Self.check(lab, "rsync --server --sender -logDtpre.iLsfxCIvu . \(linkedRoot)/")
    #expect(ok.status == 0, "\(ok)")
    let out = try Self.check(lab, "rsync --server --sender -logDtpre.iLsfxCIvu . \(linkedRoot)/link/")
    #expect(out.status == 1 && out.out.hasPrefix("deny path-escapes-roots"), "\(out)")
  }

  /// What layer 2 cannot see: the --files-from list. A real client pulls
  /// `link/secret` through the root's link; the kernel refuses it.
  @Test(arguments: ["confine landlock=off", "confine landlock=required"])
  func filesFromThroughALinkMeetsTheKernel(_ confine: String) throws {
    let lab = try ConfineLab()
    try lab.writePolicy("allow rsync-sender roots=\(lab.root)", confine: confine)
    let dest = lab.dir + "/restore"
    try Files.makeDirectory(dest, mode: 0o755)
    let list = lab.dir + "/list"
    try Files.write(list, "ordinary.txt\nlink/secret\n", mode: 0o644)
    let r = try Proc.run(
      "/usr/bin/rsync", ["-a", "--files-from=\(list)", "-e", try lab.remoteShell(), "x:\(lab.root)/", dest + "/"])
    #expect(Files.read(dest + "/ordinary.txt") == "an ordinary file\n", "\(r)")
    if confine.hasSuffix("off") {
      #expect(Files.read(dest + "/link/secret") == "outside the roots\n", "the control run must read it: \(r)")
    } else {
      #expect(r.status != 0 && r.err.contains("Permission denied"), "\(r)")
      #expect(!Files.exists(dest + "/link/secret"))
      #expect(try lab.lastRecord()["decision"] as? String == "allow")
    }
  }
}

/// Filter rules travel inside the rsync protocol, where no command-line
/// parser sees them. A stock client's `dir-merge` rule makes the sender look
/// for the file in the ancestors of the transfer root (with -R); a modified
/// client (clients/rewrite-stream.py turns a stock client's rule into
/// another) can send `merge FILE`. Under `off` the file outside the roots is
/// parsed (so the tests can fail); under `required` it is never opened.
@Suite(.serialized, Needs.trait(Needs.missing(Needs.rsync.merging(["python3": "/usr/bin/python3"]) { a, _ in a })))
struct FilterRuleChannelTests {
  /// ROOT1 = DIR/anc/r1/data and ROOT2 = DIR/anc/r2/data; DIR/anc/rules
  /// (an ancestor of both) and DIR/outside/rules are outside the roots.
  static func lab(twoRoots: Bool, confine: String) throws -> (ConfineLab, [String]) {
    let lab = try ConfineLab()
    let roots = [lab.dir + "/anc/r1/data", lab.dir + "/anc/r2/data"]
    for r in roots {
      try Files.makeDirectory(r, mode: 0o755)
      try Files.write(r + "/kept.txt", "kept\n", mode: 0o644)
    }
    for rules in [lab.dir + "/anc/rules", lab.outside + "/rules"] {
      try Files.write(rules, "- kept.txt\n+ second line\n", mode: 0o644)
    }
    try lab.writePolicy("allow rsync-sender roots=\(roots.joined(separator: ","))", confine: confine)
    return (lab, twoRoots ? roots : [roots[0]])
  }

  /// A real pull of each root (`x:ROOT1/ :ROOT2/`) with -vvv and `options`.
  static func pull(_ lab: ConfineLab, _ roots: [String], _ options: [String], shell: String? = nil) throws -> Output {
    let dest = lab.dir + "/restore"
    try Files.makeDirectory(dest, mode: 0o755)
    let sources = roots.enumerated().map { $0.offset == 0 ? "x:\($0.element)/" : ":\($0.element)/" }
    return try Proc.run(
      "/usr/bin/rsync", ["-vvv", "-a"] + options + ["-e", try shell ?? lab.remoteShell()] + sources + [dest + "/"],
      timeout: 60)
  }

  /// The sender's log lines that show FILE was read: rules added from it.
  static func rulesRead(from file: String, _ out: Output) -> [String] {
    out.output.split(separator: "\n").map(String.init).filter { $0.contains("add_rule(<rule from \(file)") }
  }

  @Test(arguments: [false, true])
  func dirMergeInAncestorsIsNotRead(twoRoots: Bool) throws {
    let ancestor = "rules"
    let (open, roots) = try Self.lab(twoRoots: twoRoots, confine: "confine landlock=off")
    let unconfined = try Self.pull(open, roots, ["-R", "--filter=: /\(ancestor)"])
    #expect(Self.rulesRead(from: open.dir + "/anc/rules", unconfined).count == 2, "\(unconfined.output)")

    let (lab, _) = try Self.lab(twoRoots: twoRoots, confine: "confine landlock=required")
    let rootsHere = twoRoots ? [lab.dir + "/anc/r1/data", lab.dir + "/anc/r2/data"] : [lab.dir + "/anc/r1/data"]
    let r = try Self.pull(lab, rootsHere, ["-R", "--filter=: /\(ancestor)"])
    #expect(r.status == 0, "\(r.output)")
    #expect(r.output.contains("parse_filter_file(\(lab.dir)/anc/rules,"), "the sender looked: \(r.output)")
    #expect(Self.rulesRead(from: lab.dir + "/anc/rules", r).isEmpty, "\(r.output)")
    // nothing excluded by the unread rules: the files arrived
    #expect(Files.exists(lab.dir + "/restore" + rootsHere[0] + "/kept.txt"))
    #expect((try lab.lastRecord())["confine"] as? String != nil)
  }

  /// `merge FILE` sent inside the protocol by a modified client.
  static func mergePull(_ lab: ConfineLab, _ roots: [String], merge file: String) throws -> Output {
    let to = ". " + file
    let from = "- " + String(repeating: "A", count: to.utf8.count - 2)
    let proxy = Gatekeeper.file("Tests/EndToEndTests/clients/rewrite-stream.py")
    let shell = "/usr/bin/python3 \(proxy) '\(from)' '\(to)' \(try lab.remoteShell())"
    return try pull(lab, roots, ["--filter=\(from)"], shell: shell)
  }

  @Test func mergeOfAFileOutsideTheRootsIsRefusedByTheKernel() throws {
    let (open, roots) = try Self.lab(twoRoots: false, confine: "confine landlock=off")
    let unconfined = try Self.mergePull(open, roots, merge: open.outside + "/rules")
    #expect(Self.rulesRead(from: open.outside + "/rules", unconfined).count == 2, "\(unconfined.output)")

    let (lab, rootsHere) = try Self.lab(twoRoots: false, confine: "confine landlock=required")
    let r = try Self.mergePull(lab, rootsHere, merge: lab.outside + "/rules")
    #expect(r.status != 0)
    #expect(Self.rulesRead(from: lab.outside + "/rules", r).isEmpty, "\(r.output)")
    #expect(r.output.contains("failed to open exclude file \(lab.outside)/rules: Permission denied"), "\(r.output)")
  }

  /// Unconfined, `merge /dev/zero` leaves the sender spinning; confined it
  /// ends at once.
  @Test func mergeOfDevZeroEndsAtOnce() throws {
    let (lab, roots) = try Self.lab(twoRoots: false, confine: "confine landlock=required")
    let start = Date()
    let r = try Self.mergePull(lab, roots, merge: "/dev/zero")
    #expect(Date().timeIntervalSince(start) < 20, "took \(Date().timeIntervalSince(start)) s")
    #expect(r.status != 0)
    #expect(r.output.contains("failed to open exclude file /dev/zero: Permission denied"), "\(r.output)")
  }
}
