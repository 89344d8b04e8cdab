// Byte-level fast paths in the policy parser, the IPv4 parser and the audit
// JSON writer must give what the Character-based formulations they replaced
// gave. Each test writes the plain formulation out as the reference.

import Testing

@testable import GatekeeperCore

@Suite struct ParseFastPathTests {
  /// The Character-based dotted-quad parser that `IPAddress.parse4` replaced.
  static func referenceParse4(_ text: Substring) -> [UInt8]? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var out: [UInt8] = []
    for p in parts {
      guard (1...3).contains(p.count), p.allSatisfy({ $0.isASCII && $0.isNumber }),
        let v = UInt8(p), p.count == 1 || p.first != "0"
      else { return nil }
      out.append(v)
    }
    return out
  }

  static let quads = [
    "192.0.2.7", "0.0.0.0", "255.255.255.255", "256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.02.3.4",
    "1.2.3.04", "0.0.0.00", "1..2.3", ".1.2.3", "1.2.3.", "", ".", "...", "1.2.3.4 ", " 1.2.3.4", "+1.2.3.4",
    "1.2.3.-4", "1.2.3.1000", "1.2.3.999", "١.2.3.4", "1.2.3.4\u{301}", "1.\u{301}2.3.4", "1.2.3.a", "10.0.0.255",
    "127.000.0.1", "9.99.199.249",
  ]

  @Test(arguments: quads) func parse4MatchesCharacterParser(_ text: String) {
    #expect(IPAddress.parse4(Substring(text)) == Self.referenceParse4(Substring(text)), "\(text)")
  }

  /// Every short string over a small alphabet.
  @Test func parse4MatchesCharacterParserExhaustively() {
    let alphabet: [Character] = ["0", "1", "2", "5", "9", "."]
    var texts = [""]
    for _ in 0..<7 {
      texts = texts.flatMap { t in alphabet.map { t + String($0) } }
      for t in texts where IPAddress.parse4(Substring(t)) != Self.referenceParse4(Substring(t)) {
        Issue.record("mismatch for \(t)")
        return
      }
    }
  }

  /// `normalize` through `isNormal` equals the component walk.
  @Test(arguments: [
    "/", "//", "/etc", "/etc/", "/etc//ssh", "/etc/./ssh", "/etc/.", "/.hidden", "/a/.b/c", "/a/b.c",
    "/srv/area1", "///", "/./", "/a//", "/é/f",
  ])
  func normalizeMatchesComponents(_ path: String) {
    let parts = Paths.components(path) ?? []
    let reference = parts.isEmpty ? "/" : "/" + parts.joined(separator: "/")
    #expect(PolicyParser.normalize(Array(path.utf8)[...]) == reference, "\(path)")
  }

  /// The keys and profiles, matched on bytes, are recognised exactly when
  /// String `==` would recognise them. (Words with a space cannot be
  /// written in a policy: the space separates words.)
  @Test func keysAndProfilesMatchStrings() {
    let words = [
      "exec", "roots", "label", "from", "confine-root", "Exec", "exe", "execs", "confine_root", "", "rsync-sender",
      "tar-create", "rsync-sende", "e\u{301}xec", "tar-cre\u{301}ate", "rsync\u{2011}sender",
    ]
    let keys = ["exec", "roots", "label", "from", "confine-root"]
    for w in words {
      let rule = PolicyParser.parse(Array("allow \(w)\n".utf8))
      #expect((try? rule.get())?.rules.first?.profile == ProfileKind(rawValue: w), "\(w)")
      guard case .failure(let f) = PolicyParser.parse(Array("allow rsync-sender \(w)=/..\n".utf8)) else {
        Issue.record("\(w)=/.. accepted")
        continue
      }
      let unknown = f.errors.first?.message.hasPrefix("unknown key '\(w)'") == true
      #expect(unknown == !keys.contains(w), "\(w): \(f.errors)")
    }
  }

  /// An unknown key given twice is still reported as a duplicate.
  @Test func unknownKeyTwiceIsADuplicate() {
    let policy = "allow rsync-sender colour=red colour=blue\n"
    guard case .failure(let f) = PolicyParser.parse(Array(policy.utf8)) else {
      Issue.record("accepted")
      return
    }
    #expect(f.errors.map(\.description) == [
      "1:20: unknown key 'colour' (expected exec, roots, label, from or confine-root)",
      "1:31: duplicate key 'colour'",
    ])
  }

  /// The JSON writer escapes a String field exactly as its bytes.
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
