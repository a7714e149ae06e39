#!/usr/bin/env python3
"""Test generator that answers garbage: a line that is not JSON (after a warning on stderr)."""
import sys

for line in sys.stdin:
    sys.stderr.write("garbage.py: about to misbehave\n")
    sys.stderr.flush()
    print("this is not json {", flush=True)
