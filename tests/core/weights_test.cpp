// Checkpoint formats: safetensors read/write (by the spec, hostile input, mutation fuzzing),
// torch.save and TorchScript files written by Python, Hugging Face <-> OpenAI names, the project's
// own safetensors + JSON pair, and format detection.
#include "core/model/weights.h"

#include <caffe2/serialize/inline_container.h>
#include <catch2/catch.hpp>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>

#include "core/model/clip.h"
#include "core/model/clip_config.h"
#include "core/model/safetensors.h"
#include "core/model/torch_pickle.h"
#include "core/model/zip_directory.h"
#include "core/util/error.h"
#include "support/test_support.h"

using namespace genra;
using namespace genra::model;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

// One tensor of every supported dtype, plus the shapes that trip naive implementations.
StateDict everyDtype() {
    StateDict sd;
    const auto values = torch::arange(-6, 6, torch::kDouble).reshape({3, 4}) * 1.25;
    sd["f64"] = values.clone();
    sd["f32"] = values.to(torch::kFloat);
    sd["f16"] = values.to(torch::kHalf);
    sd["bf16"] = values.to(torch::kBFloat16);
    sd["i64"] = torch::arange(-3, 3, torch::kLong) * static_cast<std::int64_t>(1000000000000);
    sd["i32"] = torch::arange(-3, 3, torch::kInt) * 100000;
    sd["i16"] = torch::arange(-3, 3, torch::kShort) * 1000;
    sd["i8"] = torch::arange(-3, 3, torch::kChar);
    sd["u8"] = torch::arange(250, 256, torch::kInt).to(torch::kByte);
    sd["bool"] = torch::tensor({true, false, true});
    sd["empty"] = torch::empty({0, 5});
    sd["scalar"] = torch::tensor(2.5f);
    return sd;
}

bool sameStateDict(const StateDict& a, const StateDict& b) {
    if (a.size() != b.size()) return false;
    for (const auto& [name, t] : a) {
        const auto it = b.find(name);
        if (it == b.end()) return false;
        const auto& u = it->second;
        if (t.scalar_type() != u.scalar_type() || t.sizes() != u.sizes() || !torch::equal(t, u)) return false;
    }
    return true;
}

std::vector<std::uint8_t> fileImage(const std::string& header, const std::vector<std::uint8_t>& data) {
    std::string image;
    const std::uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) image.push_back(static_cast<char>(n >> (8 * i)));
    image += header;
    image.append(data.begin(), data.end());
    return {image.begin(), image.end()};
}

SafetensorsContents parseImage(const std::vector<std::uint8_t>& bytes) {
    return parseSafetensors(bytes.data(), bytes.size(), "bad.safetensors");
}

// The message of the genra::Error `fn` throws (fails the test if it throws anything else).
template <typename F>
std::string errorOf(F&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    FAIL("no genra::Error was thrown");
    return {};
}

// Pickle bytes in the layout torch.save() writes (protocol 2), spelled out opcode by opcode.
class PickleBuilder {
public:
    PickleBuilder& op(std::initializer_list<int> bytes) {
        for (const int b : bytes) out_.push_back(static_cast<char>(b));
        return *this;
    }
    PickleBuilder& global(const std::string& module, const std::string& name) {
        out_ += "c" + module + "\n" + name + "\n";
        return *this;
    }
    PickleBuilder& str(const std::string& s) {
        op({'X'});
        for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>(s.size() >> (8 * i)));
        out_ += s;
        return *this;
    }
    PickleBuilder& int1(int v) { return op({'K', v}); }
    // _rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', numel), offset, size, stride, False,
    // OrderedDict())
    PickleBuilder& tensor(const std::string& key, int numel, int offset, std::vector<int> size,
                          std::vector<int> stride) {
        global("torch._utils", "_rebuild_tensor_v2")
            .op({'(', '('})
            .str("storage")
            .global("torch", "FloatStorage");
        str(key).str("cpu").int1(numel).op({'t', 'Q'}).int1(offset);
        op({'('});
        for (const int s : size) int1(s);
        op({'t', '('});
        for (const int s : stride) int1(s);
        return op({'t', 0x89, 'h', 0, ')', 'R', 't', 'R'});
    }
    std::vector<std::uint8_t> bytes() const { return {out_.begin(), out_.end()}; }

private:
    std::string out_;
};

// {"w": storage[0:6] as 2x3, "t": elements 1 and 4 of the same storage}, as an OrderedDict with
// the _metadata BUILD that state_dict() adds.
std::vector<std::uint8_t> tinyStateDictPickle(int viewOffset = 1) {
    PickleBuilder p;
    p.op({0x80, 2}).global("collections", "OrderedDict").op({'q', 0, ')', 'R', 'q', 1, '('});
    p.str("w").tensor("0", 6, 0, {2, 3}, {3, 1});
    p.str("t").tensor("0", 6, viewOffset, {2}, {3});
    p.op({'u', '}'}).str("_metadata").op({'}', 's', 'b', '.'});
    return p.bytes();
}

torch::Tensor arangeStorage(const std::string& key, torch::ScalarType dtype, std::int64_t numel) {
    if (numel > (1 << 20)) throw Error("storage '" + key + "' too large for the test");
    return torch::arange(numel, torch::kDouble).to(dtype);
}

std::string pythonScript() {
    return std::string(GENRA_TEST_SOURCE_DIR) + "/tests/core/data/make_weights.py";
}

void runPython(const std::vector<std::string>& args) {
    std::vector<std::string> argv{test::pythonExecutable().string(), pythonScript()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = test::runProcess(argv);
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
}

nlohmann::json pythonSummary(const fs::path& file) {
    const auto r =
        test::runProcess({test::pythonExecutable().string(), pythonScript(), "check", file.string()});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    return nlohmann::json::parse(r.out);
}

// Python fixtures, generated once per process (each run imports torch, which takes seconds).
const fs::path& pythonFixtures(const std::string& mode) {
    static std::map<std::string, std::unique_ptr<test::TempDir>> dirs;
    auto& dir = dirs[mode];
    if (!dir) {
        dir = std::make_unique<test::TempDir>("genra-weights-" + mode);
        runPython({mode, dir->path().string()});
    }
    return dir->path();
}

}  // namespace

TEST_CASE("safetensors round trip keeps every dtype, metadata, empty and scalar tensors", "[weights]") {
    test::TempDir tmp;
    const StateDict sd = everyDtype();
    const SafetensorsMetadata meta{{"format", "pt"}, {"note", "ünïcode ok"}};
    const fs::path file = tmp / "all.safetensors";
    writeSafetensors(file, sd, meta);

    const auto back = readSafetensors(file);
    CHECK(sameStateDict(sd, back.tensors));
    CHECK(back.metadata == meta);
    CHECK(back.tensors.at("scalar").dim() == 0);
    CHECK(back.tensors.at("empty").sizes() == torch::IntArrayRef({0, 5}));

    SECTION("the file holds exactly serializeSafetensors' bytes, header padded with spaces to 8") {
        const auto bytes = serializeSafetensors(sd, meta);
        const std::string onDisk = test::readFile(file);
        REQUIRE(onDisk.size() == bytes.size());
        CHECK(std::memcmp(onDisk.data(), bytes.data(), bytes.size()) == 0);
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<std::size_t>(i)];
        CHECK((8 + n) % 8 == 0);
        CHECK(bytes[8] == '{');
        const std::string header(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
        CHECK(header.find_last_not_of(' ') == header.rfind('}'));
    }
    SECTION("tensors are laid out in name order") {
        const auto header = readSafetensorsHeader(file);
        std::uint64_t offset = 0;
        for (const auto& e : header.entries) {  // entries are sorted by name
            CHECK(e.dataBegin == offset);
            offset = e.dataEnd;
        }
        CHECK(header.metadata == meta);
    }
    SECTION("non-contiguous tensors are written as their logical values") {
        const auto base = torch::arange(12, torch::kFloat).reshape({3, 4});
        StateDict strided{{"t", base.t()}, {"s", base.index({torch::indexing::Slice(), 1})}};
        writeSafetensors(tmp / "strided.safetensors", strided);
        const auto r = readSafetensors(tmp / "strided.safetensors").tensors;
        CHECK(torch::equal(r.at("t"), base.t()));
        CHECK(torch::equal(r.at("s"), base.index({torch::indexing::Slice(), 1})));
    }
    SECTION("unsupported dtypes and reserved names are refused on write") {
        CHECK_THAT(errorOf([&] {
                       serializeSafetensors({{"c", torch::zeros({2}, torch::kComplexFloat)}});
                   }),
                   Contains("'c'"));
        CHECK_THAT(errorOf([&] {
                       serializeSafetensors({{"__metadata__", torch::zeros({2})}});
                   }),
                   Contains("__metadata__"));
    }
    SECTION("an independent Python reader sees the same tensors") {
        if (!test::pythonOrSkip("torch")) return;
        const auto summary = pythonSummary(file);
        CHECK(summary["metadata"]["note"] == "ünïcode ok");
        for (const auto& [name, t] : sd) {
            const auto& s = summary["tensors"][name];
            INFO(name);
            CHECK(s["dtype"] == safetensorsDtypeName(t.scalar_type()));
            CHECK(s["shape"].get<std::vector<std::int64_t>>() == t.sizes().vec());
            CHECK(s["sum"].get<double>() == Approx(t.to(torch::kDouble).sum().item<double>()));
        }
    }
}

TEST_CASE("safetensors bytes built by hand from the spec parse", "[weights]") {
    // Two tensors deliberately stored out of name order, with metadata, as the spec allows.
    const std::string header =
        R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
        R"("__metadata__":{"k":"v"},"a":{"dtype":"I16","shape":[1,2],"data_offsets":[8,12]}}  )";
    std::vector<std::uint8_t> data(12);
    const float floats[2] = {1.5f, -2.0f};
    const std::int16_t shorts[2] = {3, -4};
    std::memcpy(data.data(), floats, 8);
    std::memcpy(data.data() + 8, shorts, 4);
    const auto parsed = parseImage(fileImage(header, data));
    REQUIRE(parsed.tensors.size() == 2);
    CHECK(parsed.metadata == SafetensorsMetadata{{"k", "v"}});
    CHECK(torch::equal(parsed.tensors.at("b"), torch::tensor({1.5f, -2.0f})));
    CHECK(torch::equal(parsed.tensors.at("a"), torch::tensor({3, -4}, torch::kShort).reshape({1, 2})));

    // And the writer's bytes for a tiny dict, spelled out.
    const auto bytes = serializeSafetensors({{"x", torch::tensor({1.0f})}}, {{"format", "pt"}});
    const std::string expectedHeader =
        R"({"__metadata__":{"format":"pt"},"x":{"data_offsets":[0,4],"dtype":"F32","shape":[1]}})";
    const std::string padded = expectedHeader + std::string((8 - expectedHeader.size() % 8) % 8, ' ');
    const float one = 1.0f;
    std::vector<std::uint8_t> oneBytes(4);
    std::memcpy(oneBytes.data(), &one, 4);
    CHECK(bytes == fileImage(padded, oneBytes));
}

TEST_CASE("malformed safetensors are rejected naming the file and tensor", "[weights]") {
    const std::vector<std::uint8_t> eight(8, 0);
    auto entry = [](const std::string& name, const std::string& dtype, const std::string& shape,
                    std::uint64_t b, std::uint64_t e) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" +
               std::to_string(b) + "," + std::to_string(e) + "]}";
    };
    auto rejected = [&](const std::string& header, const std::vector<std::uint8_t>& data) {
        const std::string message = errorOf([&] { parseImage(fileImage(header, data)); });
        CHECK_THAT(message, Contains("bad.safetensors"));
        return message;
    };

    SECTION("too short for the length prefix") {
        const std::vector<std::uint8_t> tiny{1, 2, 3};
        CHECK_THAT(errorOf([&] { parseImage(tiny); }), Contains("bad.safetensors") && Contains("too short"));
    }
    SECTION("header length larger than the file") {
        auto bytes = fileImage("{}", {});
        bytes[0] = 200;
        CHECK_THAT(errorOf([&] { parseImage(bytes); }), Contains("larger than"));
        bytes[7] = 0xff;  // also beyond the 100 MB cap
        CHECK_THAT(errorOf([&] { parseImage(bytes); }), Contains("100 MB"));
    }
    SECTION("header that is not JSON, or not an object") {
        CHECK_THAT(rejected("{\"a\":", {}), Contains("not valid JSON"));
        CHECK_THAT(rejected("[1,2]", {}), Contains("'{'"));
        CHECK_THAT(rejected("{\"a\":[[[[1]]]]}", {}), Contains("nested"));
        CHECK_THAT(rejected("{\"a\":\"\xff\"}", {}), Contains("not valid JSON"));
    }
    SECTION("offsets outside the data buffer") {
        CHECK_THAT(rejected("{" + entry("w", "F32", "[2]", 0, 8) + "}", {0, 0, 0, 0}),
                   Contains("'w'") && Contains("reach past"));
    }
    SECTION("end before begin") {
        CHECK_THAT(rejected("{" + entry("w", "F32", "[1]", 8, 4) + "}", eight),
                   Contains("'w'") && Contains("end before"));
    }
    SECTION("byte size that does not match shape and dtype") {
        CHECK_THAT(rejected("{" + entry("w", "F32", "[3]", 0, 8) + "}", eight),
                   Contains("'w'") && Contains("needs 12"));
        CHECK_THAT(rejected("{" + entry("w", "F64", "[4294967296,4294967296]", 0, 8) + "}", eight),
                   Contains("'w'") && Contains("too large"));
        CHECK_THAT(rejected("{" + entry("w", "F64", "[2305843009213693952]", 0, 8) + "}", eight),
                   Contains("'w'") && Contains("too large"));
        // Empty, yet its strides would overflow int64 inside LibTorch.
        CHECK_THAT(
            rejected("{" + entry("w", "F32", "[0,9223372036854775807,9223372036854775807]", 0, 0) + "}", {}),
            Contains("'w'") && Contains("too large"));
        CHECK_THAT(rejected("{" + entry("w", "F32", "[0,18446744073709551615]", 0, 0) + "}", {}),
                   Contains("'w'") && Contains("too large"));
    }
    SECTION("overlapping ranges, holes and trailing bytes") {
        CHECK_THAT(rejected("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[1]", 4, 8) + "}",
                            eight),
                   Contains("overlaps") && Contains("'a'") && Contains("'b'"));
        CHECK_THAT(rejected("{" + entry("a", "F32", "[1]", 4, 8) + "}", eight),
                   Contains("'a'") && Contains("hole"));
        CHECK_THAT(rejected("{" + entry("a", "F32", "[1]", 0, 4) + "}", eight), Contains("trailing"));
        CHECK_THAT(rejected("{}", eight), Contains("trailing"));
    }
    SECTION("unknown dtype") {
        CHECK_THAT(rejected("{" + entry("w", "F8_E4M3", "[8]", 0, 8) + "}", eight),
                   Contains("'w'") && Contains("F8_E4M3"));
        CHECK_THAT(rejected(R"({"w":{"dtype":7,"shape":[2],"data_offsets":[0,8]}})", eight),
                   Contains("dtype"));
    }
    SECTION("shapes and offsets that are not non-negative integers") {
        CHECK_THAT(rejected("{" + entry("w", "F32", "[2.0]", 0, 8) + "}", eight),
                   Contains("'w'") && Contains("shape"));
        CHECK_THAT(rejected("{" + entry("w", "F32", "[-2]", 0, 8) + "}", eight),
                   Contains("'w'") && Contains("shape"));
        CHECK_THAT(rejected("{" + entry("w", "F32", "[\"2\"]", 0, 8) + "}", eight), Contains("'w'"));
        CHECK_THAT(rejected("{" + entry("w", "F32", "2", 0, 8) + "}", eight),
                   Contains("'w'") && Contains("shape"));
        CHECK_THAT(rejected("{" + entry("w", "F32", "[1e1]", 0, 8) + "}", eight), Contains("'w'"));
        CHECK_THAT(rejected(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", eight),
                   Contains("'w'") && Contains("data_offsets"));
        CHECK_THAT(rejected(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8.5]}})", eight),
                   Contains("'w'"));
        CHECK_THAT(rejected(R"({"w":[1]})", eight), Contains("'w'"));
        std::string deep = "[";
        for (int i = 0; i < 40; ++i) deep += std::string(i ? "," : "") + "1";
        CHECK_THAT(rejected("{" + entry("w", "F32", deep + "]", 0, 4) + "}", {0, 0, 0, 0}),
                   Contains("'w'") && Contains("dimensions"));
    }
    SECTION("duplicate names") {
        const std::string e = entry("w", "F32", "[1]", 0, 4);
        CHECK_THAT(rejected("{" + e + "," + e + "}", {0, 0, 0, 0}), Contains("'w'") && Contains("twice"));
        CHECK_THAT(
            rejected(R"({"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}})", {0, 0, 0, 0}),
            Contains("twice"));
    }
    SECTION("bad metadata and bool bytes") {
        CHECK_THAT(rejected(R"({"__metadata__":{"k":1}})", {}), Contains("__metadata__"));
        CHECK_THAT(rejected(R"({"__metadata__":[]})", {}), Contains("__metadata__"));
        CHECK_THAT(rejected("{" + entry("m", "BOOL", "[2]", 0, 2) + "}", {1, 2}),
                   Contains("'m'") && Contains("0 or 1"));
    }
    SECTION("files are named by their path") {
        test::TempDir tmp;
        test::writeFile(tmp / "trunc.safetensors", std::string("\x10\0\0\0\0\0\0\0{}", 10));
        CHECK_THAT(errorOf([&] { readSafetensors(tmp / "trunc.safetensors"); }),
                   Contains("trunc.safetensors") && Contains("larger than"));
        CHECK_THAT(errorOf([&] { readSafetensorsHeader(tmp / "trunc.safetensors"); }),
                   Contains("trunc.safetensors"));
        CHECK_THAT(errorOf([&] { readSafetensors(tmp / "missing.safetensors"); }),
                   Contains("missing.safetensors"));
    }
}

TEST_CASE("safetensors parser survives thousands of mutated files", "[weights]") {
    StateDict sd;
    sd["a.weight"] = torch::randn({3, 4});
    sd["b.bias"] = torch::arange(5, torch::kLong);
    sd["c.mask"] = torch::tensor({true, false, true, true});
    sd["d.half"] = torch::ones({2, 2}, torch::kHalf);
    sd["e.empty"] = torch::empty({0});
    const auto valid = serializeSafetensors(sd, {{"format", "pt"}});
    std::uint64_t headerEnd = 0;  // where the data buffer starts in the valid file
    for (int i = 7; i >= 0; --i) headerEnd = (headerEnd << 8) | valid[static_cast<std::size_t>(i)];
    headerEnd += 8;

    std::mt19937_64 rng(20240521);
    auto pick = [&](std::uint64_t bound) {
        return std::uniform_int_distribution<std::uint64_t>(0, bound - 1)(rng);
    };
    const char interesting[] = "0123456789{}[],:\"-.eE FIBUL";
    int parsed = 0;
    int rejected = 0;
    for (int iteration = 0; iteration < 6000; ++iteration) {
        std::vector<std::uint8_t> bytes = valid;
        const int mutations = 1 + static_cast<int>(pick(4));
        for (int m = 0; m < mutations; ++m) {
            switch (pick(6)) {
                case 0:  // flip a random bit anywhere
                    if (!bytes.empty()) bytes[pick(bytes.size())] ^= static_cast<std::uint8_t>(1u << pick(8));
                    break;
                case 1:  // truncate
                    bytes.resize(pick(bytes.size() + 1));
                    break;
                case 2:  // overwrite a header character with one that matters to JSON or the schema
                    if (bytes.size() > 8) {
                        const auto at = 8 + pick(std::min<std::uint64_t>(headerEnd, bytes.size()) - 8);
                        bytes[at] = static_cast<std::uint8_t>(interesting[pick(sizeof(interesting) - 1)]);
                    }
                    break;
                case 3:  // change the declared header length
                    if (bytes.size() >= 8) bytes[pick(8)] = static_cast<std::uint8_t>(pick(256));
                    break;
                case 4:  // insert or delete a header byte (shifts everything after it)
                    if (bytes.size() > 8) {
                        const auto at = 8 + pick(std::min<std::uint64_t>(headerEnd, bytes.size()) - 8);
                        if (pick(2)) {
                            bytes.insert(
                                bytes.begin() + static_cast<std::ptrdiff_t>(at),
                                static_cast<std::uint8_t>(interesting[pick(sizeof(interesting) - 1)]));
                        } else {
                            bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at));
                        }
                    }
                    break;
                default:  // append junk
                    for (auto n = pick(16); n > 0; --n) bytes.push_back(static_cast<std::uint8_t>(pick(256)));
                    break;
            }
        }
        try {
            const auto result = parseSafetensors(bytes.data(), bytes.size(), "mutant.safetensors");
            for (const auto& [name, t] : result.tensors) (void)t.sum();  // the tensors must be usable
            ++parsed;
        } catch (const Error& e) {
            ++rejected;
            const std::string message = e.what();
            if (message.find("mutant.safetensors") == std::string::npos)
                FAIL("error without the file name: " << message);
        } catch (const std::exception& e) {
            FAIL("iteration " << iteration << ": non-genra exception: " << e.what());
        }
    }
    INFO("parsed " << parsed << ", rejected " << rejected);
    CHECK(parsed + rejected == 6000);
    CHECK(rejected > 1000);  // the mutations do reach the checks
}

TEST_CASE("the restricted torch.save unpickler rebuilds OrderedDict state dicts", "[weights]") {
    const auto pickle = tinyStateDictPickle();
    const StateDict sd = unpickleStateDict(pickle.data(), pickle.size(), arangeStorage, "tiny.pt");
    REQUIRE(sd.size() == 2);
    CHECK(torch::equal(sd.at("w"), torch::arange(6, torch::kFloat).reshape({2, 3})));
    CHECK(torch::equal(sd.at("t"), torch::tensor({1.0f, 4.0f})));

    SECTION("a view reaching past its storage is refused") {
        const auto bad = tinyStateDictPickle(5);
        CHECK_THAT(errorOf([&] { unpickleStateDict(bad.data(), bad.size(), arangeStorage, "tiny.pt"); }),
                   Contains("tiny.pt") && Contains("storage"));
    }
    SECTION("code is never run: unknown callables become inert objects") {
        PickleBuilder p;
        p.op({0x80, 2}).global("os", "system").op({'('}).str("echo pwned").op({'t', 'R', '.'});
        const auto bytes = p.bytes();
        CHECK_THAT(errorOf([&] { unpickleStateDict(bytes.data(), bytes.size(), arangeStorage, "evil.pt"); }),
                   Contains("evil.pt") && Contains("os.system"));
    }
}

TEST_CASE("the torch.save unpickler survives thousands of mutated pickles", "[weights]") {
    const auto valid = tinyStateDictPickle();
    std::mt19937_64 rng(77);
    auto pick = [&](std::uint64_t bound) {
        return std::uniform_int_distribution<std::uint64_t>(0, bound - 1)(rng);
    };
    const std::uint8_t opcodes[] = {'(',  ')',  '.',  '0',  '1',  '2',  'N',  'K',  'M',  'J',  'X',  'q',
                                    'h',  'R',  'b',  'u',  's',  'a',  'e',  't',  ']',  '}',  'Q',  'c',
                                    0x80, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x93, 0x94, 0x95, 0xff};
    int parsed = 0;
    int rejected = 0;
    for (int iteration = 0; iteration < 5000; ++iteration) {
        std::vector<std::uint8_t> bytes = valid;
        for (int m = 1 + static_cast<int>(pick(3)); m > 0 && !bytes.empty(); --m) {
            const auto at = pick(bytes.size());
            switch (pick(4)) {
                case 0:
                    bytes[at] ^= static_cast<std::uint8_t>(1u << pick(8));
                    break;
                case 1:
                    bytes[at] = opcodes[pick(sizeof opcodes)];
                    break;
                case 2:
                    bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at));
                    break;
                default:
                    bytes.resize(at);
                    break;
            }
        }
        try {
            const auto sd = unpickleStateDict(bytes.data(), bytes.size(), arangeStorage, "mutant.pt");
            for (const auto& item : sd) (void)item.second.sum();
            ++parsed;
        } catch (const Error& e) {
            ++rejected;
            if (std::string(e.what()).find("mutant.pt") == std::string::npos)
                FAIL("error without the file name: " << e.what());
        } catch (const std::exception& e) {
            FAIL("iteration " << iteration << ": non-genra exception: " << e.what());
        }
    }
    INFO("parsed " << parsed << ", rejected " << rejected);
    CHECK(rejected > 1000);
}

TEST_CASE("torch.save state dicts written by Python load", "[weights]") {
    if (!test::pythonOrSkip("torch")) return;
    const fs::path tmp = pythonFixtures("torchsave");
    const StateDict expected = readSafetensors(tmp / "expected.safetensors").tensors;
    REQUIRE(expected.count("transformer.resblocks.1.attn.in_proj_weight") == 1);

    SECTION("a plain state dict (an OrderedDict with _metadata)") {
        CHECK(sameStateDict(loadTorchSave(tmp / "plain.pt"), expected));
        const auto loaded = loadWeights(tmp / "plain.pt");
        CHECK(loaded.format == WeightsFormat::TorchSave);
        CHECK(sameStateDict(loaded.stateDict, expected));
    }
    SECTION("wrapped as {\"state_dict\": ...} with other entries beside it") {
        std::vector<std::string> notes;
        CHECK(sameStateDict(loadTorchSave(tmp / "wrapped.pt", &notes), expected));
        CHECK(notes.size() == 1);
    }
    SECTION("keys prefixed \"module.\"") {
        const auto loaded = loadWeights(tmp / "module.bin");
        CHECK(sameStateDict(loaded.stateDict, expected));
        REQUIRE(!loaded.notes.empty());
        CHECK_THAT(loaded.notes.front(), Contains("module."));
    }
    SECTION("half and bfloat16 weights stay as stored") {
        for (const auto& [file, dtype] :
             {std::pair{"fp16.pt", torch::kHalf}, std::pair{"bf16.pt", torch::kBFloat16}}) {
            StateDict converted;
            for (const auto& [k, v] : expected) converted[k] = v.is_floating_point() ? v.to(dtype) : v;
            CHECK(sameStateDict(loadWeights(tmp / file).stateDict, converted));
        }
    }
    SECTION("what cannot be read is refused clearly") {
        CHECK_THAT(errorOf([&] { loadWeights(tmp / "legacy.pt"); }),
                   Contains("legacy.pt") && Contains("legacy"));
        CHECK_THAT(errorOf([&] { loadWeights(tmp / "mixed.pt"); }), Contains("mixed.pt") && Contains("'b'"));
        CHECK_THAT(errorOf([&] { loadWeights(tmp / "whole_model.pt"); }), Contains("whole_model.pt"));
    }
}

TEST_CASE("TorchScript archives written by Python load", "[weights]") {
    if (!test::pythonOrSkip("torch")) return;
    const fs::path tmp = pythonFixtures("torchscript");
    const StateDict expected = readSafetensors(tmp / "expected.safetensors").tensors;
    REQUIRE(expected.count("visual.attn_mask") == 1);  // buffers come along with parameters

    const auto loaded = loadWeights(tmp / "openai.pt");
    CHECK(loaded.format == WeightsFormat::TorchScript);
    CHECK(sameStateDict(loaded.stateDict, expected));
    CHECK(loaded.stateDict.count("input_resolution") == 0);
    CHECK(loaded.stateDict.count("context_length") == 0);
    CHECK(loaded.stateDict.count("vocab_size") == 0);
    CHECK(loaded.notes.size() == 3);

    const auto half = loadWeights(tmp / "openai_fp16.pt");
    CHECK(half.stateDict.at("visual.conv1.weight").scalar_type() == torch::kHalf);
    CHECK(torch::equal(half.stateDict.at("visual.conv1.weight"),
                       expected.at("visual.conv1.weight").to(torch::kHalf)));

    CHECK_THAT(errorOf([&] { loadTorchScript(tmp / "expected.safetensors"); }),
               Contains("expected.safetensors"));
}

TEST_CASE("Hugging Face CLIP names translate to OpenAI names and back", "[weights]") {
    const std::int64_t width = 8;
    const std::int64_t embed = 4;
    StateDict hf;
    auto r = [](std::initializer_list<std::int64_t> shape) { return torch::randn(shape); };
    hf["vision_model.embeddings.class_embedding"] = r({width});
    hf["vision_model.embeddings.patch_embedding.weight"] = r({width, 3, 4, 4});
    hf["vision_model.embeddings.position_embedding.weight"] = r({5, width});
    hf["vision_model.embeddings.position_ids"] = torch::arange(5).unsqueeze(0);
    hf["vision_model.pre_layrnorm.weight"] = r({width});
    hf["vision_model.pre_layrnorm.bias"] = r({width});
    hf["vision_model.post_layernorm.weight"] = r({width});
    hf["vision_model.post_layernorm.bias"] = r({width});
    hf["visual_projection.weight"] = r({embed, width});
    hf["text_model.embeddings.token_embedding.weight"] = r({10, width});
    hf["text_model.embeddings.position_embedding.weight"] = r({7, width});
    hf["text_model.embeddings.position_ids"] = torch::arange(7).unsqueeze(0);
    hf["text_model.final_layer_norm.weight"] = r({width});
    hf["text_model.final_layer_norm.bias"] = r({width});
    hf["text_projection.weight"] = r({embed, width});
    hf["logit_scale"] = torch::tensor(2.6592f);
    for (const std::string tower : {"vision_model", "text_model"}) {
        for (int layer = 0; layer < (tower == "vision_model" ? 2 : 1); ++layer) {
            const std::string p = tower + ".encoder.layers." + std::to_string(layer) + ".";
            for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                hf[p + "self_attn." + proj + ".weight"] = r({width, width});
                hf[p + "self_attn." + proj + ".bias"] = r({width});
            }
            for (const char* ln : {"layer_norm1", "layer_norm2"}) {
                hf[p + ln + ".weight"] = r({width});
                hf[p + ln + ".bias"] = r({width});
            }
            hf[p + "mlp.fc1.weight"] = r({4 * width, width});
            hf[p + "mlp.fc1.bias"] = r({4 * width});
            hf[p + "mlp.fc2.weight"] = r({width, 4 * width});
            hf[p + "mlp.fc2.bias"] = r({width});
        }
    }
    CHECK(detectClipNaming(hf) == ClipNaming::HuggingFace);

    std::vector<std::string> notes;
    const StateDict oa = hfToOpenAi(hf, &notes);
    CHECK(detectClipNaming(oa) == ClipNaming::OpenAi);
    // No position_ids; in each of the 3 layers 6 q/k/v tensors become 2 in_proj tensors.
    CHECK(oa.size() == hf.size() - 2 - 3 * 4);
    CHECK(notes.size() == 2);  // the two dropped position_ids
    CHECK(
        torch::equal(oa.at("visual.conv1.weight"), hf.at("vision_model.embeddings.patch_embedding.weight")));
    CHECK(torch::equal(oa.at("visual.class_embedding"), hf.at("vision_model.embeddings.class_embedding")));
    CHECK(torch::equal(oa.at("visual.positional_embedding"),
                       hf.at("vision_model.embeddings.position_embedding.weight")));
    CHECK(torch::equal(oa.at("visual.ln_pre.bias"), hf.at("vision_model.pre_layrnorm.bias")));
    CHECK(torch::equal(oa.at("visual.ln_post.weight"), hf.at("vision_model.post_layernorm.weight")));
    CHECK(torch::equal(oa.at("visual.proj"), hf.at("visual_projection.weight").t()));
    CHECK(oa.at("visual.proj").sizes() == torch::IntArrayRef({width, embed}));
    CHECK(torch::equal(oa.at("text_projection"), hf.at("text_projection.weight").t()));
    CHECK(
        torch::equal(oa.at("token_embedding.weight"), hf.at("text_model.embeddings.token_embedding.weight")));
    CHECK(torch::equal(oa.at("positional_embedding"),
                       hf.at("text_model.embeddings.position_embedding.weight")));
    CHECK(torch::equal(oa.at("ln_final.weight"), hf.at("text_model.final_layer_norm.weight")));
    CHECK(torch::equal(oa.at("logit_scale"), hf.at("logit_scale")));
    const std::string v1 = "vision_model.encoder.layers.1.";
    CHECK(
        torch::equal(oa.at("visual.transformer.resblocks.1.attn.in_proj_weight"),
                     torch::cat({hf.at(v1 + "self_attn.q_proj.weight"), hf.at(v1 + "self_attn.k_proj.weight"),
                                 hf.at(v1 + "self_attn.v_proj.weight")})));
    CHECK(torch::equal(oa.at("visual.transformer.resblocks.1.attn.in_proj_bias"),
                       torch::cat({hf.at(v1 + "self_attn.q_proj.bias"), hf.at(v1 + "self_attn.k_proj.bias"),
                                   hf.at(v1 + "self_attn.v_proj.bias")})));
    CHECK(torch::equal(oa.at("visual.transformer.resblocks.1.attn.out_proj.weight"),
                       hf.at(v1 + "self_attn.out_proj.weight")));
    CHECK(torch::equal(oa.at("visual.transformer.resblocks.1.ln_2.bias"), hf.at(v1 + "layer_norm2.bias")));
    CHECK(
        torch::equal(oa.at("visual.transformer.resblocks.1.mlp.c_fc.weight"), hf.at(v1 + "mlp.fc1.weight")));
    CHECK(torch::equal(oa.at("visual.transformer.resblocks.1.mlp.c_proj.bias"), hf.at(v1 + "mlp.fc2.bias")));
    CHECK(torch::equal(oa.at("transformer.resblocks.0.ln_1.weight"),
                       hf.at("text_model.encoder.layers.0.layer_norm1.weight")));
    CHECK(oa.count("transformer.resblocks.0.attn.in_proj_weight") == 1);

    SECTION("the inverse restores the Hugging Face dict, less position_ids") {
        StateDict expected = hf;
        expected.erase("vision_model.embeddings.position_ids");
        expected.erase("text_model.embeddings.position_ids");
        CHECK(sameStateDict(openAiToHf(oa), expected));
        CHECK(sameStateDict(hfToOpenAi(openAiToHf(oa)), oa));
    }
    SECTION("a missing k_proj is an error naming the layer") {
        StateDict broken = hf;
        broken.erase("text_model.encoder.layers.0.self_attn.k_proj.bias");
        CHECK_THAT(errorOf([&] { hfToOpenAi(broken); }),
                   Contains("transformer.resblocks.0.attn.in_proj_bias") && Contains("k_proj"));
    }
    SECTION("unknown keys pass through and are noted") {
        StateDict extra = hf;
        extra["vision_model.something_new"] = torch::ones({1});
        std::vector<std::string> extraNotes;
        CHECK(hfToOpenAi(extra, &extraNotes).count("vision_model.something_new") == 1);
        CHECK_THAT(extraNotes.back(), Contains("something_new"));
    }
    SECTION("loadWeights translates a Hugging Face safetensors file, half precision kept") {
        test::TempDir tmp;
        StateDict halfHf;
        for (const auto& [k, v] : hf) halfHf[k] = v.is_floating_point() ? v.to(torch::kHalf) : v;
        writeSafetensors(tmp / "model.safetensors", halfHf, {{"format", "pt"}});
        test::writeFile(tmp / "config.json", R"({"model_type": "clip"})");
        for (const fs::path& p : {tmp / "model.safetensors", tmp.path()}) {
            const auto loaded = loadWeights(p);
            CHECK(loaded.format == WeightsFormat::Safetensors);
            CHECK(loaded.sourceNaming == ClipNaming::HuggingFace);
            CHECK(loaded.metadata.at("format") == "pt");
            CHECK(loaded.stateDict.size() == oa.size());
            CHECK(loaded.stateDict.at("visual.proj").scalar_type() == torch::kHalf);
            CHECK(torch::equal(loaded.stateDict.at("visual.proj"), oa.at("visual.proj").to(torch::kHalf)));
        }
        CHECK(loadWeights(tmp.path()).config["model_type"] == "clip");
    }
}

TEST_CASE("the project's own safetensors + JSON pair round-trips", "[weights]") {
    test::TempDir tmp;
    const StateDict sd = everyDtype();
    const nlohmann::json config{{"model", "ViT-B-32"}, {"provenance", {{"from", "openai"}, {"step", 12}}}};
    saveModelFiles(tmp / "tiny", sd, config);
    CHECK(fs::exists(tmp / "tiny.safetensors"));
    CHECK(fs::exists(tmp / "tiny.json"));
    CHECK_FALSE(fs::exists(tmp / "tiny.safetensors.partial"));

    for (const char* name : {"tiny", "tiny.safetensors", "tiny.json"}) {
        INFO(name);
        const auto files = loadModelFiles(tmp / name);
        CHECK(sameStateDict(files.stateDict, sd));
        CHECK(files.config == config);
        const auto loaded = loadWeights(tmp / name);
        CHECK(loaded.format == WeightsFormat::GenraModel);
        CHECK(loaded.config == config);
        CHECK(sameStateDict(loaded.stateDict, sd));
    }
    // The weights are plain safetensors, readable without the config.
    CHECK(readSafetensors(tmp / "tiny.safetensors").metadata.at("format") == "pt");

    SECTION("a folder holds model.safetensors + model.json") {
        fs::create_directories(tmp / "folder");
        saveModelFiles(tmp / "folder", sd, config);
        CHECK(fs::exists(tmp / "folder" / "model.safetensors"));
        CHECK(loadWeights(tmp / "folder").format == WeightsFormat::GenraModel);
        CHECK(loadModelFiles(tmp / "folder").config == config);
    }
    SECTION("a missing half is named") {
        fs::remove(tmp / "tiny.json");
        CHECK_THAT(errorOf([&] { loadModelFiles(tmp / "tiny"); }), Contains("tiny.json"));
        CHECK(loadWeights(tmp / "tiny.safetensors").format == WeightsFormat::Safetensors);
    }
    SECTION("the weights open in Python") {
        if (!test::pythonOrSkip("torch")) return;
        CHECK(pythonSummary(tmp / "tiny.safetensors")["tensors"].size() == sd.size());
    }
}

TEST_CASE("loadWeights detects the format and explains failures", "[weights]") {
    test::TempDir tmp;
    StateDict sd{{"visual.conv1.weight", torch::ones({2, 3})}, {"logit_scale", torch::tensor(1.0f)}};
    writeSafetensors(tmp / "plain.safetensors", sd);
    CHECK(detectWeightsFormat(tmp / "plain.safetensors") == WeightsFormat::Safetensors);
    const auto loaded = loadWeights(tmp / "plain.safetensors");
    CHECK(loaded.format == WeightsFormat::Safetensors);
    CHECK(loaded.sourceNaming == ClipNaming::OpenAi);
    CHECK(loaded.config.is_null());
    CHECK(sameStateDict(loaded.stateDict, sd));

    // The extension does not decide: safetensors named .bin is still safetensors.
    fs::copy_file(tmp / "plain.safetensors", tmp / "odd.bin");
    CHECK(loadWeights(tmp / "odd.bin").format == WeightsFormat::Safetensors);

    test::writeFile(tmp / "garbage.pt", "this is not a checkpoint at all");
    CHECK_THAT(errorOf([&] { loadWeights(tmp / "garbage.pt"); }),
               Contains("garbage.pt") && Contains("expected"));
    CHECK_THAT(errorOf([&] { loadWeights(tmp / "absent.pt"); }), Contains("absent.pt"));
    CHECK_THAT(errorOf([&] { loadWeights(tmp / "garbage.pt", WeightsFormat::Safetensors); }),
               Contains("garbage.pt") && Contains("safetensors"));
    CHECK_THAT(errorOf([&] { loadWeights(tmp / "plain.safetensors", WeightsFormat::TorchSave); }),
               Contains("plain.safetensors") && Contains("torch.save"));
    writeSafetensors(tmp / "empty.safetensors", {});
    CHECK_THAT(errorOf([&] { loadWeights(tmp / "empty.safetensors"); }), Contains("no tensors"));
}

TEST_CASE("loadWeights detects the Python-written formats", "[weights]") {
    if (!test::pythonOrSkip("torch")) return;
    test::TempDir tmp;
    const fs::path saved = pythonFixtures("torchsave");
    const fs::path scripted = pythonFixtures("torchscript");
    CHECK(detectWeightsFormat(saved / "plain.pt") == WeightsFormat::TorchSave);
    CHECK(detectWeightsFormat(saved / "wrapped.pt") == WeightsFormat::TorchSave);
    CHECK(detectWeightsFormat(saved / "legacy.pt") == WeightsFormat::TorchSave);
    CHECK(detectWeightsFormat(scripted / "openai.pt") == WeightsFormat::TorchScript);
    CHECK(detectWeightsFormat(saved / "expected.safetensors") == WeightsFormat::Safetensors);
    CHECK_THAT(errorOf([&] { loadWeights(scripted / "openai.pt", WeightsFormat::TorchSave); }),
               Contains("openai.pt"));
    CHECK_THAT(errorOf([&] { loadWeights(saved / "plain.pt", WeightsFormat::TorchScript); }),
               Contains("plain.pt") && Contains("TorchScript"));
    // A zip that is not a PyTorch archive.
    const auto zip =
        test::runProcess({test::pythonExecutable().string(), "-c",
                          "import zipfile,sys; zipfile.ZipFile(sys.argv[1],'w').writestr('a.txt','hi')",
                          (tmp / "other.zip").string()});
    REQUIRE(zip.exitCode == 0);
    CHECK_THAT(errorOf([&] { loadWeights(tmp / "other.zip"); }), Contains("other.zip") && Contains("zip"));
}

namespace {

void writeTorchSaveZip(const fs::path& path, const std::vector<std::uint8_t>& pickle) {
    caffe2::serialize::PyTorchStreamWriter writer(path.string());
    writer.writeRecord("data.pkl", pickle.data(), pickle.size());
    writer.writeEndOfFile();
}

void appendLittle32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

TEST_CASE("a pickled dict that contains itself is refused, not followed forever", "[weights][robustness]") {
    // {"state_dict": <itself>} through a memo reference: 21 bytes that used to recurse in
    // toStateDict until the stack overflowed (issue 22, item 1).
    PickleBuilder direct;
    direct.op({0x80, 2, '}', 'q', 0, 0x8c, 10}).op({'s', 't', 'a', 't', 'e', '_', 'd', 'i', 'c', 't'});
    direct.op({'h', 0, 's', '.'});
    const auto bytes = direct.bytes();
    CHECK(bytes.size() == 21);
    CHECK_THAT(errorOf([&] { unpickleStateDict(bytes.data(), bytes.size(), arangeStorage, "self.pt"); }),
               Contains("self.pt") && Contains("contains itself"));

    SECTION("through a second dict: A[\"state_dict\"] = B, B[\"state_dict\"] = A") {
        PickleBuilder p;
        p.op({0x80, 2, '}', 'q', 0}).str("state_dict").op({'}', 'q', 1, 's'});
        p.op({'h', 1}).str("state_dict").op({'h', 0, 's', '0', '.'});
        const auto cycle = p.bytes();
        CHECK_THAT(errorOf([&] { unpickleStateDict(cycle.data(), cycle.size(), arangeStorage, "cycle.pt"); }),
                   Contains("cycle.pt") && Contains("reference cycle"));
    }
    SECTION("a list appended to itself") {
        PickleBuilder p;
        p.op({0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.'});
        const auto list = p.bytes();
        CHECK_THAT(errorOf([&] { unpickleStateDict(list.data(), list.size(), arangeStorage, "list.pt"); }),
                   Contains("list.pt") && Contains("contains itself"));
    }
    SECTION("read from a torch.save zip, the error names the file") {
        test::TempDir tmp;
        const fs::path file = tmp / "self.pt";
        writeTorchSaveZip(file, bytes);
        CHECK_THAT(errorOf([&] { readTorchSaveStateDict(file); }), Contains(file.string()) && Contains("contains itself"));
    }
}

TEST_CASE("a pickle of 2 million nested tuples is refused before it is built", "[weights][robustness]") {
    // 2 MB of TUPLE1 opcodes: freeing the nested tuples used to overflow the stack (item 2).
    std::vector<std::uint8_t> bytes{0x80, 2, ')'};
    bytes.insert(bytes.end(), 2000000, 0x85);
    bytes.push_back('.');
    CHECK_THAT(errorOf([&] { unpickleStateDict(bytes.data(), bytes.size(), arangeStorage, "tuples.pt"); }),
               Contains("tuples.pt") && Contains("nested deeper than 1000 levels"));

    SECTION("read from a torch.save zip, the error names the file") {
        test::TempDir tmp;
        const fs::path file = tmp / "tuples.pt";
        writeTorchSaveZip(file, bytes);
        CHECK_THAT(errorOf([&] { readTorchSaveStateDict(file); }),
                   Contains(file.string()) && Contains("nested deeper than 1000 levels"));
    }
    SECTION("nesting within the limit is still read") {
        std::vector<std::uint8_t> shallow{0x80, 2, ')'};
        shallow.insert(shallow.end(), 900, 0x85);
        shallow.push_back('.');
        CHECK_THAT(errorOf([&] { unpickleStateDict(shallow.data(), shallow.size(), arangeStorage, "ok.pt"); }),
                   Contains("ok.pt") && Contains("expected a state dict"));
    }
    SECTION("a chain nested by later APPENDs, which the depth count cannot see, is freed without recursion") {
        // 200,000 empty lists memoized first, then list i gets list i+1 appended: every APPEND
        // sees a shallow child, but the result is a chain 200,000 levels deep.
        constexpr std::uint32_t n = 200000;
        std::vector<std::uint8_t> chain{0x80, 2};
        for (std::uint32_t i = 0; i < n; ++i) {
            chain.push_back(']');
            chain.push_back('r');
            appendLittle32(chain, i);
            chain.push_back('0');
        }
        for (std::uint32_t i = 0; i + 1 < n; ++i) {
            chain.push_back('j');
            appendLittle32(chain, i);
            chain.push_back('j');
            appendLittle32(chain, i + 1);
            chain.push_back('a');
            chain.push_back('0');
        }
        chain.push_back('j');
        appendLittle32(chain, 0);
        chain.push_back('.');
        CHECK_THAT(errorOf([&] { unpickleStateDict(chain.data(), chain.size(), arangeStorage, "chain.pt"); }),
                   Contains("chain.pt") && Contains("a list, expected a state dict"));
    }
}

TEST_CASE("a torch.save storage record larger than its tensor is refused before it is inflated", "[weights][hostile]") {
    test::TempDir tmp;
    const auto pickle = tinyStateDictPickle();  // storage "0": 6 floats, 24 bytes
    const fs::path path = tmp / "bomb.pt";
    {
        caffe2::serialize::PyTorchStreamWriter writer(path.string());
        writer.writeRecord("data.pkl", pickle.data(), pickle.size());
        const std::vector<std::uint8_t> big(std::size_t{3} << 20, 0);  // 3 MiB where 24 bytes belong
        writer.writeRecord("data/0", big.data(), big.size());
        writer.writeEndOfFile();
    }
    CHECK_THAT(errorOf([&] { loadTorchSave(path); }),
               Contains("bomb.pt") && Contains("data/0") && Contains("3145728") && Contains("not read"));

    SECTION("a deflated record may not inflate more than 64 times") {
        ZipDirectory directory;
        directory.firstName = "archive/data.pkl";
        directory.entries["archive/data/0"] = ZipEntry{8, 3u << 20, std::uint64_t{3} << 30};
        CHECK_THAT(errorOf([&] { checkZipRecord(directory, "bomb.pt", "data/0", std::uint64_t{3} << 30, 0); }),
                   Contains("bomb.pt") && Contains("inflate"));
        directory.entries["archive/data.pkl"] = ZipEntry{0, 1u << 30, 1u << 30};
        CHECK_THAT(errorOf([&] { checkZipRecord(directory, "bomb.pt", "data.pkl", std::nullopt, 256u << 20); }),
                   Contains("more than"));
    }
    SECTION("a well-formed archive still loads") {
        const fs::path good = tmp / "good.pt";
        {
            caffe2::serialize::PyTorchStreamWriter writer(good.string());
            writer.writeRecord("data.pkl", pickle.data(), pickle.size());
            const std::vector<float> values{0, 1, 2, 3, 4, 5};
            writer.writeRecord("data/0", values.data(), values.size() * sizeof(float));
            writer.writeEndOfFile();
        }
        const StateDict sd = loadTorchSave(good);
        CHECK(torch::equal(sd.at("w"), torch::arange(6, torch::kFloat).reshape({2, 3})));
    }
}

TEST_CASE("a checkpoint declaring a large architecture with few values is refused before allocation", "[weights][hostile]") {
    // Width 2048 and 8 blocks of empty tensors: what the file holds is a few KB, the model its
    // shapes describe would take gigabytes.
    StateDict sd;
    const std::int64_t width = 2048;
    const auto half = torch::TensorOptions().dtype(torch::kFloat16);
    sd["visual.conv1.weight"] = torch::zeros({width, 3, 1, 1}, half);
    sd["visual.positional_embedding"] = torch::zeros({50, 0});
    sd["visual.class_embedding"] = torch::zeros({0});
    for (int i = 0; i < 8; ++i) {
        sd["visual.transformer.resblocks." + std::to_string(i) + ".ln_1.weight"] = torch::zeros({0});
        sd["transformer.resblocks." + std::to_string(i) + ".ln_1.weight"] = torch::zeros({0});
    }
    sd["text_projection"] = torch::zeros({0, 512});
    sd["positional_embedding"] = torch::zeros({77, 0});
    sd["token_embedding.weight"] = torch::zeros({49408, 0});
    sd["ln_final.weight"] = torch::zeros({width}, half);
    test::TempDir tmp;
    writeSafetensors(tmp / "huge.safetensors", sd);
    CHECK(fs::file_size(tmp / "huge.safetensors") < 32000);
    CHECK_THAT(errorOf([&] { createFromStateDict(loadWeights(tmp / "huge.safetensors").stateDict); }),
               Contains("values, but the architecture it describes needs at least"));

    SECTION("caps on the architecture") {
        ClipConfig config = clipPreset("tiny");
        config.transformerLayers = 100000;
        CHECK_THAT(errorOf([&] { config.validate(); }), Contains("transformerLayers") && Contains("cap"));
        config = clipPreset("tiny");
        config.vocabSize = std::int64_t{1} << 30;
        CHECK_THAT(errorOf([&] { config.validate(); }), Contains("vocabSize"));
    }
    SECTION("a model config that promises more than its weights hold") {
        ClipConfig config = clipPreset("tiny");
        config.visionLayers = 64;
        CHECK_THAT(errorOf([&] { checkStateDictCanFill(config, exportStateDict(ClipModel(clipPreset("tiny"))), "w"); }),
                   Contains("w: ") && Contains("needs at least"));
        CHECK_NOTHROW(checkStateDictCanFill(clipPreset("tiny"), exportStateDict(ClipModel(clipPreset("tiny"))), "w"));
    }
}

TEST_CASE("a model's weights and config that are not a pair are refused", "[weights][hostile]") {
    test::TempDir tmp;
    StateDict first{{"a", torch::ones({2})}};
    StateDict second{{"a", torch::zeros({2})}};
    saveModelFiles(tmp / "m", first, nlohmann::json{{"k", 1}});
    const auto loaded = loadModelFiles(tmp / "m");
    CHECK(loaded.config == nlohmann::json{{"k", 1}});  // the tie is not part of the caller's config
    // A crash between the two commits of an overwrite: new weights, the old config.
    const std::string oldConfig = test::readFile(tmp / "m.json");
    saveModelFiles(tmp / "m", second, nlohmann::json{{"k", 2}});
    test::writeFile(tmp / "m.json", oldConfig);
    CHECK_THAT(errorOf([&] { loadModelFiles(tmp / "m"); }),
               Contains("m.json") && Contains("not a pair"));
    // No temporary files are left beside them.
    for (const auto& entry : fs::directory_iterator(tmp.path()))
        CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);
}

namespace {

// A zip laid out like a TorchScript archive (code/, constants.pkl, data.pkl, one storage record),
// written by LibTorch's own writer: every record stored, so the directory is well formed.
// `code` is code/__torch__.py, `dataPickle` data.pkl (default: an empty tuple).
fs::path writeScriptLikeArchive(const fs::path& path, const std::string& code = "class Module:\n  pass\n",
                                std::string dataPickle = {}) {
    caffe2::serialize::PyTorchStreamWriter writer(path.string());
    writer.writeRecord("code/__torch__.py", code.data(), code.size());
    const std::vector<std::uint8_t> pickle = {0x80, 0x02, ')', '.'};  // an empty tuple
    if (dataPickle.empty()) dataPickle.assign(pickle.begin(), pickle.end());
    writer.writeRecord("constants.pkl", pickle.data(), pickle.size());
    writer.writeRecord("data.pkl", dataPickle.data(), dataPickle.size());
    const std::vector<float> values(1024, 1.0f);
    writer.writeRecord("data/0", values.data(), values.size() * sizeof(float));
    writer.writeEndOfFile();
    return path;
}

// Rewrites the central directory entry of the record whose name ends in `suffix`: its method and
// its compressed and uncompressed sizes (what a hostile file may declare).
void patchDirectoryEntry(const fs::path& path, const std::string& suffix, std::uint16_t method,
                         std::uint32_t compressed, std::uint32_t uncompressed) {
    std::string bytes = test::readFile(path);
    auto put = [&](std::size_t at, std::uint64_t value, int count) {
        for (int i = 0; i < count; ++i) bytes[at + static_cast<std::size_t>(i)] = static_cast<char>(value >> (8 * i));
    };
    for (std::size_t at = bytes.find("PK\x01\x02"); at != std::string::npos; at = bytes.find("PK\x01\x02", at + 4)) {
        const std::size_t nameBytes = static_cast<std::uint8_t>(bytes[at + 28]) |
                                      static_cast<std::size_t>(static_cast<std::uint8_t>(bytes[at + 29])) << 8;
        const std::string name = bytes.substr(at + 46, nameBytes);
        if (name.size() < suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        put(at + 10, method, 2);
        put(at + 20, compressed, 4);
        put(at + 24, uncompressed, 4);
        test::writeFile(path, bytes);
        return;
    }
    FAIL("no directory entry ends in " << suffix);
}

}  // namespace

TEST_CASE("a TorchScript archive's directory is checked before LibTorch reads it", "[weights][hostile]") {
    test::TempDir tmp;
    const fs::path good = writeScriptLikeArchive(tmp / "script.pt");
    const ZipDirectory directory = readZipDirectory(good);
    CHECK(directory.fileBytes == fs::file_size(good));
    CHECK_NOTHROW(checkZipArchive(directory, "script.pt", std::uint64_t{1} << 30));
    CHECK(detectWeightsFormat(good) == WeightsFormat::TorchScript);
    // Past the directory checks: LibTorch's own loader refuses the made-up code, as a genra::Error.
    CHECK_THAT(errorOf([&] { loadTorchScript(good); }), Contains("script.pt") && Contains("TorchScript"));

    SECTION("records declaring more than the total allowed") {
        CHECK_THAT(errorOf([&] { checkZipArchive(directory, "script.pt", 4000); }),
                   Contains("script.pt") && Contains("more than 4000 bytes in all"));
    }
    SECTION("a record that would inflate 1 GiB from its few bytes") {
        const fs::path bomb = tmp / "bomb.pt";
        fs::copy_file(good, bomb);
        patchDirectoryEntry(bomb, "/data/0", 8, 4096, 1u << 30);
        for (const auto& load : std::vector<std::function<void()>>{[&] { loadTorchScript(bomb); },
                                                                    [&] { loadWeights(bomb); }}) {
            CHECK_THAT(errorOf(load), Contains("bomb.pt") && Contains("data/0") && Contains("inflate") &&
                                          Contains("not read"));
        }
    }
    SECTION("records that overlap (more compressed bytes than the file holds)") {
        const fs::path overlap = tmp / "overlap.pt";
        fs::copy_file(good, overlap);
        const auto size = static_cast<std::uint32_t>(fs::file_size(good) - 100);
        patchDirectoryEntry(overlap, "/data/0", 0, size, size);
        patchDirectoryEntry(overlap, "/data.pkl", 0, size, size);
        CHECK_THAT(errorOf([&] { loadTorchScript(overlap); }), Contains("overlap.pt") && Contains("overlap"));
    }
    SECTION("a directory listing more records than allowed, or more than fit in it") {
        // Only the zip64 end records: 200,000 entries in a directory of 46 bytes at offset 0.
        auto zip64 = [&](const fs::path& path, std::uint64_t entries, std::uint64_t directoryBytes) {
            std::string bytes(56 + 20 + 22, '\0');
            auto put = [&](std::size_t at, std::uint64_t value, int count) {
                for (int i = 0; i < count; ++i) bytes[at + static_cast<std::size_t>(i)] = static_cast<char>(value >> (8 * i));
            };
            put(0, 0x06064b50, 4);  // zip64 end of central directory
            put(4, 44, 8);
            put(24, entries, 8);
            put(32, entries, 8);
            put(40, directoryBytes, 8);
            put(48, 0, 8);
            put(56, 0x07064b50, 4);  // its locator, pointing at offset 0
            put(64, 0, 8);
            put(72, 1, 4);
            put(76, 0x06054b50, 4);  // end of central directory
            put(76 + 8, 0xffff, 2);
            put(76 + 10, 0xffff, 2);
            put(76 + 12, 0xffffffff, 4);
            put(76 + 16, 0xffffffff, 4);
            test::writeFile(path, bytes);
            return path;
        };
        CHECK_THAT(errorOf([&] { readZipDirectory(zip64(tmp / "many.pt", 200000, 46)); }),
                   Contains("many.pt") && Contains("200000 records") && Contains("100000"));
        CHECK_THAT(errorOf([&] { readZipDirectory(zip64(tmp / "tight.pt", 5000, 46)); }),
                   Contains("tight.pt") && Contains("cannot fit"));
    }
}

// fuzz/torchscript found it: one mutated byte made a LONG_BINPUT of index 1,946,372,866 in data.pkl,
// and LibTorch's unpickler, which sizes its memo table by the largest index, reserved room for it
// (std::bad_alloc; tens of GB). data.pkl is now walked by the restricted reader first.
TEST_CASE("a TorchScript pickle with a memo index past its length never reaches LibTorch", "[weights][fuzz-regression]") {
    test::TempDir tmp;
    // PROTO 2, EMPTY_DICT, LONG_BINPUT 0x7fffffff, STOP.
    const fs::path path = writeScriptLikeArchive(tmp / "memo.pt", "class Module:\n  pass\n",
                                                 std::string("\x80\x02}r\xff\xff\xff\x7f.", 8));
    CHECK_THAT(errorOf([&] { loadWeights(path); }),
               Contains("memo.pt") && Contains("data.pkl") && Contains("memo index 2147483647"));
}

// fuzz/torchscript found it: `__buffers__` mutated to `__bufferc__` in a class body made LibTorch
// 1.13's importer read the missing type annotation of a "constant" (SIGSEGV in
// ScriptTypeParser::parseClassConstant, once any TorchScript had been loaded in the process).
TEST_CASE("a TorchScript class attribute assigned without a type annotation is refused before LibTorch compiles it",
          "[weights][fuzz-regression]") {
    test::TempDir tmp;
    const fs::path path = writeScriptLikeArchive(
        tmp / "unannotated.pt",
        "class Module:\n  __parameters__ = []\n  __buffers__ = []\n  training : bool\n  scale : Final[int] = 3\n"
        "  __bufferc__ = [\"attn_mask\", ]\n  def forward(self):\n    x = 1\n    return x\n");
    CHECK_THAT(errorOf([&] { loadTorchScript(path); }),
               Contains("unannotated.pt") && Contains("code/__torch__.py") && Contains("line 6") &&
                   Contains("'__bufferc__'"));
    // Assignments inside methods, and the names torch.jit.save writes unannotated (and older
    // versions wrote: __annotations__), pass the check
    // (LibTorch then refuses this made-up module for reasons of its own, as an error).
    const fs::path fine = writeScriptLikeArchive(
        tmp / "fine.pt",
        "class Module:\n  __parameters__ = []\n  __annotations__ = []\n  __annotations__[\"0\"] = Tensor\n"
        "  def forward(self):\n    x = 1\n    return x\n");
    const std::string message = errorOf([&] { loadTorchScript(fine); });
    CHECK_THAT(message, Contains("fine.pt") && Contains("cannot load the TorchScript archive"));
    CHECK_THAT(message, !Contains("type annotation"));
}
