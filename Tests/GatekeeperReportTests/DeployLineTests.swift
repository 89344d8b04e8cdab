import GatekeeperCore
import Testing

@testable import GatekeeperReport

struct DeployLineTests {
  static func options(
    policy: String? = nil, label: String? = nil, from: String? = nil, sudo: Bool = false,
    gatekeeper: String = Deploy.defaultGatekeeper
  ) -> AuthorizeOptions {
    var o = AuthorizeOptions()
    o.policy = policy
    o.label = label
    o.from = from
    o.sudo = sudo
    o.gatekeeper = gatekeeper
    return o
  }

  static let key = PublicKey(
    type: "ssh-ed25519", base64: DeployFixtures.ed25519Blob, comment: "backup@server")

  @Test(arguments: [
    (options(), #"restrict,command="/usr/local/sbin/gatekeeper""#),
    (
      options(policy: "/etc/gatekeeper/backuppc.policy", label: "backuppc", from: "192.0.2.0/24,2001:db8::/32"),
      #"restrict,command="/usr/local/sbin/gatekeeper --policy /etc/gatekeeper/backuppc.policy --label backuppc",from="192.0.2.0/24,2001:db8::/32""#
    ),
    (
      options(policy: "/etc/gatekeeper/gatekeeper.policy", sudo: true, gatekeeper: "/usr/sbin/gatekeeper"),
      #"restrict,command="/usr/sbin/gatekeeper --sudo --policy /etc/gatekeeper/gatekeeper.policy""#
    ),
    (
      options(policy: "/srv/my policies/p"),
      #"restrict,command="/usr/local/sbin/gatekeeper --policy '/srv/my policies/p'""#
    ),
    (options(from: "10.1.2.3"), #"restrict,command="/usr/local/sbin/gatekeeper",from="10.1.2.3""#),
  ])
  func goldenLines(o: AuthorizeOptions, prefix: String) throws {
    let line = try Deploy.authorizedKeysLine(Self.key, o).get()
    #expect(line == prefix + " ssh-ed25519 " + DeployFixtures.ed25519Blob + " backup@server")
  }

  @Test func noCommentNoTrailingSpace() throws {
    var k = Self.key
    k.comment = ""
    let line = try Deploy.authorizedKeysLine(k, AuthorizeOptions()).get()
    #expect(line == #"restrict,command="/usr/local/sbin/gatekeeper" ssh-ed25519 "# + DeployFixtures.ed25519Blob)
  }

  @Test(arguments: [
    (
      options(policy: "relative.policy"),
      "--policy must be an absolute path without '..' (sshd does not run the command in /)"
    ),
    (
      options(policy: "/etc/../tmp/p"),
      "--policy must be an absolute path without '..' (sshd does not run the command in /)"
    ),
    (options(policy: "/etc/\"x"), "--policy path contains a quote, a backslash or a control character"),
    (options(policy: "/etc/x\\y"), "--policy path contains a quote, a backslash or a control character"),
    (options(policy: "/etc/it's"), "--policy path contains a quote, a backslash or a control character"),
    (options(label: "a b"), "--label must be letters, digits, '.', '_' or '-' (at most 64)"),
    (options(label: "x\""), "--label must be letters, digits, '.', '_' or '-' (at most 64)"),
    (options(from: "backup.example.org"), "--from: 'backup.example.org' is not an IP address or CIDR network"),
    (options(from: "10.0.0.1,"), "--from: '' is not an IP address or CIDR network"),
    (options(from: "10.0.0.0/8\",command=\"sh"), "--from: '10.0.0.0/8\"' is not an IP address or CIDR network"),
    (options(from: "!10.0.0.1"), "--from: '!10.0.0.1' is not an IP address or CIDR network"),
    (options(gatekeeper: "gatekeeper"), "--gatekeeper must be an absolute path of letters, digits and . _ - + /"),
    (options(gatekeeper: "/opt/gate keeper"), "--gatekeeper must be an absolute path of letters, digits and . _ - + /"),
    (options(gatekeeper: "/usr/bin/"), "--gatekeeper must be an absolute path of letters, digits and . _ - + /"),
  ])
  func refusesBadOptions(o: AuthorizeOptions, message: String) {
    #expect(throws: DeployError(message)) { try Deploy.authorizedKeysLine(Self.key, o).get() }
  }

  @Test(arguments: [
    ("/etc/gatekeeper/gatekeeper.policy", "/etc/gatekeeper/gatekeeper.policy"),
    ("/srv/a b", "'/srv/a b'"),
    ("/srv/$HOME", "'/srv/$HOME'"),
    ("~root/p", "'~root/p'"),
  ])
  func quoting(word: String, quoted: String) {
    #expect(Deploy.quoteForCommand(word) == quoted)
  }

  @Test(arguments: ["", "a\"b", "a\\b", "a'b", "a\nb", "a\u{7f}"])
  func unquotable(word: String) {
    #expect(Deploy.quoteForCommand(word) == nil)
  }
}
