// Requests that must be refused through sshd: each must fail, say
// `gatekeeper: denied (` on stderr, add one deny record, and leave every
// file under the policy's root exactly as it was (the scratch directory the
// requests aim at lies inside that root, so only the refusal protects it).

import Foundation
import Testing

extension ThroughSSHD {
  @Suite struct Refusals {
    let server: SSHServer
    init() throws { server = try SSHServer.shared() }

    /// Runs `attempt`, checks the refusal and that nothing changed; returns
    /// the output and the record for further checks. The message cannot
    /// always reach the client: for a subsystem request sshd discards the
    /// command's stderr (session.c ignores a subsystem's extended data), and
    /// `ssh -tt` gives up (exit 255) when `restrict` refuses the pty.
    @discardableResult
    func refused(
      command: String?, messageReachesClient: Bool = true, keyMayBeLost: Bool = false,
      sourceLocation: SourceLocation = #_sourceLocation,
      _ attempt: () throws -> Output
    ) throws -> (Output, AuditRecord) {
      let before = try Tree.snapshot(server.dataRoot)
      let (out, record) = try server.audited(
        keyMayBeLost: keyMayBeLost, attempt, sourceLocation: sourceLocation)
      let changes = Tree.changes(before, try Tree.snapshot(server.dataRoot))
      #expect(
        changes.isEmpty, "files changed:\n\(changes.joined(separator: "\n"))",
        sourceLocation: sourceLocation)
      #expect(out.status != 0, "\(out)", sourceLocation: sourceLocation)
      if messageReachesClient {
        #expect(out.err.contains("gatekeeper: denied ("), "\(out)", sourceLocation: sourceLocation)
      }
      record.expectDenied(command: command, sourceLocation: sourceLocation)
      return (out, record)
    }

    @Test func rsyncPush() throws {
      let local = try server.freshDirectory("push")
      try Files.write(local + "/pwned.txt", "pushed\n")
      try Files.write(local + "/existing.txt", "overwritten\n")
      try refused(command: "rsync --server -logDtpre.iLsfxCIvu . \(server.scratch)/") {
        try server.rsync(["-a", local + "/", "\(SSHServer.destination):\(server.scratch)/"])
      }
    }

    @Test func tarExtract() throws {
      let local = try server.freshDirectory("tar-x")
      try Files.write(local + "/pwned", "extracted\n")
      try Files.write(local + "/existing.txt", "overwritten\n")
      let archive = try Proc.must("/usr/bin/tar", ["-c", "-f", "-", "-C", local, "."]).stdout
      #expect(archive.count >= 1024)
      let command = "tar -x -f - -C \(server.scratch)"
      try refused(command: command) { try server.ssh(command, stdin: .data(archive)) }
    }

    @Test func touch() throws {
      let command = "touch \(server.scratch)/pwned"
      try refused(command: command) { try server.ssh(command) }
    }

    @Test func chainedCommand() throws {
      let command = "tar -c -f - /etc/hostname; touch \(server.scratch)/pwned"
      let (out, _) = try refused(command: command) { try server.ssh(command) }
      #expect(out.stdout.isEmpty, "tar must not have run either")
    }

    /// No command: an interactive login without a terminal.
    @Test func interactiveLogin() throws {
      try refused(command: nil) { try server.ssh(nil, extra: ["-T"]) }
    }

    /// Forcing a terminal: `restrict` refuses the pty and the client quits,
    /// but the shell request has already reached gatekeeper. sshd then
    /// deletes the SSH_USER_AUTH file before gatekeeper reads it, so the
    /// record's key is empty (reported to the lead; not gatekeeper's to fix
    /// beyond saying so in the record).
    @Test func interactiveLoginWithForcedTerminal() throws {
      let (out, _) = try refused(command: nil, messageReachesClient: false, keyMayBeLost: true) {
        try server.ssh(nil, extra: ["-tt"])
      }
      #expect(out.err.contains("PTY allocation request failed"), "\(out)")
    }

    @Test func sftpSubsystem() throws {
      try refused(command: "internal-sftp", messageReachesClient: false) {
        try server.ssh("sftp", extra: ["-s"], stdin: .data(Data()))
      }
    }

    @Test func sftpClientUpload() throws {
      let local = try server.freshDirectory("sftp")
      try Files.write(local + "/pwned", "uploaded\n")
      let opts = server.sshOptions.map { $0 == "-p" ? "-P" : $0 }
      let batch = Data("put \(local)/pwned \(server.scratch)/pwned\n".utf8)
      try refused(command: "internal-sftp", messageReachesClient: false) {
        try Proc.run("/usr/bin/sftp", ["-b", "-"] + opts + [SSHServer.destination], stdin: .data(batch))
      }
    }

    @Test func scpLegacyUpload() throws {
      let local = try server.freshDirectory("scp")
      try Files.write(local + "/pwned", "copied\n")
      let opts = server.sshOptions.map { $0 == "-p" ? "-P" : $0 }
      try refused(command: "scp -t \(server.scratch)/") {
        try Proc.run(
          "/usr/bin/scp",
          ["-O"] + opts + [local + "/pwned", "\(SSHServer.destination):\(server.scratch)/"])
      }
    }

    /// `--remove-source-files` hidden in an `-s` block, sent by hand: the
    /// block as the brief spells it (repeating `--server --sender` and the
    /// cluster) and as rsync 3.5.0 really sends it (only what follows the
    /// cluster).
    @Test(arguments: [true, false])
    func hiddenRemoveSourceFiles(repeatsServerOptions: Bool) throws {
      let victim = server.scratch + "/victim.txt"
      let head =
        repeatsServerOptions ? ["rsync", "--server", "--sender", "-logDtpre.iLsfxCIvu"] : ["rsync"]
      var block = Data()
      for word in head + ["--remove-source-files", ".", victim] {
        block += Data(word.utf8) + Data([0])
      }
      block += Data([0])
      let command = "rsync --server --sender -slogDtpre.iLsfxCIvu"
      let (_, record) = try refused(command: command) { try server.ssh(command, stdin: .data(block)) }
      #expect(FileManager.default.fileExists(atPath: victim))
      #expect(
        record.secluded?.contains("--remove-source-files") == true,
        "the hidden option is recorded: \(record.line)")
    }

    /// The same through a real client, which would complete the transfer
    /// and then delete the source if gatekeeper let it through.
    @Test func hiddenRemoveSourceFilesRealClient() throws {
      let dst = try server.freshDirectory("remove-source")
      let victim = server.scratch + "/victim.txt"
      try refused(command: "rsync --server --sender -slogDtpre.iLsfxCIvu") {
        try server.rsync([
          "-a", "-s", "--remove-source-files", "\(SSHServer.destination):\(victim)", dst + "/",
        ])
      }
      #expect(FileManager.default.fileExists(atPath: victim))
      #expect(!FileManager.default.fileExists(atPath: dst + "/victim.txt"), "nothing was sent")
    }

    /// tar options that would write or delete inside the root (each would
    /// leave a trace in the scratch directory if it ran).
    @Test(arguments: [
      "tar -c -f - --remove-files -C SCRATCH victim.txt",
      "tar -c -f - --index-file=SCRATCH/pwned -C SCRATCH .",
      "tar -c -f SCRATCH/pwned.tar -C SCRATCH .",
      "tar -c -f - --checkpoint=1 --checkpoint-action=exec=/usr/bin/touch -C SCRATCH .",
      "tar -c -f - -C SCRATCH/.. --remove-files scratch/victim.txt",
    ])
    func tarThatWrites(_ template: String) throws {
      let command = template.replacingOccurrences(of: "SCRATCH", with: server.scratch)
      let (out, _) = try refused(command: command) { try server.ssh(command) }
      #expect(out.stdout.isEmpty, "tar must not have run")
    }

    /// Channels through tar's standard input: a BackupPC-shaped line plus
    /// `-L 1024` (implies the multi-volume prompt, where `!` runs a shell)
    /// with the shell command typed on stdin, and `-T -` with a file list
    /// (and an option line) on stdin. Both refused, nothing run or written.
    @Test(arguments: [
      ("env LC_ALL=C /bin/tar -c -v -f - -C SCRATCH --totals -L 1024 .", "!touch SCRATCH/pwned\n"),
      ("env LC_ALL=C /bin/tar -c -v -f - -C SCRATCH --totals -T -", "/etc/hostname\n--remove-files\n"),
    ])
    func tarReadingStdin(_ template: String, _ typed: String) throws {
      let command = template.replacingOccurrences(of: "SCRATCH", with: server.scratch)
      let input = Data(typed.replacingOccurrences(of: "SCRATCH", with: server.scratch).utf8)
      let (out, _) = try refused(command: command) { try server.ssh(command, stdin: .data(input)) }
      #expect(out.stdout.isEmpty, "tar must not have run")
      #expect(!FileManager.default.fileExists(atPath: server.scratch + "/pwned"))
    }

    /// rsync options that write or delete, spelled on the command line.
    @Test func rsyncLogFileCrafted() throws {
      let command =
        "rsync --server --sender -logDtpre.iLsfxCIvu --log-file=\(server.scratch)/pwned . \(server.tree)/"
      try refused(command: command) { try server.ssh(command) }
    }

    @Test func rsyncRemoveSourceFilesRealClient() throws {
      let dst = try server.freshDirectory("remove-source-plain")
      try refused(
        command:
          "rsync --server --sender -logDtpre.iLsfxCIvu --remove-source-files . \(server.scratch)/victim.txt"
      ) {
        try server.rsync([
          "-a", "--remove-source-files", "\(SSHServer.destination):\(server.scratch)/victim.txt",
          dst + "/",
        ])
      }
      #expect(try FileManager.default.contentsOfDirectory(atPath: dst).isEmpty)
    }

    /// Reading outside the policy's root is refused too: nothing arrives.
    @Test func rsyncPullOutsideRoots() throws {
      let dst = try server.freshDirectory("outside")
      try refused(command: "rsync --server --sender -logDtpre.iLsfxCIvu . /etc/hostname") {
        try server.rsync(["-a", "\(SSHServer.destination):/etc/hostname", dst + "/"])
      }
      #expect(try FileManager.default.contentsOfDirectory(atPath: dst).isEmpty)
    }

    @Test(arguments: ["tar -c -f - -C /etc hostname", "tar -c -f - -C TREE/../../.. etc/hostname"])
    func tarPullOutsideRoots(_ template: String) throws {
      let command = template.replacingOccurrences(of: "TREE", with: server.tree)
      let (out, _) = try refused(command: command) { try server.ssh(command) }
      #expect(out.stdout.isEmpty, "no archive")
    }
  }
}
