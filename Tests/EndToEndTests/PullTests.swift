// Real backups through sshd and gatekeeper: rsync and tar pulls must give
// a faithful copy of the reference tree, and the audit file must record
// each one as allowed with the policy's program in argv[0].

import Foundation
import Testing

extension ThroughSSHD {
  @Suite struct Pulls {
    let server: SSHServer
    init() throws { server = try SSHServer.shared() }

    var source: String { "\(SSHServer.destination):\(server.tree)/" }

    func expectIdentical(
      _ dst: String, hardLinks: Bool = false, xattrs: Bool = false,
      sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
      let problems = Tree.copyDifferences(
        try Tree.snapshot(server.tree), try Tree.snapshot(dst), hardLinks: hardLinks, xattrs: xattrs)
      #expect(
        problems.isEmpty, "copy differs from source:\n\(problems.joined(separator: "\n"))",
        sourceLocation: sourceLocation)
    }

    @Test func rsyncArchive() throws {
      let dst = try server.freshDirectory("rsync-a")
      let (out, record) = try server.audited { try server.rsync(["-a", source, dst + "/"]) }
      #expect(out.status == 0, "\(out)")
      record.expectAllowed(
        exec: SSHServer.rsyncExec,
        command: "rsync --server --sender -logDtpre.iLsfxCIvu . \(server.tree)/")
      #expect(record.argv?.last == "\(server.tree)/", "\(record.line)")
      try expectIdentical(dst)
    }

    @Test func rsyncHardLinksACLsXattrsNumericIDs() throws {
      let dst = try server.freshDirectory("rsync-aHAX")
      let (out, record) = try server.audited {
        try server.rsync(["-aHAX", "--numeric-ids", source, dst + "/"])
      }
      #expect(out.status == 0, "\(out)")
      record.expectAllowed(
        exec: SSHServer.rsyncExec,
        command: "rsync --server --sender -lHogDtpAXre.iLsfxCIvu --numeric-ids . \(server.tree)/")
      #expect(record.argv?.contains("--numeric-ids") == true, "\(record.line)")
      try expectIdentical(dst, hardLinks: true, xattrs: true)
      let copy = try Tree.snapshot(dst)
      #expect(
        copy["plain.txt"]?.inode != nil && copy["plain.txt"]?.inode == copy["sub/hard.txt"]?.inode,
        "-H kept the hard link")
      #expect(copy["sub/owned.txt"]?.uid == 12345 && copy["sub/owned.txt"]?.gid == 23456)
      if server.hasACL {
        let acl = Tree.xattr(dst + "/acl.txt", Tree.aclName)
        #expect(
          acl != nil && acl == Tree.xattr(server.tree + "/acl.txt", Tree.aclName),
          "-A kept the named-user ACL")
      }
      if server.hasXattr {
        #expect(
          Tree.xattr(dst + "/xattr.txt", "user.gatekeeper") == Data("e2e".utf8),
          "-X kept the user xattr")
      }
    }

    @Test func rsyncSecludedArguments() throws {
      let dst = try server.freshDirectory("rsync-s")
      let (out, record) = try server.audited { try server.rsync(["-a", "-s", source, dst + "/"]) }
      #expect(out.status == 0, "\(out)")
      // The command line stops after the cluster; the rest came on stdin.
      record.expectAllowed(
        exec: SSHServer.rsyncExec, command: "rsync --server --sender -slogDtpre.iLsfxCIvu")
      #expect(
        record.secluded?.contains("\(server.tree)/") == true,
        "secluded block recorded: \(record.line)")
      let argv = record.argv ?? []
      #expect(
        argv.contains("\(server.tree)/"), "the validated block moves onto argv: \(record.line)")
      let clusters = argv.dropFirst().filter { $0.hasPrefix("-") && !$0.hasPrefix("--") }
      #expect(
        !clusters.contains { $0.split(separator: ".")[0].dropLast().contains("s") },
        "the s is removed: \(argv)")
      try expectIdentical(dst)
    }

    @Test func rsyncRelativeWithDotMarker() throws {
      let dst = try server.freshDirectory("rsync-R")
      let (out, record) = try server.audited {
        try server.rsync(["-aR", "\(SSHServer.destination):\(server.tree)/./sub/", dst + "/"])
      }
      #expect(out.status == 0, "\(out)")
      record.expectAllowed(
        exec: SSHServer.rsyncExec,
        command: "rsync --server --sender -logDtprRe.iLsfxCIvu . \(server.tree)/./sub/")
      #expect(try FileManager.default.contentsOfDirectory(atPath: dst) == ["sub"])
      let problems = Tree.copyDifferences(
        Tree.subtree(try Tree.snapshot(server.tree), "sub"),
        Tree.subtree(try Tree.snapshot(dst), "sub"))
      #expect(problems.isEmpty, "\(problems)")
      #expect(Tree.subtree(try Tree.snapshot(dst), "sub").count >= 6, "the subtree arrived")
    }

    @Test func rsyncFilesFromLocalList() throws {
      let dst = try server.freshDirectory("rsync-files-from")
      let list = dst + ".list"
      try Files.write(list, "plain.txt\nsub/inner.txt\nit's a \"quoted\" name.txt\n")
      let (out, record) = try server.audited {
        try server.rsync(["-a", "--files-from=\(list)", source, dst + "/"])
      }
      #expect(out.status == 0, "\(out)")
      record.expectAllowed(
        exec: SSHServer.rsyncExec,
        command:
          "rsync --server --sender -logDtpRe.LsfxCIvu --files-from=- --from0 . \(server.tree)/")
      let copy = try Tree.snapshot(dst)
      #expect(
        Set(copy.keys) == ["", "plain.txt", "sub", "sub/inner.txt", "it's a \"quoted\" name.txt"])
      let wanted = ["plain.txt", "sub/inner.txt", "it's a \"quoted\" name.txt"]
      let original = try Tree.snapshot(server.tree).filter { wanted.contains($0.key) }
      let problems = Tree.copyDifferences(original, copy.filter { wanted.contains($0.key) })
      #expect(problems.isEmpty, "\(problems)")
    }

    /// rsync 3.5.0 backslash-escapes the space and the quotes in the remote
    /// path; gatekeeper must hand rsync the unescaped name.
    @Test func rsyncPathWithSpaceAndQuotes() throws {
      let dst = try server.freshDirectory("rsync-odd")
      let odd = "\(server.dataRoot)/odd dir's \"x\""
      let (out, record) = try server.audited {
        try server.rsync(["-a", "\(SSHServer.destination):\(odd)/", dst + "/"])
      }
      #expect(out.status == 0, "\(out)")
      record.expectAllowed(
        exec: SSHServer.rsyncExec,
        command:
          "rsync --server --sender -logDtpre.iLsfxCIvu . \(server.dataRoot)/odd\\ dir\\'s\\ \\\"x\\\"/"
      )
      #expect(record.argv?.last == odd + "/", "\(record.line)")
      let problems = Tree.copyDifferences(try Tree.snapshot(odd), try Tree.snapshot(dst))
      #expect(problems.isEmpty, "\(problems)")
      #expect(FileManager.default.fileExists(atPath: dst + "/inside.txt"))
    }

    func tarPull(
      _ command: String, decompress: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (
      Output, AuditRecord
    ) {
      let dst = try server.freshDirectory("tar")
      let archive = dst + ".tar"
      let (out, record) = try server.audited { try server.ssh(command, stdoutPath: archive) }
      #expect(out.status == 0, "\(out)", sourceLocation: sourceLocation)
      record.expectAllowed(
        exec: SSHServer.tarExec, command: command, sourceLocation: sourceLocation)
      let x = try Proc.run("/usr/bin/tar", ["-x"] + decompress + ["-f", "-", "-C", dst], stdin: .file(archive))
      #expect(x.status == 0, "extracting: \(x)", sourceLocation: sourceLocation)
      try expectIdentical(dst, hardLinks: true, sourceLocation: sourceLocation)
      return (out, record)
    }

    @Test func tarCreateToStdout() throws {
      _ = try tarPull("tar -c -f - -C \(server.tree) .")
    }

    /// tar starts the compressor through /bin/sh under the same ruleset.
    @Test(arguments: ["-z", "--zstd", "-J", "-j"])
    func tarCompressed(_ flag: String) throws {
      _ = try tarPull("tar -c \(flag) -f - -C \(server.tree) .", decompress: [flag])
    }

    @Test func tarBackupPCShape() throws {
      let (out, record) = try tarPull(
        "env LC_ALL=C /bin/tar -c -v -f - -C \(server.tree) --totals .")
      #expect(out.err.contains("Total bytes written"), "--totals reached tar: \(out)")
      #expect(out.err.contains("./sub/deeper/blob.bin"), "-v listed the files: \(out)")
      let argv = record.argv ?? []
      #expect(
        !argv.contains("env") && !argv.contains("LC_ALL=C"), "env is applied, not run: \(argv)")
      #expect(argv.contains("--totals"), "\(argv)")
    }
  }
}
