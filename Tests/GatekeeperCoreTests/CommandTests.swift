import Testing

@testable import GatekeeperCore

@Suite struct CommandTests {
  static func words(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }

  /// What `gatekeeper report` and `learn` read a request's program with:
  /// the prefixes `parse` applies, dropped the same way, for any program.
  @Test(arguments: [
    ("ionice -c3 nice -n 19 env LC_ALL=C /bin/tar -c", "/bin/tar -c"),
    ("sh -c x", "sh -c x"),
    ("LANG=C", ""),
    ("rsync --server", "rsync --server"),
  ])
  func programAndArguments(_ command: String, _ want: String) {
    #expect(CommandParser.programAndArguments(Self.words(command))?.joined(separator: " ") == want)
  }

  @Test(arguments: ["env FOO=bar ls", "nice -n 40 tar", "env -i tar"])
  func programAndArgumentsRefusesWhatParseRefuses(_ command: String) {
    #expect(CommandParser.programAndArguments(Self.words(command)) == nil)
    #expect(throws: Denial.self) { try CommandParser.parse(Self.words(command)).get() }
  }

  @Test func bareAndAbsolutePrograms() throws {
    let a = try CommandParser.parse(Self.words("rsync --server")).get()
    #expect(a.program == .rsync && a.arguments == ["--server"] && a.programWord == "rsync")
    let b = try CommandParser.parse(Self.words("/usr/bin/rsync --server")).get()
    #expect(b.program == .rsync && b.programWord == "/usr/bin/rsync")
    let c = try CommandParser.parse(Self.words("/bin/tar -c")).get()
    #expect(c.program == .tar && c.arguments == ["-c"])
  }

  @Test func prefixesAreApplied() throws {
    let inv = try CommandParser.parse(Self.words("ionice -c3 nice -n 19 env LC_ALL=C LANG=C /bin/tar -c")).get()
    #expect(inv.program == .tar)
    #expect(inv.nice == 19)
    #expect(inv.ioniceClass == 3)
    #expect(inv.locale == ["LC_ALL=C", "LANG=C"])
    #expect(inv.arguments == ["-c"])
    let b = try CommandParser.parse(Self.words("LC_ALL=en_US.UTF-8 nice -5 ionice -n 7 tar")).get()
    #expect(b.nice == 5 && b.ioniceClass == 2 && b.ioniceLevel == 7 && b.locale == ["LC_ALL=en_US.UTF-8"])
    let c = try CommandParser.parse(Self.words("nice tar")).get()
    #expect(c.nice == 10)
    let d = try CommandParser.parse(Self.words("/usr/bin/env LANG=C.UTF-8 LANG=POSIX tar")).get()
    #expect(d.locale == ["LANG=POSIX"])
  }

  @Test func trueProbe() throws {
    #expect(try CommandParser.parse(["true"]).get().program == .trueProbe)
    #expect(throws: Denial.self) { try CommandParser.parse(["true", "x"]).get() }
    #expect(throws: Denial.self) { try CommandParser.parse(["nice", "true"]).get() }
  }

  static let refused: [(String, CommandReason)] = [
    ("ls -la", .unknownProgram),
    ("sh -c id", .unknownProgram),
    ("/bin/bash", .unknownProgram),
    ("env LC_ALL=C", .unknownProgram),
    ("rsync2 --server", .unknownProgram),
    ("true x", .unknownProgram),
    ("/usr/lib/openssh/sftp-server", .sftpRequest),
    ("internal-sftp", .sftpRequest),
    ("scp -f /etc/passwd", .scpRequest),
    ("scp -t /etc/", .scpRequest),
    ("/usr/bin/../bin/rsync --server", .programPath),
    ("./rsync --server", .programPath),
    ("bin/tar -c", .programPath),
    ("env -i tar -c", .envOption),
    ("env -u HOME tar -c", .envOption),
    ("env TAR_OPTIONS=--checkpoint=1 tar -c", .envVariable),
    ("env LC_ALL=C PATH=/tmp tar -c", .envVariable),
    ("POSIXLY_CORRECT=1 tar -c", .envVariable),
    ("LD_PRELOAD=/tmp/x.so tar -c", .envVariable),
    ("TAPE=host:/x tar -c", .envVariable),
    ("env LC_ALL=/tmp/evil tar -c", .localeValue),
    ("LANG=../../x tar -c", .localeValue),
    ("nice -n -5 tar -c", .niceValue),
    ("nice --5 tar -c", .niceValue),
    ("nice -n 20 tar -c", .niceValue),
    ("nice -n", .niceValue),
    ("ionice -c 4 tar -c", .ioniceValue),
    ("ionice -n 8 tar -c", .ioniceValue),
    ("ionice -p 1 tar -c", .ioniceValue),
    ("ionice tar -c", .ioniceValue),
    ("ionice -c1 tar -c", .ioniceRealtime),
    ("ionice -c 1 -n 0 tar -c", .ioniceRealtime),
    ("sudo /usr/bin/rsync --server", .clientSudo),
    ("nice -n 19 sudo rsync --server", .clientSudo),
    ("nice nice tar -c", .prefixRepeated),
    ("env LC_ALL=C env tar -c", .prefixRepeated),
    ("ionice -c3 ionice -c3 tar", .prefixRepeated),
  ]

  @Test(arguments: refused)
  func refuses(_ command: String, _ reason: CommandReason) {
    guard case .failure(let d) = CommandParser.parse(Self.words(command)) else {
      Issue.record("accepted: \(command)")
      return
    }
    #expect(d.code == reason.rawValue, "\(command)")
  }

  @Test func everyReasonIsReached() {
    // no-command and no-matching-rule come from Gatekeeper.decide (DecideTests).
    var reached = Set(Self.refused.map { $0.1 })
    reached.formUnion([.noCommand, .noMatchingRule])
    #expect(reached == Set(CommandReason.allCases))
  }
}
