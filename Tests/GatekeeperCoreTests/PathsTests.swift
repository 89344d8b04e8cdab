// Paths are compared component by component, byte for byte, as the rsync
// and tar checks see them.

import GatekeeperCore
import Testing

@Suite struct PathsTests {
  static let whole = RuleScope(roots: ["/"])

  static func rsync(_ path: String, _ scope: RuleScope, options: String = "-r") -> String {
    verdict(RsyncSender.check(["--server", "--sender", options, ".", path], scope: scope))
  }

  static func tar(_ path: String, _ scope: RuleScope) -> String {
    verdict(TarCreate.check(["-c", "-f", "-", path], scope: scope))
  }

  static func verdict(_ result: Result<ToolPlan, Denial>) -> String {
    switch result {
    case .success: "allow"
    case .failure(let denial): denial.code
    }
  }

  @Test(arguments: [
    ("/etc", true), ("/etc/", true), ("/etc/ssh/x", true), ("/etc/./ssh", true), ("//etc//x", true),
    ("/etcfoo", false), ("/et", false), ("/", false), ("etc/x", false), ("/etc/../root", false),
    ("/home/../\u{301}x", false), ("/srv/cafe\u{301}", false), ("/srv/caf\u{e9}/x", true),
  ])
  func inside(_ path: String, _ expected: Bool) {
    let scope = RuleScope(roots: ["/etc", "/srv/caf\u{e9}"])
    #expect((Self.rsync(path, scope) == "allow") == expected, "\(path)")
    #expect((Self.tar(path, scope) == "allow") == expected, "\(path)")
  }

  @Test func dotDotOnBytes() {
    #expect(Self.rsync("/home/../\u{301}x", Self.whole) == "rsync-dot-dot")
    #expect(Self.tar("a/..", Self.whole) == "tar-dot-dot")
    #expect(Self.rsync("/a/..b/c..", RuleScope(roots: ["/a"])) == "allow")
    // Links may be followed only when the roots are the whole tree.
    #expect(Self.rsync("/x", RuleScope(roots: ["/etc", "//"]), options: "-rL") == "allow")
    #expect(Self.rsync("/etc", RuleScope(roots: ["/etc"]), options: "-rL") == "rsync-follows-links")
    #expect(Self.rsync("/anything", Self.whole) == "allow")
  }
}
