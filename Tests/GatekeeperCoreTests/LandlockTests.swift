import Testing

@testable import GatekeeperCore

@Suite struct ConfinePolicyTests {
  static func parse(_ text: String) -> Result<Policy, PolicyErrors> { PolicyParser.parse(Array(text.utf8)) }

  @Test(arguments: [
    ("", ConfineMode.auto), ("confine landlock=auto\n", .auto),
    ("confine landlock=required\n", .required), ("confine landlock=off # no kernel layer\n", .off),
  ])
  func modes(_ text: String, _ mode: ConfineMode) throws {
    #expect(try Self.parse("allow tar-create\n" + text).get().confine == mode)
  }

  @Test func errorsHaveLineAndColumn() {
    let text = """
      confine
      confine landlock=maybe
      confine seccomp=yes
      confine landlock=off extra
      """
    guard case .failure(let e) = Self.parse(text) else {
      Issue.record("accepted")
      return
    }
    #expect(
      e.errors.map(\.description) == [
        "1:1: 'confine' needs landlock=auto|required|off",
        "2:1: a second 'confine' line",
        "2:18: landlock must be auto, required or off, not 'maybe'",
        "3:1: a second 'confine' line",
        "3:9: 'confine' needs landlock=auto|required|off, not 'seccomp=yes'",
        "4:1: a second 'confine' line",
        "4:22: unexpected 'extra' after 'confine landlock='",
      ])
  }
}
