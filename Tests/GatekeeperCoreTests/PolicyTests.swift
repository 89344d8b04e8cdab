import Testing

@testable import GatekeeperCore

@Suite struct PolicyTests {
  static func parse(_ text: String) -> Result<Policy, PolicyErrors> { PolicyParser.parse(Array(text.utf8)) }

  @Test func contractExampleParses() throws {
    let p = try Self.parse(
      """
      # one rule per line; the first rule that matches decides; nothing matches -> deny
      allow rsync-sender exec=/usr/bin/rsync roots=/etc,/home,/srv
      allow tar-create   exec=/bin/tar roots=/ label=backuppc from=192.0.2.0/24,2001:db8::/32
      log file=/var/log/gatekeeper/audit.jsonl
      log syslog=authpriv
      """
    ).get()
    #expect(p.rules.count == 2)
    #expect(
      p.rules[0].profile == .rsyncSender && p.rules[0].roots == ["/etc", "/home", "/srv"] && p.rules[0].line == 2)
    #expect(p.rules[1].exec == "/bin/tar" && p.rules[1].label == "backuppc" && p.rules[1].from.count == 2)
    #expect(p.rules[1].line == 3)
    #expect(p.log.file == "/var/log/gatekeeper/audit.jsonl" && p.log.fileRequired)
    #expect(p.log.syslogFacility == "authpriv" && p.log.syslogTag == "gatekeeper")
  }

  @Test func defaultsAndOptions() throws {
    let p = try Self.parse(
      "allow rsync-sender roots=/etc//ssh/./,/ confine-root=yes # comment\r\nallow tar-create\t\n"
        + "log file=/var/log/g.jsonl required=no\nlog syslog=local3 tag=gk-test\n"
    ).get()
    #expect(p.rules[0].exec == "/usr/bin/rsync" && p.rules[0].roots == ["/etc/ssh", "/"] && p.rules[0].confineRoot)
    #expect(p.rules[1].exec == "/usr/bin/tar" && p.rules[1].roots == ["/"] && p.rules[1].from.isEmpty)
    #expect(!p.log.fileRequired && p.log.syslogFacility == "local3" && p.log.syslogTag == "gk-test")
    #expect(try Self.parse("log syslog=none\n").get().log.syslogFacility == nil)
    #expect(try Self.parse("").get().rules.isEmpty)
  }

  /// Golden error text: every error, with line and column, in order.
  @Test func errorsAreAllReportedWithPositions() {
    let text = """
      allow foo
      allow rsync-sender roots=etc from=1.2.3.4/40 bogus=1
      deny tar-create
      allow tar-create exec=/bin/tar exec=/usr/bin/tar label=a/b
      log file=relative
      log file=/x
      log syslog=kern
      log
      log fil=/x
      allow tar-create confine-root=yes roots=/a/../b from=300.1.1.1 exec
      allow rsync-sender confine-root=maybe label=
      log file=/y required=perhaps
      log syslog=none tag=a/b
      allow
      """
    guard case .failure(let e) = Self.parse(text) else {
      Issue.record("accepted")
      return
    }
    #expect(
      e.errors.map(\.description) == [
        "1:7: unknown profile 'foo' (expected rsync-sender or tar-create)",
        "2:26: root 'etc' must be an absolute path without '..'",
        "2:35: '1.2.3.4/40' is not an address or CIDR network",
        "2:46: unknown key 'bogus' (expected exec, roots, label, from or confine-root)",
        "3:1: unknown keyword 'deny' (expected 'allow', 'log' or 'confine')",
        "4:32: duplicate key 'exec'",
        "4:56: label must be letters, digits, '.', '_' or '-'",
        "5:10: log file must be an absolute path without '..'",
        "6:5: a second 'log file=' line",
        "7:12: unknown syslog facility 'kern'",
        "8:1: 'log' needs file=PATH or syslog=FACILITY",
        "9:5: 'log' needs file=PATH or syslog=FACILITY, not 'fil=/x'",
        "10:31: confine-root applies to rsync-sender rules only",
        "10:41: root '/a/../b' must be an absolute path without '..'",
        "10:54: '300.1.1.1' is not an address or CIDR network",
        "10:64: expected key=value, got 'exec'",
        "11:33: confine-root must be yes or no",
        "11:39: expected key=value, got 'label='",
        "12:5: a second 'log file=' line",
        "12:13: unknown 'log file' option 'required=perhaps' (expected required=yes|no)",
        "13:5: a second 'log syslog=' line",
        "13:17: unknown 'log syslog' option 'tag=a/b' (expected tag=NAME)",
        "14:1: 'allow' needs a profile (rsync-sender or tar-create)",
      ])
  }

  @Test func invalidUTF8AndSize() {
    guard case .failure(let e) = PolicyParser.parse(Array("allow tar-create\n".utf8) + [0xff, 0x0a]) else {
      Issue.record("accepted")
      return
    }
    #expect(e.errors.map(\.description) == ["2:1: line is not valid UTF-8"])
    let big = [UInt8](repeating: UInt8(ascii: "#"), count: PolicyParser.maxSize + 1)
    guard case .failure(let e2) = PolicyParser.parse(big) else {
      Issue.record("accepted")
      return
    }
    #expect(e2.errors.count == 1 && e2.errors[0].line == 1)
  }
}
