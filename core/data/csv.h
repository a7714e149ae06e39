// Reading delimited text (CSV, TSV) the way RFC 4180 describes it: fields may be quoted, and a
// quoted field may hold delimiters, doubled quotes and line breaks. Used by the CSV importer and
// by manifests of generated images. Every record knows the line it starts on, so errors can name it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace genra::data {

struct CsvRecord {
    std::vector<std::string> fields;
    std::int64_t line = 0;  // 1-based line of the file where the record starts
};

class CsvReader {
public:
    // `fileForErrors` is the name ParseErrors carry. A UTF-8 byte-order mark at the start is skipped.
    CsvReader(std::string text, char delimiter, std::string fileForErrors);
    // Reads the whole file; throws genra::Error naming it when it cannot be read.
    static CsvReader fromFile(const std::filesystem::path& file, char delimiter);

    // Reads the next record into `record`; false at the end of the input. Blank lines are skipped
    // (a record needs at least one character). Throws genra::ParseError naming the file and line for
    // an unterminated quoted field or text between a closing quote and the next delimiter.
    bool next(CsvRecord& record);

    // Fraction of the input consumed so far, for progress reports.
    double fractionRead() const;
    const std::string& fileForErrors() const { return file_; }

private:
    std::string text_;
    char delimiter_ = ',';
    std::string file_;
    std::size_t pos_ = 0;
    std::int64_t line_ = 1;
};

// The delimiter a file's extension implies: tab for .tsv and .tab, a comma otherwise.
char delimiterForFile(const std::filesystem::path& file);

// Parses a user-given delimiter: one character, or "tab" / "\t" spelled out. Throws genra::Error.
char parseDelimiter(const std::string& text);

}  // namespace genra::data
