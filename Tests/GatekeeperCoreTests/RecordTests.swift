import Testing

@testable import GatekeeperCore

@Suite struct RecordTests {
  @Test func goldenRecord() {
    var r = AuditRecord()
    r.timeMillis = 1_764_196_801_123
    r.host = "client1"
    r.pid = 42
    r.decision = "deny"
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

@Suite struct FingerprintTests {
  @Test func sha256KnownAnswers() {
    func hex(_ b: [UInt8]) -> String { b.map { String($0 >> 4, radix: 16) + String($0 & 15, radix: 16) }.joined() }
    #expect(hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
    #expect(hex(SHA256.hash(long)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
  }

  @Test func base64RoundTrip() {
    for n in 0..<40 {
      let data = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
      #expect(Base64.decode(Array(Base64.encode(data).utf8)) == data)
    }
    #expect(Base64.encode(Array("foob".utf8)) == "Zm9vYg==")
    #expect(Base64.encode(Array("foob".utf8), padded: false) == "Zm9vYg")
    #expect(Base64.decode(Array("Zm9v!".utf8)) == nil)
  }

  /// The key and fingerprint printed by `ssh-keygen -lf` for it (generated once).
  @Test func openSSHFingerprint() {
    let auth = "publickey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID1KCENB0at5+ddc2IazmejXCFa/xhrVWF3soSDSp2cx\n"
    #expect(Fingerprint.fromUserAuth(Array(auth.utf8)) == "SHA256:x9bb3v/aQl7HcUeFjU5aMXX+OyY4NjVrB0P0jYZo7Mg")
    #expect(Fingerprint.fromUserAuth(Array("password\n".utf8)) == nil)
  }
}

@Suite struct DisplayTextTests {
  /// C1 controls, line/paragraph separators, bidi controls and marks: raw in
  /// 0.1's records and `check` output; escaped now, like C0.
  static let unsafe: [(String, String)] = [
    ("\u{9b}", "\\u009b"), ("\u{85}", "\\u0085"), ("\u{2028}", "\\u2028"), ("\u{2029}", "\\u2029"),
    ("\u{202e}", "\\u202e"), ("\u{202a}", "\\u202a"), ("\u{2066}", "\\u2066"), ("\u{2069}", "\\u2069"),
    ("\u{200f}", "\\u200f"), ("\u{61c}", "\\u061c"), ("\u{feff}", "\\ufeff"), ("\u{1b}", "\\u001b"),
  ]

  @Test(arguments: unsafe)
  func recordsEscapeTheWholeClass(_ raw: String, _ escaped: String) {
    var r = AuditRecord()
    r.command = Array("tar -c -f - /a\(raw)b".utf8)
    r.detail = "x\(raw)y"
    let json = r.json()
    #expect(json.contains("\"command\":\"tar -c -f - /a\(escaped)b\""), "\(json)")
    #expect(json.contains("\"detail\":\"x\(escaped)y\""), "\(json)")
    #expect(!json.unicodeScalars.contains { DisplayText.isUnsafe($0.value) })
  }

  @Test func visibleShowsEveryUnsafeCharacterAndKeepsTheRest() {
    #expect(DisplayText.visible("a\u{9b}2J\u{202e}b\u{1b}é") == "a\\x9b2J\\u{202e}b\\x1bé")
    #expect(DisplayText.visible("plain /etc/ssh ünïcode") == "plain /etc/ssh ünïcode")
    for (raw, _) in Self.unsafe {
      #expect(!DisplayText.visible("x\(raw)y").unicodeScalars.contains { DisplayText.isUnsafe($0.value) })
    }
  }
}

@Suite struct RecordSizeTests {
  /// A client can inflate its own record (control bytes escape to six
  /// bytes each; many long paths): the syslog copy stays within its bound,
  /// keeps the fixed fields whole and says it was shortened.
  static func inflated() -> AuditRecord {
    var r = AuditRecord()
    r.timeMillis = 1_764_800_000_000
    r.host = "client1.example.org"
    r.pid = 4242
    r.decision = "deny"
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
