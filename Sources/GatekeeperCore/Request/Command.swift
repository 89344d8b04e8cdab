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
    var inv = Invocation(program: .rsync, programWord: "", arguments: [])
    inv.words = words
    let i: Int
    switch applyPrefixes(words, sudoWord: sudoWord, to: &inv) {
    case .failure(let d): return .failure(d)
    case .success(let next): i = next
    }
    guard i < words.count else {
      return .failure(Denial(CommandReason.unknownProgram, "only prefixes, no program"))
    }
    // The program word.
    let w = words[i]
    let base = baseName(w)
    if base == "sudo" || base == "doas" { return .failure(Denial(CommandReason.clientSudo, w)) }
    if base == "sftp-server" || w == "internal-sftp" { return .failure(Denial(CommandReason.sftpRequest, w)) }
    if base == "scp" { return .failure(Denial(CommandReason.scpRequest, w)) }
    let program: Program
    switch base {
    case "rsync": program = .rsync
    case "tar": program = .tar
    case "true" where w == "true" && i == words.count - 1 && i == 0: program = .trueProbe
    default: return .failure(Denial(CommandReason.unknownProgram, w))
    }
    if w.contains("/") && (Paths.components(w) == nil) {
      return .failure(Denial(CommandReason.programPath, w))
    }
    inv.program = program
    inv.programWord = w
    inv.arguments = Array(words[(i + 1)...])
    return .success(inv)
  }

  /// The words from the program word on, once the prefixes `parse` applies
  /// itself are dropped (`nice -n 19 env LC_ALL=C /bin/tar -c` gives
  /// `/bin/tar -c`, `sh -c x` stays); nil when a prefix is refused. For the
  /// admin tools, which name the program of any request, refused ones too.
  public static func programAndArguments(_ words: [String]) -> ArraySlice<String>? {
    var scratch = Invocation(program: .rsync, programWord: "", arguments: [])
    guard case .success(let i) = applyPrefixes(words, sudoWord: false, to: &scratch) else { return nil }
    return words[i...]
  }

  /// Applies the prefix words (locale assignments, env, nice, ionice, and in
  /// sudo mode one sudo word) to `inv`; the index of the first other word
  /// (`words.count` when there is none).
  static func applyPrefixes(_ words: [String], sudoWord: Bool, to inv: inout Invocation) -> Result<Int, Denial> {
    var sawSudo = false
    var i = 0
    var seenEnv = false
    var afterEnv = false
    while i < words.count {
      let w = words[i]
      if let eq = w.firstIndex(of: "="), isVariableName(w[..<eq]) {
        let name = String(w[..<eq])
        let value = String(w[w.index(after: eq)...])
        guard localeNames.contains(name) else { return .failure(Denial(CommandReason.envVariable, name)) }
        guard isLocaleValue(value) else { return .failure(Denial(CommandReason.localeValue, w)) }
        inv.locale.removeAll { $0.hasPrefix(name + "=") }
        inv.locale.append(w)
        i += 1
        continue
      }
      if afterEnv && w.hasPrefix("-") { return .failure(Denial(CommandReason.envOption, w)) }
      switch baseName(w) {
      case "env" where w == "env" || w == "/usr/bin/env" || w == "/bin/env":
        if seenEnv { return .failure(Denial(CommandReason.prefixRepeated, w)) }
        seenEnv = true
        afterEnv = true
        i += 1
        continue
      case "nice" where w == "nice" || w == "/usr/bin/nice" || w == "/bin/nice":
        if inv.nice != nil { return .failure(Denial(CommandReason.prefixRepeated, w)) }
        afterEnv = false
        switch parseNice(words, from: i + 1) {
        case .failure(let d): return .failure(d)
        case .success(let (value, next)):
          inv.nice = value
          i = next
        }
        continue
      case "ionice" where w == "ionice" || w == "/usr/bin/ionice" || w == "/bin/ionice":
        if inv.ioniceClass != nil { return .failure(Denial(CommandReason.prefixRepeated, w)) }
        afterEnv = false
        switch parseIonice(words, from: i + 1) {
        case .failure(let d): return .failure(d)
        case .success(let (cls, level, next)):
          inv.ioniceClass = cls
          inv.ioniceLevel = level
          i = next
        }
        continue
      default:
        break
      }
      if sudoWord && !sawSudo && (w == "sudo" || w == "/usr/bin/sudo") && i + 1 < words.count
        && !words[i + 1].hasPrefix("-")
      {
        sawSudo = true
        inv.words.remove(at: i)
        afterEnv = false
        i += 1
        continue
      }
      return .success(i)
    }
    return .success(i)
  }

  /// `nice`, `nice -n N`, `nice -nN`, `nice -N`: N from 0 to 19 (default 10).
  static func parseNice(_ words: [String], from i: Int) -> Result<(Int, Int), Denial> {
    guard i < words.count else { return .failure(Denial(CommandReason.niceValue, "nothing after nice")) }
    let w = words[i]
    var text: Substring
    var next = i + 1
    if w == "-n" {
      guard i + 1 < words.count else { return .failure(Denial(CommandReason.niceValue, w)) }
      text = Substring(words[i + 1])
      next = i + 2
    } else if w.hasPrefix("-n") {
      text = w.dropFirst(2)
    } else if w.hasPrefix("-") {
      text = w.dropFirst(1)
    } else {
      return .success((10, i))
    }
    guard let v = smallNumber(text), v <= 19 else { return .failure(Denial(CommandReason.niceValue, w)) }
    return .success((v, next))
  }

  /// `ionice -c 2|3 [-n 0..7]` (also `-c3`, `-n7`); never class 1 (realtime).
  static func parseIonice(_ words: [String], from start: Int) -> Result<(Int, Int?, Int), Denial> {
    var cls: Int? = nil
    var level: Int? = nil
    var i = start
    while i < words.count, words[i].hasPrefix("-") {
      let w = words[i]
      let flag = w.prefix(2)
      var text = w.dropFirst(2)
      if text.isEmpty {
        guard i + 1 < words.count else { return .failure(Denial(CommandReason.ioniceValue, w)) }
        text = Substring(words[i + 1])
        i += 1
      }
      i += 1
      guard let v = smallNumber(text) else { return .failure(Denial(CommandReason.ioniceValue, w)) }
      switch flag {
      case "-c" where cls == nil:
        if v == 1 { return .failure(Denial(CommandReason.ioniceRealtime, w)) }
        guard v == 2 || v == 3 else { return .failure(Denial(CommandReason.ioniceValue, w)) }
        cls = v
      case "-n" where level == nil:
        guard v <= 7 else { return .failure(Denial(CommandReason.ioniceValue, w)) }
        level = v
      default:
        return .failure(Denial(CommandReason.ioniceValue, w))
      }
    }
    // `ionice -n N` alone means best-effort (class 2) at level N.
    guard cls != nil || level != nil else {
      return .failure(Denial(CommandReason.ioniceValue, "ionice without -c or -n"))
    }
    return .success((cls ?? 2, level, i))
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
