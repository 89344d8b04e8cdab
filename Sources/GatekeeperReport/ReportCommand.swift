// The arguments of `gatekeeper report` / `gatekeeper learn`, and the two
// sessions the executable feeds bytes into (concrete types, so the reading
// loop is specialised inside this module).

public struct ReportOptions: Equatable, Sendable {
  public enum Format: Equatable, Sendable {
    case text, json
    case html(String)
  }
  public var learn = false
  public var help = false
  public var format = Format.text
  public var filter = RecordFilter()
  /// Input files; `-` is standard input; empty means standard input.
  public var files: [String] = []

  public static let usage = """
    usage: gatekeeper report [--json | --html FILE] [--since TIME] [--until TIME]
                             [--label NAME] [--client ADDR] [--tag NAME] [FILE... | -]
           gatekeeper learn [--since TIME] [--until TIME] [--label NAME]
                            [--client ADDR] [--tag NAME] [FILE... | -]
    TIME: 2026-11-26, 2026-11-26T22:00[:SS][Z|+HH:MM] (UTC unless a zone is
    given), or N followed by s, m, h or d for that long before now.

    """

  /// Parses the words after `report` / `learn`. `now` (ms) resolves `24h`.
  public static func parse(_ subcommand: String, _ args: [[UInt8]], now: Int64) -> Result<
    ReportOptions, ReportUsageError
  > {
    var o = ReportOptions()
    o.learn = subcommand == "learn"
    var i = 0
    var onlyFiles = false
    func value(_ name: String, _ w: String) -> Result<String, ReportUsageError> {
      if w.hasPrefix(name + "=") { return .success(String(w.dropFirst(name.count + 1))) }
      guard i + 1 < args.count else { return .failure(ReportUsageError("\(name) needs a value")) }
      i += 1
      return .success(String(decoding: args[i], as: UTF8.self))
    }
    while i < args.count {
      let raw = args[i]
      let w = String(decoding: raw, as: UTF8.self)
      if onlyFiles || w == "-" || !w.hasPrefix("-") {
        o.files.append(w)
        i += 1
        continue
      }
      let name = w.split(separator: "=", maxSplits: 1).first.map(String.init) ?? w
      var v = ""
      if ["--html", "--since", "--until", "--label", "--client", "--tag"].contains(name) {
        switch value(name, w) {
        case .success(let s): v = s
        case .failure(let e): return .failure(e)
        }
      } else if w.contains("=") {
        return .failure(ReportUsageError("unknown option '\(name)'"))
      }
      switch name {
      case "--":
        onlyFiles = true
      case "--help", "-h":
        o.help = true
      case "--json" where !o.learn:
        guard o.format == .text else {
          return .failure(ReportUsageError("--json and --html exclude each other"))
        }
        o.format = .json
      case "--html" where !o.learn:
        guard o.format == .text else {
          return .failure(ReportUsageError("--json and --html exclude each other"))
        }
        guard !v.isEmpty else { return .failure(ReportUsageError("--html needs a file name")) }
        o.format = .html(v)
      case "--since", "--until":
        guard let t = parseTime(v, now: now) else {
          return .failure(ReportUsageError("bad \(name) time '\(v)'"))
        }
        if name == "--since" { o.filter.since = t } else { o.filter.until = t }
      case "--label":
        o.filter.label = Array(v.utf8)
      case "--client":
        guard !v.isEmpty else { return .failure(ReportUsageError("--client needs an address")) }
        o.filter.client = Array(v.utf8)
      case "--tag":
        guard !v.isEmpty, v.utf8.count <= 64, !v.utf8.contains(where: { $0 <= 0x20 || $0 == 0x5b }) else {
          return .failure(ReportUsageError("--tag needs gatekeeper's syslog tag (as in 'log syslog=... tag=NAME')"))
        }
        o.filter.tag = Array(v.utf8)
      default:
        return .failure(ReportUsageError("unknown option '\(w)'"))
      }
      i += 1
    }
    return .success(o)
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

public struct ReportUsageError: Error, Equatable, Sendable {
  public var message: String
  public init(_ m: String) { message = m }
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
