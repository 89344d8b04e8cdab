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
  /// (An array, not a Set: a Set of Strings costs a hashing set-up on every
  /// call, far more than a dozen comparisons.)
  public static let facilities: [String] = [
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
    var lineStart: Int? = 0
    while let start = lineStart {
      // Lines end at "\n"; the text after the last one is a line too.
      let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
      lineStart = end < bytes.count ? end + 1 : nil
      lineNo += 1
      let rawLine = bytes[start..<end]
      guard rawLine.allSatisfy({ $0 < 0x80 }) || String(validating: rawLine, as: UTF8.self) != nil else {
        errors.append(PolicyError(line: lineNo, column: 1, message: "line is not valid UTF-8"))
        continue
      }
      let words = splitWords(rawLine)
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
        let (key, value) = keyValue(words[1])
        switch key {
        case "file":
          if seenFile { err(words[1].column, "a second 'log file=' line") }
          seenFile = true
          if !isCleanAbsolute(value) {
            err(words[1].column + 5, "log file must be an absolute path without '..'")
          }
          policy.log.file = value
          for w in words.dropFirst(2) {
            let (k, v) = keyValue(w)
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
            let (k, v) = keyValue(w)
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
    var seen: [String] = []
    for w in words.dropFirst(2) {
      // Values stay bytes until they are kept: this runs for every rule.
      let (keyBytes, value) = splitKeyValue(w)
      let key = String(decoding: keyBytes, as: UTF8.self)
      let vcol = w.column + keyBytes.count + 1
      func bad(_ msg: String) {
        err(vcol, msg)
        ok = false
      }
      if seen.contains(key) {
        err(w.column, "duplicate key '\(key)'")
        ok = false
        continue
      }
      seen.append(key)
      // (Also when the word has no `=`: splitKeyValue then gives an empty value.)
      if value.isEmpty {
        err(w.column, "expected key=value, got '\(w.text)'")
        ok = false
        continue
      }
      switch key {
      case "exec":
        if isCleanAbsolute(value) && !value.elementsEqual("/".utf8) {
          rule.exec = String(decoding: value, as: UTF8.self)
        } else {
          bad("exec= must be an absolute path without '..'")
        }
      case "roots":
        var roots: [String] = []
        for r in commaList(value, ascii: w.ascii) {
          if isCleanAbsolute(r) { roots.append(normalize(r)) } else {
            bad("root '\(String(decoding: r, as: UTF8.self))' must be an absolute path without '..'")
          }
        }
        rule.roots = roots
      case "label":
        let label = String(decoding: value, as: UTF8.self)
        if isName(label) { rule.label = label } else {
          bad("label must be letters, digits, '.', '_' or '-'")
        }
      case "from":
        var nets: [IPNetwork] = []
        for bytes in commaList(value, ascii: w.ascii) {
          let part = Substring(String(decoding: bytes, as: UTF8.self))
          if let net = IPNetwork(part) { nets.append(net) } else { bad("'\(part)' is not an address or CIDR network") }
        }
        rule.from = nets
      case "confine-root":
        if value.elementsEqual("yes".utf8) || value.elementsEqual("no".utf8) {
          rule.confineRoot = value.elementsEqual("yes".utf8)
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
    /// A slice of the policy's bytes (valid UTF-8).
    var bytes: ArraySlice<UInt8>
    var column: Int
    /// The word is ASCII: a byte is a Character (see splitKeyValue).
    var ascii: Bool
    var text: String { String(decoding: bytes, as: UTF8.self) }
  }

  /// Words separated by spaces, tabs or CRs, with their 1-based byte
  /// columns; a word starting with `#` ends the line. `line` is valid UTF-8.
  static func splitWords(_ line: ArraySlice<UInt8>) -> [Word] {
    var out: [Word] = []
    var start: Int? = nil  // index in `line` where the current word began
    for i in line.indices {
      let b = line[i]
      if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") {
        if let s = start { out.append(word(line[s..<i], column: s - line.startIndex + 1)) }
        start = nil
      } else if start == nil {
        if b == UInt8(ascii: "#") { return out }
        start = i
      }
    }
    if let s = start { out.append(word(line[s...], column: s - line.startIndex + 1)) }
    return out
  }

  static func word(_ bytes: ArraySlice<UInt8>, column: Int) -> Word {
    Word(bytes: bytes, column: column, ascii: bytes.allSatisfy { $0 < 0x80 })
  }

  /// `w` split at its first `=` Character; without one, (w, ""). In an
  /// ASCII word that is the first `=` byte; otherwise Swift's Character
  /// search decides (a `=` followed by a combining mark is not a `=`).
  static func splitKeyValue(_ w: Word) -> (key: ArraySlice<UInt8>, value: ArraySlice<UInt8>) {
    var eq: Int? = nil
    if w.ascii {
      eq = w.bytes.firstIndex(of: UInt8(ascii: "="))
    } else {
      let text = w.text
      if let i = text.firstIndex(of: "=") {
        eq = w.bytes.startIndex + text.utf8.distance(from: text.startIndex, to: i)
      }
    }
    guard let eq else { return (w.bytes, []) }
    return (w.bytes[..<eq], w.bytes[(eq + 1)...])
  }

  static func keyValue(_ w: Word) -> (String, String) {
    let (key, value) = splitKeyValue(w)
    return (String(decoding: key, as: UTF8.self), String(decoding: value, as: UTF8.self))
  }

  /// The value split at `,` Characters, empty parts kept. ASCII values are
  /// split at the bytes; others by Swift's Character split (a comma followed
  /// by a combining mark is one Character, not a comma).
  static func commaList(_ value: ArraySlice<UInt8>, ascii: Bool) -> [ArraySlice<UInt8>] {
    if ascii { return value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) }
    let text = String(decoding: value, as: UTF8.self)
    return text.split(separator: ",", omittingEmptySubsequences: false).map { part in
      let from = value.startIndex + text.utf8.distance(from: text.startIndex, to: part.startIndex)
      return value[from..<(from + part.utf8.count)]
    }
  }

  static func isCleanAbsolute(_ p: String) -> Bool { isCleanAbsolute(Array(p.utf8)[...]) }

  /// Absolute, no `..` component (`Paths.components(p) != nil`), no control
  /// character (`Tokenizer.firstControl(p) == nil`).
  static func isCleanAbsolute(_ p: ArraySlice<UInt8>) -> Bool {
    p.first == UInt8(ascii: "/") && !Paths.hasDotDot(p) && !p.contains { $0 < 0x20 || $0 == 0x7f }
  }

  public static func isName(_ s: String) -> Bool {
    !s.isEmpty && s.utf8.count <= 64
      && s.utf8.allSatisfy {
        ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a)
          || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
      }
  }

  /// `/etc//ssh/./` becomes `/etc/ssh`; `/` stays `/`.
  static func normalize(_ p: String) -> String { normalize(Array(p.utf8)[...]) }

  static func normalize(_ p: ArraySlice<UInt8>) -> String {
    guard p.first == UInt8(ascii: "/"), !Paths.hasDotDot(p) else { return "/" }
    var out: [UInt8] = []
    out.reserveCapacity(p.count)
    var parts = Paths.ComponentWalker(p)
    while let part = parts.next() {
      out.append(UInt8(ascii: "/"))
      out += p[part]
    }
    return out.isEmpty ? "/" : String(decoding: out, as: UTF8.self)
  }
}
