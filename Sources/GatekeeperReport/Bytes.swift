// Word-at-a-time byte tests (SWAR): eight bytes per step when looking for a
// quote, a backslash, a control byte or a newline.

enum Bytes {
  static let ones: UInt64 = 0x0101_0101_0101_0101
  static let highs: UInt64 = 0x8080_8080_8080_8080

  /// Eight bytes at `i` (the caller checks `i + 8 <= count`).
  @inline(__always) static func load(_ base: UnsafePointer<UInt8>, _ i: Int) -> UInt64 {
    UnsafeRawPointer(base).loadUnaligned(fromByteOffset: i, as: UInt64.self)
  }

  /// High bit set in (at least) the lowest byte of `v` that is a quote, a
  /// backslash or below 0x20; zero when there is none. The lowest set bit
  /// is exact (borrows only disturb the bytes above it).
  @inline(__always) static func stringStops(_ v: UInt64) -> UInt64 {
    let q = v ^ 0x2222_2222_2222_2222
    let b = v ^ 0x5c5c_5c5c_5c5c_5c5c
    return ((q &- ones) & ~q | (b &- ones) & ~b | (v &- 0x2020_2020_2020_2020) & ~v) & highs
  }

  /// Like `stringStops`, for newlines.
  @inline(__always) static func newlines(_ v: UInt64) -> UInt64 {
    let n = v ^ 0x0a0a_0a0a_0a0a_0a0a
    return (n &- ones) & ~n & highs
  }

  /// Some byte of `v` is zero.
  @inline(__always) static func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }

  /// Some byte of `v` equals `c`.
  @inline(__always) static func has(_ v: UInt64, _ c: UInt8) -> Bool {
    hasZero(v ^ (ones &* UInt64(c)))
  }

  /// Some byte of `v` is below `n` (n <= 128).
  @inline(__always) static func hasLess(_ v: UInt64, _ n: UInt8) -> Bool {
    (v &- ones &* UInt64(n)) & ~v & highs != 0
  }
}
