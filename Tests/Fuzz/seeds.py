#!/usr/bin/env python3
"""Regenerates the seed corpora under Tests/Fuzz/corpus/<target>/ from the
test tables (RsyncTests, TarTests, TokenizerTests, PolicyTests), the example
policies and Tests/Fuzz/commands.tsv (a copy of the shared command corpus).

Run from the repository root: python3 Tests/Fuzz/seeds.py
The generated files are committed; CI does not need Python.
"""
import hashlib
import os
import re
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTS = os.path.join(ROOT, "Tests", "GatekeeperCoreTests")
OUT = os.path.join(ROOT, "Tests", "Fuzz", "corpus")

LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def unescape(s):
    """Swift string literal body -> bytes."""
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            e = s[i + 1]
            if e == "u" and s[i + 2 : i + 3] == "{":
                end = s.index("}", i)
                out += chr(int(s[i + 3 : end], 16)).encode("utf-8", "surrogatepass")
                i = end + 1
                continue
            out += {"0": b"\0", "n": b"\n", "r": b"\r", "t": b"\t", '"': b'"', "\\": b"\\", "'": b"'"}.get(
                e, ("\\" + e).encode()
            )
            i += 2
            continue
        out += c.encode("utf-8")
        i += 1
    return bytes(out)


def literals(path):
    text = open(path, encoding="utf-8").read()
    # Multi-line literals ("""...""") as whole blobs, then ordinary ones.
    blobs = [b.encode() for b in re.findall(r'"""\n(.*?)\n\s*"""', text, re.S)]
    text = re.sub(r'"""\n.*?\n\s*"""', "", text, flags=re.S)
    return blobs, [unescape(m) for m in LITERAL.findall(text)]


def corpus_commands():
    path = os.path.join(ROOT, "Tests", "Fuzz", "commands.tsv")
    out = []
    subst = [("⟨LF⟩", "\n"), ("<LF>", "\n"), ("⟨CR⟩", "\r"), ("⟨TAB⟩", "\t"), ("⟨NUL⟩", "\0"),
             ("<NUL>", "\0"), ("⟨ESC⟩", "\x1b")]
    for line in open(path, encoding="utf-8").read().splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) < 3:
            continue
        cmd = cols[2]
        for a, b in subst:
            cmd = cmd.replace(a, b)
        cmd = re.sub(r"⟨REPEAT:(.):(\d+)⟩", lambda m: m.group(1) * min(int(m.group(2)), 4096), cmd)
        raw = cmd.encode("utf-8").replace("⟨0xFF⟩".encode(), b"\xff")
        out.append((cols[0], raw))
    return out


def write(target, items):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    # Keep the hand-named inputs (regress-*: minimized crashes, now fixed).
    for name in os.listdir(d):
        if not name.startswith(("regress-", "known")):
            os.remove(os.path.join(d, name))
    seen = set()
    for data in items:
        if len(data) > 4096 or data in seen:
            continue
        seen.add(data)
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    return len(seen)


def main():
    _, rsync_lits = literals(os.path.join(TESTS, "RsyncTests.swift"))
    _, tar_lits = literals(os.path.join(TESTS, "TarTests.swift"))
    _, tok_lits = literals(os.path.join(TESTS, "TokenizerTests.swift"))
    pol_blobs, pol_lits = literals(os.path.join(TESTS, "PolicyTests.swift"))
    commands = corpus_commands()

    rsync_rows = [l for l in rsync_lits if l.startswith(b"--") or l.startswith(b"-")]
    tar_rows = [l.replace("␣".encode(), b" ") for l in tar_lits if not l.startswith(b"ALLOW")]
    corpus_rsync = [c for fam, c in commands if fam == "rsync"]
    corpus_tar = [c for fam, c in commands if fam == "tar"]

    def words_after_program(cmd):
        words = cmd.split(b" ")
        while words and (b"=" in words[0] or words[0] in (b"env", b"nice", b"-n", b"19", b"ionice", b"-c3", b"sudo")):
            words = words[1:]
        return b"\0".join(words[1:])

    counts = {}
    counts["rsync"] = write("rsync", [r.replace(b" ", b"\0") for r in rsync_rows]
                           + [words_after_program(c) for c in corpus_rsync])
    counts["tar"] = write("tar", [r.replace(b" ", b"\0") for r in tar_rows]
                         + [words_after_program(c) for c in corpus_tar])
    counts["tokenizer"] = write("tokenizer", tok_lits + [c for _, c in commands])
    policies = []
    pdir = os.path.join(ROOT, "policies")
    if os.path.isdir(pdir):
        for name in sorted(os.listdir(pdir)):
            policies.append(open(os.path.join(pdir, name), "rb").read())
    counts["policy"] = write("policy", pol_blobs + [l for l in pol_lits if b"=" in l or b"allow" in l] + policies)
    counts["decide"] = write("decide", [c for _, c in commands]
                            + [b"rsync " + r for r in rsync_rows if b"\0" not in r]
                            + [b"tar " + r for r in tar_rows])
    blocks = [l for l in rsync_lits if l.startswith(b"rsync\0")]
    blocks += [b"rsync\0" + r.replace(b" ", b"\0") + b"\0\0" for r in rsync_rows if b"\0" not in r]
    counts["secluded"] = write("secluded", blocks)
    header = struct.pack("<qi", 1_795_000_000_123, 4242)
    recs = []
    for _, c in commands[:60]:
        fields = [b"client1", b"allow", b"allowed", b"rsync-sender", b"/etc/gatekeeper/gatekeeper.policy:8",
                  b"", b"root", b"192.0.2.7", b"43176", b"SHA256:G5TDlJyxSMbxUojT7CVjQpSpkoC0PIuoKSJzIoBO7A4",
                  b"forced", c] + c.split(b" ")
        recs.append(header + b"\0".join(fields))
    recs.append(struct.pack("<qi", -1, -1) + b"\0".join([b"h", b"deny", b"x", b"\xff\xfe", b"", b"", b"", b"",
                                                         b"", b"", b"argv", b"\x03", b"a", b"\x01", b"b"]))
    counts["record"] = write("record", recs)
    for k, v in counts.items():
        print(f"{k}: {v} seeds")


main()
