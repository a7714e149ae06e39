#!/usr/bin/env python3
"""Test generator for the external-generator protocol: answers every request with one PNG per seed.

Usage: answer.py [--crash-after N] [--error-on WORD] [--names reversed]
  --crash-after N  answer N requests, then die (exit status 3) on the next one after writing to stderr
  --error-on WORD  answer {"error": ...} for captions containing WORD
  --names reversed write the files under each other's target names (<k>.png in reverse order)
Each image is a flat colour derived from the seed, so tests can check which seed made which file.
Only the standard library is used (PNG written with zlib).
"""
import json
import os
import struct
import sys
import zlib


def write_png(path, width, height, rgb):
    row = b"\x00" + bytes(rgb) * width
    raw = row * height
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def seed_colour(seed):
    return (seed % 251, (seed // 251) % 251, (seed // 63001) % 251)


def main():
    args = sys.argv[1:]
    crash_after = int(args[args.index("--crash-after") + 1]) if "--crash-after" in args else -1
    error_on = args[args.index("--error-on") + 1] if "--error-on" in args else None
    reversed_names = "--names" in args and args[args.index("--names") + 1] == "reversed"
    answered = 0
    for line in sys.stdin:
        request = json.loads(line)
        if answered == crash_after:
            sys.stderr.write("answer.py: simulated crash on caption %d\n" % request["caption_id"])
            sys.stderr.flush()
            sys.exit(3)
        if error_on and error_on in request["caption"]:
            print(json.dumps({"caption_id": request["caption_id"], "error": "refusing '%s'" % error_on}), flush=True)
            answered += 1
            continue
        out_dir = request["out_dir"]
        os.makedirs(out_dir, exist_ok=True)
        paths = []
        for i, seed in enumerate(request["seeds"]):
            name = "img_%d.png" % seed
            if reversed_names:
                name = "%d.png" % (len(request["seeds"]) - 1 - i)
            path = os.path.join(out_dir, name)
            write_png(path, request["width"], request["height"], seed_colour(seed))
            paths.append(path)
        sys.stderr.write("answer.py: caption %d done\n" % request["caption_id"])
        print(json.dumps({"caption_id": request["caption_id"], "paths": paths}), flush=True)
        answered += 1


if __name__ == "__main__":
    main()
