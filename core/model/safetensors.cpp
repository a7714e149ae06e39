// safetensors reader and writer. The reader validates the whole header against the real data
// buffer size before it copies anything, so a hostile or truncated file can only produce an error.
#include "core/model/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

#if defined(__unix__) || defined(__APPLE__)
#define GENRA_SAFETENSORS_MMAP 1
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

// Tensor bytes are copied to and from the file verbatim; the format stores them little-endian.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.cpp assumes a little-endian host"
#endif

namespace genra::model {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// The reference implementation refuses larger headers; a real one is a few hundred kilobytes.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
// No checkpoint tensor has anywhere near this many dimensions; the cap keeps hostile shapes away
// from LibTorch code paths that assume a small rank.
constexpr std::size_t kMaxRank = 32;
// A valid header is {name: {key: [numbers]}}: three levels. Deeper nesting is refused while
// parsing, before a deep document can be built.
constexpr int kMaxJsonDepth = 3;
constexpr const char* kMetadataKey = "__metadata__";

struct DtypeInfo {
    const char* name;
    torch::ScalarType type;
    std::uint64_t bytes;
};

const DtypeInfo kDtypes[] = {
    {"F64", torch::kDouble, 8},    {"F32", torch::kFloat, 4}, {"F16", torch::kHalf, 2},
    {"BF16", torch::kBFloat16, 2}, {"I64", torch::kLong, 8},  {"I32", torch::kInt, 4},
    {"I16", torch::kShort, 2},     {"I8", torch::kChar, 1},   {"U8", torch::kByte, 1},
    {"BOOL", torch::kBool, 1},
};

const DtypeInfo* findDtype(const std::string& name) {
    for (const auto& d : kDtypes) {
        if (name == d.name) return &d;
    }
    return nullptr;
}

[[noreturn]] void failHeader(const std::string& source, const std::string& what) {
    throw ParseError(source, "safetensors header", what);
}

[[noreturn]] void failTensor(const std::string& source, const std::string& name, const std::string& what) {
    throw ParseError(source, "tensor '" + name + "'", what);
}

std::uint64_t readLittleEndian64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

bool mulOverflows(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
    return __builtin_mul_overflow(a, b, out);
}

std::string dump(const Json& j) {
    // Only ever used on small pieces of a header for messages; never throws on bad UTF-8.
    std::string s = j.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (s.size() > 80) s = s.substr(0, 77) + "...";
    return s;
}

// Parses the JSON header, refusing duplicate keys (which nlohmann would silently merge) and
// nesting deeper than a valid header needs.
Json parseHeaderJson(const char* begin, const char* end, const std::string& source) {
    std::vector<std::set<std::string>> seenKeys;
    auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) -> bool {
        switch (event) {
            case Json::parse_event_t::object_start:
            case Json::parse_event_t::array_start:
                if (depth >= kMaxJsonDepth) failHeader(source, "JSON nested deeper than a header can be");
                if (event == Json::parse_event_t::object_start) seenKeys.emplace_back();
                break;
            case Json::parse_event_t::object_end:
                if (!seenKeys.empty()) seenKeys.pop_back();
                break;
            case Json::parse_event_t::key: {
                const auto& key = parsed.get_ref<const std::string&>();
                if (!seenKeys.empty() && !seenKeys.back().insert(key).second) {
                    if (depth == 1) failHeader(source, "tensor '" + key + "' is listed twice");
                    failHeader(source, "key '" + key + "' appears twice in one entry");
                }
                break;
            }
            default:
                break;
        }
        return true;
    };
    try {
        return Json::parse(begin, end, callback, /*allow_exceptions=*/true, /*ignore_comments=*/false);
    } catch (const Json::exception& e) {
        failHeader(source, std::string("not valid JSON (") + e.what() + ")");
    }
}

bool fitsInt64(std::uint64_t v) {
    return v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
}

std::uint64_t readUnsigned(const Json& j, const std::string& source, const std::string& name,
                           const char* field) {
    if (!j.is_number_unsigned()) {
        failTensor(source, name, std::string(field) + " must hold non-negative integers, found " + dump(j));
    }
    return j.get<std::uint64_t>();
}

SafetensorsEntry parseEntry(const std::string& name, const Json& value, std::uint64_t dataBytes,
                            const std::string& source) {
    if (!value.is_object()) failTensor(source, name, "entry is not an object: " + dump(value));
    SafetensorsEntry entry;
    entry.name = name;

    const auto dtypeIt = value.find("dtype");
    if (dtypeIt == value.end() || !dtypeIt->is_string()) {
        failTensor(source, name, "missing or non-string \"dtype\"");
    }
    entry.dtype = dtypeIt->get<std::string>();
    const DtypeInfo* dtype = findDtype(entry.dtype);
    if (dtype == nullptr) {
        failTensor(source, name,
                   "unsupported dtype \"" + entry.dtype +
                       "\" (expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)");
    }

    const auto shapeIt = value.find("shape");
    if (shapeIt == value.end() || !shapeIt->is_array()) failTensor(source, name, "missing \"shape\" array");
    if (shapeIt->size() > kMaxRank) {
        failTensor(source, name,
                   "shape has " + std::to_string(shapeIt->size()) + " dimensions (at most " +
                       std::to_string(kMaxRank) + " are accepted)");
    }
    std::uint64_t elements = 1;
    // LibTorch computes contiguous strides as products of max(dim, 1); they must fit in int64
    // even when a zero dimension makes the tensor empty.
    std::uint64_t strideProduct = 1;
    for (const auto& dim : *shapeIt) {
        const std::uint64_t d = readUnsigned(dim, source, name, "\"shape\"");
        if (mulOverflows(elements, d, &elements) ||
            mulOverflows(strideProduct, std::max<std::uint64_t>(d, 1), &strideProduct) ||
            !fitsInt64(strideProduct)) {
            failTensor(source, name, "shape " + dump(*shapeIt) + " is too large");
        }
        entry.shape.push_back(static_cast<std::int64_t>(d));
    }
    std::uint64_t expectedBytes = 0;
    if (mulOverflows(elements, dtype->bytes, &expectedBytes)) {
        failTensor(source, name, "shape " + dump(*shapeIt) + " is too large");
    }

    const auto offsetsIt = value.find("data_offsets");
    if (offsetsIt == value.end() || !offsetsIt->is_array() || offsetsIt->size() != 2) {
        failTensor(source, name, "missing \"data_offsets\" [begin, end]");
    }
    entry.dataBegin = readUnsigned((*offsetsIt)[0], source, name, "\"data_offsets\"");
    entry.dataEnd = readUnsigned((*offsetsIt)[1], source, name, "\"data_offsets\"");
    const std::string range =
        "[" + std::to_string(entry.dataBegin) + ", " + std::to_string(entry.dataEnd) + "]";
    if (entry.dataEnd < entry.dataBegin)
        failTensor(source, name, "data_offsets " + range + " end before they begin");
    if (entry.dataEnd > dataBytes) {
        failTensor(source, name,
                   "data_offsets " + range + " reach past the " + std::to_string(dataBytes) +
                       "-byte data buffer (file truncated?)");
    }
    if (entry.dataEnd - entry.dataBegin != expectedBytes) {
        failTensor(source, name,
                   "data_offsets " + range + " span " + std::to_string(entry.dataEnd - entry.dataBegin) +
                       " bytes but " + entry.dtype + " " + dump(*shapeIt) + " needs " +
                       std::to_string(expectedBytes));
    }
    return entry;
}

// The spec requires the tensors to tile the data buffer exactly: no holes, no overlaps.
void checkCoverage(const std::vector<SafetensorsEntry>& entries, std::uint64_t dataBytes,
                   const std::string& source) {
    std::vector<const SafetensorsEntry*> byOffset;
    byOffset.reserve(entries.size());
    for (const auto& e : entries) byOffset.push_back(&e);
    std::sort(byOffset.begin(), byOffset.end(), [](const SafetensorsEntry* a, const SafetensorsEntry* b) {
        return std::tie(a->dataBegin, a->dataEnd, a->name) < std::tie(b->dataBegin, b->dataEnd, b->name);
    });
    std::uint64_t expected = 0;
    const SafetensorsEntry* previous = nullptr;
    for (const SafetensorsEntry* e : byOffset) {
        if (e->dataBegin < expected) {
            failTensor(source, e->name,
                       "data starting at " + std::to_string(e->dataBegin) + " overlaps tensor '" +
                           previous->name + "' (which ends at " + std::to_string(expected) + ")");
        }
        if (e->dataBegin > expected) {
            failTensor(source, e->name,
                       "data starting at " + std::to_string(e->dataBegin) + " leaves a hole of " +
                           std::to_string(e->dataBegin - expected) + " unused bytes before it");
        }
        expected = e->dataEnd;
        previous = e;
    }
    if (expected != dataBytes) {
        failHeader(source, "the data buffer has " + std::to_string(dataBytes - expected) +
                               " trailing bytes that belong to no tensor");
    }
}

// Validates header bytes against a data buffer of `dataBytes` bytes.
SafetensorsHeader parseHeaderBytes(const std::uint8_t* header, std::uint64_t headerBytes,
                                   std::uint64_t dataBytes, const std::string& source) {
    if (headerBytes == 0 || header[0] != '{') {
        failHeader(source, "does not start with '{' (not a safetensors file?)");
    }
    const char* begin = reinterpret_cast<const char*>(header);
    const Json root = parseHeaderJson(begin, begin + headerBytes, source);
    if (!root.is_object()) failHeader(source, "is not a JSON object");

    SafetensorsHeader result;
    result.headerBytes = headerBytes;
    for (const auto& [name, value] : root.items()) {
        if (name == kMetadataKey) {
            if (!value.is_object()) failHeader(source, "\"__metadata__\" is not an object");
            for (const auto& [key, text] : value.items()) {
                if (!text.is_string()) {
                    failHeader(source,
                               "\"__metadata__\" value for '" + key + "' is not a string: " + dump(text));
                }
                result.metadata[key] = text.get<std::string>();
            }
            continue;
        }
        result.entries.push_back(parseEntry(name, value, dataBytes, source));
    }
    checkCoverage(result.entries, dataBytes, source);
    return result;
}

// Splits a file image into header and data, checking the declared header length.
struct Layout {
    std::uint64_t headerBytes = 0;
    std::uint64_t dataBytes = 0;
};

Layout checkLayout(std::uint64_t fileBytes, const std::uint8_t* prefix, const std::string& source) {
    Layout layout;
    layout.headerBytes = readLittleEndian64(prefix);
    if (layout.headerBytes > kMaxHeaderBytes) {
        failHeader(source, "declared header length " + std::to_string(layout.headerBytes) +
                               " exceeds the 100 MB limit (not a safetensors file?)");
    }
    if (layout.headerBytes > fileBytes - 8) {
        failHeader(source, "declared header length " + std::to_string(layout.headerBytes) +
                               " is larger than the " + std::to_string(fileBytes - 8) +
                               " bytes that follow it (file truncated?)");
    }
    layout.dataBytes = fileBytes - 8 - layout.headerBytes;
    return layout;
}

void checkMinimumSize(std::uint64_t fileBytes, const std::string& source) {
    if (fileBytes < 8) {
        failHeader(source,
                   "file is " + std::to_string(fileBytes) + " bytes, too short for the 8-byte header length");
    }
}

#ifdef GENRA_SAFETENSORS_MMAP
// A read-only private mapping of a whole file, released on destruction.
class MappedFile {
public:
    explicit MappedFile(const fs::path& path) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw Error(path.string() + ": cannot open: " + std::strerror(errno));
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(fd);
            throw Error(path.string() + ": not a regular file");
        }
        size_ = static_cast<std::size_t>(st.st_size);
        if (size_ > 0) {
            void* addr = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
            if (addr == MAP_FAILED) {
                const int err = errno;
                ::close(fd);
                throw Error(path.string() + ": cannot map file: " + std::strerror(err));
            }
            data_ = static_cast<const std::uint8_t*>(addr);
        }
        ::close(fd);
    }
    ~MappedFile() {
        if (data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    const std::uint8_t* data() const { return data_; }
    std::size_t size() const { return size_; }

private:
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};
#else
// Without mmap: one read of the whole file.
class MappedFile {
public:
    explicit MappedFile(const fs::path& path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw Error(path.string() + ": cannot open");
        bytes_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const std::uint8_t* data() const { return reinterpret_cast<const std::uint8_t*>(bytes_.data()); }
    std::size_t size() const { return bytes_.size(); }

private:
    std::vector<char> bytes_;
};
#endif

// A tensor ready to be written: CPU, contiguous, with its header fields.
struct PlannedTensor {
    torch::Tensor tensor;
    std::uint64_t bytes = 0;
};

struct WritePlan {
    std::string header;  // padded JSON
    std::vector<PlannedTensor> tensors;
    std::uint64_t dataBytes = 0;
};

WritePlan planWrite(const StateDict& tensors, const SafetensorsMetadata& metadata) {
    WritePlan plan;
    Json header = Json::object();
    if (!metadata.empty()) {
        Json meta = Json::object();
        for (const auto& [key, value] : metadata) meta[key] = value;
        header[kMetadataKey] = std::move(meta);
    }
    std::uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        if (name == kMetadataKey) throw Error("safetensors: a tensor cannot be named \"__metadata__\"");
        if (!tensor.defined()) throw Error("safetensors: tensor '" + name + "' is undefined");
        std::string dtype;
        try {
            dtype = safetensorsDtypeName(tensor.scalar_type());
        } catch (const Error& e) {
            throw Error("safetensors: tensor '" + name + "': " + e.what());
        }
        torch::Tensor cpu = tensor.detach().to(torch::kCPU).contiguous();
        const auto bytes =
            static_cast<std::uint64_t>(cpu.numel()) * static_cast<std::uint64_t>(cpu.element_size());
        header[name] = {
            {"dtype", dtype}, {"shape", cpu.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        plan.tensors.push_back({std::move(cpu), bytes});
    }
    try {
        plan.header = header.dump();
    } catch (const Json::exception& e) {
        throw Error(std::string("safetensors: a tensor name or metadata string is not valid UTF-8 (") +
                    e.what() + ")");
    }
    plan.header.append((8 - plan.header.size() % 8) % 8, ' ');
    plan.dataBytes = offset;
    return plan;
}

void appendLittleEndian64(std::uint64_t v, std::uint8_t* out) {
    for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

std::string safetensorsDtypeName(torch::ScalarType type) {
    for (const auto& d : kDtypes) {
        if (d.type == type) return d.name;
    }
    throw Error(std::string("dtype ") + c10::toString(type) + " cannot be stored in safetensors");
}

SafetensorsHeader parseSafetensorsHeader(const std::uint8_t* data, std::size_t size,
                                         const std::string& sourceName) {
    checkMinimumSize(size, sourceName);
    const Layout layout = checkLayout(size, data, sourceName);
    return parseHeaderBytes(data + 8, layout.headerBytes, layout.dataBytes, sourceName);
}

SafetensorsContents parseSafetensors(const std::uint8_t* data, std::size_t size,
                                     const std::string& sourceName) {
    SafetensorsHeader header = parseSafetensorsHeader(data, size, sourceName);
    const std::uint8_t* buffer = data + 8 + header.headerBytes;

    SafetensorsContents contents;
    contents.metadata = std::move(header.metadata);
    for (const auto& entry : header.entries) {
        const DtypeInfo* dtype = findDtype(entry.dtype);
        const std::uint8_t* src = buffer + entry.dataBegin;
        const std::uint64_t bytes = entry.dataEnd - entry.dataBegin;
        if (dtype->type == torch::kBool) {
            // Any byte other than 0 or 1 in a bool tensor is undefined behaviour once read as bool.
            for (std::uint64_t i = 0; i < bytes; ++i) {
                if (src[i] > 1) {
                    failTensor(sourceName, entry.name,
                               "BOOL element " + std::to_string(i) + " holds byte " + std::to_string(src[i]) +
                                   " (must be 0 or 1)");
                }
            }
        }
        torch::Tensor tensor = torch::empty(entry.shape, torch::TensorOptions().dtype(dtype->type));
        if (bytes > 0) std::memcpy(tensor.data_ptr(), src, bytes);
        contents.tensors.emplace(entry.name, std::move(tensor));
    }
    return contents;
}

SafetensorsContents readSafetensors(const std::filesystem::path& path) {
    const MappedFile file(path);
    return parseSafetensors(file.data(), file.size(), path.string());
}

SafetensorsHeader readSafetensorsHeader(const std::filesystem::path& path) {
    const std::string source = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(source + ": cannot open: " + std::strerror(errno));
    std::error_code ec;
    const std::uint64_t fileBytes = fs::file_size(path, ec);
    if (ec) throw Error(source + ": cannot read the file size: " + ec.message());
    checkMinimumSize(fileBytes, source);
    std::uint8_t prefix[8] = {};
    in.read(reinterpret_cast<char*>(prefix), 8);
    const Layout layout = checkLayout(fileBytes, prefix, source);
    std::vector<std::uint8_t> header(static_cast<std::size_t>(layout.headerBytes));
    in.read(reinterpret_cast<char*>(header.data()), static_cast<std::streamsize>(header.size()));
    if (!in) throw Error(source + ": could not read the " + std::to_string(header.size()) + "-byte header");
    return parseHeaderBytes(header.data(), layout.headerBytes, layout.dataBytes, source);
}

std::vector<std::uint8_t> serializeSafetensors(const StateDict& tensors,
                                               const SafetensorsMetadata& metadata) {
    const WritePlan plan = planWrite(tensors, metadata);
    std::vector<std::uint8_t> out(8 + plan.header.size() + plan.dataBytes);
    appendLittleEndian64(plan.header.size(), out.data());
    std::memcpy(out.data() + 8, plan.header.data(), plan.header.size());
    std::uint8_t* cursor = out.data() + 8 + plan.header.size();
    for (const auto& t : plan.tensors) {
        if (t.bytes > 0) std::memcpy(cursor, t.tensor.data_ptr(), t.bytes);
        cursor += t.bytes;
    }
    return out;
}

void writeSafetensors(const std::filesystem::path& path, const StateDict& tensors,
                      const SafetensorsMetadata& metadata) {
    const WritePlan plan = planWrite(tensors, metadata);
    util::commitFileAtomically(path, [&](const fs::path& partial) {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        if (!out) throw Error(partial.string() + ": cannot create: " + std::strerror(errno));
        std::uint8_t prefix[8] = {};
        appendLittleEndian64(plan.header.size(), prefix);
        out.write(reinterpret_cast<const char*>(prefix), 8);
        out.write(plan.header.data(), static_cast<std::streamsize>(plan.header.size()));
        for (const auto& t : plan.tensors) {
            out.write(static_cast<const char*>(t.tensor.data_ptr()), static_cast<std::streamsize>(t.bytes));
        }
        out.close();
        if (!out) throw Error(path.string() + ": write failed (disk full?)");
    });
}

}  // namespace genra::model
