// A strict tokenizer for the small part of POSIX sh that backup clients
// really send: words separated by spaces, backslash escapes, single quotes,
// and double quotes without `$` or backquote. Anything the shell would give
// a meaning beyond "a literal word" is refused, never interpreted.
//
// The command is tokenized once; the words are validated and executed as
// they are (rebuilt by the profile), never joined and split again.

public enum TokenReason: String, ReasonCode {
  case emptyCommand = "empty-command"
  case commandTooLong = "command-too-long"
  case controlCharacter = "control-character"
  case invalidUTF8 = "invalid-utf8"
  case shellOperator = "shell-operator"
  case shellRedirection = "shell-redirection"
  case shellSubstitution = "shell-substitution"
  case shellGrouping = "shell-grouping"
  case shellComment = "shell-comment"
  case shellTilde = "shell-tilde"
  case shellGlob = "shell-glob"
  case unbalancedQuote = "unbalanced-quote"
  case trailingBackslash = "trailing-backslash"

  public var message: String {
    switch self {
    case .emptyCommand: "the command is empty"
    case .commandTooLong: "the command is longer than \(Tokenizer.maxLength) bytes"
    case .controlCharacter: "the command contains a control character"
    case .invalidUTF8: "the command is not valid UTF-8"
    case .shellOperator: "unquoted ';', '&' or '|' is shell syntax"
    case .shellRedirection: "unquoted '<' or '>' is a shell redirection"
    case .shellSubstitution: "'$' or '`' would be a shell substitution"
    case .shellGrouping: "unquoted '(', ')', '{' or '}' is shell syntax"
    case .shellComment: "a word starting with '#' is a shell comment"
    case .shellTilde: "a word starting with '~' would be expanded by a shell"
    case .shellGlob: "unquoted '*', '?' or '[' would be expanded by a shell"
    case .unbalancedQuote: "a quote is not closed"
    case .trailingBackslash: "the command ends with a backslash"
    }
  }
}

public enum Tokenizer {
  /// Longest command accepted, in bytes (sshd itself passes up to about 256 KiB).
  public static let maxLength = 131_072

  /// Splits `command` into words. Bytes, not characters: the input is checked
  /// for valid UTF-8 before anything else, so every word is a valid String.
  public static func words(_ command: [UInt8]) -> Result<[String], Denial> {
    Result { () throws(Denial) in try split(command) }
  }

  /// `words` inside the core: the words, or the first refusal.
  static func split(_ command: [UInt8]) throws(Denial) -> [String] {
    try checkBytes(command)
    var scanner = WordScanner(command)
    return try scanner.run()
  }

  /// What is refused before any word is read: the length, a control byte
  /// anywhere, invalid UTF-8.
  static func checkBytes(_ command: [UInt8]) throws(Denial) {
    if command.count > maxLength {
      throw Denial(TokenReason.commandTooLong, "\(command.count) bytes")
    }
    if let bad = firstControl(command) {
      throw Denial(TokenReason.controlCharacter, "byte 0x\(hex(command[bad])) at offset \(bad)")
    }
    guard String(validating: command, as: UTF8.self) != nil else {
      throw Denial(TokenReason.invalidUTF8)
    }
  }

  /// What an unquoted byte would mean to a shell beyond a literal
  /// character: every such byte is refused. `#` and `~` only matter at the
  /// start of a word.
  static func shellMeaning(_ c: UInt8, startsWord: Bool) -> TokenReason? {
    switch c {
    case UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "|"): .shellOperator
    case UInt8(ascii: "<"), UInt8(ascii: ">"): .shellRedirection
    case UInt8(ascii: "$"), UInt8(ascii: "`"): .shellSubstitution
    case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "{"), UInt8(ascii: "}"): .shellGrouping
    case UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "["): .shellGlob
    case UInt8(ascii: "#") where startsWord: .shellComment
    case UInt8(ascii: "~") where startsWord: .shellTilde
    default: nil
    }
  }

  /// Checks a word that did not come through the shell (argv mode, secluded
  /// rsync arguments): no control characters. Strings are valid UTF-8 already.
  static func checkWord(_ word: String) throws(Denial) {
    if let bad = firstControl(Array(word.utf8)) {
      throw Denial(TokenReason.controlCharacter, "byte 0x\(hex(Array(word.utf8)[bad])) in an argument")
    }
  }

  /// Index of the first byte below 0x20 or equal to 0x7f (newline, CR, tab,
  /// ESC, NUL, DEL...), or nil.
  public static func firstControl(_ bytes: [UInt8]) -> Int? {
    bytes.firstIndex { $0 < 0x20 || $0 == 0x7f }
  }

  static func sequenceLength(_ lead: UInt8) -> Int {
    switch lead {
    case 0xF0...: 4
    case 0xE0...: 3
    case 0xC0...: 2
    default: 1
    }
  }

  static func hex(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
  }

  /// Quotes words for a POSIX shell, for display and for feeding an allowed
  /// argv back through `check`: plain words stay as they are, others are
  /// single-quoted (a single quote becomes '\'' ).
  public static func shellQuote(_ words: [String]) -> String {
    words.map(quoteWord).joined(separator: " ")
  }

  static func quoteWord(_ w: String) -> String {
    if !w.isEmpty && w.utf8.allSatisfy({ plain($0) }) && w.utf8.first != UInt8(ascii: "~")
      && w.utf8.first != UInt8(ascii: "#")
    {
      return w
    }
    // Scalars, not Characters: a quote followed by a combining mark is one
    // Character that is not "'", and would be left unescaped.
    var out = "'"
    for scalar in w.unicodeScalars {
      if scalar == "'" { out += "'\\''" } else { out.unicodeScalars.append(scalar) }
    }
    return out + "'"
  }

  /// A byte that needs no quoting in a shell word (also sshd's and sudoers'
  /// plain words: `gatekeeper authorize` asks this too).
  public static func plain(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"):
      return true
    case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "="),
      UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "+"), UInt8(ascii: "@"), UInt8(ascii: "%"):
      return true
    default:
      return false
    }
  }
}

/// The tokenizer's walk over the bytes: the position, the word being
/// built and the words so far. Each quoting form has its own step.
struct WordScanner {
  let bytes: [UInt8]
  var i = 0
  var words: [String] = []
  var current: [UInt8] = []
  var inWord = false

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  mutating func run() throws(Denial) -> [String] {
    while i < bytes.count {
      let c = bytes[i]
      switch c {
      case UInt8(ascii: " "):
        endWord()
        i += 1
        continue
      case UInt8(ascii: "\\"): try escaped()
      case UInt8(ascii: "'"): try singleQuoted()
      case UInt8(ascii: "\""): try doubleQuoted()
      default:
        if let reason = Tokenizer.shellMeaning(c, startsWord: !inWord) { throw refusal(reason, at: i) }
        current.append(c)
        i += 1
      }
      inWord = true
    }
    endWord()
    if words.isEmpty { throw Denial(TokenReason.emptyCommand) }
    return words
  }

  func refusal(_ reason: TokenReason, at offset: Int) -> Denial {
    Denial(reason, "at offset \(offset)")
  }

  mutating func endWord() {
    guard inWord else { return }
    words.append(String(decoding: current, as: UTF8.self))
    current.removeAll(keepingCapacity: true)
    inWord = false
  }

  /// A backslash makes the next character (one whole UTF-8 sequence) literal.
  mutating func escaped() throws(Denial) {
    guard i + 1 < bytes.count else { throw refusal(.trailingBackslash, at: i) }
    let len = Tokenizer.sequenceLength(bytes[i + 1])
    current.append(contentsOf: bytes[(i + 1)..<min(bytes.count, i + 1 + len)])
    i += 1 + len
  }

  /// `'...'`: everything up to the next single quote is literal.
  mutating func singleQuoted() throws(Denial) {
    guard let end = bytes[(i + 1)...].firstIndex(of: UInt8(ascii: "'")) else {
      throw refusal(.unbalancedQuote, at: i)
    }
    current.append(contentsOf: bytes[(i + 1)..<end])
    i = end + 1
  }

  /// `"..."` without `$` or backquote; inside, a backslash escapes only
  /// `$` `` ` `` `"` and `\`.
  mutating func doubleQuoted() throws(Denial) {
    var j = i + 1
    while j < bytes.count {
      let d = bytes[j]
      if d == UInt8(ascii: "\"") {
        i = j + 1
        return
      }
      if d == UInt8(ascii: "$") || d == UInt8(ascii: "`") { throw refusal(.shellSubstitution, at: j) }
      if d == UInt8(ascii: "\\"), j + 1 < bytes.count {
        let e = bytes[j + 1]
        if e == UInt8(ascii: "$") || e == UInt8(ascii: "`") || e == UInt8(ascii: "\"") || e == UInt8(ascii: "\\") {
          current.append(e)
          j += 2
          continue
        }
      }
      current.append(d)
      j += 1
    }
    throw refusal(.unbalancedQuote, at: i)
  }
}
