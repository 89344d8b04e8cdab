// Example commands kept in a policy's comments and verified by
// `gatekeeper check --examples FILE`, so a shipped policy documents and
// tests itself:
//
//   # expect allow: rsync --server --sender -logDtpre.iLsfxCIvu . /etc/
//   # expect deny rsync-not-sender: rsync --server -logDtpre.iLsfxCIvu . /etc/
//   # expect allow label=backuppc from=192.0.2.7: tar -c -f - -C /etc .
//
// The reason code after `deny` is optional; `label=` and `from=` set the
// call's label and client address.

public struct PolicyExample: Equatable, Sendable {
  public var line: Int
  public var allow: Bool
  public var code: String?
  public var label: String?
  public var from: String?
  public var command: String

  /// The request this example describes (nil when `from=` is not an address).
  public var request: Request? {
    var client: IPAddress? = nil
    if let from {
      guard let a = IPAddress(from) else { return nil }
      client = a
    }
    return .forced(command, label: label, client: client)
  }

  /// nil when the decision matches the expectation, else what went wrong.
  public func mismatch(_ decision: Decision) -> String? {
    switch decision {
    case .allow, .probe:
      return allow ? nil : "expected deny\(code.map { " " + $0 } ?? ""), got allow"
    case .deny(let d, _):
      if allow { return "expected allow, got deny \(d.code): \(d.message)" }
      if let code, code != d.code { return "expected deny \(code), got deny \(d.code)" }
      return nil
    }
  }
}

public enum PolicyExamples {
  static let marker = "# expect "

  /// Every `# expect ...` line, or the line numbers of malformed ones.
  public static func parse(_ bytes: [UInt8]) -> (examples: [PolicyExample], malformed: [Int]) {
    var examples: [PolicyExample] = []
    var malformed: [Int] = []
    var lineNo = 0
    for raw in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      lineNo += 1
      let line = String(decoding: raw, as: UTF8.self)
      let trimmed = line.drop { $0 == " " || $0 == "\t" }
      guard trimmed.hasPrefix(marker) else { continue }
      let body = trimmed.dropFirst(marker.count)
      guard let colon = body.firstIndex(of: ":") else {
        malformed.append(lineNo)
        continue
      }
      let head = body[..<colon].split(separator: " ")
      let command = body[body.index(after: colon)...].drop { $0 == " " }
      guard let verdict = head.first, verdict == "allow" || verdict == "deny", !command.isEmpty else {
        malformed.append(lineNo)
        continue
      }
      var ex = PolicyExample(line: lineNo, allow: verdict == "allow", command: String(command))
      var ok = true
      for word in head.dropFirst() {
        if word.hasPrefix("label=") {
          ex.label = String(word.dropFirst(6))
        } else if word.hasPrefix("from=") {
          ex.from = String(word.dropFirst(5))
        } else if !ex.allow && ex.code == nil && !word.contains("=") {
          ex.code = String(word)
        } else {
          ok = false
        }
      }
      if ok && ex.request != nil { examples.append(ex) } else { malformed.append(lineNo) }
    }
    return (examples, malformed)
  }
}
