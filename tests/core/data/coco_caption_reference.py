#!/usr/bin/python3
"""Independent reference for the caption metric tests: BLEU-1..4, ROUGE-L and CIDEr-D written
literally from their definitions in the COCO caption evaluation code (same constants, same
operation order, numpy means), on captions that are already tokenised.

Input (stdin): {"references": [[str, ...], ...], "candidates": [str, ...]}
Output (stdout): {"bleu": [corpus x4], "bleu_per_image": [[x4], ...], "rouge_l": float,
                  "rouge_l_per_image": [...], "cider": float, "cider_per_image": [...]}
"""
import json
import math
import sys
from collections import Counter

import numpy as np


def ngram_list(words, n):
    return [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]


def ordered_counts(words, n):
    # dict keeps first-occurrence order, like the CIDEr code's defaultdict
    out = {}
    for g in ngram_list(words, n):
        out[g] = out.get(g, 0) + 1
    return out


def bleu(refs_all, cands):
    small, tiny = 1e-9, 1e-15
    tot_test = tot_ref = 0
    tot_guess = [0] * 4
    tot_correct = [0] * 4
    per_image = []
    for refs, cand in zip(refs_all, cands):
        c = cand.split()
        ref_words = [r.split() for r in refs]
        lengths = [len(r) for r in ref_words]
        # closest reference length, ties to the shorter one
        ref_len = sorted(lengths, key=lambda l: (abs(l - len(c)), l))[0]
        guess, correct = [], []
        for n in range(1, 5):
            cand_counts = Counter(ngram_list(c, n))
            max_ref = Counter()
            for r in ref_words:
                for g, k in Counter(ngram_list(r, n)).items():
                    max_ref[g] = max(max_ref[g], k)
            guess.append(max(0, len(c) - n + 1))
            correct.append(sum(min(k, max_ref[g]) for g, k in cand_counts.items()))
        tot_test += len(c)
        tot_ref += ref_len
        for k in range(4):
            tot_guess[k] += guess[k]
            tot_correct[k] += correct[k]
        scores, prod = [], 1.0
        for k in range(4):
            prod *= (float(correct[k]) + tiny) / (float(guess[k]) + small)
            scores.append(prod ** (1.0 / (k + 1)))
        ratio = (len(c) + tiny) / (ref_len + small)
        if ratio < 1:
            scores = [s * math.exp(1 - 1 / ratio) for s in scores]
        per_image.append(scores)
    corpus, prod = [], 1.0
    for k in range(4):
        prod *= float(tot_correct[k] + tiny) / (tot_guess[k] + small)
        corpus.append(prod ** (1.0 / (k + 1)))
    ratio = (tot_test + tiny) / (tot_ref + small)
    if ratio < 1:
        corpus = [s * math.exp(1 - 1 / ratio) for s in corpus]
    return corpus, per_image


def lcs(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a)):
        for j in range(len(b)):
            table[i + 1][j + 1] = table[i][j] + 1 if a[i] == b[j] else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


def rouge_l(refs_all, cands):
    beta = 1.2
    scores = []
    for refs, cand in zip(refs_all, cands):
        c = cand.split(" ")
        precisions, recalls = [], []
        for ref in refs:
            r = ref.split(" ")
            common = lcs(r, c)
            precisions.append(common / float(len(c)))
            recalls.append(common / float(len(r)))
        p, r = max(precisions), max(recalls)
        scores.append(((1 + beta ** 2) * p * r) / float(r + beta ** 2 * p) if p != 0 and r != 0 else 0.0)
    return float(np.mean(np.array(scores))), scores


def cider_d(refs_all, cands, sigma=6.0):
    df = {}
    for refs in refs_all:
        grams = set()
        for ref in refs:
            w = ref.split()
            for n in range(1, 5):
                grams.update(ngram_list(w, n))
        for g in grams:
            df[g] = df.get(g, 0.0) + 1
    log_n = np.log(float(len(refs_all)))

    def vectors(sentence):
        w = sentence.split()
        vec, norm, length = [], [], 0
        for n in range(1, 5):
            counts = ordered_counts(w, n)
            v = {g: float(tf) * (log_n - np.log(max(1.0, df.get(g, 0.0)))) for g, tf in counts.items()}
            vec.append(v)
            norm.append(np.sqrt(sum_in_order([x ** 2 for x in v.values()])))
            if n == 2:
                length = sum(counts.values())
        return vec, norm, length

    per_image = []
    for refs, cand in zip(refs_all, cands):
        hv, hn, hl = vectors(cand)
        total = np.zeros(4)
        for ref in refs:
            rv, rn, rl = vectors(ref)
            sims = np.zeros(4)
            for n in range(4):
                for g, x in hv[n].items():
                    y = rv[n].get(g, 0.0)
                    sims[n] += min(x, y) * y
                if hn[n] != 0 and rn[n] != 0:
                    sims[n] /= hn[n] * rn[n]
                sims[n] *= np.e ** (-(float(hl - rl) ** 2) / (2 * sigma ** 2))
            total += sims
        per_image.append(np.mean(total) / len(refs) * 10.0)
    return float(np.mean(np.array(per_image))), [float(x) for x in per_image]


def sum_in_order(values):
    s = 0.0
    for v in values:
        s += v
    return s


def main():
    data = json.load(sys.stdin)
    refs, cands = data["references"], data["candidates"]
    b, b_img = bleu(refs, cands)
    r, r_img = rouge_l(refs, cands)
    c, c_img = cider_d(refs, cands)
    json.dump({"bleu": b, "bleu_per_image": b_img, "rouge_l": r, "rouge_l_per_image": r_img,
               "cider": c, "cider_per_image": c_img}, sys.stdout)


if __name__ == "__main__":
    main()
