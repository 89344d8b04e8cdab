// From words to an invocation: the prefix words real clients send
// (`env LC_ALL=C`, `LANG=C`, `nice -n 19`, `ionice -c 3`) are recognised and
// applied by gatekeeper itself, never executed; then the program word must
// be rsync or tar (bare, or an absolute path ending in them). What runs is
// always the policy's `exec=` path.

public enum CommandReason: String, ReasonCode {
  case noCommand = "no-command"
  case sftpRequest = "sftp-request"
  case scpRequest = "scp-request"
  case unknownProgram = "unknown-program"
  case programPath = "program-path"
  case envOption = "env-option"
  case envVariable = "env-variable"
  case localeValue = "locale-value"
  case niceValue = "nice-value"
  case ioniceValue = "ionice-value"
  case ioniceRealtime = "ionice-realtime"
  case clientSudo = "client-sudo"
  case prefixRepeated = "prefix-repeated"
  case noMatchingRule = "no-matching-rule"

  public var message: String {
    switch self {
    case .noCommand: "interactive logins are not allowed; only backup commands are"
    case .sftpRequest: "sftp is not allowed; only backup commands are"
    case .scpRequest: "scp is not allowed; only backup commands are"
    case .unknownProgram: "only rsync and tar backups are allowed"
    case .programPath: "the program must be rsync or tar, by bare name or absolute path"
    case .envOption: "env options are not allowed"
    case .envVariable: "only locale variables (LANG, LC_*) may be set"
    case .localeValue: "locale values must be C, POSIX or a plain language code such as en_US.UTF-8"
    case .niceValue: "nice may only lower the priority (-n 0 to 19)"
    case .ioniceValue: "ionice takes only -c 2 or 3 and -n 0 to 7"
    case .ioniceRealtime: "ionice's realtime class is not allowed"
    case .clientSudo: "sudo in the command is not allowed; gatekeeper decides privileges"
    case .prefixRepeated: "a prefix (env, nice, ionice) may appear only once"
    case .noMatchingRule: "no policy rule allows this kind of request"
    }
  }
}

public enum Program: String, Sendable {
  case rsync, tar
  /// rsbackup's `true` probe: answered with success, nothing runs.
  case trueProbe = "true"
}

public struct Invocation: Equatable, Sendable {
  public var program: Program
  /// The program word as sent (`/usr/bin/rsync`); informational only.
  public var programWord: String
  /// The words after the program word.
  public var arguments: [String]
  /// Allow-listed locale assignments to put in the child's environment.
  public var locale: [String] = []
  /// Niceness increment (0...19), if `nice` was sent.
  public var nice: Int? = nil
  /// I/O scheduling class (2 or 3) and level (0...7), if `ionice` was sent.
  public var ioniceClass: Int? = nil
  public var ioniceLevel: Int? = nil
  /// All the words, prefixes included, without a `sudo` word (sudo mode):
  /// what the outer gatekeeper hands to the one sudo runs.
  public var words: [String] = []
}

public enum CommandParser {
  /// (An array: a Set would cost a hashing set-up per call.)
  public static let localeNames: [String] = [
    "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_COLLATE", "LC_MESSAGES", "LC_NUMERIC", "LC_TIME",
    "LC_MONETARY",
  ]

  /// `sudoWord`: in sudo mode a bare `sudo` (or `/usr/bin/sudo`) right
  /// before the program word is accepted and dropped, as in the command
  /// shape `nice -n 19 sudo /usr/bin/rsync ...`; gatekeeper runs sudo itself.
  public static func parse(_ words: [String], sudoWord: Bool = false) -> Result<Invocation, Denial> {
    Result { () throws(Denial) in try invocation(words, sudoWord: sudoWord) }
  }

  /// `parse` inside the core. Each word before the program word is a
  /// locale assignment or a `Prefix`; the first other word is the program
  /// word.
  static func invocation(_ words: [String], sudoWord: Bool) throws(Denial) -> Invocation {
    var state = PrefixState(words: words, sudoMode: sudoWord)
    let i = try programIndex(words, &state)
    guard i < words.count else { throw Denial(CommandReason.unknownProgram, "only prefixes, no program") }
    let w = words[i]
    var invocation = state.invocation
    invocation.program = try program(w, at: i, of: words)
    invocation.programWord = w
    invocation.arguments = Array(words[(i + 1)...])
    return invocation
  }

  /// The index of the program word: the first word that is neither a
  /// locale assignment nor a prefix gatekeeper applies itself
  /// (`words.count` when there is none), the prefixes applied to `state`.
  static func programIndex(_ words: [String], _ state: inout PrefixState) throws(Denial) -> Int {
    var i = 0
    while i < words.count {
      let w = words[i]
      if let eq = w.firstIndex(of: "="), isVariableName(w[..<eq]) {
        try state.assign(w, at: eq)
        i += 1
        continue
      }
      if state.afterEnv && w.hasPrefix("-") { throw Denial(CommandReason.envOption, w) }
      guard let prefix = Prefix(spelling: w), let next = try prefix.apply(&state, words, i) else { return i }
      i = next
    }
    return i
  }

  /// The words from the program word on, once the prefixes `parse` applies
  /// itself are dropped (`nice -n 19 env LC_ALL=C /bin/tar -c` gives
  /// `/bin/tar -c`, `sh -c x` stays); nil when a prefix is refused. For the
  /// admin tools, which name the program of any request, refused ones too.
  public static func programAndArguments(_ words: [String]) -> ArraySlice<String>? {
    var state = PrefixState(words: words, sudoMode: false)
    guard let i = try? programIndex(words, &state) else { return nil }
    return words[i...]
  }

  /// A prefix word gatekeeper applies itself instead of running it.
  /// Locale assignments (`LANG=C`) are read before any of them.
  enum Prefix {
    case env, nice, ionice, sudo

    /// The prefixes by exact spelling, as git-shell looks up its commands.
    /// (A switch, not an array of rows: a static array of a new type costs
    /// its run-time set-up on every call.)
    init?(spelling word: String) {
      switch word {
      case "env", "/usr/bin/env", "/bin/env": self = .env
      case "nice", "/usr/bin/nice", "/bin/nice": self = .nice
      case "ionice", "/usr/bin/ionice", "/bin/ionice": self = .ionice
      case "sudo", "/usr/bin/sudo": self = .sudo
      default: return nil
      }
    }

    /// Applies the prefix at `words[i]` to what the prefixes have set so
    /// far. Returns the index of the next word to read, or nil when the
    /// word is not taken as a prefix here (it is then judged as the
    /// program word).
    func apply(_ state: inout PrefixState, _ words: [String], _ i: Int) throws(Denial) -> Int? {
      switch self {
      case .env: try CommandParser.env(&state, words, i)
      case .nice: try CommandParser.nice(&state, words, i)
      case .ionice: try CommandParser.ionice(&state, words, i)
      case .sudo: CommandParser.sudo(&state, words, i)
      }
    }
  }

  /// `env`, once: only locale assignments may follow it, no options.
  static func env(_ state: inout PrefixState, _ words: [String], _ i: Int) throws(Denial) -> Int {
    if state.seenEnv { throw Denial(CommandReason.prefixRepeated, words[i]) }
    state.seenEnv = true
    state.afterEnv = true
    return i + 1
  }

  /// `nice [-n N]`, once.
  static func nice(_ state: inout PrefixState, _ words: [String], _ i: Int) throws(Denial) -> Int {
    if state.invocation.nice != nil { throw Denial(CommandReason.prefixRepeated, words[i]) }
    state.afterEnv = false
    let (value, next) = try parseNice(words, from: i + 1)
    state.invocation.nice = value
    return next
  }

  /// `ionice -c 2|3 [-n N]`, once.
  static func ionice(_ state: inout PrefixState, _ words: [String], _ i: Int) throws(Denial) -> Int {
    if state.invocation.ioniceClass != nil { throw Denial(CommandReason.prefixRepeated, words[i]) }
    state.afterEnv = false
    let (cls, level, next) = try parseIonice(words, from: i + 1)
    state.invocation.ioniceClass = cls
    state.invocation.ioniceLevel = level
    return next
  }

  /// `sudo`, in sudo mode only, once, before a word that is not an option:
  /// dropped from the words handed on. Anywhere else it is the program
  /// word, refused as client-sudo.
  static func sudo(_ state: inout PrefixState, _ words: [String], _ i: Int) -> Int? {
    guard state.sudoMode, !state.sawSudo, i + 1 < words.count, !words[i + 1].hasPrefix("-") else {
      return nil
    }
    state.sawSudo = true
    state.invocation.words.remove(at: i)
    state.afterEnv = false
    return i + 1
  }

  /// The program word: rsync or tar, bare or as an absolute path ending in
  /// them; rsbackup's `true` probe when it is the only word. sudo, doas,
  /// sftp and scp are named in their refusals.
  static func program(_ w: String, at i: Int, of words: [String]) throws(Denial) -> Program {
    let base = baseName(w)
    if base == "sudo" || base == "doas" { throw Denial(CommandReason.clientSudo, w) }
    if base == "sftp-server" || w == "internal-sftp" { throw Denial(CommandReason.sftpRequest, w) }
    if base == "scp" { throw Denial(CommandReason.scpRequest, w) }
    let program: Program
    switch base {
    case "rsync": program = .rsync
    case "tar": program = .tar
    case "true" where w == "true" && i == words.count - 1 && i == 0: program = .trueProbe
    default: throw Denial(CommandReason.unknownProgram, w)
    }
    if w.contains("/") && Paths.components(w) == nil { throw Denial(CommandReason.programPath, w) }
    return program
  }

  /// `nice`, `nice -n N`, `nice -nN`, `nice -N`: N from 0 to 19 (default 10).
  /// Returns N and the index of the word after it.
  static func parseNice(_ words: [String], from i: Int) throws(Denial) -> (Int, Int) {
    guard i < words.count else { throw Denial(CommandReason.niceValue, "nothing after nice") }
    let w = words[i]
    var text: Substring
    var next = i + 1
    if w == "-n" {
      guard i + 1 < words.count else { throw Denial(CommandReason.niceValue, w) }
      text = Substring(words[i + 1])
      next = i + 2
    } else if w.hasPrefix("-n") {
      text = w.dropFirst(2)
    } else if w.hasPrefix("-") {
      text = w.dropFirst(1)
    } else {
      return (10, i)
    }
    guard let v = smallNumber(text), v <= 19 else { throw Denial(CommandReason.niceValue, w) }
    return (v, next)
  }

  /// `ionice -c 2|3 [-n 0..7]` (also `-c3`, `-n7`); never class 1 (realtime).
  /// Returns the class, the level and the index of the word after them.
  static func parseIonice(_ words: [String], from start: Int) throws(Denial) -> (Int, Int?, Int) {
    var cls: Int? = nil
    var level: Int? = nil
    var i = start
    while i < words.count, words[i].hasPrefix("-") {
      let w = words[i]
      let flag = w.prefix(2)
      var text = w.dropFirst(2)
      if text.isEmpty {
        guard i + 1 < words.count else { throw Denial(CommandReason.ioniceValue, w) }
        text = Substring(words[i + 1])
        i += 1
      }
      i += 1
      guard let v = smallNumber(text) else { throw Denial(CommandReason.ioniceValue, w) }
      switch flag {
      case "-c" where cls == nil:
        if v == 1 { throw Denial(CommandReason.ioniceRealtime, w) }
        guard v == 2 || v == 3 else { throw Denial(CommandReason.ioniceValue, w) }
        cls = v
      case "-n" where level == nil:
        guard v <= 7 else { throw Denial(CommandReason.ioniceValue, w) }
        level = v
      default:
        throw Denial(CommandReason.ioniceValue, w)
      }
    }
    // `ionice -n N` alone means best-effort (class 2) at level N.
    guard cls != nil || level != nil else {
      throw Denial(CommandReason.ioniceValue, "ionice without -c or -n")
    }
    return (cls ?? 2, level, i)
  }

  static func smallNumber(_ s: Substring) -> Int? {
    guard (1...2).contains(s.utf8.count), s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
    return Int(s)
  }

  /// The last path component of a program word (`/usr/bin/rsync` gives `rsync`).
  public static func baseName(_ w: String) -> Substring {
    if let slash = w.lastIndex(of: "/") { return w[w.index(after: slash)...] }
    return Substring(w)
  }

  static func isVariableName(_ s: Substring) -> Bool {
    guard let f = s.utf8.first, f == UInt8(ascii: "_") || (f >= 0x41 && f <= 0x5a) || (f >= 0x61 && f <= 0x7a)
    else { return false }
    return s.utf8.allSatisfy {
      $0 == UInt8(ascii: "_") || ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a)
    }
  }

  /// `C`, `POSIX`, `C.UTF-8`, or `ll[_CC][.UTF-8|.utf8]`: never a path.
  static func isLocaleValue(_ v: String) -> Bool {
    if ["C", "POSIX", "C.UTF-8", "C.utf8"].contains(v) { return true }
    var rest = Substring(v)
    for suffix in [".UTF-8", ".utf8", ".UTF8", ".utf-8"] where rest.hasSuffix(suffix) {
      rest = rest.dropLast(suffix.count)
      break
    }
    let parts = rest.split(separator: "_", omittingEmptySubsequences: false)
    guard parts.count <= 2, (2...3).contains(parts[0].utf8.count),
      parts[0].utf8.allSatisfy({ $0 >= 0x61 && $0 <= 0x7a })
    else { return false }
    if parts.count == 2 {
      return parts[1].utf8.count == 2 && parts[1].utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5a }
    }
    return true
  }
}

/// What the prefix words have set so far (CommandParser.invocation).
struct PrefixState {
  var invocation: Invocation
  let sudoMode: Bool
  var seenEnv = false
  /// Right after `env` (and its assignments): an option word is refused.
  var afterEnv = false
  var sawSudo = false

  init(words: [String], sudoMode: Bool) {
    invocation = Invocation(program: .rsync, programWord: "", arguments: [])
    invocation.words = words
    self.sudoMode = sudoMode
  }

  /// `NAME=value`: a locale name with a plain locale value; a name given
  /// again replaces its earlier value.
  mutating func assign(_ w: String, at eq: String.Index) throws(Denial) {
    let name = String(w[..<eq])
    let value = String(w[w.index(after: eq)...])
    guard CommandParser.localeNames.contains(name) else { throw Denial(CommandReason.envVariable, name) }
    guard CommandParser.isLocaleValue(value) else { throw Denial(CommandReason.localeValue, w) }
    invocation.locale.removeAll { $0.hasPrefix(name + "=") }
    invocation.locale.append(w)
  }
}
