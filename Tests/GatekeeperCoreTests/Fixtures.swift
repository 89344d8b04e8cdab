// Reading the files under Fixtures/ (no Foundation in the core's tests).

#if canImport(Glibc)
  import Glibc
#endif

/// Reads a file under Fixtures/ next to this source file.
func readFixture(_ name: String) -> String? {
  #if canImport(Glibc)
    let here = #filePath
    guard let cut = here.lastIndex(of: "/") else { return nil }
    guard let file = fopen(String(here[..<cut]) + "/Fixtures/" + name, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = fread(&buffer, 1, buffer.count, file)
      if n <= 0 { break }
      bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
  #else
    return nil
  #endif
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
