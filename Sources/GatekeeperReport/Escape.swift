// Escaping untrusted text for HTML, and fitting it to a column. The
// terminal's escaping (no control or bidi character ever reaches the screen)
// is the core's DisplayText.visible; JSON strings are written by the core's
// JSONWriter, as in the records.

import GatekeeperCore

public enum Escape {
  /// Text for HTML element content and attribute values; controls shown as
  /// in the terminal.
  public static func html(_ s: String) -> String {
    var out = ""
    for ch in DisplayText.visible(s).unicodeScalars {
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
