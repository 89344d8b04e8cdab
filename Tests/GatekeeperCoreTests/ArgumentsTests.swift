// The command-line grammar: what the parser makes of words, the exact
// errors, and the usage forms against the option table and gatekeeper(8).

import Testing

@testable import GatekeeperCore

@Suite struct ArgumentsTests {
  static func parse(_ words: [String]) -> Result<ParsedArguments, ArgumentError> {
    Arguments.parse(words.map { Array($0.utf8) })
  }

  @Test func forcedArgvAndCheck() throws {
    let forced = try Self.parse(["--policy=/p", "--label", "a", "--sudo"]).get()
    #expect(forced.subcommand == .run && !forced.dashDash && forced.operands.isEmpty)
    #expect(forced.value("--policy") == "/p" && forced.value("--label") == "a" && forced.has("--sudo"))

    let argv = try Self.parse(["--policy", "/p", "--", "rsync", "--server"]).get()
    #expect(argv.dashDash && argv.operands == [Array("rsync".utf8), Array("--server".utf8)])

    let check = try Self.parse(["check", "--from", "192.0.2.1", "tar -c -f - /srv"]).get()
    #expect(check.subcommand == .check && check.operands == [Array("tar -c -f - /srv".utf8)])
    let dashed = try Self.parse(["check", "--", "-c -f - /srv"]).get()
    #expect(dashed.operands == [Array("-c -f - /srv".utf8)])
  }

  @Test func reportFilesAndRepeats() throws {
    let r = try Self.parse(["report", "--since", "1d", "a.jsonl", "-", "--since=2d", "--", "--json"]).get()
    #expect(r.subcommand == .report)
    #expect(r.value("--since") == "2d" && !r.has("--json"))
    #expect(r.operands.map { String(decoding: $0, as: UTF8.self) } == ["a.jsonl", "-", "--json"])
  }

  /// The command string and argv words are kept as bytes, whatever they are.
  @Test func operandsStayRaw() throws {
    let bytes: [UInt8] = [0x74, 0xff, 0x0a]
    #expect(try Arguments.parse([Array("check".utf8), bytes]).get().operands == [bytes])
    #expect(try Arguments.parse([Array("--".utf8), bytes]).get().operands == [bytes])
  }

  @Test(arguments: [
    (["--help"], Subcommand.run), (["-h"], .run), (["--policy", "/p", "--help"], .run),
    (["check", "--help"], .check), (["report", "-h"], .report),
    (["authorize", "--policy", "/p", "--help"], .authorize), (["sudoers", "--help"], .sudoers),
  ])
  func help(_ words: [String], _ subcommand: Subcommand) throws {
    let parsed = try Self.parse(words).get()
    #expect(parsed.action == .help && parsed.subcommand == subcommand)
  }

  @Test func version() throws {
    #expect(try Self.parse(["--version"]).get().action == .version)
    #expect(throws: ArgumentError("unknown argument '--version'", .check)) {
      try Self.parse(["check", "--version"]).get()
    }
  }

  @Test(arguments: [
    (["--bogus"], "unknown argument '--bogus'"),
    (["--policy"], "--policy needs a value"),
    (["--"], "nothing after '--'"),
    (["stray"], "unknown argument 'stray'"),
    (["--sudo=yes"], "unknown argument '--sudo=yes'"),
    (["--policy", "/a", "--policy", "/b"], "--policy given twice"),
    (["--policy=/a", "--policy", "/b"], "--policy given twice"),
    (["check", "--label", "a", "--label=b"], "--label given twice"),
    (["check", "--", "x", "y"], "check takes one COMMAND-STRING after '--'"),
    (["check", "a", "--", "b"], "check takes one COMMAND-STRING after '--'"),
    (["check", "a", "b"], "unknown argument 'b'"),
    (["check", "-"], "unknown argument '-'"),
    (["check", "--from"], "--from needs a value"),
    (["report", "--bogus"], "unknown option '--bogus'"),
    (["learn", "--json"], "unknown option '--json'"),
    (["report", "--since"], "--since needs a value"),
    (["authorize", "--bogus"], "unknown argument '--bogus'"),
    (["authorize", "key.pub"], "unknown argument 'key.pub'"),
    (["authorize", "--"], "unknown argument '--'"),
    (["authorize", "--policy", "/a", "--policy=/b"], "--policy given twice"),
    (["sudoers", "--sudo"], "unknown argument '--sudo'"),
  ])
  func errors(_ words: [String], _ message: String) {
    guard case .failure(let e) = Self.parse(words) else {
      Issue.record("\(words) parsed")
      return
    }
    #expect(e.message == message)
    #expect(e.subcommand == Subcommand(rawValue: words[0]) ?? .run)
  }

  @Test func nonUTF8OptionIsRefused() {
    let e = Arguments.parse([Array("authorize".utf8), Array("--policy".utf8), [0xff]])
    #expect(e == .failure(ArgumentError("an argument is not valid UTF-8", .authorize)))
  }

  /// Every option in a usage form is in the table and the other way round.
  @Test(arguments: Arguments.grammars.map(\.subcommand))
  func formsNameEveryOption(_ subcommand: Subcommand) {
    let g = Arguments.grammar(subcommand)
    var named: Set<String> = []
    for form in g.forms {
      for word in form.split(whereSeparator: { " []|".contains($0) }) where word.hasPrefix("--") && word != "--" {
        named.insert(String(word))
      }
    }
    #expect(named == Set(g.options.map(\.name)))
    for option in g.options where option.value != nil {
      #expect(g.forms.contains { $0.contains("\(option.name) \(option.value!)") }, "\(option.name)")
    }
  }

  /// gatekeeper(8)'s SYNOPSIS names the same options for each subcommand.
  @Test func manPageSynopsisMatchesTheGrammar() throws {
    let lines = try #require(RepoFile.read(ManPageTests.page)).split(separator: "\n").map(String.init)
    let start = try #require(lines.firstIndex(of: ".Sh SYNOPSIS"))
    let synopsis = lines[(start + 1)...].prefix { !$0.hasPrefix(".Sh ") }
    var options: [Subcommand: Set<String>] = [:]
    var current: Subcommand? = nil
    for line in synopsis {
      if line == ".Nm" {
        current = .run
        continue
      }
      let words = line.split(separator: " ").map { $0.hasPrefix(".") ? String($0.dropFirst()) : String($0) }
      if words.first == "Cm", words.count > 1, let s = Subcommand(rawValue: words[1]), current == .run {
        current = s
      }
      if line == ".Fl -help | -version" { current = nil }
      guard let sub = current else { continue }
      for (i, word) in words.enumerated() where word == "Fl" && i + 1 < words.count && words[i + 1] != "-" {
        options[sub, default: []].insert("-" + words[i + 1])
      }
    }
    for g in Arguments.grammars {
      #expect(options[g.subcommand] == Set(g.options.map(\.name)), "\(g.subcommand)")
    }
  }

  @Test func usageTexts() {
    #expect(Usage.text(for: .run).hasPrefix("usage: gatekeeper [--policy FILE] [--label NAME] [--sudo]\n"))
    #expect(Usage.text(for: .check) == Usage.full && Usage.full.hasSuffix("       gatekeeper --help | --version\n"))
    #expect(Usage.text(for: .report).hasPrefix("usage: gatekeeper report [--json | --html FILE]"))
    #expect(Usage.text(for: .learn) == Usage.text(for: .report) && Usage.text(for: .report).contains("TIME: "))
    #expect(Usage.text(for: .sudoers) == Usage.text(for: .authorize))
    for line in (Usage.full + Usage.text(for: .report) + Usage.help).split(separator: "\n") {
      #expect(line.count <= 80, "\(line)")
    }
    for status in ExitStatus.allCases { #expect(Usage.help.contains("\(status.rawValue)  \(status.summary)\n")) }
  }

  /// Long forms wrap under their first option, `< key.pub` in one piece.
  @Test func wrapping() {
    #expect(
      Usage.text(for: .authorize) == """
        usage: gatekeeper authorize [--policy FILE] [--label NAME]
                                    [--from ADDR[,ADDR...]] [--sudo] [--gatekeeper PATH]
                                    < key.pub
               gatekeeper sudoers --user NAME [--policy FILE] [--label NAME]
                                  [--gatekeeper PATH]

        """)
  }
}
