// Byte strings to dense integer ids, so that per-record aggregation never
// allocates a String: one open-addressing table over a shared byte pool.

struct Interner {
  private(set) var pool: [UInt8] = []
  private(set) var starts: [Int] = []
  private var hashes: [UInt64] = []
  private var table: [Int32]
  private var mask: Int

  init(capacity: Int = 64) {
    var n = 16
    while n < capacity * 2 { n <<= 1 }
    table = [Int32](repeating: -1, count: n)
    mask = n - 1
    pool.reserveCapacity(capacity * 16)
    starts = [0]
  }

  var count: Int { starts.count - 1 }

  @inline(__always) static func hash(_ p: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: p.count)
    guard let base = p.baseAddress else { return h }
    let raw = UnsafeRawPointer(base)
    var i = 0
    let n = p.count
    while i + 8 <= n {
      let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
      h = (h ^ w) &* 0x100_0000_01B3 &+ 0x9E37
      h ^= h >> 29
      i += 8
    }
    while i < n {
      h = (h ^ UInt64(p[i])) &* 0x100_0000_01B3
      i += 1
    }
    h ^= h >> 32
    h = h &* 0xD6E8_FEB8_6659_FD93
    h ^= h >> 32
    return h
  }

  /// The id of these bytes, adding them when new; `isNew` tells which.
  mutating func intern(_ p: UnsafeBufferPointer<UInt8>) -> (id: Int, isNew: Bool) {
    let h = Interner.hash(p)
    var slot = Int(truncatingIfNeeded: h) & mask
    while true {
      let id = Int(table[slot])
      if id < 0 { break }
      if hashes[id] == h && equal(id, p) { return (id, false) }
      slot = (slot + 1) & mask
    }
    let id = count
    pool.append(contentsOf: p)
    starts.append(pool.count)
    hashes.append(h)
    table[slot] = Int32(truncatingIfNeeded: id)
    if count * 2 > table.count { grow() }
    return (id, true)
  }

  mutating func intern(_ bytes: [UInt8]) -> Int {
    bytes.withUnsafeBufferPointer { intern($0).id }
  }

  private func equal(_ id: Int, _ p: UnsafeBufferPointer<UInt8>) -> Bool {
    let s = starts[id]
    let e = starts[id + 1]
    guard e - s == p.count else { return false }
    return pool.withUnsafeBufferPointer { q in
      var i = 0
      if let qb = q.baseAddress, let pb = p.baseAddress {
        while i + 8 <= p.count {
          if Bytes.load(qb, s + i) != Bytes.load(pb, i) { return false }
          i += 8
        }
      }
      while i < p.count {
        if q[s + i] != p[i] { return false }
        i += 1
      }
      return true
    }
  }

  private mutating func grow() {
    let n = table.count * 2
    table = [Int32](repeating: -1, count: n)
    mask = n - 1
    for id in 0..<count {
      var slot = Int(truncatingIfNeeded: hashes[id]) & mask
      while table[slot] >= 0 { slot = (slot + 1) & mask }
      table[slot] = Int32(truncatingIfNeeded: id)
    }
  }

  func bytes(_ id: Int) -> ArraySlice<UInt8> {
    guard id >= 0, id < count else { return [] }
    return pool[starts[id]..<starts[id + 1]]
  }

  func string(_ id: Int) -> String {
    String(decoding: bytes(id), as: UTF8.self)
  }
}
