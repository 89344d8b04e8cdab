import Testing

@testable import GatekeeperCore

@Suite struct FingerprintTests {
  @Test func sha256KnownAnswers() {
    func hex(_ b: [UInt8]) -> String { b.map { String($0 >> 4, radix: 16) + String($0 & 15, radix: 16) }.joined() }
    #expect(hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
    #expect(hex(SHA256.hash(long)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
  }

  @Test func base64RoundTrip() {
    for n in 0..<40 {
      let data = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
      #expect(Base64.decode(Array(Base64.encode(data).utf8)) == data)
    }
    #expect(Base64.encode(Array("foob".utf8)) == "Zm9vYg==")
    #expect(Base64.encode(Array("foob".utf8), padded: false) == "Zm9vYg")
    #expect(Base64.decode(Array("Zm9v!".utf8)) == nil)
  }

  /// The key and fingerprint printed by `ssh-keygen -lf` for it (generated once).
  @Test func openSSHFingerprint() {
    let auth = "publickey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID1KCENB0at5+ddc2IazmejXCFa/xhrVWF3soSDSp2cx\n"
    #expect(Fingerprint.fromUserAuth(Array(auth.utf8)) == "SHA256:x9bb3v/aQl7HcUeFjU5aMXX+OyY4NjVrB0P0jYZo7Mg")
    #expect(Fingerprint.fromUserAuth(Array("password\n".utf8)) == nil)
  }
}
