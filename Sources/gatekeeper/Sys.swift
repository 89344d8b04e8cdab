// Every libc call the executable makes goes through this file, with one
// idiom for failure (after swift-system's `valueOrErrno`): a call that
// returns -1 is retried on EINTR unless told not to, and its errno comes
// back as an `Errno` in a Result. errno is read nowhere else. Bytes in and
// out, never Foundation.

import CSystem
import GatekeeperCore
import Glibc

/// An errno value (as swift-system's `Errno`): why a system call failed.
struct Errno: Error, Equatable, CustomStringConvertible {
  var rawValue: Int32
  init(_ rawValue: Int32) { self.rawValue = rawValue }

  static let interrupted = Errno(EINTR)
  static let noSuchFile = Errno(ENOENT)
  static let tooManySymbolicLinks = Errno(ELOOP)
  static let wouldBlock = Errno(EWOULDBLOCK)
  static let permissionDenied = Errno(EACCES)
  static let notPermitted = Errno(EPERM)
  static let noSuchSystemCall = Errno(ENOSYS)
  static let notSupported = Errno(EOPNOTSUPP)
  static let nameTooLong = Errno(ENAMETOOLONG)

  /// strerror(3), e.g. `No such file or directory`.
  var description: String { String(cString: strerror(rawValue)) }
}

enum Sys {
  // MARK: The idiom

  /// Calls `body`, a libc call that returns -1 and sets errno when it fails;
  /// while it fails with EINTR it is called again, unless
  /// `retryOnInterrupt` is false (then EINTR comes back as a failure).
  ///
  ///     Sys.valueOrErrno { Glibc.open("/nonexistent", O_RDONLY) }
  ///     // .failure(Errno.noSuchFile)
  @inline(__always)
  static func valueOrErrno<I: FixedWidthInteger & SignedInteger>(
    retryOnInterrupt: Bool = true, _ body: () -> I
  ) -> Result<I, Errno> {
    while true {
      let value = body()
      if value != -1 { return .success(value) }
      let e = Errno(errno)
      if !(retryOnInterrupt && e == .interrupted) { return .failure(e) }
    }
  }

  /// valueOrErrno for calls whose only result is success (0).
  @inline(__always)
  static func nothingOrErrno<I: FixedWidthInteger & SignedInteger>(
    retryOnInterrupt: Bool = true, _ body: () -> I
  ) -> Result<Void, Errno> {
    valueOrErrno(retryOnInterrupt: retryOnInterrupt, body).map { _ in () }
  }

  // MARK: Environment and arguments

  /// getenv(3): the raw bytes of an environment variable, or nil when unset.
  static func env(_ name: String) -> [UInt8]? {
    getenv(name).map(bytes)
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
      out.append(bytes(p))
    }
    return out
  }

  /// The bytes of a C string (strlen(3)).
  private static func bytes(_ p: UnsafeMutablePointer<CChar>) -> [UInt8] {
    Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
  }

  // MARK: Files

  /// open(2).
  static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Result<Int32, Errno> {
    valueOrErrno { Glibc.open(path, flags, mode) }
  }

  /// openat(2): `name` in the directory open at `dir`.
  static func openAt(_ dir: Int32, _ name: String, _ flags: Int32, _ mode: mode_t = 0) -> Result<Int32, Errno> {
    valueOrErrno { Glibc.openat(dir, name, flags, mode) }
  }

  /// close(2), never retried: on Linux the descriptor is gone even when it
  /// reports EINTR, and another thread may already have its number.
  static func close(_ fd: Int32) {
    _ = Glibc.close(fd)
  }

  /// fstat(2) of an open descriptor.
  static func status(_ fd: Int32) -> Result<stat, Errno> {
    var st = stat()
    return nothingOrErrno { fstat(fd, &st) }.map { st }
  }

  /// stat(2), following symbolic links.
  static func status(path: String) -> Result<stat, Errno> {
    var st = stat()
    return nothingOrErrno { stat(path, &st) }.map { st }
  }

  /// readlink(2) of `path`.
  static func readLink(_ path: [UInt8]) -> Result<[UInt8], Errno> {
    let cPath = path.map { CChar(bitPattern: $0) } + [0]
    return linkTarget { readlink(cPath, $0, $1) }
  }

  /// readlinkat(2): the link `name` in the directory open at `dir`.
  static func readLink(_ dir: Int32, _ name: String) -> Result<[UInt8], Errno> {
    linkTarget { readlinkat(dir, name, $0, $1) }
  }

  /// A link's target through `call(buffer, size)`; one that fills the
  /// whole buffer may have been cut, and counts as ENAMETOOLONG.
  private static func linkTarget(_ call: (UnsafeMutablePointer<CChar>, Int) -> Int) -> Result<[UInt8], Errno> {
    var buf = [CChar](repeating: 0, count: 4096)
    return buf.withUnsafeMutableBufferPointer { b in
      valueOrErrno { call(b.baseAddress!, b.count) }.flatMap { n in
        n < b.count ? .success(b[0..<n].map { UInt8(bitPattern: $0) }) : .failure(.nameTooLong)
      }
    }
  }

  /// read(2) into `buffer`: the count read, 0 at end of input.
  static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, retryOnInterrupt: Bool = true)
    -> Result<Int, Errno>
  {
    valueOrErrno(retryOnInterrupt: retryOnInterrupt) { Glibc.read(fd, buffer.baseAddress, buffer.count) }
  }

  /// Reads everything from `fd`, up to `limit` bytes (nil when larger or on error).
  /// The buffer fits a regular file's size (fstat) when that is under
  /// 64 KiB: a policy of a few hundred bytes needs no 64 KiB buffer cleared.
  static func readAll(_ fd: Int32, limit: Int) -> [UInt8]? {
    var size = 65536
    if case .success(let st) = status(fd), (st.st_mode & S_IFMT) == S_IFREG { size = Int(st.st_size) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: min(max(size + 1, 512), 65536))
    while true {
      switch buf.withUnsafeMutableBytes({ read(fd, into: $0) }) {
      case .failure: return nil
      case .success(0): return out
      case .success(let n):
        out += buf[0..<n]
        if out.count > limit { return nil }
      }
    }
  }

  /// Reads one byte: nil at end of input.
  static func readByte(_ fd: Int32, retryOnInterrupt: Bool = true) -> Result<UInt8?, Errno> {
    var b: UInt8 = 0
    return withUnsafeMutableBytes(of: &b) { read(fd, into: $0, retryOnInterrupt: retryOnInterrupt) }
      .map { $0 == 1 ? b : nil }
  }

  /// pread(2) of the byte at `offset`: nil past the end.
  static func readByte(_ fd: Int32, at offset: off_t) -> Result<UInt8?, Errno> {
    var b: UInt8 = 0
    return valueOrErrno { pread(fd, &b, 1, offset) }.map { $0 == 1 ? b : nil }
  }

  /// write(2) of the whole buffer, in one call when the kernel takes it all.
  @discardableResult
  static func write(_ fd: Int32, _ bytes: [UInt8]) -> Result<Void, Errno> {
    var off = 0
    while off < bytes.count {
      switch writeOnce(fd, bytes[off...]) {
      case .success(let n): off += n
      case .failure(let e): return .failure(e)
      }
    }
    return .success(())
  }

  /// One write(2): the count written, which may be short.
  static func writeOnce(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Result<Int, Errno> {
    bytes.withUnsafeBytes { b in valueOrErrno { Glibc.write(fd, b.baseAddress, b.count) } }
  }

  static func writeErr(_ s: String) { write(2, Array(s.utf8)) }
  static func writeOut(_ s: String) { write(1, Array(s.utf8)) }

  /// flock(LOCK_EX | LOCK_NB): fails with `wouldBlock` while another holds a lock.
  static func tryLockExclusive(_ fd: Int32) -> Result<Void, Errno> {
    nothingOrErrno { flock(fd, LOCK_EX | LOCK_NB) }
  }

  /// rename(2).
  static func rename(_ from: String, _ to: String) -> Result<Void, Errno> {
    nothingOrErrno { Glibc.rename(from, to) }
  }

  /// unlink(2); a failure is ignored (the callers clean up after another).
  static func unlink(_ path: String) {
    _ = Glibc.unlink(path)
  }

  /// The first `length` bytes of the file open at `fd`, mapped read-only
  /// (mmap(2), advised sequential), or nil when it cannot be mapped.
  static func map(_ fd: Int32, length: Int) -> UnsafeBufferPointer<UInt8>? {
    guard let p = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else { return nil }
    _ = madvise(p, length, MADV_SEQUENTIAL)
    return UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: length)
  }

  /// munmap(2) of what `map` returned.
  static func unmap(_ bytes: UnsafeBufferPointer<UInt8>) {
    _ = munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
  }

  /// What is at `path` without following a final symbolic link (lstat(2)
  /// and readlink(2)), for the core's PathResolver. Anything that cannot
  /// be looked at counts as missing: resolution stops there.
  static func lookup(_ path: [UInt8]) -> FileNode {
    let cPath = path.map { CChar(bitPattern: $0) } + [0]
    var st = stat()
    guard case .success = nothingOrErrno({ lstat(cPath, &st) }) else { return .missing }
    guard (st.st_mode & S_IFMT) == S_IFLNK else { return .present }
    guard case .success(let target) = readLink(path), !target.isEmpty else { return .missing }
    return .symlink(target)
  }

  /// getcwd(3), or "/" when it cannot be had.
  static func workingDirectory() -> String {
    var buf = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buf, buf.count) != nil else { return "/" }
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  // MARK: Who and where

  static func effectiveUID() -> uid_t { geteuid() }
  static func realUID() -> uid_t { getuid() }
  static func processID() -> Int32 { getpid() }

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

  /// usleep(3).
  static func sleep(milliseconds: UInt32) {
    _ = usleep(milliseconds * 1000)
  }

  /// The effective user's name from /etc/passwd (no NSS in a static
  /// binary), or `uid=N`.
  static func userName() -> String {
    let uid = effectiveUID()
    if case .success(let fd) = open("/etc/passwd", O_RDONLY | O_CLOEXEC) {
      defer { close(fd) }
      if let bytes = readAll(fd, limit: 8 << 20), let name = Passwd.userName(bytes, uid: UInt32(uid)) {
        return name
      }
    }
    return "uid=\(uid)"
  }

  /// This program's own path, from /proc/self/exe.
  static func executablePath() -> String? {
    guard case .success(let p) = readLink(Array("/proc/self/exe".utf8)), !p.isEmpty else { return nil }
    return String(decoding: p, as: UTF8.self)
  }

  /// Processors online (sysconf(3)).
  static func onlineProcessors() -> Int {
    sysconf(Int32(_SC_NPROCESSORS_ONLN))
  }

  // MARK: Processes and threads

  static func exit(_ status: ExitStatus) -> Never {
    Glibc.exit(status.rawValue)
  }

  /// A body that runs on its own thread (see startThread).
  private final class ThreadBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
  }

  /// pthread_create(3) running `body`, or nil when no thread could be
  /// started (pthread_create returns its error rather than setting errno).
  static func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let started = pthread_create(
      &thread, nil,
      { raw in
        guard let raw else { return nil }
        Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue().run()
        return nil
      }, context)
    guard started == 0 else {
      Unmanaged<ThreadBody>.fromOpaque(context).release()
      return nil
    }
    return thread
  }

  /// pthread_join(3).
  static func joinThread(_ thread: pthread_t) {
    _ = pthread_join(thread, nil)
  }

  /// nice(2); a failure is ignored (the call runs at the usual priority).
  static func nice(_ increment: Int32) {
    _ = Glibc.nice(increment)
  }

  /// ioprio_set(2) for this process; a failure is ignored, like nice's.
  static func setIOPriority(class ioClass: Int32, level: Int32) {
    _ = gk_ioprio_set(ioClass, level)
  }

  /// dup2(2).
  static func duplicate(_ fd: Int32, onto target: Int32) {
    _ = valueOrErrno { dup2(fd, target) }
  }

  /// chdir(2).
  static func changeDirectory(_ path: String) {
    _ = nothingOrErrno { chdir(path) }
  }

  /// umask(2).
  static func setUmask(_ mask: mode_t) {
    _ = umask(mask)
  }

  /// Clears FD_CLOEXEC, so the descriptor survives execve.
  static func keepOpenAcrossExec(_ fd: Int32) {
    _ = nothingOrErrno { fcntl(fd, F_SETFD, 0) }
  }

  /// close_range(2) from `first` up, except `keep` (when given).
  static func closeDescriptors(from first: Int32, except keep: Int32? = nil) {
    if let keep { gk_close_from_except(first, keep) } else { gk_close_from(first) }
  }

  /// execve(2) of `path`; returns only on failure, with why.
  static func execve(_ path: String, _ argv: [String], _ env: [String]) -> Errno {
    whyExecFailed(withCStrings(argv) { a in withCStrings(env) { e in valueOrErrno { Glibc.execve(path, a, e) } } })
  }

  /// execveat(fd, "", argv, envp, AT_EMPTY_PATH): runs the file open at
  /// `fd` (O_PATH is enough); returns only on failure, with why.
  static func execve(_ fd: Int32, _ argv: [String], _ env: [String]) -> Errno {
    whyExecFailed(withCStrings(argv) { a in withCStrings(env) { e in valueOrErrno { gk_execveat(fd, a, e) } } })
  }

  /// An exec that came back: it can only have failed.
  private static func whyExecFailed(_ result: Result<Int32, Errno>) -> Errno {
    guard case .failure(let e) = result else { preconditionFailure("execve returned") }
    return e
  }

  /// A NULL-terminated array of C strings for execve (copied with strdup;
  /// never freed: either the process image is replaced or it exits soon).
  private static func withCStrings<R>(_ words: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    body(words.map { strdup($0) } + [nil])
  }

  // MARK: Signals and waiting

  /// Catches SIGHUP, SIGINT, SIGPIPE and SIGTERM (a blocked read or poll then
  /// fails with EINTR) until releaseSignals().
  static func catchSignals() { gk_catch_signals() }
  static func releaseSignals() { gk_release_signals() }
  /// The last signal caught since catchSignals(), or 0.
  static func caughtSignal() -> Int32 { gk_caught_signal() }

  /// poll(2) for input on `fd` for at most `ms` milliseconds: true when
  /// readable (or hung up), false when the time ran out. A signal ends the
  /// wait with `Errno.interrupted`.
  static func waitReadable(_ fd: Int32, milliseconds ms: Int32) -> Result<Bool, Errno> {
    valueOrErrno(retryOnInterrupt: false) { gk_wait_readable(fd, ms) }.map { $0 > 0 }
  }

  // MARK: Landlock

  /// The kernel's Landlock ABI version (ENOSYS: not built in;
  /// EOPNOTSUPP: disabled).
  static func landlockABI() -> Result<Int32, Errno> {
    valueOrErrno { gk_landlock_abi() }
  }

  /// landlock_create_ruleset(2): the ruleset's descriptor (close-on-exec).
  static func landlockCreateRuleset(fs: UInt64, net: UInt64, scoped: UInt64, abi: Int32) -> Result<Int32, Errno> {
    valueOrErrno { gk_landlock_create_ruleset(fs, net, scoped, abi) }
  }

  /// landlock_add_rule(2) for the file or directory open at `fd`.
  static func landlockAddPath(_ ruleset: Int32, access: UInt64, _ fd: Int32) -> Result<Void, Errno> {
    nothingOrErrno { gk_landlock_add_path(ruleset, access, fd) }
  }

  /// prctl(PR_SET_NO_NEW_PRIVS) then landlock_restrict_self(2).
  static func landlockRestrict(_ ruleset: Int32) -> Result<Void, Errno> {
    nothingOrErrno { gk_landlock_restrict(ruleset) }
  }

  // MARK: Syslog

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
