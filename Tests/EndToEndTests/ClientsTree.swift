// Source trees for the client tests and a manifest to compare a backup or a
// restore with its source: type, mode, owner, size, content hash, file and
// symlink mtimes, symlink targets and (optionally) hard-link groups.

import Foundation

enum ClientTree {
  /// Builds the standard source tree at `root`: a plain file, a file that the
  /// incremental step removes (owned by 1234:5678), a 0600 file with a space,
  /// a hard link, a symlink, quotes in a name, an empty directory, an old mtime.
  static func make(_ root: String) throws {
    let fm = FileManager.default
    for d in ["d", "d/empty", "d/deeper"] {
      try fm.createDirectory(atPath: "\(root)/\(d)", withIntermediateDirectories: true)
    }
    try ClientLab.write("plain\n", to: "\(root)/plain.txt", mode: 0o644)
    try ClientLab.write("removed later\n", to: "\(root)/removed.txt", mode: 0o640)
    chown("\(root)/removed.txt", 1234, 5678)
    try ClientLab.write("with a space\n", to: "\(root)/d/with space.txt", mode: 0o600)
    try ClientLab.write("quotes\n", to: "\(root)/d/it's \"quoted\".txt", mode: 0o644)
    try ClientLab.write(
      String(repeating: "0123456789abcdef", count: 20000), to: "\(root)/d/deeper/big.bin", mode: 0o644)
    link("\(root)/plain.txt", "\(root)/d/hardlink")
    symlink("../plain.txt", "\(root)/d/sym")
    var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
    utimensat(AT_FDCWD, "\(root)/d/deeper/big.bin", &times, 0)
  }

  /// Relative path -> description of every entry below `root` (not `root` itself).
  static func manifest(_ root: String, hardLinks: Bool = false, dirTimes: Bool = false) -> [String: String] {
    var out: [String: String] = [:]
    var inodes: [UInt: String] = [:]
    let paths = (FileManager.default.subpaths(atPath: root) ?? []).sorted()
    for rel in paths {
      let path = "\(root)/\(rel)"
      var st = stat()
      guard lstat(path, &st) == 0 else { continue }
      let mode = String(st.st_mode & 0o7777, radix: 8)
      var line = "mode=\(mode) uid=\(st.st_uid) gid=\(st.st_gid)"
      switch st.st_mode & S_IFMT {
      case S_IFDIR:
        line = "dir " + line
        if dirTimes { line += " mtime=\(st.st_mtim.tv_sec)" }
      case S_IFLNK:
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
        line = "symlink -> \(target) " + line
      case S_IFREG:
        let data = FileManager.default.contents(atPath: path) ?? Data()
        line = "file size=\(st.st_size) fnv=\(fnv(data)) mtime=\(st.st_mtim.tv_sec) " + line
        if hardLinks && st.st_nlink > 1 {
          let key = UInt(st.st_ino)
          if let first = inodes[key] { line += " linked-to=\(first)" } else { inodes[key] = rel }
        }
      default:
        line = "other " + line
      }
      out[rel] = line
    }
    return out
  }

  /// The differences between two manifests, one line each (empty: identical).
  /// An empty `want` is itself a difference: a comparison must compare something.
  static func diff(_ want: [String: String], _ got: [String: String]) -> [String] {
    var lines: [String] = want.isEmpty ? ["nothing to compare: the expected tree is empty or missing"] : []
    for key in Set(want.keys).union(got.keys).sorted() where want[key] != got[key] {
      lines.append("\(key): want \(want[key] ?? "(absent)"), got \(got[key] ?? "(absent)")")
    }
    return lines
  }

  static func fnv(_ data: Data) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in data {
      h ^= UInt64(b)
      h = h &* 0x100_0000_01b3
    }
    return String(h, radix: 16)
  }

  /// A copy of `src` as it is now (cp -a), to compare a later backup with.
  static func snapshot(_ src: String, to dst: String) throws {
    try FileManager.default.createDirectory(atPath: dst, withIntermediateDirectories: true)
    let r = try ClientLab.run(["/bin/cp", "-a", src + "/.", dst + "/"])
    guard r.ok else { throw ClientLabError("cp -a: \(r.summary)") }
  }

  /// The change every incremental must pick up: a new file, an appended file
  /// (its hard link too), a removed file; mtimes move on by at least a second.
  static func change(_ src: String) throws {
    usleep(1_100_000)
    try ClientLab.write("added after the first backup\n", to: "\(src)/added.txt", mode: 0o644)
    let h = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(src)/plain.txt"))
    h.seekToEndOfFile()
    h.write(Data("changed after the first backup\n".utf8))
    h.closeFile()
    try FileManager.default.removeItem(atPath: "\(src)/removed.txt")
  }
}
