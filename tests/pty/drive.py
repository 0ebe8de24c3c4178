#!/usr/bin/env python3
"""Runs a command on a real pseudo-terminal and answers its prompts, like a person at a keyboard.

Usage: drive.py PROMPT ANSWER [PROMPT ANSWER ...] -- COMMAND [ARGS...]
Each ANSWER is typed (with a newline) only after PROMPT has appeared on the terminal, so the
terminal's echo state at that moment is what a person would see. Prints everything the terminal
showed, then exits with the command's exit code. Answers are read from the environment variable
named by the ANSWER argument when it starts with `$`, so no secret is on this command line.
"""
import os
import pty
import select
import sys
import time

def main():
    sep = sys.argv.index("--")
    pairs = sys.argv[1:sep]
    command = sys.argv[sep + 1:]
    steps = [(pairs[i].encode(), pairs[i + 1]) for i in range(0, len(pairs), 2)]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    seen = b""
    pos = 0
    deadline = time.time() + 30
    while True:
        if steps and steps[0][0] in seen[pos:]:
            prompt, answer = steps.pop(0)
            if answer.startswith("$"):
                answer = os.environ[answer[1:]]
            # Wait a moment so the program has switched echo off after printing its prompt.
            time.sleep(0.2)
            os.write(fd, answer.encode() + b"\n")
            pos = len(seen)
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            seen += data
        if time.time() > deadline:
            os.kill(pid, 9)
            break
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(seen.decode("utf-8", "replace"))
    sys.exit(os.waitstatus_to_exitcode(status))

main()
