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
