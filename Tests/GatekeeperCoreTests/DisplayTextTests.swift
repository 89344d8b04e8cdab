import Testing

@testable import GatekeeperCore

@Suite struct DisplayTextTests {
  /// C1 controls, line/paragraph separators, bidi controls and marks: raw in
  /// 0.1's records and `check` output; escaped now, like C0.
  static let unsafe: [(String, String)] = [
    ("\u{9b}", "\\u009b"), ("\u{85}", "\\u0085"), ("\u{2028}", "\\u2028"), ("\u{2029}", "\\u2029"),
    ("\u{202e}", "\\u202e"), ("\u{202a}", "\\u202a"), ("\u{2066}", "\\u2066"), ("\u{2069}", "\\u2069"),
    ("\u{200f}", "\\u200f"), ("\u{61c}", "\\u061c"), ("\u{feff}", "\\ufeff"), ("\u{1b}", "\\u001b"),
  ]

  @Test(arguments: unsafe)
  func recordsEscapeTheWholeClass(_ raw: String, _ escaped: String) {
    var r = AuditRecord()
    r.command = Array("tar -c -f - /a\(raw)b".utf8)
    r.detail = "x\(raw)y"
    let json = r.json()
    #expect(json.contains("\"command\":\"tar -c -f - /a\(escaped)b\""), "\(json)")
    #expect(json.contains("\"detail\":\"x\(escaped)y\""), "\(json)")
    #expect(!json.unicodeScalars.contains { DisplayText.isUnsafe($0.value) })
  }

  @Test func visibleShowsEveryUnsafeCharacterAndKeepsTheRest() {
    #expect(DisplayText.visible("a\u{9b}2J\u{202e}b\u{1b}é") == "a\\x9b2J\\u{202e}b\\x1bé")
    #expect(DisplayText.visible("plain /etc/ssh ünïcode") == "plain /etc/ssh ünïcode")
    for (raw, _) in Self.unsafe {
      #expect(!DisplayText.visible("x\(raw)y").unicodeScalars.contains { DisplayText.isUnsafe($0.value) })
    }
  }
}
