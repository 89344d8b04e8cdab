// One audit record as spans of the line it was read from (see
// AuditRecord.json() in GatekeeperCore for the writer). Unknown keys are
// validated and skipped, so newer records with extra fields still read.

public struct RawRecord: Sendable {
  public var version: Int64? = nil
  public var pid: Int64? = nil
  public var time = Span()
  public var host = Span()
  public var decision = Span()
  public var reason = Span()
  public var detail = Span()
  public var rule = Span()
  public var label = Span()
  public var user = Span()
  public var client = Span()
  public var clientPort = Span()
  public var key = Span()
  public var mode = Span()
  /// nil when the command is JSON null (or absent).
  public var command: Span? = nil
  /// Offsets of the `[` ... `]` of argv / secluded (validated: strings only).
  public var argv: Span? = nil
  public var secluded: Span? = nil
  /// journalctl -o json: MESSAGE as a string, or as an array of byte values.
  public var message: Span? = nil
  public var messageIsBytes = false
  /// journalctl -o json: the program tag and the process id journald saw.
  public var syslogIdentifier: Span? = nil
  public var journalPID = false
  /// `"truncated":true`: gatekeeper shortened the record to fit its bound.
  public var truncated = false
  /// Which record keys were present (bit per key).
  var seen: UInt32 = 0

  public init() {}

  static let hasVersion: UInt32 = 1
  static let hasTime: UInt32 = 2
  static let hasDecision: UInt32 = 4

  public var looksLikeRecord: Bool { seen & (RawRecord.hasVersion | RawRecord.hasDecision) != 0 }
}

public enum RecordParser {
  /// Parses the object in `b[start..<end]` (trailing white space allowed).
  public static func parse(_ b: UnsafeBufferPointer<UInt8>, from start: Int = 0, to end: Int? = nil)
    -> Result<RawRecord, JSONError>
  {
    var r = RawRecord()
    if let e = parse(b, from: start, to: end, into: &r) { return .failure(e) }
    return .success(r)
  }

  /// Parses into `r` (reset first); returns the error, if any.
  public static func parse(
    _ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int?, into r: inout RawRecord
  )
    -> JSONError?
  {
    var s = JSONScanner(b, from: start, to: end)
    r = RawRecord()
    do throws(JSONError) {
      try s.expect(0x7b)
      s.skipSpace()
      if s.peek == 0x7d {
        s.i += 1
      } else {
        var next = 0
        while true {
          s.skipSpace()
          let which: Key
          let (length, known) = matchCanonical(s, next)
          if length > 0 {
            s.i += length
            which = known
            next += 1
          } else {
            let k = try s.string()
            try s.expect(0x3a)
            which = key(s.b, k)
            next = canonicalIndex(which).map { $0 + 1 } ?? next
          }
          s.skipSpace()
          try field(which, &s, &r)
          s.skipSpace()
          guard !s.atEnd else { throw s.fail("unterminated object") }
          let c = s.b[s.i]
          s.i += 1
          if c == 0x2c { continue }
          if c == 0x7d { break }
          s.i -= 1
          throw s.fail("expected ',' or '}'")
        }
      }
      s.skipSpace()
      guard s.atEnd else { throw s.fail("text after the object") }
    } catch {
      return error
    }
    return nil
  }

  /// Which known key a key span names (escaped keys are never known keys).
  enum Key {
    case v, time, host, pid, decision, reason, detail, rule, label, user, client, clientPort, key,
      mode, command, argv, secluded, message, syslogIdentifier, journalPID, truncated, other
  }

  /// The span is exactly `w` (unescaped).
  static func equal(_ b: UnsafeBufferPointer<UInt8>, _ s: Span, _ w: StaticString) -> Bool {
    let n = w.utf8CodeUnitCount
    guard !s.escaped, s.count == n else { return false }
    let p = w.utf8Start
    for k in 0..<n where b[s.start + k] != p[k] { return false }
    return true
  }

  /// Every known key by name: the record's own (AuditRecord.json), then
  /// journalctl's.
  static let names: [(StaticString, Key)] = [
    ("v", .v), ("time", .time), ("host", .host), ("pid", .pid), ("decision", .decision),
    ("reason", .reason), ("detail", .detail), ("rule", .rule), ("label", .label), ("user", .user),
    ("client", .client), ("client_port", .clientPort), ("key", .key), ("mode", .mode),
    ("command", .command), ("argv", .argv), ("secluded", .secluded), ("truncated", .truncated),
    ("MESSAGE", .message), ("SYSLOG_IDENTIFIER", .syslogIdentifier), ("_PID", .journalPID),
  ]

  static func key(_ b: UnsafeBufferPointer<UInt8>, _ k: Span) -> Key {
    for (name, key) in names where equal(b, k, name) { return key }
    return .other
  }

  /// Key number `n` in the order gatekeeper writes them (AuditRecord.json),
  /// as written: `"name":`. The usual record is read by matching these in
  /// turn, without scanning its keys as strings.
  @inline(__always) static func canonical(_ n: Int) -> (text: StaticString, key: Key) {
    switch n {
    case 0: ("\"v\":", .v)
    case 1: ("\"time\":", .time)
    case 2: ("\"host\":", .host)
    case 3: ("\"pid\":", .pid)
    case 4: ("\"decision\":", .decision)
    case 5: ("\"reason\":", .reason)
    case 6: ("\"detail\":", .detail)
    case 7: ("\"rule\":", .rule)
    case 8: ("\"label\":", .label)
    case 9: ("\"user\":", .user)
    case 10: ("\"client\":", .client)
    case 11: ("\"client_port\":", .clientPort)
    case 12: ("\"key\":", .key)
    case 13: ("\"mode\":", .mode)
    case 14: ("\"command\":", .command)
    case 15: ("\"argv\":", .argv)
    case 16: ("\"secluded\":", .secluded)
    default: ("", .other)
    }
  }

  static func canonicalIndex(_ k: Key) -> Int? {
    switch k {
    case .v: 0
    case .time: 1
    case .host: 2
    case .pid: 3
    case .decision: 4
    case .reason: 5
    case .detail: 6
    case .rule: 7
    case .label: 8
    case .user: 9
    case .client: 10
    case .clientPort: 11
    case .key: 12
    case .mode: 13
    case .command: 14
    case .argv: 15
    case .secluded: 16
    case .message, .syslogIdentifier, .journalPID, .truncated, .other: nil
    }
  }

  /// The length of `"key":` and the key when the input at `s.i` is the
  /// canonical key number `n` exactly (length 0 when it is not).
  @inline(__always) static func matchCanonical(_ s: JSONScanner, _ n: Int) -> (Int, Key) {
    let (text, key) = canonical(n)
    let length = text.utf8CodeUnitCount
    guard length > 0, s.i >= 0, length <= s.end - s.i else { return (0, .other) }
    let p = text.utf8Start
    for k in 0..<length where s.b[s.i + k] != p[k] { return (0, .other) }
    return (length, key)
  }

  static func field(_ which: Key, _ s: inout JSONScanner, _ r: inout RawRecord) throws(JSONError) {
    func str() throws(JSONError) -> Span {
      guard s.peek == 0x22 else { throw s.fail("\(which) is not a string") }
      return try s.string()
    }
    switch which {
    case .v:
      guard s.peek != 0x22, let v = try s.number() else { throw s.fail("v is not an integer") }
      r.version = v
      r.seen |= RawRecord.hasVersion
    case .pid:
      if s.peek == 0x6e { try s.literal("null") } else { r.pid = try s.number() }
    case .time:
      r.time = try str()
      r.seen |= RawRecord.hasTime
    case .decision:
      r.decision = try str()
      r.seen |= RawRecord.hasDecision
    case .host: r.host = try str()
    case .reason: r.reason = try str()
    case .detail: r.detail = try str()
    case .rule: r.rule = try str()
    case .label: r.label = try str()
    case .user: r.user = try str()
    case .client: r.client = try str()
    case .clientPort: r.clientPort = try str()
    case .key: r.key = try str()
    case .mode: r.mode = try str()
    case .command:
      if s.peek == 0x6e {
        try s.literal("null")
        r.command = nil
      } else {
        r.command = try str()
      }
    case .argv: r.argv = try stringArray(&s)
    case .secluded:
      if s.peek == 0x6e {
        try s.literal("null")
      } else {
        r.secluded = try stringArray(&s)
      }
    case .message:
      if s.peek == 0x5b {
        let start = s.i
        try s.skipValue()
        r.message = Span(start: start, end: s.i)
        r.messageIsBytes = true
      } else if s.peek == 0x22 {
        r.message = try s.string()
        r.messageIsBytes = false
      } else {
        try s.skipValue()
      }
    case .syslogIdentifier:
      if s.peek == 0x22 { r.syslogIdentifier = try s.string() } else { try s.skipValue() }
    case .journalPID:
      try s.skipValue()
      r.journalPID = true
    case .truncated:
      if s.peek == 0x74 {
        try s.literal("true")
        r.truncated = true
      } else {
        try s.skipValue()
      }
    case .other: try s.skipValue()
    }
  }

  static func stringArray(_ s: inout JSONScanner) throws(JSONError) -> Span {
    let start = s.i
    try s.expect(0x5b)
    s.skipSpace()
    if s.peek == 0x5d {
      s.i += 1
      return Span(start: start, end: s.i)
    }
    while true {
      s.skipSpace()
      _ = try s.string()
      s.skipSpace()
      guard !s.atEnd else { throw s.fail("unterminated array") }
      let c = s.b[s.i]
      s.i += 1
      if c == 0x2c { continue }
      if c == 0x5d { return Span(start: start, end: s.i) }
      s.i -= 1
      throw s.fail("expected ',' or ']'")
    }
  }

  /// The decoded strings of a validated string array span.
  public static func strings(_ b: UnsafeBufferPointer<UInt8>, _ array: Span) -> [String] {
    var out: [String] = []
    var s = JSONScanner(b, from: array.start + 1, to: array.end)
    while true {
      s.skipSpace()
      guard s.peek == 0x22, let span = try? s.string() else { return out }
      out.append(JSONText.string(b, span))
      s.skipSpace()
      guard s.peek == 0x2c else { return out }
      s.i += 1
    }
  }

  /// journalctl's MESSAGE as an array of byte values: the bytes (nil when
  /// an element is not an integer 0...255).
  public static func byteArray(_ b: UnsafeBufferPointer<UInt8>, _ array: Span) -> [UInt8]? {
    var out: [UInt8] = []
    var s = JSONScanner(b, from: array.start + 1, to: array.end)
    s.skipSpace()
    if s.peek == 0x5d { return out }
    while true {
      s.skipSpace()
      guard let v = try? s.number(), (0...255).contains(v) else { return nil }
      out.append(UInt8(v))
      s.skipSpace()
      guard s.peek == 0x2c else { return out }
      s.i += 1
    }
  }
}
