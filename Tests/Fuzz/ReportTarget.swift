// Fuzz target for the report reader (Sources/GatekeeperReport, compiled into
// the same fuzz binary: the two modules share no top-level names).
//
// Bytes are an audit log (JSON lines, syslog lines with @cee:, journalctl
// output, garbage). Invariants:
// - it never traps, whatever the input;
// - every line is counted once: records + skipped + malformed + not from
//   gatekeeper + filtered out == lines, and lines == the number of lines in
//   the input;
// - reading the input in one piece or fed in two chunks split anywhere gives
//   the same text and JSON reports (chunk boundaries must not matter);
// - rendering twice gives the same output;
// - `--json` output is well-formed JSON; `learn` renders without trapping.

enum FuzzReport {
  static func run(_ bytes: [UInt8]) {
    var whole = ReportSession(filter: RecordFilter())
    whole.read("fuzz", bytes)
    let summary = whole.summary()
    let expectedLines =
      bytes.isEmpty
      ? 0
      : bytes.split(separator: 10, omittingEmptySubsequences: false).count
        - (bytes.last == 10 ? 1 : 0)
    invariant(summary.lines == expectedLines, "report: \(summary.lines) lines counted, input has \(expectedLines)")
    invariant(
      summary.records + summary.skipped + summary.malformed + summary.foreign + summary.filteredOut
        == summary.lines,
      "report: \(summary.records) records + \(summary.skipped) skipped + \(summary.malformed) malformed"
        + " + \(summary.foreign) not from gatekeeper + \(summary.filteredOut) filtered != \(summary.lines) lines")

    let text = whole.render(.text)
    let json = whole.render(.json)
    invariant(text == whole.render(.text), "report: text rendering is not deterministic")
    invariant(FuzzJSON.isValid(Array(json.utf8)), "report: --json output is not valid JSON")

    // The same bytes fed in two chunks, split at a point the input chooses.
    let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    var split = ReportSession(filter: RecordFilter())
    split.begin("fuzz")
    bytes[..<cut].withUnsafeBufferPointer { split.feed($0) }
    bytes[cut...].withUnsafeBufferPointer { split.feed($0) }
    split.finish()
    invariant(split.render(.json) == json, "report: a chunk boundary at \(cut) changed the JSON report")

    var learn = LearnSession(filter: RecordFilter())
    learn.read("fuzz", bytes)
    _ = learn.render()
  }
}

/// A small, strict JSON validator (RFC 8259 grammar) for the report's
/// --json output: objects, arrays, strings with escapes, numbers, literals.
enum FuzzJSON {
  static func isValid(_ b: [UInt8]) -> Bool {
    var i = 0
    guard value(b, &i, depth: 0) else { return false }
    skipSpace(b, &i)
    return i == b.count
  }

  static func skipSpace(_ b: [UInt8], _ i: inout Int) {
    while i < b.count, b[i] == 0x20 || b[i] == 0x0a || b[i] == 0x0d || b[i] == 0x09 { i += 1 }
  }

  static func value(_ b: [UInt8], _ i: inout Int, depth: Int) -> Bool {
    guard depth < 64 else { return false }
    skipSpace(b, &i)
    guard i < b.count else { return false }
    switch b[i] {
    case UInt8(ascii: "{"):
      i += 1
      skipSpace(b, &i)
      if i < b.count, b[i] == UInt8(ascii: "}") {
        i += 1
        return true
      }
      while true {
        skipSpace(b, &i)
        guard string(b, &i) else { return false }
        skipSpace(b, &i)
        guard i < b.count, b[i] == UInt8(ascii: ":") else { return false }
        i += 1
        guard value(b, &i, depth: depth + 1) else { return false }
        skipSpace(b, &i)
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: "}") {
          i += 1
          return true
        }
        guard b[i] == UInt8(ascii: ",") else { return false }
        i += 1
      }
    case UInt8(ascii: "["):
      i += 1
      skipSpace(b, &i)
      if i < b.count, b[i] == UInt8(ascii: "]") {
        i += 1
        return true
      }
      while true {
        guard value(b, &i, depth: depth + 1) else { return false }
        skipSpace(b, &i)
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: "]") {
          i += 1
          return true
        }
        guard b[i] == UInt8(ascii: ",") else { return false }
        i += 1
      }
    case UInt8(ascii: "\""):
      return string(b, &i)
    case UInt8(ascii: "t"): return literal(b, &i, "true")
    case UInt8(ascii: "f"): return literal(b, &i, "false")
    case UInt8(ascii: "n"): return literal(b, &i, "null")
    default:
      return number(b, &i)
    }
  }

  static func literal(_ b: [UInt8], _ i: inout Int, _ word: String) -> Bool {
    let w = Array(word.utf8)
    guard i + w.count <= b.count, Array(b[i..<(i + w.count)]) == w else { return false }
    i += w.count
    return true
  }

  static func string(_ b: [UInt8], _ i: inout Int) -> Bool {
    guard i < b.count, b[i] == UInt8(ascii: "\"") else { return false }
    i += 1
    while i < b.count {
      let c = b[i]
      if c == UInt8(ascii: "\"") {
        i += 1
        return true
      }
      if c < 0x20 { return false }
      if c == UInt8(ascii: "\\") {
        guard i + 1 < b.count else { return false }
        let e = b[i + 1]
        if e == UInt8(ascii: "u") {
          guard i + 6 <= b.count, b[(i + 2)..<(i + 6)].allSatisfy(isHex) else { return false }
          i += 6
          continue
        }
        guard Array("\"\\/bfnrt".utf8).contains(e) else { return false }
        i += 2
        continue
      }
      i += 1
    }
    return false
  }

  static func isHex(_ c: UInt8) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
  }

  static func number(_ b: [UInt8], _ i: inout Int) -> Bool {
    let start = i
    if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
    let digitsStart = i
    while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
    guard i > digitsStart else { return false }
    if i - digitsStart > 1 && b[digitsStart] == 0x30 { return false }
    if i < b.count, b[i] == UInt8(ascii: ".") {
      i += 1
      let f = i
      while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
      guard i > f else { return false }
    }
    if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
      i += 1
      if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
      let e = i
      while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
      guard i > e else { return false }
    }
    return i > start
  }
}
