// The finished report: groups sorted, definitions applied. All three
// renderers (text, JSON, HTML) print this one value, so they always agree.
//
// Definitions (documented in gatekeeper(8)):
// - New command shape: a shape (see Shape.swift) whose first record falls
//   after the first 80% of the period covered (first to last record), so it
//   was never seen in the earlier 80%. Nothing is new when the period is
//   shorter than one minute.
// - Unusual hour: for each key with at least 20 calls in the period, an
//   hour of day (UTC) in which the key made calls, but fewer than 10% of
//   the calls of its busiest hour of day.

public enum Definitions {
  public static let newShapePercent: Int64 = 80
  public static let minKeyCalls = 20
  public static let unusualPercentOfPeak = 10
}

public struct Group: Equatable, Sendable {
  public var name: String
  public var counts: Counts
}

public struct KeyGroup: Equatable, Sendable {
  public var key: String
  public var label: String
  public var counts: Counts
}

/// A group with an example record (its earliest).
public struct SampleGroup: Equatable, Sendable {
  public var name: String
  public var counts: Counts
  /// The example's command (nil when the record had none).
  public var example: String?
  public var client: String
  public var key: String
  public var label: String
}

public struct UnusualHour: Equatable, Sendable {
  public var key: String
  public var label: String
  public var hour: Int
  public var counts: Counts
  public var keyCalls: Int
  public var peak: Int
  public var example: String?
  public var client: String
}

public struct Bucket: Equatable, Sendable {
  public var start: Int64
  public var allowed = 0
  public var denied = 0
  public var errors = 0
}

public struct Summary: Sendable {
  public var inputs: [String] = []
  public var lines = 0
  public var skipped = 0
  public var malformed = 0
  public var filteredOut = 0
  public var malformedLines: [MalformedLine] = []
  public var foreign = 0
  public var foreignLines: [MalformedLine] = []
  public var truncated = 0
  /// The kind of each input: audit file, syslog, journal, mixed, no records.
  public var sources: [String] = []
  public var filters: [(String, String)] = []
  public var totals = Counts()
  public var clients: [Group] = []
  public var keys: [KeyGroup] = []
  public var rules: [Group] = []
  public var denials: [SampleGroup] = []
  public var errorReasons: [SampleGroup] = []
  /// Shapes first seen at or after this time are new (nil: no records).
  public var newShapesAfter: Int64? = nil
  public var newShapes: [SampleGroup] = []
  public var shapeCount = 0
  public var unusual: [UnusualHour] = []
  /// `hour`, `day`, `week`, `month` (30 days) or `year` (365 days).
  public var timelineUnit = "hour"
  public var timelineStep = Time.hour
  public var timeline: [Bucket] = []
  public var timelineMax = 0

  public var records: Int { totals.calls }
  public var first: Int64? { totals.calls > 0 ? totals.first : nil }
  public var last: Int64? { totals.calls > 0 ? totals.last : nil }
}

extension Aggregator {
  func sample(_ name: String, _ s: Sample) -> SampleGroup {
    SampleGroup(
      name: name, counts: s.counts, example: s.command >= 0 ? commands.string(s.command) : nil,
      client: clients.string(s.client), key: keys.string(s.key), label: labels.string(s.label))
  }

  static func byCalls(_ a: Counts, _ an: String, _ b: Counts, _ bn: String) -> Bool {
    a.calls != b.calls ? a.calls > b.calls : an < bn
  }

  /// The finished report.
  public func summary(_ stats: InputStats, filter: RecordFilter) -> Summary {
    var s = Summary()
    s.inputs = stats.inputs
    s.lines = stats.lines
    s.skipped = stats.skipped
    s.malformed = stats.malformed
    s.filteredOut = stats.filteredOut
    s.malformedLines = stats.malformedLines
    s.foreign = stats.foreign
    s.foreignLines = stats.foreignLines
    s.truncated = stats.truncated
    s.sources = stats.sources
    if let v = filter.since { s.filters.append(("since", Time.iso(v))) }
    if let v = filter.until { s.filters.append(("until", Time.iso(v))) }
    if let v = filter.label { s.filters.append(("label", String(decoding: v, as: UTF8.self))) }
    if let v = filter.client { s.filters.append(("client", String(decoding: v, as: UTF8.self))) }
    s.totals = totals

    s.clients = (0..<clients.count).map {
      Group(name: clients.string($0), counts: clientCounts[$0])
    }
    .sorted { Aggregator.byCalls($0.counts, $0.name, $1.counts, $1.name) }
    s.rules = (0..<rules.count).map { Group(name: rules.string($0), counts: ruleCounts[$0]) }
      .sorted { Aggregator.byCalls($0.counts, $0.name, $1.counts, $1.name) }
    s.keys = keyLabels.enumerated().map {
      KeyGroup(
        key: keys.string($0.element.key), label: labels.string($0.element.label),
        counts: keyLabelCounts[$0.offset])
    }.sorted {
      Aggregator.byCalls(
        $0.counts, $0.key + "\u{0}" + $0.label, $1.counts, $1.key + "\u{0}" + $1.label)
    }
    s.denials = (0..<reasons.count).filter { denyReasons[$0].counts.calls > 0 }
      .map { sample(reasons.string($0), denyReasons[$0]) }
      .sorted { Aggregator.byCalls($0.counts, $0.name, $1.counts, $1.name) }
    s.errorReasons = (0..<reasons.count).filter { errorReasons[$0].counts.calls > 0 }
      .map { sample(reasons.string($0), errorReasons[$0]) }
      .sorted { Aggregator.byCalls($0.counts, $0.name, $1.counts, $1.name) }

    s.shapeCount = shapes.count
    if totals.calls > 0 {
      let span = totals.last - totals.first
      let cutoff =
        totals.first + span / 100 * Definitions.newShapePercent + span % 100
        * Definitions.newShapePercent / 100
      s.newShapesAfter = cutoff
      if span >= 60_000 {
        s.newShapes = (0..<shapes.count).filter { shapeSamples[$0].counts.first > cutoff }
          .map { sample(shapes.string($0), shapeSamples[$0]) }
          .sorted {
            $0.counts.first != $1.counts.first
              ? $0.counts.first < $1.counts.first : $0.name < $1.name
          }
      }
    }

    for k in 0..<keys.count where keyCalls[k] >= Definitions.minKeyCalls {
      let hours = keyHours[(k * 24)..<(k * 24 + 24)]
      let peak = hours.map { $0.counts.calls }.max() ?? 0
      for (h, sample) in hours.enumerated()
      where sample.counts.calls > 0
        && sample.counts.calls * 100 < peak * Definitions.unusualPercentOfPeak
      {
        s.unusual.append(
          UnusualHour(
            key: keys.string(k), label: labels.string(sample.label), hour: h, counts: sample.counts,
            keyCalls: keyCalls[k], peak: peak,
            example: sample.command >= 0 ? commands.string(sample.command) : nil,
            client: clients.string(sample.client)))
      }
    }
    s.unusual.sort { $0.key != $1.key ? $0.key < $1.key : $0.hour < $1.hour }

    timeline(&s)
    return s
  }

  func timeline(_ s: inout Summary) {
    guard totals.calls > 0 else { return }
    let units: [(String, Int64)] = [
      ("hour", Time.hour), ("day", Time.day), ("week", 7 * Time.day), ("month", 30 * Time.day),
      ("year", 365 * Time.day),
    ]
    func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }
    var unit = units[units.count - 1]
    for u in units {
      let n = floorDiv(totals.last, u.1) - floorDiv(totals.first, u.1) + 1
      if (u.0 == "hour" && n <= 72) || (u.0 != "hour" && n <= 1000) {
        unit = u
        break
      }
    }
    s.timelineUnit = unit.0
    s.timelineStep = unit.1
    let base = floorDiv(totals.first, unit.1)
    let n = Int(floorDiv(totals.last, unit.1) - base + 1)
    var buckets = (0..<max(n, 0)).map { Bucket(start: (base + Int64($0)) * unit.1) }
    for (h, c) in hourTotals {
      let i = Int(floorDiv(h * Time.hour, unit.1) - base)
      guard i >= 0, i < buckets.count else { continue }
      buckets[i].allowed += c.0
      buckets[i].denied += c.1
      buckets[i].errors += c.2
    }
    s.timeline = buckets
    s.timelineMax = buckets.map { $0.allowed + $0.denied + $0.errors }.max() ?? 0
  }
}
