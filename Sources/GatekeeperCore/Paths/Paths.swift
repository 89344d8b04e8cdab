// Lexical path rules shared by the rsync and tar profiles. Nothing here
// touches the file system: a path is judged by its spelling only, and the
// rules are deliberately narrow (see SECURITY CONSIDERATIONS in gatekeeper.8:
// symlinks inside an allowed root are followed by the real tool).
//
// Everything works on bytes, as the kernel does. Swift's String compares
// canonically equivalent spellings as equal and its Character splitting can
// glue a `/` to a following combining mark (`"/home/../\u{301}x"` would hide
// its `..`); byte comparison has neither problem.

public enum Paths {
  static let slash = UInt8(ascii: "/")
  static let dot: [UInt8] = [UInt8(ascii: ".")]
  static let dotDot: [UInt8] = [UInt8(ascii: "."), UInt8(ascii: ".")]

  /// The components of an absolute path, with empty and `.` components
  /// dropped: `/etc//./ssh/` gives `["etc", "ssh"]`. Returns nil for a
  /// relative path or one that contains a `..` component.
  public static func components(_ path: String) -> [String]? {
    components(Array(path.utf8)).map { $0.map { String(decoding: $0, as: UTF8.self) } }
  }

  public static func components(_ path: [UInt8]) -> [ArraySlice<UInt8>]? {
    guard path.first == slash else { return nil }
    var out: [ArraySlice<UInt8>] = []
    for part in path.split(separator: slash) {
      if part.elementsEqual(dot) { continue }
      if part.elementsEqual(dotDot) { return nil }
      out.append(part)
    }
    return out
  }

  /// True when `path` names one of `roots` or something below it, compared
  /// component by component, byte for byte: `/etcfoo` is not inside `/etc`,
  /// `/etc/./x` is. `path` must be absolute and free of `..`; roots are
  /// absolute (the policy parser guarantees it). A root of `/` contains
  /// every absolute path.
  public static func isInside(_ path: String, roots: [String]) -> Bool {
    var path = path
    return path.withUTF8 { isInside($0, roots: roots) }
  }

  public static func isInside(_ path: [UInt8], roots: [String]) -> Bool {
    path.withUnsafeBufferPointer { isInside($0, roots: roots) }
  }

  static func isInside(_ path: UnsafeBufferPointer<UInt8>, roots: [String]) -> Bool {
    // The same test as comparing `components(root)` with a prefix of
    // `components(path)`, walked in place (this runs for every rule tried).
    guard path.first == slash, !hasDotDot(path) else { return false }
    // Each root is walked as a contiguous buffer (a String's UTF-8 view
    // walked through its indices costs several times more).
    for var root in roots {
      let inside = root.withUTF8 { r in
        guard r.first == slash, !hasDotDot(r) else { return false }
        var rootParts = ComponentWalker(r)
        var pathParts = ComponentWalker(path)
        while let rootPart = rootParts.next() {
          guard let pathPart = pathParts.next(), r[rootPart].elementsEqual(path[pathPart]) else { return false }
        }
        return true
      }
      if inside { return true }
    }
    return false
  }

  /// True when the path contains a `..` component anywhere (absolute or not).
  public static func hasDotDot(_ path: String) -> Bool {
    var path = path
    return path.withUTF8 { hasDotDot($0) }  // a buffer walks faster than the UTF-8 view
  }

  public static func hasDotDot<Bytes: Collection<UInt8>>(_ path: Bytes) -> Bool {
    // Parts between slashes, compared with `..` as they are scanned.
    var partLength = 0
    var dotsOnly = true
    for b in path {
      if b == slash {
        if partLength == 2 && dotsOnly { return true }
        partLength = 0
        dotsOnly = true
      } else {
        partLength += 1
        dotsOnly = dotsOnly && b == UInt8(ascii: ".")
      }
    }
    return partLength == 2 && dotsOnly
  }

  /// The components of a path one at a time, as index ranges, skipping
  /// empty and `.` parts like `components` (which it does not check for
  /// `..` or a leading slash: callers do).
  struct ComponentWalker<Bytes: Collection<UInt8>> {
    let bytes: Bytes
    var index: Bytes.Index

    init(_ bytes: Bytes) {
      self.bytes = bytes
      index = bytes.startIndex
    }

    mutating func next() -> Range<Bytes.Index>? {
      while index < bytes.endIndex {
        if bytes[index] == slash {
          index = bytes.index(after: index)
          continue
        }
        let start = index
        while index < bytes.endIndex && bytes[index] != slash { index = bytes.index(after: index) }
        let part = start..<index
        if bytes[part].elementsEqual(dot) { continue }
        return part
      }
      return nil
    }
  }

  /// The number of `/`-separated parts of a path (an upper bound on its
  /// components), counted without building them.
  public static func componentCount(_ path: [UInt8]) -> Int {
    var n = 1
    for b in path where b == UInt8(ascii: "/") { n += 1 }
    return n
  }

  /// True when the roots include `/` (the whole tree): a root with no
  /// components (`/`, `//`, `/./`), i.e. `components(root)?.isEmpty`.
  public static func isWholeTree(_ roots: [String]) -> Bool {
    roots.contains { root in
      // Absolute, and every part between slashes is empty or `.`.
      var previous = slash
      for b in root.utf8 {
        if b != slash && b != UInt8(ascii: ".") { return false }
        if b == UInt8(ascii: ".") && previous == UInt8(ascii: ".") { return false }
        previous = b
      }
      return root.utf8.first == slash
    }
  }
}

/// Many paths judged against many rules' roots (a request of thousands of
/// paths under a policy of a thousand rules). The paths are sorted once by
/// their components; the paths inside a root then form one contiguous run,
/// found by two binary searches, and the first path (in request order)
/// outside every root is the smallest request index in the runs no root
/// covers. Gives exactly what `Paths.isInside` gives path by path.
struct PathIndex {
  /// Each path's key, sorted: every component preceded by a 0 byte
  /// (`/etc/./ssh/` is `\0etc\0ssh`, `/` is empty). A path is inside a root
  /// exactly when its key is the root's key or starts with the root's key
  /// and a 0 byte, which in byte order are the keys k with
  /// key(root) <= k < key(root) + [1] (no component holds a 0 or a 1 byte
  /// after that point that could fall between: a key continues with 0 or
  /// ends there).
  private var keys: [[UInt8]] = []
  /// The request index of each sorted key.
  private var order: [Int] = []
  /// The smallest request index in each block of `block` sorted keys.
  private var blockMinimum: [Int] = []
  private static let block = 64
  /// Below this many paths a rule's plain scan costs less than the index.
  static let worthwhile = 32

  var count: Int { keys.count }

  /// nil when a path is not absolute or has a `..` component (the shape
  /// checks refuse those before any root is asked).
  init?(_ paths: ArraySlice<String>) {
    var pairs: [([UInt8], Int)] = []
    pairs.reserveCapacity(paths.count)
    for (offset, path) in paths.enumerated() {
      guard let key = Self.key(Array(path.utf8)) else { return nil }
      pairs.append((key, offset))
    }
    pairs.sort { a, b in a.0.lexicographicallyPrecedes(b.0) || (a.0 == b.0 && a.1 < b.1) }
    keys = pairs.map { $0.0 }
    order = pairs.map { $0.1 }
    var start = 0
    while start < order.count {
      blockMinimum.append(order[start..<min(start + Self.block, order.count)].min()!)
      start += Self.block
    }
  }

  static func key(_ path: [UInt8]) -> [UInt8]? {
    guard let parts = Paths.components(path) else { return nil }
    var key: [UInt8] = []
    key.reserveCapacity(path.count)
    for part in parts {
      key.append(0)
      key += part
    }
    return key
  }

  /// The first sorted position whose key is not below `key`.
  private func lowerBound(_ key: [UInt8]) -> Int {
    var low = 0
    var high = keys.count
    while low < high {
      let mid = (low + high) / 2
      if keys[mid].lexicographicallyPrecedes(key) { low = mid + 1 } else { high = mid }
    }
    return low
  }

  /// The sorted positions of the paths inside `root` (empty for a root
  /// that is not absolute or has `..`, as `Paths.isInside` holds nothing
  /// inside those).
  func run(_ root: String) -> Range<Int> {
    let bytes = Array(root.utf8)
    // (Judged paths hold no control characters, so a root with a 0 or 1
    // byte holds none of them.)
    guard !Paths.hasDotDot(bytes), !bytes.contains(where: { $0 < 2 }), let key = Self.key(bytes) else {
      return 0..<0
    }
    let low = lowerBound(key)
    return low..<max(low, lowerBound(key + [1]))
  }

  /// The smallest request index among sorted positions `range`.
  private func minimum(_ range: Range<Int>) -> Int? {
    var best: Int? = nil
    var i = range.lowerBound
    while i < range.upperBound {
      if i % Self.block == 0 && i + Self.block <= range.upperBound {
        best = Swift.min(best ?? Int.max, blockMinimum[i / Self.block])
        i += Self.block
      } else {
        best = Swift.min(best ?? Int.max, order[i])
        i += 1
      }
    }
    return best
  }

  /// The request index of the first path inside none of `roots`, or nil.
  func firstOutside(_ roots: [String]) -> Int? {
    let runs = roots.map(run).filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
    var first: Int? = nil
    var covered = 0  // sorted positions below this are inside a root
    for r in runs {
      if r.lowerBound > covered, let m = minimum(covered..<r.lowerBound) {
        first = Swift.min(first ?? Int.max, m)
      }
      covered = Swift.max(covered, r.upperBound)
    }
    if covered < keys.count, let m = minimum(covered..<keys.count) {
      first = Swift.min(first ?? Int.max, m)
    }
    return first
  }

  /// True when every path is inside `root`.
  func holdsAll(_ root: String) -> Bool { run(root).count == keys.count }
}
