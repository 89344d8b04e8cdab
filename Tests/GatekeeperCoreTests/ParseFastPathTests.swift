// Byte-level fast paths in the policy parser and the address parser must
// give what the Character-based formulations they replaced gave. Each test
// writes the plain formulation out as the reference and compares it with
// what the public parsers answer (PolicyParser.parse, IPAddress).

import GatekeeperCore
import Testing

@Suite struct ParseFastPathTests {
  // MARK: addresses

  /// The Character-based dotted-quad parser that IPv4 parsing replaced.
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

  /// IPv6 with the String split at `::` that the Character walk replaced,
  /// an IPv4-mapped address given as the IPv4 address it carries.
  static func referenceParse6(_ text: String) -> [UInt8]? {
    let halves = text.split(separator: "::", maxSplits: 2, omittingEmptySubsequences: false)
    guard halves.count <= 2 else { return nil }
    func groups(_ s: Substring, allowV4Tail: Bool) -> [UInt8]? {
      if s.isEmpty { return [] }
      var out: [UInt8] = []
      let parts = s.split(separator: ":", omittingEmptySubsequences: false)
      for (i, p) in parts.enumerated() {
        if allowV4Tail && i == parts.count - 1 && p.contains(".") {
          guard let v4 = referenceParse4(p) else { return nil }
          out += v4
          continue
        }
        guard (1...4).contains(p.count), let v = UInt16(p, radix: 16) else { return nil }
        out += [UInt8(v >> 8), UInt8(v & 0xff)]
      }
      return out
    }
    var bytes: [UInt8]
    if halves.count == 1 {
      guard let all = groups(halves[0], allowV4Tail: true), all.count == 16 else { return nil }
      bytes = all
    } else {
      guard let head = groups(halves[0], allowV4Tail: false), let tail = groups(halves[1], allowV4Tail: true),
        head.count + tail.count <= 14
      else { return nil }
      bytes = head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }
    let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
    return mapped ? Array(bytes[12...]) : bytes
  }

  static let quads = [
    "192.0.2.7", "0.0.0.0", "255.255.255.255", "256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.02.3.4",
    "1.2.3.04", "0.0.0.00", "1..2.3", ".1.2.3", "1.2.3.", "", ".", "...", "1.2.3.4 ", " 1.2.3.4", "+1.2.3.4",
    "1.2.3.-4", "1.2.3.1000", "1.2.3.999", "١.2.3.4", "1.2.3.4\u{301}", "1.\u{301}2.3.4", "1.2.3.a", "10.0.0.255",
    "127.000.0.1", "9.99.199.249",
  ]

  @Test(arguments: quads) func ipv4MatchesCharacterParser(_ text: String) {
    #expect(IPAddress(text)?.bytes == Self.referenceParse4(Substring(text)), "\(text)")
  }

  /// Every short string over a small alphabet.
  @Test func ipv4MatchesCharacterParserExhaustively() {
    let alphabet: [Character] = ["0", "1", "2", "5", "9", "."]
    var texts = [""]
    for _ in 0..<7 {
      texts = texts.flatMap { t in alphabet.map { t + String($0) } }
      for t in texts where IPAddress(t)?.bytes != Self.referenceParse4(Substring(t)) {
        Issue.record("mismatch for \(t)")
        return
      }
    }
  }

  @Test func ipv6MatchesStringSplit() {
    for text in [
      "::", ":::", "::::", "1::", "::1", "1::2", "1::2::3", "1:2:3", "a:::b", "fe80::1:2", ":", "1:\u{301}:2",
      "1::\u{301}2", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::ffff:192.0.2.1", "::ffff:c000:201", "2001:db8::",
      "1:2:3:4:5:6:192.0.2.1", "::1.2.3.4", "1::2:3:4:5:6:7:8", "12345::", "g::", "::\u{ff1a}1",
    ] {
      #expect(IPAddress(text)?.bytes == Self.referenceParse6(text), "\(text)")
    }
  }

  // MARK: policy words

  /// A root or exec path, as the Character formulation judged it: its
  /// components joined, and whether it is absolute, free of `..` and of
  /// control characters.
  static func referenceNormalize(_ path: String) -> String {
    "/" + (Paths.components(path) ?? []).joined(separator: "/")
  }

  static func referenceIsCleanAbsolute(_ path: String) -> Bool {
    Paths.components(path) != nil && !path.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }
  }

  static let paths = [
    "", "/", "//", "/.", "/./", "/./.", "/..", "/../", "..", ".", "/...", "/.../x", "/etc", "/etc/", "/etc//ssh",
    "/etc/./ssh", "/etc/../ssh", "/etc/..", "/etc/..x", "/etc/x..", "/etcfoo", "/etc/ssh/sshd_config", "etc",
    "etc/ssh", "/home/../etc", "/srv/é", "/srv/e\u{301}", "/./etc", "/etc/.", "/etc/.ssh", "///etc///ssh///",
    "/a/b/c/d", "/etc/\u{7f}", "/a\u{0}", "/.hidden", "/a/.b/c", "/a/b.c", "/srv/area1", "///", "/a//", "/é/f",
    "/srv/a,b",
  ]

  /// A root is kept as its components joined, and accepted exactly when it
  /// is clean; `exec=` takes the same paths whole (never split at commas),
  /// except `/` itself.
  @Test(arguments: paths) func rootsAndExecAreNormalizedAndChecked(_ path: String) {
    let clean = Self.referenceIsCleanAbsolute(path)
    let exec = PolicyParser.parse(Array("allow rsync-sender exec=\(path)\n".utf8))
    #expect((try? exec.get())?.rules.first?.exec == (clean && path != "/" ? path : nil), "\(path)")
    let parts = path.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let roots = PolicyParser.parse(Array("allow rsync-sender roots=\(path)\n".utf8))
    let expected = parts.allSatisfy(Self.referenceIsCleanAbsolute) ? parts.map(Self.referenceNormalize) : nil
    #expect((try? roots.get())?.rules.first?.roots == expected, "\(path)")
  }

  static let policyWords = [
    "roots=/etc,/home", "roots=/etc,,/home", "roots=", "roots", "=x", "exec==/bin/x", "roots=/a,\u{301}/b",
    "roots=/é,/f", "exec=\u{301}/x", "ex\u{301}ec=/x", "roots=/a,b,", ",", "label=a=b", "from=192.0.2.0/24,::1",
    "from=192.0.2.1,\u{301}::1", "label=x", "from=", "exec=/x,y",
  ]

  /// A rule word is cut at its first `=` Character and a value at its `,`
  /// Characters (a `=` or `,` followed by a combining mark is another
  /// Character): the rule gets what the String formulation gives.
  @Test(arguments: policyWords) func ruleWordsSplitAsCharacters(_ text: String) {
    let eq = text.firstIndex(of: "=")
    let key = eq.map { String(text[..<$0]) } ?? text
    let value = eq.map { String(text[text.index(after: $0)...]) } ?? ""
    let parts = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let result = PolicyParser.parse(Array("allow rsync-sender \(text)\n".utf8))
    let rule = (try? result.get())?.rules.first
    let message: String? = if case .failure(let f) = result { f.errors.first?.message } else { nil }
    switch key {
    case _ where value.isEmpty:
      #expect(message == "expected key=value, got '\(text)'", "\(text)")
    case "exec":
      #expect(rule?.exec == (Self.referenceIsCleanAbsolute(value) ? value : nil), "\(text)")
    case "roots":
      let clean = parts.allSatisfy(Self.referenceIsCleanAbsolute)
      #expect(rule?.roots == (clean ? parts.map(Self.referenceNormalize) : nil), "\(text)")
    case "label":
      #expect(rule?.label == (PolicyParser.isName(value) ? value : nil), "\(text)")
    case "from":
      let networks = parts.compactMap { IPNetwork(Substring($0)) }
      #expect(rule?.from == (networks.count == parts.count ? networks : nil), "\(text)")
    default:
      #expect(message?.hasPrefix("unknown key '\(key)'") == true, "\(text)")
    }
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
    #expect(
      f.errors.map(\.description) == [
        "1:20: unknown key 'colour' (expected exec, roots, label, from or confine-root)",
        "1:31: duplicate key 'colour'",
      ])
  }

  /// A comma followed by a combining mark is one Character, not a comma:
  /// the root stays one (odd) root, as it always did.
  @Test func combiningMarkAfterCommaStaysInTheRoot() throws {
    let policy = try PolicyParser.parse(Array("allow rsync-sender roots=/a,\u{301}b\n".utf8)).get()
    #expect(policy.rules.first?.roots == ["/a,\u{301}b"])
  }
}
