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
    switch Sys.landlockABI() {
    case .success(let abi) where abi >= 1: return .success(Int(abi))
    case .success(let abi): return .failure(ConfineError("landlock: ABI \(abi)"))
    case .failure(let e) where e == .noSuchSystemCall: return .failure(ConfineError("kernel has no landlock"))
    case .failure(let e) where e == .notSupported: return .failure(ConfineError("landlock is disabled in this kernel"))
    case .failure(let e): return .failure(ConfineError("landlock: \(e)"))
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
      guard case .success(let st) = Sys.status(path: grant.path) else { return false }
      let id = (UInt64(st.st_dev), UInt64(st.st_ino))
      if seen.contains(where: { $0 == id }) { return false }
      seen.append(id)
      return true
    }
  }

  /// Creates the ruleset and adds every grant whose path exists; returns
  /// its descriptor (close-on-exec) or why it failed.
  static func create(_ ruleset: LandlockRuleset) -> Result<Int32, ConfineError> {
    let fd: Int32
    switch Sys.landlockCreateRuleset(
      fs: ruleset.handledFS, net: ruleset.handledNet, scoped: ruleset.scoped, abi: Int32(ruleset.abi))
    {
    case .success(let f): fd = f
    case .failure(let e): return .failure(ConfineError("landlock_create_ruleset: \(e)"))
    }
    for grant in ruleset.grants {
      // Follows symbolic links: the rule attaches to what the path names (a
      // path missing here has nothing to grant).
      guard case .success(let pfd) = Sys.open(grant.path, GK_O_PATH | O_CLOEXEC) else { continue }
      var isDir = false
      if case .success(let st) = Sys.status(pfd) { isDir = (st.st_mode & S_IFMT) == S_IFDIR }
      let access = isDir ? grant.access : grant.access & Landlock.fileRights
      let added = Sys.landlockAddPath(fd, access: access, pfd)
      Sys.close(pfd)
      if case .failure(let e) = added {
        Sys.close(fd)
        return .failure(ConfineError("landlock_add_rule \(grant.path): \(e)"))
      }
    }
    return .success(fd)
  }

  /// Sets no_new_privs and restricts this process with the ruleset; nil on
  /// success, else the errno text. Called by Launch.exec just before execve.
  static func enforce(_ fd: Int32) -> String? {
    if case .failure(let e) = Sys.landlockRestrict(fd) { return "landlock_restrict_self: \(e)" }
    Sys.close(fd)
    return nil
  }
}
