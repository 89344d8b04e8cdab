// The audit file as the tests see it: each line one JSON object, parsed with
// JSONSerialization, and the expectations for allowed and refused calls.
// Also the JSON that `gatekeeper report --json` prints.

import Foundation
import Testing

/// One line of the audit file, parsed with JSONSerialization.
struct AuditRecord: CustomStringConvertible {
  var line: String
  var object: [String: Any]

  init(line: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    self.line = line
    let parsed = try? JSONSerialization.jsonObject(with: Data(line.utf8))
    object = try #require(
      parsed as? [String: Any], "not a JSON object: \(line)", sourceLocation: sourceLocation)
  }

  /// Every record of a JSON-lines file (none when it does not exist); a
  /// line that is not a JSON object fails.
  static func all(
    in path: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> [AuditRecord] {
    try Files.lines(path).map { try AuditRecord(line: $0, sourceLocation: sourceLocation) }
  }

  var description: String { line }
  func string(_ key: String) -> String? { object[key] as? String }
  var decision: String? { string("decision") }
  var reason: String? { string("reason") }
  var detail: String? { string("detail") }
  var mode: String? { string("mode") }
  var key: String? { string("key") }
  var client: String? { string("client") }
  var sudoUser: String? { string("sudo_user") }
  /// `command` when it is a string (see `commandText` for a JSON null).
  var command: String? { string("command") }
  var argv: [String]? { object["argv"] as? [String] }
  var secluded: [String]? { object["secluded"] as? [String] }
  /// client_port, whether written as a number or a string of digits.
  var port: Int? {
    if let n = object["client_port"] as? NSNumber { return n.intValue }
    if let s = string("client_port"), !s.isEmpty, s.allSatisfy(\.isASCII), let n = Int(s) {
      return n
    }
    return nil
  }
}

extension AuditRecord {
  /// `command` as sent: a string, or nil for a JSON null (no command).
  var commandText: String?? {
    switch object["command"] {
    case .none: return .none
    case let s as String: return .some(s)
    case is NSNull: return .some(nil)
    default: return .none
    }
  }

  /// An allowed call: decision allow, the command exactly as sent, and an
  /// argv that starts with the policy's program.
  /// The record says the tool ran under Landlock (`"confine":"landlock-N"`).
  var confined: Bool { string("confine")?.hasPrefix("landlock-") == true }

  func expectAllowed(
    exec: String, command: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(decision == "allow", "decision: \(line)", sourceLocation: sourceLocation)
    #expect(confined, "the tool runs under Landlock: \(line)", sourceLocation: sourceLocation)
    #expect(
      commandText == .some(command), "command, expected \(command): \(line)",
      sourceLocation: sourceLocation)
    #expect(
      argv?.first == exec, "argv[0], expected \(exec): \(line)", sourceLocation: sourceLocation)
  }

  /// A refused call: decision deny, nothing run, the command exactly as sent
  /// (nil: no command at all, a JSON null).
  func expectDenied(command: String?, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(decision == "deny", "decision: \(line)", sourceLocation: sourceLocation)
    #expect(argv == [], "argv of a refusal: \(line)", sourceLocation: sourceLocation)
    #expect(
      commandText == .some(command), "command, expected \(command ?? "null"): \(line)",
      sourceLocation: sourceLocation)
    #expect(reason.map { !$0.isEmpty } == true, "reason: \(line)", sourceLocation: sourceLocation)
  }
}

/// A JSON object (a record, or `gatekeeper report --json` output).
func jsonObject(_ data: Data) throws -> [String: Any] {
  guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
    throw HarnessError("not a JSON object: \(String(decoding: data.prefix(200), as: UTF8.self))")
  }
  return o
}
