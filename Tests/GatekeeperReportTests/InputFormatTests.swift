import GatekeeperCore
import Testing

@testable import GatekeeperReport

/// A record line as gatekeeper writes it.
func recordLine(
  time: String = "2026-11-26T22:47:16.802Z", decision: String = "allow", reason: String = "allowed",
  label: String = "", client: String = "192.0.2.7", key: String = "SHA256:abc",
  command: String = "rsync --server --sender -e.LsfxC . /etc/",
  argv: [String] = ["/usr/bin/rsync", "--server", "--sender", "-e.LsfxC", "--", ".", "/etc/"],
  rule: String = "/p:8"
) -> String {
  var o =
    "{\"v\":1,\"time\":" + JSONWriter.quoted(time) + ",\"host\":\"h\",\"pid\":7,\"decision\":"
    + JSONWriter.quoted(decision)
  o +=
    ",\"reason\":" + JSONWriter.quoted(reason) + ",\"detail\":\"d\",\"rule\":" + JSONWriter.quoted(rule)
    + ",\"label\":"
  o +=
    JSONWriter.quoted(label) + ",\"user\":\"root\",\"client\":" + JSONWriter.quoted(client)
    + ",\"client_port\":\"1\",\"key\":"
  o += JSONWriter.quoted(key) + ",\"mode\":\"forced\",\"command\":" + JSONWriter.quoted(command) + ",\"argv\":["
  o += argv.map { JSONWriter.quoted($0) }.joined(separator: ",") + "]}"
  return o
}

/// Reads `text` as one input named `name`; returns the summary.
func report(_ text: String, name: String = "in", filter: RecordFilter = RecordFilter()) -> Summary {
  var s = ReportSession(filter: filter)
  s.read(name, Array(text.utf8))
  return s.summary()
}

struct InputFormatTests {
  static let rec = recordLine(command: "rsync 'it''s' \"q\" \u{1b}x")

  static let formats: [(String, String)] = {
    let rec = InputFormatTests.rec
    let journal: String =
      "{\"__CURSOR\":\"s=1;i=2\",\"__REALTIME_TIMESTAMP\":\"1795733236802000\",\"PRIORITY\":\"6\","
    let bytes: String = Array(("@cee:" + rec).utf8).map { String($0) }.joined(separator: ",")
    var out: [(String, String)] = []
    out.append(("json line", rec))
    out.append(("auth.log", "Nov 26 22:47:16 client1 gatekeeper[4242]: @cee:" + rec))
    out.append(("auth.log, one-digit day", "Nov  6 22:47:16 client1 gatekeeper[4242]: @cee:" + rec))
    out.append(
      ("rsyslog RFC 3339", "2026-11-26T22:47:16.802345+00:00 client1 gatekeeper[4242]: @cee:" + rec))
    out.append(
      ("journalctl short-iso", "2026-11-26T22:47:16+0000 client1 gatekeeper[4242]: @cee:" + rec))
    out.append(("cee with a space", "Nov 26 22:47:16 client1 gatekeeper[4242]: @cee: " + rec))
    out.append(("CRLF", rec + "\r"))
    out.append(("leading blanks", "  \t" + rec))
    let message: String = JSONWriter.quoted("@cee:" + rec)
    out.append(
      (
        "journalctl -o json",
        journal + "\"SYSLOG_IDENTIFIER\":\"gatekeeper\",\"MESSAGE\":" + message + ",\"_PID\":\"4242\"}"
      ))
    out.append(
      (
        "journalctl -o json, MESSAGE as bytes",
        "{\"SYSLOG_IDENTIFIER\":\"gatekeeper\",\"_PID\":4242,\"MESSAGE\":[" + bytes + "]}"
      ))
    return out
  }()

  @Test(arguments: InputFormatTests.formats)
  func readsEveryFormat(_ name: String, _ line: String) {
    let s = report("unrelated first line\n" + line + "\n")
    #expect(s.records == 1, "\(name)")
    #expect(s.malformed == 0, "\(name)")
    #expect(s.skipped == 1, "\(name)")
    #expect(s.clients.first?.name == "192.0.2.7", "\(name)")
    #expect(s.first == Time.parse("2026-11-26T22:47:16.802Z"), "\(name)")
    #expect(s.newShapes.isEmpty)
  }

  @Test func commandSurvivesWrapping() {
    let journal =
      "{\"SYSLOG_IDENTIFIER\":\"gatekeeper\",\"_PID\":\"1\",\"MESSAGE\":"
      + JSONWriter.quoted("@cee:" + InputFormatTests.rec) + "}\n"
      + "Nov 26 22:47:16 h gatekeeper[1]: @cee:"
      + InputFormatTests.rec + "\n"
    let s = report(journal)
    #expect(s.records == 2)
    #expect(s.shapeCount == 1)
  }

  @Test(arguments: [
    "Nov 26 22:47:16 client1 sshd[811]: Accepted publickey for root from 192.0.2.8 port 40000 ssh2",
    "{\"some\":\"other json\"}",
    "{\"MESSAGE\":\"a journal line without a record\",\"_PID\":\"1\"}",
    "{\"MESSAGE\":[104,105]}",
    "{not json and no record}",
    "",
    "   ",
    "\u{1b}[31mcolour\u{1b}[0m",
  ])
  func skipsUnrelatedLines(_ line: String) {
    let s = report(line + "\n")
    #expect(s.records == 0)
    #expect(s.malformed == 0)
    #expect(s.skipped == 1)
  }

  /// Anyone can write to syslog: a `@cee:` line that is not gatekeeper's
  /// (another tag, no pid, the cookie inside the message, a journal entry
  /// of another program) is counted and listed, never taken for a record,
  /// even when it says "allow".
  @Test(arguments: [
    "Nov 26 22:47:16 client1 app[1]: @cee:{\"msg\":\"another CEE program\"}",
    "Nov 26 22:47:16 client1 app[1]: @cee: not json at all",
    "Nov 26 22:47:16 client1 evil[99]: @cee:" + InputFormatTests.rec,
    "Nov 26 22:47:16 client1 gatekeeper: @cee:" + InputFormatTests.rec,
    "Nov 26 22:47:16 client1 gatekeeper[12]: some app says @cee:" + InputFormatTests.rec,
    "Nov 26 22:47:16 client1 notgatekeeper[12]: @cee:" + InputFormatTests.rec,
    "{\"SYSLOG_IDENTIFIER\":\"evil\",\"_PID\":\"9\",\"MESSAGE\":" + JSONWriter.quoted("@cee:" + InputFormatTests.rec)
      + "}",
    "{\"SYSLOG_IDENTIFIER\":\"gatekeeper\",\"MESSAGE\":" + JSONWriter.quoted("@cee:" + InputFormatTests.rec) + "}",
    "{\"SYSLOG_IDENTIFIER\":\"gatekeeper\",\"_PID\":\"9\",\"MESSAGE\":"
      + JSONWriter.quoted("x @cee:" + InputFormatTests.rec) + "}",
  ])
  func forgedLinesAreNotFromGatekeeper(_ line: String) {
    let s = report(line + "\n")
    #expect(s.records == 0 && s.malformed == 0)
    #expect(s.foreign == 1 && s.foreignLines.count == 1, "\(line)")
  }

  /// `log syslog=... tag=NAME`: report --tag NAME reads that tag only.
  @Test func anotherTagIsReadWithTag() {
    let line = "Nov 26 22:47:16 client1 gktest[4242]: @cee:" + InputFormatTests.rec + "\n"
    #expect(report(line).foreign == 1)
    var filter = RecordFilter()
    filter.tag = Array("gktest".utf8)
    var r = ReportSession(filter: filter)
    r.read("auth.log", Array(line.utf8))
    #expect(r.summary().records == 1 && r.summary().sources == ["syslog"])
  }

  /// A line cut short (a syslogd's size limit) whose time and decision still
  /// read counts under that decision, as truncated; so does a record
  /// gatekeeper shortened itself.
  @Test func truncatedLinesCountUnderTheirDecision() {
    let cut = #"{"v":1,"time":"2026-11-26T22:47:16.802Z","host":"h","pid":7,"decision":"deny","reason":"rsync-out"#
    let syslogCut = "Nov 26 22:47:16 h gatekeeper[1]: @cee:" + cut
    let shortened = #"{"v":1,"time":"2026-11-26T22:47:16.802Z","decision":"allow","truncated":true}"#
    let s = report([cut, syslogCut, shortened].joined(separator: "\n") + "\n")
    #expect(s.records == 3 && s.malformed == 0)
    #expect(s.totals.denied == 2 && s.totals.allowed == 1)
    #expect(s.truncated == 3)
  }

  @Test(arguments: [
    (
      #"{"v":1,"time":"2026-11-26T22:47:16.802Z","decision":"allow","command":x}"#,
      "bad JSON at column 71: command is not a string"
    ),
    (
      "Nov 26 22:47:16 h gatekeeper[1]: @cee:{\"v\":1,\"time\":\"2026",
      "bad JSON after @cee: at column 20: unterminated string"
    ),
    (#"{"v":1,"decision":"allow"}"#, "record without time"),
    (#"{"v":1,"time":"yesterday","decision":"allow"}"#, "record with a bad time"),
    (#"{"v":1,"time":"2026-11-26T22:47:16.802Z"}"#, "record without decision"),
    (
      #"{"v":1,"time":"2026-11-26T22:47:16.802Z","decision":"maybe"}"#,
      "record with an unknown decision"
    ),
    (#"{"decision":"allow","time":"2026-13-26T22:47:16Z"}"#, "record with a bad time"),
    (
      "{\"SYSLOG_IDENTIFIER\":\"gatekeeper\",\"_PID\":1,\"MESSAGE\":\"@cee:{\\\"v\\\":1,}\"}",
      "bad JSON after @cee: at column 8: expected a string"
    ),
  ])
  func reportsMalformedLinesWithNumbers(_ line: String, _ error: String) {
    let s = report(
      "first\n" + InputFormatTests.rec + "\n" + line + "\n" + InputFormatTests.rec + "\n",
      name: "audit.jsonl")
    #expect(s.records == 2)
    #expect(s.malformed == 1)
    #expect(s.malformedLines == [MalformedLine(input: "audit.jsonl", line: 3, error: error)])
  }

  @Test func lineNumbersRestartPerInput() {
    var r = ReportSession(filter: RecordFilter())
    r.read("a", Array("x\n{\"v\":1\n".utf8))
    r.read("b", Array("{\"v\":1\n".utf8))
    let s = r.summary()
    #expect(s.malformedLines.map { "\($0.input):\($0.line)" } == ["a:2", "b:1"])
    #expect(s.inputs == ["a", "b"])
    #expect(s.lines == 3)
  }

  @Test func lastLineWithoutNewline() {
    let s = report(InputFormatTests.rec + "\n" + InputFormatTests.rec)
    #expect(s.records == 2)
    #expect(s.lines == 2)
  }

  @Test func chunkBoundariesDoNotMatter() {
    let text = Array(
      (InputFormatTests.rec + "\nnoise\n{\"v\":1\n" + InputFormatTests.rec + "\r\n").utf8)
    let whole = report(String(decoding: text, as: UTF8.self))
    for size in [1, 2, 7, 64] {
      var r = ReportSession(filter: RecordFilter())
      r.begin("in")
      var i = 0
      while i < text.count {
        let piece = Array(text[i..<min(i + size, text.count)])
        piece.withUnsafeBufferPointer { r.feed($0) }
        i += size
      }
      r.finish()
      let s = r.summary()
      #expect(s.records == whole.records && s.lines == whole.lines && s.skipped == whole.skipped)
      #expect(s.malformedLines == whole.malformedLines)
    }
  }

  @Test func overlongLineIsReportedAndSkipped() {
    let long = String(repeating: "x", count: LogReader<Aggregator>.maxLine + 10)
    let s = report(long + "\n" + InputFormatTests.rec + "\n")
    #expect(s.records == 1)
    #expect(s.malformedLines.first?.line == 1)
    #expect(s.malformedLines.first?.error.hasPrefix("line longer than") == true)
  }

  @Test func invalidUTF8AndNULInLinesNeverTrap() {
    var bytes: [UInt8] = [0xff, 0xfe, 0x00, 0x0a]
    bytes += Array("Nov 26 h t[1]: @cee:".utf8) + [0xff, 0x0a]
    bytes += Array(InputFormatTests.rec.utf8) + [0x0a]
    var r = ReportSession(filter: RecordFilter())
    r.read("bin", bytes)
    #expect(r.summary().records == 1)
  }
}
