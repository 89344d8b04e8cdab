// Every libc call the executable makes goes through this file: one errno
// and EINTR idiom, bytes in and out (never Foundation).

import CSystem
import GatekeeperCore
import Glibc

enum Sys {
  /// The raw bytes of an environment variable, or nil when unset.
  static func env(_ name: String) -> [UInt8]? {
    guard let p = getenv(name) else { return nil }
    return Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
  }

  static func envString(_ name: String) -> String? {
    env(name).map { String(decoding: $0, as: UTF8.self) }
  }

  /// The raw bytes of each program argument (argv[1...]).
  static func arguments() -> [[UInt8]] {
    var out: [[UInt8]] = []
    let argc = Int(CommandLine.argc)
    for i in 1..<max(argc, 1) {
      guard let p = CommandLine.unsafeArgv[i] else { continue }
      out.append(Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p))))
    }
    return out
  }

  /// open(2), retried on EINTR; returns the descriptor or -errno.
  static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    while true {
      let fd = Glibc.open(path, flags, mode)
      if fd >= 0 { return fd }
      if errno != EINTR { return -errno }
    }
  }

  /// Reads everything from `fd`, up to `limit` bytes (nil when larger or on error).
  /// The buffer fits a regular file's size (fstat) when that is under
  /// 64 KiB: a policy of a few hundred bytes needs no 64 KiB buffer cleared.
  static func readAll(_ fd: Int32, limit: Int) -> [UInt8]? {
    var st = stat()
    let size = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : 65536
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: min(max(size + 1, 512), 65536))
    while true {
      let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        return nil
      }
      if n == 0 { return out }
      out += buf[0..<n]
      if out.count > limit { return nil }
    }
  }

  /// Reads one byte: the byte, nil at end of input, -1 on error; with
  /// `retry: false`, -2 when a signal interrupted the read (EINTR).
  static func readByte(_ fd: Int32, retry: Bool = true) -> Int? {
    var b: UInt8 = 0
    while true {
      let n = Glibc.read(fd, &b, 1)
      if n == 1 { return Int(b) }
      if n == 0 { return nil }
      if errno != EINTR { return -1 }
      if !retry { return -2 }
    }
  }

  /// write(2) of the whole buffer in one call when possible; true on success.
  static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var off = 0
    while off < bytes.count {
      let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
      if n < 0 {
        if errno == EINTR { continue }
        return false
      }
      off += n
    }
    return true
  }

  /// What is at `path` without following a final symbolic link (lstat(2)
  /// and readlink(2)), for the core's PathResolver. Anything that cannot
  /// be looked at counts as missing: resolution stops there.
  static func lookup(_ path: [UInt8]) -> FileNode {
    let cPath = path.map { CChar(bitPattern: $0) } + [0]
    var st = stat()
    guard lstat(cPath, &st) == 0 else { return .missing }
    guard (st.st_mode & S_IFMT) == S_IFLNK else { return .present }
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink(cPath, &buf, buf.count)
    guard n > 0, n < buf.count else { return .missing }
    return .symlink(buf[0..<n].map { UInt8(bitPattern: $0) })
  }

  static func writeErr(_ s: String) { _ = write(2, Array(s.utf8)) }
  static func writeOut(_ s: String) { _ = write(1, Array(s.utf8)) }

  static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

  /// getcwd(3), or "/" when it cannot be had.
  static func workingDirectory() -> String {
    var buf = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buf, buf.count) != nil else { return "/" }
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  static func hostname() -> String {
    var buf = [CChar](repeating: 0, count: 256)
    guard gethostname(&buf, 255) == 0 else { return "" }
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Milliseconds since the epoch.
  static func nowMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
  }

  /// The effective user's name from /etc/passwd (no NSS in a static
  /// binary), or `uid=N`.
  static func userName() -> String {
    let uid = geteuid()
    let fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC)
    if fd >= 0 {
      defer { close(fd) }
      if let bytes = readAll(fd, limit: 8 << 20), let name = Passwd.userName(bytes, uid: UInt32(uid)) {
        return name
      }
    }
    return "uid=\(uid)"
  }

  static func openlog(tag: String, facility: String) {
    gk_openlog(tag, facilityCode(facility))
  }

  static func syslog(_ priority: Int32, _ message: String) {
    gk_syslog(priority, message)
  }

  static func facilityCode(_ name: String) -> Int32 {
    switch name {
    case "auth": return LOG_AUTH
    case "authpriv": return LOG_AUTHPRIV
    case "daemon": return LOG_DAEMON
    case "user": return LOG_USER
    case "local0": return LOG_LOCAL0
    case "local1": return LOG_LOCAL1
    case "local2": return LOG_LOCAL2
    case "local3": return LOG_LOCAL3
    case "local4": return LOG_LOCAL4
    case "local5": return LOG_LOCAL5
    case "local6": return LOG_LOCAL6
    case "local7": return LOG_LOCAL7
    default: return LOG_AUTHPRIV
    }
  }
}
