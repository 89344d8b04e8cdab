// Plain rsync clients (the installed rsync 3.5.0) pulling through gatekeeper
// over a real sshd with the option and protocol variants real setups use.
// Each pull must copy exactly what a direct copy would, leave one allow
// record in the audit log, and a push must be refused with nothing written.

import Foundation
import Testing

struct RsyncVariant: Sendable, CustomTestStringConvertible {
  enum Expect: Sendable {
    /// The destination equals the source's subtree `sub` ("" for all of it).
    case tree(sub: String, hardLinks: Bool)
    /// The destination holds exactly these paths (with the source's attributes).
    case only([String])
    /// Nothing is copied; stdout lists these names.
    case listing([String])
  }
  var name: String
  var options: [String]
  /// Appended to the source directory in the remote path.
  var remote: String = "/"
  /// The source directory's name (under the lab's data/).
  var source: String = "src"
  var expect: Expect
  /// Must appear in the audited command line.
  var command: String
  var also: String = ""
  var testDescription: String { name }
}

@Suite(ClientEnv.need())
struct ClientsRsyncTests {
  static let variants: [RsyncVariant] = [
    .init(
      name: "rsync -a", options: ["-a"], expect: .tree(sub: "", hardLinks: false), command: " -logDtpre.iLsfxCIvu . "),
    .init(
      name: "rsync -aHAX --numeric-ids", options: ["-aHAX", "--numeric-ids"], expect: .tree(sub: "", hardLinks: true),
      command: " -lHogDtpAXre.iLsfxCIvu --numeric-ids . "),
    .init(
      name: "rsync -s -a (secluded args)", options: ["-s", "-a"], expect: .tree(sub: "", hardLinks: false),
      command: " -slogDtpre.iLsfxCIvu"),
    .init(
      name: "rsync --protocol=29 -a", options: ["--protocol=29", "-a"], expect: .tree(sub: "", hardLinks: false),
      command: "--sender -logDtpr . "),
    .init(
      name: "rsync -aR host:/src/./d/", options: ["-aR"], remote: "/./d/", expect: .tree(sub: "d", hardLinks: false),
      command: " -logDtprRe.iLsfxCIvu . ", also: "/src/./d/"),
    .init(
      name: "rsync -a --files-from", options: ["-a", "--files-from=LIST"],
      expect: .only(["plain.txt", "d", "d/with space.txt"]), command: " -logDtpRe.LsfxCIvu --files-from=- --from0 . "),
    .init(
      name: "rsync --list-only", options: ["-a", "--list-only"], expect: .listing(["with space.txt", "plain.txt"]),
      command: "--list-only . "),
    .init(
      name: "path with spaces and quotes", options: ["-a"], source: "it's a \"dir\" (1)",
      expect: .tree(sub: "", hardLinks: false), command: "it\\'s\\ a\\ \\\"dir\\\"\\ \\(1\\)/"),
  ]

  @Test("a real rsync pull through gatekeeper", arguments: variants)
  func pull(_ v: RsyncVariant) throws {
    let lab = try ClientLab("rsync", rules: ["allow rsync-sender roots=$LAB/data"])
    defer { lab.close() }
    let data = lab.dir + "/data"
    let src = "\(data)/\(v.source)"
    try ClientTree.make(src)
    let xattrSet = Tree.setXattr("\(src)/plain.txt", "user.gatekeeper", Data("kept".utf8))
    try Files.write(lab.dir + "/list", "plain.txt\nd/with space.txt\n", mode: 0o644)
    let dst = lab.dir + "/dst"
    let options = v.options.map { $0 == "--files-from=LIST" ? "--files-from=\(lab.dir)/list" : $0 }
    let r = try Proc.run(
      "/usr/bin/rsync", options + ["-e", lab.ssh, "root@127.0.0.1:\(src)\(v.remote)", dst + "/"])
    #expect(r.ok, "\(v.name): \(r)")

    switch v.expect {
    case .tree(let sub, let hardLinks):
      let from = sub.isEmpty ? src : "\(src)/\(sub)"
      let to = sub.isEmpty ? dst : "\(dst)/\(sub)"
      let aHAX = v.options.contains("-aHAX")
      try ClientTree.expectSame(from, to, hardLinks: hardLinks, xattrs: aHAX, v.name)
      if aHAX && xattrSet {
        #expect(Tree.xattr("\(dst)/plain.txt", "user.gatekeeper") == Data("kept".utf8), "xattr not copied by -X")
      }
    case .only(let paths):
      let want = Tree.only(try Tree.snapshot(src), paths)
      #expect(want.count == paths.count + 1, "source lacks some of \(paths)")
      let d = Tree.copyDifferences(want, try Tree.snapshot(dst))
      #expect(d.isEmpty, "\(v.name) differs:\n\(d.joined(separator: "\n"))")
    case .listing(let names):
      for n in names { #expect(r.out.contains(n), "listing lacks \(n): \(r.out)") }
      #expect(!FileManager.default.fileExists(atPath: dst), "--list-only copied something")
    }

    let records = try lab.audit()
    #expect(records.count == 1, "audit records: \(records)")
    if let a = records.first {
      #expect(a.decision == "allow" && a.confined && a.reason == "allowed" && a.detail == "rsync-sender", "\(a)")
      for part in [v.command, v.also] where !part.isEmpty {
        #expect(a.command?.contains(part) == true, "audited command \(a.command ?? "nil") lacks \(part)")
      }
      #expect(a.argv?.first == "/usr/bin/rsync" && a.argv?.contains("--sender") == true, "argv \(a)")
      #expect(a.key?.hasPrefix("SHA256:") == true && a.client == "127.0.0.1", "\(a)")
      if v.options.contains("-s") {
        #expect(a.secluded?.last == src + "/", "secluded block \(a.secluded ?? [])")
        #expect(a.argv?.last == src + "/", "the secluded paths go on argv: \(a)")
      }
    }
  }

  @Test("an rsync push (a write into the client) is refused and writes nothing")
  func pushRefused() throws {
    let lab = try ClientLab("push", rules: ["allow rsync-sender roots=$LAB/data"])
    defer { lab.close() }
    let src = lab.dir + "/data/src"
    try ClientTree.make(src)
    let before = try Tree.snapshot(src)
    let evil = lab.dir + "/evil"
    try Files.makeDirectory(evil)
    try Files.write(evil + "/plain.txt", "overwritten\n", mode: 0o644)
    let r = try Proc.run("/usr/bin/rsync", ["-a", "--delete", "-e", lab.ssh, evil + "/", "root@127.0.0.1:\(src)/"])
    #expect(!r.ok)
    #expect(r.err.contains("gatekeeper: denied (rsync-not-sender)"), "\(r)")
    let changes = Tree.changes(before, try Tree.snapshot(src))
    #expect(changes.isEmpty, "source changed: \(changes)")
    let records = try lab.audit()
    #expect(
      records.count == 1 && records.first?.decision == "deny" && records.first?.reason == "rsync-not-sender",
      "\(records)")
  }
}
