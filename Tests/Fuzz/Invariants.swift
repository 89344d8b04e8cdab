// Independent checks of an allowed argv: what may reach the real tool.
// They re-derive the rules from the option tables (data) instead of
// trusting the parser's own bookkeeping.

enum ArgvInvariants {
  /// An rsync plan's arguments (after argv[0]): `--server --sender`, then
  /// only allow-listed options (a cluster first), then `-- .` and paths that
  /// are absolute, free of `..` and inside the roots. A secluded plan stops
  /// after the options.
  static func rsync(_ args: [String], scope: RuleScope, secluded: Bool, context: String) {
    invariant(
      args.count >= 2 && args[0] == "--server" && args[1] == "--sender",
      "rsync argv must start with --server --sender: \(args) (\(context))")
    var i = 2
    while i < args.count, args[i] != "--" {
      let word = args[i]
      invariant(word.hasPrefix("-") && word != "-", "rsync argv: non-option \(word) before -- (\(context))")
      if word.hasPrefix("--") {
        longOption(word, args: args, scope: scope, context: context)
      } else {
        invariant(i == 2, "rsync argv: a second cluster \(word) (\(context))")
        cluster(word, scope: scope, secluded: secluded, context: context)
      }
      i += 1
    }
    if secluded {
      invariant(i == args.count, "secluded rsync argv carries positionals: \(args) (\(context))")
      return
    }
    invariant(i + 2 < args.count && args[i + 1] == ".", "rsync argv must end with -- . PATH...: \(args) (\(context))")
    for path in args[(i + 2)...] {
      invariant(path.hasPrefix("/"), "rsync argv: relative path \(path) (\(context))")
      invariant(!Paths.hasDotDot(path), "rsync argv: '..' in \(path) (\(context))")
      invariant(Paths.isInside(path, roots: scope.roots), "rsync argv: \(path) outside \(scope.roots) (\(context))")
      invariant(!hasControl(path), "rsync argv: control character in \(path) (\(context))")
      for bad in ["*", "?", "["] { invariant(!path.contains(bad), "rsync argv: glob in \(path) (\(context))") }
    }
  }

  static func longOption(_ word: String, args: [String], scope: RuleScope, context: String) {
    let body = word.dropFirst(2)
    let name = body.prefix { $0 != "=" }
    let value: Substring? = name.endIndex < body.endIndex ? body[body.index(after: name.endIndex)...] : nil
    if name == "confine-root" {
      // Added by gatekeeper itself, never taken from the client.
      invariant(scope.confineRoot, "rsync argv: --confine-root without confine-root=yes (\(context))")
      invariant(
        value.map { scope.roots.contains(String($0)) } ?? false,
        "rsync argv: --confine-root=\(value ?? "") is not a root (\(context))")
      let dot = args.firstIndex(of: "--").map { $0 + 1 } ?? args.count
      for path in args.dropFirst(dot + 1) {
        invariant(
          Paths.isInside(path, roots: [String(value ?? "")]), "rsync argv: \(path) outside --confine-root (\(context))")
      }
      return
    }
    guard let row = RsyncOption.table.first(where: { $0.long.map { $0[...] == name } ?? false }) else {
      fatalError("INVARIANT VIOLATED: rsync argv: unknown option \(word) (\(context))")
    }
    invariant(verdictAllows(row, scope: scope), "rsync argv: option \(word) is not on the allow-list (\(context))")
    if let value {
      invariant(
        row.argument != .none && row.argument.problem(with: value) == nil,
        "rsync argv: bad value in \(word) (\(context))")
    } else {
      invariant(row.argument == .none, "rsync argv: \(word) lacks its value (\(context))")
    }
  }

  static func cluster(_ word: String, scope: RuleScope, secluded: Bool, context: String) {
    var letters = word.dropFirst()
    if let e = letters.firstIndex(of: "e") {
      let caps = letters[letters.index(after: e)...]
      invariant(RsyncRequest.isCapabilityString(caps), "rsync argv: bad capability string in \(word) (\(context))")
      letters = letters[..<e]
    }
    for (k, letter) in letters.enumerated() {
      if letter == "s" {
        invariant(secluded && k == 0, "rsync argv: 's' in a runnable cluster \(word) (\(context))")
        continue
      }
      guard let row = RsyncOption.table.first(where: { $0.short == letter }) else {
        fatalError("INVARIANT VIOLATED: rsync argv: unknown letter \(letter) in \(word) (\(context))")
      }
      invariant(row.argument == .none, "rsync argv: value-taking letter \(letter) in \(word) (\(context))")
      invariant(
        verdictAllows(row, scope: scope), "rsync argv: letter \(letter) in \(word) not on the allow-list (\(context))")
    }
  }

  /// allow, same-of-allow, followsLinks on the whole tree.
  static func verdictAllows(_ row: RsyncOption, scope: RuleScope) -> Bool {
    switch row.verdict {
    case .allow: return true
    case .followsLinks: return scope.isWholeTree
    case .same(let target):
      return RsyncOption.table.first(where: { $0.long == target })?.verdict == .allow
    case .deny: return false
    }
  }

  /// A tar plan's arguments: every option spelled long and found exactly in
  /// the table with a non-deny rule; `--create` and no other mode; exactly
  /// one `--file=-`; operands and `--directory` values free of `..` and,
  /// under narrow roots, resolving inside them.
  static func tar(_ args: [String], scope: RuleScope, context: String) {
    invariant(args.first?.hasPrefix("-") == true, "tar argv must start with an option: \(args) (\(context))")
    var creates = 0
    var files = 0
    var directory: [UInt8]? = nil
    var unquote = true
    for word in args {
      if word == "-o" { continue }
      guard word.hasPrefix("--"), word != "--" else {
        invariant(!word.hasPrefix("-"), "tar argv: short option or -- \(word) (\(context))")
        operand(word, unquote: unquote, directory: directory, scope: scope, context: context)
        continue
      }
      let body = word.utf8.dropFirst(2)
      let eq = body.firstIndex(of: UInt8(ascii: "="))
      let name = String(word[body.startIndex..<(eq ?? body.endIndex)])
      let value = eq.map { String(word[word.utf8.index(after: $0)...]) }
      guard case .exact(let option) = TarOptions.lookup(long: name), option.names.first == name else {
        fatalError("INVARIANT VIOLATED: tar argv: \(word) is not a canonical table name (\(context))")
      }
      switch option.argument {
      case .none: invariant(value == nil, "tar argv: value on \(word) (\(context))")
      case .required: invariant(value != nil, "tar argv: \(word) without '=' value (\(context))")
      case .optional: break
      }
      switch option.rule {
      case .deny: fatalError("INVARIANT VIOLATED: tar argv: refused option \(word) (\(context))")
      case .create: creates += 1
      case .archive:
        files += 1
        invariant(value == "-", "tar argv: archive \(word) is not stdout (\(context))")
      case .wholeTreeOnly, .ignoreFile:
        invariant(scope.isWholeTree, "tar argv: \(word) follows symlinks under narrow roots (\(context))")
      case .unquote(let on): unquote = on
      case .atimePreserve: invariant(value == "system", "tar argv: \(word) (\(context))")
      case .date:
        invariant(!TarValues.namesFile((value ?? "").utf8), "tar argv: date names a file: \(word) (\(context))")
      case .directory:
        let bytes = Array((value ?? "").utf8)
        invariant(!components(bytes).contains { $0.elementsEqual("..".utf8) }, "tar argv: '..' in \(word) (\(context))")
        if bytes.first == UInt8(ascii: "/") {
          directory = bytes
        } else if let d = directory {
          directory = d + [UInt8(ascii: "/")] + bytes
        }
        if !scope.isWholeTree {
          invariant(
            directory.map { inside($0, scope.roots) } ?? false, "tar argv: \(word) outside \(scope.roots) (\(context))")
        }
      case .addFile:
        operand(value ?? "", unquote: unquote, directory: directory, scope: scope, context: context)
      case .allow, .blocking, .recordSize, .paxOption, .totals, .tagName: break
      }
    }
    invariant(creates >= 1, "tar argv without --create: \(args) (\(context))")
    invariant(files == 1, "tar argv with \(files) --file: \(args) (\(context))")
  }

  static func operand(_ name: String, unquote: Bool, directory: [UInt8]?, scope: RuleScope, context: String) {
    let bytes = unquote ? TarValues.unquoted(name) : Array(name.utf8)
    invariant(
      !components(bytes).contains { $0.elementsEqual("..".utf8) }, "tar argv: '..' in operand \(name) (\(context))")
    if scope.isWholeTree { return }
    let path: [UInt8]
    if bytes.first == UInt8(ascii: "/") {
      path = bytes
    } else {
      guard let d = directory else {
        fatalError("INVARIANT VIOLATED: tar argv: relative \(name) without -C (\(context))")
      }
      path = d + [UInt8(ascii: "/")] + bytes
    }
    invariant(inside(path, scope.roots), "tar argv: operand \(name) outside \(scope.roots) (\(context))")
  }

  static func components(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    bytes.split(separator: UInt8(ascii: "/")).filter { !$0.elementsEqual(".".utf8) }
  }

  /// Component-wise, byte-wise containment (independent of Paths).
  static func inside(_ path: [UInt8], _ roots: [String]) -> Bool {
    let p = components(path)
    return roots.contains { root in
      let r = components(Array(root.utf8))
      return r.count <= p.count && zip(r, p).allSatisfy { $0.elementsEqual($1) }
    }
  }

  static func hasControl(_ s: String) -> Bool {
    s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f || ($0.value >= 0x80 && $0.value < 0xa0) }
  }
}
