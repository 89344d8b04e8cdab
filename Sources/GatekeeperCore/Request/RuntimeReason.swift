// Refusals and errors that arise around the decision rather than in it:
// usage, the policy file, the audit log, the program to run. The executable
// reports them; their codes live here with all the others.

public enum RuntimeReason: String, ReasonCode {
  case usage = "usage"
  case policyMissing = "policy-missing"
  case policyUnsafe = "policy-unsafe"
  case policyInvalid = "policy-invalid"
  case logUnwritable = "log-unwritable"
  case logUnsafe = "log-unsafe"
  case toolNotFound = "tool-not-found"
  case toolNotExecutable = "tool-not-executable"
  case toolUnsafe = "tool-unsafe"
  case execFailed = "exec-failed"
  case stdinUnreadable = "stdin-unreadable"
  case confineUnavailable = "confine-unavailable"

  public var message: String {
    switch self {
    case .usage: "usage error"
    case .policyMissing: "the policy file cannot be read"
    case .policyUnsafe: "the policy file is not safe to trust"
    case .policyInvalid: "the policy file has errors"
    case .logUnwritable: "the audit log cannot be written"
    case .logUnsafe: "the audit log is not safe to write (owner, mode, a link or an untrusted directory)"
    case .toolNotFound: "the program named by the policy does not exist"
    case .toolNotExecutable: "the program named by the policy is not executable"
    case .toolUnsafe: "the program named by the policy is not safe to run (owner, mode or an untrusted directory)"
    case .execFailed: "the program could not be started"
    case .stdinUnreadable: "standard input could not be read"
    case .confineUnavailable: "kernel confinement (Landlock) could not be applied"
    }
  }

  /// The documented exit status for this failure.
  public var exitCode: ExitStatus {
    switch self {
    case .usage: .usage
    case .policyMissing, .policyUnsafe, .policyInvalid: .config
    case .toolNotFound: .notFound
    case .toolNotExecutable, .toolUnsafe, .execFailed: .notExecutable
    case .logUnwritable, .logUnsafe, .stdinUnreadable: .denied
    case .confineUnavailable: .unavailable
    }
  }
}
