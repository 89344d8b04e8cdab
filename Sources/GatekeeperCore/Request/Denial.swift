// Why a request was refused. Every refusal carries a stable kebab-case code
// (the `reason` field of the audit record), a one-line message for the SSH
// client, and an optional detail for the log.
//
// Each family of checks has its own enum of reasons (TokenReason,
// CommandReason, RsyncReason, TarReason); all of them conform to
// `ReasonCode`, whose raw value is the code.
//
// One way to refuse inside the core: a function that can refuse is
// `throws(Denial)` (typed throws: the caller knows the one error type, and
// nothing is boxed), and the first refusal ends the check. A refusal is a
// value only where it is kept: a parse cached for the next rule
// (`RsyncSender.Parsed`, `TarCreate.Parsed`), a reader's step
// (`SecludedBlock.Step`), and the public entry points the executable and
// the tests call (`Tokenizer.words`, `CommandParser.parse`,
// `RsyncSender.check`, `TarCreate.check`, `PathResolver.judge`), which hand
// back `Result<_, Denial>`; `Gatekeeper.decide` turns it into a `Decision`.
// The policy parser follows the same idiom with `throws(PolicyErrors)`, but
// reports every error of the file, not just the first.

public protocol ReasonCode: RawRepresentable, CaseIterable, Sendable where RawValue == String {
  /// A short human sentence, without a trailing period.
  var message: String { get }
}

public struct Denial: Error, Equatable, Sendable {
  /// Stable kebab-case code, e.g. `shell-metacharacter`.
  public let code: String
  /// One line for the client, e.g. `unquoted ';' is shell syntax`.
  public let message: String
  /// Extra context for the audit log (the offending word, a position...).
  public let detail: String

  public init<R: ReasonCode>(_ reason: R, _ detail: String = "") {
    self.code = reason.rawValue
    self.message = reason.message
    self.detail = detail
  }

  public init(code: String, message: String, detail: String = "") {
    self.code = code
    self.message = message
    self.detail = detail
  }
}
