// The policy file: one rule per line, first matching rule wins, no match
// means deny. Grammar (see gatekeeper.policy(5)):
//
//   allow PROFILE [exec=PATH] [roots=DIR,...] [label=NAME] [from=CIDR,...]
//                 [confine-root=yes|no]
//   log file=PATH [required=yes|no]
//   log syslog=FACILITY [tag=NAME]
//   confine landlock=auto|required|off
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

/// Where install.sh puts gatekeeper and its policy: the executable's
/// defaults, and what `gatekeeper authorize` and `sudoers` write into the
/// lines they print.
public enum InstallPaths {
  public static let gatekeeper = "/usr/local/sbin/gatekeeper"
  public static let policy = "/etc/gatekeeper/gatekeeper.policy"
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
  /// Column of the `exec=` value, or of the profile when there is none.
  public var execColumn: Int = 0

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
  /// Kernel confinement of the tool (`confine landlock=`), default auto.
  public var confine = ConfineMode.auto
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
    var seenConfine = false
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
      case "confine":
        if seenConfine { err(first.column, "a second 'confine' line") }
        seenConfine = true
        parseConfine(words, into: &policy, err)
      default:
        err(first.column, "unknown keyword '\(first.text)' (expected 'allow', 'log' or 'confine')")
      }
    }
    return errors.isEmpty ? .success(policy) : .failure(PolicyErrors(errors: errors))
  }

  /// `confine landlock=auto|required|off`, nothing else on the line.
  static func parseConfine(_ words: [Word], into policy: inout Policy, _ err: (Int, String) -> Void) {
    guard words.count >= 2 else {
      err(words[0].column, "'confine' needs landlock=auto|required|off")
      return
    }
    let (key, value) = keyValue(words[1])
    if key != "landlock" {
      err(words[1].column, "'confine' needs landlock=auto|required|off, not '\(words[1].text)'")
    } else if let mode = ConfineMode(rawValue: value) {
      policy.confine = mode
    } else {
      err(words[1].column + 9, "landlock must be auto, required or off, not '\(value)'")
    }
    for w in words.dropFirst(2) { err(w.column, "unexpected '\(w.text)' after 'confine landlock='") }
  }

  static func parseRule(_ words: [Word], line: Int, _ err: (Int, String) -> Void) -> Rule? {
    guard words.count >= 2 else {
      err(words[0].column, "'allow' needs a profile (rsync-sender or tar-create)")
      return nil
    }
    guard let profile = profileKind(words[1].bytes) else {
      err(words[1].column, "unknown profile '\(words[1].text)' (expected rsync-sender or tar-create)")
      return nil
    }
    var rule = Rule(profile: profile, exec: profile.defaultExec, line: line, execColumn: words[1].column)
    var ok = true
    // Keys stay bytes (this runs for every rule): the known keys seen so far
    // as bits, unknown ones as text (only on the error path).
    var seenKnown: UInt8 = 0
    var seenUnknown: [String] = []
    for w in words.dropFirst(2) {
      let (keyBytes, value) = splitKeyValue(w)
      let key = RuleKey(keyBytes)
      let vcol = w.column + keyBytes.count + 1
      func bad(_ msg: String) {
        err(vcol, msg)
        ok = false
      }
      if let key {
        if seenKnown & key.bit != 0 {
          err(w.column, "duplicate key '\(key.rawValue)'")
          ok = false
          continue
        }
        seenKnown |= key.bit
      } else {
        let text = String(decoding: keyBytes, as: UTF8.self)
        if seenUnknown.contains(text) {
          err(w.column, "duplicate key '\(text)'")
          ok = false
          continue
        }
        seenUnknown.append(text)
      }
      // (Also when the word has no `=`: splitKeyValue then gives an empty value.)
      if value.isEmpty {
        err(w.column, "expected key=value, got '\(w.text)'")
        ok = false
        continue
      }
      switch key {
      case .exec:
        if isCleanAbsolute(value) && !value.elementsEqual("/".utf8) {
          rule.exec = String(decoding: value, as: UTF8.self)
          rule.execColumn = vcol
        } else {
          bad("exec= must be an absolute path without '..'")
        }
      case .roots:
        var roots: [String] = []
        for r in commaList(value, ascii: w.ascii) {
          if isCleanAbsolute(r) { roots.append(normalize(r)) } else {
            bad("root '\(String(decoding: r, as: UTF8.self))' must be an absolute path without '..'")
          }
        }
        rule.roots = roots
      case .label:
        let label = String(decoding: value, as: UTF8.self)
        if isName(label) { rule.label = label } else {
          bad("label must be letters, digits, '.', '_' or '-'")
        }
      case .from:
        var nets: [IPNetwork] = []
        for bytes in commaList(value, ascii: w.ascii) {
          let part = Substring(String(decoding: bytes, as: UTF8.self))
          if let net = IPNetwork(part) { nets.append(net) } else { bad("'\(part)' is not an address or CIDR network") }
        }
        rule.from = nets
      case .confineRoot:
        if value.elementsEqual("yes".utf8) || value.elementsEqual("no".utf8) {
          rule.confineRoot = value.elementsEqual("yes".utf8)
          if profile != .rsyncSender { bad("confine-root applies to rsync-sender rules only") }
        } else {
          bad("confine-root must be yes or no")
        }
      case nil:
        err(w.column, "unknown key '\(String(decoding: keyBytes, as: UTF8.self))' (expected exec, roots, label, from or confine-root)")
        ok = false
      }
    }
    return ok ? rule : nil
  }

  /// The keys of an `allow` rule.
  enum RuleKey: String {
    case exec, roots, label, from
    case confineRoot = "confine-root"

    /// Matched on the bytes: every key is ASCII with no character that has a
    /// canonical equivalent elsewhere, so this agrees with String `==`.
    init?(_ bytes: ArraySlice<UInt8>) {
      if equals(bytes, "exec") {
        self = .exec
      } else if equals(bytes, "roots") {
        self = .roots
      } else if equals(bytes, "label") {
        self = .label
      } else if equals(bytes, "from") {
        self = .from
      } else if equals(bytes, "confine-root") {
        self = .confineRoot
      } else {
        return nil
      }
    }

    var bit: UInt8 {
      switch self {
      case .exec: 1
      case .roots: 2
      case .label: 4
      case .from: 8
      case .confineRoot: 16
      }
    }
  }

  /// The bytes are exactly `s` (a plain loop: the generic elementsEqual
  /// over a String's UTF-8 view costs ten times more).
  static func equals(_ bytes: ArraySlice<UInt8>, _ s: StaticString) -> Bool {
    s.withUTF8Buffer { text in
      guard bytes.count == text.count else { return false }
      var i = bytes.startIndex
      for t in text {
        if bytes[i] != t { return false }
        i += 1
      }
      return true
    }
  }

  /// `ProfileKind(rawValue:)` on the bytes (same reasoning as RuleKey).
  static func profileKind(_ bytes: ArraySlice<UInt8>) -> ProfileKind? {
    if equals(bytes, "rsync-sender") { return .rsyncSender }
    if equals(bytes, "tar-create") { return .tarCreate }
    return nil
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
    out.reserveCapacity(8)
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
    if ascii {
      var parts: [ArraySlice<UInt8>] = []
      parts.reserveCapacity(4)
      var start = value.startIndex
      while let comma = value[start...].firstIndex(of: UInt8(ascii: ",")) {
        parts.append(value[start..<comma])
        start = comma + 1
      }
      parts.append(value[start...])
      return parts
    }
    let text = String(decoding: value, as: UTF8.self)
    return text.split(separator: ",", omittingEmptySubsequences: false).map { part in
      let from = value.startIndex + text.utf8.distance(from: text.startIndex, to: part.startIndex)
      return value[from..<(from + part.utf8.count)]
    }
  }

  public static func isCleanAbsolute(_ p: String) -> Bool { isCleanAbsolute(Array(p.utf8)[...]) }

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

  /// Already normal (the usual case): `/` alone, or no `/` that ends the
  /// path or is followed by `/` or `.`. (Conservative: `/.x` is normal too,
  /// but takes the long way.)
  static func isNormal(_ p: ArraySlice<UInt8>) -> Bool {
    if p.count == 1 { return true }
    var afterSlash = false
    for b in p {
      if afterSlash && (b == UInt8(ascii: "/") || b == UInt8(ascii: ".")) { return false }
      afterSlash = b == UInt8(ascii: "/")
    }
    return !afterSlash
  }

  static func normalize(_ p: ArraySlice<UInt8>) -> String {
    guard p.first == UInt8(ascii: "/"), !Paths.hasDotDot(p) else { return "/" }
    if isNormal(p) { return String(decoding: p, as: UTF8.self) }
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
