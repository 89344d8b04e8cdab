// Files for the end-to-end tests: private temporary directories, writes
// that never leak a descriptor, and small reads.

import Foundation
import Glibc

enum Files {
  /// GK_E2E_KEEP (or the older GK_KEEP_LAB=1) keeps labs for inspection.
  static var keep: Bool {
    let env = ProcessInfo.processInfo.environment
    return env["GK_E2E_KEEP"] != nil || env["GK_KEEP_LAB"] == "1"
  }

  /// A fresh directory `<tmp>/<prefix>-<uuid>` with exactly `mode`.
  static func tempDirectory(_ prefix: String, mode: mode_t = 0o700) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "\(prefix)-\(UUID().uuidString)"
    ).path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    guard chmod(path, mode) == 0 else { throw HarnessError("chmod \(path)") }
    return path
  }

  /// Removes a lab directory, unless asked to keep it.
  static func removeLab(_ path: String) {
    if keep { print("kept: \(path)") } else { try? FileManager.default.removeItem(atPath: path) }
  }

  static func write(_ path: String, _ text: String, mode: mode_t = 0o600) throws {
    try write(path, data: Data(text.utf8), mode: mode)
  }

  /// Writes with O_CLOEXEC and sets exactly `mode`: a descriptor leaked into
  /// a child another test starts meanwhile would make exec of a script just
  /// written fail (ETXTBSY).
  static func write(_ path: String, data: Data, mode: mode_t = 0o600) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw HarnessError("open \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let bytes = [UInt8](data)
    var done = 0
    while done < bytes.count {
      let n = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw HarnessError("write \(path): \(String(cString: strerror(errno)))") }
      done += n
    }
    guard fchmod(fd, mode) == 0 else { throw HarnessError("fchmod \(path)") }
  }

  /// The file's text ("" when it cannot be read).
  static func read(_ path: String) -> String {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
  }

  static func lines(_ path: String) -> [String] {
    read(path).split(separator: "\n").map(String.init)
  }

  static func lineCount(_ path: String) -> Int { lines(path).count }

  static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  static func makeDirectory(_ path: String, mode: mode_t? = nil) throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    if let mode, chmod(path, mode) != 0 { throw HarnessError("chmod \(path)") }
  }

  /// lstat(2): permission bits and owner, or nil when the path does not exist.
  static func stat(_ path: String) -> (mode: Int, uid: Int)? {
    var st = Glibc.stat()
    guard lstat(path, &st) == 0 else { return nil }
    return (Int(st.st_mode & 0o7777), Int(st.st_uid))
  }
}
