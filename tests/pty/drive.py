#!/usr/bin/env python3
"""Runs a command on a real pseudo-terminal and answers its prompts, like a person at a keyboard.

Usage: drive.py PROMPT ANSWER [PROMPT ANSWER ...] -- COMMAND [ARGS...]
Each ANSWER is typed (with a newline) only after PROMPT has appeared on the terminal, so the
terminal's echo state at that moment is what a person would see. Prints everything the terminal
showed, then exits with the command's exit code. Answers are read from the environment variable
named by the ANSWER argument when it starts with `$`, so no secret is on this command line; such a
secret answer is typed only once the program has switched the terminal's echo off (polled from
the terminal flags, never guessed with a sleep). Exits 3 when echo is still on after 10 s.
"""
import os
import pty
import select
import sys
import termios
import time


def echo_is_on(fd):
    """The ECHO bit of the terminal's local modes (the master reports the slave's termios)."""
    return bool(termios.tcgetattr(fd)[3] & termios.ECHO)


def wait_for_echo_off(fd, seconds):
    """Polls the terminal flags until echo is off; False when it stays on for `seconds`."""
    deadline = time.time() + seconds
    while echo_is_on(fd):
        if time.time() > deadline:
            return False
        time.sleep(0.01)
    return True

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
                if not wait_for_echo_off(fd, 10):
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                    sys.stdout.write(seen.decode("utf-8", "replace"))
                    sys.stdout.write("\ndrive.py: echo was still on 10 s after the prompt\n")
                    sys.exit(3)
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
