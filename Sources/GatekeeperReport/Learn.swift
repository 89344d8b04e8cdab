// `gatekeeper learn`: from records (typically the denials of a new
// deployment), a proposed policy: one `allow` rule per (label, profile),
// `roots=` covering the paths seen, `from=` the clients seen, each rule
// preceded by comment lines with the evidence. Nothing is applied.
//
// Paths come from the argv of allowed records (what ran) and from the
// command of other records, read simply:
// - rsync: the words after the first `.` word;
// - tar: operands, relative to the last `-C DIR` / `--directory=DIR`
//   (short clusters, old-style `czf - DIR` and long options that take a
//   value are followed, so values are never taken for paths).
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

struct LearnGroup {
  var label = ""
  var profile = ""
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
  static let scopeReasons: Set<String> = [
    "no-matching-rule", "rsync-outside-roots", "tar-outside-roots",
  ]

  public init() {}

  public mutating func consume(_ v: RecordView) {
    let b = v.buffer
    let r = v.record
    totals.add(v.verdict, v.time)
    let reason = JSONText.string(b, r.reason)
    if reason == "true-probe" {
      probes += 1
      return
    }
    let argv = r.argv.map { RecordParser.strings(b, $0) } ?? []
    if argv.isEmpty && !(v.verdict == .deny && Learner.scopeReasons.contains(reason)) {
      ignored[reason.isEmpty ? "(no reason)" : reason, default: 0] += 1
      return
    }
    let command = r.command.map { JSONText.string(b, $0) } ?? ""
    var words: [[UInt8]]
    var exec: String? = nil
    if !argv.isEmpty {
      words = argv.map { Array($0.utf8) }
      exec = argv[0]
    } else {
      words = Array(Words.dropPrefixes(Words.split(Array(command.utf8)[...])))
    }
    guard let first = words.first else { return unmatch(command, v.time) }
    // What ran is named by the record's detail (the profile) when allowed:
    // the policy's exec= may be any program.
    let named = argv.isEmpty ? "" : JSONText.string(b, r.detail)
    let detail = named == "rsync-sender" || named == "tar-create" ? named : ""
    let program = String(decoding: Words.basename(first), as: UTF8.self)
    let rest = Array(words.dropFirst())
    let profile: String
    var paths: [String]
    if detail == "rsync-sender"
      || (detail.isEmpty && program.hasPrefix("rsync") && rest.contains(Array("--server".utf8))
        && rest.contains(Array("--sender".utf8)))
    {
      profile = "rsync-sender"
      paths = LearnPaths.rsync(rest)
    } else if detail == "tar-create" || (detail.isEmpty && program.hasPrefix("tar")),
      let p = LearnPaths.tar(rest)
    {
      profile = "tar-create"
      paths = p
    } else {
      return unmatch(command, v.time)
    }
    if exec == nil || !(exec ?? "").hasPrefix("/") { exec = nil }
    let label = JSONText.string(b, r.label)
    let id = label + "\u{0}" + profile
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
    "# " + Escape.fit(Escape.terminal(s), 200) + "\n"
  }

  /// The proposed policy text.
  public func render() -> String {
    var out = "# gatekeeper learn: a proposed policy from \(totals.calls) records"
    if totals.calls > 0 { out += ", \(Time.iso(totals.first)) .. \(Time.iso(totals.last))" }
    out += "\n# Nothing has been applied. Review every rule before adding it to the policy.\n"
    out +=
      "# roots: the paths requested (siblings merged into their parent); from: the clients seen.\n"
    for g in groups.values.sorted(by: { ($0.label, $0.profile) < ($1.label, $1.profile) }) {
      let c = g.counts
      out += "\n"
      out += Learner.comment(
        "\(g.profile)\(g.label.isEmpty ? "" : ", label \(g.label)"): \(c.calls) records (\(c.allowed) allowed, "
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
        out += Learner.comment("no call of this kind was allowed: no rule proposed (refused paths are requests, not evidence)")
        continue
      }
      var rule = "allow \(g.profile)"
      let defaultExec = g.profile == "rsync-sender" ? "/usr/bin/rsync" : "/usr/bin/tar"
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

  /// GNU tar short options taking a value, and long ones that take the next
  /// word as their value when written without `=`.
  static let shortWithValue = Set("bCfFgHIKLNTVX".utf8)
  static let longWithValue: Set<String> = [
    "directory", "file", "exclude", "exclude-from", "files-from", "newer", "after-date",
    "newer-mtime",
    "listed-incremental", "label", "blocking-factor", "record-size", "use-compress-program",
    "transform", "xform",
    "owner", "group", "mode", "mtime", "format", "tape-length", "info-script", "new-volume-script",
    "volno-file",
    "rsh-command", "starting-file", "checkpoint-action", "exclude-tag", "exclude-tag-all",
    "exclude-tag-under",
    "exclude-ignore", "exclude-ignore-recursive", "suffix", "to-command", "index-file", "level",
    "quoting-style",
    "quote-chars", "no-quote-chars", "strip-components", "sort", "warning", "owner-map",
    "group-map",
  ]

  /// Operand paths of a tar create (nil when it is not a create).
  static func tar(_ args: [[UInt8]]) -> [String]? {
    var dir = "/"
    var paths: [String] = []
    var create = false
    var i = 0
    var options = true
    func setDir(_ d: [UInt8]) { dir = join(dir, String(decoding: d, as: UTF8.self)) }
    while i < args.count {
      let w = args[i]
      i += 1
      if options && w == [0x2d, 0x2d] {
        options = false
        continue
      }
      if options && w.count > 2 && w[0] == 0x2d && w[1] == 0x2d {
        let text = String(decoding: w.dropFirst(2), as: UTF8.self)
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        if name == "create" { create = true }
        var value: [UInt8]? = parts.count == 2 ? Array(parts[1].utf8) : nil
        if value == nil && longWithValue.contains(name) && i < args.count {
          value = args[i]
          i += 1
        }
        if name == "directory", let value { setDir(value) }
        continue
      }
      let oldStyle = i == 1 && !w.isEmpty && w[0] != 0x2d
      if options && ((w.count > 1 && w[0] == 0x2d) || oldStyle) {
        var k = oldStyle ? 0 : 1
        while k < w.count {
          let c = w[k]
          k += 1
          if c == UInt8(ascii: "c") { create = true }
          guard shortWithValue.contains(c) else { continue }
          var value: [UInt8]? = nil
          if !oldStyle && k < w.count {
            value = Array(w[k...])
            k = w.count
          } else if i < args.count {
            value = args[i]
            i += 1
          }
          if c == UInt8(ascii: "C"), let value { setDir(value) }
        }
        continue
      }
      paths.append(join(dir, String(decoding: w, as: UTF8.self)))
    }
    return create ? paths : nil
  }

  static func join(_ dir: String, _ p: String) -> String {
    if p.hasPrefix("/") { return p }
    return dir.hasSuffix("/") ? dir + p : dir + "/" + p
  }

  /// Absolute, without `.` components or trailing `/`; nil with `..` or empty.
  static func normalize(_ p: String) -> String? {
    guard !p.isEmpty else { return nil }
    var parts: [Substring] = []
    for c in join("/", p).split(separator: "/") where c != "." {
      if c == ".." { return nil }
      parts.append(c)
    }
    return "/" + parts.joined(separator: "/")
  }

  static func parent(_ p: String) -> String {
    guard let slash = p.lastIndex(of: "/"), slash != p.startIndex else { return "/" }
    return String(p[..<slash])
  }

  static func isInside(_ p: String, _ root: String) -> Bool {
    root == "/" || p == root || p.hasPrefix(root + "/")
  }

  /// Can be written as a policy word (no white space, comma, `#`, control).
  static func policySafe(_ s: String) -> Bool {
    !s.isEmpty && s.first != "#"
      && !s.unicodeScalars.contains {
        $0.value <= 0x20 || $0 == "," || $0.value == 0x7f || Escape.isUnsafe($0.value)
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
      for p in sorted where !kept.contains(where: { isInside(p, $0) }) { kept.append(p) }
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
