// gatekeeper: the thin executable. Gathers the request, asks the core for a
// decision, records it, and execs the allowed program. See gatekeeper(8).

import GatekeeperCore

let version = "gatekeeper 0.1.0"

/// Says why on stderr (one line for the SSH client) and exits.
func fail(_ message: String, _ status: ExitStatus) -> Never {
  Sys.writeErr("gatekeeper: \(DisplayText.visible(message))\n")
  Sys.exit(status)
}

/// Says what is wrong with the command line, then the usage, and exits 64.
func usageError(_ e: ArgumentError) -> Never {
  Sys.writeErr("gatekeeper: \(DisplayText.visible(e.message))\n\(Usage.text(for: e.subcommand))")
  Sys.exit(.usage)
}

func main() -> Never {
  switch Cli.parse(Sys.arguments()) {
  case .failure(let e):
    if e.subcommand == .run || e.subcommand == .check {
      // Recorded too: a wrong forced command line is worth knowing about.
      var ctx = CallContext.fromEnvironment(mode: .forced, label: nil)
      ctx.command = Sys.env("SSH_ORIGINAL_COMMAND")
      Audit.writeSyslog(ctx.errorRecord(.usage, detail: e.message, rule: ""), settings: LogSettings())
    }
    usageError(e)
  case .success(.help(let subcommand)):
    Sys.writeOut(subcommand == .run || subcommand == .check ? Usage.help : Usage.text(for: subcommand))
    Sys.exit(.success)
  case .success(.version):
    Sys.writeOut(version + "\n")
    Sys.exit(.success)
  case .success(.report(let options)):
    Sys.exit(ReportMain.run(options))
  case .success(.deploy(let parsed)):
    Sys.exit(DeployMain.run(parsed))
  case .success(.run(let options)) where options.mode == .check:
    Check.run(options)
  case .success(.run(let options)):
    Run.run(options)
  }
}

main()
