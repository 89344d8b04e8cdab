// `gatekeeper learn`: from records (typically the denials of a new
// deployment), a proposed policy: one `allow` rule per (label, profile),
// `roots=` covering the paths seen, `from=` the clients seen, each rule
// preceded by comment lines with the evidence. Nothing is applied.
//
// Paths come from the argv of allowed records (what ran) and from the
// command of other records from its program word on (RequestWords: as the
// core's Tokenizer and CommandParser read it); then read simply:
// - rsync: the words after the first `.` word;
// - tar: operands, relative to the last `-C DIR` / `--directory=DIR`
//   (short clusters, old-style `czf - DIR` and long options as the core's
//   TarOptions table says they take a value, so values are never taken for
//   paths; `--add-file=NAME` is an operand).
// Rules are proposed from allowed records only (and errors after an allow,
// which carry an argv): their paths make `roots=`, their clients `from=`.
// Denials with reason no-matching-rule, rsync-outside-roots or
// tar-outside-roots are shown in comments, marked as refused, and never
// widen a rule: they are what a client asked for, which may be a probe
// (/etc/shadow, /root/.ssh). A kind of call that was never allowed gets no
// rule. Other denials (forbidden options, shell syntax, ...) are only
// counted in a comment.
// Relative paths are taken from `/` (gatekeeper's working directory);
// paths with `..` are left out. Roots: every requested path, paths inside
// another dropped, then two or more siblings under a parent other than `/`
// merged into that parent, repeated until nothing changes.

import GatekeeperCore

struct LearnGroup {
  var label = ""
  var profile: ProfileKind
  var counts = Counts()
  var clients: [String: Int] = [:]
  /// Clients of allowed calls only: what `from=` is made of.
  var allowedClients: [String: Int] = [:]
  var allowedNoClient = 0
  var paths: [String: Int] = [:]
  var refusedPaths: [String: Int] = [:]
  var execs: [String: Int] = [:]
  var reasons: [String: Int] = [:]
  var example = ""
  var noClient = 0
  var skippedPaths = 0
}

public struct Learner: RecordConsumer {
  var groups: [String: LearnGroup] = [:]
  var unmatched = 0
  var unmatchedExample = ""
  var unmatchedFirst = Int64.max
  var probes = 0
  var ignored: [String: Int] = [:]
  public var totals = Counts()
  /// Denials for where or who, not for what: their paths are shown as refused.
  static let scopeReasons: Set<String> = [
    CommandReason.noMatchingRule.rawValue, RsyncReason.outsideRoots.rawValue, TarReason.outsideRoots.rawValue,
  ]

  public init() {}

  public mutating func consume(_ v: RecordView) {
    let b = v.buffer
    let r = v.record
    totals.add(v.verdict, v.time)
    let reason = JSONText.string(b, r.reason)
    if reason == AllowReason.trueProbe.rawValue {
      probes += 1
      return
    }
    let argv = r.argv.map { RecordParser.strings(b, $0) } ?? []
    if argv.isEmpty && !(v.verdict == .deny && Learner.scopeReasons.contains(reason)) {
      ignored[reason.isEmpty ? "(no reason)" : reason, default: 0] += 1
      return
    }
    let command = r.command.map { JSONText.string(b, $0) } ?? ""
    // The program word first: what ran, or what the request asked for once
    // gatekeeper's own prefixes are dropped.
    let words: ArraySlice<String>
    var exec: String? = nil
    if !argv.isEmpty {
      words = argv[...]
      exec = argv[0]
    } else {
      words = RequestWords.of(Array(command.utf8)[...], limit: 512)
    }
    guard let first = words.first else { return unmatch(command, v.time) }
    // What ran is named by the record's detail (the profile) when allowed:
    // the policy's exec= may be any program.
    let named = argv.isEmpty ? nil : ProfileKind(rawValue: JSONText.string(b, r.detail))
    let program = CommandParser.baseName(first)
    let rest = words.dropFirst().map { Array($0.utf8) }
    let profile: ProfileKind
    var paths: [String]
    if named == .rsyncSender
      || (named == nil && program.hasPrefix("rsync") && rest.contains(Array("--server".utf8))
        && rest.contains(Array("--sender".utf8)))
    {
      profile = .rsyncSender
      paths = LearnPaths.rsync(rest)
    } else if named == .tarCreate || (named == nil && program.hasPrefix("tar")),
      let p = LearnPaths.tar(rest)
    {
      profile = .tarCreate
      paths = p
    } else {
      return unmatch(command, v.time)
    }
    if exec == nil || !(exec ?? "").hasPrefix("/") { exec = nil }
    let label = JSONText.string(b, r.label)
    let id = label + "\u{0}" + profile.rawValue
    var g = groups[id] ?? LearnGroup(label: label, profile: profile)
    if v.time < g.counts.first { g.example = command }
    g.counts.add(v.verdict, v.time)
    let client = JSONText.string(b, r.client)
    if client.isEmpty { g.noClient += 1 } else { g.clients[client, default: 0] += 1 }
    if !argv.isEmpty {
      if client.isEmpty { g.allowedNoClient += 1 } else { g.allowedClients[client, default: 0] += 1 }
    }
    if let exec { g.execs[exec, default: 0] += 1 }
    if v.verdict != .allow { g.reasons[reason, default: 0] += 1 }
    let before = paths.count
    paths = paths.compactMap(LearnPaths.normalize)
    g.skippedPaths += before - paths.count
    for p in paths {
      if argv.isEmpty { g.refusedPaths[p, default: 0] += 1 } else { g.paths[p, default: 0] += 1 }
    }
    groups[id] = g
  }

  mutating func unmatch(_ command: String, _ t: Int64) {
    unmatched += 1
    if t < unmatchedFirst {
      unmatchedFirst = t
      unmatchedExample = command
    }
  }

  static func list(_ d: [String: Int], limit: Int = 8) -> String {
    let items = d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
    var parts = items.prefix(limit).map { "\($0.key) (\($0.value))" }
    if items.count > limit { parts.append("... \(items.count - limit) more") }
    return parts.joined(separator: ", ")
  }

  /// Comment text: one line, escaped, capped.
  static func comment(_ s: String) -> String {
    "# " + Escape.fit(DisplayText.visible(s), 200) + "\n"
  }

  /// The proposed policy text.
  public func render() -> String {
    var out = "# gatekeeper learn: a proposed policy from \(totals.calls) records"
    if totals.calls > 0 { out += ", \(Time.iso(totals.first)) .. \(Time.iso(totals.last))" }
    out += "\n# Nothing has been applied. Review every rule before adding it to the policy.\n"
    out +=
      "# roots: the paths requested (siblings merged into their parent); from: the clients seen.\n"
    for g in groups.values.sorted(by: { ($0.label, $0.profile.rawValue) < ($1.label, $1.profile.rawValue) }) {
      let c = g.counts
      out += "\n"
      out += Learner.comment(
        "\(g.profile.rawValue)\(g.label.isEmpty ? "" : ", label \(g.label)"): \(c.calls) records (\(c.allowed) allowed, "
          + "\(c.denied) denied, \(c.errors) errors), first \(Time.iso(c.first)), last \(Time.iso(c.last))"
      )
      if !g.paths.isEmpty { out += Learner.comment("paths allowed: " + Learner.list(g.paths)) }
      if !g.refusedPaths.isEmpty {
        out += Learner.comment("paths refused: " + Learner.list(g.refusedPaths))
      }
      if g.skippedPaths > 0 {
        out += Learner.comment("left out: \(g.skippedPaths) paths with '..'")
      }
      out += Learner.comment("clients: " + (g.clients.isEmpty ? "(none)" : Learner.list(g.clients)))
      if !g.reasons.isEmpty {
        out += Learner.comment("denied or failed: " + Learner.list(g.reasons))
      }
      out += Learner.comment("e.g. " + g.example)
      if g.paths.isEmpty && g.allowedClients.isEmpty && g.allowedNoClient == 0 {
        out += Learner.comment(
          "no call of this kind was allowed: no rule proposed (refused paths are requests, not evidence)")
        continue
      }
      var rule = "allow \(g.profile.rawValue)"
      let defaultExec = g.profile.defaultExec
      let exec =
        g.execs.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
        ?? defaultExec
      rule += " exec=" + (LearnPaths.policySafe(exec) ? exec : defaultExec)
      let roots = LearnPaths.roots(Array(g.paths.keys))
      if roots.isEmpty {
        out += Learner.comment("no usable paths: roots= left at its default (/); narrow it by hand")
      } else {
        rule += " roots=" + roots.joined(separator: ",")
      }
      if !g.label.isEmpty {
        if LearnPaths.policySafe(g.label) {
          rule += " label=" + g.label
        } else {
          out += Learner.comment("label cannot be written in a policy; rule commented out")
          rule = "# " + rule
        }
      }
      let clients = g.allowedClients.keys.filter(LearnPaths.isAddress).sorted()
      if g.allowedNoClient > 0 {
        out += Learner.comment(
          "from= left out: \(g.allowedNoClient) allowed calls had no client address (local or sudo)")
      } else if clients.count < g.allowedClients.count {
        out += Learner.comment("from= left out: some client addresses are not IP addresses")
      } else if !clients.isEmpty {
        rule += " from=" + clients.joined(separator: ",")
      }
      out += rule + "\n"
    }
    if unmatched > 0 {
      out +=
        "\n"
        + Learner.comment(
          "\(unmatched) records are neither an rsync sender nor a tar create; no rule proposed")
      out += Learner.comment("e.g. " + unmatchedExample)
    }
    if !ignored.isEmpty {
      let n = ignored.values.reduce(0, +)
      out +=
        "\n"
        + Learner.comment(
          "\(n) records not learnt from (refused for what they ask, not where or who):")
      out += Learner.comment("  " + Learner.list(ignored, limit: 12))
    }
    if probes > 0 {
      out += "\n" + Learner.comment("\(probes) `true` probes (answered by gatekeeper) ignored")
    }
    return out
  }
}

enum LearnPaths {
  static func rsync(_ args: [[UInt8]]) -> [String] {
    guard let dot = args.firstIndex(of: [0x2e]) else { return [] }
    return args[(dot + 1)...].map { String(decoding: $0, as: UTF8.self) }
  }

  /// Operand paths of a tar create (nil when it is not a create). How each
  /// option takes its value comes from the core's table, as tar-create reads
  /// it: a value is never taken for a path, whatever option it follows.
  static func tar(_ args: [[UInt8]]) -> [String]? {
    var dir = "/"
    var paths: [String] = []
    var create = false
    var i = 0
    var options = true
    func apply(_ option: TarOption, _ value: [UInt8]?) {
      switch (option.rule, value) {
      case (.create, _): create = true
      case (.directory, let value?): dir = join(dir, String(decoding: value, as: UTF8.self))
      case (.addFile, let value?): paths.append(join(dir, String(decoding: value, as: UTF8.self)))
      default: break
      }
    }
    while i < args.count {
      let w = args[i]
      i += 1
      if options && w == [0x2d, 0x2d] {
        options = false
        continue
      }
      if options && w.count > 2 && w[0] == 0x2d && w[1] == 0x2d {
        let body = w.dropFirst(2)
        let equals = body.firstIndex(of: 0x3d)
        let name = String(decoding: body[..<(equals ?? body.endIndex)], as: UTF8.self)
        var value = equals.map { Array(body[($0 + 1)...]) }
        guard let option = tarOption(long: name) else { continue }
        if value == nil && option.argument == .required && i < args.count {
          value = args[i]
          i += 1
        }
        apply(option, value)
        continue
      }
      let oldStyle = i == 1 && !w.isEmpty && w[0] != 0x2d
      if options && ((w.count > 1 && w[0] == 0x2d) || oldStyle) {
        // Old style: each letter that takes a value takes the next word;
        // in a cluster, the rest of the word or else the next word.
        var k = oldStyle ? 0 : 1
        while k < w.count {
          let option = TarOptions.option(letter: w[k])
          k += 1
          guard let option else { continue }
          var value: [UInt8]? = nil
          if option.argument != .none {
            if !oldStyle && k < w.count {
              value = Array(w[k...])
              k = w.count
            } else if (oldStyle || option.argument == .required) && i < args.count {
              value = args[i]
              i += 1
            }
          }
          apply(option, value)
        }
        continue
      }
      paths.append(join(dir, String(decoding: w, as: UTF8.self)))
    }
    return create ? paths : nil
  }

  /// The row a long option names, resolved as tar resolves it (an exact
  /// name, or a prefix of one option only); nil when unknown or ambiguous.
  static func tarOption(long name: String) -> TarOption? {
    switch TarOptions.lookup(long: name) {
    case .exact(let option), .abbreviation(let option, _): option
    case .ambiguous, .unknown: nil
    }
  }

  static func join(_ dir: String, _ p: String) -> String {
    if p.hasPrefix("/") { return p }
    return dir.hasSuffix("/") ? dir + p : dir + "/" + p
  }

  /// Absolute, without `.` components or trailing `/`; nil with `..` or empty.
  static func normalize(_ p: String) -> String? {
    guard !p.isEmpty, let parts = Paths.components(join("/", p)) else { return nil }
    return "/" + parts.joined(separator: "/")
  }

  /// The parent of a normalized path (`/` for `/` itself).
  static func parent(_ p: String) -> String {
    guard let parts = Paths.components(p), !parts.isEmpty else { return "/" }
    return "/" + parts.dropLast().joined(separator: "/")
  }

  /// Can be written as a policy word (no white space, comma, `#`, control).
  static func policySafe(_ s: String) -> Bool {
    !s.isEmpty && s.first != "#"
      && !s.unicodeScalars.contains {
        $0.value <= 0x20 || $0 == "," || $0.value == 0x7f || DisplayText.isUnsafe($0.value)
      }
  }

  static func isAddress(_ s: String) -> Bool {
    !s.isEmpty && s.count <= 45
      && s.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." }
  }

  static func roots(_ paths: [String]) -> [String] {
    var set = Set(
      paths.map { p in
        var q = p
        while !policySafe(q) && q != "/" { q = parent(q) }
        return q
      })
    func prune() {
      let sorted = set.sorted { $0.count < $1.count }
      var kept: [String] = []
      for p in sorted where !Paths.isInside(p, roots: kept) { kept.append(p) }
      set = Set(kept)
    }
    prune()
    while true {
      var byParent: [String: Int] = [:]
      for p in set where p != "/" { byParent[parent(p), default: 0] += 1 }
      guard let merge = byParent.filter({ $0.key != "/" && $0.value >= 2 }).keys.sorted().first
      else { break }
      set = Set(set.filter { parent($0) != merge } + [merge])
      prune()
    }
    return set.sorted()
  }
}
