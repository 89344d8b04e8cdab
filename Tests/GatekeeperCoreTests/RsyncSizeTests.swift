import Testing

@testable import GatekeeperCore

@Suite struct RsyncSizeTests {
  /// rsync's own arithmetic (options.c parse_size_arg, read there): units of
  /// 1024, or 1000 with a trailing b, the number truncated after scaling.
  @Test(arguments: [
    ("1k", Int64(1024)), ("1kb", 1000), ("1KiB", 1024), ("1.5g", 1_610_612_736), ("8MiB+1", 8_388_609),
    ("2b", 2), ("2", 2), ("1t", 1_099_511_627_776), ("1pb", 1_000_000_000_000_000), ("0.0001k", 0),
    ("1b-1", 0), ("4G", 4_294_967_296), ("1.9", 1),
  ])
  func valuesAsRsyncComputesThem(_ text: String, _ value: Int64) {
    #expect(RsyncArgument.sizeValue(Array(text.utf8)[...], defaultSuffix: UInt8(ascii: "b")) == value)
  }

  @Test(arguments: ["", "k", "1x", "1kx", "1e3", "1k+2", ".5", "1..2", "99999999999p", "1 k"])
  func unreadable(_ text: String) {
    #expect(RsyncArgument.sizeValue(Array(text.utf8)[...], defaultSuffix: UInt8(ascii: "b")) == nil)
  }
}
