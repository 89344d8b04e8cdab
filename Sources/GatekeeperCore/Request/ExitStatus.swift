// Every status gatekeeper exits with, documented under EXIT STATUS in
// gatekeeper(8) (a test holds the two together). The sysexits.h values
// where one fits; 126 and 127 as a shell reports a program it cannot run.
// After a successful exec the status is the tool's own.

public enum ExitStatus: Int32, CaseIterable, Sendable {
  /// Allowed (`check`), or done (`authorize`, `sudoers`, `report`,
  /// `learn`, `--help`, `--version`).
  case success = 0
  /// Denied, or the audit record that had to be written was not; for
  /// `authorize`, the key was refused; for `check --examples`, an example
  /// did not hold.
  case denied = 1
  /// EX_USAGE: the command line is wrong.
  case usage = 64
  /// EX_NOINPUT: `report`, `learn`: an input cannot be opened or read.
  case noInput = 66
  /// EX_UNAVAILABLE: confinement is required and could not be applied.
  case unavailable = 69
  /// EX_CANTCREAT: `report --html`: the file cannot be written.
  case cannotCreate = 73
  /// EX_IOERR: `report`, `learn`: writing the output failed.
  case ioError = 74
  /// EX_CONFIG: the policy is missing, invalid or unsafe.
  case config = 78
  /// The policy's program is not executable, or not safe to run.
  case notExecutable = 126
  /// The policy's program does not exist.
  case notFound = 127

  /// A few words for `--help`.
  public var summary: String {
    switch self {
    case .success: "allowed (check) or done"
    case .denied: "denied"
    case .usage: "usage"
    case .noInput: "report/learn input unreadable"
    case .unavailable: "confinement required but unavailable"
    case .cannotCreate: "report --html file not written"
    case .ioError: "output not written"
    case .config: "policy missing, invalid or unsafe"
    case .notExecutable: "program not executable or not safe to run"
    case .notFound: "program not found"
    }
  }
}
