// The Ansible role (install/ansible/), end to end: `ansible-playbook -c local`
// runs site.yml against localhost with every destination moved into a
// sandbox (binary, man pages, policy, log directory, authorized_keys,
// sudoers.d), twice (the second run changes nothing), then a real sshd whose
// AuthorizedKeysFile is the file the role wrote serves an rsync pull and
// refuses `touch`. A third run with a policy gatekeeper rejects must fail
// and leave the installed policy alone.
//
// Outside the sandbox the run touches only what ansible-playbook itself
// needs: `become` runs sudo (root to root), whose log goes to syslog. The
// role's optional account creation (gatekeeper_create_user) is not run:
// it would add a user to the machine's /etc/passwd.

import Foundation
import Testing

enum AnsiblePlaybook {
  /// $ANSIBLE_PLAYBOOK, else ansible-playbook on PATH, else the venv .ci/run makes.
  static let path: String? = {
    if let p = ProcessInfo.processInfo.environment["ANSIBLE_PLAYBOOK"], !p.isEmpty {
      return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }
    return Proc.which("ansible-playbook", also: ["/opt/ansible-core/bin"])
  }()

  /// Counts from the PLAY RECAP line for localhost.
  struct Recap: Equatable {
    var ok = -1, changed = -1, unreachable = -1, failed = -1
  }

  static func recap(_ output: String) -> Recap? {
    guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("localhost") && $0.contains("changed=") })
    else { return nil }
    var r = Recap()
    for field in line.split(separator: " ") {
      let kv = field.split(separator: "=")
      guard kv.count == 2, let n = Int(kv[1]) else { continue }
      switch kv[0] {
      case "ok": r.ok = n
      case "changed": r.changed = n
      case "unreachable": r.unreachable = n
      case "failed": r.failed = n
      default: break
      }
    }
    return r
  }
}

// root: the role installs root-owned files; sshd logs the key in as root
private let ansibleMissing =
  AnsiblePlaybook.path == nil
  ? "not installed: ansible-core (python3 -m venv /opt/ansible-core && /opt/ansible-core/bin/pip install ansible-core)"
  : Needs.missing(root: true, Needs.sshd.merging(["sudo": "/usr/sbin/visudo"]) { a, _ in a })

@Suite(
  "Ansible role",
  Needs.trait(ansibleMissing))
struct AnsibleRoleTests {
  let gatekeeper = Gatekeeper.location
  let site = Gatekeeper.file("install/ansible/site.yml")

  func playbook(_ sandbox: String, vars: [String: Any]) throws -> Output {
    let varsFile = sandbox + "/vars-\(UUID().uuidString.prefix(8)).json"
    try JSONSerialization.data(withJSONObject: vars, options: [.sortedKeys]).write(to: URL(fileURLWithPath: varsFile))
    let home = sandbox + "/ansible-home"
    // An empty ansible.cfg: no configuration from the machine or the cwd.
    let config = sandbox + "/ansible.cfg"
    if !Files.exists(config) { try Files.write(config, "") }
    return try Proc.run(
      try #require(AnsiblePlaybook.path), ["-c", "local", "-i", "localhost,", site, "-e", "@" + varsFile],
      env: Proc.environment(adding: [
        "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "ANSIBLE_CONFIG": config, "ANSIBLE_HOME": home,
        "ANSIBLE_LOCAL_TEMP": home + "/tmp",
        "ANSIBLE_REMOTE_TEMP": home + "/remote-tmp", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0",
      ]), timeout: 300)
  }

  func mode(_ path: String) -> Int? { Files.stat(path)?.mode }

  func text(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
  }

  @Test func installsTwiceLocksTheKeyAndRefusesABadPolicy() throws {
    let t = try Files.tempDirectory("gk-ansible")
    defer { Files.removeLab(t) }
    let fm = FileManager.default
    let data = t + "/data"
    for d in [data + "/tree/sub", data + "/scratch", t + "/root/.ssh"] {
      try fm.createDirectory(atPath: d, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
    try Files.write(data + "/tree/a.txt", "alpha\n", mode: 0o644)
    try Files.write(data + "/tree/sub/b.txt", "beta\n", mode: 0o644)

    // The backup key, and an authorized_keys file that already holds an
    // unrelated key (kept) and an UNRESTRICTED line for the backup key
    // (the role must remove it: sshd could otherwise pick it).
    let key = t + "/backup_key"
    let pub = try SSHLab.newKey(key, comment: "backup@server")
    let otherPub = try SSHLab.newKey(t + "/other_key", comment: "admin@laptop")
    let authorizedKeys = t + "/root/.ssh/authorized_keys"
    try Files.write(authorizedKeys, otherPub + pub, mode: 0o644)

    let bin = t + "/usr/local/sbin"
    let policyFile = t + "/etc/gatekeeper/gatekeeper.policy"
    let logDir = t + "/var/log/gatekeeper"
    let policy = """
      allow rsync-sender exec=/usr/bin/rsync roots=\(data)
      allow tar-create exec=/usr/bin/tar roots=\(data)
      log file=\(logDir)/audit.jsonl
      log syslog=none

      """
    var vars: [String: Any] = [
      "gatekeeper_binary_src": gatekeeper,
      "gatekeeper_bin_dir": bin,
      "gatekeeper_man_dir": t + "/usr/local/share/man",
      "gatekeeper_policy_dir": t + "/etc/gatekeeper",
      "gatekeeper_log_dir": logDir,
      "gatekeeper_authorized_keys": authorizedKeys,
      "gatekeeper_sudoers_dir": t + "/etc/sudoers.d",
      "gatekeeper_logrotate_dir": t + "/etc/logrotate.d",
      "gatekeeper_sudoers_user": "backup",
      "gatekeeper_from": "127.0.0.1",
      "gatekeeper_policy": policy,
      "gatekeeper_backup_key": pub,
      "ansible_python_interpreter": "{{ ansible_playbook_python }}",
    ]

    let clock = ContinuousClock()
    let start = clock.now
    let first = try playbook(t, vars: vars)
    let firstTime = clock.now - start
    try #require(first.status == 0, "first run: \(first)")
    let firstRecap = AnsiblePlaybook.recap(first.out)
    #expect(firstRecap.map { $0.changed > 0 && $0.failed == 0 } == true, "\(String(describing: firstRecap))")
    let second = try playbook(t, vars: vars)
    try #require(second.status == 0, "second run: \(second)")
    let secondRecap = AnsiblePlaybook.recap(second.out)
    #expect(secondRecap?.changed == 0 && secondRecap?.failed == 0, "second run must change nothing: \(second.out)")
    print("ansible role: first run \(firstTime), second run \(clock.now - start - firstTime)")

    // What the role installed.
    let installed = bin + "/gatekeeper"
    #expect(mode(installed) == 0o755)
    #expect(fm.contentsEqual(atPath: installed, andPath: gatekeeper))
    #expect(mode(t + "/usr/local/share/man/man8/gatekeeper.8") == 0o644)
    #expect(mode(t + "/usr/local/share/man/man5/gatekeeper.policy.5") == 0o644)
    #expect(mode(logDir) == 0o750)
    // The shipped logrotate file, naming this log directory.
    let logrotate = t + "/etc/logrotate.d/gatekeeper"
    #expect(mode(logrotate) == 0o644)
    let shipped = text(Gatekeeper.file("install/logrotate/gatekeeper")) ?? "?"
    #expect(text(logrotate) == shipped.replacingOccurrences(of: "/var/log/gatekeeper/", with: logDir + "/"))
    #expect(mode(policyFile) == 0o644)
    let installedPolicy = text(policyFile) ?? ""
    #expect(installedPolicy.hasPrefix("# ") && installedPolicy.hasSuffix(policy), "\(installedPolicy)")
    let sudoers = t + "/etc/sudoers.d/gatekeeper"
    #expect(mode(sudoers) == 0o440)
    let snippet = try Proc.must(
      installed, ["sudoers", "--user", "backup", "--gatekeeper", installed, "--policy", policyFile]
    ).out
    #expect(text(sudoers) == snippet)
    #expect(try Proc.run("/usr/sbin/visudo", ["-cf", sudoers]).status == 0)

    // authorized_keys: the unrelated key kept, the backup key exactly once,
    // as `gatekeeper authorize` prints it.
    let expected = try Proc.run(
      installed, ["authorize", "--gatekeeper", installed, "--policy", policyFile, "--from", "127.0.0.1"],
      stdin: .text(pub)
    ).out
    #expect(expected.hasPrefix("restrict,command=\"\(installed) --policy \(policyFile)\",from=\"127.0.0.1\" "))
    #expect(text(authorizedKeys) == otherPub + expected, "\(text(authorizedKeys) ?? "")")
    #expect(mode(authorizedKeys) == 0o600)
    #expect(mode(t + "/root/.ssh") == 0o700)

    // Through a real sshd reading that file.
    let sshd = try SSHLab(dir: t, authorizedKeysFile: authorizedKeys)
    defer { sshd.stop() }
    let pull = try sshd.rsync(key: key, ["-a", "\(SSHLab.destination):\(data)/tree/", t + "/pulled/"])
    #expect(pull.status == 0, "rsync pull: \(pull)\nsshd: \(sshd.log)")
    #expect(fm.contents(atPath: t + "/pulled/sub/b.txt") == Data("beta\n".utf8))
    let touch = try sshd.ssh(key: key, "touch \(data)/scratch/pwned")
    #expect(touch.status == 1 && touch.err.contains("gatekeeper: denied"), "touch: \(touch)")
    #expect(!fm.fileExists(atPath: data + "/scratch/pwned"))
    let decisions = try AuditRecord.all(in: logDir + "/audit.jsonl").map { $0.decision ?? "" }
    #expect(decisions == ["allow", "deny"])

    // A policy gatekeeper rejects is not installed; the run fails.
    vars["gatekeeper_policy"] = "allow rsync-sender roots=relative/path\n"
    let bad = try playbook(t, vars: vars)
    #expect(bad.status != 0, "a rejected policy must fail the play: \(bad)")
    #expect(bad.out.contains("failed to validate"), "\(bad.out)")
    #expect(text(policyFile) == installedPolicy)
  }
}
