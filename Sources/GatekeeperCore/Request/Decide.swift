// The one decision: a request and a policy in, allow or deny out. Pure: no
// I/O, no clock, no environment. The executable gathers the request, the
// `check` subcommand prints the decision, and nothing else decides.

public struct Request: Equatable, Sendable {
  public enum Mode: String, Sendable {
    /// SSH forced command: the command arrives as one string.
    case forced
    /// argv mode (`gatekeeper -- CMD ARG...`), e.g. as a sudo target.
    case argv
  }
  public var mode: Mode
  /// forced mode: the raw bytes of SSH_ORIGINAL_COMMAND; nil when unset
  /// (an interactive login).
  public var command: [UInt8]?
  /// argv mode: the words after `--`.
  public var argv: [String]
  /// `--label NAME`, if given.
  public var label: String?
  /// The client's address (SSH_CONNECTION or `check --from`), if known.
  public var client: IPAddress?
  /// sudo mode (`--sudo`): a `sudo` word before the program is accepted.
  public var sudoMode = false

  public init(
    mode: Mode, command: [UInt8]? = nil, argv: [String] = [], label: String? = nil, client: IPAddress? = nil
  ) {
    self.mode = mode
    self.command = command
    self.argv = argv
    self.label = label
    self.client = client
  }

  /// A forced-mode request from a command string.
  public static func forced(_ command: String, label: String? = nil, client: IPAddress? = nil) -> Request {
    Request(mode: .forced, command: Array(command.utf8), label: label, client: client)
  }
}

public struct Allowed: Equatable, Sendable {
  public var rule: Rule
  public var invocation: Invocation
  public var plan: ToolPlan
  /// Symbolic links the request's paths pass through that stay inside the
  /// roots (for `check`), from PathResolver.judge.
  public var links: [String] = []
  /// The exact argv that runs: the policy's program, then the rebuilt arguments.
  public var argv: [String] { [rule.exec] + plan.arguments }
}

public enum Decision: Equatable, Sendable {
  case allow(Allowed)
  /// rsbackup's bare `true` probe: succeed without running anything.
  case probe
  /// `rule` is the rule whose check refused, if a rule applied at all.
  case deny(Denial, rule: Rule?)

  /// The audit record's reason for a `.probe` (an allowed call: not a
  /// ReasonCode, which names refusals).
  public static let probeReason = "true-probe"

  public var isAllowed: Bool {
    if case .deny = self { return false }
    return true
  }
}

public enum Gatekeeper {
  /// Asks the file system what is at a path (see PathResolver). Without
  /// one, paths are judged by their spelling alone.
  public typealias Lookup = ([UInt8]) -> FileNode

  /// Decides a request under a policy. With `lookup`, a rule also refuses
  /// a path that a symbolic link leads out of its roots.
  public static func decide(_ request: Request, policy: Policy, lookup: Lookup? = nil) -> Decision {
    let words: [String]
    switch request.mode {
    case .forced:
      guard let command = request.command else {
        return .deny(Denial(CommandReason.noCommand), rule: nil)
      }
      switch Tokenizer.words(command) {
      case .failure(let d): return .deny(d, rule: nil)
      case .success(let w): words = w
      }
    case .argv:
      if request.argv.isEmpty { return .deny(Denial(TokenReason.emptyCommand), rule: nil) }
      for w in request.argv {
        if let d = Tokenizer.checkWord(w) { return .deny(d, rule: nil) }
      }
      words = request.argv
    }
    let invocation: Invocation
    switch CommandParser.parse(words, sudoWord: request.sudoMode) {
    case .failure(let d): return .deny(d, rule: nil)
    case .success(let inv): invocation = inv
    }
    if invocation.program == .trueProbe { return .probe }
    // Parsed once for all the rules tried (see RsyncSender.Parses).
    var rsync = RsyncSender.Parses(commandLine: invocation.arguments)
    var tar: TarCreate.Parsed? = nil
    return evaluate(invocation, request: request, policy: policy, lookup: lookup) { rule in
      switch invocation.program {
      case .rsync: return rsync.check(scope: rule.scope)
      case .tar:
        let parsed = tar ?? TarCreate.Parsed(invocation.arguments)
        tar = parsed
        return parsed.check(scope: rule.scope)
      case .trueProbe: return .failure(Denial(CommandReason.unknownProgram))
      }
    }
  }

  /// Second step for rsync's secluded arguments: `allowed` came from
  /// `decide` with `plan.needsSecludedBlock`; `block` is what the client sent
  /// on stdin. The block is judged under the same rules, in the same order.
  public static func decideSecluded(
    _ allowed: Allowed, block: [String], request: Request, policy: Policy, lookup: Lookup? = nil
  ) -> Decision {
    let invocation = allowed.invocation
    var rsync = RsyncSender.Parses(commandLine: invocation.arguments, block: block)
    return evaluate(invocation, request: request, policy: policy, lookup: lookup) { rule in
      rsync.check(scope: rule.scope)
    }
  }

  /// Tries each rule that applies (profile, label, client address) in
  /// order; the first that allows wins. If none allows, the refusal of the
  /// first applicable rule is reported.
  static func evaluate(
    _ invocation: Invocation, request: Request, policy: Policy, lookup: Lookup?,
    check: (Rule) -> Result<ToolPlan, Denial>
  ) -> Decision {
    let profile: ProfileKind = invocation.program == .tar ? .tarCreate : .rsyncSender
    var firstDenial: (Denial, Rule)? = nil
    for rule in policy.rules where applies(rule, profile: profile, request: request) {
      var result = check(rule)
      var links: [String] = []
      if case .success(let plan) = result, let lookup, !plan.reads.isEmpty || plan.readsOverflow {
        switch PathResolver.judge(plan.reads, overflow: plan.readsOverflow, roots: rule.roots, lookup: lookup) {
        case .success(let notes): links = notes
        case .failure(let d): result = .failure(d)
        }
      }
      switch result {
      case .success(let plan):
        return .allow(Allowed(rule: rule, invocation: invocation, plan: plan, links: links))
      case .failure(let d):
        if firstDenial == nil { firstDenial = (d, rule) }
      }
    }
    if let (d, rule) = firstDenial { return .deny(d, rule: rule) }
    return .deny(Denial(CommandReason.noMatchingRule, "profile \(profile.rawValue)"), rule: nil)
  }

  /// A rule applies when its profile matches, its label (if any) equals the
  /// call's `--label`, and its `from=` networks (if any) contain the client.
  public static func applies(_ rule: Rule, profile: ProfileKind, request: Request) -> Bool {
    guard rule.profile == profile else { return false }
    if let label = rule.label, label != request.label { return false }
    if !rule.from.isEmpty {
      guard let client = request.client, rule.from.contains(where: { $0.contains(client) }) else { return false }
    }
    return true
  }
}
