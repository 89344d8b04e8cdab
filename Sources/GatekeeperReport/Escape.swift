// Escaping untrusted text for each output: terminal (no control or bidi
// characters ever reach the screen), JSON and HTML.

import GatekeeperCore

public enum Escape {
  /// Characters that could move the cursor, recolour or reorder a terminal
  /// line (the core's DisplayText class) are shown as `\xNN` / `\u{NNNN}`.
  static func isUnsafe(_ v: UInt32) -> Bool { DisplayText.isUnsafe(v) }

  public static func terminal(_ s: String) -> String { DisplayText.visible(s) }

  static func hex(_ v: UInt32, _ width: Int) -> String {
    let s = String(v, radix: 16)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
  }

  /// Appends a JSON string literal.
  public static func json(_ s: String, into out: inout String) {
    out += "\""
    for u in s.unicodeScalars {
      switch u.value {
      case 0x22: out += "\\\""
      case 0x5c: out += "\\\\"
      case 0x0a: out += "\\n"
      case 0x0d: out += "\\r"
      case 0x09: out += "\\t"
      case _ where isUnsafe(u.value): out += "\\u" + hex(u.value, 4)
      default: out.unicodeScalars.append(u)
      }
    }
    out += "\""
  }

  public static func json(_ s: String) -> String {
    var out = ""
    json(s, into: &out)
    return out
  }

  /// Text for HTML element content and attribute values; controls shown as
  /// in the terminal.
  public static func html(_ s: String) -> String {
    var out = ""
    for ch in terminal(s).unicodeScalars {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.unicodeScalars.append(ch)
      }
    }
    return out
  }

  /// Width in terminal columns (one per scalar; good enough for the
  /// ASCII-heavy values in records).
  static func width(_ s: String) -> Int { s.unicodeScalars.count }

  /// Cuts to `width` columns with a trailing `…` (or a leading one).
  static func fit(_ s: String, _ width: Int, keepEnd: Bool = false) -> String {
    let scalars = Array(s.unicodeScalars)
    guard scalars.count > width else { return s }
    guard width > 1 else { return "…" }
    var out = String.UnicodeScalarView()
    if keepEnd {
      out.append("…")
      out.append(contentsOf: scalars[(scalars.count - width + 1)...])
    } else {
      out.append(contentsOf: scalars[..<(width - 1)])
      out.append("…")
    }
    return String(out)
  }
}
