// Kernel confinement: the core's Landlock ruleset built in the kernel before
// the allow record is written, and enforced on this process just before
// execve (Launch.exec), so the tool inherits it. See GatekeeperCore's
// Landlock.swift for what the ruleset allows.

import CSystem
import GatekeeperCore
import Glibc

/// Why a call cannot be confined (one line for the record and the client).
struct ConfineError: Error {
  var why: String
  init(_ why: String) { self.why = why }
}

enum Confine {
  /// What an allowed call will run under.
  struct Plan {
    /// The prepared ruleset's descriptor, or -1 when the call runs unconfined.
    var fd: Int32 = -1
    /// For the record and `check`: `landlock-7` or `none (why)`.
    var summary: String
    /// The ruleset, when there is one.
    var ruleset: LandlockRuleset? = nil
  }

  /// The kernel's Landlock ABI, or why there is none.
  static func kernelABI() -> Result<Int, ConfineError> {
    let abi = gk_landlock_abi()
    if abi >= 1 { return .success(Int(abi)) }
    let e = errno
    switch e {
    case ENOSYS: return .failure(ConfineError("kernel has no landlock"))
    case EOPNOTSUPP: return .failure(ConfineError("landlock is disabled in this kernel"))
    default: return .failure(ConfineError("landlock: \(Sys.errorText(e))"))
    }
  }

  /// The plan for `rule` under `mode`. `.failure` means the call must not
  /// run: confinement is required and unavailable, or building the
  /// ruleset failed (which never falls back to running unconfined).
  static func plan(_ rule: Rule, mode: ConfineMode) -> Result<Plan, ConfineError> {
    if mode == .off { return .success(Plan(summary: "none (policy: confine landlock=off)")) }
    let abi: Int
    switch kernelABI() {
    case .success(let a): abi = a
    case .failure(let e):
      if mode == .required { return .failure(ConfineError(e.why + "; the policy says confine landlock=required")) }
      return .success(Plan(summary: "none (\(e.why))"))
    }
    var ruleset = LandlockRuleset(rule: rule, abi: abi)
    ruleset.grants = present(ruleset.grants)
    return create(ruleset).map { Plan(fd: $0, summary: ruleset.label, ruleset: ruleset) }
  }

  /// The grants whose paths exist here, each file once (on merged-/usr
  /// systems /bin/gzip and /usr/bin/gzip are one file): what is applied.
  static func present(_ grants: [LandlockGrant]) -> [LandlockGrant] {
    var seen: [(UInt64, UInt64)] = []
    return grants.filter { grant in
      var st = stat()
      guard stat(grant.path, &st) == 0 else { return false }
      let id = (UInt64(st.st_dev), UInt64(st.st_ino))
      if seen.contains(where: { $0 == id }) { return false }
      seen.append(id)
      return true
    }
  }

  /// Creates the ruleset and adds every grant whose path exists; returns
  /// its descriptor (close-on-exec) or why it failed.
  static func create(_ ruleset: LandlockRuleset) -> Result<Int32, ConfineError> {
    let fd = gk_landlock_create_ruleset(ruleset.handledFS, ruleset.handledNet, ruleset.scoped, Int32(ruleset.abi))
    guard fd >= 0 else { return .failure(ConfineError("landlock_create_ruleset: \(Sys.errorText(errno))")) }
    for grant in ruleset.grants {
      // Follows symbolic links: the rule attaches to what the path names.
      let pfd = Sys.open(grant.path, GK_O_PATH | O_CLOEXEC)
      if pfd < 0 { continue }  // missing here: nothing to grant
      var st = stat()
      let isDir = fstat(pfd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
      let access = isDir ? grant.access : grant.access & Landlock.fileRights
      let added = gk_landlock_add_path(fd, access, pfd)
      let e = errno
      close(pfd)
      if added != 0 {
        close(fd)
        return .failure(ConfineError("landlock_add_rule \(grant.path): \(Sys.errorText(e))"))
      }
    }
    return .success(fd)
  }

  /// Sets no_new_privs and restricts this process with the ruleset; nil on
  /// success, else the errno text. Called by Launch.exec just before execve.
  static func enforce(_ fd: Int32) -> String? {
    if gk_landlock_restrict(fd) != 0 { return "landlock_restrict_self: \(Sys.errorText(errno))" }
    close(fd)
    return nil
  }
}
