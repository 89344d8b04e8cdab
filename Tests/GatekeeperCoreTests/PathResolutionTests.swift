import Testing

@testable import GatekeeperCore

/// A file system as a table: path -> link target; every other path listed
/// in `present` exists; anything else is missing.
struct FakeTree {
  var links: [String: String]
  var present: Set<String>

  func lookup(_ path: [UInt8]) -> FileNode {
    let p = String(decoding: path, as: UTF8.self)
    if let t = links[p] { return .symlink(Array(t.utf8)) }
    return present.contains(p) ? .present : .missing
  }
}

/// /srv/data holds links of every kind; /etc/shadow and /var/www are outside.
let tree = FakeTree(
  links: [
    "/srv/data/out": "/etc",  // absolute, outside
    "/srv/data/rel": "../../etc",  // relative with .., outside
    "/srv/data/in": "sub",  // relative, inside
    "/srv/data/in2": "/srv/data/sub/.",  // absolute, inside
    "/srv/data/up": "sub/../../data/sub",  // .. inside the target, still inside
    "/srv/data/root": "/",  // the whole tree
    "/srv/data/dangling": "/nowhere/at/all",  // target missing
    "/srv/data/loop1": "loop2", "/srv/data/loop2": "loop1",  // a loop
    "/srv/data/chain": "in",  // a link to a link inside
    "/srv/data/sub/back": "../out",  // a link to a link that leaves
    "/srv/www": "/var/www",  // a root that is a link
  ],
  present: [
    "/srv", "/srv/data", "/srv/data/sub", "/srv/data/sub/file", "/etc", "/etc/shadow", "/var", "/var/www",
    "/var/www/index.html",
  ])

@Suite struct PathResolutionTests {
  static func resolve(_ path: String, follow: Bool = false) -> PathResolver.Resolved {
    PathResolver.resolve(Array(path.utf8), followFinal: follow, lookup: tree.lookup)
  }

  @Test(arguments: [
    ("/srv/data/sub/file", false, "/srv/data/sub/file", 0),
    ("/srv/data/out/shadow", false, "/etc/shadow", 1),
    ("/srv/data/out", false, "/srv/data/out", 0),  // final link, not followed
    ("/srv/data/out", true, "/etc", 1),
    ("/srv/data/out/", false, "/etc", 1),  // a trailing slash follows it
    ("/srv/data/out/.", false, "/etc", 1),
    ("/srv/data/rel/shadow", false, "/etc/shadow", 1),
    ("/srv/data/in/file", false, "/srv/data/sub/file", 1),
    ("/srv/data/in2/file", false, "/srv/data/sub/file", 1),
    ("/srv/data/up/file", false, "/srv/data/sub/file", 1),
    ("/srv/data/root/etc/shadow", false, "/etc/shadow", 1),
    ("/srv/data/dangling/x", false, "/nowhere/at/all/x", 1),  // stops where nothing exists
    ("/srv/data/chain/file", false, "/srv/data/sub/file", 2),
    ("/srv/data/sub/back/shadow", false, "/etc/shadow", 2),
    ("/srv/data/missing/out/x", false, "/srv/data/missing/out/x", 0),  // lexical after a gap
    ("/srv//data/./sub/", false, "/srv/data/sub", 0),
    ("/", true, "/", 0),
  ])
  func resolves(_ path: String, _ follow: Bool, _ expected: String, _ links: Int) {
    let r = Self.resolve(path, follow: follow)
    #expect(String(decoding: r.path, as: UTF8.self) == expected)
    #expect(r.links.count == links && !r.loops)
  }

  @Test func loopsStopAtTheLimit() {
    let r = Self.resolve("/srv/data/loop1/x")
    #expect(r.loops && r.links.count == PathResolver.maxLinks + 1)
  }

  static func judge(_ paths: [(String, Bool)], roots: [String]) -> Result<[String], Denial> {
    PathResolver.judge(
      paths.map { ToolPath(Array($0.0.utf8), followsFinal: $0.1) }, roots: roots, lookup: tree.lookup)
  }

  @Test(arguments: [
    "/srv/data/out/", "/srv/data/out/shadow", "/srv/data/rel/shadow", "/srv/data/root/etc/shadow",
    "/srv/data/sub/back/shadow", "/srv/data/dangling/x",
  ])
  func escapesAreRefusedNamingTheLink(_ path: String) throws {
    guard case .failure(let d) = Self.judge([("/srv/data/sub/file", false), (path, false)], roots: ["/srv/data"])
    else {
      Issue.record("\(path) allowed")
      return
    }
    #expect(d.code == "path-escapes-roots")
    #expect(d.detail.hasPrefix("\(path): /srv/data/"), "\(d.detail)")
    #expect(d.detail.contains(" -> ") && d.detail.contains("(resolves to /"))
  }

  @Test func insideLinksAreAllowedAndNamed() throws {
    let notes = try Self.judge([("/srv/data/in/file", false), ("/srv/data/sub/file", false)], roots: ["/srv/data"])
      .get()
    #expect(notes == ["/srv/data/in/file: /srv/data/in -> sub, inside the roots"])
  }

  @Test func notEscapes() throws {
    // a final link the tool does not follow; a loop (the tool fails); the whole tree
    #expect(try Self.judge([("/srv/data/out", false), ("/srv/data/loop1/x", false)], roots: ["/srv/data"]).get() == [])
    #expect(try Self.judge([("/srv/data/out/shadow", false)], roots: ["/"]).get() == [])
    // the final link followed when the tool follows it (tar -C, --files-from base)
    #expect(throws: Denial.self) { try Self.judge([("/srv/data/out", true)], roots: ["/srv/data"]).get() }
  }

  @Test func rootsAreResolvedToo() throws {
    // roots=/srv/www where /srv/www -> /var/www: its files are inside
    _ = try Self.judge([("/srv/www/index.html", false), ("/var/www/index.html", false)], roots: ["/srv/www"]).get()
    // a second root does not excuse a link out of the first
    #expect(throws: Denial.self) {
      try Self.judge([("/srv/data/out/shadow", false)], roots: ["/srv/data", "/var/www"]).get()
    }
  }

  /// The whole decision: with a lookup the first rule whose roots a link
  /// leaves refuses, and the next rule that contains the target allows.
  @Test func decideTriesTheNextRule() throws {
    let policy = try PolicyParser.parse(
      Array("allow tar-create roots=/srv/data\nallow tar-create roots=/srv/data,/etc\n".utf8)
    ).get()
    let request = Request.forced("tar -c -f - -C /srv/data/out .")
    guard case .allow(let a) = Gatekeeper.decide(request, policy: policy, lookup: tree.lookup) else {
      Issue.record("refused")
      return
    }
    #expect(a.rule.line == 2 && a.links.first == "/srv/data/out/.: /srv/data/out -> /etc, inside the roots")
    // without a lookup the spelling alone decides (check --examples)
    guard case .allow(let b) = Gatekeeper.decide(request, policy: policy) else {
      Issue.record("refused")
      return
    }
    #expect(b.rule.line == 1 && b.links.isEmpty)
    let one = try PolicyParser.parse(Array("allow tar-create roots=/srv/data\n".utf8)).get()
    guard case .deny(let d, _) = Gatekeeper.decide(request, policy: one, lookup: tree.lookup) else {
      Issue.record("allowed")
      return
    }
    #expect(d.code == "path-escapes-roots")
  }
}
