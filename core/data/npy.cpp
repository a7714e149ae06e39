// .npy reader and writer. The header is a Python dict literal; we parse the small subset NumPy
// writes (quoted strings, True/False, tuples of integers) and refuse anything else, so a hostile
// header can only produce an error. Data sizes are checked against the file before allocation.
#include "core/data/npy.h"

#include "core/util/error.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy.cpp assumes a little-endian host"
#endif

namespace genra::data {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicBytes = 6;
// NumPy itself refuses headers above 10 kB unless told otherwise; allow more, but stay bounded.
constexpr std::size_t kMaxHeaderBytes = 1 << 20;
constexpr std::size_t kMaxRank = 64;
// Since NumPy 1.9 the data starts on a 64-byte boundary (helps memory mapping with alignment).
constexpr std::size_t kAlignment = 64;

struct DtypeInfo {
    const char* code;  // without the byte-order character
    torch::ScalarType type;
    std::size_t bytes;
};

const DtypeInfo kDtypes[] = {
    {"f8", torch::kDouble, 8}, {"f4", torch::kFloat, 4}, {"f2", torch::kHalf, 2},
    {"i8", torch::kLong, 8},   {"i4", torch::kInt, 4},   {"i2", torch::kShort, 2},
    {"i1", torch::kChar, 1},   {"u1", torch::kByte, 1},  {"b1", torch::kBool, 1},
};

struct Header {
    const DtypeInfo* dtype = nullptr;
    bool bigEndian = false;
    bool fortranOrder = false;
    std::vector<std::int64_t> shape;
    std::size_t dataOffset = 0;  // where the array data begins in the file
    std::size_t dataBytes = 0;
};

[[noreturn]] void fail(const std::string& source, const std::string& where, const std::string& what) {
    throw ParseError(source, where, what);
}

// Parses the header dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
public:
    HeaderParser(const std::string& text, const std::string& source) : text_(text), source_(source) {}

    Header parse() {
        Header header;
        bool haveDescr = false;
        bool haveOrder = false;
        bool haveShape = false;
        skipSpace();
        expect('{');
        while (true) {
            skipSpace();
            if (peek() == '}') break;
            const std::string key = parseString();
            skipSpace();
            expect(':');
            skipSpace();
            if (key == "descr") {
                if (peek() == '[') failHere("structured dtypes (a list in 'descr') are not supported");
                parseDescr(parseString(), header);
                haveDescr = true;
            } else if (key == "fortran_order") {
                header.fortranOrder = parseBool();
                haveOrder = true;
            } else if (key == "shape") {
                header.shape = parseShape();
                haveShape = true;
            } else {
                failHere("unexpected key '" + key + "'");
            }
            skipSpace();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() != '}') failHere("expected ',' or '}'");
        }
        ++pos_;
        skipSpace();
        if (pos_ != text_.size()) failHere("trailing characters after the header dict");
        if (!haveDescr || !haveOrder || !haveShape)
            fail(source_, "npy header", "missing one of the keys 'descr', 'fortran_order', 'shape'");
        return header;
    }

private:
    char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

    [[noreturn]] void failHere(const std::string& what) const {
        fail(source_, "npy header, character " + std::to_string(pos_), what);
    }

    void skipSpace() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                       text_[pos_] == '\r'))
            ++pos_;
    }

    void expect(char c) {
        if (peek() != c) failHere(std::string("expected '") + c + "'");
        ++pos_;
    }

    std::string parseString() {
        const char quote = peek();
        if (quote != '\'' && quote != '"') failHere("expected a quoted string");
        ++pos_;
        const auto end = text_.find(quote, pos_);
        if (end == std::string::npos) failHere("unterminated string");
        std::string out = text_.substr(pos_, end - pos_);
        pos_ = end + 1;
        return out;
    }

    bool parseBool() {
        if (text_.compare(pos_, 4, "True") == 0) {
            pos_ += 4;
            return true;
        }
        if (text_.compare(pos_, 5, "False") == 0) {
            pos_ += 5;
            return false;
        }
        failHere("expected True or False");
    }

    std::vector<std::int64_t> parseShape() {
        std::vector<std::int64_t> shape;
        expect('(');
        while (true) {
            skipSpace();
            if (peek() == ')') break;
            if (peek() < '0' || peek() > '9') failHere("expected a non-negative integer in 'shape'");
            std::int64_t value = 0;
            while (peek() >= '0' && peek() <= '9') {
                const int digit = peek() - '0';
                if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10)
                    failHere("dimension too large");
                value = value * 10 + digit;
                ++pos_;
            }
            // Python 2 wrote long integers as 3L.
            if (peek() == 'L') ++pos_;
            shape.push_back(value);
            if (shape.size() > kMaxRank) failHere("more than 64 dimensions");
            skipSpace();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() != ')') failHere("expected ',' or ')' in 'shape'");
        }
        ++pos_;
        return shape;
    }

    void parseDescr(const std::string& descr, Header& header) const {
        if (descr.size() < 2) fail(source_, "npy header", "unsupported dtype '" + descr + "'");
        const char order = descr[0];
        const std::string code = descr.substr(1);
        for (const auto& d : kDtypes) {
            if (code != d.code) continue;
            const bool validOrder = order == '<' || order == '=' || order == '|' || order == '>';
            // '|' (not applicable) only makes sense for one-byte types.
            if (!validOrder || (order == '|' && d.bytes != 1))
                fail(source_, "npy header", "unsupported byte order in dtype '" + descr + "'");
            header.dtype = &d;
            header.bigEndian = order == '>' && d.bytes > 1;
            return;
        }
        fail(source_, "npy header",
             "unsupported dtype '" + descr + "' (supported: <f8 <f4 <f2 <i8 <i4 <i2 |i1 |u1 |b1)");
    }

    const std::string& text_;
    const std::string& source_;
    std::size_t pos_ = 0;
};

// The fixed-size preamble: magic, version, header length. Returns the header's length and where
// the header text begins.
std::pair<std::size_t, std::size_t> parsePreamble(const std::uint8_t* data, std::size_t size,
                                                  const std::string& source) {
    if (size < kMagicBytes + 2 || std::memcmp(data, kMagic, kMagicBytes) != 0)
        fail(source, "start of file", "not a .npy file (bad magic; expected \\x93NUMPY)");
    const int major = data[6];
    const int minor = data[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        fail(source, "npy preamble",
             "unsupported format version " + std::to_string(major) + "." + std::to_string(minor));
    const std::size_t lengthBytes = major == 1 ? 2 : 4;
    const std::size_t textStart = kMagicBytes + 2 + lengthBytes;
    if (size < textStart) fail(source, "npy preamble", "file ends inside the header length");
    std::size_t headerBytes = 0;
    for (std::size_t i = 0; i < lengthBytes; ++i) headerBytes |= std::size_t{data[8 + i]} << (8 * i);
    if (headerBytes > kMaxHeaderBytes) fail(source, "npy preamble", "header length is implausibly large");
    return {headerBytes, textStart};
}

Header parseHeaderText(const std::uint8_t* text, std::size_t bytes, std::size_t textStart,
                       const std::string& source) {
    const std::string headerText(reinterpret_cast<const char*>(text), bytes);
    Header header = HeaderParser(headerText, source).parse();
    header.dataOffset = textStart + bytes;
    std::size_t count = 1;
    for (const auto dim : header.shape) {
        const auto d = static_cast<std::size_t>(dim);
        if (d != 0 && count > std::numeric_limits<std::size_t>::max() / d)
            fail(source, "npy header", "shape's element count overflows");
        count *= d;
    }
    if (count > std::numeric_limits<std::size_t>::max() / header.dtype->bytes)
        fail(source, "npy header", "data size overflows");
    header.dataBytes = count * header.dtype->bytes;
    return header;
}

void checkDataSize(const Header& header, std::size_t fileBytes, const std::string& source) {
    const std::size_t available = fileBytes > header.dataOffset ? fileBytes - header.dataOffset : 0;
    if (available < header.dataBytes)
        fail(source, "npy data",
             "truncated: the header promises " + std::to_string(header.dataBytes) + " bytes of data, the file holds " +
                 std::to_string(available));
}

// Turns the raw bytes (already copied into `raw`, laid out as the file has them) into the result.
torch::Tensor finish(torch::Tensor raw, const Header& header) {
    if (header.bigEndian) {
        auto* bytes = static_cast<std::uint8_t*>(raw.data_ptr());
        const std::size_t width = header.dtype->bytes;
        for (std::size_t i = 0; i + width <= header.dataBytes; i += width) std::reverse(bytes + i, bytes + i + width);
    }
    if (header.fortranOrder && header.shape.size() > 1) {
        std::vector<std::int64_t> order(header.shape.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(order.size() - 1 - i);
        return raw.permute(order).contiguous();
    }
    return raw;
}

torch::Tensor allocateFor(const Header& header) {
    // A Fortran-ordered array is a C-ordered array of the reversed shape, transposed.
    std::vector<std::int64_t> shape = header.shape;
    if (header.fortranOrder) std::reverse(shape.begin(), shape.end());
    return torch::empty(shape, torch::TensorOptions().dtype(header.dtype->type));
}

std::string shapeRepr(const torch::Tensor& t) {
    // Python's tuple repr: (), (3,), (3, 4)
    std::string out = "(";
    for (std::int64_t i = 0; i < t.dim(); ++i) {
        if (i > 0) out += ", ";
        out += std::to_string(t.size(i));
    }
    if (t.dim() == 1) out += ",";
    return out + ")";
}

}  // namespace

std::string npyDescr(torch::ScalarType type) {
    for (const auto& d : kDtypes) {
        if (d.type == type) return std::string(d.bytes == 1 ? "|" : "<") + d.code;
    }
    throw Error(std::string("dtype ") + c10::toString(type) + " cannot be written to .npy (supported: float64, "
                "float32, float16, int64, int32, int16, int8, uint8, bool)");
}

torch::Tensor parseNpy(const std::uint8_t* data, std::size_t size, const std::string& sourceName) {
    const auto [headerBytes, textStart] = parsePreamble(data, size, sourceName);
    if (size < textStart + headerBytes) fail(sourceName, "npy header", "file ends inside the header");
    const Header header = parseHeaderText(data + textStart, headerBytes, textStart, sourceName);
    checkDataSize(header, size, sourceName);
    torch::Tensor raw = allocateFor(header);
    if (header.dataBytes > 0) std::memcpy(raw.data_ptr(), data + header.dataOffset, header.dataBytes);
    return finish(raw, header);
}

torch::Tensor readNpy(const fs::path& path) {
    const std::string source = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open " + source + " for reading");
    std::error_code ec;
    const auto fileBytes = static_cast<std::size_t>(fs::file_size(path, ec));
    if (ec) throw Error("cannot read the size of " + source + ": " + ec.message());

    // Read the preamble and header first, so the data can go straight into the tensor's memory.
    std::vector<std::uint8_t> head(std::min<std::size_t>(fileBytes, kMagicBytes + 2 + 4));
    in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
    const auto [headerBytes, textStart] = parsePreamble(head.data(), head.size(), source);
    if (fileBytes < textStart + headerBytes) fail(source, "npy header", "file ends inside the header");
    std::vector<std::uint8_t> text(headerBytes);
    in.seekg(static_cast<std::streamoff>(textStart));
    in.read(reinterpret_cast<char*>(text.data()), static_cast<std::streamsize>(headerBytes));
    if (!in) throw Error("cannot read the header of " + source);
    const Header header = parseHeaderText(text.data(), headerBytes, textStart, source);
    checkDataSize(header, fileBytes, source);

    torch::Tensor raw = allocateFor(header);
    if (header.dataBytes > 0) {
        in.seekg(static_cast<std::streamoff>(header.dataOffset));
        in.read(static_cast<char*>(raw.data_ptr()), static_cast<std::streamsize>(header.dataBytes));
        if (!in) fail(source, "npy data", "read failed before the end of the array data");
    }
    return finish(raw, header);
}

void writeNpy(const fs::path& path, const torch::Tensor& tensor) {
    const std::string descr = npyDescr(tensor.scalar_type());
    const torch::Tensor data = tensor.detach().to(torch::kCPU).contiguous();

    std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeRepr(data) + ", }";
    // Version 1.0 stores the header length in 2 bytes; 2.0 in 4 for the rare huge-rank header.
    const bool v1 = dict.size() + 1 + kMagicBytes + 2 + 2 + kAlignment <= 65535;
    const std::size_t preamble = kMagicBytes + 2 + (v1 ? 2 : 4);
    const std::size_t unpadded = preamble + dict.size() + 1;
    dict.append((kAlignment - unpadded % kAlignment) % kAlignment, ' ');
    dict.push_back('\n');

    std::string out(kMagic, kMagicBytes);
    out.push_back(static_cast<char>(v1 ? 1 : 2));
    out.push_back(0);
    const std::size_t len = dict.size();
    for (std::size_t i = 0; i < (v1 ? 2u : 4u); ++i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
    out += dict;

    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    if (!file) throw Error("cannot open " + path.string() + " for writing");
    file.write(out.data(), static_cast<std::streamsize>(out.size()));
    const auto bytes = static_cast<std::streamsize>(data.numel() * data.element_size());
    if (bytes > 0) file.write(static_cast<const char*>(data.data_ptr()), bytes);
    file.close();
    if (!file) throw Error("failed writing " + path.string());
}

}  // namespace genra::data
