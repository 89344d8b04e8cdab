// gatekeeper's own arguments: the core's grammar (Arguments) sorts the
// words for every subcommand; here the values are judged and each
// subcommand gets its options. A usage error exits 64 after the
// subcommand's usage (Usage.text), which also answers `--help`.

import GatekeeperCore
import GatekeeperReport

/// The forced command, argv mode and `check`.
struct Options {
  enum Mode { case forced, argv, check }
  var mode: Mode = .forced
  var policy = PolicyFile.defaultPath
  var label: String? = nil
  var from: String? = nil
  var secluded: String? = nil
  var examples = false
  /// Validate here, then run gatekeeper again as root through `sudo -n`.
  var sudo = false
  /// argv mode: the words after `--`; check: the command string (if any).
  var rest: [[UInt8]] = []
}

/// `report` and `learn`.
struct ReportArguments {
  var learn = false
  var format = ReportOptions.Format.text
  var filter = RecordFilter()
  /// Input files; `-` is standard input; empty means standard input.
  var files: [String] = []
}

/// What the command line asks for.
enum Command {
  case run(Options)
  case report(ReportArguments)
  /// `authorize` or `sudoers`, judged by DeployMain.
  case deploy(ParsedArguments)
  case help(Subcommand)
  case version
}

enum Cli {
  static func parse(_ args: [[UInt8]]) -> Result<Command, ArgumentError> {
    Arguments.parse(args).flatMap { parsed in
      switch parsed.action {
      case .help: return .success(.help(parsed.subcommand))
      case .version: return .success(.version)
      case .run: break
      }
      switch parsed.subcommand {
      case .run, .check: return options(parsed).map { .run($0) }
      case .report, .learn: return reportOptions(parsed).map { .report($0) }
      case .authorize, .sudoers: return .success(.deploy(parsed))
      }
    }
  }

  static func options(_ parsed: ParsedArguments) -> Result<Options, ArgumentError> {
    var o = Options()
    o.mode = parsed.subcommand == .check ? .check : parsed.dashDash ? .argv : .forced
    if let p = parsed.value("--policy") { o.policy = p }
    if let label = parsed.value("--label") {
      guard PolicyParser.isName(label) else {
        return .failure(ArgumentError("bad --label '\(label)'", parsed.subcommand))
      }
      o.label = label
    }
    o.from = parsed.value("--from")
    o.secluded = parsed.value("--secluded")
    o.examples = parsed.has("--examples")
    o.sudo = parsed.has("--sudo")
    o.rest = parsed.operands
    return .success(o)
  }

  /// report and learn: options in the order given, as the report module
  /// reads them (one of --json and --html, once).
  static func reportOptions(_ parsed: ParsedArguments) -> Result<ReportArguments, ArgumentError> {
    var o = ReportArguments()
    o.learn = parsed.subcommand == .learn
    func failure(_ message: String) -> Result<ReportArguments, ArgumentError> {
      .failure(ArgumentError(message, parsed.subcommand))
    }
    let now = Sys.nowMillis()
    for option in parsed.options {
      let v = option.value ?? ""
      switch option.name {
      case "--json", "--html":
        guard o.format == .text else { return failure("--json and --html exclude each other") }
        if option.name == "--json" {
          o.format = .json
        } else {
          guard !v.isEmpty else { return failure("--html needs a file name") }
          o.format = .html(v)
        }
      case "--since", "--until":
        guard let t = ReportOptions.parseTime(v, now: now) else { return failure("bad \(option.name) time '\(v)'") }
        if option.name == "--since" { o.filter.since = t } else { o.filter.until = t }
      case "--label":
        o.filter.label = Array(v.utf8)
      case "--client":
        guard !v.isEmpty else { return failure("--client needs an address") }
        o.filter.client = Array(v.utf8)
      case "--tag":  // a syslog tag, as a policy's `tag=` gives it
        guard !v.isEmpty, v.utf8.count <= 64, !v.utf8.contains(where: { $0 <= 0x20 || $0 == 0x5b }) else {
          return failure("--tag needs gatekeeper's syslog tag (as in 'log syslog=... tag=NAME')")
        }
        o.filter.tag = Array(v.utf8)
      default:
        break  // (the grammar has no other)
      }
    }
    o.files = parsed.operands.map { String(decoding: $0, as: UTF8.self) }
    return .success(o)
  }
}
