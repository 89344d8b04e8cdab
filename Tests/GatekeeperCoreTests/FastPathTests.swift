// The per-call fast paths of the rsync and tar checks (byte scans instead of
// Unicode properties, one rsync parse shared by every rule, the sorted path
// index) must decide exactly what the plain formulations they replaced
// decide. Each test writes the plain formulation out here as the reference
// and compares it with what the public checks answer (RsyncSender.check,
// RsyncSender.Parses, TarCreate.check, Gatekeeper.decide).

import GatekeeperCore
import Testing

@Suite struct FastPathTests {
  static let whole = RuleScope(roots: ["/"])

  /// An rsync pull of `paths` with the options `options`.
  static func pull(_ paths: [String], _ options: [String] = ["-r"]) -> [String] {
    ["--server", "--sender"] + options + ["."] + paths
  }

  /// `allow`, or the code of the refusal.
  static func verdict(_ result: Result<ToolPlan, Denial>) -> String {
    switch result {
    case .success: "allow"
    case .failure(let denial): denial.code
    }
  }

  // MARK: rsync's control-character test

  /// Every Unicode scalar in a path: rsync refuses it as a control
  /// character exactly when its general category is Cc. The others are
  /// checked in batches (one refused path would refuse its whole batch).
  @Test func controlCharacterIsGeneralCategoryControl() {
    var mismatches: [UInt32] = []
    var batch: [String] = []
    var batchStart: UInt32 = 0
    func flush() {
      if !batch.isEmpty && Self.verdict(RsyncSender.check(Self.pull(batch), scope: Self.whole)) != "allow" {
        mismatches.append(batchStart)
      }
      batch.removeAll(keepingCapacity: true)
    }
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }  // surrogates
      let path = "/a" + String(Character(scalar)) + "b"
      if scalar.properties.generalCategory == .control {
        let refused = RsyncSender.check(Self.pull([path]), scope: Self.whole)
        if Self.verdict(refused) != "rsync-control-character" { mismatches.append(value) }
      } else if "*?[".unicodeScalars.contains(scalar) {
        // (Glob characters are refused for their own reason.)
        if Self.verdict(RsyncSender.check(Self.pull([path]), scope: Self.whole)) != "rsync-glob" {
          mismatches.append(value)
        }
      } else {
        if batch.isEmpty { batchStart = value }
        batch.append(path)
        if batch.count == 8192 { flush() }
      }
    }
    flush()
    #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
  }

  @Test(arguments: [
    ("", false), ("/etc", false), ("a\u{0}", true), ("\u{1f}", true), ("\u{7f}", true), ("\u{80}", true),
    ("\u{9f}", true), ("\u{a0}", false), ("é", false), ("\u{c2}\u{a0}", false), ("x\u{85}y", true),
    ("\u{200b}", false), ("\u{2028}", false),
  ])
  func controlCharacterRows(word: String, expected: Bool) {
    let result = RsyncSender.check(Self.pull(["/p" + word]), scope: Self.whole)
    #expect(Self.verdict(result) == (expected ? "rsync-control-character" : "allow"), "\(word)")
  }

  // MARK: lexical paths

  static let paths = [
    "", "/", "//", "/.", "/./", "/./.", "/..", "/../", "..", ".", "/...", "/.../x", "/etc", "/etc/", "/etc//ssh",
    "/etc/./ssh", "/etc/../ssh", "/etc/..", "/etc/..x", "/etc/x..", "/etcfoo", "/etc/ssh/sshd_config", "etc",
    "etc/ssh", "/home/../etc", "/srv/a,b", "/srv/é", "/srv/e\u{301}", "/./etc", "/etc/.", "/etc/.ssh",
    "///etc///ssh///", "/a/b/c/d",
  ]

  /// The components of a path split at every `/`, without `.` and empty
  /// ones; nil when it is not absolute or has a `..`.
  static func referenceComponents(_ path: String) -> [ArraySlice<UInt8>]? {
    let bytes = Array(path.utf8)
    guard bytes.first == UInt8(ascii: "/") else { return nil }
    let parts = bytes.split(separator: UInt8(ascii: "/")).filter { !$0.elementsEqual(".".utf8) }
    return parts.contains { $0.elementsEqual("..".utf8) } ? nil : parts
  }

  /// Inside a root: the root's components are the first of the path's.
  static func referenceIsInside(_ path: [ArraySlice<UInt8>]?, roots: [[ArraySlice<UInt8>]?]) -> Bool {
    guard let p = path else { return false }
    return roots.contains { root in
      guard let r = root else { return false }
      return r.count <= p.count && zip(r, p).allSatisfy { $0.elementsEqual($1) }
    }
  }

  static func referenceIsInside(_ path: String, roots: [String]) -> Bool {
    referenceIsInside(referenceComponents(path), roots: roots.map(referenceComponents))
  }

  static func referenceHasDotDot(_ path: String) -> Bool {
    Array(path.utf8).split(separator: UInt8(ascii: "/")).contains { $0.elementsEqual("..".utf8) }
  }

  static func referenceIsWholeTree(_ roots: [String]) -> Bool {
    roots.contains { referenceComponents($0)?.isEmpty == true }
  }

  /// rsync's verdict on one path, path by path, with the references. (None
  /// of these paths has a control character, a leading `-` or `~`, or a glob.)
  static func referenceRsync(_ path: String, roots: [String]) -> String {
    if !path.hasPrefix("/") { return "rsync-relative-path" }
    if referenceHasDotDot(path) { return "rsync-dot-dot" }
    return referenceIsInside(path, roots: roots) ? "allow" : "rsync-outside-roots"
  }

  /// tar's verdict on one file operand.
  static func referenceTar(_ path: String, roots: [String]) -> String {
    if referenceHasDotDot(path) { return "tar-dot-dot" }
    if referenceIsWholeTree(roots) { return "allow" }
    if !path.hasPrefix("/") { return "tar-relative-path" }
    return referenceIsInside(path, roots: roots) ? "allow" : "tar-outside-roots"
  }

  @Test func pathsAreJudgedAsTheReferencesJudgeThem() {
    for path in Self.paths {
      for root in Self.paths {
        let scope = RuleScope(roots: [root])
        let rsync = Self.verdict(RsyncSender.check(Self.pull([path]), scope: scope))
        #expect(rsync == Self.referenceRsync(path, roots: [root]), "rsync \(path) in \(root)")
        let tar = Self.verdict(TarCreate.check(["-c", "-f", "-", path], scope: scope))
        #expect(tar == Self.referenceTar(path, roots: [root]), "tar \(path) in \(root)")
      }
      let all = RsyncSender.check(Self.pull([path]), scope: RuleScope(roots: Self.paths))
      #expect(Self.verdict(all) == Self.referenceRsync(path, roots: Self.paths), "\(path)")
    }
    // Links may be followed (-L) exactly when the roots are the whole tree.
    for root in Self.paths {
      let follows = RsyncSender.check(Self.pull(["/etc"], ["-rL"]), scope: RuleScope(roots: [root]))
      let expected = Self.referenceIsWholeTree([root]) ? "allow" : "rsync-follows-links"
      #expect(Self.verdict(follows) == expected, "\(root)")
    }
  }

  // MARK: many paths under many rules (the path index)

  /// Absolute paths without `..` (what reaches the roots), with prefixes of
  /// one another, `.` and doubled slashes, shared leading bytes (`/etc`,
  /// `/etcfoo`, `/etc-x`), repeats, and enough of them for the index.
  static func manyPaths(_ generator: inout SeededGenerator) -> [String] {
    let parts = ["etc", "etcfoo", "etc-x", "ssh", "a", "b", "é", "e\u{301}", ".", "", "a b"]
    var paths = Self.paths.filter { $0.hasPrefix("/") && !referenceHasDotDot($0) }
    for _ in 0..<600 {
      let depth = Int.random(in: 0...4, using: &generator)
      paths.append("/" + (0..<depth).map { _ in parts.randomElement(using: &generator)! }.joined(separator: "/"))
    }
    return paths
  }

  static let rootChoices =
    paths.filter { $0.hasPrefix("/") && !referenceHasDotDot($0) } + ["/etc/ssh", "/a/b", "/é", "/nothing", "/etc-x/a"]

  /// One request checked under rule after rule (a shared Parses, which
  /// judges through the index from the second rule on) answers each rule
  /// as the path-by-path reference does: the first path outside the roots,
  /// before the first malformed path; then that one.
  @Test func manyRulesJudgeManyPathsAsPathByPath() {
    var generator = SeededGenerator(seed: 0x5eed)
    var paths = Self.manyPaths(&generator)
    for order in 0..<3 {
      if order > 0 { paths.shuffle(using: &generator) }
      var request = paths
      if order == 2 { request.insert("etc", at: 400) }
      let parts = request.map(Self.referenceComponents)
      let firstShape = request.firstIndex { !$0.hasPrefix("/") } ?? request.count
      var shared = RsyncSender.Parses(commandLine: Self.pull(request))
      for _ in 0..<300 {
        let roots = (0..<Int.random(in: 0...4, using: &generator)).map { _ in
          Self.rootChoices.randomElement(using: &generator)!
        }
        let rootParts = roots.map(Self.referenceComponents)
        let outside = parts[..<firstShape].firstIndex { !Self.referenceIsInside($0, roots: rootParts) }
        let result = shared.check(scope: RuleScope(roots: roots))
        if let outside {
          #expect(result == .failure(Denial(RsyncReason.outsideRoots, request[outside])), "\(roots)")
        } else if firstShape < request.count {
          #expect(result == .failure(Denial(RsyncReason.relativePath, "etc")), "\(roots)")
        } else {
          #expect(Self.verdict(result) == "allow", "\(roots)")
        }
      }
    }
  }

  /// With confine-root, the root added is the deepest one that holds every
  /// path (the index's `holdsAll` from the second rule on); when none does,
  /// the request is refused.
  @Test func confineRootIsTheDeepestRootHoldingEveryPath() throws {
    var generator = SeededGenerator(seed: 0xc0f1)
    let request = Self.manyPaths(&generator).filter { $0.hasPrefix("/etc/") || $0 == "/etc" }
    try #require(request.count > 40)
    let parts = request.map(Self.referenceComponents)
    let choices = ["/etc", "/etc/", "//etc", "/etc/ssh", "/etc-x", "/a", "/etc/.", "/etcfoo"]
    var shared = RsyncSender.Parses(commandLine: Self.pull(request))
    _ = shared.check(scope: RuleScope(roots: ["/nothing"]))
    for first in choices {
      for second in choices {
        let roots = [first, second]
        let rootParts = roots.map(Self.referenceComponents)
        let result = shared.check(scope: RuleScope(roots: roots, confineRoot: true))
        if parts.contains(where: { !Self.referenceIsInside($0, roots: rootParts) }) {
          #expect(Self.verdict(result) == "rsync-outside-roots", "\(roots)")
          continue
        }
        var best: (root: String, depth: Int)? = nil
        for (root, rootPart) in zip(roots, rootParts)
        where parts.allSatisfy({ Self.referenceIsInside($0, roots: [rootPart]) }) {
          let depth = rootPart?.count ?? 0
          if depth > (best?.depth ?? -1) { best = (root, depth) }
        }
        if let best {
          let plan = try result.get()
          #expect(plan.arguments.contains("--confine-root=" + best.root), "\(roots)")
        } else {
          #expect(Self.verdict(result) == "rsync-confine-root-spans", "\(roots)")
        }
      }
    }
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
    else {
      Issue.record("paths under seven roots with confine-root=yes were allowed")
      return
    }
    // The first rule reports its first outside path, /srv/r1/p1.
    #expect(spans.code == "rsync-outside-roots" && spans.detail == "/srv/r1/p1")
    let some = paths.filter { $0.hasPrefix("/srv/r3/") }
    let decision = Gatekeeper.decide(.forced(pull + some.joined(separator: " ")), policy: policy)
    guard case .allow(let allowed) = decision else {
      Issue.record("\(decision)")
      return
    }
    #expect(allowed.rule.line == 4)
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
}
