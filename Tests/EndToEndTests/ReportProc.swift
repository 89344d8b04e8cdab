// Helpers for the report / syslog end-to-end tests: run the built binary
// (or any program) with an environment, input and timeout; make records by
// real calls; parse JSON. Independent of Harness.swift (own type names).

import Foundation
import Glibc
import Testing

struct ReportProcError: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}

struct ReportRun: CustomStringConvertible {
  var status: Int32
  var out: Data
  var err: String
  var text: String { String(decoding: out, as: UTF8.self) }
  var description: String { "exit \(status); stderr: \(err.prefix(2000))" }
}

enum ReportProc {
  static let runningAsRoot = geteuid() == 0

  /// `<package root>/.build/debug/gatekeeper` from this file; GATEKEEPER_BIN overrides.
  static func binary(filePath: String = #filePath) throws -> String {
    if let env = ProcessInfo.processInfo.environment["GATEKEEPER_BIN"], !env.isEmpty { return env }
    let root = URL(fileURLWithPath: filePath).deletingLastPathComponent()
      .deletingLastPathComponent()
      .deletingLastPathComponent()
    let path = root.appendingPathComponent(".build/debug/gatekeeper").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw ReportProcError(
        "gatekeeper binary not found at \(path): run `swift build` first or set GATEKEEPER_BIN")
    }
    return path
  }

  /// The absolute path of a program on PATH (or the usual sbin places), if any.
  static func which(_ name: String) -> String? {
    let dirs =
      (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
      + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
    return dirs.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Runs `exe args`, stdin from `input` (or /dev/null), killed after
  /// `timeout` seconds. Output goes through temporary files (no pipes to
  /// drain, no threads).
  @discardableResult
  static func run(
    _ exe: String, _ args: [String], env: [String: String]? = nil, input: Data? = nil,
    timeout: Double = 60
  ) throws -> ReportRun {
    let dir = try tempDir("run")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let outPath = dir + "/out"
    let errPath = dir + "/err"
    FileManager.default.createFile(atPath: outPath, contents: nil)
    FileManager.default.createFile(atPath: errPath, contents: nil)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    if let env { p.environment = env }
    let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    p.standardOutput = outHandle
    p.standardError = errHandle
    if let input {
      let inPath = dir + "/in"
      FileManager.default.createFile(atPath: inPath, contents: input)
      p.standardInput = FileHandle(forReadingAtPath: inPath)
    } else {
      p.standardInput = FileHandle.nullDevice
    }
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning {
      if Date() > deadline {
        p.terminate()
        break
      }
      usleep(2000)
    }
    p.waitUntilExit()
    try? outHandle.close()
    try? errHandle.close()
    let out = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
    let err = (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
    return ReportRun(
      status: p.terminationStatus, out: out, err: String(decoding: err, as: UTF8.self))
  }

  /// A fresh private directory (mode 0755, removed by the caller).
  static func tempDir(_ tag: String) throws -> String {
    let path = NSTemporaryDirectory() + "gk-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    chmod(path, 0o755)
    return path
  }

  /// Writes a policy gatekeeper accepts (0644; owned by us).
  static func writePolicy(_ dir: String, _ text: String) throws -> String {
    let path = dir + "/test.policy"
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    chmod(path, 0o644)
    return path
  }

  /// One forced-command call: SSH_ORIGINAL_COMMAND holds `command`'s bytes
  /// exactly (any byte but NUL), SSH_CONNECTION names `client`.
  @discardableResult
  static func call(
    _ bin: String, policy: String, command: [UInt8], client: String = "192.0.2.7",
    label: String? = nil,
    wrapper: [String] = []
  ) throws -> ReportRun {
    var env = [
      "PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "SSH_CONNECTION": "\(client) 40000 192.0.2.1 22",
    ]
    // Foundation passes environment values as Strings: bytes that are not
    // UTF-8 go through a file read by sh instead.
    let cmdFile = policy + ".cmd.\(UInt32.random(in: 0...UInt32.max))"
    FileManager.default.createFile(atPath: cmdFile, contents: Data(command))
    defer { try? FileManager.default.removeItem(atPath: cmdFile) }
    env["GK_CMD_FILE"] = cmdFile
    var script = "SSH_ORIGINAL_COMMAND=\"$(cat \"$GK_CMD_FILE\"; printf x)\"; "
    script += "SSH_ORIGINAL_COMMAND=\"${SSH_ORIGINAL_COMMAND%x}\"; export SSH_ORIGINAL_COMMAND; "
    script += "exec \"$@\""
    var args = ["-c", script, "sh"] + wrapper + [bin, "--policy", policy]
    if let label { args += ["--label", label] }
    return try run("/bin/sh", args, env: env)
  }

  /// Records (as dictionaries) of a JSON-lines file; fails on any bad line.
  static func records(_ path: String) throws -> [[String: Any]] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try data.split(separator: 0x0a).map { line in
      guard let o = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
        throw ReportProcError("not an object: \(String(decoding: line, as: UTF8.self))")
      }
      return o
    }
  }

  static func json(_ data: Data) throws -> [String: Any] {
    guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw ReportProcError("not a JSON object")
    }
    return o
  }
}
