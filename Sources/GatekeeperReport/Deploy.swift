// The lines people get wrong when deploying: the `authorized_keys` line that
// locks a backup key to gatekeeper, and the sudoers snippet that lets an
// unprivileged backup account run gatekeeper (and only gatekeeper) as root.
// Pure text in, text out; `gatekeeper authorize` and `gatekeeper sudoers`
// (Sources/gatekeeper/DeployMain.swift) do the I/O. An admin tool, so it
// lives with report and learn; what it checks (paths, labels, networks,
// plain words) it asks the core.
//
// An authorized_keys option value is double-quoted; sshd's parser treats
// `\"` inside it as an escape, and sshd runs `command=` through the
// account's login shell (`$SHELL -c`). So every word we put inside
// `command="..."` is either plain or single-quoted, and values that would
// need `"`, `\`, `'` or control characters are refused rather than escaped.

import GatekeeperCore

/// A public key as found in `id_ed25519.pub`: `TYPE BASE64 [COMMENT]`.
public struct PublicKey: Equatable, Sendable {
  public var type: String
  public var base64: String
  public var comment: String
}

public struct DeployError: Error, Equatable, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

public struct AuthorizeOptions: Equatable, Sendable {
  /// Absolute path of the installed gatekeeper.
  public var gatekeeper = Deploy.defaultGatekeeper
  public var policy: String? = nil
  public var label: String? = nil
  /// Comma-separated addresses or CIDR networks for sshd's `from=`.
  public var from: String? = nil
  /// The unprivileged-account setup: gatekeeper re-runs itself with `sudo -n`.
  public var sudo = false
  public init() {}
}

public enum Deploy {
  public static let defaultGatekeeper = InstallPaths.gatekeeper
  /// The policy an outer `gatekeeper --sudo` names when its key line has no --policy.
  public static let defaultPolicy = InstallPaths.policy
  /// Largest key input read (a 16384-bit RSA key is under 3 KiB).
  public static let maxKeyInput = 65536

  /// Key types sshd accepts in authorized_keys for plain public keys.
  /// Certificates need `cert-authority` and DSA is gone from OpenSSH 9.8.
  public static let keyTypes: [String] = [
    "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa",
    "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
  ]

  // MARK: authorized_keys

  /// Parses the contents of a `.pub` file: exactly one key line, no options.
  public static func parseKey(_ input: [UInt8]) -> Result<PublicKey, DeployError> {
    guard input.count <= maxKeyInput else {
      return .failure(DeployError("the key input is larger than \(maxKeyInput) bytes"))
    }
    guard String(validating: input, as: UTF8.self) != nil else {
      return .failure(DeployError("the key input is not valid UTF-8"))
    }
    // Bytes, not Characters: "\r\n" is one Character in Swift.
    let lines = input.split(separator: 0x0a).map { $0.last == 0x0d ? $0.dropLast() : $0 }
      .map { String(decoding: $0, as: UTF8.self) }
      .filter { !$0.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 } && !$0.hasPrefix("#") }
    guard lines.count == 1, let line = lines.first else {
      return .failure(
        DeployError(
          lines.isEmpty ? "no public key on standard input" : "give exactly one public key line, not \(lines.count)"))
    }
    if line.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7f }) {
      return .failure(DeployError("the key line contains a control character"))
    }
    let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
    let first = String(words[0])
    guard keyTypes.contains(first) else {
      if words.dropFirst().contains(where: { keyTypes.contains(String($0)) }) || first.contains("=")
        || first.contains(",") || first == "restrict"
      {
        return .failure(
          DeployError("the key line already carries options; give the plain public key (the .pub file)"))
      }
      if first.hasSuffix("-cert-v01@openssh.com") {
        return .failure(DeployError("certificates need cert-authority, not a forced-command key line"))
      }
      if first == "ssh-dss" { return .failure(DeployError("DSA keys are not accepted by current OpenSSH")) }
      return .failure(DeployError("unknown key type '\(first)' (expected \(keyTypes.joined(separator: ", ")))"))
    }
    guard words.count >= 2 else { return .failure(DeployError("the key line has no key data after '\(first)'")) }
    let b64 = String(words[1])
    guard b64.utf8.count % 4 == 0, let blob = Base64.decode(Array(b64.utf8)), !blob.isEmpty else {
      return .failure(DeployError("the key data is not valid base64"))
    }
    switch sshStrings(blob) {
    case nil:
      return .failure(DeployError("the key data is malformed (not a sequence of SSH strings)"))
    case let fields?:
      guard let embedded = fields.first, embedded == Array(first.utf8) else {
        return .failure(
          DeployError("the key data says '\(String(decoding: fields.first ?? [], as: UTF8.self))', not '\(first)'"))
      }
      guard fields.count >= 2 else { return .failure(DeployError("the key data holds no key")) }
    }
    // The comment is everything after the key data, inner spacing kept.
    let comment = words.count > 2 ? String(line[words[2].startIndex...]).trimmingTrailingBlanks() : ""
    return .success(PublicKey(type: first, base64: b64, comment: comment))
  }

  /// Splits an SSH wire-format blob into its length-prefixed strings; nil
  /// unless the strings consume the blob exactly.
  static func sshStrings(_ blob: [UInt8]) -> [[UInt8]]? {
    var out: [[UInt8]] = []
    var i = 0
    while i < blob.count {
      guard blob.count - i >= 4 else { return nil }
      let n = Int(blob[i]) << 24 | Int(blob[i + 1]) << 16 | Int(blob[i + 2]) << 8 | Int(blob[i + 3])
      i += 4
      guard n <= blob.count - i else { return nil }
      out.append(Array(blob[i..<(i + n)]))
      i += n
    }
    return out
  }

  /// The words of the forced command, before quoting.
  public static func commandWords(_ o: AuthorizeOptions) -> [String] {
    var w = [o.gatekeeper]
    if o.sudo { w.append("--sudo") }
    if let p = o.policy { w += ["--policy", p] }
    if let l = o.label { w += ["--label", l] }
    return w
  }

  /// Checks the options; the first problem found, or nil.
  public static func validate(_ o: AuthorizeOptions) -> DeployError? {
    if let e = checkProgramPath(o.gatekeeper, what: "--gatekeeper") { return e }
    if let p = o.policy {
      guard PolicyParser.isCleanAbsolute(p), p != "/" else {
        return DeployError("--policy must be an absolute path without '..' (sshd does not run the command in /)")
      }
      if quoteForCommand(p) == nil {
        return DeployError("--policy path contains a quote, a backslash or a control character")
      }
    }
    if let l = o.label, !PolicyParser.isName(l) {
      return DeployError("--label must be letters, digits, '.', '_' or '-' (at most 64)")
    }
    if let f = o.from {
      for part in f.split(separator: ",", omittingEmptySubsequences: false) where IPNetwork(part) == nil {
        return DeployError("--from: '\(part)' is not an IP address or CIDR network")
      }
    }
    return nil
  }

  /// One word for inside `command="..."`: plain words as they are, others in
  /// single quotes for the login shell; nil when no safe spelling exists.
  public static func quoteForCommand(_ word: String) -> String? {
    if word.isEmpty { return nil }
    for b in word.utf8 {
      if b < 0x20 || b == 0x7f || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b == UInt8(ascii: "'") {
        return nil
      }
    }
    if word.utf8.allSatisfy(Tokenizer.plain) && word.utf8.first != UInt8(ascii: "~") { return word }
    return "'" + word + "'"
  }

  /// The whole authorized_keys line.
  public static func authorizedKeysLine(_ key: PublicKey, _ o: AuthorizeOptions) -> Result<String, DeployError> {
    if let e = validate(o) { return .failure(e) }
    var quoted: [String] = []
    for w in commandWords(o) {
      guard let q = quoteForCommand(w) else { return .failure(DeployError("cannot quote '\(w)' safely")) }
      quoted.append(q)
    }
    var options = "restrict,command=\"" + quoted.joined(separator: " ") + "\""
    if let f = o.from { options += ",from=\"" + f + "\"" }
    var line = options + " " + key.type + " " + key.base64
    if !key.comment.isEmpty { line += " " + key.comment }
    return .success(line)
  }

  // MARK: sudoers

  /// A POSIX-portable user name as useradd accepts it: letters, digits,
  /// `.`, `_`, `-`, not starting with `-`, not all digits, at most 32.
  /// sudoers gives these words a meaning of their own (`ALL` is every user),
  /// so they are never taken for an account's name.
  static let sudoersKeywords: Set<String> = [
    "ALL", "Defaults", "Host_Alias", "User_Alias", "Runas_Alias", "Cmnd_Alias", "Cmd_Alias", "NOPASSWD",
    "PASSWD", "NOEXEC", "EXEC", "SETENV", "NOSETENV", "LOG_INPUT", "NOLOG_INPUT", "LOG_OUTPUT",
    "NOLOG_OUTPUT", "MAIL", "NOMAIL", "FOLLOW", "NOFOLLOW", "INTERCEPT", "NOINTERCEPT", "include",
    "includedir",
  ]

  public static func isUserName(_ s: String) -> Bool {
    guard !s.isEmpty, s.utf8.count <= 32, s.utf8.first != UInt8(ascii: "-") else { return false }
    // sudoers keywords, and names sudoers would read as an alias (all
    // capitals, digits and _), are refused.
    if sudoersKeywords.contains(s) { return false }
    if s.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "_") }) {
      return false
    }
    if s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return false }
    return s.utf8.allSatisfy {
      ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a)
        || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
    }
  }

  /// An absolute program path made only of `A-Z a-z 0-9 . _ - + /`, so it
  /// needs no quoting in authorized_keys, in a shell or in sudoers.
  static func checkProgramPath(_ p: String, what: String) -> DeployError? {
    let ok =
      PolicyParser.isCleanAbsolute(p) && p != "/" && !p.hasSuffix("/")
      && p.utf8.allSatisfy {
        ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a)
          || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
          || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "/")
      }
    return ok ? nil : DeployError("\(what) must be an absolute path of letters, digits and . _ - + /")
  }

  /// The snippet for /etc/sudoers.d/gatekeeper. It lets `user` run, as
  /// root, exactly the command an outer `gatekeeper --sudo` hands over:
  /// `GATEKEEPER --policy POLICY [--label LABEL] -- WORDS...`. The `*` covers
  /// only the request's words after `--` (argv mode, checked by gatekeeper
  /// itself); the options before it are fixed, so a shell as `user` cannot
  /// run `check`, `report` or another policy as root (as root, `check
  /// --policy /etc/shadow` would echo the file's lines in its errors).
  /// rsync and tar are never named: a sudoers wildcard such as
  /// `rsync --server --sender *` also matches --remove-source-files.
  public static func sudoersSnippet(
    user: String, gatekeeper: String = defaultGatekeeper, policy: String = defaultPolicy, label: String? = nil
  ) -> Result<String, DeployError> {
    guard isUserName(user) else {
      return .failure(
        DeployError(
          "--user must be a user name (letters, digits, . _ -, at most 32, not all digits, not a sudoers keyword or alias such as ALL)"
        ))
    }
    if let e = checkProgramPath(gatekeeper, what: "--gatekeeper") { return .failure(e) }
    if let e = checkProgramPath(policy, what: "--policy") { return .failure(e) }
    if let label, !PolicyParser.isName(label) {
      return .failure(DeployError("--label must be letters, digits, '.', '_' or '-'"))
    }
    let command = "\(gatekeeper) --policy \(policy)" + (label.map { " --label \($0)" } ?? "") + " -- *"
    return .success(
      """
      # /etc/sudoers.d/gatekeeper (written by `gatekeeper sudoers`; see gatekeeper(8))
      # \(user) may run, as root, only what `gatekeeper --sudo` hands over: the
      # request's words after `--`, which gatekeeper checks itself against the
      # policy. Never list rsync or tar here: a sudoers wildcard such as
      # `rsync --server --sender *` also matches --remove-source-files.
      # Only the client address and key file pass through (for from= rules and
      # the audit record); gatekeeper builds the tool's environment from nothing.
      Defaults!\(gatekeeper) env_reset, env_keep = "SSH_CONNECTION SSH_USER_AUTH", !env_check, !setenv, !requiretty
      \(user) ALL=(root) NOPASSWD: \(command)

      """)
  }
}

extension String {
  fileprivate func trimmingTrailingBlanks() -> String {
    var s = Substring(self)
    while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
    return String(s)
  }
}
