// Roots that symbolic links cannot escape: the paths a tool opens from its
// command line, resolved the way the tool's open(2) would resolve them, and
// judged against the roots resolved the same way. Pure: the file system is
// asked through a `lookup` function (the executable's does lstat(2) and
// readlink(2); tests pass a table), so every rule is testable without I/O.
//
// Resolution walks from `/` one component at a time. A symbolic link met
// before the last component is always followed (the kernel does); the last
// one only when the tool follows it (rsync `DIR/`, `DIR/.`, the base of
// --files-from; tar's -C). Where a component does not exist (or cannot be
// looked at) resolution stops and the rest is taken as written: the tool
// will fail there too. Landlock (see Landlock.swift) stands behind this in
// the kernel, also against a link swapped in after the check.

/// What the file system holds at a path (not following a final link).
public enum FileNode: Equatable, Sendable {
  /// Nothing there, or it cannot be looked at.
  case missing
  /// A directory, file, device... anything but a symbolic link.
  case present
  /// A symbolic link and its target, as readlink(2) gives it.
  case symlink([UInt8])
}

/// One path a tool will open, as the parser saw it.
public struct ToolPath: Equatable, Sendable {
  /// Absolute, without `..` (the parsers refuse it), as the tool sees it.
  public var path: [UInt8]
  /// Whether the tool follows a symbolic link in the last component.
  public var followsFinal: Bool

  public init(_ path: [UInt8], followsFinal: Bool) {
    self.path = path
    self.followsFinal = followsFinal
  }
}

public enum PathReason: String, ReasonCode {
  case escapesRoots = "path-escapes-roots"
  case tooManyComponents = "path-too-many-components"

  public var message: String {
    switch self {
    case .escapesRoots: "a symbolic link leads the path out of the allowed roots"
    case .tooManyComponents: "too many path components to check for symbolic links"
    }
  }
}

public enum PathResolver {
  /// How many links one path may pass through (the kernel's limit is 40).
  public static let maxLinks = 40
  /// How many components one request's paths may have in all: each is one
  /// lstat(2), and a request made of thousands of relative `-C a` steps
  /// must not cost seconds. Real clients name a few short paths.
  public static let maxLookups = 4096

  public struct Resolved: Equatable, Sendable {
    /// The path the tool reaches: links resolved as far as they exist.
    public var path: [UInt8]
    /// Each link followed on the way: (the link, its target).
    public var links: [(link: [UInt8], target: [UInt8])]
    /// More than `maxLinks` links (a loop): the tool fails with ELOOP.
    public var loops: Bool

    public static func == (a: Resolved, b: Resolved) -> Bool {
      a.path == b.path && a.loops == b.loops && a.links.elementsEqual(b.links) { $0 == $1 }
    }
  }

  /// Resolves `path` (absolute) as open(2) would, following a final link
  /// when `followFinal`, and always when the path ends in `/` or `/.` (the
  /// kernel then needs the directory the link names).
  public static func resolve(_ path: [UInt8], followFinal: Bool, lookup: ([UInt8]) -> FileNode) -> Resolved {
    var budget = Int.max
    return resolve(path, followFinal: followFinal, budget: &budget, lookup: lookup)
  }

  /// `resolve`, spending one unit of `budget` per lookup; when it runs out
  /// the rest of the path is taken as missing (the caller refuses).
  static func resolve(_ path: [UInt8], followFinal: Bool, budget: inout Int, lookup: ([UInt8]) -> FileNode)
    -> Resolved
  {
    let followFinal = followFinal || path.last == UInt8(ascii: "/") || path.suffix(2).elementsEqual("/.".utf8)
    var done: [ArraySlice<UInt8>] = []  // resolved components: no links among them
    var todo = split(path)[...]
    var links: [(link: [UInt8], target: [UInt8])] = []
    var exists = true
    while let part = todo.popFirst() {
      if part.elementsEqual("..".utf8) {  // only from a link's target
        if !done.isEmpty { done.removeLast() }
        continue
      }
      let candidate = join(done + [part])
      if exists { budget -= 1 }
      let node: FileNode = exists && budget >= 0 ? lookup(candidate) : .missing
      switch node {
      case .missing:
        exists = false
        done.append(part)
      case .present:
        done.append(part)
      case .symlink(let target):
        if todo.isEmpty && !followFinal {
          done.append(part)
          continue
        }
        links.append((candidate, target))
        if links.count > maxLinks { return Resolved(path: candidate, links: links, loops: true) }
        if target.first == UInt8(ascii: "/") { done = [] }
        todo = (split(target) + todo)[...]
      }
    }
    return Resolved(path: join(done), links: links, loops: false)
  }

  /// Refuses the first path whose resolution leaves every resolved root.
  /// Returns the notes `check` prints for links that were followed and kept
  /// the path inside, or the refusal.
  public static func judge(
    _ reads: [ToolPath], overflow: Bool = false, roots: [String], lookup: ([UInt8]) -> FileNode
  ) -> Result<[String], Denial> {
    Result { () throws(Denial) in try links(reads, overflow: overflow, roots: roots, lookup: lookup) }
  }

  /// `judge` inside the core: the notes, or the refusal.
  static func links(
    _ reads: [ToolPath], overflow: Bool, roots: [String], lookup: ([UInt8]) -> FileNode
  ) throws(Denial) -> [String] {
    if Paths.isWholeTree(roots) { return [] }
    if overflow { throw Denial(PathReason.tooManyComponents, "over \(maxLookups) in all") }
    if reads.isEmpty { return [] }
    // Counted before anything is built: one path may be long.
    var parts = 0
    for read in reads {
      parts += Paths.componentCount(read.path)
      if parts > maxLookups * 4 { throw Denial(PathReason.tooManyComponents, "over \(maxLookups) in all") }
    }
    // A path that passes through no link is where its spelling says, which
    // the parser already found inside the roots; the roots themselves are
    // resolved only when some path did pass through a link.
    var resolvedRoots: [String]? = nil
    var notes: [String] = []
    var budget = maxLookups
    for read in reads {
      let r = resolve(read.path, followFinal: read.followsFinal, budget: &budget, lookup: lookup)
      if budget < 0 { throw Denial(PathReason.tooManyComponents, "over \(maxLookups) in all") }
      if r.links.isEmpty || r.loops { continue }  // no link; or ELOOP: nothing is read
      if resolvedRoots == nil {
        resolvedRoots = roots.map { text(resolve(Array($0.utf8), followFinal: true, lookup: lookup).path) }
      }
      let shown = text(read.path)
      let hops = r.links.map { "\(text($0.link)) -> \(text($0.target))" }.joined(separator: ", ")
      if !Paths.isInside(r.path, roots: resolvedRoots ?? roots) {
        throw Denial(PathReason.escapesRoots, "\(shown): \(hops) (resolves to \(text(r.path)))")
      }
      notes.append("\(shown): \(hops), inside the roots")
    }
    return notes
  }

  /// `/a//b/./c` -> [a, b, c]; `..` is kept (link targets may hold it).
  static func split(_ path: [UInt8]) -> [ArraySlice<UInt8>] {
    path.split(separator: UInt8(ascii: "/")).filter { !$0.elementsEqual(".".utf8) }
  }

  static func join(_ parts: [ArraySlice<UInt8>]) -> [UInt8] {
    if parts.isEmpty { return [UInt8(ascii: "/")] }
    var out: [UInt8] = []
    for p in parts {
      out.append(UInt8(ascii: "/"))
      out += p
    }
    return out
  }

  static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
