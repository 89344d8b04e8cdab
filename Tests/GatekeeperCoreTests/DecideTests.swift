import Testing

@testable import GatekeeperCore

@Suite struct DecideTests {
  static let policy = try! PolicyParser.parse(
    Array(
      """
      allow rsync-sender roots=/etc label=nightly
      allow rsync-sender exec=/opt/rsync/bin/rsync roots=/srv from=192.0.2.0/24
      allow rsync-sender roots=/home
      allow tar-create exec=/bin/tar roots=/ from=2001:db8::/32
      """.utf8)
  ).get()

  static let pull = "rsync --server --sender -logDtpre.iLsfxCIvu . "

  func decide(_ cmd: String, label: String? = nil, from: String? = nil) -> Decision {
    Gatekeeper.decide(.forced(cmd, label: label, client: from.flatMap { IPAddress($0) }), policy: Self.policy)
  }

  func ruleLine(_ d: Decision) -> Int? {
    switch d {
    case .allow(let a): a.rule.line
    case .deny(_, let r): r?.line
    case .probe: nil
    }
  }

  func code(_ d: Decision) -> String? {
    if case .deny(let denial, _) = d { return denial.code }
    return nil
  }

  @Test func labelSelectsRule() {
    #expect(ruleLine(decide(Self.pull + "/etc/", label: "nightly")) == 1)
    // Without the label, rule 1 does not apply; rule 3 (roots=/home) refuses /etc.
    let d = decide(Self.pull + "/etc/")
    #expect(!d.isAllowed && ruleLine(d) == 3)
    #expect(ruleLine(decide(Self.pull + "/home/", label: "nightly")) == 3)
  }

  @Test func fromSelectsRule() {
    let d = decide(Self.pull + "/srv/", from: "192.0.2.10")
    #expect(ruleLine(d) == 2)
    if case .allow(let a) = d { #expect(a.argv.first == "/opt/rsync/bin/rsync") }
    #expect(!decide(Self.pull + "/srv/", from: "198.51.100.1").isAllowed)
    #expect(!decide(Self.pull + "/srv/").isAllowed)
  }

  @Test func noMatchingRule() {
    #expect(code(decide("tar -c -f - /etc")) == CommandReason.noMatchingRule.rawValue)
    #expect(code(decide("tar -c -f - /etc", from: "192.0.2.1")) == CommandReason.noMatchingRule.rawValue)
    #expect(ruleLine(decide("tar -c -f - /etc", from: "2001:db8::7")) == 4)
  }

  @Test func noCommandAndProbe() {
    let d = Gatekeeper.decide(Request(mode: .forced, command: nil), policy: Self.policy)
    #expect(code(d) == CommandReason.noCommand.rawValue)
    #expect(decide("true") == .probe)
    #expect(code(decide("")) == TokenReason.emptyCommand.rawValue)
  }

  @Test func argvModeChecksWords() {
    let ok = Gatekeeper.decide(
      Request(mode: .argv, argv: ["/usr/bin/rsync", "--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "/home/a b"]),
      policy: Self.policy)
    #expect(ok.isAllowed)
    // No shell in argv mode: ';' in a word is just a character, but control characters are refused.
    let bad = Gatekeeper.decide(
      Request(mode: .argv, argv: ["rsync", "--server", "--sender", "-logDtpre.iLsfxCIvu", ".", "/home/x\ny"]),
      policy: Self.policy)
    #expect(code(bad) == TokenReason.controlCharacter.rawValue)
    #expect(code(Gatekeeper.decide(Request(mode: .argv, argv: []), policy: Self.policy)) == "empty-command")
  }

  @Test func emptyPolicyDeniesEverything() {
    let d = Gatekeeper.decide(.forced(Self.pull + "/etc/"), policy: Policy())
    #expect(code(d) == CommandReason.noMatchingRule.rawValue)
  }
}
