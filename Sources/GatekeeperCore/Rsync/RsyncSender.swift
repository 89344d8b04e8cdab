// The rsync-sender profile: `rsync --server --sender -CLUSTER [--long ...] . PATH...`
// checked word by word the way rsync's popt parser would read it, then
// rebuilt from what was validated (never forwarded).
//
// Grammar accepted (FACTS.md section 2, rsync 3.5.0 options.c):
//   --server --sender [-CLUSTER[eCAPS]] [OPTION...] . PATH...
// - Options are exact table names (RsyncOptions.swift); popt takes no
//   abbreviations and neither do we.
// - A value must be attached: `--timeout=600`, `-B2048`. popt would also
//   take it from the next word (`--timeout 600`), which could swallow the
//   `.`; no client sends that, so a detached value is refused.
// - A value-taking letter must start its own word (`-B2048`), never sit
//   behind other letters (`-logDtpT/tmp`).
// - `e` is accepted only in the first option word, as the capability string
//   that ends the cluster: `e` + (`.` | PROTO.SUB) + capability letters.
// - `--` from the client is refused (clients never send it); the rebuilt
//   argv always carries its own `--` before the `.`, so nothing after it can
//   be read as an option (verified with rsync 3.5.0).
// - Paths: absolute, no `..`, inside a root (component-wise), no `~` start,
//   no glob characters. rsync does not expand globs of argv paths (only of
//   secluded or daemon arguments) and no shell runs here, so `/etc/*` would
//   not mean what the client meant: refused rather than guessed at.
// - `-L`, `-k`, `--copy-unsafe-links` are allowed only when the roots are the
//   whole tree (`/`): inside narrower roots a followed link can leave them.

public enum RsyncReason: String, ReasonCode {
  case notServer = "rsync-not-server"
  case notSender = "rsync-not-sender"
  case daemon = "rsync-daemon"
  case remoteOption = "rsync-remote-option"
  case rsh = "rsync-rsh"
  case logFile = "rsync-log-file"
  case removeSource = "rsync-remove-source"
  case batch = "rsync-batch"
  case capability = "rsync-capability"
  case valueInCluster = "rsync-value-in-cluster"
  case splitValue = "rsync-split-value"
  case unwantedValue = "rsync-unwanted-value"
  case badValue = "rsync-bad-value"
  case abbreviation = "rsync-abbreviation"
  case unknownOption = "rsync-unknown-option"
  case followsLinks = "rsync-follows-links"
  case copyDevices = "rsync-copy-devices"
  case filesFrom = "rsync-files-from"
  case filter = "rsync-filter"
  case debug = "rsync-debug"
  case copyAs = "rsync-copy-as"
  case maxAllocZero = "rsync-max-alloc-zero"
  case insecureLinks = "rsync-insecure-links"
  case confineRoot = "rsync-confine-root"
  case confineRootSpans = "rsync-confine-root-spans"
  case earlyInput = "rsync-early-input"
  case receiverOnly = "rsync-receiver-only"
  case clientOnly = "rsync-client-only"
  case unneeded = "rsync-unneeded-option"
  case optionOrder = "rsync-option-order"
  case secludedWithArgs = "rsync-secluded-with-args"
  case secludedSpelling = "rsync-secluded-spelling"
  case secludedIconv = "rsync-secluded-iconv"
  case notSecluded = "rsync-not-secluded"
  case doubleDash = "rsync-double-dash"
  case optionAfterPaths = "rsync-option-after-paths"
  case noDot = "rsync-no-dot"
  case noPath = "rsync-no-path"
  case relativePath = "rsync-relative-path"
  case tilde = "rsync-tilde"
  case glob = "rsync-glob"
  case dotDot = "rsync-dot-dot"
  case outsideRoots = "rsync-outside-roots"
  case controlCharacter = "rsync-control-character"
  case blockTooLarge = "rsync-block-too-large"
  case blockNotRsync = "rsync-block-not-rsync"
  case blockTruncated = "rsync-block-truncated"
  case blockTimeout = "rsync-block-timeout"
  case blockInterrupted = "rsync-block-interrupted"
  case blockEncoding = "rsync-block-encoding"

  public var message: String {
    switch self {
    case .notServer: "rsync must be run as `rsync --server --sender ...`"
    case .notSender: "only rsync --sender (a pull) is allowed"
    case .daemon: "rsync daemon mode and its options are not allowed"
    case .remoteOption: "-M/--remote-option is not allowed"
    case .rsh: "-e/--rsh with a command is not allowed"
    case .logFile: "--log-file writes a file on the server"
    case .removeSource: "removing source files is not allowed"
    case .batch: "batch files are not allowed"
    case .capability: "malformed or repeated capability string (-e.FLAGS)"
    case .valueInCluster: "an option taking a value is hidden inside a cluster"
    case .splitValue: "an option value must be attached with '='"
    case .unwantedValue: "this option takes no value"
    case .badValue: "option value has an unexpected shape"
    case .abbreviation: "abbreviated rsync options are not accepted"
    case .unknownOption: "unknown rsync option"
    case .followsLinks: "following symlinks could read outside the allowed directories"
    case .copyDevices: "--copy-devices reads device contents"
    case .filesFrom: "--files-from may only read the list from the client (-)"
    case .filter: "filter rules are not accepted on the command line"
    case .debug: "--debug is not allowed"
    case .copyAs: "--copy-as is not allowed"
    case .maxAllocZero: "--max-alloc=0 disables the allocation limit"
    case .insecureLinks: "--insecure-links is not allowed"
    case .confineRoot: "--confine-root is chosen by the gatekeeper, not the client"
    case .confineRootSpans: "the paths lie under different roots, so one --confine-root cannot cover them"
    case .earlyInput: "--early-input is not allowed"
    case .receiverOnly: "this option only matters to a receiver"
    case .clientOnly: "this option is never sent to a server"
    case .unneeded: "a pull never sends this option"
    case .optionOrder: "an option turns off a letter that follows it"
    case .secludedWithArgs: "secluded arguments (-s) with arguments on the command line"
    case .secludedSpelling: "secluded arguments requested in a form clients never send"
    case .secludedIconv: "non-ASCII secluded paths cannot be passed with --iconv"
    case .notSecluded: "the command line does not ask for secluded arguments"
    case .doubleDash: "'--' is accepted only right before the '.'"
    case .optionAfterPaths: "options after the paths are not allowed"
    case .noDot: "the first argument after the options must be '.'"
    case .noPath: "no path to send"
    case .relativePath: "paths must be absolute"
    case .tilde: "'~' paths are not allowed"
    case .glob: "wildcards in paths are not allowed"
    case .dotDot: "'..' in paths is not allowed"
    case .outsideRoots: "path is outside the allowed directories"
    case .controlCharacter: "control character in an rsync argument"
    case .blockTooLarge: "secluded argument block too large"
    case .blockNotRsync: "secluded argument block does not start with 'rsync'"
    case .blockTruncated: "input ended inside the secluded argument block"
    case .blockTimeout: "the secluded argument block did not arrive in time"
    case .blockInterrupted: "a signal ended the wait for the secluded argument block"
    case .blockEncoding: "secluded argument is not valid UTF-8"
    }
  }
}

public enum RsyncSender {
  /// `words` are the words after the program word, exactly as tokenized (unescaped), e.g.
  /// ["--server","--sender","-logDtpre.iLsfxCIvu",".","/etc/"].
  /// With `-s` the plan has `needsSecludedBlock` set and its arguments are
  /// the rebuilt command line only (still with `s`): not runnable until
  /// `checkSecluded` has validated the block.
  public static func check(_ words: [String], scope: RuleScope) -> Result<ToolPlan, Denial> {
    var parses = Parses(commandLine: words)
    return parses.check(scope: scope)
  }

  /// After check() returned needsSecludedBlock == true: `commandLine` is the same words (with -s),
  /// `block` the strings read from stdin (see SecludedBlock). Validates the block with the SAME
  /// parser as command-line arguments and returns the plan to run: the cluster with `s` removed and
  /// the validated arguments on argv.
  public static func checkSecluded(commandLine: [String], block: [String], scope: RuleScope)
    -> Result<ToolPlan, Denial>
  {
    var parses = Parses(commandLine: commandLine, block: block)
    return parses.check(scope: scope)
  }

  /// One request checked against several rules (Gatekeeper.decide). The
  /// parse depends on a rule only through `RuleScope.isWholeTree` (whether
  /// `-L`/`-k` may follow links), so it runs at most twice per call however
  /// many rules are tried; the paths are judged per rule. `check(scope:)`
  /// returns exactly what `RsyncSender.check` (or `checkSecluded`, when a
  /// block is given) returns for that scope.
  public struct Parses {
    let commandLine: [String]
    let block: [String]?
    var narrow: Parsed? = nil
    var whole: Parsed? = nil
    /// What `finish` can reuse from one rule to the next.
    var cache = FinishCache()

    public init(commandLine: [String], block: [String]? = nil) {
      self.commandLine = commandLine
      self.block = block
    }

    public mutating func check(scope: RuleScope) -> Result<ToolPlan, Denial> {
      Result { () throws(Denial) in try plan(scope: scope) }
    }

    /// `check` inside the core: the plan for this rule, or its refusal.
    mutating func plan(scope: RuleScope) throws(Denial) -> ToolPlan {
      let wholeTree = scope.isWholeTree
      let parsed: Parsed
      if let done = wholeTree ? whole : narrow {
        parsed = done
      } else {
        parsed = Parsed(commandLine: commandLine, block: block, wholeTree: wholeTree)
        if wholeTree { whole = parsed } else { narrow = parsed }
      }
      let request = try parsed.outcome.get()
      if block == nil && request.secluded {
        return ToolPlan(arguments: request.rebuilt(paths: [], confine: nil), needsSecludedBlock: true)
      }
      return try finish(request, scope: scope, cache: &cache)
    }
  }

  /// The parts of `finish` that do not depend on the roots, kept across rules
  /// (a request of thousands of paths under a policy of a thousand rules).
  /// (Plain fields, no new generic containers: their runtime set-up would
  /// cost more than one rule's work on the per-call path.)
  struct FinishCache {
    var shaped = false
    /// The request's paths (the words after the `.`), copied once.
    var paths: [String] = []
    /// Rules whose roots judged the paths so far; from the second on, with
    /// many paths, through `index`.
    var rulesJudged = 0
    var index: PathIndex? = nil
    /// The first path with a problem that is not about the roots (its index,
    /// or the number of paths), and that problem.
    var firstShape = 0
    var firstShapeReason: RsyncReason? = nil
    /// The last plan built, for its --confine-root and whole-tree flag.
    var plan: ToolPlan? = nil
    var planConfine: String? = nil
    var planWhole = false
  }

  /// A request parsed for one kind of rule (whole tree or not), kept for
  /// the rules after it: the request to finish, or the refusal.
  struct Parsed {
    let outcome: Result<RsyncRequest, Denial>

    init(commandLine: [String], block: [String]?, wholeTree: Bool) {
      outcome = Result { () throws(Denial) in
        if let block {
          try Self.parseSecluded(commandLine, block: block, wholeTree: wholeTree)
        } else {
          try Self.parsePlain(commandLine, wholeTree: wholeTree)
        }
      }
    }

    private static func parsePlain(_ words: [String], wholeTree: Bool) throws(Denial) -> RsyncRequest {
      var request = RsyncRequest()
      try request.parseCommandLine(words, wholeTree: wholeTree)
      // With -s the command line carries only the cluster (and --iconv); a
      // letter that rebuilds as a long option (`-s0` is --from0) is not a
      // shape any client sends.
      if request.secluded, let extra = request.options.first(where: { !$0.hasPrefix("--iconv=") }) {
        throw Denial(RsyncReason.secludedWithArgs, clip(extra))
      }
      return request
    }

    private static func parseSecluded(_ commandLine: [String], block: [String], wholeTree: Bool)
      throws(Denial) -> RsyncRequest
    {
      var request = RsyncRequest()
      try request.parseCommandLine(commandLine, wholeTree: wholeTree)
      guard request.secluded else { throw Denial(RsyncReason.notSecluded) }
      guard block.first == "rsync" else { throw Denial(RsyncReason.blockNotRsync, clip(block.first ?? "")) }
      let rest = block.dropFirst()
      for word in rest where hasControl(word) { throw Denial(RsyncReason.controlCharacter, clip(word)) }
      try request.parseOptions(rest, firstCluster: nil, wholeTree: wholeTree)
      // Secluded strings were converted by the client for --iconv and would be
      // converted again by the server; on argv they are not. ASCII is the same
      // either way.
      if request.iconv, let word = request.positionals.first(where: { !$0.utf8.allSatisfy { $0 < 0x80 } }) {
        throw Denial(RsyncReason.secludedIconv, clip(word))
      }
      request.secluded = false
      return request
    }
  }

  /// The request's paths judged under one rule's scope, then the plan.
  private static func finish(_ request: RsyncRequest, scope: RuleScope, cache: inout FinishCache)
    throws(Denial) -> ToolPlan
  {
    try shapePaths(request.positionals, cache: &cache)
    try judgePaths(scope: scope, cache: &cache)
    let confine = try confinement(request, scope: scope, cache: cache)
    return plan(request, confine: confine, scope: scope, cache: &cache)
  }

  /// The `.` and at least one path after it; the paths are copied, and the
  /// first with a problem whatever the roots found, once per request.
  private static func shapePaths(_ positionals: [String], cache: inout FinishCache) throws(Denial) {
    guard positionals.first == "." else { throw Denial(RsyncReason.noDot, clip(positionals.first ?? "")) }
    guard positionals.count > 1 else { throw Denial(RsyncReason.noPath) }
    guard !cache.shaped else { return }
    cache.shaped = true
    cache.paths = Array(positionals.dropFirst())
    cache.firstShape = cache.paths.count
    for (i, path) in cache.paths.enumerated() {
      if let reason = shapeProblem(path) {
        cache.firstShape = i
        cache.firstShapeReason = reason
        return
      }
    }
  }

  /// In order: a path outside the roots before the first malformed one is
  /// what a path-by-path check reports first; then the malformed one.
  private static func judgePaths(scope: RuleScope, cache: inout FinishCache) throws(Denial) {
    let paths = cache.paths
    let judged = paths[..<cache.firstShape]
    cache.rulesJudged += 1
    if cache.rulesJudged > 1 && judged.count >= PathIndex.worthwhile {
      if cache.index == nil { cache.index = PathIndex(judged) }
    }
    if let index = cache.index {
      if let first = index.firstOutside(scope.roots) {
        throw Denial(RsyncReason.outsideRoots, clip(paths[first]))
      }
    } else {
      for path in judged where !Paths.isInside(path, roots: scope.roots) {
        throw Denial(RsyncReason.outsideRoots, clip(path))
      }
    }
    if let reason = cache.firstShapeReason { throw Denial(reason, clip(paths[cache.firstShape])) }
  }

  /// The `--confine-root` to add (nil for none). Never dropped: paths that
  /// no single root holds are refused. gatekeeper's own rebuilt shape may
  /// carry `--confine-root=R -- .`; it is accepted only when R is exactly
  /// the root gatekeeper would add itself.
  private static func confinement(_ request: RsyncRequest, scope: RuleScope, cache: FinishCache)
    throws(Denial) -> String?
  {
    var confine: String? = nil
    if scope.confineRoot && !scope.isWholeTree {
      guard let common = confinementRoot(cache.paths, roots: scope.roots, index: cache.index) else {
        throw Denial(RsyncReason.confineRootSpans, clip(cache.paths.joined(separator: " ")))
      }
      confine = common
    }
    if let asked = request.confineRoot, asked != confine {
      throw Denial(RsyncReason.confineRoot, clip("--confine-root=" + asked))
    }
    return confine
  }

  /// The rebuilt argv and, below narrow roots, the paths rsync opens for
  /// the symlink check. The sender opens each path; beyond `DIR/` and
  /// `DIR/.` it follows a final link for the base directory of
  /// --files-from (it changes into it). The last plan is reused while the
  /// confine root and the whole-tree flag stay the same.
  private static func plan(_ request: RsyncRequest, confine: String?, scope: RuleScope, cache: inout FinishCache)
    -> ToolPlan
  {
    let whole = scope.isWholeTree
    if let known = cache.plan, cache.planConfine == confine, cache.planWhole == whole { return known }
    let paths = cache.paths
    let filesFrom = request.options.contains { $0.hasPrefix("--files-from=") }
    var plan = ToolPlan(arguments: request.rebuilt(paths: paths, confine: confine))
    if !whole {
      // Built only up to the symlink check's budget (PathResolver.maxLookups).
      var parts = 0
      for path in paths {
        let bytes = Array(path.utf8)
        parts += Paths.componentCount(bytes)
        if parts > PathResolver.maxLookups {
          plan.readsOverflow = true
          break
        }
        plan.reads.append(ToolPath(bytes, followsFinal: filesFrom))
      }
    }
    cache.plan = plan
    cache.planConfine = confine
    cache.planWhole = whole
    return plan
  }

  /// What is wrong with a path whatever the roots.
  static func shapeProblem(_ path: String) -> RsyncReason? {
    if hasControl(path) { return .controlCharacter }
    if path.hasPrefix("-") { return .optionAfterPaths }
    if path.hasPrefix("~") { return .tilde }
    if path.utf8.contains(where: {
      $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[")
    }) {
      return .glob
    }
    if !path.hasPrefix("/") { return .relativePath }
    if Paths.hasDotDot(path) { return .dotDot }
    return nil
  }

  /// The narrowest root that contains every path, or nil when no single
  /// root does. (A common directory of paths under two roots that was
  /// itself inside a root would make that root contain them all, so there
  /// is no wider choice that stays inside the roots.) Never called for the
  /// whole tree: `--confine-root=/` would be a no-op.
  static func confinementRoot(_ paths: [String], roots: [String], index: PathIndex? = nil) -> String? {
    var best: (root: String, depth: Int)? = nil
    for root in roots
    where index?.holdsAll(root) ?? paths.allSatisfy({ Paths.isInside($0, roots: [root]) }) {
      let depth = Paths.components(root)?.count ?? 0
      if depth > (best?.depth ?? -1) { best = (root, depth) }
    }
    return best?.root
  }

  /// True when the word holds a Unicode control character, general
  /// category Cc: U+0000-U+001F and U+007F-U+009F (a set Unicode's stability
  /// policy fixes forever). Judged on the UTF-8 bytes, which are valid: the
  /// C1 controls U+0080-U+009F are the two bytes 0xC2 0x80-0x9F.
  static func hasControl(_ word: String) -> Bool {
    var afterC2 = false
    for byte in word.utf8 {
      if byte < 0x20 || byte == 0x7f || (afterC2 && (0x80...0x9f).contains(byte)) { return true }
      afterC2 = byte == 0xc2
    }
    return false
  }

  /// Untrusted text in a detail is capped at 200 characters. A text of at
  /// most 200 bytes has at most 200 characters: kept without counting.
  static func clip(_ text: some StringProtocol) -> String {
    if text.utf8.count <= 200 { return String(text) }
    return text.count > 200 ? String(text.prefix(200)) + "..." : String(text)
  }
}

/// What the parser gathered, ready to be rebuilt.
struct RsyncRequest {
  /// Repeat counts of the cluster letters (`-vv` is 2), one slot per
  /// letter of RsyncOption.clusterOrder, in that order.
  var letterCounts = [Int](repeating: 0, count: RsyncOption.clusterOrder.count)
  /// The capability string after `e`, without the `e` (`.iLsfxCIvu`).
  var capabilities: String? = nil
  /// `-s` in the first cluster: the real arguments follow on stdin.
  var secluded = false
  /// Long options in canonical `--name` / `--name=value` form, in order.
  var options: [String] = []
  /// `--confine-root=R` seen right before `-- .` (gatekeeper's own shape).
  var confineRoot: String? = nil
  var iconv = false
  /// Letters turned off by negations seen so far (see RsyncOption.negations).
  var negated: [Character] = []
  /// Everything from the first non-option word on.
  var positionals: [String] = []

  mutating func parseCommandLine(_ words: [String], wholeTree: Bool) throws(Denial) {
    guard words.first == "--server" else {
      throw Denial(RsyncReason.notServer, RsyncSender.clip(words.first ?? ""))
    }
    guard words.count > 1, words[1] == "--sender" else {
      let second = words.count > 1 ? words[1] : ""
      let name =
        second.hasPrefix("--") ? second.dropFirst(2).split(separator: "=", maxSplits: 1).first : nil
      if let name, RsyncOption.long(name)?.verdict == .deny(.daemon) {
        throw Denial(RsyncReason.daemon, RsyncSender.clip(second))
      }
      throw Denial(RsyncReason.notSender, RsyncSender.clip(second))
    }
    for word in words where RsyncSender.hasControl(word) {
      throw Denial(RsyncReason.controlCharacter, RsyncSender.clip(word))
    }
    // With -s the client stops after the cluster (and --iconv, which it
    // writes before the cut); popt on the server would ignore the rest.
    if words.count > 2, Self.asksSecluded(words[2]) {
      if let extra = words.dropFirst(3).first(where: { !$0.hasPrefix("--iconv=") }) {
        throw Denial(RsyncReason.secludedWithArgs, RsyncSender.clip(extra))
      }
    }
    try parseOptions(words.dropFirst(2), firstCluster: 2, wholeTree: wholeTree)
  }

  /// A short-option word whose letters (before any `e`) include `s`.
  static func asksSecluded(_ word: String) -> Bool {
    guard word.hasPrefix("-"), !word.hasPrefix("--") else { return false }
    return word.dropFirst().prefix { $0 != "e" }.contains("s")
  }

  /// Parses options until the first positional word; `firstCluster` is the
  /// index of the only word that may carry `s` and the capability string.
  mutating func parseOptions(_ words: ArraySlice<String>, firstCluster: Int?, wholeTree: Bool)
    throws(Denial)
  {
    var index = words.startIndex
    while index < words.endIndex {
      let word = words[index]
      if word == "--" {
        // Accepted only right before the `.`, the shape gatekeeper itself
        // builds, so an allowed argv fed back through `check` is allowed again.
        guard words.index(after: index) < words.endIndex, words[words.index(after: index)] == "." else {
          throw Denial(RsyncReason.doubleDash)
        }
        index = words.index(after: index)
        break
      }
      if !word.hasPrefix("-") || word == "-" { break }
      if confineRoot == nil, word.hasPrefix("--confine-root="), firstCluster != nil,
        words.index(index, offsetBy: 2, limitedBy: words.endIndex).map({ $0 < words.endIndex }) == true,
        words[words.index(after: index)] == "--", words[words.index(index, offsetBy: 2)] == "."
      {
        confineRoot = String(word.dropFirst("--confine-root=".count))
        index = words.index(after: index)
        continue
      }
      if word.hasPrefix("--") {
        let next = index + 1 < words.endIndex ? words[index + 1] : nil
        let tookNext = try parseLong(word, next: next, wholeTree: wholeTree)
        index += tookNext ? 2 : 1
        continue
      }
      try parseCluster(word, first: index == firstCluster, wholeTree: wholeTree)
      index += 1
    }
    positionals = Array(words[index...])
    for word in positionals.dropFirst() where word.hasPrefix("-") {
      throw Denial(RsyncReason.optionAfterPaths, RsyncSender.clip(word))
    }
  }

  /// One long option; `next` is the word after it. Returns whether the
  /// option took `next` as its value (only `--backup-dir DIR`, the one
  /// split value a pull client sends).
  private mutating func parseLong(_ word: String, next: String?, wholeTree: Bool) throws(Denial) -> Bool {
    let body = word.dropFirst(2)
    let name = body.prefix { $0 != "=" }
    let value: Substring? =
      name.endIndex < body.endIndex ? body[body.index(after: name.endIndex)...] : nil
    guard let row = RsyncOption.long(name)?.resolved else {
      let known = !name.isEmpty && RsyncOption.table.contains { $0.long?.hasPrefix(name) ?? false }
      throw Denial(known ? RsyncReason.abbreviation : .unknownOption, RsyncSender.clip(word))
    }
    if let reason = Self.refusal(row, wholeTree: wholeTree) { throw Denial(reason, RsyncSender.clip(word)) }
    guard row.argument != .none else {
      if value != nil { throw Denial(RsyncReason.unwantedValue, RsyncSender.clip(word)) }
      try add(row)
      return false
    }
    if let value {
      try add(row, value: value, word: word)
      return false
    }
    guard row.argument == .ignoredPath, let next else {
      throw Denial(RsyncReason.splitValue, RsyncSender.clip(word))
    }
    try add(row, value: next[...], word: word + " " + next)
    return true
  }

  private mutating func parseCluster(_ word: String, first: Bool, wholeTree: Bool) throws(Denial) {
    let letters = word.dropFirst()
    var index = letters.startIndex
    while index < letters.endIndex {
      let letter = letters[index]
      let rest = letters[letters.index(after: index)...]
      if letter == "e" {
        // popt takes the rest of the word (or the next word) as --rsh.
        if rest.isEmpty { throw Denial(RsyncReason.rsh, RsyncSender.clip(word)) }
        guard first, capabilities == nil, Self.isCapabilityString(rest) else {
          throw Denial(RsyncReason.capability, RsyncSender.clip(word))
        }
        capabilities = String(rest)
        return
      }
      if letter == "s" {
        guard first else { throw Denial(RsyncReason.secludedSpelling, RsyncSender.clip(word)) }
        secluded = true
        index = letters.index(after: index)
        continue
      }
      if letter == "=" { throw Denial(RsyncReason.unwantedValue, RsyncSender.clip(word)) }
      guard let row = RsyncOption.short(letter) else {
        throw Denial(RsyncReason.unknownOption, RsyncSender.clip(word))
      }
      if row.argument != .none {
        // A value-taking letter starts its own word and takes the rest of it.
        if index != letters.startIndex { throw Denial(RsyncReason.valueInCluster, RsyncSender.clip(word)) }
        if let reason = Self.refusal(row, wholeTree: wholeTree) {
          throw Denial(reason, Self.letterDetail(letter, word))
        }
        if rest.isEmpty { throw Denial(RsyncReason.splitValue, RsyncSender.clip(word)) }
        try add(row, value: rest, word: word)
        return
      }
      if let reason = Self.refusal(row, wholeTree: wholeTree) {
        throw Denial(reason, Self.letterDetail(letter, word))
      }
      try add(row)
      index = letters.index(after: index)
    }
  }

  /// A refused letter named on its own, then the word it came in:
  /// `-L in -lLogDtpre.iLsfxCIvu`.
  static func letterDetail(_ letter: Character, _ word: String) -> String {
    "-\(letter) in " + RsyncSender.clip(word)
  }

  /// The table's verdict for this request, nil when allowed.
  static func refusal(_ row: RsyncOption, wholeTree: Bool) -> RsyncReason? {
    switch row.verdict {
    case .allow, .same: return nil
    case .followsLinks: return wholeTree ? nil : .followsLinks
    case .deny(let reason): return reason
    }
  }

  /// Records an allowed option without a value.
  private mutating func add(_ row: RsyncOption) throws(Denial) {
    if let letter = row.short, let slot = RsyncOption.clusterOrder.firstIndex(of: letter) {
      if negated.contains(letter) { throw Denial(RsyncReason.optionOrder, String(letter)) }
      letterCounts[slot] += 1
      return
    }
    guard let long = row.long else { throw Denial(RsyncReason.unknownOption) }
    if let letter = RsyncOption.negation(long), !negated.contains(letter) { negated.append(letter) }
    options.append("--" + long)
  }

  /// Records an allowed option with its value after checking the value's shape.
  private mutating func add(_ row: RsyncOption, value: Substring, word: String) throws(Denial) {
    if let reason = row.argument.problem(with: value) { throw Denial(reason, RsyncSender.clip(word)) }
    guard let long = row.long else { throw Denial(RsyncReason.unknownOption) }
    if long == "iconv" { iconv = true }
    options.append("--\(long)=\(value)")
  }

  /// `.FLAGS` or `PROTO.SUB` followed by FLAGS, each a known capability
  /// letter at most once (rsync's maybe_add_e_option, compat.c).
  static func isCapabilityString(_ text: Substring) -> Bool {
    var rest = text.utf8[...]
    let digits = rest.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    rest = rest.dropFirst(digits.count)
    guard digits.count <= 3, rest.first == UInt8(ascii: "."), text.utf8.count <= 24 else {
      return false
    }
    rest = rest.dropFirst()
    if !digits.isEmpty {
      let sub = rest.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
      guard !sub.isEmpty, sub.count <= 3 else { return false }
      rest = rest.dropFirst(sub.count)
    }
    let known = Array("iLsfxCIvVu".utf8)
    var seen: UInt16 = 0  // bit i: known[i] was seen
    for byte in rest {
      guard let i = known.firstIndex(of: byte), seen & (1 << i) == 0 else { return false }
      seen |= 1 << i
    }
    return true
  }

  /// `--server --sender -CLUSTER --long... [--confine-root=R] -- . paths`
  func rebuilt(paths: [String], confine: String?) -> [String] {
    var cluster = ""
    for (slot, letter) in RsyncOption.clusterOrder.enumerated() {
      cluster += String(repeating: letter, count: letterCounts[slot])
    }
    if secluded { cluster = "s" + cluster }
    if let capabilities { cluster += "e" + capabilities }
    var out = ["--server", "--sender"]
    if !cluster.isEmpty { out.append("-" + cluster) }
    out += options
    if secluded { return out }
    if let confine { out.append("--confine-root=" + confine) }
    return out + ["--", "."] + paths
  }
}
