#include "core/data/csv.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "core/util/error.h"

namespace genra::data {

CsvReader::CsvReader(std::string text, char delimiter, std::string fileForErrors)
    : text_(std::move(text)), delimiter_(delimiter), file_(std::move(fileForErrors)) {
    if (text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
}

CsvReader CsvReader::fromFile(const std::filesystem::path& file, char delimiter) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error("cannot open " + file.string() + ": no such file or not readable");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) throw Error("cannot read " + file.string());
    return CsvReader(buffer.str(), delimiter, file.string());
}

bool CsvReader::next(CsvRecord& record) {
    record.fields.clear();
    const std::size_t size = text_.size();
    // Skip blank lines: a lone "\n" or "\r\n" is not a record with one empty field.
    while (pos_ < size && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
        if (text_[pos_] == '\n') ++line_;
        ++pos_;
    }
    if (pos_ >= size) return false;
    record.line = line_;

    std::string field;
    while (true) {
        field.clear();
        if (pos_ < size && text_[pos_] == '"') {
            // Quoted field: runs to the next lone quote; "" stands for one quote.
            const std::int64_t openedOnLine = line_;
            ++pos_;
            while (true) {
                if (pos_ >= size) {
                    throw ParseError(file_, "line " + std::to_string(openedOnLine),
                                     "quoted field is never closed (missing '\"')");
                }
                const char c = text_[pos_];
                if (c == '"') {
                    if (pos_ + 1 < size && text_[pos_ + 1] == '"') {
                        field += '"';
                        pos_ += 2;
                        continue;
                    }
                    ++pos_;
                    break;
                }
                if (c == '\n') ++line_;
                field += c;
                ++pos_;
            }
            const bool atEnd = pos_ >= size || text_[pos_] == delimiter_ || text_[pos_] == '\n' ||
                               (text_[pos_] == '\r' && (pos_ + 1 >= size || text_[pos_ + 1] == '\n'));
            if (!atEnd) {
                throw ParseError(file_, "line " + std::to_string(line_),
                                 std::string("unexpected character '") + text_[pos_] +
                                     "' after the closing quote of field " +
                                     std::to_string(record.fields.size() + 1) +
                                     " (quotes inside a quoted field must be doubled)");
            }
        } else {
            // Unquoted field: a quote in the middle is taken literally (lenient, as most readers are).
            while (pos_ < size) {
                const char c = text_[pos_];
                if (c == delimiter_ || c == '\n') break;
                if (c == '\r' && (pos_ + 1 >= size || text_[pos_ + 1] == '\n')) break;
                field += c;
                ++pos_;
            }
        }
        record.fields.push_back(field);
        if (pos_ >= size) return true;
        if (text_[pos_] == delimiter_) {
            ++pos_;
            continue;
        }
        // End of record: "\n" or "\r\n".
        if (text_[pos_] == '\r') ++pos_;
        if (pos_ < size && text_[pos_] == '\n') {
            ++pos_;
            ++line_;
        }
        return true;
    }
}

double CsvReader::fractionRead() const {
    return text_.empty() ? 1.0 : static_cast<double>(pos_) / static_cast<double>(text_.size());
}

char delimiterForFile(const std::filesystem::path& file) {
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".tsv" || ext == ".tab" ? '\t' : ',';
}

char parseDelimiter(const std::string& text) {
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (lower == "tab" || lower == "\\t" || lower == "\t") return '\t';
    if (lower == "comma") return ',';
    if (lower == "semicolon") return ';';
    if (lower == "pipe") return '|';
    if (text.size() != 1 || text[0] == '"' || text[0] == '\n' || text[0] == '\r') {
        throw Error("invalid delimiter \"" + text +
                    "\": give one character (other than a quote or line break), or \"tab\"");
    }
    return text[0];
}

}  // namespace genra::data
