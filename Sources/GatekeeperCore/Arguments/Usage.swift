// The usage text (printed after a usage error) and `--help`, both from the
// grammar table in Arguments.swift. Keep true to gatekeeper(8).

public enum Usage {
  /// Width the usage lines are wrapped to.
  static let width = 80

  /// What `report` and `learn` take as TIME.
  static let timeLegend = """
    TIME: 2026-11-26, 2026-11-26T22:00[:SS][Z|+HH:MM] (UTC unless a zone is
    given), or N followed by s, m, h or d for that long before now.
    """

  /// The usage shown for a subcommand's errors and its `--help`: every form
  /// for the forced command and `check`, else the forms of the subcommand
  /// and its sibling (report and learn; authorize and sudoers). Ends with a
  /// newline.
  public static func text(for subcommand: Subcommand) -> String {
    switch subcommand {
    case .run, .check: return full
    case .report, .learn: return lines([.report, .learn], extra: []) + timeLegend + "\n"
    case .authorize, .sudoers: return lines([.authorize, .sudoers], extra: [])
    }
  }

  /// Every form of every subcommand.
  public static let full = lines(Subcommand.allCases, extra: ["--help | --version"])

  /// `usage: gatekeeper FORM`, then `       gatekeeper FORM` for each
  /// further form, each wrapped under its first option.
  static func lines(_ subcommands: [Subcommand], extra: [String]) -> String {
    let forms = subcommands.flatMap { Arguments.grammar($0).forms } + extra
    var out = ""
    for (n, form) in forms.enumerated() {
      out += wrap((n == 0 ? "usage: " : "       ") + "gatekeeper " + form) + "\n"
    }
    return out
  }

  /// One form over several lines, cut between bracketed groups, the later
  /// lines indented to where the first group starts:
  ///
  ///     usage: gatekeeper check [--policy FILE] [--label NAME] [--from ADDR] [--sudo]
  ///                             [--secluded ARGS|-] [[--] COMMAND-STRING]
  static func wrap(_ line: String) -> String {
    var groups: [String] = []
    var depth = 0
    var current = ""
    for c in line {
      if c == " " && depth == 0 {
        groups.append(current)
        current = ""
        continue
      }
      if c == "[" { depth += 1 }
      if c == "]" { depth -= 1 }
      current.append(c)
    }
    groups.append(current)
    // `< key.pub`, `--user NAME` and `-- CMD` stay together.
    var k = 0
    while k + 1 < groups.count {
      let next = groups[k + 1]
      let placeholder = !next.isEmpty && next.allSatisfy { $0.isUppercase || $0 == "-" }
      if groups[k] == "<" || (groups[k].hasPrefix("--") && placeholder) {
        groups[k] += " " + groups.remove(at: k + 1)
      }
      k += 1
    }
    // Indent under the first group that is not `usage:`, `gatekeeper` or a
    // subcommand word.
    var head = 0
    while head < groups.count - 1
      && (groups[head].isEmpty || groups[head] == "usage:" || groups[head] == "gatekeeper"
        || Subcommand(rawValue: groups[head]) != nil)
    {
      head += 1
    }
    let indent = String(repeating: " ", count: groups[..<head].reduce(0) { $0 + $1.count + 1 })
    var out = groups[..<head].joined(separator: " ")
    var column = out.count
    for group in groups[head...] {
      if column > indent.count && column + 1 + group.count > width {
        out += "\n" + indent + group
        column = indent.count + group.count
      } else {
        out += (out.isEmpty ? "" : " ") + group
        column += (column == 0 ? 0 : 1) + group.count
      }
    }
    return out
  }

  /// `gatekeeper --help`.
  public static let help = """
    gatekeeper: let a backup key run read-only rsync and tar backups, nothing else.

    \(full)
    Modes:
      (no subcommand)   forced command: checks SSH_ORIGINAL_COMMAND (else
                        SSH2_ORIGINAL_COMMAND) against the policy, records the
                        decision, and execs the allowed program.
      -- CMD [ARG...]   argv mode (e.g. as the only command sudo allows).
      check             prints 'allow ...' and the argv that would run, or
                        'deny CODE: message'; never runs or logs anything.
                        Without a command, validates the policy.
      report            summarizes audit records (JSON lines, syslog files,
                        journalctl output); --json and --html FILE for
                        machines and browsers. Rotated logs:
                        zcat audit.jsonl.1.gz | gatekeeper report -
      learn             proposes a policy from audit records (prints it;
                        applies nothing)
      authorize         prints the authorized_keys line for a public key
      sudoers           prints the sudoers snippet for sudo mode

    Options:
      --policy FILE     policy file (default \(InstallPaths.policy))
      --label NAME      enables rules that carry label=NAME
      --sudo            validate, then run 'sudo -n gatekeeper ... -- CMD' so
                        the tool runs as root for an unprivileged backup
                        account (refusals are handed over too, to be recorded
                        by root); a 'sudo' word before the program is accepted;
                        check --sudo: judge as in that mode
      --from ADDR       check: the client address to assume
      --examples        check: verify the policy's '# expect allow|deny: CMD'
                        comment lines against real decisions
      --secluded ARGS   check: the arguments an rsync -s client sends on stdin
                        (options, '.', paths) as one shell-quoted string, or
                        '-' to read the NUL-separated block from stdin; with
                        neither, the block is read from stdin as in a real call

    \(timeLegend)

    Before it execs the program, gatekeeper confines it with Landlock (policy
    line 'confine landlock=auto|required|off', default auto): read beneath the
    roots only, no writes, no other programs, no TCP. check prints the ruleset.

    \(exitStatusLines)

    See gatekeeper(8) and gatekeeper.policy(5).

    """

  /// `Exit status:` and one line per status.
  static var exitStatusLines: String {
    var out = "Exit status:"
    for status in ExitStatus.allCases {
      let code = String(status.rawValue)
      out += "\n" + String(repeating: " ", count: 5 - code.count) + code + "  " + status.summary
    }
    return out
  }
}
