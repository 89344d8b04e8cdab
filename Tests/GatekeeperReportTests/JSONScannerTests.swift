import GatekeeperCore
import Testing

@testable import GatekeeperReport

/// Parses `text` as a record; the error message or the record.
func parseRecord(_ text: String) -> Result<RawRecord, JSONError> {
  let bytes = Array(text.utf8)
  return bytes.withUnsafeBufferPointer { RecordParser.parse($0) }
}

/// The decoded value of string field `field` of a record line.
func decoded(_ text: String, _ field: KeyPath<RawRecord, Span>) -> String? {
  let bytes = Array(text.utf8)
  return bytes.withUnsafeBufferPointer { b -> String? in
    guard case .success(let r) = RecordParser.parse(b) else { return nil }
    return JSONText.string(b, r[keyPath: field])
  }
}

struct JSONScannerTests {
  @Test(arguments: [
    (#"{"v":1,"detail":"plain"}"#, "plain"),
    (#"{"v":1,"detail":"q\"b\\s\/n\nt\tr\rb\bf\f"}"#, "q\"b\\s/n\nt\tr\rb\u{8}f\u{c}"),
    (#"{"v":1,"detail":"\u0041\u00e9\u20ac"}"#, "Aé€"),
    (#"{"v":1,"detail":"\ud83d\ude00 smile"}"#, "😀 smile"),
    (#"{"v":1,"detail":"\uD83D\uDE00"}"#, "😀"),
    (#"{"v":1,"detail":"lone \ud83d high"}"#, "lone \u{FFFD} high"),
    (#"{"v":1,"detail":"lone \ude00 low"}"#, "lone \u{FFFD} low"),
    (#"{"v":1,"detail":"high then bmp \ud83d\u0041"}"#, "high then bmp \u{FFFD}A"),
    (#"{"v":1,"detail":"nul \u0000 esc \u001b"}"#, "nul \u{0} esc \u{1b}"),
    (#"{"v":1,"detail":"\\x ff stays text"}"#, "\\x ff stays text"),
    (#"{"v":1,"detail":"ünïcödé raw"}"#, "ünïcödé raw"),
    (#"{ "v" : 1 , "detail" : "spaces" }"#, "spaces"),
    (
      #"{"v":1,"detail":"12345678901234567890 long enough to cross words"}"#,
      "12345678901234567890 long enough to cross words"
    ),
  ])
  func decodesStrings(_ line: String, _ want: String) {
    #expect(decoded(line, \.detail) == want)
  }

  @Test(arguments: [
    (#"{"v":1,"detail":"abc"#, "unterminated string"),
    (#"{"v":1,"detail":"a\qb"}"#, "bad escape"),
    (#"{"v":1,"detail":"\u12G4"}"#, #"bad \u escape"#),
    (#"{"v":1,"detail":"\u12"}"#, #"bad \u escape"#),
    ("{\"v\":1,\"detail\":\"tab\there\"}", "control character in string"),
    (#"{"v":1,"detail":"x",}"#, "expected a string"),
    (#"{"v":1 "detail":"x"}"#, "expected ',' or '}'"),
    (#"{"v":1,"detail":"x"} trailing"#, "text after the object"),
    (#"{"v":01}"#, "expected ',' or '}'"),
    (#"{"v":-}"#, "bad number"),
    (#"{"v":1.}"#, "bad number"),
    (#"{"v":1e}"#, "bad number"),
    (#"{"v":"1"}"#, "v is not an integer"),
    (#"{"v":1.5}"#, "v is not an integer"),
    (#"{"v":1,"x":tru}"#, "bad literal"),
    (#"{"v":1,"time":5}"#, "time is not a string"),
    (#"{"v":1,"argv":["a",1]}"#, "expected a string"),
    (#"{"v":1,"argv":["a""b"]}"#, "expected ',' or ']'"),
    (#"["not an object"]"#, "expected '{'"),
    ("", "expected '{'"),
  ])
  func rejectsBadJSON(_ line: String, _ message: String) {
    guard case .failure(let e) = parseRecord(line) else {
      Issue.record("accepted \(line)")
      return
    }
    #expect(e.message == message)
  }

  @Test func skipsUnknownValuesOfEveryKind() {
    let line =
      #"{"x":{"a":[1,2.5e-3,-0,true,false,null,{"b":"c"}]},"v":1,"y":[],"z":{},"decision":"allow"}"#
    guard case .success(let r) = parseRecord(line) else {
      Issue.record("rejected")
      return
    }
    #expect(r.version == 1)
    #expect(r.looksLikeRecord)
  }

  @Test func capsNesting() {
    let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
    guard case .failure(let e) = parseRecord(#"{"v":1,"x":"# + deep + "}") else {
      Issue.record("accepted deep nesting")
      return
    }
    #expect(e.message == "nested too deeply")
    let ok = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
    #expect((try? parseRecord(#"{"v":1,"x":"# + ok + "}").get()) != nil)
  }

  @Test func commandNullAndArrays() {
    let line = #"{"v":1,"command":null,"argv":["/usr/bin/tar","a b","\u00e9"],"secluded":null}"#
    let bytes = Array(line.utf8)
    bytes.withUnsafeBufferPointer { b in
      guard case .success(let r) = RecordParser.parse(b) else {
        Issue.record("rejected")
        return
      }
      #expect(r.command == nil)
      #expect(r.secluded == nil)
      #expect(r.argv.map { RecordParser.strings(b, $0) } == ["/usr/bin/tar", "a b", "é"])
    }
  }

  @Test func invalidUTF8IsReplacedNotFatal() {
    var bytes = Array(#"{"v":1,"detail":"a"#.utf8)
    bytes += [0xff, 0xc3]
    bytes += Array(#"b"}"#.utf8)
    let s = bytes.withUnsafeBufferPointer { b -> String? in
      guard case .success(let r) = RecordParser.parse(b) else { return nil }
      return JSONText.string(b, r.detail)
    }
    #expect(s == "a\u{FFFD}\u{FFFD}b")
  }

  @Test func keysAreKnownByName() {
    let keys = [
      "v", "pid", "key", "time", "host", "rule", "user", "mode", "argv", "label", "reason",
      "detail",
      "client", "command", "MESSAGE", "decision", "secluded", "client_port",
    ]
    for k in keys {
      let bytes = Array("\"\(k)\":".utf8)
      bytes.withUnsafeBufferPointer { b in
        #expect(RecordParser.key(b, Span(start: 1, end: 1 + k.utf8.count)) != .other, "\(k)")
      }
    }
  }

  /// The canonical keys are the core's writer's, in its order: each key of
  /// a full record is matched in place, and names the key it is.
  @Test func canonicalKeysAreTheWritersInOrder() {
    var record = AuditRecord()
    record.command = Array("x".utf8)
    record.secluded = []
    let line = Array(record.json().utf8)
    // No value holds a comma: the keys are what follows `{` and each `,`.
    var starts = [1]
    for (i, c) in line.enumerated() where c == UInt8(ascii: ",") { starts.append(i + 1) }
    #expect(starts.count == 17)
    line.withUnsafeBufferPointer { b in
      for (n, start) in starts.enumerated() {
        var s = JSONScanner(b, from: start)
        let (length, key) = RecordParser.matchCanonical(s, n)
        #expect(length > 0 && b[start + length - 1] == UInt8(ascii: ":"), "key \(n)")
        let name = try? s.string()
        #expect(name.map { RecordParser.key(b, $0) } == key, "key \(n)")
      }
    }
  }

  @Test func decodeLiteral() {
    #expect(JSONText.decodeLiteral(Array(#""a\nb""#.utf8)) == Array("a\nb".utf8))
    #expect(JSONText.decodeLiteral(Array(#""a" x"#.utf8)) == nil)
  }

  /// Truncated prefixes of a valid record never trap and never parse.
  @Test func everyPrefixIsRejected() {
    let line =
      #"{"v":1,"time":"2026-11-26T22:47:16.802Z","detail":"\ud83d\ude00\u0041\"x","argv":["a","b"],"pid":12}"#
    let bytes = Array(line.utf8)
    for n in 0..<bytes.count {
      let cut = Array(bytes[..<n])
      let ok = cut.withUnsafeBufferPointer { (try? RecordParser.parse($0).get()) != nil }
      #expect(!ok, "prefix \(n)")
    }
  }

  /// Random mutations of a record never trap (the same 3,000 on every run:
  /// a linear congruential sequence seeded with a constant).
  @Test func fuzzNeverTraps() {
    struct Sequence: RandomNumberGenerator {
      var state: UInt64 = 0x5eed
      mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state ^ (state >> 29)
      }
    }
    var rng = Sequence()
    let base = Array(
      #"{"v":1,"time":"2026-11-26T22:47:16.802Z","decision":"deny","command":"a\"\u00e9","argv":[]}"#
        .utf8)
    for _ in 0..<3000 {
      var b = base
      for _ in 0..<Int.random(in: 1...6, using: &rng) {
        let i = Int.random(in: 0..<b.count, using: &rng)
        b[i] = UInt8.random(in: 0...255, using: &rng)
      }
      var reader = LogReader(Aggregator())
      reader.read("fuzz", b)
      #expect(reader.stats.lines == b.filter { $0 == 0x0a }.count + (b.last == 0x0a ? 0 : 1))
    }
  }
}
