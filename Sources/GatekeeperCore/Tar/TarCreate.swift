// The tar-create profile: parse a GNU tar 1.34/1.35 command line exactly as
// tar (argp + getopt_long, ARGP_IN_ORDER) does, allow only a read-only
// `tar -c` to stdout, and rebuild the argument list from the parse.
//
// Grammar, in tar's order of processing:
// - old style: a first word without a dash is a list of letters; each
//   becomes `-L`, and a letter that takes an argument takes the next unused
//   word (`tar cbf - 20` gives `-b -` and `-f 20`);
// - `--` ends the options; `-` alone and words without a dash are operands;
// - `--name[=value]`: exact names win, a unique prefix is an abbreviation
//   (refused here), optional arguments only with `=`;
// - `-abc` clusters: a letter taking an argument takes the rest of the word
//   or the next word (`-cfv -` makes `v` the archive);
// - options after operands are still options.
//
// The rebuilt list spells every option by its canonical long name with `=`
// (`--file=-`, `--directory=/etc`), in the original order, because `-C` and
// the matching options (`--anchored`, `--no-recursion`...) affect what comes
// after them. Operands stay in place; one that begins with `-` (or would be
// the first word, which tar would read as old-style letters) becomes
// `--add-file=NAME`, which tar handles exactly like an operand.

public enum TarReason: String, ReasonCode {
  case modeMissing = "tar-mode-missing"
  case modeNotCreate = "tar-mode-not-create"
  case archiveMissing = "tar-archive-missing"
  case archiveNotStdout = "tar-archive-not-stdout"
  case archiveRepeated = "tar-archive-repeated"
  case runsProgram = "tar-runs-program"
  case checkpoint = "tar-checkpoint"
  case multiVolume = "tar-multi-volume"
  case interactive = "tar-interactive"
  case writesFile = "tar-writes-file"
  case removesFiles = "tar-removes-files"
  case readsFile = "tar-reads-file"
  case dateFromFile = "tar-date-from-file"
  case atimeReplace = "tar-atime-replace"
  case incremental = "tar-incremental"
  case verify = "tar-verify"
  case notCreateOption = "tar-not-create-option"
  case followsSymlinks = "tar-follows-symlinks"
  case tagNotName = "tar-tag-not-a-name"
  case builtinOption = "tar-builtin-option"
  case unknownOption = "tar-unknown-option"
  case abbreviatedOption = "tar-abbreviated-option"
  case ambiguousOption = "tar-ambiguous-option"
  case missingArgument = "tar-missing-argument"
  case unexpectedArgument = "tar-unexpected-argument"
  case badRecordSize = "tar-bad-record-size"
  case badValue = "tar-bad-value"
  case dotDot = "tar-dot-dot"
  case outsideRoots = "tar-outside-roots"
  case relativePath = "tar-relative-path"

  public var message: String {
    switch self {
    case .modeMissing: "tar needs -c (create)"
    case .modeNotCreate: "only tar -c (create) is allowed"
    case .archiveMissing: "tar needs -f - (without it tar uses $TAPE or a tape device)"
    case .archiveNotStdout: "the tar archive must be -f - (standard output)"
    case .archiveRepeated: "only one -f is allowed"
    case .runsProgram: "this tar option runs a program"
    case .checkpoint: "tar checkpoints are refused (they drive --checkpoint-action)"
    case .multiVolume: "multi-volume tar prompts on stdin and can run a shell"
    case .interactive: "interactive tar reads answers from the terminal"
    case .writesFile: "this tar option writes or renames a file"
    case .removesFiles: "--remove-files deletes the archived files"
    case .readsFile: "this tar option reads a file named on the command line"
    case .dateFromFile:
      "this date names a file tar would read (/..., ./..., TZ=\"...\"); give a plain date"
    case .atimeReplace:
      "--atime-preserve rewrites access times; only --atime-preserve=system is allowed"
    case .incremental: "old GNU incremental mode is refused; use --newer"
    case .verify: "--verify (-W) rereads the archive; bsdtar reads -W as a long option"
    case .notCreateOption: "this tar option is for extracting or listing, not for -c"
    case .followsSymlinks: "this tar option follows symlinks out of the allowed roots"
    case .tagNotName: "a tag or ignore file must be a plain file name (no /, not . or ..)"
    case .builtinOption: "argp's built-in options (--help, --usage, --version...) are refused"
    case .unknownOption: "unknown tar option"
    case .abbreviatedOption: "abbreviated long options are refused"
    case .ambiguousOption: "ambiguous long option"
    case .missingArgument: "a tar option is missing its argument"
    case .unexpectedArgument: "this tar option takes no argument"
    case .badRecordSize: "blocking factor or record size out of range"
    case .badValue: "invalid value for a tar option"
    case .dotDot: "'..' is not allowed in tar paths"
    case .outsideRoots: "tar path outside the allowed roots"
    case .relativePath: "relative tar path without an absolute -C before it"
    }
  }
}

public enum TarCreate {
  /// Largest `-b` accepted: 4096 blocks, a 2 MiB record (tar's default is 20).
  public static let maxBlockingFactor = 4096

  /// `words` are the words after the program word, exactly as tokenized,
  /// e.g. `["-c","-v","-f","-","-C","/","--totals","."]`.
  public static func check(_ words: [String], scope: RuleScope) -> Result<ToolPlan, Denial> {
    Parsed(words).check(scope: scope)
  }

  /// One request parsed once for every rule tried (Gatekeeper.decide): the
  /// scan itself does not depend on the rule; what does (the roots, whether
  /// they are the whole tree) is reduced to a few checks in request order,
  /// judged per rule by `check(scope:)`, which returns exactly what a scan
  /// with that scope would.
  public struct Parsed {
    let arguments: [String]
    /// The rule-dependent checks, in request order (usually one or two: a
    /// chain of relative `-C` steps and relative operands below a directory
    /// already judged needs none).
    let checks: [TarCheck]
    /// What tar opens from the command line, the same for every rule whose
    /// roots are not the whole tree (see TarPaths).
    let reads: [ToolPath]
    let readsOverflow: Bool
    /// What the scan (or the final mode/archive check) refused, after the checks.
    let failure: Denial?

    public init(_ words: [String]) {
      var state = TarState()
      var failure: Denial? = nil
      do throws(Denial) {
        try scan(try expandOldStyle(words), into: &state)
        try state.finish()
      } catch {
        failure = error
      }
      var paths = TarPaths()
      for event in state.events { paths.add(event) }
      arguments = state.arguments
      checks = paths.checks
      reads = paths.reads
      readsOverflow = paths.readsOverflow
      self.failure = failure
    }

    public func check(scope: RuleScope) -> Result<ToolPlan, Denial> {
      Result { () throws(Denial) in try plan(scope: scope) }
    }

    /// `check` inside the core: the rule-dependent checks in request order,
    /// then the scan's own refusal, then the plan.
    func plan(scope: RuleScope) throws(Denial) -> ToolPlan {
      let whole = scope.isWholeTree
      if !whole {
        for check in checks { try check.judge(roots: scope.roots) }
      }
      if let failure { throw failure }
      var plan = ToolPlan(arguments: arguments, needsSecludedBlock: false, reads: whole ? [] : reads)
      plan.readsOverflow = !whole && readsOverflow
      return plan
    }
  }

  /// tar's own pre-pass: a first word without a leading dash is a list of
  /// letters; each letter becomes `-L` followed, if it takes an argument,
  /// by the next unused word. Only the first word is treated this way.
  static func expandOldStyle(_ words: [String]) throws(Denial) -> [String] {
    guard let first = words.first, first.utf8.first != dash else { return words }
    var out: [String] = []
    var next = 1
    for letter in first.utf8 {
      guard letter < 0x80 else { throw Denial(TarReason.unknownOption, first) }
      out.append("-" + String(UnicodeScalar(letter)))
      guard let option = TarOptions.option(letter: letter), option.argument != .none else {
        continue
      }
      guard next < words.count else {
        throw Denial(TarReason.missingArgument, "old-style \(String(UnicodeScalar(letter)))")
      }
      out.append(words[next])
      next += 1
    }
    return out + words[next...]
  }

  /// getopt_long over the (expanded) words, in order.
  static func scan(_ args: [String], into state: inout TarState) throws(Denial) {
    var i = 0
    while i < args.count {
      let word = args[i]
      i += 1
      let bytes = word.utf8
      if bytes.elementsEqual("--".utf8) {
        for operand in args[i...] { try state.operand(operand) }
        return
      }
      if bytes.count > 2, bytes.starts(with: "--".utf8) {
        try scanLong(word, args, &i, &state)
      } else if bytes.count > 1, bytes.first == dash {
        try scanCluster(word, args, &i, &state)
      } else {
        try state.operand(word)
      }
    }
  }

  private static func scanLong(
    _ word: String, _ args: [String], _ i: inout Int, _ state: inout TarState
  ) throws(Denial) {
    let body = word.utf8.dropFirst(2)
    let equals = body.firstIndex(of: UInt8(ascii: "="))
    let name = word[body.startIndex..<(equals ?? body.endIndex)]
    let attached = equals.map { String(word[word.utf8.index(after: $0)...]) }
    let option: TarOption
    switch TarOptions.lookup(long: name) {
    case .exact(let found): option = found
    case .unknown: throw Denial(TarReason.unknownOption, word)
    case .abbreviation(_, let meant):
      let reason = TarReason.abbreviatedOption
      throw Denial(
        code: reason.rawValue, message: "\(reason.message) (spell out --\(meant))", detail: word)
    case .ambiguous(let names):
      let reason = TarReason.ambiguousOption
      let list = names.map { "--" + $0 }.joined(separator: " ")
      throw Denial(
        code: reason.rawValue, message: "\(reason.message) (could be \(list))", detail: word)
    }
    var value = attached
    switch option.argument {
    case .none:
      if attached != nil { throw Denial(TarReason.unexpectedArgument, word) }
    case .optional:
      break
    case .required:
      if value == nil {
        guard i < args.count else { throw Denial(TarReason.missingArgument, word) }
        value = args[i]
        i += 1
      }
    }
    let shown = attached == nil ? value.map { "\(word) \($0)" } ?? word : word
    try state.option(option, value, shown: shown)
  }

  private static func scanCluster(
    _ word: String, _ args: [String], _ i: inout Int, _ state: inout TarState
  ) throws(Denial) {
    var at = word.utf8.index(after: word.utf8.startIndex)
    while at < word.utf8.endIndex {
      let letter = word.utf8[at]
      at = word.utf8.index(after: at)
      guard letter < 0x80, let option = TarOptions.option(letter: letter) else {
        throw Denial(TarReason.unknownOption, word)
      }
      if option.argument == .none {
        try state.option(option, nil, shown: word)
        continue
      }
      if at < word.utf8.endIndex {
        try state.option(option, String(word[at...]), shown: word)
      } else if option.argument == .required {
        guard i < args.count else { throw Denial(TarReason.missingArgument, word) }
        i += 1
        try state.option(option, args[i - 1], shown: "\(word) \(args[i - 1])")
      } else {
        try state.option(option, nil, shown: word)
      }
      return
    }
  }
}

private let dash = UInt8(ascii: "-")

/// What the scan has seen so far, and the rebuilt argument list.
/// What depends on the rule, in request order (see TarCreate.Parsed).
enum TarEvent {
  /// An option that follows symlinks: only when the roots are the whole tree.
  case wholeTreeOnly(shown: String)
  /// `-C DIR`, its `..`-free bytes.
  case enter([UInt8], shown: String)
  /// A file operand after tar's unquoting, `..`-free.
  case operand([UInt8], shown: String)
}

/// What the scan has seen so far, and the rebuilt argument list. Nothing
/// here depends on the rule: that is recorded in `events`.
struct TarState {
  private(set) var arguments: [String] = []
  private(set) var events: [TarEvent] = []
  private var creates = 0
  private var archives = 0
  /// tar unquotes file operands (`\\`, `\n`, `\NNN`...) unless `--no-unquote`
  /// is in effect; both options apply, in order, to the names after them.
  private var unquote = true

  /// Judges one option and appends its canonical spelling; `shown` is the
  /// option as the client wrote it, for the audit detail.
  mutating func option(_ option: TarOption, _ value: String?, shown: String) throws(Denial) {
    let value = try apply(option.rule, value, shown: shown)
    guard let name = option.names.first else {
      // Only -o has no long name (and no argument); it is kept as a letter.
      arguments.append("-" + String(UnicodeScalar(option.letter ?? UInt8(ascii: "?"))))
      return
    }
    arguments.append(value.map { "--\(name)=\($0)" } ?? "--\(name)")
  }

  /// What an option's rule does: a refusal, a change of state, or a check
  /// of its value (TarValues.problem). Returns the value to rebuild with.
  private mutating func apply(_ rule: TarRule, _ value: String?, shown: String) throws(Denial) -> String? {
    switch rule {
    case .allow: break
    case .unquote(let on): unquote = on
    case .deny(let reason): throw Denial(reason, shown)
    case .create: creates += 1
    case .archive:
      archives += 1
      guard archives == 1 else { throw Denial(TarReason.archiveRepeated, shown) }
      guard value?.utf8.elementsEqual("-".utf8) == true else {
        throw Denial(TarReason.archiveNotStdout, shown)
      }
    case .directory: try enter(value ?? "", shown)
    case .addFile: try checkOperand(value ?? "")
    case .atimePreserve:
      // Rebuilt as the full method name (`--atime-preserve=sys` is `=system`).
      guard let given = value else { throw Denial(TarReason.atimeReplace, shown) }
      switch TarValues.atimeMethod(given) {
      case "system": return "system"
      case "replace": throw Denial(TarReason.atimeReplace, shown)
      default: throw Denial(TarReason.badValue, shown)
      }
    case .wholeTreeOnly: events.append(.wholeTreeOnly(shown: shown))
    case .ignoreFile:
      if let reason = TarValues.problem(rule, value) { throw Denial(reason, shown) }
      events.append(.wholeTreeOnly(shown: shown))
    case .blocking, .recordSize, .date, .paxOption, .totals, .tagName:
      if let reason = TarValues.problem(rule, value) { throw Denial(reason, shown) }
    }
    return value
  }

  /// Judges one file operand and appends it in place.
  mutating func operand(_ name: String) throws(Denial) {
    try checkOperand(name)
    // A bare word never starts the list: tar would read it as old-style letters.
    if name.utf8.first == dash || arguments.isEmpty {
      arguments.append("--add-file=" + name)
    } else {
      arguments.append(name)
    }
  }

  /// Once every word was accepted: exactly one `-c` ... and one archive.
  func finish() throws(Denial) {
    guard creates > 0 else { throw Denial(TarReason.modeMissing) }
    guard archives == 1 else { throw Denial(TarReason.archiveMissing) }
  }

  /// `-C DIR`: DIR is relative to the previous `-C`. tar does not unquote it.
  private mutating func enter(_ dir: String, _ shown: String) throws(Denial) {
    let bytes = Array(dir.utf8)
    guard !TarValues.hasDotDot(bytes) else { throw Denial(TarReason.dotDot, shown) }
    events.append(.enter(bytes, shown: shown))
  }

  /// A file to archive: absolute, or relative to the current `-C`; judged
  /// as tar will see it, after unquoting (`\056\056` is `..`).
  private mutating func checkOperand(_ name: String) throws(Denial) {
    let bytes = unquote ? TarValues.unquoted(name) : Array(name.utf8)
    guard !TarValues.hasDotDot(bytes) else { throw Denial(TarReason.dotDot, name) }
    events.append(.operand(bytes, shown: name))
  }
}

/// A rule-dependent check, in request order. Every one passes when the
/// roots are the whole tree.
enum TarCheck {
  /// Refused unless the roots are the whole tree.
  case wholeTreeOnly(shown: String)
  /// A relative `-C` or operand before any absolute `-C`: refused unless the
  /// roots are the whole tree.
  case relative(shown: String)
  /// Refused unless the path is inside the roots (or they are the whole tree).
  case inside([UInt8], shown: String)

  /// The check under roots that are not the whole tree.
  func judge(roots: [String]) throws(Denial) {
    switch self {
    case .wholeTreeOnly(let shown): throw Denial(TarReason.followsSymlinks, shown)
    case .relative(let shown): throw Denial(TarReason.relativePath, shown)
    case .inside(let path, let shown):
      if !TarValues.isInside(path, roots: roots) { throw Denial(TarReason.outsideRoots, shown) }
    }
  }
}

/// The scan's events reduced, once, to the rule-dependent checks and the
/// paths tar will open (for the symlink check). A relative `-C` below a
/// directory already checked needs no check of its own (no `..`: it stays
/// inside), nor does a relative operand; the directory chain is built in
/// place, so a request of thousands of steps stays linear.
struct TarPaths {
  private(set) var checks: [TarCheck] = []
  /// The directory relative operands are resolved against: the last `-C`
  /// (relative ones joined to it); nil while it is the unknown login directory.
  private var directory: [UInt8]?
  /// The current directory has a check (its absolute `-C` was recorded).
  private var directoryChecked = false
  /// Its number of components (kept as it grows).
  private var directoryParts = 0
  /// Each operand, joined to its -C directory (whose links tar follows when
  /// it changes into it: they are not the last component; a -C with no
  /// operand after it reads nothing). A final link is archived as a link;
  /// -h, which follows it, is allowed only when the roots are the whole
  /// tree, where none of this is used.
  private(set) var reads: [ToolPath] = []
  private var readComponents = 0
  private(set) var readsOverflow = false

  mutating func add(_ event: TarEvent) {
    switch event {
    case .wholeTreeOnly(let shown): checks.append(.wholeTreeOnly(shown: shown))
    case .enter(let bytes, let shown): enter(bytes, shown)
    case .operand(let bytes, let shown): operand(bytes, shown)
    }
  }

  private mutating func enter(_ bytes: [UInt8], _ shown: String) {
    if bytes.first == slash {
      directory = bytes
      directoryParts = Paths.componentCount(bytes)
      checks.append(.inside(bytes, shown: shown))
      directoryChecked = true
    } else if directory != nil {
      // In place: a request of thousands of relative steps stays linear.
      directory!.append(slash)
      directory!.append(contentsOf: bytes)
      directoryParts += Paths.componentCount(bytes)
    } else {
      checks.append(.relative(shown: shown))
    }
  }

  private mutating func operand(_ bytes: [UInt8], _ name: String) {
    if bytes.first == slash {
      checks.append(.inside(bytes, shown: name))
      read(bytes)
      return
    }
    guard let current = directory, directoryChecked else {
      checks.append(.relative(shown: name))
      return
    }
    // The directory is judged inside the roots by its own check.
    if !readsOverflow && readComponents + directoryParts + Paths.componentCount(bytes) <= PathResolver.maxLookups {
      read(current + [slash] + bytes)
    } else {
      readsOverflow = true
    }
  }

  /// Records a path for the symlink check, until the check's budget is spent
  /// (then the plan says so and the check refuses without building more).
  private mutating func read(_ path: [UInt8]) {
    let n = Paths.componentCount(path)
    if readsOverflow || readComponents + n > PathResolver.maxLookups {
      readsOverflow = true
      return
    }
    readComponents += n
    reads.append(ToolPath(path, followsFinal: false))
  }
}

/// Value checks, byte by byte (never Unicode equivalence).
enum TarValues {
  /// What is wrong with the value of an option whose rule checks its value
  /// alone, or nil.
  static func problem(_ rule: TarRule, _ value: String?) -> TarReason? {
    let text = value ?? ""
    switch rule {
    case .blocking:
      guard let n = decimal(text), n >= 1, n <= TarCreate.maxBlockingFactor else { return .badRecordSize }
    case .recordSize:
      guard let n = size(text), n >= 512, n % 512 == 0, n <= TarCreate.maxBlockingFactor * 512 else {
        return .badRecordSize
      }
    case .date: if namesFile(text.utf8) { return .dateFromFile }
    case .paxOption: if paxNamesFile(text) { return .dateFromFile }
    case .totals: if let signal = value, !isTotalsSignal(signal) { return .badValue }
    case .tagName, .ignoreFile: if !isPlainName(text) { return .tagNotName }
    default: break
    }
    return nil
  }

  /// A plain decimal number (digits only, at most 9 of them).
  static func decimal(_ text: String) -> Int? {
    let bytes = Array(text.utf8)
    guard !bytes.isEmpty, bytes.count <= 9 else { return nil }
    var n = 0
    for b in bytes {
      guard b >= 0x30, b <= 0x39 else { return nil }
      n = n * 10 + Int(b - 0x30)
    }
    return n
  }

  /// `--record-size`: digits and at most one of tar's size suffixes
  /// (b=512, B/k/K=1024, c=1, w=2, m/M=1 MiB); larger ones exceed the cap.
  static func size(_ text: String) -> Int? {
    var bytes = Array(text.utf8)
    var scale = 1
    if let last = bytes.last, !(last >= 0x30 && last <= 0x39) {
      switch last {
      case UInt8(ascii: "b"): scale = 512
      case UInt8(ascii: "B"), UInt8(ascii: "k"), UInt8(ascii: "K"): scale = 1024
      case UInt8(ascii: "c"): scale = 1
      case UInt8(ascii: "w"): scale = 2
      case UInt8(ascii: "m"), UInt8(ascii: "M"): scale = 1024 * 1024
      default: return nil
      }
      bytes.removeLast()
    }
    guard let n = decimal(String(decoding: bytes, as: UTF8.self)) else { return nil }
    let (product, overflow) = n.multipliedReportingOverflow(by: scale)
    return overflow ? nil : product
  }

  /// tar's get_date_or_file: a value starting with `/` or `.` is a file
  /// whose modification time tar reads. A date may also carry `TZ="ZONE"`,
  /// which makes parse_datetime load that zone file (any path).
  static func namesFile<S: Sequence<UInt8>>(_ bytes: S) -> Bool {
    let text = Array(bytes)
    if text.first == slash || text.first == UInt8(ascii: ".") { return true }
    // parse_datetime matches `TZ="` without regard to case.
    let lower = text.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
    let tz = Array("tz=".utf8)
    return lower.indices.contains { lower[$0...].starts(with: tz) }
  }

  /// `--pax-option`: a `keyword=value` whose value (after spaces) is
  /// `{...}` goes through get_date_or_file.
  static func paxNamesFile(_ text: String) -> Bool {
    for segment in text.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
      guard let eq = segment.firstIndex(of: UInt8(ascii: "=")) else { continue }
      let value = segment[segment.index(after: eq)...].drop {
        $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D)
      }
      guard value.first == UInt8(ascii: "{"), value.last == UInt8(ascii: "}"), value.count >= 2
      else {
        continue
      }
      if namesFile(value.dropFirst().dropLast()) { return true }
    }
    return false
  }

  /// argmatch over `replace`/`system`: an exact name or a unique prefix.
  static func atimeMethod(_ text: String) -> String? {
    let given = Array(text.utf8)
    let methods = ["replace", "system"]
    if let exact = methods.first(where: { Array($0.utf8) == given }) { return exact }
    let prefixed = methods.filter { Array($0.utf8).starts(with: given) }
    return prefixed.count == 1 ? prefixed[0] : nil
  }

  /// `--totals=SIGNAL`: USR1, USR2, HUP, INT or QUIT, with or without `SIG`.
  static func isTotalsSignal(_ text: String) -> Bool {
    var bytes = Array(text.utf8)
    if bytes.starts(with: "SIG".utf8) { bytes.removeFirst(3) }
    return ["USR1", "USR2", "HUP", "INT", "QUIT"].contains { Array($0.utf8) == bytes }
  }

  /// A tag or ignore file name, opened in every directory tar visits. tar
  /// archives the tag file itself: `--exclude-tag=/etc/shadow` would add that
  /// file to the archive, `..` walks up out of the tree, `.` loops forever.
  static func isPlainName(_ name: String) -> Bool {
    !name.utf8.contains(slash) && !name.utf8.elementsEqual(".".utf8)
      && !name.utf8.elementsEqual("..".utf8)
  }

  static func hasDotDot(_ path: [UInt8]) -> Bool { Paths.hasDotDot(path) }

  static func isInside(_ path: [UInt8], roots: [String]) -> Bool { Paths.isInside(path, roots: roots) }

  /// tar's unquote_string (src/misc.c), which tar applies to every file
  /// operand by default: `\\ \a \b \f \n \r \t \v \?` and up to three octal
  /// digits; any other backslash stays. The name ends at a decoded NUL.
  static func unquoted(_ text: String) -> [UInt8] {
    let s = Array(text.utf8)
    var out: [UInt8] = []
    var i = 0
    while i < s.count {
      guard s[i] == backslash, i + 1 < s.count else {
        out.append(s[i])
        i += 1
        continue
      }
      let e = s[i + 1]
      i += 2
      switch e {
      case backslash: out.append(backslash)
      case UInt8(ascii: "a"): out.append(7)
      case UInt8(ascii: "b"): out.append(8)
      case UInt8(ascii: "f"): out.append(12)
      case UInt8(ascii: "n"): out.append(10)
      case UInt8(ascii: "r"): out.append(13)
      case UInt8(ascii: "t"): out.append(9)
      case UInt8(ascii: "v"): out.append(11)
      case UInt8(ascii: "?"): out.append(127)
      case UInt8(ascii: "0")...UInt8(ascii: "7"):
        var value = Int(e - 0x30)
        for _ in 0..<2 {
          guard i < s.count, s[i] >= 0x30, s[i] <= 0x37 else { break }
          value = value * 8 + Int(s[i] - 0x30)
          i += 1
        }
        out.append(UInt8(truncatingIfNeeded: value))
      default: out += [backslash, e]
      }
    }
    return Array(out.prefix { $0 != 0 })
  }
}

private let slash = UInt8(ascii: "/")
private let backslash = UInt8(ascii: "\\")
