// The rsync option sweep through a real sshd: every pull of
// GatekeeperCoreTests/Fixtures/rsync-sweep.tsv (each option of rsync
// 3.5.0's man page, plainly and with -s; made by Tests/Sweep/rsync-sweep.py)
// is run again by the real client through sshd and gatekeeper. The client
// must still send what the sweep recorded (else rsync changed: re-sweep),
// gatekeeper must give the reviewed verdict, an allowed pull must end as
// the same pull without gatekeeper does and copy the same tree, and the
// source tree must never change.

import Foundation
import Testing

@Suite(ClientEnv.need())
struct RsyncSweepTests {
  struct Pull {
    var option: String
    var args: [String]
    var secluded: Bool
    var status: Int32?
    var expect: String
    var command: String?
    var block: [String]
    var shown: String { args.joined(separator: " ") + (secluded ? " -s" : "") }
  }

  static let fixture = Gatekeeper.file("Tests/GatekeeperCoreTests/Fixtures/rsync-sweep.tsv")

  static func pulls() throws -> (version: String, pulls: [Pull]) {
    let text = try String(contentsOfFile: fixture, encoding: .utf8)
    var version = ""
    var pulls: [Pull] = []
    for line in text.split(separator: "\n") {
      if line.hasPrefix("# Generated") {
        version = line.components(separatedBy: " from ").last?.components(separatedBy: ";").first ?? ""
      }
      if line.hasPrefix("#") { continue }
      let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      guard cols.count == 7 else { throw HarnessError("bad sweep line: \(line)") }
      let secluded = cols[2] == "secluded"
      let verdicts = cols[4].split(separator: "|").map(String.init)
      let json = { (s: String) in
        try JSONSerialization.jsonObject(with: Data(s.utf8), options: .fragmentsAllowed) as? String
      }
      let block = try json(cols[6]) ?? ""
      pulls.append(
        Pull(
          option: cols[0], args: try words(cols[1]), secluded: secluded, status: Int32(cols[3]),
          expect: verdicts.count == 2 ? verdicts[secluded ? 1 : 0] : cols[4],
          command: try json(cols[5]),
          block: block.isEmpty ? [] : block.components(separatedBy: "\u{1F}")))
    }
    return (version, pulls)
  }

  /// The options column's words: split at spaces, with '...' and "..." quoting.
  static func words(_ text: String) throws -> [String] {
    var out: [String] = []
    var word: String? = nil
    var quote: Character? = nil
    for c in text {
      if let q = quote {
        if c == q { quote = nil } else { word!.append(c) }
      } else if c == "'" || c == "\"" {
        quote = c
        word = word ?? ""
      } else if c == " " {
        if let w = word { out.append(w) }
        word = nil
      } else {
        word = (word ?? "") + String(c)
      }
    }
    guard quote == nil else { throw HarnessError("unbalanced quote in \(text)") }
    if let w = word { out.append(w) }
    return out
  }

  /// The sweep's source tree (as rsync-sweep.py builds it).
  static func makeTree(_ root: String) throws {
    try Files.makeDirectory(root + "/sub/deep")
    try Files.write(root + "/a.txt", "alpha\n")
    try Files.write(root + "/sub/b.txt", String(repeating: "beta\n", count: 100))
    try Files.write(root + "/sub/deep/c.gz", "c")
    try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: "a.txt")
    try FileManager.default.linkItem(atPath: root + "/a.txt", toPath: root + "/hard.txt")
    guard mkfifo(root + "/fifo", 0o644) == 0 else { throw HarnessError("mkfifo failed") }
  }

  @Test func everyOptionOfTheManPageThroughSSHD() throws {
    let (version, pulls) = try Self.pulls()
    #expect(pulls.count >= 340, "the sweep fixture has only \(pulls.count) pulls")
    let installed = try Proc.run("/usr/bin/rsync", ["--version"]).out.components(separatedBy: "\n").first ?? ""
    try #require(
      installed == version,
      "the sweep was made with \(version), this machine has \(installed): re-sweep (python3 Tests/Sweep/rsync-sweep.py)"
    )

    let lab = try ClientLab("sweep", rules: ["allow rsync-sender exec=/usr/bin/rsync roots=$LAB/sweep/tree"])
    defer { lab.close() }
    let scratch = lab.dir + "/sweep"
    let tree = scratch + "/tree"
    try Self.makeTree(tree)
    let original = try Tree.snapshot(tree)
    let direct = lab.dir + "/bin/direct"
    try Files.write(direct, "#!/bin/sh\nshift\nexec sh -c \"$*\"\n", mode: 0o755)
    // One ssh connection for all the pulls (each pull is a new session, so
    // sshd still runs gatekeeper once per pull): the sweep takes a third
    // of the time.
    let mux = lab.dir + "/bin/ssh-mux"
    try Files.write(
      mux,
      "#!/bin/sh\nexec /usr/bin/ssh \(lab.sshOptions) -o ControlMaster=auto -o ControlPath=\(lab.dir)/mux"
        + " -o ControlPersist=600 \"$@\"\n", mode: 0o755)
    defer { _ = try? Proc.run(mux, ["-O", "exit", "127.0.0.1"]) }
    let env = ["PATH": "/usr/bin:/bin", "LC_ALL": "C"]
    var counts: [String: Int] = [:]

    for pull in pulls {
      let work = scratch + "/work"
      try? FileManager.default.removeItem(atPath: work)
      try Files.makeDirectory(work)
      try Files.write(work + "/list", "a.txt\nsub/b.txt\n")
      try Files.write(work + "/list0", "a.txt\0sub/b.txt\0")
      let args = pull.args.map { $0.replacingOccurrences(of: "{work}", with: work) } + (pull.secluded ? ["-s"] : [])
      let before = try lab.audit().count
      let gated = try Proc.run(
        "/usr/bin/rsync", args + ["-e", mux, "root@127.0.0.1:\(tree)/", work + "/dest/"], env: env, cwd: work,
        timeout: 60)
      let records = Array(try lab.audit().dropFirst(before))
      let shown = pull.shown
      counts[pull.expect.components(separatedBy: " ").first!, default: 0] += 1

      // The source is never changed, whatever the option.
      let changed = Tree.changes(original, try Tree.snapshot(tree))
      #expect(changed.isEmpty, "\(shown): the source tree changed: \(changed.prefix(3))")

      if pull.expect == "none" {
        #expect(records.isEmpty, "\(shown): the client started a server: \(records)")
        #expect(
          gated.status == pull.status, "\(shown): exit \(gated.status), sweep \(pull.status.map(String.init) ?? "?")")
        continue
      }
      guard let record = records.first, records.count == 1 else {
        Issue.record("\(shown): \(records.count) records (want 1): \(gated) \(records)")
        continue
      }
      // What the client sends is still what the sweep recorded.
      let put = { (s: String) in s.replacingOccurrences(of: "{scratch}", with: scratch) }
      #expect(record.command == pull.command.map(put), "\(shown): rsync now sends something else: re-sweep")
      if pull.secluded && record.decision == "allow" {
        #expect(record.secluded == pull.block.map(put), "\(shown): secluded block")
      }
      switch pull.expect {
      case "allow", "allow-repaired":
        #expect(record.decision == "allow", "\(shown): \(record)")
        if pull.expect == "allow-repaired" {
          #expect(gated.status == 0 && pull.status != 0, "\(shown): exit \(gated.status)")
          continue
        }
        #expect(
          gated.status == pull.status,
          "\(shown): exit \(gated.status) through gatekeeper, \(pull.status.map(String.init) ?? "?") in the sweep: \(gated.err)"
        )
        let plain = try Proc.run(
          "/usr/bin/rsync", args + ["-e", direct, "sweep:\(tree)/", work + "/direct/"], env: env, cwd: work,
          timeout: 60)
        #expect(
          plain.status == gated.status, "\(shown): exit \(gated.status) through gatekeeper, \(plain.status) direct")
        if plain.status == 0 {
          let diff = Tree.copyDifferences(
            // (--list-only, -n and --only-write-batch create neither.)
            (try? Tree.snapshot(work + "/direct")) ?? [:], (try? Tree.snapshot(work + "/dest")) ?? [:], times: .none,
            hardLinks: true,
            nonEmpty: false)
          #expect(diff.isEmpty, "\(shown): trees differ: \(diff.prefix(3))")
        }
        let after = Tree.changes(original, try Tree.snapshot(tree))
        if !after.isEmpty {
          Issue.record("\(shown): an allowed option changed the source when run directly: \(after.prefix(3))")
          try? FileManager.default.removeItem(atPath: tree)
          try Self.makeTree(tree)
        }
      default:
        let code = pull.expect.replacingOccurrences(of: "deny ", with: "")
        #expect(record.decision == "deny" && record.reason == code, "\(shown): \(record)")
        #expect(gated.status != 0, "\(shown): a refused pull exited 0")
      }
    }
    print("== rsync option sweep through sshd: \(pulls.count) pulls (\(version)):", counts.sorted { $0.key < $1.key })
  }
}
