// Test helpers: reading files of the repository and the fixtures under
// Fixtures/ (no Foundation in the core's tests), a JSON string decoder for
// the sweep fixture, and a seeded random source.

#if canImport(Glibc)
  import Glibc
#endif

/// Reads a file under Fixtures/ next to this source file.
func readFixture(_ name: String) -> String? {
  RepoFile.read("Tests/GatekeeperCoreTests/Fixtures/" + name)
}

/// Files of the repository, found from this source file's path (the core's
/// tests use no Foundation).
enum RepoFile {
  static var root: String {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
    return path
  }

  static func read(_ relative: String) -> String? {
    guard let file = fopen(root + "/" + relative, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = fread(&buffer, 1, buffer.count, file)
      if n <= 0 { break }
      bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  static func write(_ relative: String, _ text: String) -> Bool {
    guard let file = fopen(root + "/" + relative, "w") else { return false }
    defer { fclose(file) }
    let bytes = Array(text.utf8)
    return fwrite(bytes, 1, bytes.count, file) == bytes.count
  }

  static func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
  }

  /// Every `.swift` file below `relative`, as paths relative to the root.
  static func swiftFiles(under relative: String) -> [String] {
    guard let dir = opendir(root + "/" + relative) else { return [] }
    defer { closedir(dir) }
    var out: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name.hasPrefix(".") { continue }
      let path = relative + "/" + name
      if name.hasSuffix(".swift") {
        out.append(path)
      } else if Int32(entry.pointee.d_type) == Int32(DT_DIR) {
        out += swiftFiles(under: path)
      }
    }
    return out.sorted()
  }
}

/// A JSON string literal as the sweep script writes it (`"..."` with
/// `\\`, `\"`, `\/`, `\n`, `\t` and `\uXXXX` escapes, no surrogate pairs),
/// or nil for `null` and anything else.
func decodeJSONString(_ text: Substring) -> String? {
  guard text.count >= 2, text.first == "\"", text.last == "\"" else { return nil }
  var out = ""
  var chars = text.dropFirst().dropLast().unicodeScalars.makeIterator()
  while let c = chars.next() {
    guard c == "\\" else {
      out.unicodeScalars.append(c)
      continue
    }
    switch chars.next() {
    case "\\": out += "\\"
    case "\"": out += "\""
    case "/": out += "/"
    case "n": out += "\n"
    case "t": out += "\t"
    case "u":
      var hex = ""
      for _ in 0..<4 { if let h = chars.next() { hex.unicodeScalars.append(h) } }
      guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else { return nil }
      out.unicodeScalars.append(scalar)
    default: return nil
    }
  }
  return out
}

/// A seeded random source (SplitMix64), so a randomized test draws the same
/// cases on every run.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
