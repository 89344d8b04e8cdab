// Differential runs of the rsync-sender table: every accepted row of
// RsyncTests.swift is run twice by a real rsync client through `-e` with a
// wrapper that runs a fixed server argv: once the row's own words (a
// direct run of rsync), once the argv `gatekeeper check` says would run.
// Both must give the same exit status and the same received tree (or
// `--list-only` listing), and nothing in the scratch tree may change.
// The secluded rows (`-s`) go through the gatekeeper binary itself as the
// forced command, so the block is read and judged for real.

import Foundation
import Glibc
import Testing

@Suite(.serialized, Needs.trait(Needs.missing(Needs.rsync))) struct DifferentialRsyncTests {
  static let roots = ["/etc", "/home", "/srv", "/var/lib/backup"]

  /// The accepted rows as word lists (the table splits on single spaces).
  static func acceptedRows() throws -> [[String]] {
    let text = try SwiftTable.source("Tests/GatekeeperCoreTests/RsyncTests.swift")
    let lines = try SwiftTable.rows(text, "accepted").map { $0[0].components(separatedBy: " ") }
    let words = try SwiftTable.rows(text, "acceptedWords")
    return lines + words
  }

  /// Row words with the paths after `.` mapped into the lab.
  static func mapped(_ words: [String], _ lab: DiffLab) -> [String] {
    guard let dot = words.firstIndex(of: ".") else { return words }
    return Array(words[...dot]) + words[(dot + 1)...].map(lab.map)
  }

  /// The client options that make a real client speak the row's protocol:
  /// cluster letters become flags, long options are passed on, the
  /// capability string and `--server --sender -- .` are the client's own.
  static func client(_ words: [String]) -> (options: [String], filesFrom: Bool, listOnly: Bool) {
    var options: [String] = []
    var filesFrom = false
    var splitValue = false
    for (i, w) in words.enumerated() {
      if w == "--server" || w == "--sender" || w == "--" || w == "." { continue }
      if words[..<i].contains(".") { break }
      if splitValue {
        // --backup-dir's value, sent as a word of its own.
        options[options.count - 1] += "=" + w
        splitValue = false
      } else if w == "--backup-dir" {
        options.append(w)
        splitValue = true
      } else if w == "--use-qsort" {
        options.append("--qsort")  // what the client calls it
      } else if w.hasPrefix("--files-from=") {
        filesFrom = true
      } else if w == "--from0" || w == "-0" {
        continue  // the client adds it itself for a list it sends
      } else if w.hasPrefix("--") {
        options.append(w)
      } else if w.hasPrefix("-B") {
        options.append("--block-size=" + w.dropFirst(2))
      } else if w.hasPrefix("-") {
        for letter in w.dropFirst().prefix(while: { $0 != "e" }) where letter != "s" {
          options.append("-\(letter)")
        }
      }
    }
    return (options, filesFrom, words.contains("--list-only"))
  }

  /// One client run whose `-e` wrapper runs `serverArgv`; returns the
  /// client's result and where the copy went.
  static func pull(
    _ lab: DiffLab, _ label: String, serverArgv: [String], row: [String]
  ) throws -> (Output, String) {
    let dir = try lab.fresh(label)
    let (options, filesFrom, listOnly) = client(row)
    var args = options
    if filesFrom {
      let list = dir + ".list"
      let paths = mapped(row, lab).drop { $0 != "." }.dropFirst()
      try Files.write(list, paths.first?.contains("/etc") == true ? "hostname\n" : "alice/docs/a.txt\n")
      args.append("--files-from=" + list)
    }
    let paths = mapped(row, lab).drop { $0 != "." }.dropFirst()
    args += paths.map { "localhost:" + $0 }
    if !listOnly { args.append(dir + "/") }
    return (try lab.rsyncClient(args, serverScript: "exec " + Shell.join(serverArgv)), dir)
  }

  /// How the gatekeeper run's tree `b` differs from the direct run's `a`:
  /// names, kinds, contents, link targets, permissions, owners, hard links;
  /// file times only when the row preserves them. Both may be empty.
  static func differences(_ a: String, _ b: String, times: Bool) throws -> [String] {
    Tree.copyDifferences(
      try Tree.snapshot(a), try Tree.snapshot(b), times: times ? .files : .none, hardLinks: true,
      nonEmpty: false)
  }

  static func preservesTimes(_ row: [String]) -> Bool { has(row, "t", "--times") }

  /// The row sends this letter (in a cluster) or this long option.
  static func has(_ row: [String], _ letter: Character, _ long: String) -> Bool {
    row.contains(long)
      || row.contains {
        $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.dropFirst().prefix { $0 != "e" }.contains(letter)
      }
  }

  @Test func everyAcceptedRowRunsLikeRsyncItself() throws {
    let rows = try Self.acceptedRows()
    #expect(rows.count >= 60, "the table reader found only \(rows.count) accepted rows")
    let lab = try DiffLab()
    try lab.writePolicy(
      "allow rsync-sender exec=/usr/bin/rsync roots=" + Self.roots.map(lab.map).joined(separator: ","))
    let before = try lab.snapshot()
    let outsideBefore = try lab.outsideSnapshot()
    var lines: [String] = []
    var clean = 0
    for row in rows {
      let words = Self.mapped(row, lab)
      let (planned, answer) = try lab.plan("rsync " + Shell.join(words))
      guard let planned else {
        Issue.record("accepted row refused by gatekeeper check: \(row.joined(separator: " ")): \(answer)")
        continue
      }
      let (direct, directDir) = try Self.pull(lab, "direct", serverArgv: ["/usr/bin/rsync"] + words, row: row)
      let (gated, gatedDir) = try Self.pull(lab, "gk", serverArgv: planned, row: row)
      let shown = row.joined(separator: " ")
      if row.contains("--use-qsort") {
        // rsync's client sends --use-qsort for --qsort and its own server
        // refuses that name; gatekeeper passes it on as --qsort.
        #expect(direct.status != 0 && gated.status == 0, "\(shown): \(direct.status) direct, \(gated.status) gated")
        lines.append("repaired (exit \(direct.status) direct, 0 through gatekeeper): \(shown)")
        continue
      }
      #expect(
        gated.status == direct.status,
        "\(shown): exit \(gated.status) through gatekeeper, \(direct.status) direct: \(gated.err)")
      if row.contains("--list-only") {
        #expect(gated.out == direct.out, "\(shown): listings differ")
      } else {
        let diff = try Self.differences(directDir, gatedDir, times: Self.preservesTimes(row))
        #expect(diff.isEmpty, "\(shown): received trees differ: \(diff.prefix(5))")
        // Not a vacuous comparison: a clean pull that is not a dry run received files.
        let recursive = Self.has(row, "r", "--recursive") && !Self.has(row, "n", "--dry-run")
        if gated.status == 0 && recursive {
          #expect(try Tree.snapshot(gatedDir).count > 1, "\(shown): nothing was received")
        }
      }
      let changed = Tree.changes(before, try lab.snapshot())
      #expect(changed.isEmpty, "\(shown): the scratch tree changed: \(changed.prefix(5))")
      if gated.status == 0 { clean += 1 } else { lines.append("exit \(gated.status) in both runs: \(shown)") }
    }
    #expect(Tree.changes(outsideBefore, try lab.outsideSnapshot()).isEmpty)
    diffReport(
      "rsync differential: \(rows.count) accepted rows, \(clean) clean (exit 0), the rest with the same status as rsync itself",
      lines)
  }

  /// The captured secluded rows: the client's block goes through the
  /// gatekeeper binary (forced-command mode); the copy must equal a direct
  /// `rsync -s` pull.
  @Test func secludedRowsThroughTheBinary() throws {
    let text = try SwiftTable.source("Tests/GatekeeperCoreTests/RsyncTests.swift")
    let blocks = try SwiftTable.rows(text, "capturedBlocks")
    #expect(blocks.count >= 5)
    let lab = try DiffLab()
    try lab.writePolicy(
      "allow rsync-sender exec=/usr/bin/rsync roots=" + Self.roots.map(lab.map).joined(separator: ",")
        + "\nlog file=\(lab.base)/audit.jsonl\nlog syslog=none")
    let before = try lab.snapshot()
    let direct = lab.base + "/direct.sh"
    let gated = lab.base + "/gated.sh"
    try Shell.script(direct, "shift\nexec \"$@\"")
    try Shell.script(gated, "shift\nSSH_ORIGINAL_COMMAND=\"$*\" exec \(lab.gatekeeper) --policy \(lab.policy)")
    for atoms in blocks {
      // (command line, block, expected argv): the block's strings after `rsync`.
      let command = atoms[0].components(separatedBy: " ")
      let block = atoms[1].components(separatedBy: "\0").dropFirst().filter { !$0.isEmpty }
      let row = command + Array(block)
      var (options, filesFrom, _) = Self.client(row)
      options.insert("--secluded-args", at: 0)
      let paths = Self.mapped(Array(block), lab).drop { $0 != "." }.dropFirst()
      var dirs: [String] = []
      var statuses: [Int32] = []
      for wrapper in [direct, gated] {
        let dir = try lab.fresh("s")
        var args = options + ["-e", wrapper]
        if filesFrom {
          try Files.write(dir + ".list", "hostname\n")
          args.append("--files-from=" + dir + ".list")
        }
        let o = try DiffLab.retryingBusy {
          try Proc.run("/usr/bin/rsync", args + paths.map { "localhost:" + $0 } + [dir + "/"], timeout: 60)
        }
        dirs.append(dir)
        statuses.append(o.status)
        #expect(o.status == 0, "\(row.joined(separator: " ")) via \(wrapper): \(o)")
      }
      #expect(statuses[0] == statuses[1])
      let diff = try Self.differences(dirs[0], dirs[1], times: true)
      #expect(diff.isEmpty, "\(row.joined(separator: " ")): \(diff.prefix(5))")
    }
    #expect(Tree.changes(before, try lab.snapshot()).isEmpty)
    let audit = Files.lines(lab.base + "/audit.jsonl")
    #expect(
      audit.count == blocks.count
        && audit.allSatisfy { $0.contains("\"decision\":\"allow\"") && $0.contains("\"secluded\":[") })
    diffReport("rsync secluded differential: \(blocks.count) captured blocks through the gatekeeper binary", [])
  }
}
