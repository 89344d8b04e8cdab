import Testing

@testable import GatekeeperCore

@Suite struct SudoWordTests {
  @Test func acceptedOnlyInSudoMode() throws {
    let w = "nice -n 19 sudo /usr/bin/rsync --server --sender".split(separator: " ").map(String.init)
    let inv = try CommandParser.parse(w, sudoWord: true).get()
    #expect(inv.program == .rsync && inv.nice == 19)
    #expect(inv.words == ["nice", "-n", "19", "/usr/bin/rsync", "--server", "--sender"])
    #expect(throws: Denial.self) { try CommandParser.parse(w).get() }
    // sudo with options is never accepted; a later word named sudo is an argument.
    #expect(throws: Denial.self) { try CommandParser.parse(["sudo", "-u", "x", "rsync"], sudoWord: true).get() }
    #expect(throws: Denial.self) { try CommandParser.parse(["sudo", "sudo", "rsync"], sudoWord: true).get() }
    let t = try CommandParser.parse(["tar", "-c", "sudo"], sudoWord: true).get()
    #expect(t.arguments == ["-c", "sudo"] && t.words == ["tar", "-c", "sudo"])
  }
}
