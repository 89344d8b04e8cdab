// Untrusted text on a screen or in a record: no character that can move the
// cursor, recolour, reorder or hide part of a line reaches either raw. The
// class, defined once: C0 controls and DEL, C1 controls (U+0080-U+009F, CSI
// among them), the zero-width and directional marks (U+061C, U+200B-U+200F),
// the line and paragraph separators (U+2028, U+2029), the bidi embeddings,
// overrides and isolates (U+202A-U+202E, U+2066-U+2069) and U+FEFF.

public enum DisplayText {
  public static func isUnsafe(_ v: UInt32) -> Bool {
    v < 0x20 || (0x7f...0x9f).contains(v) || v == 0x061c || (0x200b...0x200f).contains(v)
      || (0x2028...0x202e).contains(v) || (0x2066...0x2069).contains(v) || v == 0xfeff
  }

  /// `s` with every unsafe character written as `\xNN` (below U+0100) or
  /// `\u{NNNN}`: for terminals, `check` and the client's one line.
  public static func visible(_ s: String) -> String {
    guard s.unicodeScalars.contains(where: { isUnsafe($0.value) }) else { return s }
    var out = ""
    for u in s.unicodeScalars {
      if isUnsafe(u.value) {
        out += u.value < 0x100 ? "\\x" + hex(u.value, 2) : "\\u{" + hex(u.value, 4) + "}"
      } else {
        out.unicodeScalars.append(u)
      }
    }
    return out
  }

  static func hex(_ v: UInt32, _ width: Int) -> String {
    let s = String(v, radix: 16)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
  }
}
