// The user name for a uid, read from the bytes of /etc/passwd in one pass,
// equals the lookup over lines split into fields.

import GatekeeperCore
import Testing

@Suite struct PasswdTests {
  static func referenceUserName(_ bytes: [UInt8], uid: UInt32) -> String? {
    for line in bytes.split(separator: UInt8(ascii: "\n")) {
      let f = line.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
      if f.count > 2, String(decoding: f[2], as: UTF8.self) == String(uid) {
        return String(decoding: f[0], as: UTF8.self)
      }
    }
    return nil
  }

  @Test func passwdMatchesSplitLookup() {
    let files = [
      "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/:/usr/sbin/nologin\nbackup:x:34:34:backup:/var/backups:/bin/sh\n",
      "\n\nroot:x:0:0\n", "a:b\nc:d:0\n", "nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin",
      "x::0:\ny::00:0\nz:\u{ff}:0", ":x:0:0\n", "two:x:1\nsecond:x:1:1\n", "é:x:7:7\n", "",
    ]
    for file in files {
      let bytes = Array(file.utf8)
      for uid: UInt32 in [0, 1, 7, 34, 65534, 4_294_967_295] {
        #expect(Passwd.userName(bytes, uid: uid) == Self.referenceUserName(bytes, uid: uid), "\(file) \(uid)")
      }
    }
  }
}
