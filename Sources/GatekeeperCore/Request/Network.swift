// IPv4 and IPv6 addresses and networks for the policy's `from=` key and the
// client address taken from SSH_CONNECTION. An IPv4-mapped IPv6 address
// (`::ffff:192.0.2.1`) is treated as the IPv4 address it carries.

public struct IPAddress: Equatable, Sendable, CustomStringConvertible {
  /// 4 bytes for IPv4, 16 for IPv6.
  public let bytes: [UInt8]

  public init?(_ text: Substring) {
    // (Bytes suffice: a `:` that starts a larger Character fails both parsers.)
    if text.utf8.contains(UInt8(ascii: ":")) {
      guard let b = IPAddress.parse6(text) else { return nil }
      if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff {
        bytes = Array(b[12..<16])
      } else {
        bytes = b
      }
    } else {
      guard let b = IPAddress.parse4(text) else { return nil }
      bytes = b
    }
  }

  public init?(_ text: String) { self.init(Substring(text)) }

  public var description: String {
    if bytes.count == 4 { return bytes.map { String($0) }.joined(separator: ".") }
    var groups: [String] = []
    for i in stride(from: 0, to: 16, by: 2) {
      groups.append(String(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]), radix: 16))
    }
    return groups.joined(separator: ":")
  }

  /// Dotted quad: four parts of 1 to 3 digits, at most 255, no leading
  /// zero. Read as bytes: any byte other than a digit or `.` (also one that
  /// starts a larger Character) makes it no address.
  static func parse4(_ text: Substring) -> [UInt8]? {
    var out: [UInt8] = []
    out.reserveCapacity(4)
    var value = 0
    var digits = 0
    var leadingZero = false
    for b in text.utf8 {
      if b == UInt8(ascii: ".") {
        guard digits > 0, out.count < 3 else { return nil }
        out.append(UInt8(value))
        value = 0
        digits = 0
      } else if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
        if digits == 0 { leadingZero = b == UInt8(ascii: "0") } else if leadingZero { return nil }
        digits += 1
        value = value * 10 + Int(b - UInt8(ascii: "0"))
        guard digits <= 3, value <= 255 else { return nil }
      } else {
        return nil
      }
    }
    guard digits > 0, out.count == 3 else { return nil }
    out.append(UInt8(value))
    return out
  }

  /// `text` cut at its `::` (two `:` Characters, found left to right): one
  /// part without one, two with one, nil with more. (The standard library's
  /// split on a String separator lives in _StringProcessing, which with its
  /// regex parser adds about 1 MB to the static binary.)
  static func splitAtDoubleColon(_ text: Substring) -> [Substring]? {
    var parts: [Substring] = []
    var start = text.startIndex
    var i = text.startIndex
    while i < text.endIndex {
      let next = text.index(after: i)
      if text[i] == ":" && next < text.endIndex && text[next] == ":" {
        if parts.count == 1 { return nil }
        parts.append(text[start..<i])
        start = text.index(after: next)
        i = start
      } else {
        i = next
      }
    }
    parts.append(text[start...])
    return parts
  }

  static func parse6(_ text: Substring) -> [UInt8]? {
    guard let halves = splitAtDoubleColon(text) else { return nil }
    func groups(_ s: Substring, allowV4Tail: Bool) -> [UInt8]? {
      if s.isEmpty { return [] }
      var out: [UInt8] = []
      let parts = s.split(separator: ":", omittingEmptySubsequences: false)
      for (i, p) in parts.enumerated() {
        if allowV4Tail && i == parts.count - 1 && p.contains(".") {
          guard let v4 = parse4(p) else { return nil }
          out += v4
          continue
        }
        guard (1...4).contains(p.count), let v = UInt16(p, radix: 16) else { return nil }
        out += [UInt8(v >> 8), UInt8(v & 0xff)]
      }
      return out
    }
    if halves.count == 1 {
      guard let all = groups(halves[0], allowV4Tail: true), all.count == 16 else { return nil }
      return all
    }
    guard let head = groups(halves[0], allowV4Tail: false),
      let tail = groups(halves[1], allowV4Tail: true), head.count + tail.count <= 14
    else { return nil }
    return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
  }
}

public struct IPNetwork: Equatable, Sendable, CustomStringConvertible {
  public let address: IPAddress
  public let prefix: Int

  /// `192.0.2.0/24`, `2001:db8::/32`, or a bare address (a single host).
  public init?(_ text: Substring) {
    let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
    guard let a = IPAddress(parts[0]) else { return nil }
    let bits = parts[0].contains(":") ? 128 : 32
    var p = a.bytes.count * 8
    if parts.count == 2 {
      guard (1...3).contains(parts[1].count), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
        let v = Int(parts[1]), v <= bits
      else { return nil }
      p = v
      // `::ffff:a.b.c.d/n` was mapped to IPv4: its prefix counts the IPv6 bits.
      if a.bytes.count == 4 && parts[0].contains(":") {
        guard v >= 96 else { return nil }
        p = v - 96
      }
    }
    address = a
    prefix = p
  }

  public func contains(_ a: IPAddress) -> Bool {
    guard a.bytes.count == address.bytes.count else { return false }
    var left = prefix
    for i in 0..<a.bytes.count {
      if left <= 0 { return true }
      let mask: UInt8 = left >= 8 ? 0xff : ~(0xff >> UInt8(left))
      if a.bytes[i] & mask != address.bytes[i] & mask { return false }
      left -= 8
    }
    return true
  }

  public var description: String { "\(address)/\(prefix)" }
}
