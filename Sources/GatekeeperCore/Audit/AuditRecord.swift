// The audit record: one JSON object per decision, built by a pure function.
// Untrusted text (the command, the detail, secluded arguments) is escaped
// and capped: control, bidi and separator characters (DisplayText) as
// \uXXXX, bytes that are not UTF-8 as the
// four characters \xNN, and anything past `maxField` bytes cut with a marker.

/// The `decision` of a record.
public enum AuditDecision: String, CaseIterable, Sendable {
  /// The call goes on (the program runs, or the probe is answered).
  case allow
  /// The request was refused (a ReasonCode says why).
  case deny
  /// Nothing was wrong with the request, but the policy, the log or the
  /// program was (a RuntimeReason says which).
  case error
}

public struct AuditRecord: Equatable, Sendable {
  public static let schemaVersion = 1
  /// Longest untrusted field kept, in bytes.
  public static let maxField = 4096

  public var timeMillis: Int64 = 0
  public var host = ""
  public var pid: Int32 = 0
  public var decision = AuditDecision.deny
  public var reason = ""
  public var detail = ""
  /// `file:line` of the deciding rule, or empty.
  public var rule = ""
  public var label = ""
  public var user = ""
  public var client = ""
  public var clientPort = ""
  /// `SHA256:...` fingerprint of the key that logged in, or empty.
  public var key = ""
  /// forced | argv
  public var mode = ""
  /// The request exactly as received (nil when there was none).
  public var command: [UInt8]? = nil
  /// What runs (empty when nothing does).
  public var argv: [String] = []
  /// rsync secluded arguments as the client sent them, if any.
  public var secluded: [String]? = nil
  /// The account that ran sudo (sudo mode's root instance), if any.
  public var sudoUser = ""
  /// Allowed calls: the kernel confinement the tool runs under, e.g.
  /// `landlock-7` or `none (kernel has no landlock)`.
  public var confine = ""

  public init() {}

  /// The longest record sent to syslog, in bytes: every default syslogd and
  /// journald takes it whole (rsyslog cuts at 8 KiB, some at 2 KiB).
  public static let syslogLimit = 2048
  /// The longest record written to the audit file, in bytes.
  public static let fileLimit = 65536

  /// The record as one line of JSON (no trailing newline) of at most `limit`
  /// bytes. Keys always appear in the same order. The fixed fields are kept
  /// whole; when the line would be longer, the untrusted ones (`detail`,
  /// `command`, `argv`, `secluded`) are shortened, each with a
  /// `...[N more bytes]` marker, and `"truncated":true` is added.
  public func json(limit: Int = AuditRecord.fileLimit) -> String {
    var cap = AuditRecord.maxField
    while true {
      let line = json(cap: cap)
      if line.utf8.count <= limit || cap == 0 { return line }
      cap /= 4
    }
  }

  /// The record with untrusted fields capped at `cap` bytes each (and
  /// arrays at `4 * cap` in all).
  func json(cap: Int) -> String {
    var o = JSONWriter(cap: cap)
    o.out.reserveCapacity(512 + min(command?.count ?? 0, cap))
    o.field("v", number: Int64(AuditRecord.schemaVersion))
    o.field("time", string: AuditRecord.isoTime(timeMillis))
    o.field("host", string: host)
    o.field("pid", number: Int64(pid))
    o.field("decision", string: decision.rawValue)
    o.field("reason", string: reason)
    o.field("detail", untrusted: detail)
    o.field("rule", string: rule)
    o.field("label", string: label)
    o.field("user", string: user)
    o.field("client", string: client)
    o.field("client_port", string: clientPort)
    o.field("key", string: key)
    o.field("mode", string: mode)
    if let command { o.field("command", bytes: command) } else { o.fieldNull("command") }
    o.field("argv", strings: argv)
    if let secluded { o.field("secluded", strings: secluded) }
    if !sudoUser.isEmpty { o.field("sudo_user", string: sudoUser) }
    if !confine.isEmpty { o.field("confine", string: confine) }
    if o.cut { o.fieldTrue("truncated") }
    return o.finish()
  }

  /// `2026-11-26T22:40:01.123Z` from milliseconds since the epoch.
  public static func isoTime(_ ms: Int64) -> String {
    let t = CivilTime(millis: ms)
    let pad = CivilTime.pad
    return "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2))T\(pad(t.hour, 2)):\(pad(t.minute, 2))"
      + ":\(pad(t.second, 2)).\(pad(t.millisecond, 3))Z"
  }
}

/// A time in milliseconds since the epoch as a UTC calendar date and time of
/// day (proleptic Gregorian): what the record's `time` is written from, and
/// what `gatekeeper report` shows.
public struct CivilTime: Equatable, Sendable {
  public var year: Int64
  /// 1 ... 12
  public var month: Int64
  /// 1 ... 31
  public var day: Int64
  public var hour: Int64
  public var minute: Int64
  public var second: Int64
  public var millisecond: Int64

  /// Any Int64, Int64.min included (floor division without overflow).
  public init(millis ms: Int64) {
    let secs = ms / 1000 - (ms % 1000 < 0 ? 1 : 0)
    millisecond = ms % 1000 < 0 ? ms % 1000 + 1000 : ms % 1000
    let days = secs / 86400 - (secs % 86400 < 0 ? 1 : 0)
    let rem = secs % 86400 < 0 ? secs % 86400 + 86400 : secs % 86400
    // Civil date from days since 1970-01-01.
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    day = doy - (153 * mp + 2) / 5 + 1
    month = mp < 10 ? mp + 3 : mp - 9
    year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    hour = rem / 3600
    minute = rem / 60 % 60
    second = rem % 60
  }

  /// Days since 1970-01-01 of a date: the inverse of the date part above.
  public static func days(year y: Int64, month m: Int64, day d: Int64) -> Int64 {
    let y2 = m <= 2 ? y - 1 : y
    let era = (y2 >= 0 ? y2 : y2 - 399) / 400
    let yoe = y2 - era * 400
    let mp = (m + 9) % 12
    let doy = (153 * mp + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  /// `v` in decimal, zero-padded on the left to `width` digits (a field of
  /// a written time).
  public static func pad(_ v: Int64, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
  }
}

/// A tiny JSON object writer for the record.
public struct JSONWriter {
  var out: [UInt8] = [UInt8(ascii: "{")]
  var first = true
  /// Longest string value kept, in bytes (before escaping).
  var cap = AuditRecord.maxField
  /// Whether a value was cut.
  var cut = false

  init(cap: Int = AuditRecord.maxField) { self.cap = cap }

  mutating func key(_ k: String) {
    if !first { out.append(UInt8(ascii: ",")) }
    first = false
    out.append(UInt8(ascii: "\""))
    out += k.utf8
    out += "\":".utf8
  }

  mutating func field(_ k: String, string: String) {
    key(k)
    var s = string
    s.withUTF8 { cut = JSONWriter.appendString(&out, $0) || cut }
  }

  /// An untrusted string: capped at `cap`.
  mutating func field(_ k: String, untrusted: String) {
    key(k)
    var s = untrusted
    s.withUTF8 { cut = JSONWriter.appendString(&out, $0, cap: cap) || cut }
  }

  mutating func field(_ k: String, bytes: [UInt8]) {
    key(k)
    bytes.withUnsafeBufferPointer { cut = JSONWriter.appendString(&out, $0, cap: cap) || cut }
  }

  mutating func field(_ k: String, number: Int64) {
    key(k)
    out += String(number).utf8
  }

  mutating func fieldNull(_ k: String) {
    key(k)
    out += "null".utf8
  }

  mutating func fieldTrue(_ k: String) {
    key(k)
    out += "true".utf8
  }

  mutating func field(_ k: String, strings: [String]) {
    key(k)
    out.append(UInt8(ascii: "["))
    var total = 0
    for (i, s) in strings.enumerated() {
      if i > 0 { out.append(UInt8(ascii: ",")) }
      if total > cap * 4 {
        var more = "[\(strings.count - i) more arguments]"
        more.withUTF8 { _ = JSONWriter.appendString(&out, $0, cap: AuditRecord.maxField) }
        cut = true
        break
      }
      total += s.utf8.count
      var s = s
      s.withUTF8 { cut = JSONWriter.appendString(&out, $0, cap: cap) || cut }
    }
    out.append(UInt8(ascii: "]"))
  }

  mutating func finish() -> String {
    out.append(UInt8(ascii: "}"))
    return String(decoding: out, as: UTF8.self)
  }

  static let hexDigits = Array("0123456789abcdef".utf8)

  /// `s` as a JSON string literal escaped as the record's fields are, and
  /// never cut: for the admin tools' own JSON (`gatekeeper report --json`).
  public static func quoted(_ s: String) -> String {
    var out: [UInt8] = []
    var s = s
    s.withUTF8 { _ = appendString(&out, $0, cap: .max) }
    return String(decoding: out, as: UTF8.self)
  }

  /// Appends `bytes` as a JSON string: capped at `cap` bytes (cut at a
  /// character boundary), escaped, always valid UTF-8. Returns whether it cut.
  @discardableResult
  static func appendString(_ out: inout [UInt8], _ bytes: UnsafeBufferPointer<UInt8>, cap: Int = AuditRecord.maxField)
    -> Bool
  {
    out.append(UInt8(ascii: "\""))
    let limit = min(bytes.count, cap)
    var i = 0
    while i < limit {
      let b = bytes[i]
      switch b {
      case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
      case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
      case 0x0a: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
      case 0x0d: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
      case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
      case 0..<0x20, 0x7f:
        out += "\\u00".utf8
        out += [hexDigits[Int(b >> 4)], hexDigits[Int(b & 15)]]
      case 0x80...:
        let n = validSequence(bytes, at: i, limit: limit)
        if n > 0 {
          let scalar = decode(bytes, at: i, count: n)
          if DisplayText.isUnsafe(scalar) {
            out += "\\u".utf8
            for shift in [12, 8, 4, 0] as [UInt32] { out.append(hexDigits[Int((scalar >> shift) & 15)]) }
          } else {
            out += bytes[i..<(i + n)]
          }
          i += n
          continue
        }
        out += "\\\\x".utf8
        out += [hexDigits[Int(b >> 4)], hexDigits[Int(b & 15)]]
      default:
        out.append(b)
      }
      i += 1
    }
    if bytes.count > limit {
      out += "...[\(bytes.count - limit) more bytes]".utf8
    }
    out.append(UInt8(ascii: "\""))
    return bytes.count > limit
  }

  /// Length of the valid UTF-8 sequence starting at `i`, or 0.
  /// The scalar value of the valid UTF-8 sequence of `n` bytes at `i`.
  static func decode(_ b: UnsafeBufferPointer<UInt8>, at i: Int, count n: Int) -> UInt32 {
    var v = UInt32(b[i]) & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07)
    for k in 1..<n { v = v << 6 | (UInt32(b[i + k]) & 0x3f) }
    return v
  }

  static func validSequence(_ b: UnsafeBufferPointer<UInt8>, at i: Int, limit: Int) -> Int {
    let lead = b[i]
    let n: Int
    switch lead {
    case 0xC2...0xDF: n = 2
    case 0xE0...0xEF: n = 3
    case 0xF0...0xF4: n = 4
    default: return 0
    }
    guard i + n <= limit else { return 0 }
    guard String(validating: b[i..<(i + n)], as: UTF8.self) != nil else { return 0 }
    return n
  }
}
