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
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buf, 4095)
    guard n > 0 else { return InstallPaths.gatekeeper }
    return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Execs sudo with the fixed PATH and SSH_CONNECTION / SSH_USER_AUTH
  /// passed on (sudoers must keep them: see `gatekeeper sudoers`). Returns
  /// the errno text on failure.
  static func execSudo(_ argv: [String]) -> String {
    var envp = [path]
    for name in ["SSH_CONNECTION", "SSH_USER_AUTH"] {
      if let v = Sys.envString(name) { envp.append("\(name)=\(v)") }
    }
    gk_close_from(3)
    var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    var cEnv: [UnsafeMutablePointer<CChar>?] = envp.map { strdup($0) } + [nil]
    execve(sudo, &cArgs, &cEnv)
    return Sys.errorText(errno)
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
    case .failure(let f): return .failure(ProgramProblem(reason: f.missing ? .toolNotFound : .toolUnsafe, why: f.message))
    }
    let st = opened.st
    if (st.st_mode & S_IFMT) != S_IFREG || st.st_mode & 0o111 == 0 {
      close(opened.fd)
      return .failure(ProgramProblem(reason: .toolNotExecutable, why: "program \(path) is not an executable regular file"))
    }
    if let problem = Trust.ownershipProblem(st, what: "program \(path)", stickyOK: false) {
      close(opened.fd)
      return .failure(ProgramProblem(reason: .toolUnsafe, why: problem))
    }
    return .success(Program(fd: opened.fd))
  }

  /// Applies the invocation's prefixes, confines this process with the
  /// prepared Landlock ruleset `confine` (unless -1) and execs. Returns only
  /// on failure, with the reason and errno text.
  static func exec(_ allowed: Allowed, program: Program, confine: Int32) -> (RuntimeReason, String) {
    let inv = allowed.invocation
    if let n = inv.nice, n > 0 {
      errno = 0
      _ = Glibc.nice(Int32(n))
    }
    if let cls = inv.ioniceClass {
      _ = gk_ioprio_set(Int32(cls), Int32(cls == 3 ? 0 : (inv.ioniceLevel ?? 4)))
    }
    if inv.program == .tar {
      let null = Sys.open("/dev/null", O_RDONLY)
      if null >= 0 {
        dup2(null, 0)
        if null != 0 { close(null) }
      }
    }
    _ = chdir("/")
    umask(0o077)
    if confine >= 0, let why = Confine.enforce(confine) { return (.confineUnavailable, why) }
    gk_close_from_except(3, program.fd)
    let argv = allowed.argv
    let envp = [path] + inv.locale
    var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    var cEnv: [UnsafeMutablePointer<CChar>?] = envp.map { strdup($0) } + [nil]
    _ = gk_execveat(program.fd, &cArgs, &cEnv)
    if errno == ENOENT {
      // A `#!` script: its interpreter opens it as /dev/fd/N, which a
      // close-on-exec descriptor is not by then; keep it open and run again.
      _ = fcntl(program.fd, F_SETFD, 0)
      _ = gk_execveat(program.fd, &cArgs, &cEnv)
    }
    let e = errno
    let reason: RuntimeReason =
      switch e {
      case ENOENT: .toolNotFound
      case EACCES, EPERM: .toolNotExecutable
      default: .execFailed  // ENOEXEC (not a program), E2BIG, ENOMEM...
      }
    return (reason, Sys.errorText(e))
  }
}
