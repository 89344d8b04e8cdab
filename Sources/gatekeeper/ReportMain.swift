// `gatekeeper report` and `gatekeeper learn`: read audit records from files
// or standard input (read(2) in 1 MiB chunks, lines handed to the
// GatekeeperReport module without building Strings; regular files are
// mapped with mmap(2) instead), then print.
//
// Exit status: 0 done (malformed lines are reported, not fatal); 64 usage;
// 66 (EX_NOINPUT) an input cannot be opened or read (nothing is printed);
// 73 (EX_CANTCREAT) the --html file cannot be written.
// Rotated logs: `zcat audit.jsonl.1.gz | gatekeeper report -`.

import GatekeeperCore
import GatekeeperReport
import Glibc

enum ReportMain {
  static func run(_ subcommand: String, _ args: [[UInt8]]) -> Int32 {
    let options: ReportOptions
    switch ReportOptions.parse(subcommand, args, now: Sys.nowMillis()) {
    case .success(let o): options = o
    case .failure(let e):
      Sys.writeErr("gatekeeper: \(e.message)\n\(ReportOptions.usage)")
      return 64
    }
    if options.help {
      Sys.writeOut(ReportOptions.usage)
      return 0
    }
    let files = options.files.isEmpty ? ["-"] : options.files
    if options.learn {
      var session = LearnSession(filter: options.filter)
      for f in files {
        session.begin(f)
        if let problem = readInput(f, { session.feed($0) }) { return noInput(f, problem) }
        session.finish()
      }
      return Sys.write(1, Array(session.render().utf8)) ? 0 : 74
    }
    var session = ReportSession(filter: options.filter)
    for f in files {
      session.begin(f)
      if let problem = readInput(f, { feedSplit(&session, f, $0) }) { return noInput(f, problem) }
      session.finish()
    }
    let text = session.render(options.format)
    if case .html(let path) = options.format, path != "-" {
      if let problem = writeReplacing(path, Array(text.utf8)) {
        Sys.writeErr("gatekeeper: \(DisplayText.visible(problem))\n")
        return 73
      }
      return 0
    }
    return Sys.write(1, Array(text.utf8)) ? 0 : 74
  }

  /// Writes `bytes` to a new file beside `path` (O_EXCL, never through a
  /// link) and renames it over `path`: a symbolic link planted at `path`
  /// is replaced, never followed, even when root runs the report.
  static func writeReplacing(_ path: String, _ bytes: [UInt8]) -> String? {
    let slash = path.lastIndex(of: "/")
    let dir = slash.map { String(path[..<$0]) } ?? "."
    let temp = (dir.isEmpty ? "" : dir) + "/.gatekeeper-report.\(getpid()).\(Sys.nowMillis()).tmp"
    let fd = Sys.open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    if fd < 0 { return "\(path): \(Sys.errorText(-fd))" }
    let written = Sys.write(fd, bytes)
    let e = errno
    close(fd)
    guard written else {
      unlink(temp)
      return "\(path): \(Sys.errorText(e))"
    }
    guard rename(temp, path) == 0 else {
      let why = Sys.errorText(errno)
      unlink(temp)
      return "\(path): \(why)"
    }
    return nil
  }

  /// Worker thread state: a session reading the second half of a mapping.
  final class Half: @unchecked Sendable {
    var session: ReportSession
    let bytes: UnsafeBufferPointer<UInt8>
    init(_ s: ReportSession, _ b: UnsafeBufferPointer<UInt8>) {
      session = s
      bytes = b
    }
  }

  /// Large inputs (a mapped file of 8 MiB or more, with two or more CPUs)
  /// are read by two threads, split at a line boundary, then merged.
  static func feedSplit(
    _ session: inout ReportSession, _ name: String, _ chunk: UnsafeBufferPointer<UInt8>
  ) {
    var mid = chunk.count / 2
    while mid < chunk.count && chunk[mid] != 0x0a { mid += 1 }
    mid += 1
    guard chunk.count >= 8 << 20, sysconf(Int32(_SC_NPROCESSORS_ONLN)) >= 2, mid < chunk.count
    else {
      session.feed(chunk)
      return
    }
    var other = ReportSession(filter: session.filter)
    other.begin(name)
    let half = Half(other, UnsafeBufferPointer(rebasing: chunk[mid...]))
    let context = Unmanaged.passRetained(half).toOpaque()
    var thread = pthread_t()
    let started = pthread_create(
      &thread, nil,
      { raw in
        guard let raw else { return nil }
        let h = Unmanaged<Half>.fromOpaque(raw).takeUnretainedValue()
        h.session.feed(h.bytes)
        h.session.finish()
        return nil
      }, context)
    guard started == 0 else {
      Unmanaged<Half>.fromOpaque(context).release()
      session.feed(chunk)
      return
    }
    session.feed(UnsafeBufferPointer(rebasing: chunk[..<mid]))
    pthread_join(thread, nil)
    let done = Unmanaged<Half>.fromOpaque(context).takeRetainedValue()
    session.merge(done.session, lineOffset: session.currentLine)
  }

  static func noInput(_ name: String, _ problem: String) -> Int32 {
    Sys.writeErr("gatekeeper: \(name == "-" ? "standard input" : name): \(problem)\n")
    return 66
  }

  /// Streams one input in chunks; returns an error text on failure.
  static func readInput(_ name: String, _ feed: (UnsafeBufferPointer<UInt8>) -> Void) -> String? {
    var fd: Int32 = 0
    if name != "-" {
      fd = Sys.open(name, O_RDONLY | O_CLOEXEC)
      if fd < 0 { return Sys.errorText(-fd) }
    }
    defer { if fd != 0 { close(fd) } }
    // A regular file is mapped (no copy); pipes and the rest are read.
    var st = stat()
    if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && st.st_size > 0
      && st.st_size < Int.max / 2
    {
      let length = Int(st.st_size)
      if let map = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED {
        defer { munmap(map, length) }
        _ = madvise(map, length, MADV_SEQUENTIAL)
        feed(UnsafeBufferPointer(start: map.assumingMemoryBound(to: UInt8.self), count: length))
        return nil
      }
    }
    let size = 1 << 20
    let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
    defer { buf.deallocate() }
    while true {
      let n = Glibc.read(fd, buf, size)
      if n < 0 {
        if errno == EINTR { continue }
        return Sys.errorText(errno)
      }
      if n == 0 { return nil }
      feed(UnsafeBufferPointer(start: buf, count: n))
    }
  }
}
