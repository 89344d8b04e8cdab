// gatekeeper: the thin executable. Gathers the request, asks the core for a
// decision, records it, and execs the allowed program. See gatekeeper(8).

import GatekeeperCore

let version = "gatekeeper 0.1.0"

/// Says why on stderr (one line for the SSH client) and exits.
func fail(_ message: String, _ status: ExitStatus) -> Never {
  Sys.writeErr("gatekeeper: \(DisplayText.visible(message))\n")
  Sys.exit(status)
}

func main() -> Never {
  let raw = Sys.arguments()
  // Subcommands with their own argument parsers.
  switch raw.first.flatMap({ String(validating: $0, as: UTF8.self) }) {
  case "report", "learn": Sys.exit(ReportMain.run(String(decoding: raw[0], as: UTF8.self), Array(raw.dropFirst())))
  case "authorize", "sudoers": Sys.exit(DeployMain.run(String(decoding: raw[0], as: UTF8.self), Array(raw.dropFirst())))
  default: break
  }
  let options: Options
  switch Cli.parse(raw) {
  case .success(let o): options = o
  case .failure(let e):
    // Recorded too: a wrong forced command line is worth knowing about.
    var ctx = CallContext.fromEnvironment(mode: .forced, label: nil)
    ctx.command = Sys.env("SSH_ORIGINAL_COMMAND")
    let r = ctx.errorRecord(.usage, detail: e.message, rule: "")
    Audit.writeSyslog(r, settings: LogSettings())
    Sys.writeErr("gatekeeper: \(DisplayText.visible(e.message))\n\(Cli.usage)\n")
    Sys.exit(.usage)
  }
  switch options.mode {
  case .help:
    Sys.writeOut(Help.text)
    Sys.exit(.success)
  case .version:
    Sys.writeOut(version + "\n")
    Sys.exit(.success)
  case .check:
    Check.run(options)
  case .forced, .argv:
    Run.run(options)
  }
}

main()
