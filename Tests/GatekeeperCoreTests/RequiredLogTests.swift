// The rule for an audit file that cannot be written: with required=yes an
// allow becomes a deny and the call ends; with required=no it goes on.

import Testing

@testable import GatekeeperCore

@Suite struct RequiredLogTests {
  static func record(_ decision: AuditDecision, _ reason: String) -> AuditRecord {
    var r = AuditRecord()
    r.decision = decision
    r.reason = reason
    r.detail = "rsync-sender"
    r.argv = ["/usr/bin/rsync", "--server", "--sender"]
    r.confine = "landlock-7"
    return r
  }

  @Test(arguments: [
    (AuditDecision.allow, "allowed", RuntimeReason.logUnwritable, AuditDecision.deny, "log-unwritable"),
    (.allow, "true-probe", .logUnsafe, .deny, "log-unsafe"),
    (.allow, "sudo", .logUnwritable, .deny, "log-unwritable"),
    (.deny, "shell-operator", .logUnwritable, .deny, "shell-operator"),
    (.error, "tool-not-found", .logUnsafe, .error, "tool-not-found"),
    (.error, "", .logUnsafe, .error, "log-unsafe"),
  ])
  func requiredTurnsAllowIntoDeny(
    _ decision: AuditDecision, _ reason: String, _ failure: RuntimeReason, _ after: AuditDecision, _ code: String
  ) {
    let before = Self.record(decision, reason)
    let r = before.afterFileFailure(failure, "/var/log/x: No space left on device", required: true)
    #expect(r.refusal == failure)
    #expect(r.record.decision == after)
    #expect(r.record.reason == code)
    #expect(r.record.detail == "audit file not written (/var/log/x: No space left on device); rsync-sender")
    // What was allowed no longer runs, confined or not.
    #expect(r.record.argv.isEmpty == (decision == .allow))
    #expect(r.record.confine.isEmpty == (decision == .allow))
  }

  @Test(arguments: AuditDecision.allCases)
  func notRequiredGoesOn(_ decision: AuditDecision) {
    let before = Self.record(decision, "allowed")
    let r = before.afterFileFailure(.logUnwritable, "/var/log/x: Permission denied", required: false)
    #expect(r.refusal == nil)
    var expected = before
    expected.detail = "audit file not written (/var/log/x: Permission denied); required=no; rsync-sender"
    #expect(r.record == expected)
  }
}
