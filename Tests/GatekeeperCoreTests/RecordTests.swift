import Testing

@testable import GatekeeperCore

@Suite struct RecordTests {
  @Test func goldenRecord() {
    var r = AuditRecord()
    r.timeMillis = 1_764_196_801_123
    r.host = "client1"
    r.pid = 42
    r.decision = .deny
    r.reason = "shell-operator"
    r.detail = "at offset 7"
    r.rule = "/etc/gatekeeper/gatekeeper.policy:3"
    r.label = "backuppc"
    r.user = "root"
    r.client = "192.0.2.7"
    r.clientPort = "52113"
    r.key = "SHA256:abc"
    r.mode = "forced"
    r.command = Array("tar \"x\"\\;\n".utf8) + [0xff, 0x01] + Array("é".utf8)
    r.argv = []
    #expect(
      r.json()
        == #"{"v":1,"time":"2025-11-26T22:40:01.123Z","host":"client1","pid":42,"decision":"deny","reason":"shell-operator","detail":"at offset 7","rule":"/etc/gatekeeper/gatekeeper.policy:3","label":"backuppc","user":"root","client":"192.0.2.7","client_port":"52113","key":"SHA256:abc","mode":"forced","command":"tar \"x\"\\;\n\\xff\u0001é","argv":[]}"#
    )
  }

  @Test func nullCommandAndSecluded() {
    var r = AuditRecord()
    r.command = nil
    r.argv = ["/usr/bin/rsync", "--server"]
    r.secluded = ["rsync", "a\"b"]
    let j = r.json()
    #expect(j.contains(#""command":null,"argv":["/usr/bin/rsync","--server"],"secluded":["rsync","a\"b"]}"#))
    r.sudoUser = "gkbackup"
    #expect(r.json().hasSuffix(#""secluded":["rsync","a\"b"],"sudo_user":"gkbackup"}"#))
  }

  @Test func longFieldsAreCapped() {
    var r = AuditRecord()
    r.command = [UInt8](repeating: UInt8(ascii: "a"), count: AuditRecord.maxField + 10)
    #expect(r.json().contains("...[10 more bytes]"))
    // A multi-byte character cut by the cap is escaped, never split into invalid UTF-8.
    r.command = [UInt8](repeating: UInt8(ascii: "a"), count: AuditRecord.maxField - 1) + Array("é".utf8)
    #expect(r.json().contains("\\\\xc3...[1 more bytes]"))
  }

  @Test(arguments: [
    (Int64(0), "1970-01-01T00:00:00.000Z"), (Int64(951_782_400_000), "2000-02-29T00:00:00.000Z"),
    (Int64(4_107_542_399_999), "2100-02-28T23:59:59.999Z"), (Int64(-1), "1969-12-31T23:59:59.999Z"),
  ])
  func isoTime(_ ms: Int64, _ text: String) {
    #expect(AuditRecord.isoTime(ms) == text)
  }

  /// Extreme times do not trap (found by fuzzing); the text stays well formed.
  @Test(arguments: [Int64.min, Int64.min + 1, Int64.max])
  func extremeTimesDoNotTrap(_ ms: Int64) {
    let text = AuditRecord.isoTime(ms)
    #expect(text.hasSuffix("Z") && text.contains("T"))
  }

  /// `CivilTime.days` (what `gatekeeper report` parses dates with) is the
  /// inverse of the date part of `CivilTime(millis:)`, across leap years,
  /// centuries and before 1970.
  @Test(arguments: [Int64(-719_468), -146_097, -1, 0, 1, 10_956, 11_016, 47_540, 2_932_896])
  func civilDaysRoundTrip(_ days: Int64) {
    let t = CivilTime(millis: days * 86_400_000)
    #expect(CivilTime.days(year: t.year, month: t.month, day: t.day) == days)
    #expect(t.hour == 0 && t.minute == 0 && t.second == 0 && t.millisecond == 0)
  }
}
