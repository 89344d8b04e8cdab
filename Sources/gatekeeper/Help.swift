// The --help text. Keep it true to the code and to gatekeeper(8).

enum Help {
  static let text = """
    gatekeeper: let a backup key run read-only rsync and tar backups, nothing else.

    \(Cli.usage)

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
      --policy FILE     policy file (default /etc/gatekeeper/gatekeeper.policy)
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

    Before it execs the program, gatekeeper confines it with Landlock (policy
    line 'confine landlock=auto|required|off', default auto): read beneath the
    roots only, no writes, no other programs, no TCP. check prints the ruleset.

    Exit status: 0 allowed (check), 1 denied, 64 usage, 69 confinement
    required but unavailable, 78 policy missing, invalid or unsafe,
    126 program not executable or not safe to run, 127 program not found.
    See gatekeeper(8) and gatekeeper.policy(5).

    """
}
