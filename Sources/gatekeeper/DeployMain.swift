// `gatekeeper authorize` and `gatekeeper sudoers`: print the authorized_keys
// line and the sudoers snippet (the text comes from GatekeeperReport's Deploy).
// Nothing is written anywhere: install.sh and the recipes do that.
// Exit 0 printed, 1 the key was refused, 64 usage.

import GatekeeperCore
import GatekeeperReport

enum DeployMain {
  static func run(_ parsed: ParsedArguments) -> ExitStatus {
    var values: [String: String] = [:]
    for option in parsed.options { values[option.name] = option.value }
    return parsed.subcommand == .authorize ? authorize(values, sudo: parsed.has("--sudo")) : sudoers(values)
  }

  static func authorize(_ values: [String: String], sudo: Bool) -> ExitStatus {
    var o = AuthorizeOptions()
    o.gatekeeper = values["--gatekeeper"] ?? installedPath()
    o.policy = values["--policy"]
    o.label = values["--label"]
    o.from = values["--from"]
    o.sudo = sudo
    if let e = Deploy.validate(o) { return usageError(e.message) }
    guard let input = Sys.readAll(0, limit: Deploy.maxKeyInput) else {
      Sys.writeErr("gatekeeper: cannot read the public key from standard input (or it is too large)\n")
      return .denied
    }
    let key: PublicKey
    switch Deploy.parseKey(input) {
    case .success(let k): key = k
    case .failure(let e):
      Sys.writeErr("gatekeeper: \(e.message)\n")
      return .denied
    }
    if let p = o.policy { warnAboutPolicy(p, label: o.label) }
    switch Deploy.authorizedKeysLine(key, o) {
    case .success(let line):
      Sys.writeOut(line + "\n")
      return .success
    case .failure(let e):
      return usageError(e.message)
    }
  }

  /// A key line pointing at a policy that does not load (or whose rules
  /// never carry the label) would deny every call: say so, but print anyway
  /// (the policy may be installed later, on another machine).
  static func warnAboutPolicy(_ path: String, label: String?) {
    var warnings: [String] = []
    switch PolicyFile.load(path, strict: false, warnings: &warnings) {
    case .failure(let f):
      Sys.writeErr("gatekeeper: warning: \(f.message)\n")
    case .success(let policy):
      if let label, !policy.rules.contains(where: { $0.label == label }) {
        Sys.writeErr("gatekeeper: warning: no rule in \(path) carries label=\(label)\n")
      }
    }
  }

  static func sudoers(_ values: [String: String]) -> ExitStatus {
    guard let user = values["--user"] else { return usageError("sudoers needs --user NAME") }
    switch Deploy.sudoersSnippet(
      user: user, gatekeeper: values["--gatekeeper"] ?? installedPath(),
      policy: values["--policy"] ?? Deploy.defaultPolicy, label: values["--label"])
    {
    case .success(let text):
      Sys.writeOut(text)
      return .success
    case .failure(let e):
      return usageError(e.message)
    }
  }

  /// The default --gatekeeper: /usr/local/sbin/gatekeeper (install.sh), or
  /// /usr/sbin/gatekeeper when that is the program running (the Debian
  /// package), so the printed lines match the installed binary.
  static func installedPath() -> String {
    let debian = "/usr/sbin/gatekeeper"
    return Sys.executablePath() == debian ? debian : Deploy.defaultGatekeeper
  }

  static func usageError(_ message: String) -> ExitStatus {
    Sys.writeErr("gatekeeper: \(message)\n\(Usage.text(for: .authorize))")
    return .usage
  }
}
