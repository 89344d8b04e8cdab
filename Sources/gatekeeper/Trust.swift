// Trusting what root opens, writes and runs (the policy, the audit file, the
// policy's program), as sshd's StrictModes and sudo do: every directory from
// `/` down must be owned by root or the invoking user and writable by nobody
// else (a directory writable by others only when root owns it and its sticky
// bit is set, as /tmp), and so must the file. The walk goes from one
// directory descriptor to the next with openat(2), so what was judged is what
// is opened; a symbolic link among the directories is refused, or, where the
// caller allows it (the program: /bin -> usr/bin), followed from a trusted
// directory and its target judged the same way.

import CSystem
import GatekeeperCore
import Glibc

struct TrustFailure: Error {
  /// The path or one of its directories does not exist.
  var missing: Bool
  /// Only the last component is missing (its directory chain is trusted).
  var onlyFileMissing = false
  /// One line: which path and why.
  var message: String
}

enum Trust {
  /// What walked to an opened file: its descriptor and fstat.
  struct Opened {
    var fd: Int32
    var st: stat
  }

  /// Opens `path` (absolute) with `flags` after judging every directory
  /// above it. The last component is opened with O_NOFOLLOW; with
  /// `followLinks` a link there or among the directories is followed (its
  /// target is walked the same way), otherwise it is refused. The file
  /// itself is not judged here: see `fileProblem`.
  static func open(
    _ path: String, flags: Int32, mode: mode_t = 0, followLinks: Bool, what: String
  ) -> Result<Opened, TrustFailure> {
    // A relative path (check --policy policies/x) is taken from the working
    // directory, whose name getcwd(3) gives without links.
    let path = path.hasPrefix("/") ? path : Sys.workingDirectory() + "/" + path
    var dir: Int32
    switch Sys.open("/", GK_O_PATH | O_DIRECTORY | O_CLOEXEC) {
    case .success(let fd): dir = fd
    case .failure(let e): return .failure(TrustFailure(missing: false, message: "/: \(e)"))
    }
    var parts = components(path)[...]
    var walkedParts: [String] = []  // the directories judged so far
    var walked: String { "/" + walkedParts.joined(separator: "/") }  // for messages only
    var links = 0
    func fail(_ missing: Bool, _ text: String, onlyFileMissing: Bool = false) -> Result<Opened, TrustFailure> {
      Sys.close(dir)
      let message = "\(what) \(path): \(text)"
      return .failure(TrustFailure(missing: missing, onlyFileMissing: onlyFileMissing, message: message))
    }
    switch Sys.status(dir) {
    case .success(let root) where trusted(root, stickyOK: true): break
    case .success(let root):
      return fail(false, ownershipProblem(root, what: "directory /", stickyOK: true) ?? "/: cannot be judged")
    case .failure: return fail(false, "/: cannot be judged")
    }
    while let part = parts.popFirst() {
      if part == ".." { return fail(false, "'..' in the path") }  // (never from a link: see below)
      let last = parts.isEmpty
      var st = stat()
      // A symbolic link: O_NOFOLLOW refused it (ELOOP), or O_PATH opened it.
      var isLink = false
      var nfd: Int32 = -1
      switch Sys.openAt(dir, part, (last ? flags : GK_O_PATH) | O_NOFOLLOW | O_CLOEXEC, mode) {
      case .failure(let e) where e == .tooManySymbolicLinks:
        isLink = true
      case .failure(let e):
        return fail(
          e == .noSuchFile, (last ? "" : "\(walkedParts.isEmpty ? "" : walked)/\(part): ") + e.description,
          onlyFileMissing: last && e == .noSuchFile)
      case .success(let fd):
        switch Sys.status(fd) {
        case .success(let s): st = s
        case .failure(let e):
          Sys.close(fd)
          return fail(false, "\(walked)/\(part): \(e)")
        }
        isLink = (st.st_mode & S_IFMT) == S_IFLNK
        if isLink { Sys.close(fd) } else { nfd = fd }
      }
      if isLink {
        guard followLinks else { return fail(false, "\(walked)/\(part) is a symbolic link") }
        links += 1
        guard links <= 40, case .success(let bytes) = Sys.readLink(dir, part), !bytes.isEmpty else {
          return fail(false, "\(walked)/\(part): too many or unreadable symbolic links")
        }
        let target = String(decoding: bytes, as: UTF8.self)
        // The walk restarts from `/` with the target made absolute: `walked`
        // holds no link, so a `..` in the target can be applied to it.
        var resolved = target.hasPrefix("/") ? [] : walkedParts
        for c in components(target) {
          if c == ".." {
            if !resolved.isEmpty { resolved.removeLast() }
          } else {
            resolved.append(c)
          }
        }
        Sys.close(dir)
        switch Sys.open("/", GK_O_PATH | O_DIRECTORY | O_CLOEXEC) {
        case .success(let fd): dir = fd
        case .failure(let e): return .failure(TrustFailure(missing: false, message: "/: \(e)"))
        }
        walkedParts = []
        parts = (resolved + parts)[...]
        continue
      }
      if last {
        Sys.close(dir)
        return .success(Opened(fd: nfd, st: st))
      }
      walkedParts.append(part)
      if (st.st_mode & S_IFMT) != S_IFDIR {
        Sys.close(nfd)
        return fail(false, "\(walked) is not a directory")
      }
      if !trusted(st, stickyOK: true) {
        Sys.close(nfd)
        return fail(false, ownershipProblem(st, what: "directory \(walked)", stickyOK: true) ?? walked)
      }
      Sys.close(dir)
      dir = nfd
    }
    return fail(false, "no file name")
  }

  /// Why an opened file is not to be trusted, or nil: not a regular file,
  /// owned by someone else than root and the caller, or writable by group
  /// or others.
  static func fileProblem(_ st: stat, what: @autoclosure () -> String) -> String? {
    if (st.st_mode & S_IFMT) != S_IFREG { return "\(what()) is not a regular file" }
    return ownershipProblem(st, what: what(), stickyOK: false)
  }

  /// Owned by root or the caller, and writable by nobody else (a root-owned
  /// sticky directory excepted when `stickyOK`).
  static func trusted(_ st: stat, stickyOK: Bool) -> Bool {
    if st.st_uid != 0 && st.st_uid != Sys.effectiveUID() { return false }
    let sticky = stickyOK && st.st_uid == 0 && st.st_mode & S_ISVTX != 0
    return st.st_mode & (S_IWGRP | S_IWOTH) == 0 || sticky
  }

  static func ownershipProblem(_ st: stat, what: @autoclosure () -> String, stickyOK: Bool) -> String? {
    if trusted(st, stickyOK: stickyOK) { return nil }
    let uid = Sys.effectiveUID()
    if st.st_uid != 0 && st.st_uid != uid {
      return "\(what()) is owned by uid \(st.st_uid), not root or uid \(uid)"
    }
    return "\(what()) is writable by group or others (mode \(String(st.st_mode & 0o7777, radix: 8)))"
  }

  /// `/a//b/./c` -> [a, b, c], split on the bytes (String.split costs ten
  /// times more on this per-call path).
  private static func components(_ path: String) -> [String] {
    var out: [String] = []
    var path = path
    path.withUTF8 { bytes in
      var start = 0
      for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: "/") {
        let n = i - start
        if n > 0 && !(n == 1 && bytes[start] == UInt8(ascii: ".")) {
          out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
        }
        start = i + 1
      }
    }
    return out
  }
}
