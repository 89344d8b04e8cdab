// The client suite's own lab: a throwaway sshd on 127.0.0.1 whose keys are
// locked to gatekeeper, a policy, an ssh wrapper the real backup programs
// use, and helpers to run programs, read the audit log and compare trees.
// (Harness.swift is another suite's helper; nothing here depends on it.)

import Foundation
import Testing

/// What the machine has: the client tests skip, saying why, without it.
enum ClientEnv {
  static let isRoot = getuid() == 0

  /// The gatekeeper under test: $GATEKEEPER_BIN, else <package>/.build/debug/gatekeeper.
  static var gatekeeper: String {
    if let bin = ProcessInfo.processInfo.environment["GATEKEEPER_BIN"], !bin.isEmpty { return bin }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/gatekeeper").path
  }

  /// The helper scripts beside this file.
  static var scripts: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("clients").path
  }

  static let base: [String: String] = [
    "openssh-server": "/usr/sbin/sshd", "openssh-client": "/usr/bin/ssh", "rsync": "/usr/bin/rsync",
  ]

  /// nil when root and every package's program is installed, else the reason to skip.
  static func missing(_ packages: [String: String] = [:]) -> String? {
    guard isRoot else { return "client end-to-end tests need root (sshd, other users, mounts)" }
    let need = base.merging(packages) { a, _ in a }
    let absent = need.filter { !FileManager.default.isExecutableFile(atPath: $0.value) }.keys.sorted()
    return absent.isEmpty ? nil : "not installed: \(absent.joined(separator: " ")) (apt-get install them)"
  }

  static func ready(_ packages: [String: String] = [:]) -> Bool { missing(packages) == nil }

  /// Whether private mount namespaces work here (BackupPC and dirvish read
  /// fixed paths under /etc; the tests bind-mount private ones over them).
  static let canUnshare: Bool = {
    guard isRoot, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return false }
    return (try? ClientLab.run(["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/true"]).ok) ?? false
  }()

  /// `missing(packages)`, or the namespace reason, as a skip comment.
  static func skipComment(_ packages: [String: String], unshare: Bool = false) -> Comment {
    if let m = missing(packages) { return Comment(rawValue: m) }
    if unshare && !canUnshare {
      return "unshare -m fails here (no CAP_SYS_ADMIN?): no private /etc/backuppc or /etc/dirvish"
    }
    return ""
  }
}

/// One finished program run.
struct ClientRun {
  var status: Int32
  var stdout: String
  var stderr: String
  var ok: Bool { status == 0 }
  var summary: String { "exit \(status)\nstdout: \(stdout.suffix(3000))\nstderr: \(stderr.suffix(3000))" }
}

/// One line of gatekeeper's JSON audit log (the fields these tests read).
struct ClientAudit: Decodable {
  var decision: String
  var reason: String
  var detail: String
  var mode: String
  var command: String?
  var argv: [String]
  var secluded: [String]?
  var key: String?
  var client: String?
  var sudo_user: String?
}

final class ClientLab {
  let dir: String
  let port: Int
  let policyPath: String
  let auditPath: String
  let keyPath: String
  /// An ssh that reaches this lab's sshd with the backup key: `ssh -l USER 127.0.0.1 CMD`.
  let ssh: String
  private let sshd: pid_t
  private var closed = false

  /// `rules`: the policy's allow lines, `$LAB` standing for the lab's directory
  /// (the log lines are added).
  /// `users`: account -> extra gatekeeper arguments (e.g. ["root": [], "gkbackup": ["--sudo"]]).
  /// `gatekeeper`: the program the keys run (default ClientEnv.gatekeeper; `$LAB` allowed).
  init(_ name: String, rules: [String], users: [String: [String]] = ["root": []], gatekeeper: String? = nil)
    throws
  {
    var template = Array("/tmp/gk-clients-\(name)-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw ClientLabError("mkdtemp failed") }
    let dir = String(cString: made)
    self.dir = dir
    chmod(dir, 0o755)  // other accounts (gkbackup) must reach the policy and keys
    let policyPath = dir + "/gatekeeper.policy"
    let auditPath = dir + "/audit.jsonl"
    let keyPath = dir + "/backupkey"
    self.policyPath = policyPath
    self.auditPath = auditPath
    self.keyPath = keyPath
    for d in ["keys", "bin"] {
      try FileManager.default.createDirectory(atPath: "\(dir)/\(d)", withIntermediateDirectories: true)
    }
    for (file, comment) in [("hostkey", "host"), ("backupkey", "backup-server")] {
      let r = try ClientLab.run([
        "/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", "\(dir)/\(file)",
      ])
      guard r.ok else { throw ClientLabError("ssh-keygen: \(r.summary)") }
    }
    let policy =
      rules.map { $0.replacingOccurrences(of: "$LAB", with: dir) } + ["log file=\(auditPath)", "log syslog=none"]
    try ClientLab.write(policy.joined(separator: "\n") + "\n", to: policyPath, mode: 0o644)
    let pub = try String(contentsOfFile: keyPath + ".pub", encoding: .utf8).trimmingCharacters(
      in: .whitespacesAndNewlines)
    let bin = (gatekeeper ?? ClientEnv.gatekeeper).replacingOccurrences(of: "$LAB", with: dir)
    for (user, extra) in users {
      let words = [bin] + extra + ["--policy", policyPath]
      try ClientLab.write(
        "restrict,command=\"\(words.joined(separator: " "))\" \(pub)\n", to: "\(dir)/keys/\(user)", mode: 0o644)
    }
    try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
    var started: (pid_t, Int)? = nil
    for _ in 0..<5 {
      let p = Int.random(in: 20000..<60000)
      if let proc = try ClientLab.startSshd(dir: dir, port: p) {
        started = (proc, p)
        break
      }
    }
    guard let (proc, p) = started else {
      throw ClientLabError("sshd did not start: \(ClientLab.read(dir + "/sshd.log"))")
    }
    sshd = proc
    port = p
    let port = p
    let ssh = dir + "/bin/ssh"
    self.ssh = ssh
    let opts = [
      "-p", "\(port)", "-i", keyPath, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
      "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
    ]
    do {
      try ClientLab.write("#!/bin/sh\nexec /usr/bin/ssh \(opts.joined(separator: " ")) \"$@\"\n", to: ssh, mode: 0o755)
    } catch {
      ClientSpawn.stop(proc)
      throw error
    }
  }

  /// Port, key and host-key options for programs that take ssh arguments themselves.
  var sshOptions: String {
    "-p \(port) -i \(keyPath) -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no"
      + " -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
  }

  private static func startSshd(dir: String, port: Int) throws -> pid_t? {
    let config = """
      ListenAddress 127.0.0.1
      Port \(port)
      HostKey \(dir)/hostkey
      PidFile none
      AuthorizedKeysFile \(dir)/keys/%u
      StrictModes no
      UsePAM no
      PasswordAuthentication no
      KbdInteractiveAuthentication no
      PermitRootLogin forced-commands-only
      ExposeAuthInfo yes

      """
    try write(config, to: dir + "/sshd_config", mode: 0o600)
    let pid = try ClientSpawn.start(
      ["/usr/sbin/sshd", "-D", "-e", "-f", dir + "/sshd_config"], stdout: "/dev/null", stderr: dir + "/sshd.log")
    for _ in 0..<100 {
      if read(dir + "/sshd.log").contains("Server listening") { return pid }
      if ClientSpawn.reap(pid) != nil { return nil }
      usleep(50_000)
    }
    ClientSpawn.stop(pid)
    return nil
  }

  /// Stops this lab's sshd and removes the lab (kept when GK_KEEP_LAB=1).
  func close() {
    guard !closed else { return }
    closed = true
    ClientSpawn.stop(sshd)
    if ProcessInfo.processInfo.environment["GK_KEEP_LAB"] == "1" {
      print("lab kept: \(dir)")
    } else {
      try? FileManager.default.removeItem(atPath: dir)
    }
  }

  deinit { close() }

  /// The audit log's records so far.
  func audit() -> [ClientAudit] {
    ClientLab.read(auditPath).split(separator: "\n").compactMap {
      try? JSONDecoder().decode(ClientAudit.self, from: Data($0.utf8))
    }
  }

  /// Records appended since `before` records were there.
  func audit(since before: Int) -> [ClientAudit] { Array(audit().dropFirst(before)) }

  // MARK: running programs

  /// Runs `argv` (absolute program path) with stdin from /dev/null or `input`,
  /// the test's environment plus `env`, killing it after `timeout` seconds.
  @discardableResult
  static func run(_ argv: [String], env: [String: String] = [:], input: String? = nil, timeout: Double = 120) throws
    -> ClientRun
  {
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("gk-clients-run-\(UUID().uuidString)")
    let outPath = tmp.path + ".out"
    let errPath = tmp.path + ".err"
    let inPath = tmp.path + ".in"
    defer { for f in [outPath, errPath, inPath] { try? FileManager.default.removeItem(atPath: f) } }
    var stdin = "/dev/null"
    if let input {
      try write(input, to: inPath, mode: 0o600)
      stdin = inPath
    }
    let environment = ProcessInfo.processInfo.environment.merging(env) { _, b in b }
    let pid = try ClientSpawn.start(argv, env: environment, stdin: stdin, stdout: outPath, stderr: errPath)
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if let status = ClientSpawn.reap(pid) {
        return ClientRun(status: status, stdout: read(outPath), stderr: read(errPath))
      }
      usleep(10_000)
    }
    ClientSpawn.stop(pid)
    return ClientRun(status: -1, stdout: read(outPath), stderr: read(errPath) + "\n(killed after \(timeout) s)")
  }

  /// `run` through /bin/sh -c (for pipelines in helper steps, never for the client under test).
  @discardableResult
  static func sh(_ script: String, env: [String: String] = [:], timeout: Double = 120) throws -> ClientRun {
    try run(["/bin/sh", "-c", script], env: env, timeout: timeout)
  }

  static func read(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
  }

  /// Writes with O_CLOEXEC: a descriptor leaked into a child started meanwhile
  /// by a parallel test would make exec of a just-written script fail (ETXTBSY).
  static func write(_ text: String, to path: String, mode: mode_t) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw ClientLabError("open \(path): \(String(cString: strerror(errno)))") }
    defer { Glibc.close(fd) }
    let bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
      let n = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw ClientLabError("write \(path): \(String(cString: strerror(errno)))") }
      done += n
    }
    fchmod(fd, mode)
  }
}

/// Child processes by posix_spawn and waitpid (Foundation's Process missed
/// child exits here while tests ran in parallel).
enum ClientSpawn {
  /// Starts `argv[0]` (an absolute path) with stdio redirected to files.
  static func start(
    _ argv: [String], env: [String: String] = ProcessInfo.processInfo.environment, stdin: String = "/dev/null",
    stdout: String, stderr: String
  ) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
      // glibc 2.34+: nothing but stdio leaks into the child.
      typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
      _ = unsafeBitCast(sym, to: CloseFrom.self)(&actions, 3)
    }
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var mask = sigset_t()
    sigemptyset(&mask)
    posix_spawnattr_setsigmask(&attr, &mask)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK))
    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in cArgs + cEnv { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], &actions, &attr, cArgs, cEnv)
    guard rc == 0 else { throw ClientLabError("posix_spawn \(argv[0]): \(String(cString: strerror(rc)))") }
    return pid
  }

  /// The exit status (128+signal if killed) once `pid` has ended, else nil.
  static func reap(_ pid: pid_t) -> Int32? {
    var status: Int32 = 0
    let r = waitpid(pid, &status, WNOHANG)
    if r == 0 { return nil }
    if r < 0 { return -1 }
    let sig = status & 0x7f
    return sig == 0 ? (status >> 8) & 0xff : 128 + sig
  }

  /// SIGTERM, then SIGKILL after two seconds; always reaps.
  static func stop(_ pid: pid_t) {
    guard reap(pid) == nil else { return }
    kill(pid, SIGTERM)
    for _ in 0..<200 {
      if reap(pid) != nil { return }
      usleep(10_000)
    }
    kill(pid, SIGKILL)
    _ = waitpid(pid, nil, 0)
  }
}

/// Extended attributes through libc (sys/xattr.h is not in the Glibc module).
enum ClientXattr {
  typealias SetFn = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer, Int, Int32) -> Int32
  typealias GetFn = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer, Int) -> Int

  /// Sets `name` on `path`; false if the file system refuses.
  static func set(_ path: String, _ name: String, _ value: String) -> Bool {
    guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setxattr") else { return false }
    let f = unsafeBitCast(sym, to: SetFn.self)
    return Array(value.utf8).withUnsafeBytes { f(path, name, $0.baseAddress!, $0.count, 0) } == 0
  }

  static func get(_ path: String, _ name: String) -> String? {
    guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "getxattr") else { return nil }
    let f = unsafeBitCast(sym, to: GetFn.self)
    var buf = [UInt8](repeating: 0, count: 256)
    let n = buf.withUnsafeMutableBytes { f(path, name, $0.baseAddress!, 256) }
    return n >= 0 ? String(decoding: buf.prefix(n), as: UTF8.self) : nil
  }
}

struct ClientLabError: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}
