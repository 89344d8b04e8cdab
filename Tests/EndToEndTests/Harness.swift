// End-to-end harness: finds the built gatekeeper, runs processes with a
// timeout, and runs a private sshd on loopback whose only key is forced
// through gatekeeper. The binary is tested as a black box: nothing here
// imports GatekeeperCore.

import Foundation
import Glibc
import Testing

/// sshd logs the test key in as root only (PermitRootLogin forced-commands-only).
let isRoot = geteuid() == 0

struct HarnessError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

// MARK: - The binary under test

enum Gatekeeper {
  /// `<package root>/.build/debug/gatekeeper`, the package root being three
  /// levels up from this file; `GATEKEEPER_BIN` overrides it.
  static func path(filePath: String = #filePath) throws -> String {
    let path: String
    if let env = ProcessInfo.processInfo.environment["GATEKEEPER_BIN"], !env.isEmpty {
      path = env
    } else {
      let root = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
      path = root.appendingPathComponent(".build/debug/gatekeeper").path
    }
    guard path.hasPrefix("/"), FileManager.default.isExecutableFile(atPath: path) else {
      throw HarnessError(
        "gatekeeper binary not found at \(path): run `swift build` first (or set GATEKEEPER_BIN to an absolute path)"
      )
    }
    guard !path.contains(where: { " \"'\\$`".contains($0) }) else {
      throw HarnessError(
        "gatekeeper path \(path) has characters an authorized_keys command= cannot carry")
    }
    return path
  }
}

// MARK: - Processes

/// What a finished process left behind.
struct Output: CustomStringConvertible {
  var status: Int32
  var stdout: Data
  var stderr: Data
  var timedOut: Bool
  var out: String { String(decoding: stdout, as: UTF8.self) }
  var err: String { String(decoding: stderr, as: UTF8.self) }
  var description: String {
    "exit \(status)\(timedOut ? " (killed after timeout)" : ""); stderr: \(err.prefix(2000))"
  }
}

enum Proc {
  /// Runs `exe` (an absolute path) with `args`. Standard input is `stdin`,
  /// or the file at `stdinPath`, or /dev/null; standard output goes to
  /// `stdoutPath` when given (then `Output.stdout` is empty). Output is
  /// collected through files, so a chatty child can never block on a pipe.
  /// The child gets its own process group, killed whole after `timeout`
  /// seconds (an rsync and the ssh it started go together).
  static func run(
    _ exe: String, _ args: [String], stdin: Data? = nil, stdinPath: String? = nil,
    stdoutPath: String? = nil,
    environment: [String: String]? = nil, timeout: TimeInterval = 30
  ) throws -> Output {
    let fm = FileManager.default
    let io = try Files.privateTempDirectory("gk-e2e-io")
    defer { try? fm.removeItem(atPath: io) }
    let inPath = stdinPath ?? (stdin == nil ? "/dev/null" : io + "/stdin")
    if let stdin { try stdin.write(to: URL(fileURLWithPath: inPath)) }
    let outPath = stdoutPath ?? io + "/stdout"
    let errPath = io + "/stderr"
    let pid = try spawn(
      exe, args, stdin: inPath, stdout: outPath, stderr: errPath, environment: environment)
    let (status, timedOut) = wait(pid, timeout: timeout)
    let out = stdoutPath == nil ? (fm.contents(atPath: outPath) ?? Data()) : Data()
    return Output(
      status: status, stdout: out, stderr: fm.contents(atPath: errPath) ?? Data(),
      timedOut: timedOut)
  }

  /// posix_spawn(3) with the three standard descriptors opened on files,
  /// nothing else inherited, default signal dispositions, an empty signal
  /// mask and a new process group. (Foundation's Process is not used: its
  /// reaping hung under parallel tests on this platform.)
  static func spawn(
    _ exe: String, _ args: [String], stdin: String, stdout: String, stderr: String,
    environment: [String: String]? = nil
  ) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    // glibc 2.34+; not imported into Swift, so looked up (RTLD_DEFAULT is nil).
    typealias CloseFrom =
      @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    if let sym = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
      _ = unsafeBitCast(sym, to: CloseFrom.self)(&actions, 3)
    }
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attr, &none)
    var all = sigset_t()
    sigemptyset(&all)
    for sig in 1..<32 where sig != SIGKILL && sig != SIGSTOP { sigaddset(&all, Int32(sig)) }
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setpgroup(&attr, 0)
    posix_spawnattr_setflags(
      &attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

    var env = environment ?? ProcessInfo.processInfo.environment
    env["SSH_AUTH_SOCK"] = nil
    let argv = ([exe] + args).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in argv + envp { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, exe, &actions, &attr, argv, envp)
    guard rc == 0 else {
      throw HarnessError("posix_spawn \(exe): \(String(cString: strerror(rc)))")
    }
    return pid
  }

  /// Waits for `pid`; after `timeout` seconds kills its process group
  /// (TERM, then KILL). Returns the exit status (128+N for signal N).
  static func wait(_ pid: pid_t, timeout: TimeInterval) -> (Int32, Bool) {
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    var timedOut = false
    var killedAt: Date? = nil
    while true {
      let r = waitpid(pid, &status, WNOHANG)
      if r == pid { break }
      if r < 0 && errno != EINTR { return (-1, timedOut) }
      if killedAt == nil && Date() > deadline {
        timedOut = true
        killedAt = Date()
        kill(-pid, SIGTERM)
      } else if let k = killedAt, Date() > k.addingTimeInterval(2) {
        kill(-pid, SIGKILL)
      }
      usleep(2000)
    }
    // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out (macros).
    let signal = status & 0x7f
    return (signal == 0 ? (status >> 8) & 0xff : 128 + signal, timedOut)
  }

  /// Runs a setup step that must succeed.
  @discardableResult
  static func must(_ exe: String, _ args: [String], stdin: Data? = nil) throws -> Output {
    let o = try run(exe, args, stdin: stdin)
    guard o.status == 0 else {
      throw HarnessError("\(exe) \(args.joined(separator: " ")) failed: \(o)")
    }
    return o
  }
}

// MARK: - Files

enum Files {
  /// A fresh root-owned (caller-owned) 0700 directory under the temp dir.
  static func privateTempDirectory(_ prefix: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(
      at: url, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    return url.path
  }

  static func write(_ path: String, _ text: String, mode: Int = 0o600) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
  }

  static func lineCount(_ path: String) -> Int { lines(path).count }

  static func lines(_ path: String) -> [String] {
    guard let d = FileManager.default.contents(atPath: path) else { return [] }
    return String(decoding: d, as: UTF8.self).split(separator: "\n").map(String.init)
  }
}

// MARK: - The private sshd

/// One sshd on 127.0.0.1, its keys, the forced gatekeeper, the policy and
/// the audit file, all in one private directory. Shared by every test of a
/// suite through `.sshServer`.
final class SSHServer: @unchecked Sendable {
  let dir: String
  let port: Int
  let gatekeeper: String
  let clientKey: String
  /// `SHA256:...` as printed by `ssh-keygen -lf`.
  let fingerprint: String
  let policyPath: String
  let auditPath: String
  /// Backup sources, the only policy root: `tree` (the reference tree) and
  /// `scratch` (where refused requests try to write).
  let dataRoot: String
  let tree: String
  let scratch: String
  private let pid: pid_t
  /// Whether the file system took the POSIX ACL on `tree/acl.txt` and the
  /// user xattr on `tree/xattr.txt` (set once, before the server is shared).
  private(set) var hasACL = false
  private(set) var hasXattr = false
  private let logPath: String

  static let rsyncExec = "/usr/bin/rsync"
  static let tarExec = "/usr/bin/tar"

  @TaskLocal static var current: Result<SSHServer, HarnessError>? = nil

  /// The server of the enclosing `.sshServer` suite.
  static func shared() throws -> SSHServer {
    guard let current else { throw HarnessError("no sshd: the suite lacks the .sshServer trait") }
    return try current.get()
  }

  /// The policy every test starts from.
  func standardPolicy() -> String {
    """
    # gatekeeper end-to-end test policy
    allow rsync-sender exec=\(SSHServer.rsyncExec) roots=\(dataRoot)
    allow tar-create exec=\(SSHServer.tarExec) roots=\(dataRoot)
    log file=\(auditPath)
    log syslog=none

    """
  }

  private init(
    dir: String, port: Int, gatekeeper: String, clientKey: String, fingerprint: String, pid: pid_t,
    logPath: String
  ) {
    self.dir = dir
    self.port = port
    self.gatekeeper = gatekeeper
    self.clientKey = clientKey
    self.fingerprint = fingerprint
    self.pid = pid
    self.logPath = logPath
    policyPath = dir + "/test.policy"
    auditPath = dir + "/audit.jsonl"
    dataRoot = dir + "/data"
    tree = dataRoot + "/tree"
    scratch = dataRoot + "/scratch"
  }

  static func start() throws -> SSHServer {
    let gatekeeper = try Gatekeeper.path()
    let dir = try Files.privateTempDirectory("gk-e2e-sshd")
    let hostKey = dir + "/host_ed25519"
    let clientKey = dir + "/client_ed25519"
    try Proc.must(
      "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "gk-e2e-host", "-f", hostKey])
    try Proc.must(
      "/usr/bin/ssh-keygen",
      ["-q", "-t", "ed25519", "-N", "", "-C", "gk-e2e-client", "-f", clientKey])
    let listing = try Proc.must("/usr/bin/ssh-keygen", ["-lf", clientKey + ".pub"]).out
    let fields = listing.split(separator: " ")
    guard fields.count >= 2, fields[1].hasPrefix("SHA256:") else {
      throw HarnessError("ssh-keygen -lf said: \(listing)")
    }
    let pub = String(
      decoding: FileManager.default.contents(atPath: clientKey + ".pub") ?? Data(), as: UTF8.self
    )
    .trimmingCharacters(in: .whitespacesAndNewlines)
    try Files.write(
      dir + "/authorized_keys",
      "restrict,command=\"\(gatekeeper) --policy \(dir)/test.policy\" \(pub)\n")
    if !FileManager.default.fileExists(atPath: "/run/sshd") {
      try FileManager.default.createDirectory(
        atPath: "/run/sshd", withIntermediateDirectories: true,
        attributes: [.posixPermissions: 0o755])
    }

    var lastLog = ""
    for _ in 0..<5 {
      let port = try freePort()
      let config = dir + "/sshd_config"
      try Files.write(
        config,
        """
        ListenAddress 127.0.0.1
        Port \(port)
        HostKey \(hostKey)
        PidFile \(dir)/sshd.pid
        AuthorizedKeysFile \(dir)/authorized_keys
        StrictModes no
        UsePAM no
        PermitRootLogin forced-commands-only
        ExposeAuthInfo yes
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        LogLevel VERBOSE
        Subsystem sftp internal-sftp

        """)
      let logPath = dir + "/sshd.log"
      let pid = try Proc.spawn(
        "/usr/sbin/sshd", ["-D", "-e", "-f", config], stdin: "/dev/null", stdout: logPath,
        stderr: logPath)
      let deadline = Date().addingTimeInterval(10)
      var exited = false
      var status: Int32 = 0
      while !exited && Date() < deadline && !accepts(port) {
        exited = waitpid(pid, &status, WNOHANG) == pid
        usleep(20_000)
      }
      if !exited && accepts(port) {
        let server = SSHServer(
          dir: dir, port: port, gatekeeper: gatekeeper, clientKey: clientKey,
          fingerprint: String(fields[1]),
          pid: pid, logPath: logPath)
        try server.resetPolicy()
        try server.makeData()
        return server
      }
      if !exited {
        kill(pid, SIGTERM)
        _ = Proc.wait(pid, timeout: 5)
      }
      lastLog = String(
        decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self)
    }
    try? FileManager.default.removeItem(atPath: dir)
    throw HarnessError("sshd did not start; last log:\n\(lastLog)")
  }

  func stop() {
    kill(pid, SIGTERM)
    _ = Proc.wait(pid, timeout: 5)
    if ProcessInfo.processInfo.environment["GK_E2E_KEEP"] == nil {
      try? FileManager.default.removeItem(atPath: dir)
    }
  }

  /// sshd's own log, for failure messages.
  var sshdLog: String {
    String(decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self)
  }

  /// Writes the standard policy back (0600).
  func resetPolicy() throws {
    try? FileManager.default.removeItem(atPath: policyPath)
    try Files.write(policyPath, standardPolicy())
  }

  // MARK: Clients

  /// ssh options, without the destination.
  var sshOptions: [String] {
    [
      "-F", "/dev/null", "-i", clientKey, "-p", String(port), "-o", "StrictHostKeyChecking=no",
      "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
      "-o", "LogLevel=ERROR",
    ]
  }

  /// The `-e` value for rsync.
  var rsh: String { (["/usr/bin/ssh"] + sshOptions).joined(separator: " ") }

  static let destination = "root@127.0.0.1"

  /// `ssh [extra] root@127.0.0.1 [command]`: the command travels as one
  /// argument, so SSH_ORIGINAL_COMMAND is exactly `command`.
  func ssh(
    _ command: String?, extra: [String] = [], stdin: Data? = nil, stdoutPath: String? = nil,
    timeout: TimeInterval = 30
  ) throws -> Output {
    try Proc.run(
      "/usr/bin/ssh", sshOptions + extra + [SSHServer.destination] + (command.map { [$0] } ?? []),
      stdin: stdin,
      stdoutPath: stdoutPath, timeout: timeout)
  }

  func rsync(_ args: [String], timeout: TimeInterval = 30) throws -> Output {
    try Proc.run("/usr/bin/rsync", ["-e", rsh] + args, timeout: timeout)
  }

  /// A fresh empty directory outside the policy's roots.
  func freshDirectory(_ name: String) throws -> String {
    let path = dir + "/out/\(name)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  // MARK: Audit

  /// Runs `attempt` and returns the one audit record it added. Also checks
  /// the fields every forced call carries: the client, its port, the key.
  /// `keyMayBeLost`: the client disconnects at once, and sshd deletes the
  /// SSH_USER_AUTH file before gatekeeper can read it (the key is then "").
  func audited(
    keyMayBeLost: Bool = false, _ attempt: () throws -> Output,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> (
    Output, AuditRecord
  ) {
    let before = Files.lines(auditPath)
    let output = try attempt()
    // The client can be gone before the remote side finished (ssh -tt quits
    // when the pty is refused): give the record a moment to land.
    var after = Files.lines(auditPath)
    let deadline = Date().addingTimeInterval(5)
    while after.count <= before.count && Date() < deadline {
      usleep(10_000)
      after = Files.lines(auditPath)
    }
    try #require(
      after.count == before.count + 1,
      "expected exactly one new audit record, got \(after.count - before.count); \(output)",
      sourceLocation: sourceLocation)
    #expect(
      Array(after.prefix(before.count)) == before, "earlier audit lines changed",
      sourceLocation: sourceLocation)
    let record = try AuditRecord(line: after[after.count - 1], sourceLocation: sourceLocation)
    #expect(
      record.string("client") == "127.0.0.1", "client: \(record.line)",
      sourceLocation: sourceLocation)
    #expect(
      record.port.map { (1...65535).contains($0) } == true, "client_port: \(record.line)",
      sourceLocation: sourceLocation)
    let keys = keyMayBeLost ? [fingerprint, ""] : [fingerprint]
    #expect(
      keys.contains(record.string("key") ?? "?"), "key, expected \(fingerprint): \(record.line)",
      sourceLocation: sourceLocation)
    #expect(
      record.string("mode") == "forced", "mode: \(record.line)", sourceLocation: sourceLocation)
    #expect(record.string("user") == "root", "user: \(record.line)", sourceLocation: sourceLocation)
    return (output, record)
  }

  /// Builds the reference tree and the scratch directory, both with fixed
  /// old times so that a copy that kept them is told from one that did not.
  private func makeData() throws {
    let fm = FileManager.default
    for d in [tree, tree + "/sub", tree + "/sub/deeper", scratch, dataRoot + "/odd dir's \"x\""] {
      try fm.createDirectory(atPath: d, withIntermediateDirectories: true)
    }
    try Files.write(tree + "/plain.txt", "plain text\n", mode: 0o644)
    try Files.write(tree + "/it's a \"quoted\" name.txt", "spaces and quotes\n", mode: 0o640)
    try Files.write(tree + "/run.sh", "#!/bin/sh\necho hi\n", mode: 0o755)
    try Files.write(tree + "/empty", "", mode: 0o600)
    try Files.write(tree + "/sub/inner.txt", "inner\n", mode: 0o600)
    try Data((0...255).map { UInt8($0) }).write(
      to: URL(fileURLWithPath: tree + "/sub/deeper/blob.bin"))
    try Files.write(tree + "/sub/owned.txt", "numeric owner\n", mode: 0o644)
    guard chown(tree + "/sub/owned.txt", 12345, 23456) == 0 else {
      throw HarnessError("chown failed")
    }
    try fm.createSymbolicLink(atPath: tree + "/link", withDestinationPath: "plain.txt")
    try fm.createSymbolicLink(atPath: tree + "/sub/up", withDestinationPath: "../run.sh")
    try fm.linkItem(atPath: tree + "/plain.txt", toPath: tree + "/sub/hard.txt")
    try Files.write(dataRoot + "/odd dir's \"x\"/inside.txt", "odd\n", mode: 0o644)
    try Files.write(scratch + "/existing.txt", "original\n", mode: 0o644)
    try Files.write(scratch + "/victim.txt", "must survive\n", mode: 0o644)
    try fm.setAttributes([.posixPermissions: 0o750], ofItemAtPath: tree + "/sub/deeper")
    try Files.write(tree + "/acl.txt", "named-user ACL\n", mode: 0o640)
    hasACL = Tree.setXattr(tree + "/acl.txt", Tree.aclName, Tree.accessACL(namedUser: 4242))
    try Files.write(tree + "/xattr.txt", "user xattr\n", mode: 0o644)
    hasXattr = Tree.setXattr(tree + "/xattr.txt", "user.gatekeeper", Data("e2e".utf8))
    // Deepest first, so setting a file's time does not disturb its directory's.
    var stamp = 1_000_000_000
    for path in try Tree.paths(under: dataRoot).reversed() {
      stamp += 3600
      var times = [timespec(tv_sec: stamp, tv_nsec: 0), timespec(tv_sec: stamp, tv_nsec: 0)]
      guard utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
        throw HarnessError("utimensat \(path)")
      }
    }
  }

  /// A free TCP port on 127.0.0.1: bind port 0, read it back, close.
  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError("socket failed") }
    defer { close(fd) }
    var addr = loopback(port: 0)
    let bound = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0 else { throw HarnessError("bind failed") }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    guard named == 0 else { throw HarnessError("getsockname failed") }
    return Int(UInt16(bigEndian: addr.sin_port))
  }

  /// True when something accepts TCP connections on 127.0.0.1:port.
  static func accepts(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = loopback(port: port)
    return withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    } == 0
  }

  private func accepts(_ port: Int) -> Bool { SSHServer.accepts(port) }

  static func loopback(port: Int) -> sockaddr_in {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return addr
  }
}

/// `.sshServer`: one sshd for the whole suite (and its nested suites),
/// stopped when the suite ends.
struct SSHServerTrait: SuiteTrait, TestScoping {
  func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    guard isRoot else { return try await function() }
    let started: Result<SSHServer, HarnessError>
    do { started = .success(try SSHServer.start()) } catch let e as HarnessError {
      started = .failure(e)
    } catch {
      started = .failure(HarnessError("\(error)"))
    }
    defer { if case .success(let s) = started { s.stop() } }
    try await SSHServer.$current.withValue(started) { try await function() }
  }
}

extension Trait where Self == SSHServerTrait {
  static var sshServer: Self { SSHServerTrait() }
}
