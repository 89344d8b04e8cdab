// Reader for rsync's secluded-argument block (`-s`, `--protect-args`,
// `--secluded-args`). The client's command line then stops after the
// cluster; the real options, the `.` and the paths follow as the first bytes
// on stdin (rsync.c send_protected_args):
//
//   "rsync" NUL  option NUL ...  "." NUL  path NUL ...  NUL
//
// i.e. NUL-terminated strings, the first being `rsync` (the new argv[0]),
// ended by one empty string. An empty argument is sent as `.`. Right after
// the block the rsync protocol starts (the 4-byte protocol version), so the
// executable feeds stdin one byte at a time and stops at `.done`: nothing
// that belongs to rsync is consumed.
//
// Limits: `limit` bytes in all (default 64 KiB, NULs included), at most
// 4096 strings, each at most 4095 bytes (rsync's own read_line buffer is
// MAXPATHLEN and silently truncates longer strings). Strings must be valid
// UTF-8. What the strings mean is checked by RsyncSender.checkSecluded with
// the same parser as the command line.

/// Incremental reader for the secluded block: the executable feeds stdin one byte at a time so
/// nothing after the block is consumed. NUL-terminated strings, the first must be "rsync", the block
/// ends with an empty string (two NULs in a row).
public struct SecludedBlock: Sendable {
  public static let defaultLimit = 64 * 1024
  public static let maxStrings = 4096
  public static let maxStringBytes = 4095
  /// Seconds the executable waits for the whole block (clients send it at
  /// once); then the call is refused as `rsync-block-timeout` and recorded.
  public static let timeoutSeconds = 30

  public enum Step: Equatable, Sendable {
    case more
    case done([String])
    case failed(Denial)
  }

  private let limit: Int
  private var total = 0
  private var current: [UInt8] = []
  private var strings: [String] = []
  /// Once done or failed, every further byte gets the same answer.
  private var final: Step? = nil

  public init(limit: Int = SecludedBlock.defaultLimit) {
    self.limit = limit
  }

  public mutating func feed(_ byte: UInt8) -> Step {
    if let final { return final }
    total += 1
    if total > limit {
      return stop(.failed(Denial(RsyncReason.blockTooLarge, "over \(limit) bytes")))
    }
    guard byte == 0 else {
      if strings.isEmpty && current.count >= 5 { return notRsync() }
      if current.count >= SecludedBlock.maxStringBytes {
        return stop(
          .failed(
            Denial(RsyncReason.blockTooLarge, "string over \(SecludedBlock.maxStringBytes) bytes")))
      }
      current.append(byte)
      return .more
    }
    if current.isEmpty { return strings.isEmpty ? notRsync() : stop(.done(strings)) }
    guard let text = String(validating: current, as: UTF8.self) else {
      return stop(.failed(Denial(RsyncReason.blockEncoding, "string \(strings.count)")))
    }
    if strings.isEmpty && text != "rsync" { return notRsync() }
    if strings.count >= SecludedBlock.maxStrings {
      return stop(
        .failed(Denial(RsyncReason.blockTooLarge, "over \(SecludedBlock.maxStrings) strings")))
    }
    strings.append(text)
    current = []
    return .more
  }

  /// stdin ended before the block was complete
  public func endOfInput() -> Denial {
    Denial(RsyncReason.blockTruncated, "after \(total) bytes")
  }

  /// The wait for the block ran out.
  public func timedOut() -> Denial {
    Denial(RsyncReason.blockTimeout, "no complete block within \(SecludedBlock.timeoutSeconds) s, \(total) bytes read")
  }

  /// A signal (the client hung up: SIGHUP, SIGPIPE; SIGTERM, SIGINT) ended the wait.
  public func interrupted(by signal: String) -> Denial {
    Denial(RsyncReason.blockInterrupted, "\(signal) after \(total) bytes")
  }

  private mutating func notRsync() -> Step {
    stop(.failed(Denial(RsyncReason.blockNotRsync)))
  }

  private mutating func stop(_ step: Step) -> Step {
    final = step
    return step
  }
}
