// What `gatekeeper report` / `gatekeeper learn` need beyond their argument
// grammar (which is the executable's, from the core's one table): the output
// format and the reading of --since/--until times; and the two sessions the
// executable feeds bytes into (concrete types, so the reading loop is
// specialised inside this module).

public enum ReportOptions {
  public enum Format: Equatable, Sendable {
    case text, json
    case html(String)
  }

  /// An absolute time, or `N[smhd]` before `now`.
  public static func parseTime(_ s: String, now: Int64) -> Int64? {
    if let t = Time.parse(s, requireTime: false) { return t }
    guard let unit = s.last, s.count >= 2, s.count <= 10 else { return nil }
    let digits = s.dropLast()
    guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(digits) else {
      return nil
    }
    let scale: Int64
    switch unit {
    case "s": scale = 1000
    case "m": scale = 60_000
    case "h": scale = Time.hour
    case "d": scale = Time.day
    default: return nil
    }
    let (ago, overflow) = n.multipliedReportingOverflow(by: scale)
    guard !overflow, ago <= 400 * 365 * Time.day else { return nil }
    return now - ago
  }
}

/// `gatekeeper report`: feed inputs, then render.
public struct ReportSession {
  var reader: LogReader<Aggregator>
  public init(filter: RecordFilter) { reader = LogReader(Aggregator(), filter: filter) }
  public var filter: RecordFilter { reader.filter }
  public mutating func begin(_ name: String) { reader.begin(name) }
  public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>) { reader.feed(chunk) }
  public mutating func finish() { reader.finish() }
  public mutating func read(_ name: String, _ bytes: [UInt8]) { reader.read(name, bytes) }
  public func summary() -> Summary { reader.consumer.summary(reader.currentStats, filter: reader.filter) }
  /// Lines read so far from the current input.
  public var currentLine: Int { reader.lineNumber }

  /// Adds a session that read the rest of the current input (from line
  /// `lineOffset + 1` on) on another thread.
  public mutating func merge(_ other: ReportSession, lineOffset: Int) {
    reader.consumer.merge(other.reader.consumer)
    let o = other.reader.stats
    reader.stats.lines += o.lines
    reader.stats.skipped += o.skipped
    reader.stats.malformed += o.malformed
    reader.stats.filteredOut += o.filteredOut
    reader.stats.foreign += o.foreign
    reader.stats.truncated += o.truncated
    reader.kinds.file += other.reader.kinds.file
    reader.kinds.syslog += other.reader.kinds.syslog
    reader.kinds.journal += other.reader.kinds.journal
    for var m in o.foreignLines where reader.stats.foreignLines.count < InputStats.keepMalformed {
      m.line += lineOffset
      reader.stats.foreignLines.append(m)
    }
    for var m in o.malformedLines where reader.stats.malformedLines.count < InputStats.keepMalformed {
      m.line += lineOffset
      reader.stats.malformedLines.append(m)
    }
    reader.lineNumber += other.reader.lineNumber
  }
  public func render(_ format: ReportOptions.Format) -> String {
    let s = summary()
    switch format {
    case .text: return TextReport.render(s)
    case .json: return JSONReport.render(s)
    case .html: return HTMLReport.render(s)
    }
  }
}

/// `gatekeeper learn`: feed inputs, then render the proposed policy.
public struct LearnSession {
  var reader: LogReader<Learner>
  public init(filter: RecordFilter) { reader = LogReader(Learner(), filter: filter) }
  public mutating func begin(_ name: String) { reader.begin(name) }
  public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>) { reader.feed(chunk) }
  public mutating func finish() { reader.finish() }
  public mutating func read(_ name: String, _ bytes: [UInt8]) { reader.read(name, bytes) }
  public var stats: InputStats { reader.stats }
  public func render() -> String {
    var out = reader.consumer.render()
    let st = reader.stats
    if st.malformed > 0 {
      out += "\n" + Learner.comment("\(st.malformed) malformed lines skipped, e.g.:")
      for m in st.malformedLines.prefix(5) {
        out += Learner.comment("  \(m.input):\(m.line): \(m.error)")
      }
    }
    return out
  }
}
