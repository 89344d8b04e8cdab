// gatekeeper's own command line: one grammar table for every subcommand
// and one parser for all of them. Parsing only splits the words into
// options and operands; what a value means (a label's spelling, a time, an
// address) is judged afterwards by whoever uses it. The usage text
// (Usage.swift) is rendered from the same table, and a test holds the
// table, the usage forms and gatekeeper(8)'s SYNOPSIS together.
//
// Legend for the table:
//   forms       the usage lines, each after `gatekeeper` (subcommand included)
//   options     `--name VALUE` (also `--name=VALUE`) or a flag (no value)
//   operands    what the words that are not options are (see Operands)
//   repeatable  an option may be given again, the later one counting;
//               otherwise a second one is an error: a second --policy
//               must not quietly win
// `--help` or `-h` (any subcommand) and `--version` (none) end parsing.

/// A subcommand; `.run` is the forced command and argv mode (no word).
public enum Subcommand: String, CaseIterable, Sendable {
  case run = ""
  case check, report, learn, authorize, sudoers
}

/// One option of a subcommand.
public struct OptionSpec: Equatable, Sendable {
  public let name: String
  /// The value's name in the usage (FILE, NAME...), or nil for a flag.
  public let value: String?

  init(_ name: String, _ value: String? = nil) {
    self.name = name
    self.value = value
  }
}

/// What the words that are not options are.
public enum Operands: Equatable, Sendable {
  /// None: every word is an option.
  case none
  /// `-- CMD [ARG...]`: the words after `--`, at least one (argv mode).
  case argv
  /// One COMMAND-STRING (not starting with `-`), or `--` and exactly one.
  case commandString
  /// `FILE...`; `-` is standard input; every word after `--` is a file.
  case files
}

public struct Grammar: Sendable {
  public let subcommand: Subcommand
  public let forms: [String]
  public let options: [OptionSpec]
  public let operands: Operands
  public let repeatable: Bool
  /// How an unknown word is called in the error: report and learn say
  /// "option", as they always have.
  let unknown: String

  public func option(_ name: Substring) -> OptionSpec? { options.first { $0.name == name } }
}

/// The words of a command line, sorted.
public struct ParsedArguments: Equatable, Sendable {
  public enum Action: Equatable, Sendable { case run, help, version }

  public struct Option: Equatable, Sendable {
    public let name: String
    /// nil for a flag.
    public let value: String?
  }

  public var subcommand: Subcommand
  public var action = Action.run
  /// In the order given.
  public var options: [Option] = []
  /// Raw bytes: a command string or an argv word is judged by the core as
  /// it arrived.
  public var operands: [[UInt8]] = []
  /// `--` was given (for `.run`: argv mode).
  public var dashDash = false

  /// The last value given for `name`.
  public func value(_ name: String) -> String? { options.last { $0.name == name }?.value }
  public func has(_ name: String) -> Bool { options.contains { $0.name == name } }
}

/// A usage error: the message, and the subcommand whose usage to show.
public struct ArgumentError: Error, Equatable, Sendable {
  public let message: String
  public let subcommand: Subcommand

  public init(_ message: String, _ subcommand: Subcommand) {
    self.message = message
    self.subcommand = subcommand
  }
}

public enum Arguments {
  /// Every subcommand's grammar, in the usage's order.
  public static var grammars: [Grammar] { Subcommand.allCases.map(grammar) }

  /// The grammar of one subcommand. (Rows of a switch, not a static array:
  /// a static array of a new type costs its run-time set-up on every call.)
  public static func grammar(_ subcommand: Subcommand) -> Grammar {
    switch subcommand {
    case .run:
      Grammar(
        subcommand: .run,
        forms: [
          "[--policy FILE] [--label NAME] [--sudo]",
          "[--policy FILE] [--label NAME] [--sudo] -- CMD [ARG...]",
        ],
        options: [OptionSpec("--policy", "FILE"), OptionSpec("--label", "NAME"), OptionSpec("--sudo")],
        operands: .argv, repeatable: false, unknown: "argument")
    case .check:
      Grammar(
        subcommand: .check,
        forms: [
          "check [--policy FILE] [--label NAME] [--from ADDR] [--sudo] [--secluded ARGS|-] [[--] COMMAND-STRING]",
          "check --examples [--policy FILE]",
        ],
        options: [
          OptionSpec("--policy", "FILE"), OptionSpec("--label", "NAME"), OptionSpec("--from", "ADDR"),
          OptionSpec("--sudo"), OptionSpec("--secluded", "ARGS"), OptionSpec("--examples"),
        ],
        operands: .commandString, repeatable: false, unknown: "argument")
    case .report:
      Grammar(
        subcommand: .report,
        forms: [
          "report [--json | --html FILE] [--since TIME] [--until TIME] [--label NAME] [--client ADDR]"
            + " [--tag NAME] [FILE... | -]"
        ],
        options: [
          OptionSpec("--json"), OptionSpec("--html", "FILE"), OptionSpec("--since", "TIME"),
          OptionSpec("--until", "TIME"), OptionSpec("--label", "NAME"), OptionSpec("--client", "ADDR"),
          OptionSpec("--tag", "NAME"),
        ],
        operands: .files, repeatable: true, unknown: "option")
    case .learn:
      Grammar(
        subcommand: .learn,
        forms: ["learn [--since TIME] [--until TIME] [--label NAME] [--client ADDR] [--tag NAME] [FILE... | -]"],
        options: [
          OptionSpec("--since", "TIME"), OptionSpec("--until", "TIME"), OptionSpec("--label", "NAME"),
          OptionSpec("--client", "ADDR"), OptionSpec("--tag", "NAME"),
        ],
        operands: .files, repeatable: true, unknown: "option")
    case .authorize:
      Grammar(
        subcommand: .authorize,
        forms: [
          "authorize [--policy FILE] [--label NAME] [--from ADDR[,ADDR...]] [--sudo] [--gatekeeper PATH] < key.pub"
        ],
        options: [
          OptionSpec("--policy", "FILE"), OptionSpec("--label", "NAME"), OptionSpec("--from", "ADDR"),
          OptionSpec("--sudo"), OptionSpec("--gatekeeper", "PATH"),
        ],
        operands: .none, repeatable: false, unknown: "argument")
    case .sudoers:
      Grammar(
        subcommand: .sudoers,
        forms: ["sudoers --user NAME [--policy FILE] [--label NAME] [--gatekeeper PATH]"],
        options: [
          OptionSpec("--user", "NAME"), OptionSpec("--policy", "FILE"), OptionSpec("--label", "NAME"),
          OptionSpec("--gatekeeper", "PATH"),
        ],
        operands: .none, repeatable: false, unknown: "argument")
    }
  }

  /// Sorts the program's arguments (argv[1...]) by the grammar of the
  /// subcommand the first one names (none: `.run`).
  ///
  ///     ["check", "--policy=p", "tar -c -f - /srv"]
  ///     // check; options [--policy "p"]; operands ["tar -c -f - /srv"]
  ///     ["--label", "a", "--label", "b"]   // error: --label given twice
  public static func parse(_ args: [[UInt8]]) -> Result<ParsedArguments, ArgumentError> {
    var i = 0
    var subcommand = Subcommand.run
    if let first = args.first.flatMap({ String(validating: $0, as: UTF8.self) }), !first.isEmpty,
      let named = Subcommand(rawValue: first)
    {
      subcommand = named
      i = 1
    }
    let g = grammar(subcommand)
    var parsed = ParsedArguments(subcommand: subcommand)
    func failure(_ message: String) -> Result<ParsedArguments, ArgumentError> {
      .failure(ArgumentError(message, subcommand))
    }
    while i < args.count {
      let raw = args[i]
      if raw == Array("--".utf8) { return afterDashDash(Array(args[(i + 1)...]), parsed, g) }
      if raw.first != UInt8(ascii: "-") || (g.operands == .files && raw == [UInt8(ascii: "-")]) {
        if g.operands == .files || (g.operands == .commandString && parsed.operands.isEmpty) {
          parsed.operands.append(raw)
          i += 1
          continue
        }
      }
      guard let word = String(validating: raw, as: UTF8.self) else { return failure("an argument is not valid UTF-8") }
      let name = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
      let inline = name.count < word.count ? String(word.dropFirst(name.count + 1)) : nil
      if inline == nil && (word == "--help" || word == "-h" || (word == "--version" && subcommand == .run)) {
        parsed.action = word == "--version" ? .version : .help
        return .success(parsed)
      }
      guard let spec = g.option(name), spec.value != nil || inline == nil else {
        return failure("unknown \(g.unknown) '\(word)'")
      }
      if !g.repeatable && parsed.has(spec.name) { return failure("\(spec.name) given twice") }
      var value = inline
      if spec.value != nil && value == nil {
        guard i + 1 < args.count else { return failure("\(spec.name) needs a value") }
        i += 1
        guard let next = String(validating: args[i], as: UTF8.self) else {
          return failure("an argument is not valid UTF-8")
        }
        value = next
      }
      parsed.options.append(ParsedArguments.Option(name: spec.name, value: value))
      i += 1
    }
    return .success(parsed)
  }

  /// The words after `--`, by the grammar's operands.
  static func afterDashDash(_ rest: [[UInt8]], _ parsed: ParsedArguments, _ g: Grammar)
    -> Result<ParsedArguments, ArgumentError>
  {
    var parsed = parsed
    parsed.dashDash = true
    switch g.operands {
    case .none:
      return .failure(ArgumentError("unknown \(g.unknown) '--'", g.subcommand))
    case .argv:
      if rest.isEmpty { return .failure(ArgumentError("nothing after '--'", g.subcommand)) }
    case .commandString:
      guard rest.count == 1, parsed.operands.isEmpty else {
        return .failure(ArgumentError("check takes one COMMAND-STRING after '--'", g.subcommand))
      }
    case .files:
      break
    }
    parsed.operands += rest
    return .success(parsed)
  }
}
