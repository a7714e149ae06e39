#!/usr/bin/env python3
"""Test generator that reads a request and never answers (the workbench's timeout must stop it)."""
import sys
import time

for line in sys.stdin:
    sys.stderr.write("hang.py: thinking forever\n")
    sys.stderr.flush()
    time.sleep(3600)
