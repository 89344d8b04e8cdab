// argv mode (`gatekeeper -- CMD ARG...`, the sudo shape) as a black box,
// without sshd: an allowed tar really runs, a refusal runs nothing, and
// both are recorded with mode "argv".

import Foundation
import Testing

@Suite final class ArgvMode {
  let dir: String
  let policy: String
  let audit: String
  let tree: String

  init() throws {
    dir = try Files.tempDirectory("gk-e2e-argv")
    policy = dir + "/argv.policy"
    audit = dir + "/audit.jsonl"
    tree = dir + "/data/tree"
    try Files.makeDirectory(tree + "/sub")
    try Files.write(tree + "/a.txt", "a\n", mode: 0o644)
    try Files.write(tree + "/sub/b.txt", "b\n", mode: 0o600)
    try Files.write(
      policy,
      "allow tar-create exec=/usr/bin/tar roots=\(dir)/data\nlog file=\(audit)\nlog syslog=none\n")
  }

  deinit { try? FileManager.default.removeItem(atPath: dir) }

  func gatekeeper(_ words: [String]) throws -> (Output, AuditRecord) {
    let before = Files.lineCount(audit)
    let out = try Gatekeeper.run(["--policy", policy, "--"] + words, env: Proc.environment(), timeout: 10)
    let lines = Files.lines(audit)
    try #require(lines.count == before + 1, "one record per call: \(out)")
    let record = try AuditRecord(line: lines[lines.count - 1])
    #expect(record.mode == "argv", "\(record)")
    #expect(record.client == "" && record.key == "", "no ssh here: \(record)")
    return (out, record)
  }

  @Test func allowedTarRuns() throws {
    let (out, record) = try gatekeeper(["tar", "-c", "-f", "-", "-C", tree, "."])
    #expect(out.status == 0, "\(out)")
    record.expectAllowed(exec: "/usr/bin/tar", command: "tar -c -f - -C \(tree) .")
    let dst = dir + "/out"
    try FileManager.default.createDirectory(atPath: dst, withIntermediateDirectories: false)
    let x = try Proc.run("/usr/bin/tar", ["-x", "-f", "-", "-C", dst], stdin: .data(out.stdout))
    #expect(x.status == 0, "\(x)")
    let problems = Tree.copyDifferences(try Tree.snapshot(tree), try Tree.snapshot(dst))
    #expect(problems.isEmpty, "\(problems)")
  }

  /// An argument that is not UTF-8 is refused after the policy is loaded,
  /// so its record goes where the policy says (the file; syslog=none).
  @Test func invalidUTF8IsRecordedInThePolicysLog() throws {
    let before = Files.lineCount(audit)
    let out = try Proc.run(
      "/bin/sh",
      ["-c", "exec \"$0\" --policy \"$1\" -- tar -c -f - \"$(printf 'x\\377')\"", try Gatekeeper.path(), policy],
      env: Proc.environment())
    #expect(out.status == 1 && out.err.contains("invalid-utf8"), "\(out)")
    let lines = Files.lines(audit)
    try #require(lines.count == before + 1, "the record reached the policy's log file")
    let record = try AuditRecord(line: lines[lines.count - 1])
    #expect(record.decision == "deny" && record.reason == "invalid-utf8", "\(record)")
  }

  @Test func refusalRunsNothing() throws {
    let (out, record) = try gatekeeper(["touch", dir + "/data/pwned"])
    #expect(out.status == 1, "\(out)")
    #expect(
      out.err == "gatekeeper: denied (unknown-program): only rsync and tar backups are allowed\n")
    record.expectDenied(command: "touch \(dir)/data/pwned")
    #expect(!FileManager.default.fileExists(atPath: dir + "/data/pwned"))
  }

  @Test func nothingAfterDoubleDashIsUsage() throws {
    let out = try Gatekeeper.run(["--policy", policy, "--"], env: Proc.environment(), timeout: 10)
    #expect(out.status == 64, "\(out)")
    #expect(out.err.hasPrefix("gatekeeper: nothing after '--'\n"), "\(out)")
  }
}
