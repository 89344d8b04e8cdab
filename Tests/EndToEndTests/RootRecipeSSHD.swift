// A private sshd on 127.0.0.1 for the deployment-recipe tests (root forced
// command, Ansible role). Unlike the shared harness (Harness.swift), the
// caller chooses the AuthorizedKeysFile: the recipe's own line, exactly as
// `gatekeeper authorize` printed it or as the Ansible role wrote it.
// Self-contained (its own posix_spawn process runner), so it never depends
// on the harness's internals.

import Foundation
import Glibc

struct RootRecipeError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// One finished process.
struct RootRecipeResult: CustomStringConvertible {
  var status: Int32
  var stdout: Data
  var stderr: Data
  var timedOut: Bool
  var out: String { String(decoding: stdout, as: UTF8.self) }
  var err: String { String(decoding: stderr, as: UTF8.self) }
  var description: String {
    "exit \(status)\(timedOut ? " (killed after timeout)" : "")\nstdout: \(out.suffix(3000))\nstderr: \(err.suffix(3000))"
  }
}

enum RootRecipeRun {
  static var isRoot: Bool { geteuid() == 0 }

  /// Runs `exe` (absolute) with `args`; stdin from `stdin` or /dev/null;
  /// outputs through files (no pipe can fill up); its process group is
  /// killed after `timeout` seconds. posix_spawn, not Foundation's Process:
  /// ssh and sshd close every inherited descriptor at startup, including the
  /// one Foundation watches to learn that a child ended, and Foundation then
  /// blocks in wait4 on that child and reaps no other (a hang with sshd).
  static func run(
    _ exe: String, _ args: [String], stdin: Data? = nil, environment: [String: String] = [:],
    timeout: TimeInterval = 60
  ) throws -> RootRecipeResult {
    let fm = FileManager.default
    let io = try tempDirectory("gk-recipe-io")
    defer { try? fm.removeItem(atPath: io) }
    let inPath = stdin == nil ? "/dev/null" : io + "/in"
    if let stdin { try stdin.write(to: URL(fileURLWithPath: inPath)) }
    var env = ProcessInfo.processInfo.environment
    env["SSH_AUTH_SOCK"] = nil
    for (k, v) in environment { env[k] = v }
    let pid = try spawn([exe] + args, stdin: inPath, stdout: io + "/out", stderr: io + "/err", environment: env)
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    var termAt: Date? = nil
    while true {
      let r = waitpid(pid, &status, WNOHANG)
      if r == pid { break }
      if r < 0 && errno != EINTR { throw RootRecipeError("waitpid \(exe): \(String(cString: strerror(errno)))") }
      if termAt == nil && Date() > deadline {
        termAt = Date()
        kill(-pid, SIGTERM)
      } else if let t = termAt, Date() > t.addingTimeInterval(3) {
        kill(-pid, SIGKILL)
      }
      usleep(5000)
    }
    // WIFEXITED/WEXITSTATUS/WTERMSIG are macros: spelled out.
    let signal = status & 0x7f
    return RootRecipeResult(
      status: signal == 0 ? (status >> 8) & 0xff : 128 + signal, stdout: fm.contents(atPath: io + "/out") ?? Data(),
      stderr: fm.contents(atPath: io + "/err") ?? Data(), timedOut: termAt != nil)
  }

  /// posix_spawn with the standard descriptors on files, nothing else
  /// inherited, default signal handling and a process group of its own.
  static func spawn(
    _ argv: [String], stdin: String, stdout: String, stderr: String, append: Bool = false,
    environment: [String: String]
  ) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let mode = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
    posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, mode, 0o600)
    if stderr == stdout {
      posix_spawn_file_actions_adddup2(&actions, 1, 2)
    } else {
      posix_spawn_file_actions_addopen(&actions, 2, stderr, mode, 0o600)
    }
    // glibc 2.34+, not imported into Swift: looked up at run time.
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    if let f = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
      _ = unsafeBitCast(f, to: CloseFrom.self)(&actions, 3)
    }
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attr, &empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for sig in Int32(1)..<32 where sig != SIGKILL && sig != SIGSTOP { sigaddset(&defaults, sig) }
    posix_spawnattr_setsigdefault(&attr, &defaults)
    posix_spawnattr_setpgroup(&attr, 0)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
    let cargs = argv.map { strdup($0) } + [nil]
    let cenv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in cargs + cenv { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], &actions, &attr, cargs, cenv)
    guard rc == 0 else { throw RootRecipeError("posix_spawn \(argv[0]): \(String(cString: strerror(rc)))") }
    return pid
  }

  /// A setup step that must succeed.
  @discardableResult
  static func must(_ exe: String, _ args: [String], stdin: Data? = nil) throws -> RootRecipeResult {
    let r = try run(exe, args, stdin: stdin)
    guard r.status == 0 else { throw RootRecipeError("\(exe) \(args.joined(separator: " ")) failed: \(r)") }
    return r
  }

  /// A fresh 0700 directory under the temp dir.
  static func tempDirectory(_ prefix: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(
      atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    return path
  }

  /// The gatekeeper under test: $GATEKEEPER_BIN, else <package>/.build/debug/gatekeeper.
  static func gatekeeper(filePath: String = #filePath) -> String {
    if let b = ProcessInfo.processInfo.environment["GATEKEEPER_BIN"], !b.isEmpty { return b }
    return packageRoot(filePath: filePath) + "/.build/debug/gatekeeper"
  }

  /// The nearest directory above this file holding Package.swift.
  static func packageRoot(filePath: String = #filePath) -> String {
    var dir = URL(fileURLWithPath: filePath).deletingLastPathComponent()
    while dir.path != "/" {
      if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir.path }
      dir = dir.deletingLastPathComponent()
    }
    return FileManager.default.currentDirectoryPath
  }

  /// A new ed25519 key pair at `path` (and `path.pub`); returns the public line.
  static func newKey(_ path: String, comment: String) throws -> String {
    try must("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path])
    return String(decoding: FileManager.default.contents(atPath: path + ".pub") ?? Data(), as: UTF8.self)
  }

  /// The JSON audit records in `path`, one dictionary per line.
  static func auditRecords(_ path: String) -> [[String: Any]] {
    guard let d = FileManager.default.contents(atPath: path) else { return [] }
    return String(decoding: d, as: UTF8.self).split(separator: "\n").compactMap {
      (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
    }
  }
}

/// sshd on 127.0.0.1 with `PermitRootLogin forced-commands-only` and the
/// given AuthorizedKeysFile. StrictModes is off: the test files live under
/// /tmp (mode 1777), which StrictModes would reject for any path below it.
final class RootRecipeSSHD {
  let dir: String
  let port: Int
  private var pid: pid_t = 0
  private let logPath: String

  static let sshd = "/usr/sbin/sshd"
  static let destination = "root@127.0.0.1"

  /// Whether sshd, ssh, ssh-keygen, rsync and tar are installed.
  static var toolsPresent: Bool {
    ["/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-keygen", "/usr/bin/rsync", "/usr/bin/tar"].allSatisfy {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }

  /// Starts sshd with its host key and config in `dir` (which must exist).
  init(dir: String, authorizedKeysFile: String) throws {
    self.dir = dir
    let hostKey = dir + "/sshd_host_ed25519"
    if !FileManager.default.fileExists(atPath: hostKey) {
      _ = try RootRecipeRun.newKey(hostKey, comment: "recipe-host")
    }
    if !FileManager.default.fileExists(atPath: "/run/sshd") {
      try FileManager.default.createDirectory(
        atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }
    let logPath = dir + "/sshd.log"
    self.logPath = logPath
    var lastLog = ""
    for _ in 0..<5 {
      let port = try RootRecipeSSHD.freePort()
      let config = dir + "/sshd_config"
      try Data(
        """
        ListenAddress 127.0.0.1
        Port \(port)
        HostKey \(hostKey)
        PidFile \(dir)/sshd.pid
        AuthorizedKeysFile \(authorizedKeysFile)
        PermitRootLogin forced-commands-only
        StrictModes no
        UsePAM no
        ExposeAuthInfo yes
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        LogLevel VERBOSE

        """.utf8
      ).write(to: URL(fileURLWithPath: config))
      let pid = try RootRecipeRun.spawn(
        [RootRecipeSSHD.sshd, "-D", "-e", "-f", config], stdin: "/dev/null", stdout: logPath, stderr: logPath,
        append: true, environment: ProcessInfo.processInfo.environment)
      let deadline = Date().addingTimeInterval(10)
      var exited = false
      while Date() < deadline && !RootRecipeSSHD.accepts(port) {
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
          exited = true
          break
        }
        usleep(20_000)
      }
      if !exited && RootRecipeSSHD.accepts(port) {
        self.port = port
        self.pid = pid
        return
      }
      if !exited {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
      }
      lastLog = String(decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self)
    }
    throw RootRecipeError("sshd did not start; last log:\n\(lastLog)")
  }

  /// sshd's own log, for failure messages and for sshd's refusals.
  var log: String { String(decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self) }

  func stop() {
    guard pid > 0 else { return }
    kill(-pid, SIGTERM)  // its process group: the listener and any session it forked
    var status: Int32 = 0
    _ = waitpid(pid, &status, 0)
    pid = 0
  }

  deinit { stop() }

  func sshOptions(key: String) -> [String] {
    [
      "-F", "/dev/null", "-i", key, "-p", String(port), "-o", "StrictHostKeyChecking=no",
      "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
      "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10",
    ]
  }

  /// `ssh -i key [extra] root@127.0.0.1 [command]`: the command is one
  /// argument, so SSH_ORIGINAL_COMMAND is exactly `command`.
  func ssh(key: String, _ command: String?, extra: [String] = [], stdin: Data? = nil) throws -> RootRecipeResult {
    try RootRecipeRun.run(
      "/usr/bin/ssh", sshOptions(key: key) + extra + [RootRecipeSSHD.destination] + (command.map { [$0] } ?? []),
      stdin: stdin)
  }

  /// `rsync -e "ssh ..." args`.
  func rsync(key: String, _ args: [String]) throws -> RootRecipeResult {
    try RootRecipeRun.run(
      "/usr/bin/rsync", ["-e", (["/usr/bin/ssh"] + sshOptions(key: key)).joined(separator: " ")] + args)
  }

  /// A free TCP port on 127.0.0.1 (bind port 0, read it back, close).
  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw RootRecipeError("socket failed") }
    defer { close(fd) }
    var addr = loopback(0)
    let bound = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw RootRecipeError("bind failed") }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    guard named == 0 else { throw RootRecipeError("getsockname failed") }
    return Int(UInt16(bigEndian: addr.sin_port))
  }

  static func accepts(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = loopback(port)
    return withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    } == 0
  }

  static func loopback(_ port: Int) -> sockaddr_in {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return addr
  }
}
