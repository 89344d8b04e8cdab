// Lexical path rules shared by the rsync and tar profiles. Nothing here
// touches the file system: a path is judged by its spelling only, and the
// rules are deliberately narrow (see SECURITY CONSIDERATIONS in gatekeeper.8:
// symlinks inside an allowed root are followed by the real tool).

public enum Paths {
  /// The components of an absolute path, with empty and `.` components
  /// dropped: `/etc//./ssh/` gives `["etc", "ssh"]`. Returns nil for a
  /// relative path or one that contains a `..` component.
  public static func components(_ path: String) -> [Substring]? {
    guard path.utf8.first == UInt8(ascii: "/") else { return nil }
    var out: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      if part == ".." { return nil }
      out.append(part)
    }
    return out
  }

  /// True when `path` names one of `roots` or something below it, compared
  /// component by component: `/etcfoo` is not inside `/etc`, `/etc/./x` is.
  /// `path` must be absolute and free of `..`; roots are absolute (the
  /// policy parser guarantees it). A root of `/` contains every absolute path.
  public static func isInside(_ path: String, roots: [String]) -> Bool {
    guard let p = components(path) else { return false }
    for root in roots {
      guard let r = components(root) else { continue }
      if r.count <= p.count && zip(r, p).allSatisfy({ $0 == $1 }) { return true }
    }
    return false
  }

  /// True when the path contains a `..` component anywhere (absolute or not).
  public static func hasDotDot(_ path: String) -> Bool {
    path.split(separator: "/", omittingEmptySubsequences: true).contains("..")
  }

  /// True when the roots are exactly `/` (the whole tree).
  public static func isWholeTree(_ roots: [String]) -> Bool {
    roots.contains { components($0)?.isEmpty == true }
  }
}
