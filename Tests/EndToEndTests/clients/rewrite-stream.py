#!/usr/bin/env python3
"""A modified rsync client, made from a stock one: used as the remote shell
(`rsync -e "rewrite-stream.py FROM TO SHELL..."`), it runs SHELL with the
remaining arguments and copies the client's protocol stream to it, replacing
the first FROM with TO (same length). A stock client sends a filter rule
`- AAAA...` inside the protocol; the server receives whatever TO says, such
as a `merge` rule a stock client would have expanded itself. The server's
output goes straight to the client; this exits with the server's status."""
import os
import subprocess
import sys
import threading

old, new, cmd = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2]), sys.argv[3:]
assert len(old) == len(new), "FROM and TO must have the same length"
child = subprocess.Popen(cmd, stdin=subprocess.PIPE)
os.close(1)  # only the server writes to the client


def copy():
    pending, done = b"", False
    try:
        while chunk := os.read(0, 65536):
            data = pending + chunk
            if not done and old in data:
                data, done = data.replace(old, new, 1), True
            # hold back only a tail that may begin FROM (the protocol is a dialogue)
            keep = 0 if done else next((k for k in range(len(old) - 1, 0, -1) if data.endswith(old[:k])), 0)
            out, pending = (data[:-keep], data[-keep:]) if keep else (data, b"")
            child.stdin.write(out)
            child.stdin.flush()
        child.stdin.write(pending)
        child.stdin.close()
    except (BrokenPipeError, OSError):
        pass


threading.Thread(target=copy, daemon=True).start()
os._exit(child.wait())
