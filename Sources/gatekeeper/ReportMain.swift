// `gatekeeper report` and `gatekeeper learn`: read audit records from files
// or standard input (read(2) in 1 MiB chunks, lines handed to the
// GatekeeperReport module without building Strings; regular files are
// mapped with mmap(2) instead), then print.
//
// Exit status: 0 done (malformed lines are reported, not fatal); 66
// (EX_NOINPUT) an input cannot be opened or read (nothing is printed); 73
// (EX_CANTCREAT) the --html file cannot be written; 74 (EX_IOERR) the
// output cannot be written. The arguments are parsed in CommandLine.swift.
// Rotated logs: `zcat audit.jsonl.1.gz | gatekeeper report -`.

import GatekeeperCore
import GatekeeperReport
import Glibc

enum ReportMain {
  static func run(_ options: ReportArguments) -> ExitStatus {
    let files = options.files.isEmpty ? ["-"] : options.files
    if options.learn {
      var session = LearnSession(filter: options.filter)
      for f in files {
        session.begin(f)
        if let problem = readInput(f, { session.feed($0) }) { return noInput(f, problem) }
        session.finish()
      }
      return output(session.render())
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
        return .cannotCreate
      }
      return .success
    }
    return output(text)
  }

  /// Writes the result to standard output.
  static func output(_ text: String) -> ExitStatus {
    switch Sys.write(1, Array(text.utf8)) {
    case .success: .success
    case .failure: .ioError
    }
  }

  /// Writes `bytes` to a new file beside `path` (O_EXCL, never through a
  /// link) and renames it over `path`: a symbolic link planted at `path`
  /// is replaced, never followed, even when root runs the report.
  static func writeReplacing(_ path: String, _ bytes: [UInt8]) -> String? {
    let slash = path.lastIndex(of: "/")
    let dir = slash.map { String(path[..<$0]) } ?? "."
    let temp = (dir.isEmpty ? "" : dir) + "/.gatekeeper-report.\(Sys.processID()).\(Sys.nowMillis()).tmp"
    let fd: Int32
    switch Sys.open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644) {
    case .success(let f): fd = f
    case .failure(let e): return "\(path): \(e)"
    }
    let written = Sys.write(fd, bytes)
    Sys.close(fd)
    if case .failure(let e) = written.flatMap({ Sys.rename(temp, path) }) {
      Sys.unlink(temp)
      return "\(path): \(e)"
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
    guard chunk.count >= 8 << 20, Sys.onlineProcessors() >= 2, mid < chunk.count
    else {
      session.feed(chunk)
      return
    }
    var other = ReportSession(filter: session.filter)
    other.begin(name)
    let half = Half(other, UnsafeBufferPointer(rebasing: chunk[mid...]))
    guard
      let thread = Sys.startThread({
        half.session.feed(half.bytes)
        half.session.finish()
      })
    else {
      session.feed(chunk)
      return
    }
    session.feed(UnsafeBufferPointer(rebasing: chunk[..<mid]))
    Sys.joinThread(thread)
    session.merge(half.session, lineOffset: session.currentLine)
  }

  static func noInput(_ name: String, _ problem: String) -> ExitStatus {
    Sys.writeErr("gatekeeper: \(name == "-" ? "standard input" : name): \(problem)\n")
    return .noInput
  }

  /// Streams one input in chunks; returns an error text on failure.
  static func readInput(_ name: String, _ feed: (UnsafeBufferPointer<UInt8>) -> Void) -> String? {
    var fd: Int32 = 0
    if name != "-" {
      switch Sys.open(name, O_RDONLY | O_CLOEXEC) {
      case .success(let f): fd = f
      case .failure(let e): return e.description
      }
    }
    defer { if fd != 0 { Sys.close(fd) } }
    // A regular file is mapped (no copy); pipes and the rest are read.
    if case .success(let st) = Sys.status(fd), (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0,
      st.st_size < Int.max / 2, let mapped = Sys.map(fd, length: Int(st.st_size))
    {
      defer { Sys.unmap(mapped) }
      feed(mapped)
      return nil
    }
    let size = 1 << 20
    let buf = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: size)
    defer { buf.deallocate() }
    while true {
      switch Sys.read(fd, into: UnsafeMutableRawBufferPointer(buf)) {
      case .failure(let e): return e.description
      case .success(0): return nil
      case .success(let n): feed(UnsafeBufferPointer(rebasing: buf[..<n]))
      }
    }
  }
}
