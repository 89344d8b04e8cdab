import Testing

@testable import GatekeeperCore

@Suite struct NetworkTests {
  @Test(arguments: [
    ("192.0.2.0/24", "192.0.2.77", true), ("192.0.2.0/24", "192.0.3.1", false),
    ("10.0.0.1", "10.0.0.1", true), ("10.0.0.1", "10.0.0.2", false), ("0.0.0.0/0", "8.8.8.8", true),
    ("2001:db8::/32", "2001:db8:1::5", true), ("2001:db8::/32", "2001:db9::1", false),
    ("::1", "::1", true), ("::/0", "fe80::1", true), ("192.0.2.0/24", "::ffff:192.0.2.9", true),
    ("::ffff:192.0.2.0/120", "192.0.2.9", true), ("192.0.2.0/24", "2001:db8::1", false),
    ("10.1.2.128/25", "10.1.2.127", false), ("10.1.2.128/25", "10.1.2.200", true),
    ("fe80::/10", "febf::1", true), ("fe80::/10", "fec0::1", false),
  ])
  func containment(_ net: String, _ addr: String, _ inside: Bool) throws {
    let n = try #require(IPNetwork(Substring(net)))
    let a = try #require(IPAddress(addr))
    #expect(n.contains(a) == inside)
  }

  @Test(arguments: [
    "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4/33", "1.2.3.4/", "::1/129", "1:2:3:4:5:6:7:8:9",
    "1::2::3", "12345::", "g::1", "", "1.2.3.4/-1", "::ffff:1.2.3.4/64", "a",
  ])
  func rejects(_ text: String) {
    #expect(IPNetwork(Substring(text)) == nil)
  }

  @Test func formatting() {
    #expect(IPAddress("2001:db8::1")?.description == "2001:db8:0:0:0:0:0:1")
    #expect(IPAddress("::ffff:10.0.0.1")?.description == "10.0.0.1")
  }
}
