// Porter stemmer. The word is worked on in place; `end_` is one past its current last letter and
// `stemEnd_` one past the stem that the last successful suffix test left (Porter's j + 1), which
// is what the measure and the vowel test look at, exactly as in the reference implementation.
#include "core/text/porter_stemmer.h"

#include <cstddef>
#include <initializer_list>
#include <utility>

namespace genra::text {
namespace {

class PorterStemmer {
public:
    explicit PorterStemmer(std::string word) : b_(std::move(word)), end_(b_.size()), stemEnd_(b_.size()) {}

    std::string run() {
        if (end_ <= 2) return b_;
        step1ab();
        if (end_ > 1) {
            step1c();
            step2();
            step3();
            step4();
            step5();
        }
        return b_.substr(0, end_);
    }

private:
    bool isConsonant(std::size_t i) const {
        switch (b_[i]) {
            case 'a':
            case 'e':
            case 'i':
            case 'o':
            case 'u':
                return false;
            case 'y':
                return i == 0 ? true : !isConsonant(i - 1);
            default:
                return true;
        }
    }

    // Number of vowel-consonant sequences in b_[0, stemEnd_): [C](VC)^m[V].
    int measure() const {
        int m = 0;
        std::size_t i = 0;
        while (i < stemEnd_ && isConsonant(i)) ++i;
        while (i < stemEnd_) {
            while (i < stemEnd_ && !isConsonant(i)) ++i;
            if (i >= stemEnd_) break;
            while (i < stemEnd_ && isConsonant(i)) ++i;
            ++m;
        }
        return m;
    }

    bool vowelInStem() const {
        for (std::size_t i = 0; i < stemEnd_; ++i) {
            if (!isConsonant(i)) return true;
        }
        return false;
    }

    // b_[last-1] == b_[last] and a consonant (`last` is an index of a letter).
    bool doubleConsonant(std::size_t last) const {
        return last >= 1 && b_[last] == b_[last - 1] && isConsonant(last);
    }

    // consonant-vowel-consonant ending at `last`, the final consonant not w, x or y: "hop", not "snow".
    bool cvc(std::size_t last) const {
        if (last < 2 || !isConsonant(last) || isConsonant(last - 1) || !isConsonant(last - 2)) return false;
        const char c = b_[last];
        return c != 'w' && c != 'x' && c != 'y';
    }

    bool endsWith(const char* suffix) {
        const std::string s(suffix);
        if (s.size() > end_ || b_.compare(end_ - s.size(), s.size(), s) != 0) return false;
        stemEnd_ = end_ - s.size();
        return true;
    }

    // Replaces the matched suffix (b_[stemEnd_, end_)) by `replacement`.
    void setTo(const char* replacement) {
        const std::string r(replacement);
        b_.replace(stemEnd_, end_ - stemEnd_, r);
        end_ = stemEnd_ + r.size();
        b_.resize(end_);
    }

    // Plurals and -ed / -ing.
    void step1ab() {
        if (b_[end_ - 1] == 's') {
            if (endsWith("sses")) {
                end_ -= 2;
            } else if (endsWith("ies")) {
                setTo("i");
            } else if (end_ >= 2 && b_[end_ - 2] != 's') {
                --end_;
            }
            b_.resize(end_);
        }
        if (endsWith("eed")) {
            if (measure() > 0) --end_;
        } else if ((endsWith("ed") || endsWith("ing")) && vowelInStem()) {
            end_ = stemEnd_;
            b_.resize(end_);
            if (endsWith("at")) {
                setTo("ate");
            } else if (endsWith("bl")) {
                setTo("ble");
            } else if (endsWith("iz")) {
                setTo("ize");
            } else if (doubleConsonant(end_ - 1)) {
                const char c = b_[end_ - 1];
                if (c != 'l' && c != 's' && c != 'z') --end_;
            } else if (measure() == 1 && cvc(end_ - 1)) {
                stemEnd_ = end_;
                setTo("e");
            }
        }
        b_.resize(end_);
    }

    // Terminal y -> i when there is another vowel in the stem.
    void step1c() {
        if (endsWith("y") && vowelInStem()) b_[end_ - 1] = 'i';
    }

    // Tries the suffixes in order; the first that matches is replaced when the remaining stem's
    // measure exceeds `minMeasure`, and no later suffix is tried either way.
    void replaceFirst(std::initializer_list<std::pair<const char*, const char*>> rules, int minMeasure) {
        for (const auto& [suffix, replacement] : rules) {
            if (endsWith(suffix)) {
                if (measure() > minMeasure) setTo(replacement);
                return;
            }
        }
    }

    void step2() {
        replaceFirst({{"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"},  {"anci", "ance"},
                      {"izer", "ize"},    {"bli", "ble"},     {"alli", "al"},    {"entli", "ent"},
                      {"eli", "e"},       {"ousli", "ous"},   {"ization", "ize"}, {"ation", "ate"},
                      {"ator", "ate"},    {"alism", "al"},    {"iveness", "ive"}, {"fulness", "ful"},
                      {"ousness", "ous"}, {"aliti", "al"},    {"iviti", "ive"},  {"biliti", "ble"},
                      {"logi", "log"}},
                     0);
    }

    void step3() {
        replaceFirst({{"icate", "ic"},
                      {"ative", ""},
                      {"alize", "al"},
                      {"iciti", "ic"},
                      {"ical", "ic"},
                      {"ful", ""},
                      {"ness", ""}},
                     0);
    }

    // Removes a final suffix when the stem's measure is above 1.
    void step4() {
        static const char* const kSuffixes[] = {"al",   "ance", "ence", "er",  "ic",  "able", "ible",
                                                "ant",  "ement", "ment", "ent", "ion", "ou",   "ism",
                                                "ate",  "iti",  "ous",  "ive", "ize"};
        for (const char* suffix : kSuffixes) {
            if (!endsWith(suffix)) continue;
            if (std::string(suffix) == "ion" &&
                (stemEnd_ == 0 || (b_[stemEnd_ - 1] != 's' && b_[stemEnd_ - 1] != 't')))
                continue;  // -ion only after s or t; "ou" may still match (it cannot here)
            if (measure() > 1) {
                end_ = stemEnd_;
                b_.resize(end_);
            }
            return;
        }
    }

    // Final -e, and -ll -> -l, measured on the word as it entered this step.
    void step5() {
        stemEnd_ = end_;
        if (b_[end_ - 1] == 'e') {
            const int m = measure();
            if (m > 1 || (m == 1 && !(end_ >= 2 && cvc(end_ - 2)))) --end_;
        }
        if (b_[end_ - 1] == 'l' && doubleConsonant(end_ - 1) && measure() > 1) --end_;
        b_.resize(end_);
    }

    std::string b_;
    std::size_t end_;
    std::size_t stemEnd_;
};

}  // namespace

std::string porterStem(const std::string& word) {
    for (const char c : word) {
        if (c < 'a' || c > 'z') return word;
    }
    return PorterStemmer(word).run();
}

}  // namespace genra::text
