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

  // Each key's first eight bytes as a little-endian word (RecordTests
  // checks these against Bytes.pack of the names).
  static let kV: UInt64 = 0x76, kPid: UInt64 = 0x646970, kKey: UInt64 = 0x79656b
  static let kTime: UInt64 = 0x656d_6974, kHost: UInt64 = 0x7473_6f68, kRule: UInt64 = 0x656c_7572
  static let kUser: UInt64 = 0x7265_7375, kMode: UInt64 = 0x6564_6f6d, kArgv: UInt64 = 0x7667_7261
  static let kLabel: UInt64 = 0x6c_6562_616c, kReason: UInt64 = 0x6e6f_7361_6572,
    kDetail: UInt64 = 0x6c69_6174_6564
  static let kClient: UInt64 = 0x746e_6569_6c63, kCommand: UInt64 = 0x64_6e61_6d6d_6f63
  static let kMessage: UInt64 = 0x45_4741_5353_454d, kDecision: UInt64 = 0x6e6f_6973_6963_6564
  static let kSecluded: UInt64 = 0x6465_6475_6c63_6573, kClientPort: UInt64 = 0x705f_746e_6569_6c63
  static let kClientPortTail: UInt64 = 0x74726f

  /// The span is exactly `w` (unescaped).
  static func equal(_ b: UnsafeBufferPointer<UInt8>, _ s: Span, _ w: StaticString) -> Bool {
    let n = w.utf8CodeUnitCount
    guard !s.escaped, s.count == n else { return false }
    let p = w.utf8Start
    for k in 0..<n where b[s.start + k] != p[k] { return false }
    return true
  }

  /// Keys are compared as their first eight bytes packed in a word.
  static func key(_ b: UnsafeBufferPointer<UInt8>, _ k: Span) -> Key {
    if k.escaped || k.count == 0 { return .other }
    // Keys off the record's own path, compared plainly.
    if k.count == 17 { return equal(b, k, "SYSLOG_IDENTIFIER") ? .syslogIdentifier : .other }
    if k.count == 9 && equal(b, k, "truncated") { return .truncated }
    if k.count == 4 && equal(b, k, "_PID") { return .journalPID }
    if k.count > 11 { return .other }
    let w = Bytes.pack(b, k.start, k.count)
    switch k.count {
    case 1: return w == kV ? .v : .other
    case 3: return w == kPid ? .pid : w == kKey ? .key : .other
    case 4:
      if w == kTime { return .time }
      if w == kHost { return .host }
      if w == kRule { return .rule }
      if w == kUser { return .user }
      if w == kMode { return .mode }
      if w == kArgv { return .argv }
      return .other
    case 5: return w == kLabel ? .label : .other
    case 6: return w == kReason ? .reason : w == kDetail ? .detail : w == kClient ? .client : .other
    case 7: return w == kCommand ? .command : w == kMessage ? .message : .other
    case 8: return w == kDecision ? .decision : w == kSecluded ? .secluded : .other
    case 11:
      return w == kClientPort && Bytes.pack(b, k.start + 8, 3) == kClientPortTail
        ? .clientPort : .other
    default: return .other
    }
  }

  /// One key as gatekeeper writes it: `"key":` packed in two little-endian
  /// words with their masks.
  struct Canonical {
    var w1: UInt64, m1: UInt64, w2: UInt64, m2: UInt64
    var length: Int
    var key: Key
  }

  /// The keys in the order gatekeeper writes them, so that the usual record
  /// is read without scanning its keys as strings.
  @inline(__always) static func canonical(_ n: Int) -> Canonical {
    switch n {
    case 0: return Canonical(w1: 0x3a22_7622, m1: 0xffff_ffff, w2: 0x0, m2: 0x0, length: 4, key: .v)
    case 1:
      return Canonical(
        w1: 0x3a_2265_6d69_7422, m1: 0xff_ffff_ffff_ffff, w2: 0x0, m2: 0x0, length: 7, key: .time)
    case 2:
      return Canonical(
        w1: 0x3a_2274_736f_6822, m1: 0xff_ffff_ffff_ffff, w2: 0x0, m2: 0x0, length: 7, key: .host)
    case 3:
      return Canonical(
        w1: 0x3a22_6469_7022, m1: 0xffff_ffff_ffff, w2: 0x0, m2: 0x0, length: 6, key: .pid)
    case 4:
      return Canonical(
        w1: 0x6f69_7369_6365_6422, m1: 0xffff_ffff_ffff_ffff, w2: 0x3a_226e, m2: 0xff_ffff,
        length: 11, key: .decision)
    case 5:
      return Canonical(
        w1: 0x226e_6f73_6165_7222, m1: 0xffff_ffff_ffff_ffff, w2: 0x3a, m2: 0xff, length: 9,
        key: .reason)
    case 6:
      return Canonical(
        w1: 0x226c_6961_7465_6422, m1: 0xffff_ffff_ffff_ffff, w2: 0x3a, m2: 0xff, length: 9,
        key: .detail)
    case 7:
      return Canonical(
        w1: 0x3a_2265_6c75_7222, m1: 0xff_ffff_ffff_ffff, w2: 0x0, m2: 0x0, length: 7, key: .rule)
    case 8:
      return Canonical(
        w1: 0x3a22_6c65_6261_6c22, m1: 0xffff_ffff_ffff_ffff, w2: 0x0, m2: 0x0, length: 8,
        key: .label)
    case 9:
      return Canonical(
        w1: 0x3a_2272_6573_7522, m1: 0xff_ffff_ffff_ffff, w2: 0x0, m2: 0x0, length: 7, key: .user)
    case 10:
      return Canonical(
        w1: 0x2274_6e65_696c_6322, m1: 0xffff_ffff_ffff_ffff, w2: 0x3a, m2: 0xff, length: 9,
        key: .client)
    case 11:
      return Canonical(
        w1: 0x5f74_6e65_696c_6322, m1: 0xffff_ffff_ffff_ffff, w2: 0x3a22_7472_6f70,
        m2: 0xffff_ffff_ffff, length: 14, key: .clientPort)
    case 12:
      return Canonical(
        w1: 0x3a22_7965_6b22, m1: 0xffff_ffff_ffff, w2: 0x0, m2: 0x0, length: 6, key: .key)
    case 13:
      return Canonical(
        w1: 0x3a_2265_646f_6d22, m1: 0xff_ffff_ffff_ffff, w2: 0x0, m2: 0x0, length: 7, key: .mode)
    case 14:
      return Canonical(
        w1: 0x646e_616d_6d6f_6322, m1: 0xffff_ffff_ffff_ffff, w2: 0x3a22, m2: 0xffff, length: 10,
        key: .command)
    case 15:
      return Canonical(
        w1: 0x3a_2276_6772_6122, m1: 0xff_ffff_ffff_ffff, w2: 0x0, m2: 0x0, length: 7, key: .argv)
    case 16:
      return Canonical(
        w1: 0x6564_756c_6365_7322, m1: 0xffff_ffff_ffff_ffff, w2: 0x3a_2264, m2: 0xff_ffff,
        length: 11, key: .secluded)
    default: return Canonical(w1: 0, m1: 0, w2: 0, m2: 0, length: 0, key: .other)
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
    let c = canonical(n)
    guard c.length > 0, let base = s.b.baseAddress, s.i >= 0, s.i + 16 <= s.end,
      Bytes.load(base, s.i) & c.m1 == c.w1, Bytes.load(base, s.i &+ 8) & c.m2 == c.w2
    else { return (0, .other) }
    return (c.length, c.key)
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
