// Caption tokenisation as the COCO caption evaluation code does it: Stanford CoreNLP 3.4.1's
// PTBTokenizer run with -preserveLines -lowerCase, then the punctuation tokens in the COCO list
// dropped and the rest joined by single spaces. The Stanford tokenizer is Java; this is a C++
// re-creation of its effect on ordinary English captions:
// - lower-case (ASCII and Latin-1 letters), curly quotes/dashes/ellipsis mapped to ASCII;
// - punctuation split off words: , ; : ! ? ( ) [ ] { } quotes, a final period (kept on
//   abbreviations such as "u.s.", "e.g.", "mr.", "st."), runs of ?/! kept together as PTB does;
// - numbers keep their inner , . : ("1,000", "3.5", "4:45"); inner hyphens, slashes, & and
//   periods stay ("t-shirt", "and/or", "at&t"); "$", "#" and "%" become tokens of their own;
// - clitics split as in the Penn Treebank: "don't" -> "do n't", "dog's" -> "dog 's",
//   "cannot" -> "can not", "gonna" -> "gon na";
// - brackets become -lrb- -rrb- -lsb- -rsb- -lcb- -rcb-. The COCO list names the upper-case forms
//   (-LRB- ...), which never match after -lowerCase, so these tokens stay in the scored text —
//   a quirk of the official pipeline reproduced on purpose.
// Not reproduced: British -> American respellings ("colour"), SGML/XML handling, emoticons and
// URLs, and the rarer abbreviation and hyphen rules of PTBLexer.
#pragma once

#include <string>
#include <vector>

namespace genra::text {

// PTB tokens of one caption (lower-cased), before the COCO punctuation filter.
std::vector<std::string> ptbTokenize(const std::string& caption);

// True for the tokens the COCO code removes after tokenising: '' ' `` ` -LRB- -RRB- -LCB- -RCB-
// . ? ! , : - -- ... ; (compared case-sensitively, as the Python code does).
bool isCocoPunctuation(const std::string& token);

// ptbTokenize, minus COCO punctuation, joined with single spaces: the strings BLEU, METEOR,
// ROUGE-L and CIDEr-D are computed on. An empty or all-punctuation caption gives "".
std::string cocoTokenize(const std::string& caption);

}  // namespace genra::text
