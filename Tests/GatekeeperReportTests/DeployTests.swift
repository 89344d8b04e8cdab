// The authorized_keys line and the sudoers snippet: golden text, and every
// refusal of a key line or an option value.

import Testing

@testable import GatekeeperReport

enum DeployFixtures {
  static let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM61L5f0Vbl0U4dVFx+qeaYaszECd7KVbtCMna2VrqAB"
  static let ecdsa =
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGQXH4MqiGhJ4k8Eewi/9uy5LcN585GDUo+YRrkejWOoRwqpN2YxqXI2O5zeodiDDzj09BmwIURrg9v6ptyXQJo="
  static let ed25519Blob = "AAAAC3NzaC1lZDI1NTE5AAAAIM61L5f0Vbl0U4dVFx+qeaYaszECd7KVbtCMna2VrqAB"
}

struct DeployKeyTests {
  @Test(arguments: [
    (DeployFixtures.ed25519 + " backup@server\n", "ssh-ed25519", "backup@server"),
    (DeployFixtures.ed25519 + "\n", "ssh-ed25519", ""),
    (DeployFixtures.ed25519, "ssh-ed25519", ""),
    (DeployFixtures.ed25519 + " root@backup server  two words \r\n", "ssh-ed25519", "root@backup server  two words"),
    (DeployFixtures.ed25519 + "\tbackup\n\n", "ssh-ed25519", "backup"),
    ("\n# a comment line\n" + DeployFixtures.ecdsa + " ec key\n", "ecdsa-sha2-nistp256", "ec key"),
  ])
  func acceptsPublicKeys(input: String, type: String, comment: String) throws {
    let key = try Deploy.parseKey(Array(input.utf8)).get()
    #expect(key.type == type)
    #expect(key.comment == comment)
  }

  @Test(arguments: [
    ("", "no public key on standard input"),
    ("\n\n", "no public key on standard input"),
    (DeployFixtures.ed25519 + "\n" + DeployFixtures.ecdsa + "\n", "give exactly one public key line, not 2"),
    (
      "restrict " + DeployFixtures.ed25519,
      "the key line already carries options; give the plain public key (the .pub file)"
    ),
    (
      "command=\"/bin/sh\" " + DeployFixtures.ed25519,
      "the key line already carries options; give the plain public key (the .pub file)"
    ),
    (
      "no-pty,from=\"10.0.0.1\" " + DeployFixtures.ed25519,
      "the key line already carries options; give the plain public key (the .pub file)"
    ),
    ("ssh-dss AAAAB3NzaC1kc3M=", "DSA keys are not accepted by current OpenSSH"),
    ("ssh-ed25519-cert-v01@openssh.com AAAA", "certificates need cert-authority, not a forced-command key line"),
    (
      "ssh-foo AAAA",
      "unknown key type 'ssh-foo' (expected ssh-ed25519, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-rsa, sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com)"
    ),
    ("ssh-ed25519", "the key line has no key data after 'ssh-ed25519'"),
    (
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM61L5f0Vbl0U4dVFx+qeaYaszECd7KVbtCMna2VrqA",
      "the key data is not valid base64"
    ),
    ("ssh-ed25519 AAAA$3Nz", "the key data is not valid base64"),
    ("ssh-ed25519 ====", "the key data is not valid base64"),
    (
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM61L5f0Vbl0U4dVFx+qeaYaszECd7KVbtCMna2V",
      "the key data is malformed (not a sequence of SSH strings)"
    ),
    ("ssh-rsa " + DeployFixtures.ed25519Blob, "the key data says 'ssh-ed25519', not 'ssh-rsa'"),
    ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", "the key data holds no key"),
    (DeployFixtures.ed25519 + " evil\u{1b}[2J", "the key line contains a control character"),
  ])
  func refusesBadKeyLines(input: String, message: String) {
    #expect(throws: DeployError(message)) { try Deploy.parseKey(Array(input.utf8)).get() }
  }

  @Test func refusesInvalidUTF8AndHugeInput() {
    #expect(throws: DeployError("the key input is not valid UTF-8")) {
      try Deploy.parseKey(Array(DeployFixtures.ed25519.utf8) + [0x20, 0xff]).get()
    }
    #expect(throws: DeployError("the key input is larger than 65536 bytes")) {
      try Deploy.parseKey([UInt8](repeating: 0x41, count: 65537)).get()
    }
  }

  @Test func sshStringsMustConsumeTheBlob() {
    #expect(Deploy.sshStrings([0, 0, 0, 1, 0x61, 0, 0, 0, 0]) == [[0x61], []])
    #expect(Deploy.sshStrings([0, 0, 0, 2, 0x61]) == nil)
    #expect(Deploy.sshStrings([0, 0, 0]) == nil)
    #expect(Deploy.sshStrings([0xff, 0xff, 0xff, 0xff, 0]) == nil)
  }
}

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

struct DeploySudoersTests {
  @Test func goldenSnippet() throws {
    let text = try Deploy.sudoersSnippet(user: "backup").get()
    #expect(
      text == """
        # /etc/sudoers.d/gatekeeper (written by `gatekeeper sudoers`; see gatekeeper(8))
        # backup may run, as root, only what `gatekeeper --sudo` hands over: the
        # request's words after `--`, which gatekeeper checks itself against the
        # policy. Never list rsync or tar here: a sudoers wildcard such as
        # `rsync --server --sender *` also matches --remove-source-files.
        # Only the client address and key file pass through (for from= rules and
        # the audit record); gatekeeper builds the tool's environment from nothing.
        Defaults!/usr/local/sbin/gatekeeper env_reset, env_keep = "SSH_CONNECTION SSH_USER_AUTH", !env_check, !setenv, !requiretty
        backup ALL=(root) NOPASSWD: /usr/local/sbin/gatekeeper --policy /etc/gatekeeper/gatekeeper.policy -- *

        """)
  }

  @Test func otherPathPolicyAndLabel() throws {
    let text = try Deploy.sudoersSnippet(
      user: "bpc-1.x", gatekeeper: "/usr/sbin/gatekeeper", policy: "/etc/gk/bpc.policy", label: "nightly"
    ).get()
    #expect(text.contains("\nbpc-1.x ALL=(root) NOPASSWD: /usr/sbin/gatekeeper --policy /etc/gk/bpc.policy --label nightly -- *\n"))
    #expect(text.contains("\nDefaults!/usr/sbin/gatekeeper env_reset"))
    #expect(throws: DeployError.self) { try Deploy.sudoersSnippet(user: "b", policy: "/etc/a b").get() }
    #expect(throws: DeployError.self) { try Deploy.sudoersSnippet(user: "b", policy: "relative").get() }
    #expect(throws: DeployError.self) { try Deploy.sudoersSnippet(user: "b", label: "a,b").get() }
  }

  @Test(arguments: [
    "", "-backup", "12345", "back up", "root,ALL", "a:b", "x=y", "ALL\nroot", String(repeating: "a", count: 33),
    "b\u{e4}ckup", "%sudo", "#0",
    // sudoers keywords and alias-shaped names (sudoers reads B1 as an alias)
    "ALL", "Defaults", "NOPASSWD", "BACKUP", "B1", "BPC_2",
  ])
  func refusesBadUserNames(user: String) {
    #expect(!Deploy.isUserName(user))
    #expect(throws: DeployError.self) { try Deploy.sudoersSnippet(user: user).get() }
  }

  @Test(arguments: ["backup", "_backup", "b.pc", "backuppc-2", "Backup1", "bA", String(repeating: "a", count: 32)])
  func acceptsUserNames(user: String) {
    #expect(Deploy.isUserName(user))
  }

  @Test(arguments: ["rsync", "/usr/bin/rsync --server", "/usr/sbin/gk,ALL", "/usr/sbin/gk:x", "/a/../b", "/"])
  func refusesBadPaths(path: String) {
    #expect(throws: DeployError.self) { try Deploy.sudoersSnippet(user: "backup", gatekeeper: path).get() }
  }
}
