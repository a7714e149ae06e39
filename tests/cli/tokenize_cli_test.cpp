// `genra tokenize` and `genra train-vocab` through the real binary: stdin, output, exit codes.
#include <catch2/catch.hpp>

#include "core/text/bpe_vocab_file.h"
#include "core/text/clip_tokenizer.h"
#include "support/test_support.h"

using namespace genra;

namespace {

test::ProcessResult runGenra(const std::vector<std::string>& args, const std::string& input = {}) {
    std::vector<std::string> argv{GENRA_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::runProcess(argv, input);
}

std::string joinIds(const std::vector<int>& ids) {
    std::string out;
    for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? " " : "") + std::to_string(ids[i]);
    return out;
}

}  // namespace

TEST_CASE("genra train-vocab then genra tokenize", "[tokenizer][cli]") {
    test::TempDir tmp;
    std::string captions;
    for (int i = 0; i < 50; ++i)
        captions += "a red bicycle leaning on a wall number " + std::to_string(i) + "\n";
    captions += "Caf\xc3\xa9 &amp; cr\xc3\xa8me\n";
    test::writeFile(tmp / "captions.txt", captions);
    const auto vocab = (tmp / "vocab.txt.gz").string();

    const auto train = runGenra(
        {"train-vocab", "--captions", (tmp / "captions.txt").string(), "--out", vocab, "--merges", "100"});
    INFO(train.err);
    REQUIRE(train.exitCode == 0);
    CHECK_THAT(train.out, Catch::Contains("merges from 51 captions"));
    const auto tokenizer = text::ClipTokenizer::fromFile(vocab);
    CHECK(tokenizer.mergeCount() <= 100);

    const std::string input = "a red bicycle\n\nleaning on a wall, 42!\n";
    const auto run = runGenra({"tokenize", "--vocab", vocab}, input);
    INFO(run.err);
    REQUIRE(run.exitCode == 0);
    const std::string expected = joinIds(tokenizer.tokenizeOne("a red bicycle")) + "\n" +
                                 joinIds(tokenizer.tokenizeOne("")) + "\n" +
                                 joinIds(tokenizer.tokenizeOne("leaning on a wall, 42!")) + "\n";
    CHECK(run.out == expected);

    SECTION("--context-length cuts, keeping the end token last; no padding") {
        const auto cut =
            runGenra({"tokenize", "--vocab", vocab, "--context-length", "3"}, "a red bicycle\nred\n");
        REQUIRE(cut.exitCode == 0);
        const auto full = tokenizer.tokenizeOne("a red bicycle");
        const auto red = tokenizer.tokenizeOne("red");
        REQUIRE(full.size() > 3);
        REQUIRE(red.size() == 3);
        CHECK(cut.out == joinIds({full[0], full[1], tokenizer.endOfTextId()}) + "\n" + joinIds(red) + "\n");
    }
    SECTION("no input, no output") {
        const auto none = runGenra({"tokenize", "--vocab", vocab});
        CHECK(none.exitCode == 0);
        CHECK(none.out.empty());
    }
}

TEST_CASE("genra tokenize with CLIP's vocabulary", "[tokenizer][cli]") {
    const auto dir = test::sharedClipOrSkip();
    if (dir.empty()) return;
    const auto vocab = (dir / "bpe_simple_vocab_16e6.txt.gz").string();
    const auto run = runGenra({"tokenize", "--vocab", vocab}, "a photo of a cat\n\n   A PHOTO of a cat  \n");
    INFO(run.err);
    REQUIRE(run.exitCode == 0);
    CHECK(run.out ==
          "49406 320 1125 539 320 2368 49407\n"
          "49406 49407\n"
          "49406 320 1125 539 320 2368 49407\n");

    std::string longCaption;
    for (int i = 0; i < 100; ++i) longCaption += "word ";
    const auto cut = runGenra({"tokenize", "--vocab", vocab}, longCaption + "\n");
    REQUIRE(cut.exitCode == 0);
    std::string expected = "49406";
    for (int i = 0; i < 75; ++i) expected += " 2653";
    CHECK(cut.out == expected + " 49407\n");
}

TEST_CASE("genra tokenize and train-vocab report errors", "[tokenizer][cli]") {
    test::TempDir tmp;
    const auto missing = (tmp / "no-such-vocab.txt").string();
    const auto run = runGenra({"tokenize", "--vocab", missing}, "hello\n");
    CHECK(run.exitCode == 1);
    CHECK_THAT(run.err, Catch::Contains(missing));
    CHECK(run.out.empty());

    CHECK(runGenra({"tokenize"}, "hello\n").exitCode == 2);
    test::writeFile(tmp / "v.txt", "#version: 0.2\n");
    CHECK(runGenra({"tokenize", "--vocab", (tmp / "v.txt").string(), "--context-length", "0"}).exitCode == 2);

    test::writeFile(tmp / "bad.txt", "#version: 0.2\na b c\n");
    const auto bad = runGenra({"tokenize", "--vocab", (tmp / "bad.txt").string()}, "hello\n");
    CHECK(bad.exitCode == 1);
    CHECK_THAT(bad.err, Catch::Contains("bad.txt: line 2"));

    const auto noCaptions = (tmp / "no-captions.txt").string();
    const auto train = runGenra({"train-vocab", "--captions", noCaptions, "--out", (tmp / "o.txt").string()});
    CHECK(train.exitCode == 1);
    CHECK_THAT(train.err, Catch::Contains(noCaptions));
    CHECK(runGenra({"train-vocab", "--out", (tmp / "o.txt").string()}).exitCode == 2);
}
