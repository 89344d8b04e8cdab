import Testing

@testable import GatekeeperCore

@Suite struct ExamplesTests {
  @Test func parsesExpectLines() {
    let text = """
      allow tar-create
      # expect allow: tar -c -f - /etc
      # expect deny shell-operator: tar -c -f - /etc; id
      # expect allow label=x from=192.0.2.1: tar -c -f - /etc
      # expect deny: ls
      # expect maybe: ls
      # expect allow tar-create: tar
      # expect allow from=nonsense: tar
      # expect allow
      # just a comment
      """
    let (ex, bad) = PolicyExamples.parse(Array(text.utf8))
    #expect(ex.map(\.line) == [2, 3, 4, 5])
    #expect(ex[1].code == "shell-operator" && !ex[1].allow)
    #expect(ex[2].label == "x" && ex[2].from == "192.0.2.1" && ex[2].command == "tar -c -f - /etc")
    #expect(bad == [6, 7, 8, 9])
  }

  @Test func mismatchText() {
    let ex = PolicyExample(line: 1, allow: false, code: "shell-operator", command: "x")
    #expect(ex.mismatch(.probe) == "expected deny shell-operator, got allow")
    #expect(
      ex.mismatch(.deny(Denial(TokenReason.shellGlob), rule: nil))
        == "expected deny shell-operator, got deny shell-glob")
    #expect(ex.mismatch(.deny(Denial(TokenReason.shellOperator), rule: nil)) == nil)
    let allow = PolicyExample(line: 1, allow: true, command: "x")
    #expect(
      allow.mismatch(.deny(Denial(TokenReason.shellGlob), rule: nil))?.hasPrefix("expected allow, got deny shell-glob")
        == true)
  }
}
