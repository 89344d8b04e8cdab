// The files operators install beside gatekeeper, run for real: the
// logrotate configuration (install/logrotate/gatekeeper) rotates a live audit
// file that gatekeeper keeps writing, and the rsyslog snippet
// (install/rsyslog/gatekeeper.conf) puts the syslog records in their own file
// and forwards them to a log host (a second rsyslogd over TCP), where
// `gatekeeper report` reads them.

import Foundation
import Testing

@Suite(.serialized) struct OperatorFilesTests {
  /// A policy whose only rule allows `tar -c` of /etc, run as /bin/true.
  static func policy(_ dir: String, log: String) throws -> String {
    let path = dir + "/test.policy"
    try Files.write(path, "allow tar-create exec=/bin/true roots=/etc\n" + log + "\n", mode: 0o644)
    return path
  }

  static let call = Array("tar -c -f - /etc/hostname".utf8)

  @Test(Needs.trait(Needs.missing(root: true, ["logrotate": "/usr/sbin/logrotate"])))
  func logrotateRotatesALiveAuditFile() throws {
    let dir = try Files.tempDirectory("gk-logrotate", mode: 0o755)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Files.makeDirectory(dir + "/log", mode: 0o750)
    let audit = dir + "/log/audit.jsonl"
    let policy = try Self.policy(dir, log: "log file=\(audit)\nlog syslog=none")
    let shipped = try String(contentsOfFile: Gatekeeper.file("install/logrotate/gatekeeper"), encoding: .utf8)
    #expect(shipped.contains("/var/log/gatekeeper/audit.jsonl {"))
    let conf = dir + "/logrotate.conf"
    try Files.write(conf, shipped.replacingOccurrences(of: "/var/log/gatekeeper/", with: dir + "/log/"), mode: 0o644)
    let rotate = { try Proc.run("/usr/sbin/logrotate", ["-f", "-s", dir + "/state", conf]) }

    #expect(try Gatekeeper.forced(policy: policy, command: Self.call).status == 0)
    let first = try rotate()
    #expect(first.ok, "\(first)")
    // The old week kept whole, a new empty file with the owner and mode
    // gatekeeper trusts, and the next call's record lands in it.
    #expect(try AuditRecord.all(in: audit + ".1").count == 1)
    let created = try #require(Files.stat(audit))
    let size = try FileManager.default.attributesOfItem(atPath: audit)[.size] as? Int
    #expect(created.mode == 0o640 && created.uid == 0 && size == 0)
    #expect(try Gatekeeper.forced(policy: policy, command: Self.call).status == 0)
    #expect(try AuditRecord.all(in: audit).count == 1)
    // A second week: last week's file compressed one rotation late.
    let second = try rotate()
    #expect(second.ok, "\(second)")
    #expect(Files.exists(audit + ".2.gz") && Files.exists(audit + ".1"))
    let both = try Proc.run(
      "/bin/sh", ["-c", "zcat -f \"$1\".2.gz \"$1\".1 | \"$2\" report --json -", "sh", audit, Gatekeeper.path()])
    #expect(both.ok, "\(both)")
    let summary = try jsonObject(both.stdout)
    #expect(summary["records"] as? Int == 2 && summary["allowed"] as? Int == 2, "\(both.out)")
  }

  @Test func rsyslogSnippetKeepsAndForwardsTheRecords() throws {
    guard Needs.check(SyslogTests.skipReason, "rsyslog snippet test") else { return }
    let dir = try Files.tempDirectory("gk-rsyslog-snippet", mode: 0o755)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // The log host: TCP in, gatekeeper's lines to a file.
    let hostDir = dir + "/loghost"
    try Files.makeDirectory(hostDir, mode: 0o755)
    let port = try SSHLab.freePort()
    let hostLog = hostDir + "/gatekeeper.log"
    let host = try SyslogDaemon(
      dir: hostDir,
      rules: """
        module(load="imtcp")
        input(type="imtcp" address="127.0.0.1" port="\(port)" ruleset="fromClients")
        ruleset(name="fromClients") {
          if $programname == "gatekeeper" then action(type="omfile" file="\(hostLog)" template="RSYSLOG_FileFormat")
        }

        """)
    defer { host.stop() }
    // The client: the shipped snippet, its file under `dir`, forwarding on.
    let clientDir = dir + "/client"
    try Files.makeDirectory(clientDir, mode: 0o755)
    var snippet = try String(contentsOfFile: Gatekeeper.file("install/rsyslog/gatekeeper.conf"), encoding: .utf8)
    #expect(snippet.contains("/var/log/gatekeeper/syslog.log"))
    snippet = snippet.replacingOccurrences(of: "/var/log/gatekeeper/", with: clientDir + "/")
    let forward = snippet.components(separatedBy: "\n").filter { $0.hasPrefix("\t# ") && $0.contains("=") }
    #expect(forward.first?.contains("type=\"omfwd\"") == true, "the snippet's forwarding example")
    for line in forward {
      snippet = snippet.replacingOccurrences(of: line, with: "\t" + line.dropFirst(3))
    }
    snippet = snippet.replacingOccurrences(of: "loghost.example.org", with: "127.0.0.1")
      .replacingOccurrences(of: "port=\"514\"", with: "port=\"\(port)\"")
    let client = try SyslogDaemon(dir: clientDir, rules: snippet)
    defer { client.stop() }

    let policy = try Self.policy(dir, log: "log syslog=local5")
    #expect(try Gatekeeper.forced(policy: policy, command: Self.call, wrapper: client.wrapper).status == 0)
    #expect(
      try Gatekeeper.forced(policy: policy, command: Array("rm -rf /".utf8), wrapper: client.wrapper).status == 1)

    for (name, file) in [("the client's own file", clientDir + "/syslog.log"), ("the log host", hostLog)] {
      let lines = client.lines(file, count: 2)
      #expect(lines.count == 2, "\(name): \(lines.count) lines")
      let r = try Proc.run(Gatekeeper.path(), ["report", "--json", file])
      #expect(r.ok, "\(name): \(r)")
      let summary = try jsonObject(r.stdout)
      #expect(
        summary["allowed"] as? Int == 1 && summary["denied"] as? Int == 1,
        "\(name): \(String(decoding: lines.first ?? Data(), as: UTF8.self).prefix(160)) -> \(r.out)")
    }
  }
}
