// Times as milliseconds since the epoch (UTC), parsed from and formatted to
// ISO 8601 without Foundation. The calendar arithmetic is the core's
// (CivilTime, which also writes the records' own times).

import GatekeeperCore

public enum Time {
  public static let hour: Int64 = 3_600_000
  public static let day: Int64 = 86_400_000

  /// A cursor over the bytes of a time (no closures: this runs per record).
  struct Cursor {
    let b: UnsafeBufferPointer<UInt8>
    var i: Int
    let end: Int

    mutating func digits(_ n: Int) -> Int64? {
      guard i + n <= end else { return nil }
      var v: Int64 = 0
      for _ in 0..<n {
        let c = b[i]
        guard c >= 0x30, c <= 0x39 else { return nil }
        v = v * 10 + Int64(c - 0x30)
        i += 1
      }
      return v
    }

    mutating func take(_ c: UInt8) -> Bool {
      guard i < end, b[i] == c else { return false }
      i += 1
      return true
    }
  }

  /// Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.fff...]]][Z|±HH[:]MM]` (a missing
  /// zone means UTC). With `requireTime` the time of day is required.
  public static func parse(
    _ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, requireTime: Bool = true
  )
    -> Int64?
  {
    var c = Cursor(b: b, i: max(start, 0), end: min(end, b.count))
    guard let y = c.digits(4), c.take(0x2d), let mo = c.digits(2), c.take(0x2d),
      let d = c.digits(2),
      (1...12).contains(mo), (1...31).contains(d)
    else { return nil }
    var ms = CivilTime.days(year: y, month: mo, day: d) * day
    if c.i == c.end { return requireTime ? nil : ms }
    guard c.take(0x54) || c.take(0x20) || c.take(0x74) else { return nil }
    guard let h = c.digits(2), c.take(0x3a), let mi = c.digits(2), h < 24, mi < 60 else {
      return nil
    }
    ms += h * hour + mi * 60_000
    if c.take(0x3a) {
      guard let s = c.digits(2), s <= 60 else { return nil }
      ms += s * 1000
      if c.take(0x2e) || c.take(0x2c) {
        var scale: Int64 = 100
        var any = false
        while c.i < c.end, b[c.i] >= 0x30, b[c.i] <= 0x39 {
          ms += Int64(b[c.i] - 0x30) * scale
          scale /= 10
          any = true
          c.i += 1
        }
        guard any else { return nil }
      }
    }
    if c.i == c.end { return ms }
    if c.take(0x5a) || c.take(0x7a) { return c.i == c.end ? ms : nil }
    let sign: Int64
    if c.take(0x2b) { sign = 1 } else if c.take(0x2d) { sign = -1 } else { return nil }
    guard let oh = c.digits(2) else { return nil }
    _ = c.take(0x3a)
    guard let om = c.digits(2), c.i == c.end, oh < 24, om < 60 else { return nil }
    return ms - sign * (oh * hour + om * 60_000)
  }

  public static func parse(_ text: String, requireTime: Bool = false) -> Int64? {
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { parse($0, 0, $0.count, requireTime: requireTime) }
  }

  /// A time clamped to the years 0000...9999 (what four digits can show).
  static func clamped(_ t: Int64) -> Int64 { max(min(t, 253_402_300_799_999), -62_167_219_200_000) }

  static func civil(_ t: Int64) -> CivilTime { CivilTime(millis: clamped(t)) }

  private static func pad(_ v: Int64, _ w: Int) -> String { CivilTime.pad(v, w) }

  /// `2026-11-26T22:47:16.802Z` (the records' own format).
  public static func iso(_ ms: Int64) -> String { AuditRecord.isoTime(clamped(ms)) }

  /// `2026-11-26 22:47` (terminal tables).
  public static func short(_ ms: Int64) -> String {
    let t = civil(ms)
    return "\(date(t)) \(pad(t.hour, 2)):\(pad(t.minute, 2))"
  }

  /// `2026-11-26 22:47:16Z`.
  public static func seconds(_ ms: Int64) -> String {
    let t = civil(ms)
    return "\(date(t)) \(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2))Z"
  }

  /// `2026-11-26`.
  public static func date(_ ms: Int64) -> String { date(civil(ms)) }

  static func date(_ t: CivilTime) -> String { "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2))" }

  /// Hour of day (0...23, UTC).
  @inline(__always) public static func hourOfDay(_ ms: Int64) -> Int {
    let h = ms >= 0 ? ms / hour : (ms - hour + 1) / hour
    let r = h % 24
    return Int(r < 0 ? r + 24 : r)
  }

  /// `3d 4h`, `5h 12m`, `40s`.
  public static func duration(_ ms: Int64) -> String {
    let s = max(ms, 0) / 1000
    if s >= 86400 { return "\(s / 86400)d \(s % 86400 / 3600)h" }
    if s >= 3600 { return "\(s / 3600)h \(s % 3600 / 60)m" }
    if s >= 60 { return "\(s / 60)m \(s % 60)s" }
    return "\(s)s"
  }
}
