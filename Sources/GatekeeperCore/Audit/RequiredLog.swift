// What becomes of a record whose audit file could not be written. The
// record still goes to syslog; whether the call may go on depends on the
// policy's `log file=... required=yes|no`.

extension AuditRecord {
  /// The record to send to syslog after the audit file failed, and the
  /// refusal the call ends with, if any.
  public struct AfterFileFailure: Equatable, Sendable {
    public var record: AuditRecord
    /// Set when the file is required: the call must not proceed (an allow
    /// has become a deny), and ends with this reason's message and status.
    public var refusal: RuntimeReason?
  }

  /// `required=yes` (the default): an allow turns into a deny with
  /// `reason` (`log-unwritable` or `log-unsafe`), nothing to run and no
  /// confinement; a deny or an error keeps its reason (an error without one
  /// takes `reason`). `required=no`: the record is unchanged but for its
  /// detail, and the call goes on. Either way the detail starts with why
  /// the file was not written, e.g.
  ///
  ///     allow allowed "rsync-sender"
  ///       -> deny log-unwritable "audit file not written (/var/log/x: No space left on device); rsync-sender"
  public func afterFileFailure(_ reason: RuntimeReason, _ failure: String, required: Bool) -> AfterFileFailure {
    var r = self
    guard required else {
      r.detail = "audit file not written (\(failure)); required=no; " + detail
      return AfterFileFailure(record: r, refusal: nil)
    }
    if decision == .allow {
      r.decision = .deny
      r.argv = []
      r.confine = ""
      r.reason = reason.rawValue
    } else if r.reason.isEmpty {
      r.reason = reason.rawValue
    }
    r.detail = "audit file not written (\(failure)); " + detail
    return AfterFileFailure(record: r, refusal: reason)
  }
}
