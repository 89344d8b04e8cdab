// Fuzz target for the audit record: AuditRecord.json from fuzzed fields
// must be one valid JSON object (checked by the strict little parser
// below: valid UTF-8, no raw control bytes, only JSON escapes, balanced
// quotes), with the keys in their fixed order, and every short valid field
// must decode back to exactly what went in.
//
// Input layout: 8 bytes time (little endian), 4 bytes pid, then
// NUL-separated fields: host decision (its first byte picks allow, deny or
// error) reason detail rule label user client
// client_port key mode command argv... [0x01 secluded...]. A command field
// that is exactly 0x03 stands for "no command" (null).

enum FuzzRecord {
  static let keys = [
    "v", "time", "host", "pid", "decision", "reason", "detail", "rule", "label", "user", "client",
    "client_port", "key", "mode", "command", "argv",
  ]

  static func run(_ bytes: [UInt8]) {
    guard bytes.count >= 12 else { return }
    var time: UInt64 = 0
    for k in 0..<8 { time |= UInt64(bytes[k]) << (8 * UInt64(k)) }
    var pid: UInt32 = 0
    for k in 0..<4 { pid |= UInt32(bytes[8 + k]) << (8 * UInt32(k)) }
    var fields = bytes[12...].split(separator: 0, omittingEmptySubsequences: false).map { Array($0) }
    while fields.count < 12 { fields.append([]) }
    func text(_ k: Int) -> String { String(decoding: fields[k], as: UTF8.self) }

    var r = AuditRecord()
    r.timeMillis = Int64(bitPattern: time)
    r.pid = Int32(bitPattern: pid)
    r.host = text(0)
    r.decision = AuditDecision.allCases[(fields[1].first.map(Int.init) ?? 0) % AuditDecision.allCases.count]
    r.reason = text(2)
    r.detail = text(3)
    r.rule = text(4)
    r.label = text(5)
    r.user = text(6)
    r.client = text(7)
    r.clientPort = text(8)
    r.key = text(9)
    r.mode = text(10)
    r.command = fields[11] == [3] ? nil : fields[11]
    let rest = fields.dropFirst(12).map { String(decoding: $0, as: UTF8.self) }
    if let cut = rest.firstIndex(of: "\u{1}") {
      r.argv = Array(rest[..<cut])
      r.secluded = Array(rest[(cut + 1)...])
    } else {
      r.argv = rest
    }

    let json = r.json()
    invariant(json == r.json(), "record: two calls disagree")
    let out = Array(json.utf8)
    invariant(String(validating: out, as: UTF8.self) != nil, "record: output is not valid UTF-8")
    var parser = StrictJSON(bytes: out)
    guard let object = parser.object() else {
      fatalError("INVARIANT VIOLATED: record: invalid JSON at byte \(parser.at): \(json.prefix(300))")
    }
    invariant(parser.at == out.count, "record: bytes after the object")
    let expectedKeys = keys + (r.secluded == nil ? [] : ["secluded"])
    invariant(object.map(\.0) == expectedKeys, "record: keys \(object.map(\.0))")
    let values = Dictionary(object, uniquingKeysWith: { a, _ in a })

    // Short fields come back exactly.
    let strings: [(String, String)] = [
      ("host", r.host), ("decision", r.decision.rawValue), ("reason", r.reason), ("detail", r.detail),
      ("rule", r.rule), ("label", r.label), ("user", r.user), ("client", r.client),
      ("client_port", r.clientPort), ("key", r.key), ("mode", r.mode),
    ]
    for (key, value) in strings where value.utf8.count <= AuditRecord.maxField {
      invariant(values[key] == .string(Array(value.utf8)), "record: \(key) does not round-trip")
    }
    if let command = r.command {
      if command.count <= AuditRecord.maxField, String(validating: command, as: UTF8.self) != nil {
        invariant(values["command"] == .string(command), "record: command does not round-trip")
      }
    } else {
      invariant(values["command"] == .null, "record: missing command is not null")
    }
    if r.argv.reduce(0, { $0 + $1.utf8.count }) <= AuditRecord.maxField * 4,
      r.argv.allSatisfy({ $0.utf8.count <= AuditRecord.maxField })
    {
      invariant(values["argv"] == .array(r.argv.map { Array($0.utf8) }), "record: argv does not round-trip")
    }
    invariant(values["v"] == .number(Array("1".utf8)), "record: v")
    invariant(values["pid"] == .number(Array(String(r.pid).utf8)), "record: pid")
    checkTime(r.timeMillis, values["time"])
  }

  /// `YYYY-MM-DDTHH:MM:SS.mmmZ` for years 0...9999, converted back to the
  /// same milliseconds (days from civil, the inverse computation).
  static func checkTime(_ ms: Int64, _ value: StrictJSON.Value?) {
    guard case .string(let t) = value else { fatalError("INVARIANT VIOLATED: record: time is not a string") }
    let lowest: Int64 = -62_167_219_200_000  // 0000-01-01T00:00:00.000Z
    let highest: Int64 = 253_402_300_799_999  // 9999-12-31T23:59:59.999Z
    guard ms >= lowest && ms <= highest else { return }
    invariant(t.count == 24, "record: time \(String(decoding: t, as: UTF8.self)) has the wrong shape")
    func number(_ range: Range<Int>) -> Int64 {
      var n: Int64 = 0
      for k in range {
        invariant(t[k] >= 0x30 && t[k] <= 0x39, "record: time \(String(decoding: t, as: UTF8.self)) has a non-digit")
        n = n * 10 + Int64(t[k] - 0x30)
      }
      return n
    }
    let punctuation: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "."), (23, "Z")]
    for (k, c) in punctuation { invariant(t[k] == c.asciiValue, "record: time punctuation") }
    let (y, m, d) = (number(0..<4), number(5..<7), number(8..<10))
    let (hh, mm, ss, mil) = (number(11..<13), number(14..<16), number(17..<19), number(20..<23))
    invariant((1...12).contains(m) && (1...31).contains(d) && hh < 24 && mm < 60 && ss < 60, "record: time fields")
    // days from civil (Gregorian), then back to milliseconds
    let yy = m <= 2 ? y - 1 : y
    let era = (yy >= 0 ? yy : yy - 399) / 400
    let yoe = yy - era * 400
    let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146_097 + doe - 719_468
    let back = ((days * 86400 + hh * 3600 + mm * 60 + ss) * 1000) + mil
    invariant(back == ms, "record: time \(String(decoding: t, as: UTF8.self)) is not \(ms) ms")
  }
}

/// A strict parser for the record's JSON shape: one object whose values
/// are strings, integers, null or arrays of strings.
struct StrictJSON {
  enum Value: Equatable {
    case string([UInt8])
    case number([UInt8])
    case null
    case array([[UInt8]])
  }

  let bytes: [UInt8]
  var at = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  mutating func take(_ b: UInt8) -> Bool {
    guard at < bytes.count, bytes[at] == b else { return false }
    at += 1
    return true
  }

  mutating func object() -> [(String, Value)]? {
    guard take(UInt8(ascii: "{")) else { return nil }
    var out: [(String, Value)] = []
    if take(UInt8(ascii: "}")) { return out }
    repeat {
      guard let key = string(), take(UInt8(ascii: ":")), let value = value() else { return nil }
      out.append((String(decoding: key, as: UTF8.self), value))
    } while take(UInt8(ascii: ","))
    return take(UInt8(ascii: "}")) ? out : nil
  }

  mutating func value() -> Value? {
    guard at < bytes.count else { return nil }
    switch bytes[at] {
    case UInt8(ascii: "\""): return string().map { .string($0) }
    case UInt8(ascii: "n"):
      guard bytes[at...].starts(with: "null".utf8) else { return nil }
      at += 4
      return .null
    case UInt8(ascii: "["):
      at += 1
      var items: [[UInt8]] = []
      if take(UInt8(ascii: "]")) { return .array(items) }
      repeat {
        guard let s = string() else { return nil }
        items.append(s)
      } while take(UInt8(ascii: ","))
      return take(UInt8(ascii: "]")) ? .array(items) : nil
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      let start = at
      _ = take(UInt8(ascii: "-"))
      let digits = at
      while at < bytes.count, bytes[at] >= 0x30, bytes[at] <= 0x39 { at += 1 }
      guard at > digits, bytes[digits] != 0x30 || at == digits + 1 else { return nil }
      return .number(Array(bytes[start..<at]))
    default:
      return nil
    }
  }

  /// A JSON string, decoded; nil on a raw control byte, a bad escape or a
  /// missing closing quote.
  mutating func string() -> [UInt8]? {
    guard take(UInt8(ascii: "\"")) else { return nil }
    var out: [UInt8] = []
    while at < bytes.count {
      let b = bytes[at]
      at += 1
      switch b {
      case UInt8(ascii: "\""): return out
      case 0..<0x20, 0x7f: return nil  // JSON allows DEL, the record must not emit it raw
      case UInt8(ascii: "\\"):
        guard at < bytes.count else { return nil }
        let e = bytes[at]
        at += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(8)
        case UInt8(ascii: "f"): out.append(12)
        case UInt8(ascii: "n"): out.append(10)
        case UInt8(ascii: "r"): out.append(13)
        case UInt8(ascii: "t"): out.append(9)
        case UInt8(ascii: "u"):
          guard at + 4 <= bytes.count else { return nil }
          var v: UInt32 = 0
          for h in bytes[at..<(at + 4)] {
            guard let d = hexValue(h) else { return nil }
            v = v * 16 + d
          }
          at += 4
          guard let scalar = Unicode.Scalar(v) else { return nil }  // no surrogates expected
          out += Array(String(Character(scalar)).utf8)
        default: return nil
        }
      default: out.append(b)
      }
    }
    return nil
  }

  func hexValue(_ h: UInt8) -> UInt32? {
    switch h {
    case 0x30...0x39: UInt32(h - 0x30)
    case 0x61...0x66: UInt32(h - 0x61 + 10)
    case 0x41...0x46: UInt32(h - 0x41 + 10)
    default: nil
    }
  }
}
