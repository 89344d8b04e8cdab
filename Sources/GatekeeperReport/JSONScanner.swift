// A byte-level JSON scanner for audit records: validates as it goes, never
// allocates while scanning, and hands back string values as spans of the
// input so that only the fields a caller needs are ever decoded.
//
// Strict JSON (RFC 8259) except that bytes >= 0x80 inside strings are taken
// as they are (decoding replaces invalid UTF-8 with U+FFFD). Nesting is
// capped at `maxDepth`; every index is checked, so no input can trap.

/// Where a string value lies in the input: the bytes between its quotes.
public struct Span: Equatable, Sendable {
  public var start = 0
  public var end = 0
  /// The raw bytes contain at least one backslash escape.
  public var escaped = false
  public init(start: Int = 0, end: Int = 0, escaped: Bool = false) {
    self.start = start
    self.end = end
    self.escaped = escaped
  }
  public var count: Int { end - start }
}

public struct JSONError: Error, Equatable, Sendable {
  public var message: String
  public var offset: Int
}

struct JSONScanner {
  static let maxDepth = 32
  let b: UnsafeBufferPointer<UInt8>
  var i: Int
  let end: Int

  init(_ b: UnsafeBufferPointer<UInt8>, from start: Int = 0, to end: Int? = nil) {
    self.b = b
    self.i = start
    self.end = min(end ?? b.count, b.count)
  }

  func fail(_ message: String) -> JSONError { JSONError(message: message, offset: i) }

  @inline(__always) var atEnd: Bool { i >= end }
  @inline(__always) var peek: UInt8 { i < end ? b[i] : 0 }

  @inline(__always) mutating func skipSpace() {
    while i < end {
      let c = b[i]
      if c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d { i += 1 } else { return }
    }
  }

  mutating func expect(_ c: UInt8) throws(JSONError) {
    skipSpace()
    guard i < end, b[i] == c else { throw fail("expected '\(Character(Unicode.Scalar(c)))'") }
    i += 1
  }

  /// A string starting at the current `"`; leaves `i` after the closing quote.
  mutating func string() throws(JSONError) -> Span {
    guard i < end, b[i] == 0x22 else { throw fail("expected a string") }
    i += 1
    var span = Span(start: i, end: i, escaped: false)
    while i < end {
      if let base = b.baseAddress {
        while i + 8 <= end {
          let stops = Bytes.stringStops(Bytes.load(base, i))
          if stops != 0 {
            i += stops.trailingZeroBitCount >> 3
            break
          }
          i += 8
        }
        if i >= end { break }
      }
      let c = b[i]
      if c == 0x22 {
        span.end = i
        i += 1
        return span
      }
      if c == 0x5c {
        span.escaped = true
        guard i + 1 < end else { break }
        switch b[i + 1] {
        case 0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74: i += 2
        case 0x75:
          guard i + 5 < end, JSONScanner.hex4(b, i + 2) != nil else { throw fail("bad \\u escape") }
          i += 6
        default: throw fail("bad escape")
        }
        continue
      }
      if c < 0x20 { throw fail("control character in string") }
      i += 1
    }
    throw fail("unterminated string")
  }

  /// The value of four hex digits at `at`, or nil.
  static func hex4(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32? {
    guard at >= 0, at + 4 <= b.count else { return nil }
    var v: UInt32 = 0
    for k in at..<(at + 4) {
      let c = b[k]
      let d: UInt32
      switch c {
      case 0x30...0x39: d = UInt32(c - 0x30)
      case 0x41...0x46: d = UInt32(c - 0x41 + 10)
      case 0x61...0x66: d = UInt32(c - 0x61 + 10)
      default: return nil
      }
      v = v << 4 | d
    }
    return v
  }

  /// A number; returns its value when it is a small integer (else nil).
  mutating func number() throws(JSONError) -> Int64? {
    let start = i
    var negative = false
    if peek == 0x2d {
      negative = true
      i += 1
    }
    var value: Int64 = 0
    var exact = true
    guard i < end, (0x30...0x39).contains(b[i]) else { throw fail("bad number") }
    if b[i] == 0x30 {
      i += 1
    } else {
      while i < end, (0x30...0x39).contains(b[i]) {
        if i - start < 18 { value = value * 10 + Int64(b[i] - 0x30) } else { exact = false }
        i += 1
      }
    }
    if peek == 0x2e {
      exact = false
      i += 1
      guard i < end, (0x30...0x39).contains(b[i]) else { throw fail("bad number") }
      while i < end, (0x30...0x39).contains(b[i]) { i += 1 }
    }
    if peek == 0x65 || peek == 0x45 {
      exact = false
      i += 1
      if peek == 0x2b || peek == 0x2d { i += 1 }
      guard i < end, (0x30...0x39).contains(b[i]) else { throw fail("bad number") }
      while i < end, (0x30...0x39).contains(b[i]) { i += 1 }
    }
    return exact ? (negative ? -value : value) : nil
  }

  mutating func literal(_ word: StaticString) throws(JSONError) {
    let n = word.utf8CodeUnitCount
    guard i + n <= end else { throw fail("bad literal") }
    let w = word.utf8Start
    for k in 0..<n where b[i + k] != w[k] { throw fail("bad literal") }
    i += n
  }

  /// Skips any value, validating it.
  mutating func skipValue(depth: Int = 0) throws(JSONError) {
    skipSpace()
    guard i < end else { throw fail("expected a value") }
    switch b[i] {
    case 0x22: _ = try string()
    case 0x7b:
      guard depth < JSONScanner.maxDepth else { throw fail("nested too deeply") }
      i += 1
      skipSpace()
      if peek == 0x7d {
        i += 1
        return
      }
      while true {
        skipSpace()
        _ = try string()
        try expect(0x3a)
        try skipValue(depth: depth + 1)
        skipSpace()
        guard i < end else { throw fail("unterminated object") }
        if b[i] == 0x2c {
          i += 1
          continue
        }
        if b[i] == 0x7d {
          i += 1
          return
        }
        throw fail("expected ',' or '}'")
      }
    case 0x5b:
      guard depth < JSONScanner.maxDepth else { throw fail("nested too deeply") }
      i += 1
      skipSpace()
      if peek == 0x5d {
        i += 1
        return
      }
      while true {
        try skipValue(depth: depth + 1)
        skipSpace()
        guard i < end else { throw fail("unterminated array") }
        if b[i] == 0x2c {
          i += 1
          continue
        }
        if b[i] == 0x5d {
          i += 1
          return
        }
        throw fail("expected ',' or ']'")
      }
    case 0x74: try literal("true")
    case 0x66: try literal("false")
    case 0x6e: try literal("null")
    default: _ = try number()
    }
  }
}

/// Decoding string spans to bytes.
public enum JSONText {
  /// Appends the decoded bytes of `span` (escapes resolved; `\uXXXX` as
  /// UTF-8, surrogate pairs joined, lone surrogates as U+FFFD).
  public static func decode(_ b: UnsafeBufferPointer<UInt8>, _ span: Span, into out: inout [UInt8]) {
    let end = min(span.end, b.count)
    var i = max(span.start, 0)
    if !span.escaped {
      if i < end { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<end])) }
      return
    }
    while i < end {
      let c = b[i]
      guard c == 0x5c, i + 1 < end else {
        out.append(c)
        i += 1
        continue
      }
      let e = b[i + 1]
      i += 2
      switch e {
      case 0x62: out.append(0x08)
      case 0x66: out.append(0x0c)
      case 0x6e: out.append(0x0a)
      case 0x72: out.append(0x0d)
      case 0x74: out.append(0x09)
      case 0x75:
        guard i + 4 <= end, let u = JSONScanner.hex4(b, i) else {
          appendScalar(0xFFFD, &out)
          continue
        }
        i += 4
        if (0xD800...0xDBFF).contains(u) {
          if i + 6 <= end, b[i] == 0x5c, b[i + 1] == 0x75, let lo = JSONScanner.hex4(b, i + 2),
            (0xDC00...0xDFFF).contains(lo)
          {
            i += 6
            appendScalar(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00), &out)
          } else {
            appendScalar(0xFFFD, &out)
          }
        } else if (0xDC00...0xDFFF).contains(u) {
          appendScalar(0xFFFD, &out)
        } else {
          appendScalar(u, &out)
        }
      default: out.append(e)  // \" \\ \/
      }
    }
  }

  static func appendScalar(_ v: UInt32, _ out: inout [UInt8]) {
    switch v {
    case 0..<0x80: out.append(UInt8(v))
    case 0x80..<0x800:
      out.append(UInt8(0xC0 | v >> 6))
      out.append(UInt8(0x80 | v & 0x3F))
    case 0x800..<0x10000:
      out.append(UInt8(0xE0 | v >> 12))
      out.append(UInt8(0x80 | v >> 6 & 0x3F))
      out.append(UInt8(0x80 | v & 0x3F))
    default:
      out.append(UInt8(0xF0 | v >> 18 & 0x07))
      out.append(UInt8(0x80 | v >> 12 & 0x3F))
      out.append(UInt8(0x80 | v >> 6 & 0x3F))
      out.append(UInt8(0x80 | v & 0x3F))
    }
  }

  /// The decoded text of a span as a String (invalid UTF-8 replaced).
  public static func string(_ b: UnsafeBufferPointer<UInt8>, _ span: Span) -> String {
    var out: [UInt8] = []
    decode(b, span, into: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// Decodes a whole JSON string literal given as bytes (with its quotes);
  /// nil when it is not exactly one valid string.
  public static func decodeLiteral(_ bytes: [UInt8]) -> [UInt8]? {
    bytes.withUnsafeBufferPointer { b in
      var s = JSONScanner(b)
      guard let span = try? s.string() else { return nil }
      s.skipSpace()
      guard s.atEnd else { return nil }
      var out: [UInt8] = []
      decode(b, span, into: &out)
      return out
    }
  }
}
