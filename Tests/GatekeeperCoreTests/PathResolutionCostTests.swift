import Testing

@testable import GatekeeperCore

@Suite struct PathResolutionCostTests {
  /// Every component is one lstat: a request built to need millions (a tar
  /// command of thousands of relative `-C a` steps, each with an operand)
  /// is refused once it passes the budget, instead of costing seconds.
  @Test func deepRequestsAreRefusedAtTheBudget() throws {
    var looked = 0
    let lookup: ([UInt8]) -> FileNode = { _ in
      looked += 1
      return .present
    }
    let policy = try PolicyParser.parse(Array("allow tar-create roots=/srv\n".utf8)).get()
    let steps = Array(repeating: "-C a x", count: 3000).joined(separator: " ")
    let decision = Gatekeeper.decide(.forced("tar -c -f - -C /srv " + steps), policy: policy, lookup: lookup)
    guard case .deny(let d, _) = decision else {
      Issue.record("allowed")
      return
    }
    #expect(d.code == "path-too-many-components")
    #expect(looked <= PathResolver.maxLookups)
    // a real BackupPC-shaped request spends a handful
    looked = 0
    let ok = Gatekeeper.decide(
      .forced("env LC_ALL=C /bin/tar -c -v -f - -C /srv/home --totals ./alice ./bob"), policy: policy, lookup: lookup)
    #expect(ok.isAllowed && looked < 20, "\(looked)")
  }
}
