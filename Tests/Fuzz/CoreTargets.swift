// Fuzz targets for the tokenizer, the policy parser and the whole decision.

#if canImport(Glibc)
  import Glibc
#endif

enum FuzzTokenizer {
  static func run(_ bytes: [UInt8]) {
    let result = Tokenizer.words(bytes)
    invariant(result == Tokenizer.words(bytes), "tokenizer: two calls disagree")
    guard case .success(let words) = result else { return }
    invariant(!words.isEmpty, "tokenizer: success with no words")
    for word in words {
      invariant(Tokenizer.firstControl(Array(word.utf8)) == nil, "tokenizer: control character in \(word)")
    }
    // Quoting the words and tokenizing again gives the same words.
    let quoted = Array(Tokenizer.shellQuote(words).utf8)
    guard quoted.count <= Tokenizer.maxLength else { return }
    let back = Tokenizer.words(quoted)
    invariant(back == .success(words), "tokenizer: shellQuote round trip of \(words) gave \(back)")
  }
}

enum FuzzPolicy {
  static func run(_ bytes: [UInt8]) {
    let result = PolicyParser.parse(bytes)
    invariant(result == PolicyParser.parse(bytes), "policy: two calls disagree")
    let lineCount = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
    switch result {
    case .failure(let failure):
      invariant(!failure.errors.isEmpty, "policy: failure without errors")
      var previous = 0
      for e in failure.errors {
        invariant(e.line >= 1 && e.line <= max(lineCount, 1) && e.column >= 1, "policy: error position \(e)")
        invariant(e.line >= previous, "policy: errors out of line order")
        invariant(!e.message.isEmpty, "policy: empty error message")
        previous = e.line
      }
    case .success(let policy):
      var previous = 0
      for rule in policy.rules {
        invariant(rule.line > previous && rule.line <= lineCount, "policy: rule line \(rule.line)")
        previous = rule.line
        invariant(Paths.components(rule.exec) != nil && rule.exec != "/", "policy: exec \(rule.exec)")
        invariant(!rule.roots.isEmpty, "policy: rule without roots")
        for root in rule.roots {
          invariant(Paths.components(root) != nil, "policy: root \(root) not clean absolute")
          invariant(root == "/" || !root.hasSuffix("/"), "policy: root \(root) not normalized")
          invariant(Tokenizer.firstControl(Array(root.utf8)) == nil, "policy: control character in root")
        }
        if let label = rule.label { invariant(PolicyParser.isName(label), "policy: label \(label)") }
        invariant(!rule.confineRoot || rule.profile == .rsyncSender, "policy: confine-root on tar")
      }
      if let file = policy.log.file { invariant(Paths.components(file) != nil, "policy: log file \(file)") }
      if let facility = policy.log.syslogFacility {
        invariant(PolicyParser.facilities.contains(facility), "policy: facility \(facility)")
      }
      invariant(PolicyParser.isName(policy.log.syslogTag), "policy: tag \(policy.log.syslogTag)")
    }
  }
}

enum FuzzDecide {
  /// Fixed policies: the corpus's (narrow rsync, whole-tree tar), and one
  /// with narrow tar roots, confine-root, a whole-tree rsync fallback
  /// limited to a label and a network.
  static let policies: [Policy] = [
    """
    allow rsync-sender exec=/usr/bin/rsync roots=/etc,/home,/srv,/var/lib/backup
    allow tar-create exec=/bin/tar roots=/
    """,
    """
    allow rsync-sender roots=/etc,/home,/srv/www,/srv confine-root=yes
    allow tar-create roots=/etc,/home
    allow rsync-sender exec=/opt/rsync roots=/ label=full from=192.0.2.0/24
    allow tar-create exec=/bin/tar roots=/ label=full
    """,
  ].map { text in
    guard case .success(let p) = PolicyParser.parse(Array(text.utf8)) else { fatalError("fixed policy does not parse") }
    return p
  }

  static let requests: [(label: String?, client: IPAddress?)] = [
    (nil, nil), ("full", IPAddress("192.0.2.7")), ("full", IPAddress("198.51.100.1")),
  ]

  static func run(_ bytes: [UInt8]) {
    for policy in policies {
      for (label, client) in requests {
        var request = Request(mode: .forced, command: bytes, label: label, client: client)
        check(request, policy: policy)
        // The same bytes as argv words (sudo target shape), split on NUL.
        request = Request(mode: .argv, argv: nulWords(bytes), label: label, client: client)
        check(request, policy: policy)
      }
    }
  }

  static func check(_ request: Request, policy: Policy) {
    let decision = Gatekeeper.decide(request, policy: policy)
    invariant(decision == Gatekeeper.decide(request, policy: policy), "decide: two calls disagree")
    guard case .allow(let allowed) = decision else { return }
    let argv = allowed.argv
    invariant(argv.first == allowed.rule.exec, "decide: argv[0] \(argv.first ?? "") is not the rule's exec")
    let scope = allowed.rule.scope
    switch allowed.invocation.program {
    case .rsync:
      invariant(allowed.rule.profile == .rsyncSender, "decide: rsync allowed by a tar rule")
      ArgvInvariants.rsync(
        Array(argv.dropFirst()), scope: scope, secluded: allowed.plan.needsSecludedBlock, context: "decide")
    case .tar:
      invariant(allowed.rule.profile == .tarCreate, "decide: tar allowed by an rsync rule")
      ArgvInvariants.tar(Array(argv.dropFirst()), scope: scope, context: "decide")
    case .trueProbe:
      fatalError("INVARIANT VIOLATED: decide: the true probe came back as an allow")
    }
    // Idempotence: the argv that would run, shell-quoted and fed back as a
    // forced command, is allowed again with the identical argv.
    let quoted = Tokenizer.shellQuote(argv)
    var again = request
    again.mode = .forced
    again.command = Array(quoted.utf8)
    again.argv = []
    switch Gatekeeper.decide(again, policy: policy) {
    case .allow(let second):
      invariant(second.argv == argv, "decide: not idempotent: \(argv) came back as \(second.argv)")
      invariant(second.plan.needsSecludedBlock == allowed.plan.needsSecludedBlock, "decide: secluded flag changed")
    case let other:
      fatalError("INVARIANT VIOLATED: decide: the allowed argv \(quoted) is refused when fed back: \(other)")
    }
  }
}
