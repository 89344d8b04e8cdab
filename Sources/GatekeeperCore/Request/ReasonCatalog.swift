// Every reason code, family by family: the refusals in the order a request
// meets their checks, then what arises around the decision, then why a
// call was allowed. The REASON CODES section of gatekeeper(8) is this list
// (a test renders it and compares); a new ReasonCode family is added here.

enum ReasonCatalog {
  public struct Entry: Equatable, Sendable {
    public let code: String
    public let message: String
  }

  public struct Family: Sendable {
    /// The heading in gatekeeper(8).
    public let title: String
    /// The enum's name, e.g. `TokenReason`.
    public let typeName: String
    public let entries: [Entry]

    init<R: ReasonCode>(_ title: String, _ reasons: R.Type) {
      self.title = title
      typeName = String(describing: R.self)
      entries = R.allCases.map { Entry(code: $0.rawValue, message: $0.message) }
    }
  }

  public static let families: [Family] = [
    Family("The command string (tokenizer)", TokenReason.self),
    Family("Prefixes, the program word and the rules", CommandReason.self),
    Family("rsync --server --sender (rsync-sender rules)", RsyncReason.self),
    Family("tar -c (tar-create rules)", TarReason.self),
    Family("Paths on this machine (symbolic links)", PathReason.self),
    Family("Around the decision: usage, policy, log, program", RuntimeReason.self),
    Family("Allowed calls (decision allow)", AllowReason.self),
  ]
}
