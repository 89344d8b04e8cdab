// The policy file: one rule per line, first matching rule wins, no match
// means deny. Grammar (see gatekeeper.policy(5)):
//
//   allow PROFILE [exec=PATH] [roots=DIR,...] [label=NAME] [from=CIDR,...]
//                 [confine-root=yes|no]
//   log file=PATH [required=yes|no]
//   log syslog=FACILITY [tag=NAME]
//   # comment (also after a rule, at the start of a word)
//
// Every error is reported with line and column; a policy with any error is
// refused as a whole.

public enum ProfileKind: String, CaseIterable, Sendable {
  case rsyncSender = "rsync-sender"
  case tarCreate = "tar-create"

  /// The program run when the rule names no `exec=`.
  public var defaultExec: String {
    switch self {
    case .rsyncSender: "/usr/bin/rsync"
    case .tarCreate: "/usr/bin/tar"
    }
  }
}

public struct Rule: Equatable, Sendable {
  public var profile: ProfileKind
  public var exec: String
  public var roots: [String] = ["/"]
  public var label: String? = nil
  public var from: [IPNetwork] = []
  public var confineRoot: Bool = false
  /// Line number in the policy file (1-based).
  public var line: Int

  public var scope: RuleScope { RuleScope(roots: roots, confineRoot: confineRoot) }
}

public struct LogSettings: Equatable, Sendable {
  /// JSON-lines audit file, if any.
  public var file: String? = nil
  /// When the file cannot be written: deny (true, the default) or go on.
  public var fileRequired: Bool = true
  /// syslog facility name, or nil when syslog is off (`log syslog=none`).
  public var syslogFacility: String? = "authpriv"
  public var syslogTag: String = "gatekeeper"
  public init() {}
}

public struct Policy: Equatable, Sendable {
  public var rules: [Rule] = []
  public var log = LogSettings()
  public init() {}
}

/// Every error found in a policy (never just the first).
public struct PolicyErrors: Error, Equatable, Sendable {
  public var errors: [PolicyError]
}

public struct PolicyError: Equatable, Sendable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  public var message: String
  public var description: String { "\(line):\(column): \(message)" }
}

public enum PolicyParser {
  /// Largest policy file read, in bytes.
  public static let maxSize = 1 << 20
  public static let facilities: Set<String> = [
    "auth", "authpriv", "daemon", "user", "local0", "local1", "local2", "local3", "local4", "local5",
    "local6", "local7",
  ]

  public static func parse(_ bytes: [UInt8]) -> Result<Policy, PolicyErrors> {
    guard bytes.count <= maxSize else {
      return .failure(PolicyErrors(errors: [PolicyError(line: 1, column: 1, message: "policy is larger than \(maxSize) bytes")]))
    }
    var policy = Policy()
    var errors: [PolicyError] = []
    var seenFile = false
    var seenSyslog = false
    var lineNo = 0
    for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      lineNo += 1
      guard let line = String(validating: rawLine, as: UTF8.self) else {
        errors.append(PolicyError(line: lineNo, column: 1, message: "line is not valid UTF-8"))
        continue
      }
      let words = splitWords(line)
      guard let first = words.first else { continue }
      func err(_ col: Int, _ msg: String) { errors.append(PolicyError(line: lineNo, column: col, message: msg)) }
      switch first.text {
      case "allow":
        if let rule = parseRule(words, line: lineNo, err) { policy.rules.append(rule) }
      case "log":
        guard words.count >= 2 else {
          err(first.column, "'log' needs file=PATH or syslog=FACILITY")
          continue
        }
        let (key, value) = keyValue(words[1].text)
        switch key {
        case "file":
          if seenFile { err(words[1].column, "a second 'log file=' line") }
          seenFile = true
          if !isCleanAbsolute(value) {
            err(words[1].column + 5, "log file must be an absolute path without '..'")
          }
          policy.log.file = value
          for w in words.dropFirst(2) {
            let (k, v) = keyValue(w.text)
            if k == "required" && (v == "yes" || v == "no") {
              policy.log.fileRequired = v == "yes"
            } else {
              err(w.column, "unknown 'log file' option '\(w.text)' (expected required=yes|no)")
            }
          }
        case "syslog":
          if seenSyslog { err(words[1].column, "a second 'log syslog=' line") }
          seenSyslog = true
          if value == "none" {
            policy.log.syslogFacility = nil
          } else if facilities.contains(value) {
            policy.log.syslogFacility = value
          } else {
            err(words[1].column + 7, "unknown syslog facility '\(value)'")
          }
          for w in words.dropFirst(2) {
            let (k, v) = keyValue(w.text)
            if k == "tag" && isName(v) {
              policy.log.syslogTag = v
            } else {
              err(w.column, "unknown 'log syslog' option '\(w.text)' (expected tag=NAME)")
            }
          }
        default:
          err(words[1].column, "'log' needs file=PATH or syslog=FACILITY, not '\(words[1].text)'")
        }
      default:
        err(first.column, "unknown keyword '\(first.text)' (expected 'allow' or 'log')")
      }
    }
    return errors.isEmpty ? .success(policy) : .failure(PolicyErrors(errors: errors))
  }

  static func parseRule(_ words: [Word], line: Int, _ err: (Int, String) -> Void) -> Rule? {
    guard words.count >= 2 else {
      err(words[0].column, "'allow' needs a profile (rsync-sender or tar-create)")
      return nil
    }
    guard let profile = ProfileKind(rawValue: words[1].text) else {
      err(words[1].column, "unknown profile '\(words[1].text)' (expected rsync-sender or tar-create)")
      return nil
    }
    var rule = Rule(profile: profile, exec: profile.defaultExec, line: line)
    var ok = true
    var seen: Set<String> = []
    for w in words.dropFirst(2) {
      let (key, value) = keyValue(w.text)
      let vcol = w.column + key.utf8.count + 1
      func bad(_ msg: String) {
        err(vcol, msg)
        ok = false
      }
      if seen.contains(key) {
        err(w.column, "duplicate key '\(key)'")
        ok = false
        continue
      }
      seen.insert(key)
      if !w.text.contains("=") || value.isEmpty {
        err(w.column, "expected key=value, got '\(w.text)'")
        ok = false
        continue
      }
      switch key {
      case "exec":
        if isCleanAbsolute(value) && value != "/" { rule.exec = value } else {
          bad("exec= must be an absolute path without '..'")
        }
      case "roots":
        var roots: [String] = []
        for r in value.split(separator: ",", omittingEmptySubsequences: false) {
          if isCleanAbsolute(String(r)) { roots.append(normalize(String(r))) } else {
            bad("root '\(r)' must be an absolute path without '..'")
          }
        }
        rule.roots = roots
      case "label":
        if isName(value) { rule.label = value } else {
          bad("label must be letters, digits, '.', '_' or '-'")
        }
      case "from":
        var nets: [IPNetwork] = []
        for part in value.split(separator: ",", omittingEmptySubsequences: false) {
          if let net = IPNetwork(part) { nets.append(net) } else { bad("'\(part)' is not an address or CIDR network") }
        }
        rule.from = nets
      case "confine-root":
        if value == "yes" || value == "no" {
          rule.confineRoot = value == "yes"
          if profile != .rsyncSender { bad("confine-root applies to rsync-sender rules only") }
        } else {
          bad("confine-root must be yes or no")
        }
      default:
        err(w.column, "unknown key '\(key)' (expected exec, roots, label, from or confine-root)")
        ok = false
      }
    }
    return ok ? rule : nil
  }

  struct Word {
    var text: String
    var column: Int
  }

  /// Words separated by spaces or tabs, with their 1-based byte columns; a
  /// word starting with `#` ends the line.
  static func splitWords(_ line: String) -> [Word] {
    var out: [Word] = []
    var col = 0
    var start = -1
    var current: [UInt8] = []
    for b in line.utf8 {
      col += 1
      if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") {
        if start >= 0 { out.append(Word(text: String(decoding: current, as: UTF8.self), column: start)) }
        start = -1
        current.removeAll()
        continue
      }
      if start < 0 {
        if b == UInt8(ascii: "#") { return out }
        start = col
      }
      current.append(b)
    }
    if start >= 0 { out.append(Word(text: String(decoding: current, as: UTF8.self), column: start)) }
    return out
  }

  static func keyValue(_ word: String) -> (String, String) {
    guard let eq = word.firstIndex(of: "=") else { return (word, "") }
    return (String(word[..<eq]), String(word[word.index(after: eq)...]))
  }

  static func isCleanAbsolute(_ p: String) -> Bool {
    Paths.components(p) != nil && Tokenizer.firstControl(Array(p.utf8)) == nil
  }

  public static func isName(_ s: String) -> Bool {
    !s.isEmpty && s.utf8.count <= 64
      && s.utf8.allSatisfy {
        ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a)
          || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
      }
  }

  /// `/etc//ssh/./` becomes `/etc/ssh`; `/` stays `/`.
  static func normalize(_ p: String) -> String {
    "/" + (Paths.components(p) ?? []).joined(separator: "/")
  }
}
