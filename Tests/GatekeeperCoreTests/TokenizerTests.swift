import Testing

@testable import GatekeeperCore

@Suite struct TokenizerTests {
  static let accepted: [(String, [String])] = [
    (
      "rsync --server --sender -logDtpre.iLsfxCIvu . /etc/",
      ["rsync", "--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "/etc/"]
    ),
    ("tar  -c   -f -", ["tar", "-c", "-f", "-"]),
    (" tar -c ", ["tar", "-c"]),
    ("a /srv/my\\ dir/", ["a", "/srv/my dir/"]),
    ("a /srv/it\\'s\\\"q/", ["a", "/srv/it's\"q/"]),
    ("a /srv/\\$HOME\\;id\\`x\\`/", ["a", "/srv/$HOME;id`x`/"]),
    ("a /et\\c/", ["a", "/etc/"]),
    ("a '/etc/'", ["a", "/etc/"]),
    ("a \"/etc/ssh/\"", ["a", "/etc/ssh/"]),
    ("a --newer=\"2024-05-01 02:00:00\"", ["a", "--newer=2024-05-01 02:00:00"]),
    ("a 'it'\\''s'", ["a", "it's"]),
    ("a \"x\\\"y\\\\z\\n\"", ["a", "x\"y\\z\\n"]),
    ("a ''", ["a", ""]),
    ("a --exclude=./tmp/\\*", ["a", "--exclude=./tmp/*"]),
    ("a x#y x~y", ["a", "x#y", "x~y"]),
    ("a '#x' \\~y", ["a", "#x", "~y"]),
    ("a '*.log' \"[x]\"", ["a", "*.log", "[x]"]),
    ("a /srv/caf\\é", ["a", "/srv/café"]),
    ("a /srv/日本", ["a", "/srv/日本"]),
  ]

  @Test(arguments: accepted)
  func accepts(_ input: String, _ expected: [String]) throws {
    #expect(try Tokenizer.words(Array(input.utf8)).get() == expected)
  }

  static let refused: [([UInt8], TokenReason)] = [
    (Array("".utf8), .emptyCommand),
    (Array("   ".utf8), .emptyCommand),
    (Array(repeating: UInt8(ascii: "a"), count: Tokenizer.maxLength + 1), .commandTooLong),
    (Array("a /etc/\n".utf8), .controlCharacter),
    (Array("a /etc/\r".utf8), .controlCharacter),
    (Array("a\tb".utf8), .controlCharacter),
    (Array("a /etc/".utf8) + [0] + Array("--log-file=/tmp/x".utf8), .controlCharacter),
    (Array("a \u{1b}[1m".utf8), .controlCharacter),
    (Array("a \u{7f}".utf8), .controlCharacter),
    (Array("a /srv/".utf8) + [0xff], .invalidUTF8),
    (Array("a /srv/".utf8) + [0xc3], .invalidUTF8),
    (Array("a;id".utf8), .shellOperator),
    (Array("a && touch /tmp/p".utf8), .shellOperator),
    (Array("a | sh".utf8), .shellOperator),
    (Array("a & b".utf8), .shellOperator),
    (Array("a > /etc/passwd".utf8), .shellRedirection),
    (Array("a </dev/null".utf8), .shellRedirection),
    (Array("a `id`".utf8), .shellSubstitution),
    (Array("a $HOME".utf8), .shellSubstitution),
    (Array("a \"$HOME\"".utf8), .shellSubstitution),
    (Array("a \"`id`\"".utf8), .shellSubstitution),
    (Array("a $(id)".utf8), .shellSubstitution),
    (Array("(a)".utf8), .shellGrouping),
    (Array("a {b,c}".utf8), .shellGrouping),
    (Array("a #comment".utf8), .shellComment),
    (Array("a ~root".utf8), .shellTilde),
    (Array("a /etc/*".utf8), .shellGlob),
    (Array("a /etc/?".utf8), .shellGlob),
    (Array("a /etc/[ab]".utf8), .shellGlob),
    (Array("a '/etc".utf8), .unbalancedQuote),
    (Array("a \"/etc".utf8), .unbalancedQuote),
    (Array("a \"x\\\"".utf8), .unbalancedQuote),
    (Array("a /etc\\".utf8), .trailingBackslash),
  ]

  @Test(arguments: refused)
  func refuses(_ input: [UInt8], _ reason: TokenReason) {
    guard case .failure(let d) = Tokenizer.words(input) else {
      Issue.record("accepted: \(String(decoding: input, as: UTF8.self))")
      return
    }
    #expect(d.code == reason.rawValue)
  }

  @Test func everyReasonIsReached() {
    let reached = Set(Self.refused.map { $0.1 })
    #expect(reached == Set(TokenReason.allCases))
  }

  @Test(arguments: [
    ["rsync", "--server", "."], ["a", "it's", "x y", ""], ["a", "~x", "#y", "$z", "*", "é"],
    // A combining mark after a quote must not hide the quote (found by fuzzing).
    ["a", "'\u{065A}|"], ["'\u{301}", "x'\u{301}'"],
  ])
  func shellQuoteRoundTrips(_ words: [String]) throws {
    let quoted = Tokenizer.shellQuote(words)
    #expect(try Tokenizer.words(Array(quoted.utf8)).get() == words)
  }
}
