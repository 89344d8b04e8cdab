// Why a request was refused. Every refusal carries a stable kebab-case code
// (the `reason` field of the audit record), a one-line message for the SSH
// client, and an optional detail for the log.
//
// Each family of checks has its own enum of reasons (TokenReason,
// CommandReason, RsyncReason, TarReason); all of them conform to
// `ReasonCode`, whose raw value is the code.

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
