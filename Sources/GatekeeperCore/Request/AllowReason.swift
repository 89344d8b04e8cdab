// Why a call was allowed: the `reason` of an allow record. Codes like the
// refusals' (ReasonCode), so that they are listed in gatekeeper(8) too.

public enum AllowReason: String, ReasonCode {
  case allowed = "allowed"
  case trueProbe = "true-probe"
  case sudo = "sudo"

  public var message: String {
    switch self {
    case .allowed: "a rule allows the request; the policy's program runs (detail: the profile)"
    case .trueProbe: "answered by gatekeeper with success; nothing runs"
    case .sudo: "checked, then handed to sudo: the instance sudo starts as root decides again and records the call"
    }
  }
}
