// Base64 (RFC 4648) for the key blobs of SSH_USER_AUTH and the unpadded
// form OpenSSH prints in fingerprints.

public enum Base64 {
  static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

  public static func encode(_ data: [UInt8], padded: Bool = true) -> String {
    var out: [UInt8] = []
    out.reserveCapacity((data.count + 2) / 3 * 4)
    var i = 0
    while i + 3 <= data.count {
      let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
      out += [alphabet[Int(v >> 18)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], alphabet[Int(v & 63)]]
      i += 3
    }
    let rest = data.count - i
    if rest > 0 {
      var v = UInt32(data[i]) << 16
      if rest == 2 { v |= UInt32(data[i + 1]) << 8 }
      out += [alphabet[Int(v >> 18)], alphabet[Int(v >> 12 & 63)]]
      if rest == 2 { out.append(alphabet[Int(v >> 6 & 63)]) }
      if padded { out += Array(repeating: UInt8(ascii: "="), count: 3 - rest) }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Decodes standard base64 (padding optional); nil on any other byte.
  public static func decode(_ text: [UInt8]) -> [UInt8]? {
    var out: [UInt8] = []
    var acc: UInt32 = 0
    var bits = 0
    var padding = 0
    for c in text {
      let v: UInt32
      switch c {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
      case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a")) + 26
      case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0")) + 52
      case UInt8(ascii: "+"): v = 62
      case UInt8(ascii: "/"): v = 63
      case UInt8(ascii: "="):
        padding += 1
        continue
      default: return nil
      }
      if padding > 0 { return nil }
      acc = (acc << 6 | v) & 0xFFFFFF
      bits += 6
      if bits >= 8 {
        bits -= 8
        out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
      }
    }
    return padding <= 2 ? out : nil
  }
}
