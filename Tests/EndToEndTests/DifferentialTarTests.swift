// Differential runs of the tar-create table: every accepted row of
// TarTests.swift (whole tree and narrow roots) runs twice, archive to
// stdout, working directory the scratch root (gatekeeper execs from `/`):
// once as the row's own words, once as the argv `gatekeeper check` says
// would run. Same exit status, same `tar -tv` listing of the archive, and
// nothing in the scratch tree changed.

import Foundation
import Glibc
import Testing

@Suite(.serialized) struct DifferentialTarTests {
  /// A row as TarTests' `w()` splits it (`␣` is a space inside a word).
  static func words(_ row: String) -> [String] {
    row.isEmpty ? [] : row.components(separatedBy: " ").map { $0.replacingOccurrences(of: "␣", with: " ") }
  }

  static func rows(_ table: String) throws -> [[String]] {
    let text = try SwiftTable.source("Tests/GatekeeperCoreTests/TarTests.swift")
    return try SwiftTable.rows(text, table).map { words($0[0]) }
  }

  /// Absolute paths in operands and in `-C`, `--directory=`, `--add-file=`
  /// values are moved into the lab.
  static func mapped(_ words: [String], _ lab: DiffLab) -> [String] {
    words.map { w in
      if w.hasPrefix("/") { return lab.root + w }
      if w.hasPrefix("-C/") { return "-C" + lab.root + w.dropFirst(2) }
      for key in ["--directory=", "--add-file="] where w.hasPrefix(key + "/") {
        return key + lab.root + w.dropFirst(key.count)
      }
      return w
    }
  }

  /// Runs tar, archive to a file; returns the status and the listing.
  static func archive(_ lab: DiffLab, _ argv: [String], _ label: String) throws -> (Int32, String, String) {
    let dir = try lab.fresh(label)
    let file = dir + "/archive"
    let o = try lab.runInRoot(argv, stdoutPath: file)
    let list = try Proc.run(
      "/usr/bin/tar", ["-tvf", file], env: ["PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC"])
    return (o.status, list.status == 0 ? list.out : "unreadable archive (tar -t exit \(list.status))", o.err)
  }

  func run(table: String, roots: [String], minimum: Int) throws {
    let rows = try Self.rows(table)
    #expect(rows.count >= minimum, "the table reader found only \(rows.count) rows in \(table)")
    let lab = try DiffLab()
    let mappedRoots = roots.map { $0 == "/" ? "/" : lab.map($0) }
    try lab.writePolicy("allow tar-create exec=/usr/bin/tar roots=" + mappedRoots.joined(separator: ","))
    let before = try lab.snapshot()
    var notes: [String] = []
    var clean = 0
    for row in rows {
      let words = Self.mapped(row, lab)
      let shown = row.joined(separator: " ")
      let (planned, answer) = try lab.plan("tar " + Shell.join(words))
      guard let planned else {
        Issue.record("accepted row refused by gatekeeper check: \(shown): \(answer)")
        continue
      }
      let direct = try Self.archive(lab, ["/usr/bin/tar"] + words, "direct")
      let gated = try Self.archive(lab, planned, "gk")
      #expect(gated.0 == direct.0, "\(shown): exit \(gated.0) through gatekeeper, \(direct.0) direct: \(gated.2)")
      #expect(gated.1 == direct.1, "\(shown): listings differ:\n\(gated.1)\n---\n\(direct.1)")
      let changed = Tree.changes(before, try lab.snapshot())
      #expect(changed.isEmpty, "\(shown): the scratch tree changed: \(changed.prefix(5))")
      if gated.0 == 0 {
        clean += 1
        #expect(!gated.1.isEmpty, "\(shown): empty archive")
      } else {
        notes.append("exit \(gated.0) in both runs: \(shown): \(gated.2.split(separator: "\n").first ?? "")")
      }
    }
    diffReport(
      "tar differential (\(table), roots \(roots.joined(separator: ","))): \(rows.count) accepted rows, \(clean) clean (exit 0), the rest with the same status as tar itself",
      notes)
  }

  @Test func wholeTreeRowsRunLikeTarItself() throws {
    try run(table: "acceptedWhole", roots: ["/"], minimum: 80)
  }

  @Test func narrowRootRowsRunLikeTarItself() throws {
    try run(table: "acceptedNarrow", roots: ["/etc", "/home"], minimum: 10)
  }
}
