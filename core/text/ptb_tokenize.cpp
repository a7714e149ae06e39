// PTB-style caption tokeniser. Works in two passes per whitespace-separated chunk: first split at
// punctuation that always stands alone (brackets, quotes, ; ! ? and runs of -- or ..), then peel
// the edges of each remaining word (leading $ # quotes, trailing . % quotes) and split clitics.
// Case is folded at the very end, because PTBLexer decides abbreviations ("Mr.", "J.") on the
// original case and only then does -lowerCase apply.
#include "core/text/ptb_tokenize.h"

#include <algorithm>
#include <cstring>

namespace genra::text {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isLetter(char c) { return (c >= 'a' && c <= 'z') || isUpper(c); }

// Maps the Unicode punctuation PTBLexer normalises to ASCII and all whitespace to plain spaces.
std::string normalise(const std::string& in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const auto c = static_cast<unsigned char>(in[i]);
        if (c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f') {
            out += ' ';
        } else if (c == 0xC2 && i + 1 < in.size() && static_cast<unsigned char>(in[i + 1]) == 0xA0) {
            out += ' ';  // no-break space
            ++i;
        } else if (c == 0xE2 && i + 2 < in.size() && static_cast<unsigned char>(in[i + 1]) == 0x80) {
            const auto d = static_cast<unsigned char>(in[i + 2]);
            const char* replacement = nullptr;
            if (d >= 0x98 && d <= 0x9B) replacement = "'";          // single curly quotes
            else if (d >= 0x9C && d <= 0x9F) replacement = "\"";    // double curly quotes
            else if (d == 0x93 || d == 0x94) replacement = " -- ";  // en and em dash
            else if (d == 0xA6) replacement = "...";                // horizontal ellipsis
            if (replacement != nullptr) {
                out += replacement;
                i += 2;
            } else {
                out += in[i];
            }
        } else {
            out += in[i];
        }
    }
    return out;
}

// Java's toLowerCase for the characters captions contain: ASCII and Latin-1 capitals.
std::string lowerCase(std::string s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (isUpper(s[i])) {
            s[i] = static_cast<char>(c + 32);
        } else if (c == 0xC3 && i + 1 < s.size()) {
            const auto d = static_cast<unsigned char>(s[i + 1]);
            if (d >= 0x80 && d <= 0x9E && d != 0x97) s[i + 1] = static_cast<char>(d + 32);  // not U+00D7
            ++i;
        }
    }
    return s;
}

// Words PTBLexer keeps their final period on (its title, company, month and Latin lists), in
// the case it matches them.
bool isListedAbbreviation(const std::string& stem) {
    static const char* const kAbbreviations[] = {
        "Mr",   "Mrs", "Ms",   "Messrs", "Dr",  "Drs", "Prof", "St",  "Ste", "Ave", "Jr",  "Sr",
        "Lt",   "Col", "Gen",  "Gov",    "Rev", "Sgt", "Capt", "Maj", "Adm", "Hon", "Mt",  "Inc",
        "Co",   "Corp", "Ltd", "Bros",   "Jan", "Feb", "Mar",  "Apr", "Jun", "Jul", "Aug", "Sep",
        "Sept", "Oct", "Nov",  "Dec",    "etc", "vs"};
    return std::find_if(std::begin(kAbbreviations), std::end(kAbbreviations),
                        [&](const char* a) { return stem == a; }) != std::end(kAbbreviations);
}

// `word` ends with '.'. Acronyms ("U.S.", "e.g."), initials ("J.") and listed abbreviations keep it.
bool keepsFinalPeriod(const std::string& word) {
    const std::string stem = word.substr(0, word.size() - 1);
    if (stem.size() == 1 && isUpper(stem[0])) return true;
    // letter '.' letter '.' ... : at least two letters, each followed by a period
    bool acronym = word.size() >= 4;
    for (std::size_t i = 0; acronym && i < word.size(); ++i)
        acronym = (i % 2 == 0) ? isLetter(word[i]) : word[i] == '.';
    return acronym || isListedAbbreviation(stem);
}

bool isClitic(const std::string& s) {
    return s == "'s" || s == "'S" || s == "'re" || s == "'RE" || s == "'ve" || s == "'VE" || s == "'ll" ||
           s == "'LL" || s == "'d" || s == "'D" || s == "'m" || s == "'M";
}

// Splits a bare word into its Penn Treebank parts: "don't" -> do n't, "cannot" -> can not.
void splitClitics(const std::string& word, std::vector<std::string>& out) {
    struct Split {
        const char* word;
        std::size_t at;
    };
    static const Split kSplits[] = {{"cannot", 3}, {"gonna", 3}, {"gotta", 3}, {"wanna", 3},
                                    {"gimme", 3},  {"lemme", 3}, {"dunno", 2}};
    const std::string lower = lowerCase(word);
    for (const auto& s : kSplits) {
        if (lower == s.word) {
            out.push_back(word.substr(0, s.at));
            out.push_back(word.substr(s.at));
            return;
        }
    }
    if (word.size() > 3 && lower.compare(word.size() - 3, 3, "n't") == 0) {
        out.push_back(word.substr(0, word.size() - 3));
        out.push_back(word.substr(word.size() - 3));
        return;
    }
    const auto apostrophe = word.rfind('\'');
    if (apostrophe != std::string::npos && apostrophe > 0 && isClitic(word.substr(apostrophe))) {
        out.push_back(word.substr(0, apostrophe));
        out.push_back(word.substr(apostrophe));
        return;
    }
    out.push_back(word);
}

// A piece without any always-separate punctuation: peel its edges, then split clitics.
void tokenizeWord(std::string w, std::vector<std::string>& out) {
    // Leading symbols.
    while (!w.empty()) {
        const char c = w[0];
        if (c == '$' || c == '#') {
            out.emplace_back(1, c);
            w.erase(0, 1);
        } else if (c == '\'') {
            if (isClitic(w)) break;  // "dog 's": the clitic stands alone already
            const bool doubled = w.size() > 1 && w[1] == '\'';
            out.emplace_back(doubled ? "''" : "`");  // an opening single quote
            w.erase(0, doubled ? 2 : 1);
        } else if (c == '-' && !(w.size() > 1 && isDigit(w[1]))) {
            out.emplace_back("-");
            w.erase(0, 1);
        } else {
            break;
        }
    }
    // Trailing symbols, collected back to front.
    std::vector<std::string> tail;
    while (!w.empty()) {
        const char c = w.back();
        if (c == '.' && w.size() > 1 && !keepsFinalPeriod(w)) {
            tail.emplace_back(".");
            w.pop_back();
        } else if (c == '.' && w.size() == 1) {
            tail.emplace_back(".");
            w.pop_back();
        } else if (c == '%' || c == '-') {
            tail.emplace_back(1, c);
            w.pop_back();
        } else if (c == '\'' && !isClitic(w)) {
            const bool doubled = w.size() > 1 && w[w.size() - 2] == '\'';
            tail.emplace_back(doubled ? "''" : "'");
            w.erase(w.size() - (doubled ? 2 : 1));
        } else {
            break;
        }
    }
    if (!w.empty()) splitClitics(w, out);
    out.insert(out.end(), tail.rbegin(), tail.rend());
}

void tokenizeChunk(const std::string& s, std::vector<std::string>& out) {
    std::string piece;
    auto flush = [&] {
        if (!piece.empty()) tokenizeWord(piece, out);
        piece.clear();
    };
    auto runLength = [&](std::size_t i, const char* chars) {
        std::size_t j = i;
        while (j < s.size() && std::strchr(chars, s[j]) != nullptr) ++j;
        return j - i;
    };
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        switch (c) {
            case ',':
            case ':':
                // Numbers keep inner separators: 1,000 and 4:45.
                if (!piece.empty() && isDigit(piece.back()) && i + 1 < s.size() && isDigit(s[i + 1])) {
                    piece += c;
                } else {
                    flush();
                    out.emplace_back(1, c);
                }
                ++i;
                break;
            case ';':
                flush();
                out.emplace_back(";");
                ++i;
                break;
            case '!':
            case '?': {
                const auto n = runLength(i, "!?");
                flush();
                out.push_back(s.substr(i, n));
                i += n;
                break;
            }
            case '"': {
                const char* quote = piece.empty() ? "``" : "''";
                flush();
                out.emplace_back(quote);
                ++i;
                break;
            }
            case '`': {
                const auto n = runLength(i, "`");
                flush();
                out.emplace_back(n >= 2 ? "``" : "`");
                i += n;
                break;
            }
            case '(':
            case ')':
            case '[':
            case ']':
            case '{':
            case '}': {
                static const char* const kNames[] = {"-lrb-", "-rrb-", "-lsb-", "-rsb-", "-lcb-", "-rcb-"};
                const char* brackets = "()[]{}";
                flush();
                out.emplace_back(kNames[std::strchr(brackets, c) - brackets]);
                ++i;
                break;
            }
            case '-':
            case '.': {
                const auto n = runLength(i, c == '-' ? "-" : ".");
                if (n >= 2) {
                    flush();
                    out.emplace_back(c == '-' ? "--" : "...");
                } else {
                    piece += c;
                }
                i += n;
                break;
            }
            default:
                piece += c;
                ++i;
        }
    }
    flush();
}

}  // namespace

std::vector<std::string> ptbTokenize(const std::string& caption) {
    const std::string text = normalise(caption);
    std::vector<std::string> tokens;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto space = text.find(' ', start);
        const auto end = space == std::string::npos ? text.size() : space;
        if (end > start) tokenizeChunk(text.substr(start, end - start), tokens);
        start = end + 1;
    }
    for (auto& t : tokens) t = lowerCase(t);
    return tokens;
}

bool isCocoPunctuation(const std::string& token) {
    static const char* const kPunctuation[] = {"''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".",
                                               "?",  "!", ",",  ":", "-",     "--",    "...",   ";"};
    return std::find_if(std::begin(kPunctuation), std::end(kPunctuation),
                        [&](const char* p) { return token == p; }) != std::end(kPunctuation);
}

std::string cocoTokenize(const std::string& caption) {
    std::string out;
    for (const auto& token : ptbTokenize(caption)) {
        if (isCocoPunctuation(token)) continue;
        if (!out.empty()) out += ' ';
        out += token;
    }
    return out;
}

}  // namespace genra::text
