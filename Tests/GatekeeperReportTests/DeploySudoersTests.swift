import GatekeeperCore
import Testing

@testable import GatekeeperReport

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
    #expect(
      text.contains(
        "\nbpc-1.x ALL=(root) NOPASSWD: /usr/sbin/gatekeeper --policy /etc/gk/bpc.policy --label nightly -- *\n"))
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
