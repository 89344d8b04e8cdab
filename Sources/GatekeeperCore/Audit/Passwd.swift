// The user name for a uid, from the bytes of /etc/passwd (a static binary
// has no NSS). One pass over the bytes: no array of lines or fields.

public enum Passwd {
  /// The first field of the first line whose third field is `uid` in
  /// decimal (`root:x:0:0:...` gives `root` for uid 0), or nil.
  public static func userName(_ passwd: [UInt8], uid: UInt32) -> String? {
    let wanted = Array(String(uid).utf8)
    var lineStart = 0
    while lineStart < passwd.count {
      let lineEnd = passwd[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? passwd.count
      let line = passwd[lineStart..<lineEnd]
      lineStart = lineEnd + 1
      // name:password:uid:... ; fewer than two colons: no uid field.
      guard let colon1 = line.firstIndex(of: UInt8(ascii: ":")),
        let colon2 = line[(colon1 + 1)...].firstIndex(of: UInt8(ascii: ":"))
      else { continue }
      let uidField = line[(colon2 + 1)...].prefix { $0 != UInt8(ascii: ":") }
      if uidField.elementsEqual(wanted) {
        return String(decoding: line[..<colon1], as: UTF8.self)
      }
    }
    return nil
  }
}
