// Parsing gatekeeper's own arguments. Usage errors exit 64.

import GatekeeperCore

struct Options {
  enum Mode { case forced, argv, check, help, version }
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

struct UsageError: Error { var message: String }

enum Cli {
  static let usage = """
    usage: gatekeeper [--policy FILE] [--label NAME] [--sudo]
           gatekeeper [--policy FILE] [--label NAME] [--sudo] -- CMD [ARG...]
           gatekeeper check [--policy FILE] [--label NAME] [--from ADDR] [--sudo]
                            [--secluded ARGS|-] [[--] COMMAND-STRING]
           gatekeeper check --examples [--policy FILE]
           gatekeeper report [--json | --html FILE] [--since TIME] [--until TIME]
                             [--label NAME] [--client ADDR] [--tag NAME] [FILE... | -]
           gatekeeper learn [FILE... | -]
           gatekeeper authorize [--policy FILE] [--label NAME] [--from ADDR]
                                [--sudo] [--gatekeeper PATH] < key.pub
           gatekeeper sudoers --user NAME [--policy FILE] [--label NAME]
                              [--gatekeeper PATH]
           gatekeeper --help | --version
    """

  static func parse(_ args: [[UInt8]]) -> Result<Options, UsageError> {
    var o = Options()
    var i = 0
    let words = args.map { String(decoding: $0, as: UTF8.self) }
    if let first = words.first {
      switch first {
      case "check": o.mode = .check; i = 1
      case "--help", "-h": o.mode = .help; return .success(o)
      case "--version": o.mode = .version; return .success(o)
      default: break
      }
    }
    func value(_ name: String) -> Result<String, UsageError> {
      let w = words[i]
      if w.hasPrefix(name + "=") { return .success(String(w.dropFirst(name.count + 1))) }
      guard i + 1 < words.count else { return .failure(UsageError(message: "\(name) needs a value")) }
      i += 1
      return .success(words[i])
    }
    var seen: [String] = []
    while i < words.count {
      let w = words[i]
      let name = w.split(separator: "=", maxSplits: 1).first.map(String.init) ?? w
      // Every option at most once: a second --policy must not quietly win.
      if name.hasPrefix("--") && name != "--" {
        if seen.contains(name) { return .failure(UsageError(message: "\(name) given twice")) }
        seen.append(name)
      }
      switch name {
      case "--policy":
        switch value("--policy") {
        case .success(let v): o.policy = v
        case .failure(let e): return .failure(e)
        }
      case "--label":
        switch value("--label") {
        case .success(let v):
          guard PolicyParser.isName(v) else { return .failure(UsageError(message: "bad --label '\(v)'")) }
          o.label = v
        case .failure(let e): return .failure(e)
        }
      case "--sudo" where o.mode == .forced || o.mode == .check:
        o.sudo = true
      case "--from" where o.mode == .check:
        switch value("--from") {
        case .success(let v): o.from = v
        case .failure(let e): return .failure(e)
        }
      case "--examples" where o.mode == .check:
        o.examples = true
      case "--secluded" where o.mode == .check:
        switch value("--secluded") {
        case .success(let v): o.secluded = v
        case .failure(let e): return .failure(e)
        }
      case "--" where o.mode == .check:
        // check: the command string follows, even one that starts with '-'.
        guard i + 2 == words.count, o.rest.isEmpty else {
          return .failure(UsageError(message: "check takes one COMMAND-STRING after '--'"))
        }
        o.rest = [args[i + 1]]
        return .success(o)
      case "--":
        o.mode = .argv
        o.rest = Array(args[(i + 1)...])
        if o.rest.isEmpty { return .failure(UsageError(message: "nothing after '--'")) }
        return .success(o)
      default:
        if o.mode == .check && !w.hasPrefix("-") && o.rest.isEmpty {
          o.rest = [args[i]]
        } else {
          return .failure(UsageError(message: "unknown argument '\(w)'"))
        }
      }
      i += 1
    }
    return .success(o)
  }
}
