// The one way the end-to-end tests run a program.
//
// posix_spawn and waitpid, never Foundation's Process: ssh and sshd close
// every inherited descriptor at startup, including the one Process watches
// to learn that a child ended, and Process then blocked in wait4 on that
// child and reaped no other (a hang under parallel tests). Here a child gets
// its three standard descriptors on files (no pipe can fill up), nothing else
// inherited, default signal handling, an empty signal mask and a process
// group of its own, killed whole after the timeout (an rsync and the ssh it
// started go together).

import Foundation
import Glibc

struct HarnessError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// What a finished process left behind.
struct Output: CustomStringConvertible {
  var status: Int32
  var stdout: Data
  var stderr: Data
  var timedOut: Bool
  var ok: Bool { status == 0 && !timedOut }
  var out: String { String(decoding: stdout, as: UTF8.self) }
  var err: String { String(decoding: stderr, as: UTF8.self) }
  /// Both outputs, stdout first.
  var output: String { out + err }
  var description: String {
    let shown = stdout.contains(0) ? "(\(stdout.count) bytes)" : String(out.suffix(3000))
    let e =
      err.count > 3000 ? String(err.prefix(1000)) + "\n[...]\n" + String(err.suffix(2000)) : err
    return
      "exit \(status)\(timedOut ? " (killed after timeout)" : "")\nstdout: \(shown)\nstderr: \(e)"
  }
}

enum Proc {
  /// A child's standard input.
  enum Input {
    case null, closed
    case data(Data)
    case text(String)
    case file(String)
  }

  /// Runs `exe` (an absolute path) with `args`. Standard output goes to
  /// `stdoutPath` when given (then `Output.stdout` is empty). `env` is the
  /// whole environment (nil: the test's own, see `environment(adding:)`);
  /// SSH_AUTH_SOCK is never passed on. `cwd`: the working directory.
  static func run(
    _ exe: String, _ args: [String] = [], stdin: Input = .null, stdoutPath: String? = nil,
    env: [String: String]? = nil, cwd: String? = nil, timeout: TimeInterval = 120
  ) throws -> Output {
    let fm = FileManager.default
    let io = try Files.tempDirectory("gk-e2e-io")
    defer { try? fm.removeItem(atPath: io) }
    var inPath: String? = "/dev/null"
    switch stdin {
    case .null: break
    case .closed: inPath = nil
    case .file(let path): inPath = path
    case .data(let data):
      inPath = io + "/stdin"
      try Files.write(io + "/stdin", data: data)
    case .text(let text):
      inPath = io + "/stdin"
      try Files.write(io + "/stdin", text)
    }
    let outPath = stdoutPath ?? io + "/stdout"
    let pid = try spawn(
      [exe] + args, stdin: inPath, stdout: outPath, stderr: io + "/stderr", env: env, cwd: cwd)
    let (status, timedOut) = wait(pid, timeout: timeout)
    return Output(
      status: status,
      stdout: stdoutPath == nil ? (fm.contents(atPath: outPath) ?? Data()) : Data(),
      stderr: fm.contents(atPath: io + "/stderr") ?? Data(), timedOut: timedOut)
  }

  /// A setup step that must succeed.
  @discardableResult
  static func must(_ exe: String, _ args: [String], stdin: Input = .null) throws -> Output {
    let o = try run(exe, args, stdin: stdin)
    guard o.ok else { throw HarnessError("\(exe) \(args.joined(separator: " ")) failed: \(o)") }
    return o
  }

  /// The test's environment with `extra` set on top.
  static func environment(adding extra: [String: String] = [:]) -> [String: String] {
    ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
  }

  /// The absolute path of `name` on PATH, the sbin directories or `also`.
  static func which(_ name: String, also: [String] = []) -> String? {
    let dirs =
      (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
      + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] + also
    return dirs.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  // MARK: Spawning and reaping

  // glibc extensions Swift does not import: looked up once (RTLD_DEFAULT is nil).
  private typealias CloseFrom =
    @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
  private typealias AddChdir =
    @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
  nonisolated(unsafe) private static let closeFrom = dlsym(
    nil, "posix_spawn_file_actions_addclosefrom_np")
  nonisolated(unsafe) private static let addChdir = dlsym(
    nil, "posix_spawn_file_actions_addchdir_np")

  /// posix_spawn(3): `argv[0]` absolute; stdin from `stdin` (nil: closed),
  /// stdout and stderr on files (the same path: one descriptor), nothing
  /// else inherited, default signal dispositions, an empty signal mask and
  /// a new process group.
  static func spawn(
    _ argv: [String], stdin: String?, stdout: String, stderr: String,
    env: [String: String]? = nil, cwd: String? = nil
  ) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let stdin {
      posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
    } else {
      posix_spawn_file_actions_addclose(&actions, 0)
    }
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if stderr == stdout {
      posix_spawn_file_actions_adddup2(&actions, 1, 2)
    } else {
      posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    }
    if let sym = closeFrom { _ = unsafeBitCast(sym, to: CloseFrom.self)(&actions, 3) }
    if let cwd {
      guard let sym = addChdir else {
        throw HarnessError("no posix_spawn_file_actions_addchdir_np")
      }
      _ = unsafeBitCast(sym, to: AddChdir.self)(&actions, cwd)
    }
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attr, &none)
    var all = sigset_t()
    sigemptyset(&all)
    for sig in Int32(1)..<32 where sig != SIGKILL && sig != SIGSTOP { sigaddset(&all, sig) }
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setpgroup(&attr, 0)
    posix_spawnattr_setflags(
      &attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
    var environment = env ?? ProcessInfo.processInfo.environment
    environment["SSH_AUTH_SOCK"] = nil
    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in cArgs + cEnv { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], &actions, &attr, cArgs, cEnv)
    guard rc == 0 else {
      throw HarnessError("posix_spawn \(argv[0]): \(String(cString: strerror(rc)))")
    }
    return pid
  }

  /// Waits for `pid`; after `timeout` seconds kills its process group
  /// (TERM, then KILL two seconds later). Returns the exit status (128+N
  /// for signal N) and whether it was killed.
  static func wait(_ pid: pid_t, timeout: TimeInterval) -> (Int32, Bool) {
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    var killedAt: Date? = nil
    while true {
      let r = waitpid(pid, &status, WNOHANG)
      if r == pid { break }
      if r < 0 && errno != EINTR { return (-1, killedAt != nil) }
      if killedAt == nil && Date() > deadline {
        killedAt = Date()
        kill(-pid, SIGTERM)
      } else if let k = killedAt, Date() > k.addingTimeInterval(2) {
        kill(-pid, SIGKILL)
      }
      usleep(2000)
    }
    // WIFEXITED / WEXITSTATUS / WTERMSIG are macros: spelled out.
    let signal = status & 0x7f
    return (signal == 0 ? (status >> 8) & 0xff : 128 + signal, killedAt != nil)
  }

  /// The exit status once `pid` has ended, else nil (never blocks).
  static func reap(_ pid: pid_t) -> Int32? {
    var status: Int32 = 0
    let r = waitpid(pid, &status, WNOHANG)
    if r == 0 { return nil }
    if r < 0 { return -1 }
    let signal = status & 0x7f
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal
  }

  /// Ends a long-running child (a daemon): TERM to its group, KILL after
  /// five seconds; always reaps.
  static func stop(_ pid: pid_t) {
    guard reap(pid) == nil else { return }
    kill(-pid, SIGTERM)
    _ = wait(pid, timeout: 5)
  }
}
