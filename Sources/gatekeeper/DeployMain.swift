// `gatekeeper authorize` and `gatekeeper sudoers`: print the authorized_keys
// line and the sudoers snippet (the text comes from GatekeeperReport's Deploy).
// Nothing is written anywhere: install.sh and the recipes do that.
// Exit 0 printed, 1 the key was refused, 64 usage.

import GatekeeperCore
import GatekeeperReport
import Glibc

enum DeployMain {
  static let usage = """
    usage: gatekeeper authorize [--policy FILE] [--label NAME] [--from ADDR[,ADDR...]]
                                [--sudo] [--gatekeeper PATH] < key.pub
           gatekeeper sudoers --user NAME [--policy FILE] [--label NAME] [--gatekeeper PATH]
    """

  static func run(_ subcommand: String, _ args: [[UInt8]]) -> Int32 {
    var values: [String: String] = [:]
    var sudo = false
    let allowed: Set<String> =
      subcommand == "authorize"
      ? ["--policy", "--label", "--from", "--gatekeeper"] : ["--user", "--policy", "--label", "--gatekeeper"]
    var i = 0
    while i < args.count {
      guard let w = String(validating: args[i], as: UTF8.self) else {
        return usageError("an argument is not valid UTF-8")
      }
      if w == "--help" || w == "-h" {
        Sys.writeOut(usage + "\n")
        return 0
      }
      if w == "--sudo" && subcommand == "authorize" {
        sudo = true
        i += 1
        continue
      }
      let parts = w.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let name = String(parts[0])
      guard allowed.contains(name) else { return usageError("unknown argument '\(w)'") }
      guard values[name] == nil else { return usageError("\(name) given twice") }
      if parts.count == 2 {
        values[name] = String(parts[1])
      } else {
        guard i + 1 < args.count, let v = String(validating: args[i + 1], as: UTF8.self) else {
          return usageError("\(name) needs a value")
        }
        values[name] = v
        i += 1
      }
      i += 1
    }
    return subcommand == "authorize" ? authorize(values, sudo: sudo) : sudoers(values)
  }

  static func authorize(_ values: [String: String], sudo: Bool) -> Int32 {
    var o = AuthorizeOptions()
    o.gatekeeper = values["--gatekeeper"] ?? installedPath()
    o.policy = values["--policy"]
    o.label = values["--label"]
    o.from = values["--from"]
    o.sudo = sudo
    if let e = Deploy.validate(o) { return usageError(e.message) }
    guard let input = Sys.readAll(0, limit: Deploy.maxKeyInput) else {
      Sys.writeErr("gatekeeper: cannot read the public key from standard input (or it is too large)\n")
      return 1
    }
    let key: PublicKey
    switch Deploy.parseKey(input) {
    case .success(let k): key = k
    case .failure(let e):
      Sys.writeErr("gatekeeper: \(e.message)\n")
      return 1
    }
    if let p = o.policy { warnAboutPolicy(p, label: o.label) }
    switch Deploy.authorizedKeysLine(key, o) {
    case .success(let line):
      Sys.writeOut(line + "\n")
      return 0
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

  static func sudoers(_ values: [String: String]) -> Int32 {
    guard let user = values["--user"] else { return usageError("sudoers needs --user NAME") }
    switch Deploy.sudoersSnippet(
      user: user, gatekeeper: values["--gatekeeper"] ?? installedPath(),
      policy: values["--policy"] ?? Deploy.defaultPolicy, label: values["--label"])
    {
    case .success(let text):
      Sys.writeOut(text)
      return 0
    case .failure(let e):
      return usageError(e.message)
    }
  }

  /// The default --gatekeeper: /usr/local/sbin/gatekeeper (install.sh), or
  /// /usr/sbin/gatekeeper when that is the program running (the Debian
  /// package), so the printed lines match the installed binary.
  static func installedPath() -> String {
    let debian = "/usr/sbin/gatekeeper"
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buf, buf.count - 1)
    if n > 0, String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) == debian { return debian }
    return Deploy.defaultGatekeeper
  }

  static func usageError(_ message: String) -> Int32 {
    Sys.writeErr("gatekeeper: \(message)\n\(usage)\n")
    return 64
  }
}
