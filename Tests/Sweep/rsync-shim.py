#!/usr/bin/env python3
# The sweep's remote shell: rsync runs `rsync-shim.py HOST COMMAND...` as
# it would run ssh. The shim records the command as ssh would pass it
# (the words joined by spaces) and, when the first cluster asks for
# secluded arguments (-s), the block the client writes first on stdin
# (NUL-separated, ended by an empty string); then it runs the command with
# /bin/sh on this machine, feeding it the block and the rest of stdin.
import os
import select
import sys
import threading

record = os.environ["GK_SWEEP_RECORD"]
command = " ".join(sys.argv[2:])
words = command.split(" ")
secluded = (
    len(words) > 3 and words[1] == "--server" and words[2] == "--sender"
    and words[3].startswith("-") and not words[3].startswith("--")
    and "s" in words[3].split("e.")[0]
)
block = b""
if secluded:
    while not block.endswith(b"\0\0"):
        byte = os.read(0, 1)
        if not byte:
            break
        block += byte
with open(record, "wb") as f:
    f.write(command.encode() + b"\n")
    f.write(block)

reader, writer = os.pipe()
child = os.fork()
if child == 0:
    os.close(writer)
    os.dup2(reader, 0)
    os.close(reader)
    os.execv("/bin/sh", ["sh", "-c", command])
os.close(reader)
os.write(writer, block)
# The rest of stdin is copied by a thread; the shim ends when the shell
# does (the client waits for its remote shell to exit before it closes
# the pipe, so waiting for the end of stdin would hang).
devnull = os.open(os.devnull, os.O_WRONLY)
os.dup2(devnull, 1)


def pump():
    while True:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        try:
            os.write(writer, chunk)
        except OSError:
            break


threading.Thread(target=pump, daemon=True).start()
_, status = os.waitpid(child, 0)
# What the client still writes after the server ended (as ssh would, the
# shim keeps reading a moment, so a late write does not hit a closed pipe).
while select.select([0], [], [], 0.1)[0]:
    if not os.read(0, 65536):
        break
os._exit(os.waitstatus_to_exitcode(status))
