// A policy gatekeeper cannot trust or read refuses every call with exit
// status 78 — here with a request the standard policy would allow, so only
// the policy problem can explain the refusal. Each test restores the
// standard policy.

import Foundation
import Glibc
import Testing

extension ThroughSSHD {
  @Suite struct PolicyProblems {
    let server: SSHServer
    init() throws { server = try SSHServer.shared() }

    var allowedCommand: String { "tar -c -f - -C \(server.tree) ." }

    /// Runs the allowed command under a broken policy: exit 78, a message
    /// that names the policy, no output, and no record in the audit file the
    /// untrusted policy names.
    func expectRefused(
      mentioning words: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
      let before = Files.lineCount(server.auditPath)
      let out = try server.ssh(allowedCommand)
      #expect(out.status == 78, "\(out)", sourceLocation: sourceLocation)
      #expect(out.err.hasPrefix("gatekeeper: "), "\(out)", sourceLocation: sourceLocation)
      for w in words {
        #expect(out.err.contains(w), "stderr mentions \(w): \(out)", sourceLocation: sourceLocation)
      }
      #expect(out.stdout.isEmpty, "tar must not run", sourceLocation: sourceLocation)
      #expect(
        Files.lineCount(server.auditPath) == before, "no audit record",
        sourceLocation: sourceLocation)
    }

    @Test func standardPolicyAllowsTheProbeRequest() throws {
      try server.resetPolicy()
      let out = try server.ssh(allowedCommand)
      #expect(out.status == 0 && out.stdout.count >= 10240, "\(out)")
    }

    @Test func groupWritablePolicy() throws {
      try server.resetPolicy()
      defer { try? server.resetPolicy() }
      #expect(chmod(server.policyPath, 0o620) == 0)
      try expectRefused(mentioning: ["policy", server.policyPath, "writable"])
    }

    @Test func otherWritablePolicyDirectory() throws {
      try server.resetPolicy()
      defer { _ = chmod(server.dir, 0o700) }
      #expect(chmod(server.dir, 0o703) == 0)
      try expectRefused(mentioning: ["policy", "writable"])
    }

    @Test func policyOwnedBySomeoneElse() throws {
      try server.resetPolicy()
      defer { try? server.resetPolicy() }
      #expect(chown(server.policyPath, 12345, 0) == 0)
      try expectRefused(mentioning: ["policy", "12345"])
    }

    @Test func policySyntaxError() throws {
      defer { try? server.resetPolicy() }
      try Files.write(
        server.policyPath, server.standardPolicy() + "allow rsync-sender colour=blue\n")
      // The standard policy has 5 lines and a trailing newline: the bad rule is line 6.
      try expectRefused(mentioning: ["policy", "\(server.policyPath):6:"])
    }

    @Test func missingPolicy() throws {
      defer { try? server.resetPolicy() }
      try FileManager.default.removeItem(atPath: server.policyPath)
      try expectRefused(mentioning: ["policy", server.policyPath])
    }

    @Test func symlinkedPolicy() throws {
      defer { try? server.resetPolicy() }
      let real = server.dir + "/real.policy"
      try Files.write(real, server.standardPolicy())
      try FileManager.default.removeItem(atPath: server.policyPath)
      try FileManager.default.createSymbolicLink(
        atPath: server.policyPath, withDestinationPath: real)
      try expectRefused(mentioning: ["policy", "symbolic link"])
    }
  }
}
