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
    isInside(Array(path.utf8), roots: roots)
  }

  public static func isInside(_ path: [UInt8], roots: [String]) -> Bool {
    guard let p = components(path) else { return false }
    for root in roots {
      guard let r = components(Array(root.utf8)) else { continue }
      if r.count <= p.count && zip(r, p).allSatisfy({ $0.elementsEqual($1) }) { return true }
    }
    return false
  }

  /// True when the path contains a `..` component anywhere (absolute or not).
  public static func hasDotDot(_ path: String) -> Bool { hasDotDot(Array(path.utf8)) }

  public static func hasDotDot(_ path: [UInt8]) -> Bool {
    path.split(separator: slash).contains { $0.elementsEqual(dotDot) }
  }

  /// True when the roots include `/` (the whole tree).
  public static func isWholeTree(_ roots: [String]) -> Bool {
    roots.contains { components(Array($0.utf8))?.isEmpty == true }
  }
}
