// The terminal report: aligned columns, every line at most 80 columns,
// untrusted text escaped (the core's DisplayText.visible) and cut with `…`.

import GatekeeperCore

public enum TextReport {
  struct Column {
    var title: String
    var width: Int
    var right = false
    var keepEnd = false
  }

  static func row(_ columns: [Column], _ cells: [String]) -> String {
    var line = " "
    for (c, cell) in zip(columns, cells) {
      let text = Escape.fit(DisplayText.visible(cell), c.width, keepEnd: c.keepEnd)
      let pad = String(repeating: " ", count: max(0, c.width - Escape.width(text)))
      line += " " + (c.right ? pad + text : text + pad)
    }
    while line.last == " " { line.removeLast() }
    return line + "\n"
  }

  /// Longest list printed for new shapes and unusual hours (all are in
  /// --json and --html).
  static let maxRows = 25

  static func table(
    _ title: String, _ columns: [Column], _ rows: [[String]], notes: [[String]] = [],
    limit: Int = Int.max
  ) -> String {
    var out = "\n" + title + "\n"
    out += row(columns, columns.map { $0.title })
    for (i, r) in rows.enumerated() {
      if i == limit {
        out += "  ... \(rows.count - limit) more (see --json or --html)\n"
        break
      }
      out += row(columns, r)
      if i < notes.count {
        for n in notes[i] { out += "    " + Escape.fit(DisplayText.visible(n), 76) + "\n" }
      }
    }
    return out
  }

  static func show(_ s: String, _ empty: String) -> String { s.isEmpty ? empty : s }

  static func example(_ g: SampleGroup) -> [String] {
    guard let e = g.example else { return [] }
    var who = show(g.client, "local")
    if !g.label.isEmpty { who += ", label " + g.label }
    return ["e.g. " + e + "  (" + who + ")"]
  }

  public static func render(_ s: Summary) -> String {
    var out = "gatekeeper report\n"
    if let first = s.first, let last = s.last {
      out +=
        "Period   \(Time.seconds(first)) .. \(Time.seconds(last)) (\(Time.duration(last - first)))\n"
    } else {
      out += "Period   (no records)\n"
    }
    out +=
      "Records  \(s.records): allowed \(s.totals.allowed), denied \(s.totals.denied), errors \(s.totals.errors)\n"
    let inputs = s.inputs.count == 1 ? "1 input" : "\(s.inputs.count) inputs"
    out += "Input    \(inputs), \(s.lines) lines: \(s.skipped) skipped, \(s.malformed) malformed"
    if s.foreign > 0 { out += ", \(s.foreign) not from gatekeeper" }
    if s.truncated > 0 { out += ", \(s.truncated) truncated" }
    out += s.filteredOut > 0 ? ", \(s.filteredOut) filtered out\n" : "\n"
    // A syslog file is only as trustworthy as everyone who can write to it.
    for (input, kind) in zip(s.inputs, s.sources) {
      let note = kind == "audit file" || kind == "no records" ? "" : " (any local user can log there)"
      out += "Source   " + Escape.fit(DisplayText.visible(input), 69 - kind.count - note.count, keepEnd: true)
      out += ": \(kind)\(note)\n"
    }
    if !s.filters.isEmpty {
      out +=
        "Filters  " + DisplayText.visible(s.filters.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        + "\n"
    }
    guard s.records > 0 else { return out + malformed(s) }

    let counts = [
      Column(title: "CALLS", width: 7, right: true),
      Column(title: "ALLOWED", width: 7, right: true),
      Column(title: "DENIED", width: 6, right: true),
      Column(title: "ERRORS", width: 6, right: true),
    ]
    func n(_ c: Counts) -> [String] {
      [String(c.calls), String(c.allowed), String(c.denied), String(c.errors)]
    }

    out += table(
      "Clients",
      [Column(title: "ADDRESS", width: 24)] + counts + [Column(title: "LAST SEEN", width: 16)],
      s.clients.map { [show($0.name, "(local)")] + n($0.counts) + [Time.short($0.counts.last)] })
    out += table(
      "Keys", [Column(title: "KEY", width: 27), Column(title: "LABEL", width: 13)] + counts,
      s.keys.map { [show($0.key, "(none)"), show($0.label, "-")] + n($0.counts) })
    out += table(
      "Rules", [Column(title: "RULE", width: 42, keepEnd: true)] + counts,
      s.rules.map { [show($0.name, "(no rule)")] + n($0.counts) })

    let reasonColumns = [
      Column(title: "REASON", width: 30), Column(title: "COUNT", width: 7, right: true),
      Column(title: "FIRST SEEN", width: 16), Column(title: "LAST SEEN", width: 16),
    ]
    func reasonRows(_ g: [SampleGroup]) -> [[String]] {
      g.map {
        [$0.name, String($0.counts.calls), Time.short($0.counts.first), Time.short($0.counts.last)]
      }
    }
    if s.denials.isEmpty {
      out += "\nDenials by reason\n  (none)\n"
    } else {
      out += table(
        "Denials by reason", reasonColumns, reasonRows(s.denials), notes: s.denials.map(example))
    }
    if !s.errorReasons.isEmpty {
      out += table(
        "Errors by reason", reasonColumns, reasonRows(s.errorReasons),
        notes: s.errorReasons.map(example))
    }

    let after = s.newShapesAfter.map { Time.short($0) } ?? "-"
    let title = "New command shapes (first seen in the last 20%, after \(after))"
    if s.newShapes.isEmpty {
      out += "\n\(title)\n  (none; \(s.shapeCount) shapes in the period)\n"
    } else {
      out += table(
        title,
        [
          Column(title: "FIRST SEEN", width: 16), Column(title: "COUNT", width: 7, right: true),
          Column(title: "SHAPE", width: 49),
        ],
        s.newShapes.map { [Time.short($0.counts.first), String($0.counts.calls), $0.name] },
        notes: s.newShapes.map(example), limit: maxRows)
    }

    let unusualTitle =
      "Calls outside usual hours (UTC hours with < \(Definitions.unusualPercentOfPeak)% of a key's busiest hour;\n"
      + "keys with >= \(Definitions.minKeyCalls) calls)"
    if s.unusual.isEmpty {
      out += "\n\(unusualTitle)\n  (none)\n"
    } else {
      out += table(
        unusualTitle,
        [
          Column(title: "KEY", width: 22), Column(title: "LABEL", width: 9),
          Column(title: "HOUR", width: 5),
          Column(title: "CALLS", width: 6, right: true),
          Column(title: "KEY CALLS", width: 9, right: true),
          Column(title: "LAST SEEN", width: 16),
        ],
        s.unusual.map {
          [
            show($0.key, "(none)"), show($0.label, "-"), CivilTime.pad(Int64($0.hour), 2) + ":00",
            String($0.counts.calls),
            String($0.keyCalls), Time.short($0.counts.last),
          ]
        },
        notes: s.unusual.map { u in
          u.example.map { ["e.g. " + $0 + "  (" + show(u.client, "local") + ")"] } ?? []
        },
        limit: maxRows)
    }
    return out + malformed(s)
  }

  static func malformed(_ s: Summary) -> String {
    lines(
      "Not from gatekeeper (another program, or someone logging under its name without its pid)", s.foreignLines,
      s.foreign)
      + lines("Malformed lines", s.malformedLines, s.malformed)
  }

  static func lines(_ title: String, _ shown: [MalformedLine], _ count: Int) -> String {
    guard !shown.isEmpty else { return "" }
    var out = "\n" + Escape.fit(title, 80) + "\n"
    for m in shown {
      out += "  " + Escape.fit(DisplayText.visible("\(m.input):\(m.line): \(m.error)"), 78) + "\n"
    }
    if count > shown.count {
      out += "  ... and \(count - shown.count) more\n"
    }
    return out
  }
}
