// Loading the policy: open without following a symlink, then judge the
// descriptor actually opened (fstat), not the name. The file and its
// directory must be owned by root or the invoking user and writable by
// nobody else; otherwise gatekeeper refuses to run (exit 78).

import GatekeeperCore
import Glibc

struct PolicyFailure: Error {
  var reason: RuntimeReason
  /// One line for the client and the log.
  var message: String
  /// Every `FILE:LINE:COL: message` line, for policy errors.
  var lines: [String] = []
}

enum PolicyFile {
  static let defaultPath = "/etc/gatekeeper/gatekeeper.policy"

  /// Reads and parses `path`. With `strict == false` (check mode) an unsafe
  /// owner or mode is reported through `warnings` instead of refusing.
  static func load(_ path: String, strict: Bool, warnings: inout [String]) -> Result<Policy, PolicyFailure> {
    let fd = Sys.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
    if fd < 0 {
      let why = -fd == ELOOP ? "is a symbolic link" : Sys.errorText(-fd)
      let reason: RuntimeReason = -fd == ELOOP ? .policyUnsafe : .policyMissing
      return .failure(PolicyFailure(reason: reason, message: "policy \(path): \(why)"))
    }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
      return .failure(PolicyFailure(reason: .policyUnsafe, message: "policy \(path): not a regular file"))
    }
    if let problem = ownershipProblem(st, what: "policy \(path)") {
      if strict { return .failure(PolicyFailure(reason: .policyUnsafe, message: problem)) }
      warnings.append("warning: \(problem) (ignored by check; a real call would refuse)")
    }
    let dir = directory(of: path)
    let dfd = Sys.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dfd >= 0 {
      defer { close(dfd) }
      var dst = stat()
      if fstat(dfd, &dst) == 0, let problem = ownershipProblem(dst, what: "policy directory \(dir)") {
        if strict { return .failure(PolicyFailure(reason: .policyUnsafe, message: problem)) }
        warnings.append("warning: \(problem) (ignored by check; a real call would refuse)")
      }
    } else if strict {
      return .failure(PolicyFailure(reason: .policyUnsafe, message: "policy directory \(dir): cannot be opened"))
    }
    guard let bytes = Sys.readAll(fd, limit: PolicyParser.maxSize) else {
      return .failure(PolicyFailure(reason: .policyInvalid, message: "policy \(path): unreadable or too large"))
    }
    switch PolicyParser.parse(bytes) {
    case .success(let policy):
      return .success(policy)
    case .failure(let failure):
      let errors = failure.errors
      let lines = errors.map { "\(path):\($0)" }
      return .failure(
        PolicyFailure(
          reason: .policyInvalid, message: "policy \(path) has \(errors.count) error(s); first: \(lines[0])",
          lines: lines))
    }
  }

  static func ownershipProblem(_ st: stat, what: String) -> String? {
    let uid = geteuid()
    if st.st_uid != 0 && st.st_uid != uid {
      return "\(what) is owned by uid \(st.st_uid), not root or uid \(uid)"
    }
    if st.st_mode & (S_IWGRP | S_IWOTH) != 0 {
      return "\(what) is writable by group or others (mode \(String(st.st_mode & 0o7777, radix: 8)))"
    }
    return nil
  }

  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let d = String(path[..<slash])
    return d.isEmpty ? "/" : d
  }
}
