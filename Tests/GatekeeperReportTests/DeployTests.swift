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
