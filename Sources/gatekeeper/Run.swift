// The real call: forced command or argv mode. Decide, record, exec.

import CSystem
import GatekeeperCore
import Glibc

enum Run {
  static func run(_ options: Options) -> Never {
    let mode: Request.Mode = options.mode == .argv ? .argv : .forced
    var ctx = CallContext.fromEnvironment(mode: mode, label: options.label)
    var request = Request(mode: mode, label: options.label, client: IPAddress(ctx.client))
    request.sudoMode = options.sudo
    if mode == .forced {
      request.command = Sys.env("SSH_ORIGINAL_COMMAND") ?? Sys.env("SSH2_ORIGINAL_COMMAND")
      ctx.command = request.command
    } else {
      // argv mode: each word must be valid UTF-8 as it arrives (refused once
      // the policy is loaded, so that the record follows its log settings).
      request.argv = options.rest.compactMap { String(validating: $0, as: UTF8.self) }
      ctx.argvWords = options.rest.map { String(decoding: $0, as: UTF8.self) }
    }

    var warnings: [String] = []
    let policy: Policy
    switch PolicyFile.load(options.policy, strict: true, warnings: &warnings) {
    case .success(let p): policy = p
    case .failure(let f):
      let r = ctx.record(decision: "error", reason: f.reason.rawValue, detail: f.message, rule: "", argv: [])
      Audit.writeSyslog(r, settings: LogSettings())
      fail(f.reason.message + ": " + f.message, f.reason.exitCode)
    }

    if request.argv.count != options.rest.count {
      refuse(Denial(TokenReason.invalidUTF8, "in an argument"), rule: nil, ctx: ctx, log: policy.log)
    }
    var decision = Gatekeeper.decide(request, policy: policy, lookup: Sys.lookup)
    // In sudo mode the gatekeeper that sudo runs reads the secluded block.
    if case .allow(let allowed) = decision, allowed.plan.needsSecludedBlock, !options.sudo {
      switch readSecludedBlock() {
      case .success(let block):
        ctx.secluded = block
        decision = Gatekeeper.decideSecluded(
          allowed, block: block, request: request, policy: policy, lookup: Sys.lookup)
      case .failure(let d):
        decision = .deny(d, rule: allowed.rule)
      }
    }

    switch decision {
    case .probe:
      let r = ctx.record(
        decision: "allow", reason: Decision.probeReason, detail: "answered by gatekeeper; nothing ran", rule: "",
        argv: [])
      // The exit status says what the record says: a required audit file
      // that cannot be written turns the probe into a refusal.
      if let refused = Audit.emit(r, settings: policy.log) { fail(refused.message, refused.exitCode) }
      exit(0)
    case .deny(let d, let rule) where options.sudo:
      // The backup account cannot write root's audit file: a refusal it can
      // still put into words is handed to root too, which decides (refuses)
      // again and records it where the policy says.
      let words = request.command.flatMap { try? Tokenizer.words($0).get() } ?? []
      if words.isEmpty { refuse(d, rule: rule, ctx: ctx, log: policy.log, policyPath: options.policy) }
      let r = ctx.record(
        decision: "deny", reason: d.code, detail: d.detail + "; handed to sudo to be recorded",
        rule: rule.map { "\(options.policy):\($0.line)" } ?? "", argv: [])
      var settings = policy.log
      settings.fileRequired = false
      Audit.emit(r, settings: settings)
      execSudo(words, options: options, ctx: ctx, policy: policy, ruleRef: r.rule)
    case .deny(let d, let rule):
      refuse(d, rule: rule, ctx: ctx, log: policy.log, policyPath: options.policy)
    case .allow(let allowed) where options.sudo:
      handToSudo(allowed, options: options, ctx: ctx, policy: policy)
    case .allow(let allowed):
      let ruleRef = "\(options.policy):\(allowed.rule.line)"
      let program: Launch.Program
      switch Launch.open(allowed.rule.exec) {
      case .success(let p): program = p
      case .failure(let p):
        let r = ctx.record(decision: "error", reason: p.reason.rawValue, detail: p.why, rule: ruleRef, argv: [])
        Audit.emit(r, settings: policy.log)
        fail("\(p.reason.message): \(allowed.rule.exec)", p.reason.exitCode)
      }
      let confine: Confine.Plan
      switch Confine.plan(allowed.rule, mode: policy.confine) {
      case .success(let p): confine = p
      case .failure(let e):
        let reason = RuntimeReason.confineUnavailable
        let r = ctx.record(decision: "error", reason: reason.rawValue, detail: e.why, rule: ruleRef, argv: [])
        Audit.emit(r, settings: policy.log)
        fail("\(reason.message): \(e.why)", reason.exitCode)
      }
      var r = ctx.record(
        decision: "allow", reason: "allowed", detail: allowed.rule.profile.rawValue, rule: ruleRef,
        argv: allowed.argv)
      r.confine = confine.summary
      if let refused = Audit.emit(r, settings: policy.log) { fail(refused.message, refused.exitCode) }
      let (reason, why) = Launch.exec(allowed, program: program, confine: confine.fd)
      let e = ctx.record(
        decision: "error", reason: reason.rawValue, detail: "\(allowed.rule.exec): \(why)", rule: ruleRef,
        argv: allowed.argv)
      Audit.writeSyslog(e, settings: policy.log)
      fail("\(reason.message): \(why)", reason.exitCode)
    }
  }

  /// sudo mode: the request passed this (unprivileged) check; run
  /// `sudo -n GATEKEEPER --policy P [--label L] -- WORDS...`, where the
  /// gatekeeper that sudo starts as root decides again and execs the tool.
  /// The file log is best effort here: the root instance's record counts.
  static func handToSudo(_ allowed: Allowed, options: Options, ctx: CallContext, policy: Policy) -> Never {
    let ruleRef = "\(options.policy):\(allowed.rule.line)"
    let r = ctx.record(
      decision: "allow", reason: "sudo", detail: "validated; handed to sudo", rule: ruleRef,
      argv: sudoArgv(allowed.invocation.words, options: options))
    var settings = policy.log
    settings.fileRequired = false
    Audit.emit(r, settings: settings)
    execSudo(allowed.invocation.words, options: options, ctx: ctx, policy: policy, ruleRef: ruleRef)
  }

  /// `sudo -n GATEKEEPER --policy P [--label L] -- WORDS...`: exactly the
  /// prefix the sudoers snippet names.
  static func sudoArgv(_ words: [String], options: Options) -> [String] {
    var argv = [Launch.sudo, "-n", Launch.selfPath(), "--policy", options.policy]
    if let label = options.label { argv += ["--label", label] }
    return argv + ["--"] + words
  }

  static func execSudo(_ words: [String], options: Options, ctx: CallContext, policy: Policy, ruleRef: String)
    -> Never
  {
    let argv = sudoArgv(words, options: options)
    let why = Launch.execSudo(argv)
    var e = ctx.record(decision: "error", reason: RuntimeReason.execFailed.rawValue, detail: why, rule: ruleRef, argv: argv)
    e.secluded = nil
    Audit.writeSyslog(e, settings: policy.log)
    fail("\(RuntimeReason.execFailed.message): \(Launch.sudo): \(why)", RuntimeReason.execFailed.exitCode)
  }

  static func refuse(_ d: Denial, rule: Rule?, ctx: CallContext, log: LogSettings, policyPath: String = "") -> Never {
    let r = ctx.record(
      decision: "deny", reason: d.code, detail: d.detail, rule: rule.map { "\(policyPath):\($0.line)" } ?? "",
      argv: [])
    Audit.emit(r, settings: log)
    fail("denied (\(d.code)): \(d.message)", 1)
  }

  /// Reads rsync's secluded argument block from stdin one byte at a time, so
  /// nothing after the block (the rsync protocol) is consumed. The wait is
  /// bounded (SecludedBlock.timeoutSeconds) and a hang-up or termination
  /// signal ends it; either way the caller records the refusal.
  static func readSecludedBlock() -> Result<[String], Denial> {
    var reader = SecludedBlock()
    let deadline = Sys.nowMillis() + Int64(SecludedBlock.timeoutSeconds) * 1000
    gk_catch_signals()
    defer { gk_release_signals() }
    while true {
      if let name = signalName(gk_caught_signal()) { return .failure(reader.interrupted(by: name)) }
      let left = deadline - Sys.nowMillis()
      if left <= 0 { return .failure(reader.timedOut()) }
      let ready = gk_wait_readable(0, Int32(min(left, 60_000)))
      if ready < 0 && errno == EINTR { continue }
      if ready == 0 { continue }
      guard let b = Sys.readByte(0, retry: false) else { return .failure(reader.endOfInput()) }
      if b == -2 { continue }  // EINTR: the signal is looked at above
      if b < 0 { return .failure(Denial(RuntimeReason.stdinUnreadable, Sys.errorText(errno))) }
      switch reader.feed(UInt8(b)) {
      case .more: continue
      case .done(let block): return .success(block)
      case .failed(let d): return .failure(d)
      }
    }
  }

  static func signalName(_ sig: Int32) -> String? {
    switch sig {
    case 0: nil
    case SIGHUP: "SIGHUP"
    case SIGINT: "SIGINT"
    case SIGPIPE: "SIGPIPE"
    case SIGTERM: "SIGTERM"
    default: "signal \(sig)"
    }
  }
}
