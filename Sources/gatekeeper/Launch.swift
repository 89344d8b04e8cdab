// Running the allowed program: priority, a fresh environment, descriptors,
// working directory, then execve(2) by absolute path. Nothing is inherited
// but the three standard descriptors (and tar's stdin is /dev/null).

import CSystem
import GatekeeperCore
import Glibc

/// Why the policy's program cannot be run.
struct ProgramProblem: Error {
  var reason: RuntimeReason
  var why: String
}

enum Launch {
  /// The only PATH the child sees (tar finds gzip/zstd through it).
  static let path = "PATH=/usr/bin:/bin"

  static let sudo = "/usr/bin/sudo"

  /// This program's own path (for sudo mode), from /proc/self/exe.
  static func selfPath() -> String {
    Sys.executablePath() ?? InstallPaths.gatekeeper
  }

  /// Execs sudo with the fixed PATH and SSH_CONNECTION / SSH_USER_AUTH
  /// passed on (sudoers must keep them: see `gatekeeper sudoers`). Returns
  /// the errno text on failure.
  static func execSudo(_ argv: [String]) -> String {
    var envp = [path]
    for name in ["SSH_CONNECTION", "SSH_USER_AUTH"] {
      if let v = Sys.envString(name) { envp.append("\(name)=\(v)") }
    }
    Sys.closeDescriptors(from: 3)
    return Sys.execve(sudo, argv, envp).description
  }

  /// The policy's program, opened (O_PATH) through trusted directories and
  /// judged before anything is logged as allowed; execveat(2) runs exactly
  /// this file.
  struct Program {
    var fd: Int32
  }

  /// Opens and judges `path`: it and every directory above it owned by root
  /// (or the caller) and writable by nobody else, a regular file with an
  /// execute bit.
  static func open(_ path: String) -> Result<Program, ProgramProblem> {
    let opened: Trust.Opened
    switch Trust.open(path, flags: GK_O_PATH, followLinks: true, what: "program") {
    case .success(let o): opened = o
    case .failure(let f):
      return .failure(ProgramProblem(reason: f.missing ? .toolNotFound : .toolUnsafe, why: f.message))
    }
    let st = opened.st
    if (st.st_mode & S_IFMT) != S_IFREG || st.st_mode & 0o111 == 0 {
      Sys.close(opened.fd)
      return .failure(
        ProgramProblem(reason: .toolNotExecutable, why: "program \(path) is not an executable regular file"))
    }
    if let problem = Trust.ownershipProblem(st, what: "program \(path)", stickyOK: false) {
      Sys.close(opened.fd)
      return .failure(ProgramProblem(reason: .toolUnsafe, why: problem))
    }
    return .success(Program(fd: opened.fd))
  }

  /// Applies the invocation's prefixes, confines this process with the
  /// prepared Landlock ruleset `confine` (unless -1) and execs. Returns only
  /// on failure, with the reason and errno text.
  static func exec(_ allowed: Allowed, program: Program, confine: Int32) -> (RuntimeReason, String) {
    let inv = allowed.invocation
    if let n = inv.nice, n > 0 { Sys.nice(Int32(n)) }
    if let cls = inv.ioniceClass {
      Sys.setIOPriority(class: Int32(cls), level: Int32(cls == 3 ? 0 : (inv.ioniceLevel ?? 4)))
    }
    if inv.program == .tar, case .success(let null) = Sys.open("/dev/null", O_RDONLY) {
      Sys.duplicate(null, onto: 0)
      if null != 0 { Sys.close(null) }
    }
    Sys.changeDirectory("/")
    Sys.setUmask(0o077)
    if confine >= 0, let why = Confine.enforce(confine) { return (.confineUnavailable, why) }
    Sys.closeDescriptors(from: 3, except: program.fd)
    let argv = allowed.argv
    let envp = [path] + inv.locale
    var e = Sys.execve(program.fd, argv, envp)
    if e == .noSuchFile {
      // A `#!` script: its interpreter opens it as /dev/fd/N, which a
      // close-on-exec descriptor is not by then; keep it open and run again.
      Sys.keepOpenAcrossExec(program.fd)
      e = Sys.execve(program.fd, argv, envp)
    }
    let reason: RuntimeReason =
      switch e {
      case .noSuchFile: .toolNotFound
      case .permissionDenied, .notPermitted: .toolNotExecutable
      default: .execFailed  // ENOEXEC (not a program), E2BIG, ENOMEM...
      }
    return (reason, e.description)
  }
}
