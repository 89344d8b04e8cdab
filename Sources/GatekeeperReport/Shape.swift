// Command shapes: what kind of request a command is, with the parts that
// vary from call to call abstracted away, so that a new kind of request
// stands out in a report.
//
// A shape is built from the command as received:
// - it is split into words like a simple POSIX shell (quotes and backslash
//   escapes honoured, nothing expanded);
// - prefix words (`env`, `VAR=value`, `nice -n N`, `ionice -cN`) are dropped;
// - the program is the last path component of the first word (`/bin/tar` -> `tar`);
// - `--name=value` becomes `--name=*`; a short option cluster is kept as it
//   is up to its first character outside [A-Za-z0-9.], the rest becomes `*`
//   (`-C/etc` -> `-C*`, `-logDtpre.iLsfxCIvu` stays);
// - a first argument of letters only stays (old-style `tar czf`);
// - other words: `.` and `-` stay; digits become `N`; words containing a
//   `/` or starting with `.` become `PATH`, anything else `ARG`;
// - runs of the same abstract word collapse into one followed by `...`.

public enum Words {
  /// Splits a command like a simple POSIX shell; never fails (an unclosed
  /// quote runs to the end).
  public static func split(_ bytes: ArraySlice<UInt8>, limit: Int = 512) -> [[UInt8]] {
    var words: [[UInt8]] = []
    var cur: [UInt8] = []
    var inWord = false
    var i = bytes.startIndex
    let end = bytes.endIndex
    while i < end, words.count < limit {
      let c = bytes[i]
      switch c {
      case 0x20, 0x09, 0x0a:
        if inWord {
          words.append(cur)
          cur = []
          inWord = false
        }
        i += 1
      case 0x27:  // '...'
        inWord = true
        i += 1
        while i < end, bytes[i] != 0x27 {
          cur.append(bytes[i])
          i += 1
        }
        i += 1
      case 0x22:  // "..."
        inWord = true
        i += 1
        while i < end, bytes[i] != 0x22 {
          if bytes[i] == 0x5c, i + 1 < end, [0x22, 0x5c, 0x24, 0x60].contains(bytes[i + 1]) {
            i += 1
          }
          cur.append(bytes[i])
          i += 1
        }
        i += 1
      case 0x5c:
        inWord = true
        if i + 1 < end { cur.append(bytes[i + 1]) }
        i += 2
      default:
        inWord = true
        cur.append(c)
        i += 1
      }
    }
    if inWord && words.count < limit { words.append(cur) }
    return words
  }

  static func isAssignment(_ w: [UInt8]) -> Bool {
    guard let eq = w.firstIndex(of: 0x3d), eq > 0 else { return false }
    return w[..<eq].allSatisfy { $0 == 0x5f || isAlnum($0) } && !isDigit(w[0])
  }

  @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
  @inline(__always) static func isAlnum(_ c: UInt8) -> Bool {
    isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7a)
  }

  static func basename(_ w: [UInt8]) -> [UInt8] {
    guard let slash = w.lastIndex(of: 0x2f) else { return w }
    return Array(w[(slash + 1)...])
  }

  /// Drops the prefix words gatekeeper itself applies: `env`, `VAR=value`,
  /// `nice [-n N | -N]`, `ionice [-cN | -c N | -nN | -n N]...`.
  public static func dropPrefixes(_ words: [[UInt8]]) -> ArraySlice<[UInt8]> {
    var i = 0
    while i < words.count {
      let w = words[i]
      let base = basename(w)
      if base == Array("env".utf8) || isAssignment(w) {
        i += 1
      } else if base == Array("nice".utf8) {
        i += 1
        if i < words.count, words[i] == Array("-n".utf8) {
          i += 2
        } else if i < words.count, words[i].first == 0x2d, words[i].count > 1,
          words[i].dropFirst().allSatisfy(isDigit)
        {
          i += 1
        }
      } else if base == Array("ionice".utf8) {
        i += 1
        while i < words.count, words[i].first == 0x2d {
          let bare = words[i].count == 2
          i += bare ? 2 : 1
        }
      } else {
        break
      }
    }
    return words[min(i, words.count)...]
  }
}

public enum Shape {
  static let maxWords = 48

  /// The shape of a command (see the comment at the top of this file).
  public static func of(_ command: ArraySlice<UInt8>) -> String {
    let words = Words.dropPrefixes(Words.split(command, limit: maxWords * 4))
    guard let first = words.first else { return "(empty)" }
    var out: [String] = [String(decoding: Words.basename(first), as: UTF8.self)]
    var last = ""
    var repeated = false
    for (n, w) in words.dropFirst().enumerated() {
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
      while n < w.count, Words.isAlnum(w[n]) || w[n] == 0x2e { n += 1 }
      return n == w.count ? printable(w[...]) : printable(w[..<n]) + "*"
    }
    if !w.isEmpty, w.allSatisfy(Words.isDigit) { return "N" }
    if w.first == 0x2e || w.contains(0x2f) { return "PATH" }
    return "ARG"
  }

  /// Option names are shown as they are unless they hold anything but
  /// printable ASCII, which is abstracted too.
  static func printable(_ w: ArraySlice<UInt8>) -> String {
    if w.count > 64 || !w.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) { return "OPT" }
    return String(decoding: w, as: UTF8.self)
  }
}
