#!/usr/bin/python3
"""Stands in for `java` in the tests of the METEOR / SPICE jar drivers. Invoked as
`fake_java.py -jar -Xmx.. JAR args...`, it speaks the protocol of the jar its name suggests:
- *meteor*: `SCORE ||| ref ||| ... ||| hyp` -> "<refs> <hyp words>"; `EVAL ||| stats ...` -> one
  score per stat (refs / 10 + words / 100), then their sum as the corpus score;
- *spice*: reads the input JSON, writes [{"image_id", "scores": {"All": {"f": words / 10}}}];
- *crash*: prints a message on stderr and exits with status 3.
It checks that it runs in the jar's folder, as the real jars need.
"""
import json
import os
import sys

args = sys.argv[1:]
jar = args[2]
name = os.path.basename(jar)
if os.path.realpath(os.getcwd()) != os.path.realpath(os.path.dirname(jar)):
    sys.stderr.write("fake java: not started in the jar's folder\n")
    sys.exit(4)
if "crash" in name:
    sys.stderr.write("Exception in thread main: fake failure\n")
    sys.exit(3)
if "meteor" in name:
    assert args[3:] == ["-", "-", "-stdio", "-l", "en", "-norm"], args
    for line in sys.stdin:
        parts = line.rstrip("\n").split(" ||| ")
        if parts[0] == "SCORE":
            refs, hyp = parts[1:-1], parts[-1]
            print("%d %d" % (len(refs), len(hyp.split())), flush=True)
        elif parts[0] == "EVAL":
            scores = []
            for stat in parts[1:]:
                refs, words = stat.split()
                scores.append(int(refs) / 10 + int(words) / 100)
                print(scores[-1], flush=True)
            print(sum(scores), flush=True)
    sys.exit(0)
if "spice" in name:
    infile = args[3]
    out = args[args.index("-out") + 1]
    assert "-subset" in args and "-silent" in args
    items = json.load(open(infile))
    results = [{"image_id": it["image_id"], "scores": {"All": {"f": len(it["test"].split()) / 10,
                                                                 "pr": 0.5, "re": 0.5}}} for it in items]
    json.dump(results, open(out, "w"))
    sys.exit(0)
sys.exit(2)
