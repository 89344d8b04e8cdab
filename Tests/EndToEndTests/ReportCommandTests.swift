// `gatekeeper report` and `gatekeeper learn` on audit files written by real
// calls; exit statuses; standard input and `zcat ... | gatekeeper report -`.

import Foundation
import Glibc
import Testing

/// A directory with a policy and an audit file filled by real calls.
final class ReportLab {
  let dir: String
  let bin: String
  let audit: String
  /// (client, label, command, decision expected)
  static let calls: [(String, String?, String, String)] = [
    ("192.0.2.7", "nightly", "tar -c -f - -C /etc .", "allow"),
    (
      "192.0.2.7", "nightly", "env LC_ALL=C /bin/tar -c -v -f - -C /home --totals ./alice ./bob",
      "allow"
    ),
    ("192.0.2.7", "nightly", "tar -c -f - -C /srv .", "deny"),
    ("192.0.2.8", nil, "rsync --server --sender -logDtpre.iLsfxCIvu . /etc/", "allow"),
    ("192.0.2.8", nil, "rsync --server --sender -logDtpre.iLsfxCIvu . /root/", "deny"),
    ("192.0.2.8", nil, "rsync --server --sender -logDtpre.iLsfxCIvu . /etc/ ; id", "deny"),
    ("2001:db8::15", nil, "rsync --server --sender -logDtpre.iLsfxCIvu . /home/", "allow"),
    ("203.0.113.9", nil, "tar -x -f - -C /etc", "deny"),
  ]

  init() throws {
    bin = try Gatekeeper.path()
    dir = try Files.tempDirectory("gk-report", mode: 0o755)
    audit = dir + "/audit.jsonl"
    let policy = dir + "/test.policy"
    try Files.write(
      policy,
      """
      allow tar-create exec=/bin/true roots=/etc,/home label=nightly
      allow rsync-sender exec=/bin/true roots=/etc,/home from=192.0.2.0/24,2001:db8::/32
      log file=\(audit)
      log syslog=none

      """, mode: 0o644)
    for c in ReportLab.calls {
      try Gatekeeper.forced(policy: policy, command: Array(c.2.utf8), client: c.0, label: c.1)
    }
  }

  deinit { try? FileManager.default.removeItem(atPath: dir) }

  func report(_ args: [String], input: Data? = nil) throws -> Output {
    try Proc.run(bin, args, stdin: input.map { .data($0) } ?? .null)
  }
}

struct ReportCommandTests {
  @Test func recordsOfRealCalls() throws {
    let lab = try ReportLab()
    let records = try AuditRecord.all(in: lab.audit)
    #expect(records.map { $0.decision ?? "" } == ReportLab.calls.map(\.3))
  }

  @Test func jsonReport() throws {
    let lab = try ReportLab()
    let r = try lab.report(["report", "--json", lab.audit])
    #expect(r.status == 0, "\(r)")
    let j = try jsonObject(r.stdout)
    #expect(j["records"] as? Int == 8)
    #expect(j["allowed"] as? Int == 4)
    #expect(j["denied"] as? Int == 4)
    #expect(j["errors"] as? Int == 0)
    let clients = (j["clients"] as? [[String: Any]] ?? []).map {
      "\($0["client"] ?? "") \($0["calls"] ?? "")"
    }
    #expect(clients == ["192.0.2.7 3", "192.0.2.8 3", "2001:db8::15 1", "203.0.113.9 1"])
    let keys = (j["keys"] as? [[String: Any]] ?? []).map {
      "\($0["label"] ?? "") \($0["calls"] ?? "")"
    }
    #expect(keys == [" 5", "nightly 3"])
    let denials = (j["denials"] as? [[String: Any]] ?? []).reduce(0) {
      $0 + ($1["count"] as? Int ?? 0)
    }
    #expect(denials == 4)
  }

  @Test func textReportAndFilters() throws {
    let lab = try ReportLab()
    let r = try lab.report(["report", lab.audit])
    #expect(r.status == 0)
    #expect(r.out.contains("Records  8: allowed 4, denied 4, errors 0"))
    #expect(r.out.split(separator: "\n").allSatisfy { $0.unicodeScalars.count <= 80 })
    let label = try jsonObject(
      try lab.report(["report", "--json", "--label", "nightly", lab.audit]).stdout)
    #expect(label["records"] as? Int == 3)
    let client = try jsonObject(
      try lab.report(["report", "--json", "--client=2001:db8::15", lab.audit]).stdout)
    #expect(client["records"] as? Int == 1)
    let future = try jsonObject(
      try lab.report(["report", "--json", "--since", "2999-01-01", lab.audit]).stdout)
    #expect(future["records"] as? Int == 0)
    #expect(future["filtered_out"] as? Int == 8)
    let recent = try jsonObject(
      try lab.report([
        "report", "--json", "--since", "1h", "--until", "2999-01-01T00:00Z", lab.audit,
      ]).stdout)
    #expect(recent["records"] as? Int == 8)
  }

  @Test func standardInputAndRotatedFiles() throws {
    let lab = try ReportLab()
    let data = try Data(contentsOf: URL(fileURLWithPath: lab.audit))
    let viaStdin = try jsonObject(try lab.report(["report", "--json"], input: data).stdout)
    #expect(viaStdin["records"] as? Int == 8)
    #expect(viaStdin["inputs"] as? [String] == ["-"])
    let dash = try jsonObject(try lab.report(["report", "--json", "-"], input: data).stdout)
    #expect(dash["records"] as? Int == 8)
    // two inputs: the file twice, line numbers per input
    let twice = try jsonObject(
      try lab.report(["report", "--json", lab.audit, "-"], input: data).stdout)
    #expect(twice["records"] as? Int == 16)
    // rotated: zcat audit.jsonl.1.gz | gatekeeper report -
    if let gzip = Proc.which("gzip") {
      try Proc.must(gzip, ["-k", lab.audit])
      let sh = try Proc.run(
        "/bin/sh", ["-c", "zcat \"$1\" | \"$2\" report --json -", "sh", lab.audit + ".gz", lab.bin])
      #expect(sh.status == 0, "\(sh)")
      #expect(try jsonObject(sh.stdout)["records"] as? Int == 8)
    }
  }

  @Test func malformedLinesAreReportedWithNumbers() throws {
    let lab = try ReportLab()
    var data = try Data(contentsOf: URL(fileURLWithPath: lab.audit))
    data.append(
      Data(
        "{\"v\":1,\"time\":\"2026-11-26T00:00:00Z\",\"decision\":\"allow\",\"command\":cut}\n".utf8
      ))
    data.append(Data("Nov 26 22:47:16 host sshd[1]: unrelated\n".utf8))
    data.append(Data([0xff, 0xfe, 0x0a]))
    let path = lab.dir + "/damaged.jsonl"
    try Files.write(path, data: data, mode: 0o644)
    let r = try lab.report(["report", "--json", path])
    #expect(r.status == 0)
    let j = try jsonObject(r.stdout)
    #expect(j["records"] as? Int == 8)
    #expect(j["malformed"] as? Int == 1)
    #expect(j["skipped"] as? Int == 2)
    let m = (j["malformed_lines"] as? [[String: Any]])?.first
    #expect(m?["line"] as? Int == 9)
    #expect(m?["input"] as? String == path)
    let text = try lab.report(["report", path])
    #expect(text.out.contains("damaged.jsonl:9: bad JSON"))
  }

  @Test func learnProposesAPolicy() throws {
    let lab = try ReportLab()
    let r = try lab.report(["learn", lab.audit])
    #expect(r.status == 0, "\(r)")
    let rules = r.out.split(separator: "\n").filter { $0.hasPrefix("allow ") }
    #expect(
      rules == [
        // /root and /srv were only asked for and refused: not in roots=
        "allow rsync-sender exec=/bin/true roots=/etc,/home from=192.0.2.8,2001:db8::15",
        "allow tar-create exec=/bin/true roots=/etc,/home label=nightly from=192.0.2.7",
      ])
    #expect(r.out.contains("# paths refused: /root (1)"))
    #expect(r.out.contains("not learnt from"))
    // what learn proposes is a policy gatekeeper accepts
    let proposed = lab.dir + "/proposed.policy"
    try Files.write(proposed, r.out, mode: 0o644)
    let check = try lab.report(["check", "--policy", proposed])
    #expect(check.status == 0, "\(check)")
  }

  @Test(arguments: [
    (["report", "--json", "--html", "x"], Int32(64)),
    (["report", "--bogus"], Int32(64)),
    (["report", "--since", "someday"], Int32(64)),
    (["learn", "--json"], Int32(64)),
    (["report", "/nonexistent/audit.jsonl"], Int32(66)),
    (["report", "/"], Int32(66)),
    (["learn", "/nonexistent"], Int32(66)),
    (["report", "--html", "/nonexistent/dir/out.html", "/dev/null"], Int32(73)),
    (["report", "--help"], Int32(0)),
  ])
  func exitStatus(_ args: [String], _ status: Int32) throws {
    let r = try Proc.run(try Gatekeeper.path(), args)
    #expect(r.status == status, "\(args): \(r)")
    if status == 64 { #expect(r.err.contains("usage: gatekeeper report")) }
    if status == 66 { #expect(r.stdout.isEmpty) }
  }

  @Test func htmlIsWritten() throws {
    let lab = try ReportLab()
    let out = lab.dir + "/report.html"
    let r = try lab.report(["report", "--html", out, lab.audit])
    #expect(r.status == 0, "\(r)")
    #expect(r.stdout.isEmpty)
    let html = Files.read(out)
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(html.contains("<svg"))
    #expect(!html.contains("<script"))
    #expect(html.contains("<span data-json=\"records\">8</span>"))
  }

  /// A symbolic link planted where the page goes is replaced, not followed
  /// (0.1, run as root, wrote through it).
  @Test func htmlNeverWritesThroughALink() throws {
    let lab = try ReportLab()
    let victim = lab.dir + "/victim"
    try Files.write(victim, "precious\n", mode: 0o644)
    let out = lab.dir + "/report.html"
    try FileManager.default.createSymbolicLink(atPath: out, withDestinationPath: victim)
    let r = try lab.report(["report", "--html", out, lab.audit])
    #expect(r.status == 0, "\(r)")
    #expect(Files.read(victim) == "precious\n")
    #expect(Files.read(out).hasPrefix("<!DOCTYPE html>"))
    let kind = try FileManager.default.attributesOfItem(atPath: out)[.type] as? FileAttributeType
    #expect(kind == .typeRegular)
  }
}
