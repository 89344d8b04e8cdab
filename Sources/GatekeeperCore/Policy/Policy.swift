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
    Result { () throws(PolicyErrors) in try policy(bytes) }
  }

  /// `parse` inside the core: every line is read, and the errors of all
  /// the lines are thrown together.
  static func policy(_ bytes: [UInt8]) throws(PolicyErrors) -> Policy {
    guard bytes.count <= maxSize else {
      throw PolicyErrors(line: 1, column: 1, "policy is larger than \(maxSize) bytes")
    }
    var reader = PolicyReader()
    var errors = PolicyErrors(errors: [])
    var lineNo = 0
    var lineStart: Int? = 0
    while let start = lineStart {
      // Lines end at "\n"; the text after the last one is a line too.
      let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
      lineStart = end < bytes.count ? end + 1 : nil
      lineNo += 1
      do throws(PolicyErrors) {
        try reader.read(bytes[start..<end], line: lineNo)
      } catch {
        errors.errors += error.errors
      }
    }
    try errors.throwIfAny()
    return reader.policy
  }

  /// `allow PROFILE key=value...`: the rule, or every error on its line.
  static func parseRule(_ words: [Word], line: Int) throws(PolicyErrors) -> Rule {
    guard words.count >= 2 else {
      throw PolicyErrors(line: line, column: words[0].column, "'allow' needs a profile (rsync-sender or tar-create)")
    }
    guard let profile = profileKind(words[1].bytes) else {
      throw PolicyErrors(
        line: line, column: words[1].column,
        "unknown profile '\(words[1].text)' (expected rsync-sender or tar-create)")
    }
    var rule = Rule(profile: profile, exec: profile.defaultExec, line: line, execColumn: words[1].column)
    var seen = KeysSeen()
    var errors = PolicyErrors(errors: [])
    for w in words.dropFirst(2) {
      do throws(PolicyErrors) {
        try readKey(w, into: &rule, seen: &seen, line: line)
      } catch {
        errors.errors += error.errors
      }
    }
    try errors.throwIfAny()
    return rule
  }

  /// The keys of a rule seen so far. Keys stay bytes (this runs for every
  /// rule): the known ones as bits (by row of `ruleKeys`), unknown ones as
  /// text (only on the error path).
  struct KeysSeen {
    var known: UInt32 = 0
    var unknown: [String] = []
  }

  /// One `key=value` word of a rule, read by its row of `ruleKeys`.
  static func readKey(_ w: Word, into rule: inout Rule, seen: inout KeysSeen, line: Int) throws(PolicyErrors) {
    let (keyBytes, value) = splitKeyValue(w)
    let row = RuleKey.named(keyBytes)
    if let row {
      if seen.known & (1 << row.rawValue) != 0 {
        throw PolicyErrors(line: line, column: w.column, "duplicate key '\(row.name)'")
      }
      seen.known |= 1 << row.rawValue
    } else {
      let text = String(decoding: keyBytes, as: UTF8.self)
      if seen.unknown.contains(text) { throw PolicyErrors(line: line, column: w.column, "duplicate key '\(text)'") }
      seen.unknown.append(text)
    }
    // (Also when the word has no `=`: splitKeyValue then gives an empty value.)
    if value.isEmpty { throw PolicyErrors(line: line, column: w.column, "expected key=value, got '\(w.text)'") }
    guard let row else {
      let key = String(decoding: keyBytes, as: UTF8.self)
      throw PolicyErrors(line: line, column: w.column, "unknown key '\(key)' (expected \(expectedKeys))")
    }
    let at = RuleValue(bytes: value, ascii: w.ascii, line: line, column: w.column + keyBytes.count + 1)
    try row.parse(&rule, at)
  }

  /// The keys of an `allow` rule, one row each: its name and how its value
  /// is read. (Rows of a switch, not an array of closures: a static array
  /// of a new type costs its run-time set-up on every call. Matched on the
  /// bytes: every key is ASCII with no character that has a canonical
  /// equivalent elsewhere, so this agrees with String `==`.)
  enum RuleKey: Int, CaseIterable {
    case exec, roots, label, from, confineRoot

    var name: StaticString {
      switch self {
      case .exec: "exec"
      case .roots: "roots"
      case .label: "label"
      case .from: "from"
      case .confineRoot: "confine-root"
      }
    }

    func parse(_ rule: inout Rule, _ value: RuleValue) throws(PolicyErrors) {
      switch self {
      case .exec: try parseExec(&rule, value)
      case .roots: try parseRoots(&rule, value)
      case .label: try parseLabel(&rule, value)
      case .from: try parseFrom(&rule, value)
      case .confineRoot: try parseConfineRoot(&rule, value)
      }
    }

    /// The row whose name is `bytes`, if any.
    static func named(_ bytes: ArraySlice<UInt8>) -> RuleKey? {
      var row = RuleKey(rawValue: 0)
      while let key = row {
        if equals(bytes, key.name) { return key }
        row = RuleKey(rawValue: key.rawValue + 1)
      }
      return nil
    }
  }

  /// `exec, roots, label, from or confine-root`, for the unknown-key error.
  static var expectedKeys: String {
    let names = RuleKey.allCases.map { "\($0.name)" }
    return names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
  }

  /// The value of one `key=value` word of a rule, where errors point.
  struct RuleValue {
    var bytes: ArraySlice<UInt8>
    /// The word is ASCII (see commaList).
    var ascii: Bool
    var line: Int
    var column: Int

    var text: String { String(decoding: bytes, as: UTF8.self) }
    func error(_ message: String) -> PolicyError { PolicyError(line: line, column: column, message: message) }
  }

  /// `exec=PATH`: absolute, no `..`, not `/` itself.
  static func parseExec(_ rule: inout Rule, _ value: RuleValue) throws(PolicyErrors) {
    guard isCleanAbsolute(value.bytes) && !value.bytes.elementsEqual("/".utf8) else {
      throw PolicyErrors(errors: [value.error("exec= must be an absolute path without '..'")])
    }
    rule.exec = value.text
    rule.execColumn = value.column
  }

  /// `roots=DIR,...`: each absolute without `..`, kept normalized.
  static func parseRoots(_ rule: inout Rule, _ value: RuleValue) throws(PolicyErrors) {
    var roots: [String] = []
    var errors = PolicyErrors(errors: [])
    for r in commaList(value.bytes, ascii: value.ascii) {
      if isCleanAbsolute(r) {
        roots.append(normalize(r))
      } else {
        let root = String(decoding: r, as: UTF8.self)
        errors.errors.append(value.error("root '\(root)' must be an absolute path without '..'"))
      }
    }
    try errors.throwIfAny()
    rule.roots = roots
  }

  /// `label=NAME`.
  static func parseLabel(_ rule: inout Rule, _ value: RuleValue) throws(PolicyErrors) {
    let label = value.text
    guard isName(label) else {
      throw PolicyErrors(errors: [value.error("label must be letters, digits, '.', '_' or '-'")])
    }
    rule.label = label
  }

  /// `from=CIDR,...`: addresses or networks.
  static func parseFrom(_ rule: inout Rule, _ value: RuleValue) throws(PolicyErrors) {
    var nets: [IPNetwork] = []
    var errors = PolicyErrors(errors: [])
    for bytes in commaList(value.bytes, ascii: value.ascii) {
      let part = Substring(String(decoding: bytes, as: UTF8.self))
      if let net = IPNetwork(part) {
        nets.append(net)
      } else {
        errors.errors.append(value.error("'\(part)' is not an address or CIDR network"))
      }
    }
    try errors.throwIfAny()
    rule.from = nets
  }

  /// `confine-root=yes|no`, rsync-sender rules only.
  static func parseConfineRoot(_ rule: inout Rule, _ value: RuleValue) throws(PolicyErrors) {
    guard value.bytes.elementsEqual("yes".utf8) || value.bytes.elementsEqual("no".utf8) else {
      throw PolicyErrors(errors: [value.error("confine-root must be yes or no")])
    }
    rule.confineRoot = value.bytes.elementsEqual("yes".utf8)
    if rule.profile != .rsyncSender {
      throw PolicyErrors(errors: [value.error("confine-root applies to rsync-sender rules only")])
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

extension PolicyErrors {
  init(line: Int, column: Int, _ message: String) {
    self.init(errors: [PolicyError(line: line, column: column, message: message)])
  }

  mutating func add(line: Int, column: Int, _ message: String) {
    errors.append(PolicyError(line: line, column: column, message: message))
  }

  /// Throws the errors gathered, if there are any.
  func throwIfAny() throws(PolicyErrors) {
    if !errors.isEmpty { throw self }
  }
}

/// The policy read so far, line by line (PolicyParser.policy), with what
/// may appear only once.
struct PolicyReader {
  var policy = Policy()
  var seenFile = false
  var seenSyslog = false
  var seenConfine = false

  /// One line: empty, a comment, or a keyword and its words.
  mutating func read(_ rawLine: ArraySlice<UInt8>, line: Int) throws(PolicyErrors) {
    guard rawLine.allSatisfy({ $0 < 0x80 }) || String(validating: rawLine, as: UTF8.self) != nil else {
      throw PolicyErrors(line: line, column: 1, "line is not valid UTF-8")
    }
    let words = PolicyParser.splitWords(rawLine)
    guard let first = words.first else { return }
    switch first.text {
    case "allow": policy.rules.append(try PolicyParser.parseRule(words, line: line))
    case "log": try log(words, line: line)
    case "confine": try confine(words, line: line)
    default:
      throw PolicyErrors(
        line: line, column: first.column, "unknown keyword '\(first.text)' (expected 'allow', 'log' or 'confine')")
    }
  }

  /// `log file=PATH [required=yes|no]` or `log syslog=FACILITY [tag=NAME]`.
  mutating func log(_ words: [PolicyParser.Word], line: Int) throws(PolicyErrors) {
    guard words.count >= 2 else {
      throw PolicyErrors(line: line, column: words[0].column, "'log' needs file=PATH or syslog=FACILITY")
    }
    var errors = PolicyErrors(errors: [])
    let (key, value) = PolicyParser.keyValue(words[1])
    switch key {
    case "file":
      if seenFile { errors.add(line: line, column: words[1].column, "a second 'log file=' line") }
      seenFile = true
      logFile(value, words, line: line, &errors)
    case "syslog":
      if seenSyslog { errors.add(line: line, column: words[1].column, "a second 'log syslog=' line") }
      seenSyslog = true
      logSyslog(value, words, line: line, &errors)
    default:
      errors.add(
        line: line, column: words[1].column, "'log' needs file=PATH or syslog=FACILITY, not '\(words[1].text)'")
    }
    try errors.throwIfAny()
  }

  private mutating func logFile(_ path: String, _ words: [PolicyParser.Word], line: Int, _ errors: inout PolicyErrors) {
    if !PolicyParser.isCleanAbsolute(path) {
      errors.add(line: line, column: words[1].column + 5, "log file must be an absolute path without '..'")
    }
    policy.log.file = path
    for w in words.dropFirst(2) {
      let (k, v) = PolicyParser.keyValue(w)
      if k == "required" && (v == "yes" || v == "no") {
        policy.log.fileRequired = v == "yes"
      } else {
        errors.add(line: line, column: w.column, "unknown 'log file' option '\(w.text)' (expected required=yes|no)")
      }
    }
  }

  private mutating func logSyslog(
    _ facility: String, _ words: [PolicyParser.Word], line: Int, _ errors: inout PolicyErrors
  ) {
    if facility == "none" {
      policy.log.syslogFacility = nil
    } else if PolicyParser.facilities.contains(facility) {
      policy.log.syslogFacility = facility
    } else {
      errors.add(line: line, column: words[1].column + 7, "unknown syslog facility '\(facility)'")
    }
    for w in words.dropFirst(2) {
      let (k, v) = PolicyParser.keyValue(w)
      if k == "tag" && PolicyParser.isName(v) {
        policy.log.syslogTag = v
      } else {
        errors.add(line: line, column: w.column, "unknown 'log syslog' option '\(w.text)' (expected tag=NAME)")
      }
    }
  }

  /// `confine landlock=auto|required|off`, once, nothing else on the line.
  mutating func confine(_ words: [PolicyParser.Word], line: Int) throws(PolicyErrors) {
    var errors = PolicyErrors(errors: [])
    if seenConfine { errors.add(line: line, column: words[0].column, "a second 'confine' line") }
    seenConfine = true
    guard words.count >= 2 else {
      errors.add(line: line, column: words[0].column, "'confine' needs landlock=auto|required|off")
      throw errors
    }
    let (key, value) = PolicyParser.keyValue(words[1])
    if key != "landlock" {
      errors.add(
        line: line, column: words[1].column, "'confine' needs landlock=auto|required|off, not '\(words[1].text)'")
    } else if let mode = ConfineMode(rawValue: value) {
      policy.confine = mode
    } else {
      errors.add(line: line, column: words[1].column + 9, "landlock must be auto, required or off, not '\(value)'")
    }
    for w in words.dropFirst(2) {
      errors.add(line: line, column: w.column, "unexpected '\(w.text)' after 'confine landlock='")
    }
    try errors.throwIfAny()
  }
}
