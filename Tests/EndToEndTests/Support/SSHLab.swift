// The one private sshd of the end-to-end tests: 127.0.0.1, a free port, its
// host key, config and log in the lab's directory. What differs between
// suites is configuration: the AuthorizedKeysFile pattern (by default
// DIR/keys/%u, filled by `authorize`, so any account can get a key),
// PermitRootLogin, and extra config lines. StrictModes is off: the labs live
// under /tmp (mode 1777), which StrictModes would reject.

import Foundation
import Glibc

final class SSHLab: @unchecked Sendable {
  let dir: String
  let port: Int
  let logPath: String
  private var pid: pid_t

  static let host = "127.0.0.1"
  static let destination = "root@127.0.0.1"

  /// Starts sshd; `dir` must exist. Its host key is made unless present.
  init(
    dir: String, authorizedKeysFile: String? = nil,
    permitRootLogin: String = "forced-commands-only", extraConfig: [String] = []
  ) throws {
    self.dir = dir
    let hostKey = dir + "/sshd_host_ed25519"
    if !Files.exists(hostKey) { _ = try SSHLab.newKey(hostKey, comment: "gk-e2e-host") }
    try Files.makeDirectory(dir + "/keys", mode: 0o755)
    if !Files.exists("/run/sshd") { try Files.makeDirectory("/run/sshd", mode: 0o755) }
    logPath = dir + "/sshd.log"
    let config = dir + "/sshd_config"
    for _ in 0..<5 {
      let port = try SSHLab.freePort()
      let lines = [
        "ListenAddress \(SSHLab.host)", "Port \(port)", "HostKey \(hostKey)",
        "PidFile \(dir)/sshd.pid", "AuthorizedKeysFile \(authorizedKeysFile ?? dir + "/keys/%u")",
        "PermitRootLogin \(permitRootLogin)", "StrictModes no", "UsePAM no", "ExposeAuthInfo yes",
        "PubkeyAuthentication yes", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        "LogLevel VERBOSE",
      ]
      try Files.write(config, (lines + extraConfig).joined(separator: "\n") + "\n")
      let pid = try Proc.spawn(
        ["/usr/sbin/sshd", "-D", "-e", "-f", config], stdin: "/dev/null", stdout: logPath,
        stderr: logPath)
      let deadline = Date().addingTimeInterval(10)
      var exited = false
      while !exited && Date() < deadline && !SSHLab.accepts(port) {
        exited = Proc.reap(pid) != nil
        usleep(20_000)
      }
      if !exited && SSHLab.accepts(port) {
        self.port = port
        self.pid = pid
        return
      }
      if !exited { Proc.stop(pid) }
    }
    throw HarnessError("sshd did not start; last log:\n\(Files.read(logPath))")
  }

  /// Stops sshd's process group (the listener and any session it forked).
  func stop() {
    guard pid > 0 else { return }
    Proc.stop(pid)
    pid = 0
  }

  deinit { stop() }

  /// sshd's own log, for failure messages and for sshd's refusals.
  var log: String { Files.read(logPath) }

  /// Makes `keys/USER` hold exactly `lines` (the default AuthorizedKeysFile).
  func authorize(_ user: String, _ lines: String) throws {
    try Files.write(dir + "/keys/" + user, lines, mode: 0o644)
  }

  // MARK: Keys

  /// A new ed25519 key pair at `path` and `path.pub`; returns the public line.
  @discardableResult
  static func newKey(_ path: String, comment: String) throws -> String {
    try Proc.must(
      "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path])
    return Files.read(path + ".pub")
  }

  /// `SHA256:...` as `ssh-keygen -lf` prints it.
  static func fingerprint(_ publicKey: String) throws -> String {
    let listing = try Proc.must("/usr/bin/ssh-keygen", ["-lf", publicKey]).out
    let fields = listing.split(separator: " ")
    guard fields.count >= 2, fields[1].hasPrefix("SHA256:") else {
      throw HarnessError("ssh-keygen -lf said: \(listing)")
    }
    return String(fields[1])
  }

  /// An authorized_keys line forcing `words` (one absolute program and plain words).
  static func forcedLine(_ words: [String], publicKey: String) -> String {
    let pub = publicKey.trimmingCharacters(in: .whitespacesAndNewlines)
    return "restrict,command=\"\(words.joined(separator: " "))\" \(pub)\n"
  }

  // MARK: Clients

  /// ssh options for `key`, without the destination.
  func sshOptions(key: String) -> [String] {
    [
      "-F", "/dev/null", "-i", key, "-p", String(port), "-o", "StrictHostKeyChecking=no",
      "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
      "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10",
    ]
  }

  /// The ssh command line for `key`, as rsync's `-e` or a backup program's setting.
  func rsh(key: String) -> String {
    (["/usr/bin/ssh"] + sshOptions(key: key)).joined(separator: " ")
  }

  /// `ssh [extra] USER@127.0.0.1 [command]`: the command travels as one
  /// argument, so SSH_ORIGINAL_COMMAND is exactly `command`.
  func ssh(
    key: String, user: String = "root", _ command: String?, extra: [String] = [],
    stdin: Proc.Input = .null, stdoutPath: String? = nil, timeout: TimeInterval = 120
  ) throws -> Output {
    try Proc.run(
      "/usr/bin/ssh",
      sshOptions(key: key) + extra + ["\(user)@\(SSHLab.host)"] + (command.map { [$0] } ?? []),
      stdin: stdin, stdoutPath: stdoutPath, timeout: timeout)
  }

  /// `rsync -e "ssh ..." args`.
  func rsync(key: String, _ args: [String], timeout: TimeInterval = 120) throws -> Output {
    try Proc.run("/usr/bin/rsync", ["-e", rsh(key: key)] + args, timeout: timeout)
  }

  // MARK: Ports

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

  private static func loopback(port: Int) -> sockaddr_in {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return addr
  }
}
