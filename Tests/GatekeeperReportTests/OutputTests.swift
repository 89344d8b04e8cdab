import Foundation
import GatekeeperCore
import Testing

@testable import GatekeeperReport

/// The value at a dotted path (`clients.0.calls`) of parsed JSON, as text.
func jsonValue(_ root: Any, _ path: String) -> String? {
  var cur: Any = root
  for part in path.split(separator: ".") {
    if let i = Int(part), let a = cur as? [Any], i >= 0, i < a.count {
      cur = a[i]
    } else if let d = cur as? [String: Any], let v = d[String(part)] {
      cur = v
    } else {
      return nil
    }
  }
  if let n = cur as? NSNumber { return n.stringValue }
  return cur as? String
}

/// Every `data-json="PATH"` element of a page with its value (the
/// `data-value` attribute, else the element's text).
func dataJSONValues(_ html: String) -> [(String, String)] {
  let re = try! NSRegularExpression(
    pattern: #"<[a-z]+[^>]*data-json="([^"]+)"(?:[^>]*data-value="([^"]*)")?[^>]*>([^<]*)<"#)
  let ns = html as NSString
  return re.matches(in: html, range: NSRange(location: 0, length: ns.length)).map { m in
    let path = ns.substring(with: m.range(at: 1))
    let value =
      m.range(at: 2).location != NSNotFound
      ? ns.substring(with: m.range(at: 2)) : ns.substring(with: m.range(at: 3))
    return (path, value)
  }
}

struct OutputTests {
  @Test func goldenText() {
    Fixture.checkGolden(Fixture.small().render(.text), "small.report.txt")
  }

  @Test func goldenJSON() {
    Fixture.checkGolden(Fixture.small().render(.json), "small.report.json")
  }

  @Test func goldenLearn() {
    var l = LearnSession(filter: RecordFilter())
    l.read("small.jsonl", Array(Fixture.text("small.jsonl").utf8))
    Fixture.checkGolden(l.render(), "small.learn.txt")
  }

  /// Generated records with long values: every line fits 80 columns and no
  /// control character reaches the terminal.
  @Test func textFits80ColumnsAndIsClean() {
    var lines: [String] = []
    for i in 0..<200 {
      let hour = i % 24 < 10 ? "0\(i % 24)" : "\(i % 24)"
      lines.append(
        recordLine(
          time: "2026-11-\(10 + i % 9)T\(hour):00:00.000Z", decision: i % 3 == 0 ? "deny" : "allow",
          reason: i % 3 == 0 ? "reason-with-a-very-long-name-\(i % 4)-and-more-words" : "allowed",
          label: "label-that-is-long-\(i % 3)",
          client: "2001:db8:1234:5678:9abc:def0:1234:\(i % 5)",
          key: "SHA256:" + String(repeating: "K", count: 43) + "\(i % 4)",
          command: "tar -c -f - -C /very/long/path/\(i)/" + String(repeating: "x", count: 100)
            + " --weird-\(i)\u{1b}[2J\u{202e}",
          rule: "/etc/gatekeeper/a/very/long/directory/name/gatekeeper.policy:\(i % 7)"))
    }
    lines.append("{\"v\":1,\"time\":\"2026-11-11T00:00:00Z\",\"decision\":\"allow\",\u{1b}[2J")
    let text = report(
      lines.joined(separator: "\n"),
      name: "/var/log/gatekeeper/" + String(repeating: "d", count: 90)
    ).self
    let out = TextReport.render(text)
    for line in out.split(separator: "\n") {
      #expect(line.unicodeScalars.count <= 80, "too wide: \(line)")
      #expect(!line.unicodeScalars.contains { DisplayText.isUnsafe($0.value) }, "unsafe: \(line)")
    }
  }

  @Test func htmlIsSelfContainedAndMatchesJSON() throws {
    let session = Fixture.small()
    let html = session.render(.html(""))
    let json = try JSONSerialization.jsonObject(with: Data(session.render(.json).utf8))
    #expect(!html.contains("<script"))
    #expect(!html.contains("src="))
    #expect(!html.contains("href="))
    #expect(!html.contains("url("))
    #expect(html.contains("<svg"))
    #expect(!html.contains("\u{1b}"))
    let values = dataJSONValues(html)
    #expect(values.count > 50)
    for (path, value) in values {
      #expect(jsonValue(json, path) == value, "\(path)")
    }
    for id in ["records", "allowed", "denied", "errors"] {
      #expect(values.contains { $0.0 == id })
    }
    // every bucket of the timeline is drawn
    let bars = values.filter { $0.0.hasPrefix("timeline.buckets.") && !$0.0.hasSuffix(".start") }
    // one rect per non-zero count: allowed on 4 days, denied on 4, errors on 1
    #expect(bars.count == 9)
  }

  @Test func jsonHasTheRequiredKeys() throws {
    let obj =
      try JSONSerialization.jsonObject(with: Data(Fixture.small().render(.json).utf8))
      as? [String: Any]
    for k in [
      "records", "allowed", "denied", "errors", "clients", "keys", "rules", "denials", "new_shapes",
      "unusual_hours", "timeline", "malformed_lines", "first", "last",
    ] {
      #expect(obj?[k] != nil, "\(k)")
    }
    #expect(obj?["records"] as? Int == 11)
  }

  @Test(arguments: [
    ("2026-11-26", "2026-11-26T00:00:00.000Z"),
    ("2026-11-26T22:47", "2026-11-26T22:47:00.000Z"),
    ("2026-11-26 22:47:16", "2026-11-26T22:47:16.000Z"),
    ("2026-11-26T22:47:16.5+01:00", "2026-11-26T21:47:16.500Z"),
    ("2026-11-26T22:47:16-0230", "2026-11-27T01:17:16.000Z"),
    ("90m", "1970-01-01T22:30:00.000Z"),
    ("1d", "1970-01-01T00:00:00.000Z"),
  ])
  func times(_ text: String, _ iso: String) {
    #expect(ReportOptions.parseTime(text, now: 86_400_000).map(Time.iso) == iso)
  }

  @Test(arguments: [
    "", "2026-1-2", "2026-11-26T25:00", "2026-11-26T22:47:16Zjunk", "99999999999d", "-5h", "5y",
  ])
  func badTimes(_ text: String) {
    #expect(ReportOptions.parseTime(text, now: 0) == nil)
  }
}
