// Reading input: bytes in chunks -> lines -> records. Recognised lines:
// - a gatekeeper JSON line: `{"v":1,...}` (the audit file);
// - a syslog line whose message is `@cee:{...}` from gatekeeper's program
//   tag with a pid (`/var/log/auth.log` style `Nov 26 22:47:16 host
//   gatekeeper[123]: @cee:{...}`, RFC 3339 rsyslog lines, `journalctl -o
//   short-iso`);
// - `journalctl -o json` objects from that tag (SYSLOG_IDENTIFIER, with a
//   _PID) whose MESSAGE (a string, or an array of byte values) starts with
//   `@cee:{...}`.
// Any local user can write to syslog: a `@cee:` line under another tag, or
// without a pid, or with the cookie anywhere but at the start of the
// message, is counted and listed as "not from gatekeeper", never as a
// record. Other lines are skipped. A line that is meant to be a record but
// does not read (bad JSON, missing or bad time/decision) is reported with
// its line number, unless it was only cut short (a syslogd's size limit)
// and its time and decision still read: then it counts under that decision
// as truncated. Nothing stops the reading.

/// A problem line: input name, 1-based line number, what is wrong.
public struct MalformedLine: Equatable, Sendable {
  public var input: String
  public var line: Int
  public var error: String
}

public struct InputStats: Sendable {
  public var inputs: [String] = []
  public var lines = 0
  public var skipped = 0
  public var malformed = 0
  public var filteredOut = 0
  /// The first `keepMalformed` problem lines (all are counted).
  public var malformedLines: [MalformedLine] = []
  public static let keepMalformed = 100
  /// `@cee:` lines that are not gatekeeper's (another tag, no pid, the
  /// cookie not at the start of the message): counted, never records.
  public var foreign = 0
  public var foreignLines: [MalformedLine] = []
  /// Records shortened by gatekeeper (`truncated`) or cut short in transit.
  public var truncated = 0
  /// What kind of source each input was, in the order of `inputs`.
  public var sources: [String] = []
}

/// `--since`/`--until`/`--label`/`--client`: since inclusive, until exclusive.
public struct RecordFilter: Equatable, Sendable {
  public var since: Int64? = nil
  public var until: Int64? = nil
  public var label: [UInt8]? = nil
  public var client: [UInt8]? = nil
  /// Not a filter: the program tag gatekeeper logs under in syslog
  /// (`log syslog=... tag=NAME`, `report --tag NAME`).
  public var tag: [UInt8] = Array("gatekeeper".utf8)
  public init() {}
  public var isEmpty: Bool { since == nil && until == nil && label == nil && client == nil }
}

/// Decision of a record.
public enum Verdict: Int, Sendable {
  case allow = 0
  case deny = 1
  case error = 2
}

/// What a consumer of records sees: the parsed spans, the buffer they point
/// into, and the already-parsed time and verdict.
public struct RecordView {
  public let buffer: UnsafeBufferPointer<UInt8>
  public let record: RawRecord
  public let time: Int64
  public let verdict: Verdict
}

public protocol RecordConsumer {
  mutating func consume(_ r: RecordView)
}

public struct LogReader<Consumer: RecordConsumer> {
  public static var maxLine: Int { 1 << 20 }
  public var consumer: Consumer
  public var filter: RecordFilter
  public var stats = InputStats()
  var carry: [UInt8] = []
  var overlong = false
  var lineNumber = 0
  var inputName = "-"
  var scratch: [UInt8] = []
  var fieldScratch: [UInt8] = []
  var parsed = RawRecord()
  /// Records of the current input by kind: JSON line, syslog line, journal.
  var kinds = (file: 0, syslog: 0, journal: 0)

  public init(_ consumer: Consumer, filter: RecordFilter = RecordFilter()) {
    self.consumer = consumer
    self.filter = filter
  }

  /// Starts a new input (file name or `-`); line numbers restart at 1.
  public mutating func begin(_ name: String) {
    finish()
    inputName = name
    stats.inputs.append(name)
    stats.sources.append("no records")
    kinds = (0, 0, 0)
    lineNumber = 0
  }

  /// What the current input was, from the records read so far.
  mutating func noteSource() { stats = currentStats }

  /// The statistics, with the kind of the current input as read so far.
  public var currentStats: InputStats {
    var st = stats
    guard !st.sources.isEmpty else { return st }
    let k = kinds
    st.sources[st.sources.count - 1] =
      switch (k.file > 0, k.syslog > 0, k.journal > 0) {
      case (false, false, false): "no records"
      case (true, false, false): "audit file"
      case (false, true, false): "syslog"
      case (false, false, true): "journal"
      default: "mixed"
      }
    return st
  }

  /// Feeds the next chunk of the current input.
  public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>) {
    var start = 0
    let n = chunk.count
    var i = 0
    while i < n {
      if let base = chunk.baseAddress {
        while i + 8 <= n {
          let nl = Bytes.newlines(Bytes.load(base, i))
          if nl != 0 {
            i += nl.trailingZeroBitCount >> 3
            break
          }
          i += 8
        }
        if i >= n { break }
      }
      guard chunk[i] == 0x0a else {
        i += 1
        continue
      }
      if carry.isEmpty && !overlong {
        line(UnsafeBufferPointer(rebasing: chunk[start..<i]))
      } else {
        appendCarry(UnsafeBufferPointer(rebasing: chunk[start..<i]))
        flushCarry()
      }
      i += 1
      start = i
    }
    if start < n { appendCarry(UnsafeBufferPointer(rebasing: chunk[start..<n])) }
  }

  /// Ends the current input (a last line without a newline still counts).
  public mutating func finish() {
    if !carry.isEmpty || overlong { flushCarry() }
    noteSource()
  }

  /// Convenience: reads a whole input held in memory.
  public mutating func read(_ name: String, _ bytes: [UInt8]) {
    begin(name)
    bytes.withUnsafeBufferPointer { feed($0) }
    finish()
  }

  mutating func appendCarry(_ p: UnsafeBufferPointer<UInt8>) {
    if overlong { return }
    if carry.count + p.count > LogReader.maxLine {
      overlong = true
      carry = []
      return
    }
    carry.append(contentsOf: p)
  }

  mutating func flushCarry() {
    if overlong {
      lineNumber += 1
      stats.lines += 1
      malformed("line longer than \(LogReader.maxLine) bytes")
      overlong = false
      carry = []
      return
    }
    let c = carry
    carry.removeAll(keepingCapacity: true)
    c.withUnsafeBufferPointer { line($0) }
  }

  mutating func malformed(_ why: String) {
    stats.malformed += 1
    if stats.malformedLines.count < InputStats.keepMalformed {
      stats.malformedLines.append(MalformedLine(input: inputName, line: lineNumber, error: why))
    }
  }

  mutating func foreign(_ why: String) {
    stats.foreign += 1
    if stats.foreignLines.count < InputStats.keepMalformed {
      stats.foreignLines.append(MalformedLine(input: inputName, line: lineNumber, error: why))
    }
  }

  /// The syslog header right before the cookie at `at` ends in
  /// ` TAG[PID]: ` (or the line starts with `TAG[PID]: `).
  func taggedByGatekeeper(_ b: UnsafeBufferPointer<UInt8>, from start: Int, cookie at: Int) -> Bool {
    let tag = filter.tag
    var i = at - 1
    guard i - 1 >= start, b[i] == 0x20, b[i - 1] == 0x3a else { return false }  // ": "
    i -= 2
    guard i >= start, b[i] == 0x5d else { return false }  // "]"
    var digits = 0
    i -= 1
    while i >= start, b[i] >= 0x30, b[i] <= 0x39 {
      digits += 1
      i -= 1
    }
    guard digits > 0, i >= start, b[i] == 0x5b else { return false }  // "["
    let tagEnd = i
    let tagStart = tagEnd - tag.count
    guard tagStart >= start else { return false }
    for k in 0..<tag.count where b[tagStart + k] != tag[k] { return false }
    return tagStart == start || b[tagStart - 1] == 0x20
  }

  /// A record whose JSON was cut short: counted under its decision when its
  /// time and decision were read before the cut.
  mutating func cutShort(_ b: UnsafeBufferPointer<UInt8>, _ r: RawRecord) -> Bool {
    let need = RawRecord.hasTime | RawRecord.hasDecision
    guard r.seen & need == need, r.decision.end <= b.count, r.time.end <= b.count else { return false }
    stats.truncated += 1
    record(b, r, counted: true)
    return true
  }

  /// Finds `@cee:` in b[from..<end].
  static func cee(_ b: UnsafeBufferPointer<UInt8>, from: Int, to limit: Int) -> Int? {
    let end = min(limit, b.count)
    var i = max(from, 0)
    while i + 5 <= end {
      if b[i] == 0x40 && b[i + 1] == 0x63 && b[i + 2] == 0x65 && b[i + 3] == 0x65
        && b[i + 4] == 0x3a
      {
        return i
      }
      i += 1
    }
    return nil
  }

  static func contains(_ b: UnsafeBufferPointer<UInt8>, _ w: StaticString, from: Int, to limit: Int)
    -> Bool
  {
    let end = min(limit, b.count)
    let n = w.utf8CodeUnitCount
    let p = w.utf8Start
    var i = max(from, 0)
    outer: while i + n <= end {
      for k in 0..<n where b[i + k] != p[k] {
        i += 1
        continue outer
      }
      return true
    }
    return false
  }

  /// One line (without its newline).
  mutating func line(_ b: UnsafeBufferPointer<UInt8>) {
    lineNumber += 1
    stats.lines += 1
    guard b.count <= LogReader.maxLine else {
      malformed("line longer than \(LogReader.maxLine) bytes")
      return
    }
    var start = 0
    var end = b.count
    while end > 0, b[end - 1] == 0x0d || b[end - 1] == 0x20 { end -= 1 }
    while start < end, b[start] == 0x20 || b[start] == 0x09 { start += 1 }
    guard start < end else {
      stats.skipped += 1
      return
    }
    if b[start] == 0x7b {
      if let e = RecordParser.parse(b, from: start, to: end, into: &parsed) {
        if e.offset >= end, cutShort(b, parsed) {  // the text ran out: cut short
          kinds.file += 1
          return
        }
        if LogReader.contains(b, "\"decision\"", from: start, to: end)
          || LogReader.contains(b, "@cee:", from: start, to: end)
          || LogReader.contains(b, "{\"v\":", from: start, to: start + 5)
        {
          malformed("bad JSON at column \(e.offset - start + 1): \(e.message)")
        } else {
          stats.skipped += 1
        }
      } else if parsed.looksLikeRecord {
        kinds.file += 1
        record(b, parsed)
      } else if let m = parsed.message {
        journalMessage(b, parsed, m)
      } else {
        stats.skipped += 1
      }
      return
    }
    guard let at = LogReader.cee(b, from: start, to: end) else {
      stats.skipped += 1
      return
    }
    guard taggedByGatekeeper(b, from: start, cookie: at) else {
      return foreign("@cee: not from \(String(decoding: filter.tag, as: UTF8.self))[PID] at the start of the message")
    }
    if ceeRecord(b, from: at + 5, to: end) { kinds.syslog += 1 }
  }

  /// The JSON after an `@cee:` cookie; true when it was a record.
  @discardableResult
  mutating func ceeRecord(_ b: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> Bool {
    var s = from
    while s < end, b[s] == 0x20 { s += 1 }
    var r = RawRecord()
    if let e = RecordParser.parse(b, from: s, to: end, into: &r) {
      if e.offset >= end, cutShort(b, r) { return true }  // the text ran out: cut short
      if LogReader.contains(b, "\"decision\"", from: s, to: end)
        || LogReader.contains(b, "{\"v\":", from: s, to: min(end, s + 5))
      {
        malformed("bad JSON after @cee: at column \(e.offset - s + 1): \(e.message)")
      } else {
        stats.skipped += 1
      }
    } else if r.looksLikeRecord {
      record(b, r)
      return true
    } else {
      stats.skipped += 1
    }
    return false
  }

  mutating func journalMessage(_ b: UnsafeBufferPointer<UInt8>, _ r: RawRecord, _ m: Span) {
    let ours = r.journalPID && r.syslogIdentifier.map { fieldEquals(b, $0, filter.tag) } == true
    scratch.removeAll(keepingCapacity: true)
    if r.messageIsBytes {
      guard let bytes = RecordParser.byteArray(b, m) else {
        stats.skipped += 1
        return
      }
      scratch = bytes
    } else {
      JSONText.decode(b, m, into: &scratch)
    }
    let text = scratch
    text.withUnsafeBufferPointer { t in
      guard let at = LogReader.cee(t, from: 0, to: min(t.count, 64)) else {
        stats.skipped += 1
        return
      }
      // Only gatekeeper's own entries; others that carry a cookie are listed.
      guard ours else {
        return foreign(
          "journal entry not from \(String(decoding: filter.tag, as: UTF8.self)) (SYSLOG_IDENTIFIER, _PID)")
      }
      guard at == 0 else { return foreign("@cee: not at the start of the journal MESSAGE") }
      if ceeRecord(t, from: at + 5, to: t.count) { kinds.journal += 1 }
    }
  }

  static func equal(_ b: UnsafeBufferPointer<UInt8>, _ s: Span, _ w: StaticString) -> Bool {
    RecordParser.equal(b, s, w)
  }

  mutating func fieldEquals(_ b: UnsafeBufferPointer<UInt8>, _ s: Span, _ want: [UInt8]) -> Bool {
    if !s.escaped {
      guard s.count == want.count else { return false }
      for k in 0..<want.count where b[s.start + k] != want[k] { return false }
      return true
    }
    fieldScratch.removeAll(keepingCapacity: true)
    JSONText.decode(b, s, into: &fieldScratch)
    return fieldScratch == want
  }

  mutating func record(_ b: UnsafeBufferPointer<UInt8>, _ r: borrowing RawRecord, counted: Bool = false) {
    if r.truncated && !counted { stats.truncated += 1 }
    guard r.seen & RawRecord.hasTime != 0, !r.time.escaped,
      let t = Time.parse(b, r.time.start, r.time.end)
    else {
      malformed(r.seen & RawRecord.hasTime == 0 ? "record without time" : "record with a bad time")
      return
    }
    let verdict: Verdict
    if LogReader.equal(b, r.decision, "allow") {
      verdict = .allow
    } else if LogReader.equal(b, r.decision, "deny") {
      verdict = .deny
    } else if LogReader.equal(b, r.decision, "error") {
      verdict = .error
    } else {
      malformed(
        r.seen & RawRecord.hasDecision == 0
          ? "record without decision" : "record with an unknown decision")
      return
    }
    if !filter.isEmpty {
      if let s = filter.since, t < s { return filtered() }
      if let u = filter.until, t >= u { return filtered() }
      if let l = filter.label, !fieldEquals(b, r.label, l) { return filtered() }
      if let c = filter.client, !fieldEquals(b, r.client, c) { return filtered() }
    }
    consumer.consume(RecordView(buffer: b, record: r, time: t, verdict: verdict))
  }

  mutating func filtered() { stats.filteredOut += 1 }
}
