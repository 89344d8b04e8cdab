// The audit JSON writer escapes a String field exactly as the same text
// given as bytes.

import Testing

@testable import GatekeeperCore

@Suite struct JSONWriterTests {
  @Test func stringFieldEqualsBytesField() {
    for s in ["plain", "q\"b\\s", "tab\tnl\n", "\u{7f}\u{1}", "é€𝄞", String(repeating: "x", count: 5000)] {
      var a = JSONWriter()
      a.field("k", string: s)
      var b = JSONWriter()
      b.field("k", bytes: Array(s.utf8))
      #expect(a.finish() == b.finish())
    }
  }
}
