// The binary under test, found one way: $GATEKEEPER_BIN, else
// <package root>/.build/debug/gatekeeper, the package root being the
// nearest directory above this file that holds Package.swift. The binary is
// tested as a black box: nothing here imports GatekeeperCore.

import Foundation
import Glibc

/// Most end-to-end suites need root (sshd logs the test keys in as root).
let isRoot = geteuid() == 0

enum Gatekeeper {
  static let packageRoot: String = {
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while dir.path != "/" {
      if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
        return dir.path
      }
      dir = dir.deletingLastPathComponent()
    }
    return FileManager.default.currentDirectoryPath
  }()

  /// A path in the repository.
  static func file(_ relative: String) -> String { packageRoot + "/" + relative }

  /// Where the binary should be (not checked).
  static var location: String {
    if let env = ProcessInfo.processInfo.environment["GATEKEEPER_BIN"], !env.isEmpty { return env }
    return packageRoot + "/.build/debug/gatekeeper"
  }

  static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: location) }

  /// `location`, checked: absolute, executable, and fit for an
  /// authorized_keys `command=` (no quotes, spaces, `$` or backslashes).
  static func path() throws -> String {
    let path = location
    guard path.hasPrefix("/"), FileManager.default.isExecutableFile(atPath: path) else {
      throw HarnessError(
        "gatekeeper binary not found at \(path): run `swift build` first (or set GATEKEEPER_BIN to an absolute path)"
      )
    }
    guard !path.contains(where: { " \"'\\$`".contains($0) }) else {
      throw HarnessError(
        "gatekeeper path \(path) has characters an authorized_keys command= cannot carry")
    }
    return path
  }

  /// Runs the binary with exactly `env` as its environment.
  static func run(
    _ args: [String], env: [String: String] = [:], stdin: Proc.Input = .null,
    timeout: TimeInterval = 120
  ) throws -> Output {
    try Proc.run(try path(), args, stdin: stdin, env: env, timeout: timeout)
  }

  /// One forced-command call: SSH_ORIGINAL_COMMAND holds `command`'s bytes
  /// exactly (any byte but NUL; environment values here are Strings, so the
  /// bytes go through a file that sh reads), SSH_CONNECTION names `client`.
  /// `wrapper`: words put before the binary (e.g. `unshare ...`).
  @discardableResult
  static func forced(
    policy: String, command: [UInt8], client: String = "192.0.2.7", label: String? = nil,
    wrapper: [String] = []
  ) throws -> Output {
    let cmdFile = policy + ".cmd.\(UInt32.random(in: 0...UInt32.max))"
    try Files.write(cmdFile, data: Data(command))
    defer { try? FileManager.default.removeItem(atPath: cmdFile) }
    let env = [
      "PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "SSH_CONNECTION": "\(client) 40000 192.0.2.1 22",
      "GK_CMD_FILE": cmdFile,
    ]
    var script = "SSH_ORIGINAL_COMMAND=\"$(cat \"$GK_CMD_FILE\"; printf x)\"; "
    script += "SSH_ORIGINAL_COMMAND=\"${SSH_ORIGINAL_COMMAND%x}\"; export SSH_ORIGINAL_COMMAND; "
    script += "exec \"$@\""
    var args = ["-c", script, "sh"] + wrapper + [try path(), "--policy", policy]
    if let label { args += ["--label", label] }
    return try Proc.run("/bin/sh", args, env: env)
  }
}
