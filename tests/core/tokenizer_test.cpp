// CLIP tokenizer: text cleaning, pre-tokenisation, BPE ids against CLIP's, the BPE trainer.
//
// Where the expected ids come from:
// - "a photo of a cat" -> 49406 320 1125 539 320 2368 49407 is the example CLIP users know;
// - the other real-vocabulary ids were printed by tests/core/data/clip_tokenizer_reference.py, our
//   own rewrite of CLIP's SimpleTokenizer + clip.tokenize in standard-library Python (checked
//   against the `regex` module's pattern where that module was installed);
// - the tiny hand-made vocabulary's ids are worked out by hand in the comments beside them;
// - Python behaviour quoted for cleaning (html.unescape, str.lower) was observed with Python 3.11.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "core/text/bpe_trainer.h"
#include "core/text/bpe_vocab_file.h"
#include "core/text/byte_encoder.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/html_unescape.h"
#include "core/text/pre_tokenizer.h"
#include "core/text/text_clean.h"
#include "core/text/unicode.h"
#include "core/util/error.h"
#include "support/test_support.h"

using namespace genra;
using namespace genra::text;

namespace genra::text {
// For Catch's messages (and glog's container printer, which the LibTorch headers bring in).
std::ostream& operator<<(std::ostream& out, const BpeMerge& merge) {
    return out << '(' << merge.left << ", " << merge.right << ')';
}
}  // namespace genra::text

namespace {

std::vector<int> ids(std::initializer_list<int> list) {
    return std::vector<int>(list);
}

std::filesystem::path clipVocab() {
    const auto dir = test::sharedClipDir();
    if (dir.empty()) return {};
    const auto path = dir / "bpe_simple_vocab_16e6.txt.gz";
    return std::filesystem::exists(path) ? path : std::filesystem::path{};
}

// One tokenizer for the whole run: building the real vocabulary takes a moment.
const ClipTokenizer& realTokenizer() {
    static const ClipTokenizer tokenizer = ClipTokenizer::fromFile(clipVocab());
    return tokenizer;
}

std::vector<int> parseIds(const std::string& line) {
    std::vector<int> out;
    std::istringstream in(line);
    int id = 0;
    while (in >> id) out.push_back(id);
    return out;
}

std::vector<std::string> splitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

// Captions that exercise every step: punctuation, contractions, digits, accents, emoji,
// whitespace, entities, scripts with and without case, the special tokens, overlong text.
std::vector<std::string> trickyCaptions() {
    return {
        "a photo of a cat",
        "A Photo Of A Cat!!!",
        "it's a dog's life, isn't it? we're sure they'll've done",
        "IT'S LOUD. I'M HERE, YOU'D KNOW",
        "2024 was 100% great: 3.14 and \xd9\xa3 \xe2\x85\xab \xc2\xbd",
        "caf\xc3\xa9 na\xc3\xafve r\xc3\xa9sum\xc3\xa9 \xc3\x86r\xc3\xb8sk\xc3\xb8"
        "bing",
        "a \xf0\x9f\x90\xb1 on the \xf0\x9f\x9b\x8b\xef\xb8\x8f \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",
        "   lots    of\tspace   here  \r",
        "fish &amp; chips &lt;3 &quot;yum&quot; &#39;ok&#39; &nbsp;x&#x41;",
        "&amp;amp; &ampxyz &notit; &#0; &#128; &#x110000; &#xD800; &#1; &CounterClockwiseContourIntegral; "
        "&zz;",
        "",
        "\xce\x9f\xce\x94\xce\x9f\xce\xa3 \xce\xa3\xce\x9f\xce\xa6\xce\x9f\xce\xa3.",
        "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2 \xd0\xbc\xd0\xb8\xd1\x80",
        "\xe6\x9d\xb1\xe4\xba\xac\xe3\x82\xbf\xe3\x83\xaf\xe3\x83\xbc\xe3\x81\xae\xe5\x86\x99\xe7\x9c\x9f",
        "<|startoftext|>hi<|endoftext|> <|STARTOFTEXT|>",
        "\xc4\xb0stanbul",
        "'\xc5\xbf '\xc5\xbftartoftext '",
        "broken \xff\xfe utf8 \xe2\x82 end \xf0\x9f\x98",
        "tabs\x0bvertical\x1c"
        "file\xc2\x85next\xe2\x80\xa8line\xe3\x80\x80ideographic",
        "zero\xe2\x80\x8bwidth soft\xc2\xadhyphen",
        "e\xcc\x81 combining and \xef\xbd\x86\xef\xbd\x95\xef\xbd\x8c\xef\xbd\x8c width",
        "\xe2\x80\x9c"
        "curly\xe2\x80\x9d don\xe2\x80\x99t",
        "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
        "!!!???...,,,;;;:::---___+++===",
        std::string(300, 'x') + " " + std::string(40, '!'),
    };
}

}  // namespace

TEST_CASE("bytes_to_unicode follows CLIP's order", "[tokenizer]") {
    const auto& order = bytesInVocabularyOrder();
    CHECK(order[0] == '!');
    CHECK(order[93] == '~');
    CHECK(order[94] == 0xA1);
    CHECK(order[188] == 0x00);  // first of the shifted bytes
    CHECK(std::set<std::uint8_t>(order.begin(), order.end()).size() == 256);
    CHECK(byteToCodePoint('a') == U'a');
    CHECK(byteToCodePoint(' ') == 0x120);  // 'Ġ': the space is the 33rd shifted byte
    CHECK(byteToCodePoint(0xAD) == 0x143);
    for (int b = 0; b < 256; ++b) CHECK(codePointToByte(byteToCodePoint(static_cast<std::uint8_t>(b))) == b);
    CHECK(codePointToByte(U' ') == -1);
    CHECK(codePointToByte(0x144) == -1);
}

TEST_CASE("UTF-8 and Python string semantics", "[tokenizer]") {
    SECTION("invalid UTF-8 becomes U+FFFD per maximal subpart, as Python's errors='replace'") {
        // b'\xe0\x80A'.decode('utf-8', 'replace') == '\ufffd\ufffdA'
        CHECK(decodeUtf8("\xe0\x80"
                         "A") == U"\uFFFD\uFFFDA");
        // A cut-off emoji is one subpart: b'\xf0\x9f\x98' -> '\ufffd'
        CHECK(decodeUtf8("\xf0\x9f\x98") == U"\uFFFD");
        CHECK(decodeUtf8("\xed\xa0\x80") == U"\uFFFD\uFFFD\uFFFD");  // a surrogate
        CHECK(decodeUtf8("\xc0\xaf") == U"\uFFFD\uFFFD");            // overlong
        CHECK(sanitizeUtf8("ok \xff") == "ok \xef\xbf\xbd");
        CHECK(findInvalidUtf8("caf\xc3\xa9") == std::string::npos);
        CHECK(findInvalidUtf8("ab\xc3") == 2);
    }
    SECTION("str.lower") {
        CHECK(encodeUtf8(pythonLower(U"ÀÉÎÕÜ ŁŃŚŹŻ ΑΒΓ ПРИВЕТ")) == "àéîõü łńśźż αβγ привет");
        CHECK(pythonLower(U"\u0130") == U"i\u0307");  // 'İ'.lower() == 'i̇'
        // Final sigma: 'ΟΔΟΣ ΣΟΦΟΣ.'.lower() == 'οδος σοφος.'; a lone 'Σ' stays 'σ'.
        CHECK(pythonLower(U"ΟΔΟΣ ΣΟΦΟΣ.") == U"οδος σοφος.");
        CHECK(pythonLower(U"Σ") == U"σ");
        CHECK(pythonLower(U"AΣ'B") == U"aσ'b");  // a cased letter after it (past "'") keeps σ
        CHECK(pythonLower(U"\u212A") == U"k");   // Kelvin sign
        CHECK(isPythonSpace(0x1C));
        CHECK(isPythonSpace(0x3000));
        CHECK_FALSE(isPythonSpace(0x200B));
    }
}

TEST_CASE("HTML references are unescaped as Python's html.unescape does", "[tokenizer]") {
    auto unescape = [](const std::string& s) { return encodeUtf8(unescapeHtml(decodeUtf8(s))); };
    // html.unescape('&ampxyz &notit; &#x41 &#0; &#128; &#65') == '&xyz ¬it; A \ufffd € A'
    CHECK(unescape("&ampxyz &notit; &#x41 &#0; &#128; &#65") ==
          "&xyz \xc2\xacit; A \xef\xbf\xbd \xe2\x82\xac A");
    CHECK(unescape("&amp; &lt; &gt; &quot; &#39; &apos; &nbsp;") == "& < > \" ' ' \xc2\xa0");
    CHECK(unescape("&amp;amp;") == "&amp;");  // one pass; CLIP runs two
    CHECK(unescape("&#x1F600; &#128512;") == "\xf0\x9f\x98\x80 \xf0\x9f\x98\x80");
    CHECK(unescape("&#xD800; &#x110000; &#1; &#x7f;") == "\xef\xbf\xbd \xef\xbf\xbd  ");
    CHECK(unescape("&NotNestedGreaterGreater; &fjlig;") == "\xe2\xaa\xa2\xcc\xb8 fj");
    CHECK(unescape("& &# &#x &zz; a&b") == "& &# &#x &zz; a&b");
    CHECK(unescape("&#0000000000000000000065;") == "A");
}

TEST_CASE("captions are cleaned as CLIP cleans them (without ftfy)", "[tokenizer]") {
    CHECK(cleanCaption("  Hello\t\n WORLD  ") == "hello world");
    CHECK(cleanCaption("&amp;amp; &AMP;") == "& &");
    CHECK(cleanCaption("A&nbsp;&nbsp;B") == "a b");  // the no-break space is whitespace
    CHECK(cleanCaption("") == "");
    CHECK(cleanCaption(" \t ") == "");
    CHECK(cleanCaption("\xce\x9f\xce\x94\xce\x9f\xce\xa3") ==
          "\xce\xbf\xce\xb4\xce\xbf\xcf\x82");  // ΟΔΟΣ -> οδος
}

TEST_CASE("CLIP's pattern splits words, digits, punctuation and contractions", "[tokenizer]") {
    const auto& split = PreTokenizer::clip();
    using V = std::vector<std::string>;
    CHECK(split.split("it's a dog's life!!") == V{"it", "'s", "a", "dog", "'s", "life", "!!"});
    CHECK(split.split("they'll've 'sting ''s") == V{"they", "'ll", "'ve", "'s", "ting", "''", "s"});
    CHECK(split.split("2024 x3.14") == V{"2", "0", "2", "4", "x", "3", ".", "1", "4"});
    CHECK(split.split("caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac") ==
          V{"caf\xc3\xa9", "\xe6\x9d\xb1\xe4\xba\xac"});
    CHECK(split.split("<|startoftext|>hi<|endoftext|>") == V{"<|startoftext|>", "hi", "<|endoftext|>"});
    CHECK(split.split("'\xc5\xbf") == V{"'\xc5\xbf"});  // caseless: long s matches 's, as in `regex`
    CHECK(split.split("   ").empty());
    CHECK_THROWS_AS(split.split("bad \xff"), Error);
}

TEST_CASE("a hand-made vocabulary gives hand-computed ids", "[tokenizer]") {
    test::TempDir tmp;
    const auto path = tmp / "tiny.txt";
    test::writeFile(path, "#version: 0.2\nh e\nl l\nhe ll\nl o</w>\n");
    const auto tokenizer = ClipTokenizer::fromFile(path);
    // 256 bytes + 256 bytes with </w> + 4 merges + 2 special tokens.
    CHECK(tokenizer.vocabularySize() == 518);
    CHECK(tokenizer.mergeCount() == 4);
    CHECK(tokenizer.startOfTextId() == 516);
    CHECK(tokenizer.endOfTextId() == 517);

    // "hello" = h e l l o</w>: (h,e) rank 0, then (l,l) rank 1, then (he,ll) rank 2 -> hell o</w>.
    // (l, o</w>) never gets its turn. hell = 512 + 2; o</w> = 256 + ('o' - '!') = 334.
    CHECK(tokenizer.encode("hello") == ids({514, 334}));
    // "lo" = l o</w> -> lo</w> = 512 + 3. ',' = 256 + 11 and '!' = 256 + 0 with </w>.
    CHECK(tokenizer.encode("Hello, LO!") == ids({514, 334, 267, 515, 256}));
    CHECK(tokenizer.decode({514, 334, 267, 515, 256}) == "hello , lo ! ");
    // A single character word is its byte with </w>; without </w> ids are the bare bytes.
    CHECK(tokenizer.encode("a") == ids({256 + 64}));
    CHECK(tokenizer.decode({64, 65}) == "ab");
    CHECK(tokenizer.tokenId("hell") == 514);
    CHECK_FALSE(tokenizer.tokenId("nope").has_value());
    CHECK_THROWS_AS(tokenizer.decode({518}), Error);
    CHECK_THROWS_AS(tokenizer.decode({-1}), Error);

    SECTION("clip.tokenize rows: start, tokens, end, zeros; cut with the end token last") {
        const auto t = tokenizer.tokenize({"hello", "", "lo lo lo lo"}, 5);
        REQUIRE(t.sizes() == std::vector<std::int64_t>({3, 5}));
        CHECK(t.scalar_type() == torch::kLong);
        const auto row = [&](int i) {
            std::vector<std::int64_t> out(5);
            for (int j = 0; j < 5; ++j) out[static_cast<std::size_t>(j)] = t[i][j].item<std::int64_t>();
            return out;
        };
        CHECK(row(0) == std::vector<std::int64_t>({516, 514, 334, 517, 0}));
        CHECK(row(1) == std::vector<std::int64_t>({516, 517, 0, 0, 0}));
        CHECK(row(2) == std::vector<std::int64_t>({516, 515, 515, 515, 517}));
        CHECK(tokenizer.tokenizeOne("lo lo lo lo", 1) == ids({517}));
        CHECK_THROWS_WITH(tokenizer.tokenize({"ok", "lo lo lo lo"}, 5, false),
                          Catch::Contains("\"lo lo lo lo\"") && Catch::Contains("context length 5"));
        CHECK_THROWS_AS(tokenizer.tokenize({"x"}, 0), Error);
    }
}

TEST_CASE("merge files: slicing, formats and errors", "[tokenizer]") {
    test::TempDir tmp;
    SECTION("every merge of a project file is used, or the first maxMerges") {
        const auto path = tmp / "v.txt";
        test::writeFile(path, "#version: 0.2\r\na b\r\nab c\r\n");  // CRLF is fine
        CHECK(readMergeFile(path).size() == 2);
        MergeFileOptions one;
        one.maxMerges = 1;
        CHECK(readMergeFile(path, one) == std::vector<BpeMerge>{{"a", "b"}});
        test::writeFile(path, "#version: 0.2\na b");  // no final newline
        CHECK(readMergeFile(path).size() == 1);
        test::writeFile(path, "#version: 0.2\n");
        CHECK(readMergeFile(path).empty());
    }
    SECTION("gzip round trip through writeMergeFile") {
        const std::vector<BpeMerge> merges{{"a", "b"}, {"ab", "c</w>"}, {"\xc4\xa0", "x"}};
        writeMergeFile(tmp / "v.txt.gz", merges);
        writeMergeFile(tmp / "v.txt", merges);
        CHECK(test::readFile(tmp / "v.txt").rfind("#version: 0.2\na b\n", 0) == 0);
        CHECK(readMergeFile(tmp / "v.txt.gz") == merges);
        CHECK(readMergeFile(tmp / "v.txt") == merges);
        CHECK_FALSE(std::filesystem::exists(tmp / "v.txt.partial"));
    }
    SECTION("clear errors") {
        CHECK_THROWS_WITH(readMergeFile(tmp / "missing.txt"),
                          Catch::Contains("missing.txt") && Catch::Contains("not found"));
        test::writeFile(tmp / "bad.txt", "#version: 0.2\na b\nabc\n");
        CHECK_THROWS_WITH(readMergeFile(tmp / "bad.txt"), Catch::Contains("bad.txt: line 3"));
        test::writeFile(tmp / "utf.txt", "#version: 0.2\na b\n\xff x\n");
        CHECK_THROWS_WITH(readMergeFile(tmp / "utf.txt"), Catch::Contains("utf.txt: line 3: invalid UTF-8"));
        test::writeFile(tmp / "empty.txt", "");
        CHECK_THROWS_AS(readMergeFile(tmp / "empty.txt"), ParseError);
    }
}

TEST_CASE("the real CLIP vocabulary gives CLIP's ids", "[tokenizer]") {
    if (test::sharedClipOrSkip().empty()) return;
    const auto& tokenizer = realTokenizer();
    CHECK(tokenizer.vocabularySize() == 49408);
    CHECK(tokenizer.mergeCount() == kClipMergeCount);
    CHECK(tokenizer.startOfTextId() == 49406);
    CHECK(tokenizer.endOfTextId() == 49407);

    // Ids from clip_tokenizer_reference.py (see the top of this file).
    const std::vector<std::pair<std::string, std::vector<int>>> known{
        {"a photo of a cat", {49406, 320, 1125, 539, 320, 2368, 49407}},
        {"A Photo Of A Cat!!!", {49406, 320, 1125, 539, 320, 2368, 995, 49407}},
        {"it's a dog's life, isn't it? we're sure they'll've done",
         {49406, 585, 568, 320, 1929, 568, 970,  267,  2923, 713,
          585,   286, 649, 982, 1650, 889, 1342, 1200, 1700, 49407}},
        {"2024 was 100% great: 3.14",
         {49406, 273, 271, 273, 275, 739, 272, 271, 271, 260, 830, 281, 274, 269, 272, 275, 49407}},
        {"caf\xc3\xa9 na\xc3\xafve r\xc3\xa9sum\xc3\xa9 \xc3\x86r\xc3\xb8sk\xc3\xb8"
         "bing",
         {49406, 15304, 1097, 35689, 563, 29106, 7054, 4166, 42495, 81, 17483, 909, 17483, 5665, 49407}},
        {"a \xf0\x9f\x90\xb1 on the \xf0\x9f\x9b\x8b\xef\xb8\x8f \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",
         {49406, 320, 22979, 525, 518, 11306, 233, 1001, 43722, 49407}},
        {"   lots    of\tspace   here  ", {49406, 2958, 539, 2138, 763, 49407}},
        {"fish &amp; chips &lt;3 &quot;yum&quot; &#39;ok&#39; &nbsp;x&#x41;",
         {49406, 2759, 261, 8855, 283, 274, 257, 7259, 257, 262, 2481, 262, 24831, 49407}},
        {"", {49406, 49407}},
        {"\xce\x9f\xce\x94\xce\x9f\xce\xa3 \xce\xa3\xce\x9f\xce\xa6\xce\x9f\xce\xa3",
         {49406, 138, 123, 138, 112, 138, 123, 139, 480, 139,
          225,   138, 123, 139, 228, 138, 123, 139, 480, 49407}},
        {"\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2 \xd0\xbc\xd0\xb8\xd1\x80",
         {49406, 26302, 16370, 29503, 110, 22176, 141, 480, 38018, 16701, 141, 478, 49407}},
        {"<|startoftext|>hi<|endoftext|>", {49406, 49406, 1883, 49407, 49407}},
        {"\xc4\xb0stanbul", {49406, 328, 16384, 11231, 49407}},
    };
    for (const auto& [caption, expected] : known) {
        INFO("caption: " << caption);
        CHECK(tokenizer.tokenizeOne(caption) == expected);
    }

    SECTION("over-long captions: clip.tokenize(truncate=True), or an error naming the caption") {
        std::string longCaption;
        for (int i = 0; i < 100; ++i) longCaption += "word ";
        const auto row = tokenizer.tokenizeOne(longCaption);
        REQUIRE(row.size() == 77);
        CHECK(row.front() == 49406);
        CHECK(row[75] == 2653);
        CHECK(row.back() == 49407);
        const auto batch = tokenizer.tokenize({"a photo of a cat", longCaption});
        CHECK(batch.sizes() == std::vector<std::int64_t>({2, 77}));
        CHECK(batch[0][7].item<std::int64_t>() == 0);
        CHECK(batch[1][76].item<std::int64_t>() == 49407);
        CHECK_THROWS_WITH(tokenizer.tokenize({longCaption}, 77, false), Catch::Contains("word word"));
    }
    SECTION("decode as SimpleTokenizer.decode") {
        CHECK(tokenizer.decode(tokenizer.encode("A photo of a CAT.")) == "a photo of a cat . ");
        CHECK(tokenizer.decode({49406, 320, 49407}) == "<|startoftext|>a <|endoftext|>");
        // A lone lead byte of an emoji decodes to U+FFFD, as errors="replace" does.
        const auto leadByte = tokenizer.tokenId(encodeBytes("\xf0"));
        REQUIRE(leadByte.has_value());
        CHECK(tokenizer.decode({*leadByte, 320}) ==
              "\xef\xbf\xbd"
              "a ");
    }
}

TEST_CASE("tokenizer matches the Python reference on tricky and random captions", "[tokenizer]") {
    if (test::sharedClipOrSkip().empty()) return;
    if (!std::filesystem::exists(test::pythonExecutable()))
        return test::skip(test::pythonExecutable().string() + " is absent");
    std::vector<std::string> captions = trickyCaptions();
    // Random captions: code points from many scripts, spaces, references and stray bytes.
    std::mt19937 rng(20240601);
    const std::vector<std::pair<char32_t, char32_t>> blocks{
        {0x20, 0x7E},     {0xA0, 0x24F},      {0x300, 0x36F},    {0x370, 0x3FF},   {0x400, 0x52F},
        {0x590, 0x6FF},   {0x900, 0x97F},     {0xE00, 0xE7F},    {0x1E00, 0x1FFF}, {0x2000, 0x206F},
        {0x2100, 0x218F}, {0x2460, 0x24FF},   {0x3000, 0x30FF},  {0x4E00, 0x4E80}, {0xAC00, 0xAC80},
        {0xFF00, 0xFFEF}, {0x1F300, 0x1F6FF}, {0x10400, 0x1044F}};
    const std::vector<std::string> fragments{"&amp;", "&lt;",     "&#39;",         "&#x263A;", "&nbsp;",
                                             "&not",  "'s",       "'LL",           "  ",       "\t",
                                             "\xff",  "\xe2\x82", "<|endoftext|>", "\xce\xa3"};
    for (int c = 0; c < 400; ++c) {
        std::string caption;
        const int length = static_cast<int>(rng() % 40);
        for (int i = 0; i < length; ++i) {
            if (rng() % 6 == 0) {
                caption += fragments[rng() % fragments.size()];
                continue;
            }
            const auto& block = blocks[rng() % blocks.size()];
            appendUtf8(caption,
                       block.first + static_cast<char32_t>(rng() % (block.second - block.first + 1)));
        }
        caption.erase(std::remove(caption.begin(), caption.end(), '\n'), caption.end());
        captions.push_back(caption);
    }
    std::string input;
    for (const auto& caption : captions) input += caption + "\n";

    const std::string script =
        std::string(GENRA_TEST_SOURCE_DIR) + "/tests/core/data/clip_tokenizer_reference.py";
    std::vector<std::string> engines{"scan"};
    if (test::pythonHas("regex"))
        engines.push_back("regex");
    else
        WARN("Python's `regex` module is absent: checked against the hand-written scanner only");
    const auto& tokenizer = realTokenizer();
    for (const auto& engine : engines) {
        const auto run = test::runProcess({test::pythonExecutable().string(), script, clipVocab().string(),
                                           "--context-length", "0", "--engine", engine},
                                          input);
        REQUIRE(run.exitCode == 0);
        const auto lines = splitLines(run.out);
        REQUIRE(lines.size() == captions.size());
        for (std::size_t i = 0; i < captions.size(); ++i) {
            INFO("engine " << engine << ", caption " << i << ": " << captions[i]);
            CHECK(tokenizer.tokenizeOne(captions[i], 1 << 20) == parseIds(lines[i]));
        }
    }
}

TEST_CASE("BPE trainer learns a usable vocabulary", "[tokenizer]") {
    std::vector<std::string> captions;
    const std::vector<std::string> subjects{"cat", "dog", "photograph", "mountain", "bicycle", "river"};
    const std::vector<std::string> places{"on the beach", "in the snow", "near a lake", "at night"};
    for (int i = 0; i < 200; ++i) {
        captions.push_back("A photograph of a " + subjects[static_cast<std::size_t>(i) % subjects.size()] +
                           " " + places[static_cast<std::size_t>(i / 3) % places.size()] + ", it's #" +
                           std::to_string(i) + "!");
    }
    captions.push_back("caf\xc3\xa9 &amp; cr\xc3\xa8me \xf0\x9f\x90\xb1 <|endoftext|>");

    BpeTrainerOptions options;
    options.maxMerges = 300;
    const auto trained = trainBpe(captions, options);
    CHECK(trained.captions == captions.size());
    CHECK(!trained.merges.empty());
    CHECK(trained.merges.size() <= 300);

    SECTION("deterministic, whatever the caption order") {
        auto shuffled = captions;
        std::mt19937 rng(7);
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        CHECK(trainBpe(shuffled, options).merges == trained.merges);
        CHECK(trainBpe(captions, options).merges == trained.merges);
    }
    SECTION("frequent words become single tokens") {
        const auto tokenizer = ClipTokenizer::fromMerges(trained.merges);
        for (const char* word : {"photograph", "mountain", "beach", "the"}) {
            INFO(word);
            const auto encoded = tokenizer.encode(word);
            REQUIRE(encoded.size() == 1);
            CHECK(encoded[0] == tokenizer.tokenId(std::string(word) + "</w>"));
        }
    }
    SECTION("round trip through the written file") {
        test::TempDir tmp;
        writeMergeFile(tmp / "vocab.txt", trained.merges);
        const auto tokenizer = ClipTokenizer::fromFile(tmp / "vocab.txt");
        CHECK(tokenizer.mergeCount() == trained.merges.size());
        for (const auto& caption : captions) {
            INFO(caption);
            // decode() ends every word with a space (from "</w>"), so the cleaned words come back
            // space-joined; the special tokens have no "</w>" and come back bare.
            std::string expected;
            for (const auto& word : PreTokenizer::clip().split(cleanCaption(caption)))
                expected += word == kEndOfText ? word : word + " ";
            CHECK(tokenizer.decode(tokenizer.encode(caption)) == expected);
        }
        const std::string plain = "a photograph of a river at night";
        CHECK(tokenizer.decode(tokenizer.encode(plain)) == cleanCaption(plain) + " ");
    }
    SECTION("one tokenizer shared by several threads gives the same ids") {
        const auto tokenizer = ClipTokenizer::fromMerges(trained.merges);
        std::vector<std::vector<int>> expected;
        for (const auto& caption : captions)
            expected.push_back(ClipTokenizer::fromMerges(trained.merges).encode(caption));
        std::vector<int> mismatches(4, 0);
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < mismatches.size(); ++t) {
            threads.emplace_back([&, t] {
                for (int round = 0; round < 3; ++round)
                    for (std::size_t i = 0; i < captions.size(); ++i)
                        if (tokenizer.encode(captions[i]) != expected[i]) ++mismatches[t];
            });
        }
        for (auto& thread : threads) thread.join();
        CHECK(mismatches == std::vector<int>(4, 0));
    }
    SECTION("ties go to the bytewise-smaller pair; rare pairs are not merged") {
        // (c, d</w>) and (a, b</w>) both occur twice: (a, b</w>) sorts first.
        const auto tie = trainBpe({"cd ab", "ab cd", "xy"}, options);
        REQUIRE(tie.merges.size() == 2);
        CHECK(tie.merges[0] == BpeMerge{"a", "b</w>"});
        CHECK(tie.merges[1] == BpeMerge{"c", "d</w>"});
        CHECK(trainBpe({"abc def"}, options).merges.empty());
        CHECK(trainBpe({}, options).merges.empty());
    }
}
