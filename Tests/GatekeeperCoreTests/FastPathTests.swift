// The per-call fast paths (byte scans instead of Unicode properties, String
// splits and Sets; one rsync parse shared by every rule) must decide exactly
// what the plain formulations they replaced decide. Each test compares the
// fast code with that plain formulation, written out here as the reference.

import Testing

@testable import GatekeeperCore

@Suite struct FastPathTests {
  // MARK: rsync's control-character test

  /// Every Unicode scalar: the byte test equals general category Cc.
  @Test func hasControlIsGeneralCategoryControl() {
    var mismatches: [UInt32] = []
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }  // surrogates
      let word = "a" + String(Character(scalar)) + "b"
      let reference = word.unicodeScalars.contains { $0.properties.generalCategory == .control }
      if RsyncSender.hasControl(word) != reference { mismatches.append(value) }
    }
    #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
  }

  @Test(arguments: [
    ("", false), ("/etc", false), ("a\u{0}", true), ("\u{1f}", true), ("\u{7f}", true), ("\u{80}", true),
    ("\u{9f}", true), ("\u{a0}", false), ("é", false), ("\u{c2}\u{a0}", false), ("x\u{85}y", true),
    ("\u{200b}", false), ("\u{2028}", false),
  ])
  func hasControlRows(word: String, expected: Bool) {
    #expect(RsyncSender.hasControl(word) == expected)
  }

  // MARK: lexical paths

  static let paths = [
    "", "/", "//", "/.", "/./", "/./.", "/..", "/../", "..", ".", "/...", "/.../x", "/etc", "/etc/", "/etc//ssh",
    "/etc/./ssh", "/etc/../ssh", "/etc/..", "/etc/..x", "/etc/x..", "/etcfoo", "/etc/ssh/sshd_config", "etc",
    "etc/ssh", "/home/../etc", "/srv/a,b", "/srv/é", "/srv/e\u{301}", "/./etc", "/etc/.", "/etc/.ssh",
    "///etc///ssh///", "/a/b/c/d",
  ]

  /// The formulations the walked versions replaced.
  static func referenceIsInside(_ path: String, roots: [String]) -> Bool {
    guard let p = Paths.components(Array(path.utf8)) else { return false }
    for root in roots {
      guard let r = Paths.components(Array(root.utf8)) else { continue }
      if r.count <= p.count && zip(r, p).allSatisfy({ $0.elementsEqual($1) }) { return true }
    }
    return false
  }

  static func referenceHasDotDot(_ path: String) -> Bool {
    Array(path.utf8).split(separator: UInt8(ascii: "/")).contains { $0.elementsEqual("..".utf8) }
  }

  static func referenceIsWholeTree(_ roots: [String]) -> Bool {
    roots.contains { Paths.components(Array($0.utf8))?.isEmpty == true }
  }

  @Test func pathHelpersMatchReferences() {
    for path in Self.paths {
      #expect(Paths.hasDotDot(path) == Self.referenceHasDotDot(path), "\(path)")
      #expect(Paths.isWholeTree([path]) == Self.referenceIsWholeTree([path]), "\(path)")
      for root in Self.paths {
        #expect(
          Paths.isInside(path, roots: [root]) == Self.referenceIsInside(path, roots: [root]), "\(path) in \(root)")
      }
      #expect(Paths.isInside(path, roots: Self.paths) == Self.referenceIsInside(path, roots: Self.paths))
    }
  }

  // MARK: the path index (many paths under many rules)

  /// For every set of roots, the index's first outside path is the first
  /// path `Paths.isInside` refuses, and `holdsAll` is `allSatisfy`.
  @Test func pathIndexAgreesWithIsInside() throws {
    // Absolute paths without `..` (what reaches the index), with prefixes
    // of one another, `.` and doubled slashes, shared leading bytes
    // (`/etc`, `/etcfoo`, `/etc-x`), repeats, and enough to fill blocks.
    let spellings = Self.paths.filter { $0.hasPrefix("/") && !Paths.hasDotDot($0) }
    var generator = SeededGenerator(seed: 0x5eed)
    let parts = ["etc", "etcfoo", "etc-x", "ssh", "a", "b", "é", "e\u{301}", ".", "", "a b"]
    var paths = spellings
    for _ in 0..<600 {
      let depth = Int.random(in: 0...4, using: &generator)
      paths.append("/" + (0..<depth).map { _ in parts.randomElement(using: &generator)! }.joined(separator: "/"))
    }
    let rootChoices = spellings + ["/etc/ssh", "/a/b", "/é", "/nothing", "/etc-x/a"]
    for order in 0..<3 {
      if order > 0 { paths.shuffle(using: &generator) }
      let index = try #require(PathIndex(paths[...]))
      #expect(index.count == paths.count)
      for _ in 0..<300 {
        let roots = (0..<Int.random(in: 0...4, using: &generator)).map { _ in
          rootChoices.randomElement(using: &generator)!
        }
        let reference = paths.firstIndex { !Paths.isInside($0, roots: roots) }
        #expect(index.firstOutside(roots) == reference, "\(roots)")
      }
      for root in rootChoices {
        #expect(index.holdsAll(root) == paths.allSatisfy { Paths.isInside($0, roots: [root]) }, "\(root)")
      }
    }
    // Not built over what the shape checks refuse.
    #expect(PathIndex(["/etc", "etc"]) == nil)
    #expect(PathIndex(["/etc/../x"]) == nil)
  }

  /// A request of many paths under many rules decides as path-by-path
  /// judging would: the first outside path of the first rule that applies,
  /// or the allow of a later rule.
  @Test func manyPathsUnderManyRulesDecideAsBefore() throws {
    let paths = (0..<200).map { "/srv/r\($0 % 7)/p\($0)" }
    let policyText =
      (0..<7).map { "allow rsync-sender roots=/srv/r\($0),/other\n" }.joined()
      + "allow rsync-sender roots=/srv/r0,/srv/r1,/srv/r2,/srv/r3,/srv/r4,/srv/r5,/srv/r6 confine-root=yes\n"
    let policy = try PolicyParser.parse(Array(policyText.utf8)).get()
    let pull = "rsync --server --sender -logDtpre.iLsfxCIvu . "
    guard case .deny(let spans, _) = Gatekeeper.decide(.forced(pull + paths.joined(separator: " ")), policy: policy)
    else { Issue.record("paths under seven roots with confine-root=yes were allowed"); return }
    // The first rule reports its first outside path, /srv/r1/p1.
    #expect(spans.code == "rsync-outside-roots" && spans.detail == "/srv/r1/p1")
    let some = paths.filter { $0.hasPrefix("/srv/r3/") }
    let decision = Gatekeeper.decide(.forced(pull + some.joined(separator: " ")), policy: policy)
    guard case .allow(let allowed) = decision else { Issue.record("\(decision)"); return }
    #expect(allowed.rule.line == 4)
  }

  @Test func normalizeAndCleanAbsoluteMatchReferences() {
    for path in Self.paths + ["/etc/\u{7f}", "/etc/\tx", "/a\u{0}"] {
      let components = Paths.components(path)
      #expect(PolicyParser.normalize(path) == "/" + (components ?? []).joined(separator: "/"), "\(path)")
      #expect(
        PolicyParser.isCleanAbsolute(path) == (components != nil && Tokenizer.firstControl(Array(path.utf8)) == nil),
        "\(path)")
    }
  }

  // MARK: policy words

  static let policyWords = [
    "roots=/etc,/home", "roots=/etc,,/home", "roots=", "roots", "=x", "exec==/bin/x", "roots=/a,\u{301}/b",
    "roots=/é,/f", "exec=\u{301}/x", "ex\u{301}ec=/x", "roots=/a,b,", ",", "label=a=b", "from=192.0.2.0/24,::1",
  ]

  @Test func keyValueAndCommaListMatchCharacterSplits() {
    for text in Self.policyWords {
      let bytes = Array(text.utf8)[...]
      let word = PolicyParser.word(bytes, column: 1)
      // Reference: the Character search and split on the word's String.
      let eq = text.firstIndex(of: "=")
      let key = eq.map { String(text[..<$0]) } ?? text
      let value = eq.map { String(text[text.index(after: $0)...]) } ?? ""
      let (k, v) = PolicyParser.keyValue(word)
      #expect(k == key && v == value, "\(text)")
      let (_, valueBytes) = PolicyParser.splitKeyValue(word)
      let parts = PolicyParser.commaList(valueBytes, ascii: word.ascii).map { String(decoding: $0, as: UTF8.self) }
      #expect(parts == value.split(separator: ",", omittingEmptySubsequences: false).map(String.init), "\(text)")
    }
  }

  /// A comma followed by a combining mark is one Character, not a comma:
  /// the root stays one (odd) root, as it always did.
  @Test func combiningMarkAfterCommaStaysInTheRoot() throws {
    let policy = try PolicyParser.parse(Array("allow rsync-sender roots=/a,\u{301}b\n".utf8)).get()
    #expect(policy.rules.first?.roots == ["/a,\u{301}b"])
  }

  // MARK: IPv6 `::`

  @Test func doubleColonSplitMatchesStringSplit() {
    for text in [
      "", "::", ":::", "::::", "1::", "::1", "1::2", "1::2::3", "1:2:3", "a:::b", "fe80::1:2", ":", "1:\u{301}:2",
      "1::\u{301}2",
    ] {
      let reference = text.split(separator: "::", maxSplits: 2, omittingEmptySubsequences: false)
      let expected = reference.count <= 2 ? reference : nil
      #expect(IPAddress.splitAtDoubleColon(text[...]) == expected, "\(text)")
    }
  }

  // MARK: one rsync parse for many rules

  /// A Parses shared across rules of both kinds (whole tree or not) answers
  /// each rule exactly as a fresh check does.
  @Test(arguments: [
    "--server --sender -logDtpre.iLsfxCIvu . /etc/",
    "--server --sender -LlogDtpre.iLsfxCIvu . /etc/",
    "--server --sender -logDtpre.iLsfxCIvu --remove-source-files . /etc/",
    "--server --sender -vlogDtprze.iLsfxCIvu --numeric-ids --timeout=600 . /etc/ /home/",
    "--server --sender -kre.iLsfxC . /",
    "--server --sender -slogDtpre.iLsfxCIvu",
    "--server --sender -re.iLsfxC . /srv/x",
  ])
  func sharedParsesMatchFreshChecks(line: String) {
    let words = line.split(separator: " ").map(String.init)
    let scopes = [
      RuleScope(roots: ["/srv"]), RuleScope(roots: ["/"]), RuleScope(roots: ["/etc"], confineRoot: true),
      RuleScope(roots: ["//"]), RuleScope(roots: ["/etc", "/home"]), RuleScope(roots: ["/"], confineRoot: true),
    ]
    var shared = RsyncSender.Parses(commandLine: words)
    for scope in scopes {
      var fresh = RsyncSender.Parses(commandLine: words)
      #expect(shared.check(scope: scope) == fresh.check(scope: scope), "\(line) \(scope)")
    }
  }

  // MARK: /etc/passwd

  static func referenceUserName(_ bytes: [UInt8], uid: UInt32) -> String? {
    for line in bytes.split(separator: UInt8(ascii: "\n")) {
      let f = line.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
      if f.count > 2, String(decoding: f[2], as: UTF8.self) == String(uid) {
        return String(decoding: f[0], as: UTF8.self)
      }
    }
    return nil
  }

  @Test func passwdMatchesSplitLookup() {
    let files = [
      "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/:/usr/sbin/nologin\nbackup:x:34:34:backup:/var/backups:/bin/sh\n",
      "\n\nroot:x:0:0\n", "a:b\nc:d:0\n", "nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin",
      "x::0:\ny::00:0\nz:\u{ff}:0", ":x:0:0\n", "two:x:1\nsecond:x:1:1\n", "é:x:7:7\n", "",
    ]
    for file in files {
      let bytes = Array(file.utf8)
      for uid: UInt32 in [0, 1, 7, 34, 65534, 4_294_967_295] {
        #expect(Passwd.userName(bytes, uid: uid) == Self.referenceUserName(bytes, uid: uid), "\(file) \(uid)")
      }
    }
  }
}
