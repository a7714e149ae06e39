#!/usr/bin/python3
"""A reference for genra's CLIP tokenizer tests: OpenAI CLIP's SimpleTokenizer + clip.tokenize,
rewritten here for the tests (standard library only, no ftfy, as genra documents).

    clip_tokenizer_reference.py VOCAB [--context-length N] [--engine scan|regex] < captions

Prints, for each caption line on stdin, the ids `genra tokenize` prints: start token, tokens,
end token, cut to N with the end token kept last (N defaults to 77; 0 means no cut).

CLIP splits text with the third-party `regex` module's pattern
    <\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+
(re.IGNORECASE). Debian's python3 usually lacks `regex`, and the standard `re` has no \\p{..},
so the default engine "scan" walks the text by hand with the same alternatives in the same
order, using unicodedata's categories for \\p{L} and \\p{N}. "--engine regex" uses the real
pattern when `regex` is installed, to check the scanner itself.
"""

import argparse
import gzip
import html
import re
import sys
import unicodedata

CLIP_MERGES = 49152 - 256 - 2  # merges[1:49152-256-2+1] in CLIP
CLIP_FILE_MERGE_LINES = 262144

SPECIALS = ("<|startoftext|>", "<|endoftext|>")
LITERALS = SPECIALS + ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def clean(text):
    text = html.unescape(html.unescape(text)).strip()
    text = re.sub(r"\s+", " ", text).strip()
    return text.lower()


def same_ignoring_case(char, literal_char):
    # re.IGNORECASE in `regex` uses simple case folding: besides upper/lower, U+017F (long s)
    # folds to "s". No other character folds onto a letter of the literals above.
    return char.lower() == literal_char or (literal_char == "s" and char == "\u017f")


def is_letter(c):
    return unicodedata.category(c)[0] == "L"


def is_number(c):
    return unicodedata.category(c)[0] == "N"


def outside_other(c):
    # Not matched by [^\s\p{L}\p{N}] under IGNORECASE. `regex` matches a negated class only when
    # no case variant of the character is in it: U+0345 folds to iota, so it is left out (and,
    # matching no alternative, dropped). No other code point folds onto a letter or digit.
    return c.isspace() or is_letter(c) or is_number(c) or c == "\u0345"


def split_scan(text):
    pieces = []
    i = 0
    n = len(text)
    while i < n:
        end = None
        for literal in LITERALS:
            if i + len(literal) <= n and all(
                same_ignoring_case(text[i + k], literal[k]) for k in range(len(literal))
            ):
                end = i + len(literal)
                break
        if end is None:
            c = text[i]
            if is_letter(c):
                end = i
                while end < n and is_letter(text[end]):
                    end += 1
            elif is_number(c):
                end = i + 1
            elif not outside_other(c):
                end = i
                while end < n and not outside_other(text[end]):
                    end += 1
        if end is None:
            i += 1  # whitespace: no alternative matches, findall moves on
            continue
        pieces.append(text[i:end])
        i = end
    return pieces


def make_split_regex():
    import regex

    pattern = regex.compile(
        r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
        regex.IGNORECASE,
    )
    return lambda text: regex.findall(pattern, text)


class Tokenizer:
    def __init__(self, vocab_path, split):
        with open(vocab_path, "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        lines = data.decode("utf-8").split("\n")
        merge_lines = lines[1:]
        if merge_lines and merge_lines[-1] == "":
            merge_lines = merge_lines[:-1]
        if len(merge_lines) == CLIP_FILE_MERGE_LINES:
            merge_lines = merge_lines[:CLIP_MERGES]
        merges = [tuple(line.split()) for line in merge_lines]
        self.byte_encoder = bytes_to_unicode()
        vocab = list(self.byte_encoder.values())
        vocab = vocab + [v + "</w>" for v in vocab]
        for merge in merges:
            vocab.append("".join(merge))
        vocab.extend(SPECIALS)
        self.encoder = dict(zip(vocab, range(len(vocab))))
        self.ranks = dict(zip(merges, range(len(merges))))
        self.cache = {s: s for s in SPECIALS}
        self.split = split

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = list(token[:-1]) + [token[-1] + "</w>"]
        while len(word) > 1:
            pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            merged = []
            i = 0
            while i < len(word):
                if i + 1 < len(word) and word[i] == best[0] and word[i + 1] == best[1]:
                    merged.append(best[0] + best[1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        result = " ".join(word)
        self.cache[token] = result
        return result

    def encode(self, text):
        ids = []
        for token in self.split(clean(text)):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(token).split(" "))
        return ids

    def tokenize(self, text, context_length):
        sot = self.encoder[SPECIALS[0]]
        eot = self.encoder[SPECIALS[1]]
        tokens = [sot] + self.encode(text) + [eot]
        if context_length and len(tokens) > context_length:
            tokens = tokens[:context_length]
            tokens[-1] = eot
        return tokens


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("vocab")
    parser.add_argument("--context-length", type=int, default=77)
    parser.add_argument("--engine", choices=("scan", "regex"), default="scan")
    args = parser.parse_args()
    split = split_scan if args.engine == "scan" else make_split_regex()
    tokenizer = Tokenizer(args.vocab, split)
    data = sys.stdin.buffer.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out = []
    for line in lines:
        text = line.decode("utf-8", errors="replace")
        out.append(" ".join(str(i) for i in tokenizer.tokenize(text, args.context_length)))
    sys.stdout.write("".join(s + "\n" for s in out))


if __name__ == "__main__":
    main()
