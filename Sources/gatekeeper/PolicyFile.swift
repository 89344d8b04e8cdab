// Loading the policy: walked to from `/` without following a symlink (see
// Trust), then the descriptor actually opened is judged (fstat), not the
// name. The file and every directory above it must be owned by root or the
// invoking user and writable by nobody else; otherwise gatekeeper refuses
// to run (exit 78).

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
  static let defaultPath = InstallPaths.policy

  /// Reads and parses `path`. The file and every directory above it must be
  /// trusted (see Trust); with `strict == false` (check mode) an unsafe owner
  /// or mode is reported through `warnings` instead of refusing.
  static func load(_ path: String, strict: Bool, warnings: inout [String]) -> Result<Policy, PolicyFailure> {
    var fd: Int32 = -1
    var st = stat()
    switch Trust.open(path, flags: O_RDONLY | O_NONBLOCK, followLinks: false, what: "policy") {
    case .success(let opened):
      fd = opened.fd
      st = opened.st
    case .failure(let f):
      let reason: RuntimeReason = f.missing ? .policyMissing : .policyUnsafe
      if strict || f.missing { return .failure(PolicyFailure(reason: reason, message: f.message)) }
      warnings.append("warning: \(f.message) (ignored by check; a real call would refuse)")
      func unsafe(_ why: String) -> Result<Policy, PolicyFailure> {
        .failure(PolicyFailure(reason: .policyUnsafe, message: "policy \(path): \(why)"))
      }
      switch Sys.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) {
      case .success(let f): fd = f
      case .failure(let e): return unsafe(e == .tooManySymbolicLinks ? "is a symbolic link" : e.description)
      }
      switch Sys.status(fd) {
      case .success(let s): st = s
      case .failure(let e):
        Sys.close(fd)
        return unsafe(e.description)
      }
    }
    defer { Sys.close(fd) }
    if let problem = Trust.fileProblem(st, what: "policy \(path)") {
      if strict || (st.st_mode & S_IFMT) != S_IFREG {
        return .failure(PolicyFailure(reason: .policyUnsafe, message: problem))
      }
      warnings.append("warning: \(problem) (ignored by check; a real call would refuse)")
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
}
