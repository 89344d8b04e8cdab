// OpenSSH-style key fingerprints (`SHA256:` + unpadded base64 of the SHA-256
// of the key blob), computed from the `publickey TYPE BASE64` lines sshd
// writes to the file named by SSH_USER_AUTH (`ExposeAuthInfo yes`).

public enum Fingerprint {
  /// The fingerprint of the first `publickey` line, or nil.
  public static func fromUserAuth(_ text: [UInt8]) -> String? {
    for line in text.split(separator: UInt8(ascii: "\n")) {
      let f = line.split(separator: UInt8(ascii: " "))
      guard f.count >= 3, Array(f[0]) == Array("publickey".utf8), let blob = Base64.decode(Array(f[2])) else {
        continue
      }
      return "SHA256:" + Base64.encode(SHA256.hash(blob), padded: false)
    }
    return nil
  }
}
