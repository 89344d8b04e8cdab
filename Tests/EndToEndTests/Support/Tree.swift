// Directory trees as data: a snapshot maps each relative path ("" is the
// top) to what lstat(2), the contents and the extended attributes say, so a
// copy can be compared with its source and a directory proved untouched.

import Foundation
import Glibc

struct Node: Equatable, CustomStringConvertible {
  enum Kind: String { case file, directory, symlink, other }
  var kind: Kind
  var permissions: UInt32
  var uid: UInt32
  var gid: UInt32
  var size: Int64
  var mtime: Int
  var mtimeNanoseconds: Int
  var inode: UInt64
  var links: UInt64
  var content: Data?
  var target: String?
  /// Every extended attribute (ACLs are `system.posix_acl_*`).
  var xattrs: [String: Data]

  var description: String {
    "\(kind) \(String(permissions, radix: 8)) \(uid):\(gid) size \(size) mtime \(mtime).\(mtimeNanoseconds)"
      + (target.map { " -> \($0)" } ?? "")
      + (xattrs.isEmpty ? "" : " xattrs \(xattrs.keys.sorted())")
  }
}

enum Tree {
  /// Every path under `root` (not `root` itself), parents before children.
  static func paths(under root: String) throws -> [String] {
    try snapshot(root).keys.filter { !$0.isEmpty }.sorted().map { root + "/" + $0 }
  }

  static func snapshot(_ root: String) throws -> [String: Node] {
    var out: [String: Node] = [:]
    try walk(root, relative: "", into: &out)
    return out
  }

  private static func walk(_ path: String, relative: String, into out: inout [String: Node]) throws {
    var st = stat()
    guard lstat(path, &st) == 0 else {
      throw HarnessError("lstat \(path): \(String(cString: strerror(errno)))")
    }
    let kind: Node.Kind =
      switch st.st_mode & S_IFMT {
      case S_IFREG: .file
      case S_IFDIR: .directory
      case S_IFLNK: .symlink
      default: .other
      }
    var node = Node(
      kind: kind, permissions: UInt32(st.st_mode & 0o7777), uid: st.st_uid, gid: st.st_gid,
      size: Int64(st.st_size), mtime: Int(st.st_mtim.tv_sec),
      mtimeNanoseconds: Int(st.st_mtim.tv_nsec), inode: UInt64(st.st_ino),
      links: UInt64(st.st_nlink), xattrs: xattrs(path))
    switch kind {
    case .file: node.content = FileManager.default.contents(atPath: path)
    case .symlink: node.target = try FileManager.default.destinationOfSymbolicLink(atPath: path)
    default: break
    }
    out[relative] = node
    if kind == .directory {
      for name in try FileManager.default.contentsOfDirectory(atPath: path) {
        try walk(
          path + "/" + name, relative: relative.isEmpty ? name : relative + "/" + name, into: &out)
      }
    }
  }

  /// Which modification times a copy must keep.
  enum Times { case none, files, filesAndDirectories }

  /// How `copy` differs from `source` as a faithful copy (empty: none). Always
  /// compared: names, kinds, permissions, owners, contents, link targets.
  /// `times`: modification times to the second (symlinks' never).
  /// `hardLinks`: files linked together in one are linked together in the other.
  /// `xattrs`: the same extended attributes and ACLs.
  /// `nonEmpty`: an empty source is itself a difference (a comparison must
  /// compare something). The top directory and inode numbers are not compared.
  static func copyDifferences(
    _ source: [String: Node], _ copy: [String: Node], times: Times = .filesAndDirectories,
    hardLinks: Bool = false, xattrs: Bool = false, nonEmpty: Bool = true
  ) -> [String] {
    var problems: [String] = []
    if nonEmpty && source.keys.allSatisfy(\.isEmpty) {
      problems.append("nothing to compare: the source is empty or missing")
    }
    let sourceGroups = hardLinks ? linkGroups(source) : [:]
    let copyGroups = hardLinks ? linkGroups(copy) : [:]
    for name in Set(source.keys).union(copy.keys).sorted() where !name.isEmpty {
      guard let s = source[name] else {
        problems.append("extra in copy: \(name)")
        continue
      }
      guard let c = copy[name] else {
        problems.append("missing from copy: \(name)")
        continue
      }
      var same =
        s.kind == c.kind && s.permissions == c.permissions && s.uid == c.uid && s.gid == c.gid
        && s.content == c.content && s.size == c.size && s.target == c.target
      switch (times, s.kind) {
      case (.files, .file), (.filesAndDirectories, .file), (.filesAndDirectories, .directory):
        same = same && s.mtime == c.mtime
      default: break
      }
      if xattrs { same = same && s.xattrs == c.xattrs }
      if !same { problems.append("\(name): source \(s), copy \(c)") }
      if hardLinks && sourceGroups[name] != copyGroups[name] {
        problems.append(
          "\(name): hard-linked with \(sourceGroups[name] ?? "nothing") in the source, with \(copyGroups[name] ?? "nothing") in the copy"
        )
      }
    }
    return problems
  }

  /// For each file that shares its inode with another in the snapshot: the
  /// first such name (sorted).
  private static func linkGroups(_ snapshot: [String: Node]) -> [String: String] {
    var first: [UInt64: String] = [:]
    var out: [String: String] = [:]
    for (name, node) in snapshot.sorted(by: { $0.key < $1.key })
    where node.kind == .file && node.links > 1 {
      if let leader = first[node.inode] {
        out[name] = leader
        out[leader] = leader
      } else {
        first[node.inode] = name
      }
    }
    return out
  }

  /// How `after` differs from `before` in any respect (names, kinds, sizes,
  /// times to the nanosecond, permissions, owners, inodes, link counts,
  /// contents, xattrs), the top directory included. Empty when untouched.
  static func changes(_ before: [String: Node], _ after: [String: Node]) -> [String] {
    Set(before.keys).union(after.keys).sorted().compactMap { name in
      let b = before[name]
      let a = after[name]
      if b == a { return nil }
      return
        "\(name.isEmpty ? "." : name): before \(b.map(\.description) ?? "absent"), after \(a.map(\.description) ?? "absent")"
    }
  }

  /// The part of a snapshot under `prefix`, re-rooted there.
  static func subtree(_ snapshot: [String: Node], _ prefix: String) -> [String: Node] {
    var out: [String: Node] = [:]
    for (k, v) in snapshot {
      if k == prefix {
        out[""] = v
      } else if k.hasPrefix(prefix + "/") {
        out[String(k.dropFirst(prefix.count + 1))] = v
      }
    }
    return out
  }

  /// The entries named in `names` (and the top).
  static func only(_ snapshot: [String: Node], _ names: [String]) -> [String: Node] {
    snapshot.filter { $0.key.isEmpty || names.contains($0.key) }
  }

  // MARK: Extended attributes

  static let aclName = "system.posix_acl_access"

  // <sys/xattr.h> is not in Swift's Glibc module: the calls are looked up.
  private typealias ListXattr =
    @convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<CChar>?, Int) -> Int
  private typealias GetXattr =
    @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) ->
    Int
  private typealias SetXattr =
    @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) ->
    Int32

  /// llistxattr(2) and lgetxattr(2): every attribute of `path`.
  static func xattrs(_ path: String) -> [String: Data] {
    guard let sym = dlsym(nil, "llistxattr") else { return [:] }
    let list = unsafeBitCast(sym, to: ListXattr.self)
    let n = list(path, nil, 0)
    guard n > 0 else { return [:] }
    var buf = [CChar](repeating: 0, count: n)
    let m = list(path, &buf, n)
    guard m > 0 else { return [:] }
    var out: [String: Data] = [:]
    for name in buf.prefix(m).split(separator: 0) {
      let key = String(decoding: name.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      out[key] = xattr(path, key) ?? Data()
    }
    return out
  }

  /// lgetxattr(2): the attribute's bytes, or nil.
  static func xattr(_ path: String, _ name: String) -> Data? {
    guard let sym = dlsym(nil, "lgetxattr") else { return nil }
    let get = unsafeBitCast(sym, to: GetXattr.self)
    let n = get(path, name, nil, 0)
    guard n >= 0 else { return nil }
    var buf = [UInt8](repeating: 0, count: n)
    let m = buf.withUnsafeMutableBytes { get(path, name, $0.baseAddress, n) }
    return m == n ? Data(buf) : nil
  }

  /// lsetxattr(2); false when the file system refuses.
  static func setXattr(_ path: String, _ name: String, _ value: Data) -> Bool {
    guard let sym = dlsym(nil, "lsetxattr") else { return false }
    let set = unsafeBitCast(sym, to: SetXattr.self)
    let bytes = [UInt8](value)
    return bytes.withUnsafeBytes { set(path, name, $0.baseAddress, bytes.count, 0) } == 0
  }

  /// An access ACL in the kernel's xattr form (version 2; entries of tag,
  /// permissions, id, little-endian, sorted by tag): owner rw-, the named
  /// user r--, owning group r--, mask r--, others ---.
  static func accessACL(namedUser: UInt32) -> Data {
    var d = Data()
    func le<T: FixedWidthInteger>(_ v: T) {
      withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) }
    }
    le(UInt32(2))
    let undefined = UInt32.max
    for (tag, perm, id): (UInt16, UInt16, UInt32) in [
      (0x01, 6, undefined), (0x02, 4, namedUser), (0x04, 4, undefined), (0x10, 4, undefined),
      (0x20, 0, undefined),
    ] {
      le(tag)
      le(perm)
      le(id)
    }
    return d
  }

  /// Sets both times of `path` (not following a symlink).
  static func setTime(_ path: String, _ seconds: Int) throws {
    var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
    guard utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
      throw HarnessError("utimensat \(path)")
    }
  }
}
