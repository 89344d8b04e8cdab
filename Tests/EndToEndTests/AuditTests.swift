// The audit file through sshd: one valid JSON record per attempt, in
// order, with the fields a reviewer relies on. (Every other test through
// sshd checks the common fields too, via `SSHServer.audited`.)

import Foundation
import Testing

extension ThroughSSHD {
  @Suite struct Audit {
    let server: SSHServer
    init() throws { server = try SSHServer.shared() }

    @Test func oneRecordPerAttemptWithEveryField() throws {
      let start = Files.lineCount(server.auditPath)
      let allowed = "tar -c -f - -C \(server.tree) sub"
      let (a, allow) = try server.audited { try server.ssh(allowed) }
      #expect(a.status == 0, "\(a)")
      #expect(a.stdout.count >= 1024, "tar wrote an archive")
      allow.expectAllowed(exec: SSHServer.tarExec, command: allowed)
      #expect(
        allow.string("rule") == "\(server.policyPath):3", "the tar rule is line 3: \(allow.line)")
      #expect(allow.reason?.isEmpty == false)

      let denied = "rm -rf \(server.scratch)"
      let (d, deny) = try server.audited { try server.ssh(denied) }
      #expect(d.status == 1, "\(d)")
      deny.expectDenied(command: denied)
      #expect(
        d.err.contains("gatekeeper: denied (\(deny.reason ?? "?")): "),
        "stderr names the recorded code: \(d)")

      #expect(Files.lineCount(server.auditPath) == start + 2)
      for record in [allow, deny] {
        #expect((record.object["v"] as? NSNumber)?.intValue == 1, "\(record.line)")
        #expect(
          record.string("time")?.hasSuffix("Z") == true && record.string("time")?.count == 24,
          "\(record.line)")
        #expect(record.string("host")?.isEmpty == false, "\(record.line)")
        #expect(
          (record.object["pid"] as? NSNumber).map { $0.intValue > 1 } == true, "\(record.line)")
        #expect(record.string("label") == "", "\(record.line)")
        #expect(record.object["detail"] is String, "\(record.line)")
      }
      #expect(
        (allow.object["pid"] as? NSNumber) != (deny.object["pid"] as? NSNumber),
        "one process per call")
      #expect(allow.port != deny.port, "each connection has its own client port")
    }

    /// Quotes, backslashes, a tab and non-ASCII text in the command survive
    /// JSON escaping exactly.
    @Test func awkwardCommandRoundTrips() throws {
      let command = "touch '\(server.scratch)/a\tb' \"q\\\"uote\" back\\\\slash é✓"
      let (out, record) = try server.audited { try server.ssh(command) }
      #expect(out.status == 1, "\(out)")
      record.expectDenied(command: command)
      #expect(!FileManager.default.fileExists(atPath: "\(server.scratch)/a\tb"))
    }

    /// rsbackup's probe: a bare `true` succeeds, runs nothing, and is recorded.
    @Test func trueProbe() throws {
      let (out, record) = try server.audited { try server.ssh("true") }
      #expect(out.status == 0, "\(out)")
      #expect(record.decision == "allow" && record.argv == [], "\(record.line)")
      #expect(record.commandText == .some("true"), "\(record.line)")
    }
  }
}
