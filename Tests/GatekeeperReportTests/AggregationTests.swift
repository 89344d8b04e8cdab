import Foundation
import Testing

@testable import GatekeeperReport

enum Fixture {
  static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

  static func text(_ name: String) -> String {
    (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? ""
  }

  /// The small fixture, read as `small.jsonl`.
  static func small(filter: RecordFilter = RecordFilter()) -> ReportSession {
    var s = ReportSession(filter: filter)
    s.read("small.jsonl", Array(text("small.jsonl").utf8))
    return s
  }

  /// Compares with a golden file; GATEKEEPER_UPDATE_GOLDEN=1 rewrites it.
  static func checkGolden(
    _ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let url = dir.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["GATEKEEPER_UPDATE_GOLDEN"] == "1" {
      try? actual.write(to: url, atomically: true, encoding: .utf8)
      return
    }
    let want = text(name)
    #expect(actual == want, "golden \(name) differs", sourceLocation: sourceLocation)
  }
}

struct AggregationTests {
  @Test func totalsOfTheSmallFixture() {
    let s = Fixture.small().summary()
    #expect(s.records == 11)
    #expect((s.totals.allowed, s.totals.denied, s.totals.errors) == (6, 4, 1))
    #expect((s.lines, s.skipped, s.malformed) == (14, 2, 1))
    #expect(
      s.malformedLines == [
        MalformedLine(
          input: "small.jsonl", line: 6, error: "bad JSON at column 70: command is not a string")
      ])
    #expect(s.first.map(Time.iso) == "2026-11-20T02:00:01.000Z")
    #expect(s.last.map(Time.iso) == "2026-11-24T23:00:00.000Z")
  }

  @Test func groups() {
    let s = Fixture.small().summary()
    #expect(
      s.clients.map {
        "\($0.name) \($0.counts.calls)/\($0.counts.allowed)/\($0.counts.denied)/\($0.counts.errors)"
      } == [
        "192.0.2.7 6/3/3/0", "192.0.2.8 4/3/0/1", "203.0.113.9 1/0/1/0",
      ])
    #expect(
      s.keys.map { "\($0.key.prefix(12)) \($0.label) \($0.counts.calls)" } == [
        "SHA256:G5TDl  6", "SHA256:q3xvR backuppc 4", "  1",
      ])
    #expect(
      s.rules.map { "\($0.name) \($0.counts.calls)" } == [
        "/etc/gatekeeper/gatekeeper.policy:8 6", "/etc/gatekeeper/gatekeeper.policy:9 4", " 1",
      ])
    #expect(
      s.denials.map { "\($0.name) \($0.counts.calls)" } == [
        "rsync-outside-roots 2", "no-matching-rule 1", "shell-operator 1",
      ])
    #expect(s.denials[0].example == "rsync --server --sender -logDtpre.iLsfxCIvu . /root/")
    #expect(Time.iso(s.denials[0].counts.first) == "2026-11-21T03:15:00.000Z")
    #expect(Time.iso(s.denials[0].counts.last) == "2026-11-23T02:00:00.000Z")
    #expect(s.denials[2].example == "rsync --server --sender . /etc/ && echo \"pwned\"\n\u{1b}[2J")
    #expect(s.errorReasons.map { "\($0.name) \($0.counts.calls)" } == ["exec-failed 1"])
  }

  @Test func newShapes() {
    let s = Fixture.small().summary()
    // period 2026-11-20T02:00:01 .. 2026-11-24T23:00 (421,199 s): 80% after the
    // start is 2026-11-23T23:36:00.2
    #expect(s.newShapesAfter.map(Time.iso) == "2026-11-23T23:36:00.200Z")
    #expect(
      s.newShapes.map(\.name) == [
        "tar -c -f - -C PATH --exclude=* .", "tar -c -f - -C PATH --acls --xattrs .",
      ])
    #expect(s.shapeCount == 5)
  }

  @Test(arguments: [
    (
      "rsync --server --sender -logDtpre.iLsfxCIvu . /etc/",
      "rsync --server --sender -logDtpre.iLsfxCIvu . PATH"
    ),
    (
      "rsync --server --sender -logDtpre.iLsfxCIvu . /etc/ /home/ /srv/",
      "rsync --server --sender -logDtpre.iLsfxCIvu . PATH..."
    ),
    (
      "/usr/bin/rsync --server --sender --bwlimit=1000 . /etc/",
      "rsync --server --sender --bwlimit=* . PATH"
    ),
    ("env LC_ALL=C /bin/tar -c -v -f - -C / --totals .", "tar -c -v -f - -C PATH --totals ."),
    (
      "ionice -c3 nice -n 19 env LC_ALL=C /bin/tar -c -f - -C /home ./a ./b",
      "tar -c -f - -C PATH..."
    ),
    ("tar -cf- -C/etc .", "tar -cf* -C* ."),
    ("tar czf - etc", "tar czf - ARG"),
    ("rsync --server --sender . '/srv/my dir/' 12", "rsync --server --sender . PATH N"),
    ("", "(empty)"),
    ("LANG=C", "(empty)"),
    ("sh -c \"id; rm -rf /\"", "sh -c PATH"),
    ("rsync --\u{1b}[2J=x .", "rsync OPT=* ."),
  ])
  func shapeOf(_ command: String, _ shape: String) {
    #expect(Shape.of(Array(command.utf8)[...]) == shape)
  }

  /// 30 nightly calls at 02:xx and one at 14:xx from one key; a second key
  /// with too little history is never judged.
  @Test func unusualHours() {
    var lines: [String] = []
    for d in 1...30 {
      let day = (d < 10 ? "0" : "") + String(d)
      lines.append(recordLine(time: "2026-11-\(day)T02:\(day):00.000Z", key: "SHA256:night"))
    }
    lines.append(
      recordLine(time: "2026-11-15T14:05:00.000Z", client: "192.0.2.99", key: "SHA256:night"))
    lines.append(recordLine(time: "2026-11-15T03:05:00.000Z", key: "SHA256:night"))
    lines.append(recordLine(time: "2026-11-15T03:06:00.000Z", key: "SHA256:night"))
    lines.append(recordLine(time: "2026-11-15T03:07:00.000Z", key: "SHA256:night"))
    lines.append(recordLine(time: "2026-11-15T15:00:00.000Z", key: "SHA256:new"))
    let s = report(lines.joined(separator: "\n"))
    // 03:00 has 3 calls = 10% of the peak (30): usual; 14:00 has 1: unusual
    #expect(
      s.unusual.map {
        "\($0.key) \($0.hour) \($0.counts.calls) \($0.keyCalls) \($0.peak) \($0.client)"
      } == [
        "SHA256:night 14 1 34 30 192.0.2.99"
      ])
  }

  @Test func filters() {
    var f = RecordFilter()
    f.since = Time.parse("2026-11-21")
    f.until = Time.parse("2026-11-24")
    var s = Fixture.small(filter: f).summary()
    #expect(s.records == 6)
    #expect(s.filteredOut == 5)
    #expect(
      s.filters.map { "\($0.0)=\($0.1)" } == [
        "since=2026-11-21T00:00:00.000Z", "until=2026-11-24T00:00:00.000Z",
      ])

    f = RecordFilter()
    f.label = Array("backuppc".utf8)
    s = Fixture.small(filter: f).summary()
    #expect(s.records == 4)
    #expect(s.clients.map(\.name) == ["192.0.2.8"])

    f = RecordFilter()
    f.label = []
    s = Fixture.small(filter: f).summary()
    #expect(s.records == 7)

    f = RecordFilter()
    f.client = Array("203.0.113.9".utf8)
    s = Fixture.small(filter: f).summary()
    #expect(s.records == 1)
    #expect(s.denials.map(\.name) == ["no-matching-rule"])
    // malformed lines are reported whatever the filter
    #expect(s.malformed == 1)
  }

  @Test func filterMatchesEscapedFields() {
    var f = RecordFilter()
    f.label = Array("é".utf8)
    let line = recordLine().replacingOccurrences(
      of: "\"label\":\"\"", with: "\"label\":\"\\u00e9\"")
    #expect(report(line, filter: f).records == 1)
  }

  @Test func timelineUnits() {
    let s = Fixture.small().summary()
    #expect(s.timelineUnit == "day")
    #expect(s.timeline.count == 5)
    #expect(s.timeline.map { $0.allowed + $0.denied + $0.errors } == [2, 2, 2, 2, 3])
    #expect(s.timelineMax == 3)
    let short = report(
      recordLine(time: "2026-11-26T01:10:00Z") + "\n"
        + recordLine(time: "2026-11-26T03:59:00Z", decision: "deny"))
    #expect(short.timelineUnit == "hour")
    #expect(
      short.timeline.map { "\(Time.iso($0.start)) \($0.allowed) \($0.denied)" } == [
        "2026-11-26T01:00:00.000Z 1 0", "2026-11-26T02:00:00.000Z 0 0",
        "2026-11-26T03:00:00.000Z 0 1",
      ])
    let wide = report(
      recordLine(time: "1990-01-01T00:00:00Z") + "\n" + recordLine(time: "2026-01-01T00:00:00Z"))
    #expect(wide.timelineUnit == "month")
    #expect(wide.timeline.count < 1000)
  }

  @Test func emptyInput() {
    let s = report("")
    #expect(s.records == 0)
    #expect(s.first == nil)
    #expect(TextReport.render(s).contains("(no records)"))
    #expect(JSONReport.render(s).contains("\"first\":null"))
    #expect(HTMLReport.render(s).contains("no records"))
  }

  @Test func splitAndMergeGiveTheSameReport() {
    let text = Fixture.text("small.jsonl")
    let whole = Fixture.small()
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    for cut in 1..<(lines.count - 1) {
      var a = ReportSession(filter: RecordFilter())
      a.begin("small.jsonl")
      Array((lines[..<cut].joined(separator: "\n") + "\n").utf8).withUnsafeBufferPointer {
        a.feed($0)
      }
      var b = ReportSession(filter: RecordFilter())
      b.begin("small.jsonl")
      Array(lines[cut...].joined(separator: "\n").utf8).withUnsafeBufferPointer { b.feed($0) }
      b.finish()
      a.merge(b, lineOffset: a.currentLine)
      #expect(a.render(.json) == whole.render(.json), "cut at \(cut)")
      #expect(a.render(.text) == whole.render(.text), "cut at \(cut)")
    }
  }
}
