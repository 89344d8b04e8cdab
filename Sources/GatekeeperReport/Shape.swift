// Command shapes: what kind of request a command is, with the parts that
// vary from call to call abstracted away, so that a new kind of request
// stands out in a report.
//
// A shape is built from the command as received:
// - its words from the program word on are read as gatekeeper read them
//   (RequestWords: the core's Tokenizer and CommandParser, with the prefixes
//   gatekeeper applies itself dropped);
// - the program is the last path component of the first word (`/bin/tar` -> `tar`);
// - `--name=value` becomes `--name=*`; a short option cluster is kept as it
//   is up to its first character outside [A-Za-z0-9.], the rest becomes `*`
//   (`-C/etc` -> `-C*`, `-logDtpre.iLsfxCIvu` stays);
// - a first argument of letters only stays (old-style `tar czf`);
// - other words: `.` and `-` stay; digits become `N`; words containing a
//   `/` or starting with `.` become `PATH`, anything else `ARG`;
// - runs of the same abstract word collapse into one followed by `...`.

import GatekeeperCore

public enum Shape {
  static let maxWords = 48

  /// The shape of a command (see the comment at the top of this file).
  public static func of(_ command: ArraySlice<UInt8>) -> String {
    let words = RequestWords.of(command, limit: maxWords * 4)
    guard let first = words.first else { return "(empty)" }
    var out: [String] = [String(CommandParser.baseName(first))]
    var last = ""
    var repeated = false
    for (n, word) in words.dropFirst().enumerated() {
      let w = Array(word.utf8)
      if n == 0 && !w.isEmpty && w.count <= 16
        && w.allSatisfy({ $0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7a })
      {
        out.append(String(decoding: w, as: UTF8.self))  // old-style options: `tar czf`
        continue
      }
      if out.count >= maxWords {
        out.append("…")
        break
      }
      let t = abstract(w)
      if (t == "PATH" || t == "ARG" || t == "N") && t == last {
        if !repeated { out[out.count - 1] += "..." }
        repeated = true
        continue
      }
      repeated = false
      last = t
      out.append(t)
    }
    return out.joined(separator: " ")
  }

  static func abstract(_ w: [UInt8]) -> String {
    if w == [0x2e] || w == [0x2d] || w == [0x2d, 0x2d] {
      return String(decoding: w, as: UTF8.self)
    }
    if w.count > 1, w[0] == 0x2d {
      if w.count > 2, w[1] == 0x2d {
        if let eq = w.firstIndex(of: 0x3d) { return printable(w[..<eq]) + "=*" }
        return printable(w[...])
      }
      var n = 1
      while n < w.count, isAlnum(w[n]) || w[n] == 0x2e { n += 1 }
      return n == w.count ? printable(w[...]) : printable(w[..<n]) + "*"
    }
    if !w.isEmpty, w.allSatisfy(isDigit) { return "N" }
    if w.first == 0x2e || w.contains(0x2f) { return "PATH" }
    return "ARG"
  }

  @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
  @inline(__always) static func isAlnum(_ c: UInt8) -> Bool {
    isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7a)
  }

  /// Option names are shown as they are unless they hold anything but
  /// printable ASCII, which is abstracted too.
  static func printable(_ w: ArraySlice<UInt8>) -> String {
    if w.count > 64 || !w.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) { return "OPT" }
    return String(decoding: w, as: UTF8.self)
  }
}
