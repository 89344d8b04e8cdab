import Testing

@testable import GatekeeperCore

@Suite struct RecordSizeTests {
  /// A client can inflate its own record (control bytes escape to six
  /// bytes each; many long paths): the syslog copy stays within its bound,
  /// keeps the fixed fields whole and says it was shortened.
  static func inflated() -> AuditRecord {
    var r = AuditRecord()
    r.timeMillis = 1_764_800_000_000
    r.host = "client1.example.org"
    r.pid = 4242
    r.decision = .deny
    r.reason = "rsync-outside-roots"
    r.detail = String(repeating: "\u{1}", count: 3000)
    r.rule = "/etc/gatekeeper/gatekeeper.policy:12"
    r.label = "backuppc"
    r.user = "root"
    r.client = "2001:db8::7"
    r.clientPort = "40000"
    r.key = "SHA256:G5TDlJyxSMbxUojT7CVjQpSpkoC0PIuoKSJzIoBO7A4"
    r.mode = "forced"
    r.command = [UInt8](repeating: 1, count: 4096)
    r.argv = (0..<100).map { "/srv/" + String(repeating: "p", count: 200) + "\($0)" }
    r.secluded = (0..<50).map { "\u{1}\($0)" + String(repeating: "s", count: 300) }
    return r
  }

  @Test(arguments: [AuditRecord.syslogLimit - 5, 4096, AuditRecord.fileLimit])
  func boundedWithFixedFieldsWholeAndMarked(_ limit: Int) throws {
    let r = Self.inflated()
    #expect(r.json(limit: Int.max).utf8.count > AuditRecord.fileLimit, "the unbounded record is large")
    let line = r.json(limit: limit)
    #expect(line.utf8.count <= limit, "\(line.utf8.count) > \(limit)")
    #expect(line.hasSuffix(",\"truncated\":true}"))
    for fixed in [
      "\"host\":\"client1.example.org\"", "\"decision\":\"deny\"", "\"reason\":\"rsync-outside-roots\"",
      "\"rule\":\"/etc/gatekeeper/gatekeeper.policy:12\"", "\"label\":\"backuppc\"", "\"client\":\"2001:db8::7\"",
      "\"key\":\"SHA256:G5TDlJyxSMbxUojT7CVjQpSpkoC0PIuoKSJzIoBO7A4\"",
    ] {
      #expect(line.contains(fixed), "\(fixed)")
    }
    #expect(line.contains("more bytes]"))
  }

  @Test func smallRecordsAreUntouched() {
    var r = AuditRecord()
    r.command = Array("rsync --server --sender -logDtpre.iLsfxCIvu . /etc/".utf8)
    r.argv = ["/usr/bin/rsync", "--server"]
    #expect(r.json(limit: AuditRecord.syslogLimit) == r.json())
    #expect(!r.json().contains("truncated"))
  }
}
