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
    var s = JSONScanner(b, from: start, to: end)
    var r = RawRecord()
    do {
      try s.expect(0x7b)
      s.skipSpace()
      if s.peek == 0x7d {
        s.i += 1
      } else {
        while true {
          s.skipSpace()
          let k = try s.string()
          try s.expect(0x3a)
          s.skipSpace()
          try field(k, &s, &r)
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
      return .failure(error)
    }
    return .success(r)
  }

  /// Which known key a key span names (escaped keys are never known keys).
  enum Key { case v, time, host, pid, decision, reason, detail, rule, label, user, client, clientPort, key, mode, command, argv, secluded, message, other }

  static func key(_ b: UnsafeBufferPointer<UInt8>, _ k: Span) -> Key {
    if k.escaped { return .other }
    func eq(_ w: StaticString) -> Bool {
      let n = w.utf8CodeUnitsCount
      guard k.count == n else { return false }
      let p = w.utf8Start
      for j in 0..<n where b[k.start + j] != p[j] { return false }
      return true
    }
    switch k.count {
    case 1: return eq("v") ? .v : .other
    case 3:
      if eq("pid") { return .pid }
      if eq("key") { return .key }
      return .other
    case 4:
      if eq("time") { return .time }
      if eq("host") { return .host }
      if eq("rule") { return .rule }
      if eq("user") { return .user }
      if eq("mode") { return .mode }
      if eq("argv") { return .argv }
      return .other
    case 5: return eq("label") ? .label : .other
    case 6:
      if eq("reason") { return .reason }
      if eq("detail") { return .detail }
      if eq("client") { return .client }
      return .other
    case 7:
      if eq("command") { return .command }
      if eq("MESSAGE") { return .message }
      return .other
    case 8:
      if eq("decision") { return .decision }
      if eq("secluded") { return .secluded }
      return .other
    case 11: return eq("client_port") ? .clientPort : .other
    default: return .other
    }
  }

  static func field(_ k: Span, _ s: inout JSONScanner, _ r: inout RawRecord) throws(JSONError) {
    let which = key(s.b, k)
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
      guard let n = try? s.number(), let v = n, (0...255).contains(v) else { return nil }
      out.append(UInt8(v))
      s.skipSpace()
      guard s.peek == 0x2c else { return out }
      s.i += 1
    }
  }
}
