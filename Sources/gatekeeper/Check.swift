// `gatekeeper check`: the real decision path, printed instead of executed.
// Never execs, never logs. Exit 0 allow, 1 deny, 64 usage, 78 policy.

import CSystem
import GatekeeperCore
import Glibc

enum Check {
  static func run(_ options: Options) -> Never {
    var warnings: [String] = []
    let loaded = PolicyFile.load(options.policy, strict: false, warnings: &warnings)
    for w in warnings { Sys.writeErr("gatekeeper: \(w)\n") }
    let policy: Policy
    switch loaded {
    case .success(let p): policy = p
    case .failure(let f):
      if f.lines.isEmpty { Sys.writeErr("gatekeeper: \(f.message)\n") }
      for line in f.lines { Sys.writeErr(line + "\n") }
      Sys.exit(f.reason.exitCode)
    }
    checkPrograms(policy, path: options.policy)
    if let problem = logProblem(policy.log) {
      Sys.writeErr(
        "gatekeeper: warning: \(problem) (a real call would refuse: log-unsafe\(policy.log.fileRequired ? "" : "; required=no: syslog only"))\n"
      )
    }
    if options.sudo && policy.log.syslogFacility == nil {
      // The backup account's gatekeeper hands refusals to root, except those
      // it cannot put into words; with syslog off they are recorded only if
      // that account can write the log file.
      Sys.writeErr(
        "gatekeeper: warning: with --sudo and 'log syslog=none', a refusal that cannot be handed to root"
          + " (no command, shell syntax, invalid UTF-8) is recorded nowhere unless the backup account"
          + " can write the log file: use 'log syslog=FACILITY'\n")
    }
    if options.examples { runExamples(policy, options: options) }
    guard let raw = options.rest.first else {
      Sys.writeOut("policy \(options.policy): ok, \(policy.rules.count) rule(s)\n")
      Sys.exit(.success)
    }
    var client: IPAddress? = nil
    if let from = options.from {
      guard let a = IPAddress(from) else { fail("--from '\(from)' is not an IP address", .usage) }
      client = a
    }
    var request = Request(mode: .forced, command: raw, label: options.label, client: client)
    request.sudoMode = options.sudo
    // Paths are resolved on this machine, as a real call would.
    var decision = Gatekeeper.decide(request, policy: policy, lookup: Sys.lookup)
    if case .allow(let allowed) = decision, allowed.plan.needsSecludedBlock {
      let block: Result<[String], Denial>
      if let text = options.secluded, text != "-" {
        block = Tokenizer.words(Array(text.utf8)).map { ["rsync"] + $0 }
      } else {
        block = Run.readSecludedBlock()
      }
      switch block {
      case .success(let b):
        decision = Gatekeeper.decideSecluded(allowed, block: b, request: request, policy: policy, lookup: Sys.lookup)
      case .failure(let d): decision = .deny(d, rule: allowed.rule)
      }
    }
    // The confinement a real call would get (the ruleset is built in the
    // kernel, as for a real call, then dropped).
    var confine: Confine.Plan? = nil
    if case .allow(let allowed) = decision {
      switch Confine.plan(allowed.rule, mode: policy.confine) {
      case .success(let p):
        if p.fd >= 0 { Sys.close(p.fd) }
        confine = p
      case .failure(let e):
        decision = .deny(Denial(RuntimeReason.confineUnavailable, e.why), rule: allowed.rule)
      }
    }
    Sys.writeOut(visibleLines(render(decision, policyPath: options.policy, confine: confine, mode: policy.confine)))
    Sys.exit(decision.isAllowed ? .success : .denied)
  }

  /// Every rule's program, judged as a real call judges it: an untrusted
  /// one (owner, mode, directories) is an error at its `exec=` (exit 78); a
  /// missing or non-executable one a warning (a real call fails 127/126).
  static func checkPrograms(_ policy: Policy, path: String) {
    var errors: [String] = []
    for rule in policy.rules {
      switch Launch.open(rule.exec) {
      case .success(let p): Sys.close(p.fd)
      case .failure(let p) where p.reason == .toolUnsafe:
        errors.append("\(path):\(rule.line):\(rule.execColumn): \(p.why)")
      case .failure(let p):
        Sys.writeErr("gatekeeper: warning: \(path):\(rule.line):\(rule.execColumn): \(p.why)\n")
      }
    }
    guard !errors.isEmpty else { return }
    for line in errors { Sys.writeErr(line + "\n") }
    Sys.exit(RuntimeReason.policyUnsafe.exitCode)
  }

  /// Why the audit file could not be trusted by a real call, judged as
  /// Audit.writeFile judges it but without creating it.
  static func logProblem(_ log: LogSettings) -> String? {
    guard let path = log.file else { return nil }
    switch Trust.open(path, flags: GK_O_PATH, followLinks: false, what: "log file") {
    case .success(let opened):
      Sys.close(opened.fd)
      return Trust.fileProblem(opened.st, what: "log file \(path)")
    case .failure(let f):
      // A missing file is created by the first call, if its directory is there.
      return f.onlyFileMissing ? nil : f.message
    }
  }

  /// `check --examples`: every `# expect` line of the policy file, decided
  /// for real. Exit 0 when all match (and there is at least one), else 1.
  static func runExamples(_ policy: Policy, options: Options) -> Never {
    guard case .success(let fd) = Sys.open(options.policy, O_RDONLY | O_CLOEXEC) else {
      fail("cannot read \(options.policy)", .config)
    }
    let bytes = Sys.readAll(fd, limit: PolicyParser.maxSize)
    Sys.close(fd)
    guard let bytes else { fail("cannot read \(options.policy)", .config) }
    let (examples, malformed) = PolicyExamples.parse(bytes)
    var failures = 0
    for line in malformed {
      Sys.writeOut("FAIL \(options.policy):\(line): malformed '# expect' line\n")
      failures += 1
    }
    for ex in examples {
      guard let request = ex.request else { continue }
      if let problem = ex.mismatch(Gatekeeper.decide(request, policy: policy)) {
        Sys.writeOut(DisplayText.visible("FAIL \(options.policy):\(ex.line): \(problem): \(ex.command)") + "\n")
        failures += 1
      } else {
        Sys.writeOut(
          DisplayText.visible("ok   \(options.policy):\(ex.line): \(ex.allow ? "allow" : "deny ") \(ex.command)") + "\n"
        )
      }
    }
    if examples.isEmpty && malformed.isEmpty {
      Sys.writeOut("FAIL \(options.policy): no '# expect allow|deny: COMMAND' lines\n")
      Sys.exit(.denied)
    }
    Sys.writeOut(
      "\(examples.count - (failures - malformed.count)) of \(examples.count + malformed.count) examples as expected\n")
    Sys.exit(failures == 0 ? .success : .denied)
  }

  /// Each line of `text` with control, bidi and separator characters made
  /// visible (DisplayText): the request's own text is shown, never obeyed.
  static func visibleLines(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { DisplayText.visible(String($0)) }
      .joined(separator: "\n")
  }

  /// First line `allow ...` or `deny CODE: message`; then details.
  static func render(
    _ decision: Decision, policyPath: String, confine: Confine.Plan?, mode: ConfineMode
  ) -> String {
    switch decision {
    case .probe:
      return "allow \(AllowReason.trueProbe.rawValue): \(AllowReason.trueProbe.message)\n"
    case .allow(let a):
      var out = "allow \(a.rule.profile.rawValue) (rule \(policyPath):\(a.rule.line))\n"
      out += Tokenizer.shellQuote(a.argv) + "\n"
      var with: [String] = a.invocation.locale
      if let n = a.invocation.nice { with.append("nice=\(n)") }
      if let c = a.invocation.ioniceClass {
        with.append("ionice=\(c)" + (a.invocation.ioniceLevel.map { ":\($0)" } ?? ""))
      }
      if !with.isEmpty { out += "with " + with.joined(separator: " ") + "\n" }
      for link in a.links { out += "symlink on this machine: \(link)\n" }
      if let confine {
        out += "confine \(confine.summary) (confine landlock=\(mode.rawValue))\n"
        for line in confine.ruleset?.describe() ?? [] { out += line + "\n" }
      }
      return out
    case .deny(let d, let rule):
      var out = "deny \(d.code): \(d.message)\n"
      if !d.detail.isEmpty { out += "detail: \(d.detail)\n" }
      if let rule { out += "rule: \(policyPath):\(rule.line)\n" }
      return out
    }
  }
}
