// Caption metrics: PTB tokenisation, the Porter stemmer, BLEU / ROUGE-L / CIDEr-D / METEOR_builtin
// on hand-computed cases, a cross-check against an independent literal Python implementation
// (tests/core/data/coco_caption_reference.py), NumPy-exact means, COCO JSON loading, and the
// METEOR / SPICE jar drivers against a stand-in `java` that speaks their protocols.
#include "core/eval/caption_metrics.h"
#include "core/eval/java_scorers.h"
#include "core/data/npy.h"
#include "core/text/porter_stemmer.h"
#include "core/text/ptb_tokenize.h"
#include "core/util/error.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <sys/stat.h>

using namespace genra;
namespace fs = std::filesystem;

namespace {

eval::CaptionSet captions(const std::vector<std::vector<std::string>>& refs, const std::vector<std::string>& cands) {
    eval::CaptionSet set;
    set.references = refs;
    set.candidates = cands;
    for (std::size_t i = 0; i < cands.size(); ++i) set.imageIds.push_back(std::to_string(i + 1));
    return set;
}

std::array<double, 4> bleu(const eval::CaptionSet& set) {
    const auto b = eval::bleuScores(set);
    return {b[0].corpus, b[1].corpus, b[2].corpus, b[3].corpus};
}

fs::path dataDir() { return fs::path(GENRA_TEST_SOURCE_DIR) / "tests" / "core" / "data"; }

}  // namespace

TEST_CASE("PTB tokenisation as the COCO pipeline applies it", "[metrics]") {
    using text::cocoTokenize;
    CHECK(cocoTokenize("A man riding a wave on top of a surfboard.") == "a man riding a wave on top of a surfboard");
    CHECK(cocoTokenize("Two dogs, one black and one white, play.") == "two dogs one black and one white play");
    CHECK(cocoTokenize("The dog's ball isn't red!") == "the dog 's ball is n't red");
    CHECK(cocoTokenize("It's 3.5 feet tall and costs $1,000.") == "it 's 3.5 feet tall and costs $ 1,000");
    CHECK(cocoTokenize("Mr. Smith lives in the U.S. now...") == "mr. smith lives in the u.s. now");
    CHECK(cocoTokenize("A black-and-white photo -- very old; isn't it?") == "a black-and-white photo very old is n't it");
    CHECK(cocoTokenize("I cannot believe we're gonna win") == "i can not believe we 're gon na win");
    CHECK(cocoTokenize("A sign: 50% off at 4:45") == "a sign 50 % off at 4:45");
    CHECK(cocoTokenize("A man\xE2\x80\x99s \xE2\x80\x9Chat\xE2\x80\x9D") == "a man 's hat");
    CHECK(cocoTokenize("A \"fancy\" cake 'for' kids") == "a fancy cake for kids");
    CHECK(cocoTokenize("  Multiple   spaces\tand\nnewlines ") == "multiple spaces and newlines");
    CHECK(cocoTokenize("") == "");
    CHECK(cocoTokenize("... !") == "");
    CHECK(cocoTokenize("\xC3\x89L\xC3\x89PHANT") == "\xC3\xa9l\xC3\xa9phant");
    // Brackets become -lrb- / -rrb-; the COCO list names only the upper-case forms, so they stay.
    CHECK(text::ptbTokenize("A cake (with candles)") ==
          std::vector<std::string>{"a", "cake", "-lrb-", "with", "candles", "-rrb-"});
    CHECK(cocoTokenize("A cake (with candles)") == "a cake -lrb- with candles -rrb-");
    CHECK(text::isCocoPunctuation("-LRB-"));
    CHECK_FALSE(text::isCocoPunctuation("-lrb-"));
    // PTB keeps runs of ! and ? together, and the COCO list does not remove "!!".
    CHECK(text::ptbTokenize("Wow!!") == std::vector<std::string>{"wow", "!!"});
}

TEST_CASE("Porter stemmer reproduces the reference implementation", "[metrics]") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"caresses", "caress"}, {"ponies", "poni"},       {"ties", "ti"},
        {"caress", "caress"},   {"cats", "cat"},          {"feed", "feed"},
        {"agreed", "agre"},     {"plastered", "plaster"}, {"bled", "bled"},
        {"motoring", "motor"},  {"sing", "sing"},         {"conflated", "conflat"},
        {"troubled", "troubl"}, {"sized", "size"},        {"hopping", "hop"},
        {"tanned", "tan"},      {"falling", "fall"},      {"hissing", "hiss"},
        {"fizzed", "fizz"},     {"failing", "fail"},      {"filing", "file"},
        {"happy", "happi"},     {"sky", "sky"},           {"relational", "relat"},
        {"conditional", "condit"}, {"rational", "ration"}, {"valenci", "valenc"},
        {"digitizer", "digit"}, {"radicalli", "radic"},   {"differentli", "differ"},
        {"vileli", "vile"},     {"analogousli", "analog"}, {"vietnamization", "vietnam"},
        {"predication", "predic"}, {"operator", "oper"},  {"feudalism", "feudal"},
        {"decisiveness", "decis"}, {"hopefulness", "hope"}, {"callousness", "callous"},
        {"formaliti", "formal"}, {"sensitiviti", "sensit"}, {"sensibiliti", "sensibl"},
        {"triplicate", "triplic"}, {"formative", "form"}, {"formalize", "formal"},
        {"electriciti", "electr"}, {"electrical", "electr"}, {"hopeful", "hope"},
        {"goodness", "good"},   {"revival", "reviv"},     {"allowance", "allow"},
        {"inference", "infer"}, {"airliner", "airlin"},   {"gyroscopic", "gyroscop"},
        {"adjustable", "adjust"}, {"defensible", "defens"}, {"irritant", "irrit"},
        {"replacement", "replac"}, {"adjustment", "adjust"}, {"dependent", "depend"},
        {"adoption", "adopt"},  {"homologou", "homolog"}, {"communism", "commun"},
        {"activate", "activ"},  {"angulariti", "angular"}, {"homologous", "homolog"},
        {"effective", "effect"}, {"bowdlerize", "bowdler"}, {"probate", "probat"},
        {"rate", "rate"},       {"cease", "ceas"},        {"controll", "control"},
        {"roll", "roll"},       {"generalization", "gener"}, {"oscillators", "oscil"},
        {"running", "run"},     {"is", "is"},             {"n't", "n't"}};
    for (const auto& [word, stem] : cases) {
        INFO(word);
        CHECK(text::porterStem(word) == stem);
    }
}

TEST_CASE("BLEU on hand-computed cases", "[metrics]") {
    SECTION("identical candidate and reference") {
        const auto b = bleu(captions({{"a dog runs on the beach"}}, {"a dog runs on the beach"}));
        for (const double v : b) CHECK(v == Approx(1.0).epsilon(1e-8));
        CHECK(b[0] < 1.0);  // the code's 1e-15 / 1e-9 constants keep it a hair below 1
    }
    SECTION("partial match") {
        const auto b = bleu(captions({{"the cat sat on the mat"}}, {"a cat sat on the mat"}));
        CHECK(b[0] == Approx(5.0 / 6).epsilon(1e-9));
        CHECK(b[1] == Approx(std::sqrt(5.0 / 6 * 4.0 / 5)).epsilon(1e-9));
        CHECK(b[2] == Approx(std::cbrt(0.5)).epsilon(1e-9));
        CHECK(b[3] == Approx(std::pow(1.0 / 3, 0.25)).epsilon(1e-9));
    }
    SECTION("brevity penalty from the summed lengths") {
        const auto b = bleu(captions({{"the cat sat on the mat"}}, {"the cat"}));
        CHECK(b[0] == Approx(std::exp(-2.0)).epsilon(1e-8));
        CHECK(b[1] == Approx(std::exp(-2.0)).epsilon(1e-8));
        CHECK(b[2] == Approx(std::cbrt(1e-6) * std::exp(-2.0)).epsilon(1e-6));  // (1e-15/1e-9)^(1/3)
    }
    SECTION("closest reference length, ties to the shorter") {
        // |4 - 5| == |6 - 5|: the 4-word reference wins, so no brevity penalty.
        const auto b = bleu(captions({{"a b c d", "a b c d e f"}}, {"a b c d x"}));
        CHECK(b[0] == Approx(0.8).epsilon(1e-9));
        const auto longer = bleu(captions({{"a b c d e f"}}, {"a b c d x"}));
        CHECK(longer[0] == Approx(0.8 * std::exp(1 - 6.0 / 5)).epsilon(1e-9));
    }
    SECTION("candidate counts are clipped to the reference counts") {
        const auto b = bleu(captions({{"the cat"}}, {"the the the the"}));
        CHECK(b[0] == Approx(0.25).epsilon(1e-9));
    }
    SECTION("corpus BLEU sums counts instead of averaging sentences") {
        const auto set = captions({{"a b c d"}, {"a b"}}, {"a b c d", "x y"});
        const auto b = eval::bleuScores(set);
        CHECK(b[0].corpus == Approx(4.0 / 6).epsilon(1e-9));
        CHECK(b[0].perImage[0] == Approx(1.0).epsilon(1e-8));
        CHECK(b[0].perImage[1] == Approx(0.0).margin(1e-12));
    }
    SECTION("empty prediction scores zero") {
        const auto b = bleu(captions({{"a dog"}}, {""}));
        for (const double v : b) CHECK(v == 0.0);
    }
}

TEST_CASE("ROUGE-L on hand-computed cases", "[metrics]") {
    CHECK(eval::rougeLScore(captions({{"a dog runs"}}, {"a dog runs"})).corpus == 1.0);
    CHECK(eval::rougeLScore(captions({{"the cat sat on the mat"}}, {"a cat sat on the mat"})).corpus ==
          Approx(5.0 / 6));
    // LCS 2: P = 1/2, R = 2/3, F = (1 + 1.44) P R / (R + 1.44 P) = 61/104.
    CHECK(eval::rougeLScore(captions({{"a c e"}}, {"a b c d"})).corpus == Approx(61.0 / 104));
    // Precision and recall are maximised separately over the references, then combined.
    CHECK(eval::rougeLScore(captions({{"a b c d e f", "a"}}, {"a b c"})).corpus == 1.0);
    CHECK(eval::rougeLScore(captions({{"a dog"}}, {""})).corpus == 0.0);
    const auto two = eval::rougeLScore(captions({{"a dog runs"}, {"a c e"}}, {"a dog runs", "a b c d"}));
    CHECK(two.perImage == std::vector<double>{1.0, two.perImage[1]});
    CHECK(two.corpus == Approx((1.0 + 61.0 / 104) / 2));
}

TEST_CASE("CIDEr-D on hand-computed cases", "[metrics]") {
    SECTION("single words: only the unigram term, idf = log 2") {
        const auto c = eval::ciderDScore(captions({{"dog"}, {"cat"}}, {"dog", "cat"}));
        CHECK(c.corpus == Approx(2.5));  // mean([1, 0, 0, 0]) x 10
    }
    SECTION("a word in every image has idf 0") {
        const auto c = eval::ciderDScore(captions({{"a dog"}, {"a cat"}}, {"a dog", "a cat"}));
        CHECK(c.corpus == Approx(5.0));  // unigram and bigram cosines are 1
    }
    SECTION("one image: log(1) = 0 makes every weight zero") {
        CHECK(eval::ciderDScore(captions({{"a dog runs"}}, {"a dog runs"})).corpus == 0.0);
    }
    SECTION("length penalty counts bigrams, sigma 6") {
        // Image 1: "dog" vs "dog x x x" differs by 3 bigrams; only the unigram cosine is non-zero.
        const auto c = eval::ciderDScore(captions({{"dog x x x"}, {"cat"}}, {"dog", "cat"}));
        const double l2 = std::log(2.0);
        const double cosine = l2 * l2 / (l2 * std::sqrt(l2 * l2 + 9 * l2 * l2));
        CHECK(c.perImage[0] == Approx(cosine * std::exp(-9.0 / 72) / 4 * 10));
    }
    SECTION("published value: SummEval's test of the COCO CIDEr-D scorer (untokenised, 3 segments)") {
        // Yale-LILY/SummEval evaluation/tests/test_cider.py expects 2.5759014911864084 for these.
        const auto c = eval::ciderDScore(captions(
            {{"28-Year-Old Chef Found Dead at San Francisco Mall"},
             {"A 28-year-old chef who had recently moved to San Francisco was found dead in the stairwell of a local "
              "mall this week."},
             {"But the victim's brother says he can't think of anyone who would want to hurt him, saying, \"Things "
              "were finally going well for him.\""}},
            {"28-year-old chef found dead in San Francisco mall",
             "A 28-year-old chef who recently moved to San Francisco was found dead in the staircase of a local "
             "shopping center.",
             "The victim's brother said he cannot imagine anyone who would want to harm him,\"Finally, it went uphill "
             "again at him.\""}));
        CHECK(c.corpus == Approx(2.5759014911864084).epsilon(1e-14));
    }
    SECTION("empty prediction and duplicate references") {
        const auto empty = eval::ciderDScore(captions({{"a dog"}, {"a cat"}}, {"", "a cat"}));
        CHECK(empty.perImage[0] == 0.0);
        const auto single = captions({{"a dog runs"}, {"two cats sleep"}, {"a red car"}},
                                     {"a dog walks", "cats sleep", "a car"});
        auto doubled = single;
        for (auto& refs : doubled.references) refs.push_back(refs[0]);
        CHECK(eval::ciderDScore(doubled).corpus == Approx(eval::ciderDScore(single).corpus).epsilon(1e-12));
        CHECK(bleu(doubled) == bleu(single));
        CHECK(eval::rougeLScore(doubled).corpus == eval::rougeLScore(single).corpus);
    }
}

TEST_CASE("METEOR_builtin on hand-computed cases", "[metrics]") {
    // Stem match: cats ~ cat; one chunk; P = R = 1; penalty 0.5 (1/3)^3.
    CHECK(eval::meteorBuiltinScore(captions({{"the cat sat"}}, {"the cats sat"})).corpus ==
          Approx(1 - 0.5 / 27));
    // Two chunks (sat | the cat).
    CHECK(eval::meteorBuiltinScore(captions({{"the cat sat"}}, {"sat the cat"})).corpus ==
          Approx(1 - 0.5 * 8 / 27));
    // P = 1, R = 1/2: F = 0.5 / (0.9 + 0.05); one chunk of 2.
    CHECK(eval::meteorBuiltinScore(captions({{"a dog runs fast"}}, {"a dog"})).corpus ==
          Approx(0.5 / 0.95 * (1 - 0.5 / 8)));
    // The best reference counts.
    CHECK(eval::meteorBuiltinScore(captions({{"x y z", "the cat sat"}}, {"the cat sat"})).corpus ==
          Approx(1 - 0.5 / 27));
    CHECK(eval::meteorBuiltinScore(captions({{"a dog"}}, {""})).corpus == 0.0);
}

TEST_CASE("metrics agree with the independent Python reference", "[metrics]") {
    if (!test::pythonOrSkip("numpy")) return;
    const auto raw = captions(
        {{"A man riding a wave on top of a surfboard.", "A surfer riding a large wave in the ocean.",
          "A person on a surfboard rides a wave.", "Surfer in a black wetsuit riding a wave."},
         {"Two dogs play with a frisbee in the park.", "Two dogs, one black and one white, playing."},
         {"A plate of food with broccoli and rice.", "A plate of food with broccoli and rice.",
          "Some broccoli, rice and chicken on a white plate", "A meal of chicken, rice and broccoli."},
         {"A red double decker bus on a city street."},
         {"A cat sleeping on a laptop keyboard.", "A cat lying on a computer's keyboard.",
          "The cat is asleep on the laptop."},
         {"A kitchen with wooden cabinets and a stove.", "A small kitchen with a stove and sink."}},
        {"A man riding a wave on a surfboard.", "Two dogs playing in the grass.",
         "A plate of rice and broccoli with chicken.", "A bus driving down a street.", "",
         "A kitchen with a stove, a sink and wooden cabinets in it."});
    const auto tok = eval::tokenizeCaptions(raw);
    nlohmann::json input = {{"references", tok.references}, {"candidates", tok.candidates}};
    test::TempDir tmp;
    const auto run = test::runProcess(
        {test::pythonExecutable().string(), (dataDir() / "coco_caption_reference.py").string()}, input.dump());
    REQUIRE(run.exitCode == 0);
    const auto expected = nlohmann::json::parse(run.out);

    const auto b = eval::bleuScores(tok);
    const auto r = eval::rougeLScore(tok);
    const auto c = eval::ciderDScore(tok);
    for (int n = 0; n < 4; ++n) {
        CHECK(b[n].corpus == expected["bleu"][n].get<double>());
        for (std::size_t i = 0; i < tok.candidates.size(); ++i)
            CHECK(b[n].perImage[i] == expected["bleu_per_image"][i][n].get<double>());
    }
    CHECK(r.corpus == expected["rouge_l"].get<double>());
    CHECK(r.perImage == expected["rouge_l_per_image"].get<std::vector<double>>());
    CHECK(c.corpus == Approx(expected["cider"].get<double>()).epsilon(1e-13));
    const auto cider = expected["cider_per_image"].get<std::vector<double>>();
    for (std::size_t i = 0; i < cider.size(); ++i) CHECK(c.perImage[i] == Approx(cider[i]).epsilon(1e-13));
    CHECK(c.corpus > 0.1);
}

TEST_CASE("numpyMean is bit-identical to numpy.mean", "[metrics]") {
    if (!test::pythonOrSkip("numpy")) return;
    test::TempDir tmp;
    const std::string script = R"PY(
import sys, json, numpy as np
rng = np.random.default_rng(3)
means = []
for i, n in enumerate([1, 3, 7, 8, 9, 17, 128, 129, 1000, 8191, 8193, 20000]):
    a = rng.random(n) * 10.0 ** rng.integers(-3, 4, n)
    np.save(sys.argv[1] + '/a%d.npy' % i, a)
    means.append(float(np.mean(a)))
print(json.dumps(means))
)PY";
    test::writeFile(tmp / "m.py", script);
    const auto run = test::runProcess({test::pythonExecutable().string(), (tmp / "m.py").string(), tmp.path().string()});
    REQUIRE(run.exitCode == 0);
    const auto means = nlohmann::json::parse(run.out).get<std::vector<double>>();
    for (std::size_t i = 0; i < means.size(); ++i) {
        const auto a = data::readNpy(tmp / ("a" + std::to_string(i) + ".npy"));
        const std::vector<double> values(a.data_ptr<double>(), a.data_ptr<double>() + a.numel());
        INFO("array " << i << " of " << values.size());
        CHECK(eval::numpyMean(values) == means[i]);
    }
}

TEST_CASE("COCO caption files are paired and checked", "[metrics]") {
    test::TempDir tmp;
    const auto refs = tmp / "refs.json";
    const auto preds = tmp / "preds.json";
    test::writeFile(refs, R"({"images": [{"id": 30}, {"id": 10}, {"id": 20}, {"id": 99}],
        "annotations": [{"image_id": 10, "caption": "A dog."}, {"image_id": 30, "caption": "A cat."},
                        {"image_id": 10, "caption": "A brown dog."}, {"image_id": 20, "caption": "A car."}]})");
    test::writeFile(preds, R"([{"image_id": 20, "caption": "A red car."}, {"image_id": 10, "caption": "A dog!"},
                               {"image_id": 30, "caption": "A cat"}])");
    const auto set = eval::loadCocoCaptions(refs, preds);
    CHECK(set.imageIds == std::vector<std::string>{"30", "10", "20"});  // "images" order; 99 has no captions
    CHECK(set.references[1] == std::vector<std::string>{"A dog.", "A brown dog."});
    CHECK(set.candidates[2] == "A red car.");

    const auto result = eval::evaluateCaptions(set);
    std::vector<std::string> keys;
    for (const auto& item : result.scores.items()) keys.push_back(item.key());
    CHECK(keys == std::vector<std::string>{"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "METEOR_builtin", "ROUGE_L",
                                           "CIDEr", "SPICE"});
    CHECK(result.scores["SPICE"].is_null());
    CHECK(result.notes.size() == 2);

    SECTION("a prediction for an unknown image") {
        test::writeFile(preds, R"([{"image_id": 10, "caption": "x"}, {"image_id": 20, "caption": "x"},
                                   {"image_id": 30, "caption": "x"}, {"image_id": 77, "caption": "x"}])");
        CHECK_THROWS_WITH(eval::loadCocoCaptions(refs, preds), Catch::Contains("image 77"));
    }
    SECTION("two predictions for one image") {
        test::writeFile(preds, R"([{"image_id": 10, "caption": "x"}, {"image_id": 20, "caption": "x"},
                                   {"image_id": 30, "caption": "x"}, {"image_id": 10, "caption": "y"}])");
        CHECK_THROWS_WITH(eval::loadCocoCaptions(refs, preds), Catch::Contains("image 10 has more than one"));
    }
    SECTION("a referenced image without prediction") {
        test::writeFile(preds, R"([{"image_id": 10, "caption": "x"}])");
        CHECK_THROWS_WITH(eval::loadCocoCaptions(refs, preds),
                          Catch::Contains("2 image(s)") && Catch::Contains("image 30, 20"));
    }
    SECTION("string ids and malformed files") {
        test::writeFile(refs, R"({"annotations": [{"image_id": "a.jpg", "caption": "x y"}]})");
        test::writeFile(preds, R"([{"image_id": "a.jpg", "caption": "x y"}])");
        CHECK(eval::loadCocoCaptions(refs, preds).imageIds == std::vector<std::string>{"a.jpg"});
        test::writeFile(preds, R"([{"image_id": "a.jpg"}])");
        CHECK_THROWS_WITH(eval::loadCocoCaptions(refs, preds), Catch::Contains("missing a string \"caption\""));
        test::writeFile(preds, "[{");
        CHECK_THROWS_WITH(eval::loadCocoCaptions(refs, preds), Catch::Contains(preds.string()));
        test::writeFile(refs, "[]");
        CHECK_THROWS_WITH(eval::loadCocoCaptions(refs, preds), Catch::Contains("expected COCO annotations"));
    }
}

TEST_CASE("METEOR and SPICE jars are driven through their protocols", "[metrics]") {
    test::TempDir tmp;
    // A stand-in `java` (the real jars are not available here), plus empty "jars" to point at.
    const auto java = tmp / "java";
    test::writeFile(java, "#!/bin/sh\nexec " + test::pythonExecutable().string() + " " +
                              (dataDir() / "fake_java.py").string() + " \"$@\"\n");
    chmod(java.c_str(), 0755);
    fs::create_directories(tmp / "jars");
    for (const char* jar : {"meteor-1.5.jar", "spice-1.0.jar", "crash.jar"}) test::writeFile(tmp / "jars" / jar, "");
    const auto set = captions({{"a dog", "a brown dog"}, {"a red car"}}, {"a dog runs", "a car"});

    const auto meteor = eval::meteorJarScore(set, tmp / "jars" / "meteor-1.5.jar", java.string());
    CHECK(meteor.perImage == std::vector<double>{0.2 + 0.03, 0.1 + 0.02});
    CHECK(meteor.corpus == Approx(0.35));

    const auto spice = eval::spiceJarScore(set, tmp / "jars" / "spice-1.0.jar", java.string());
    CHECK(spice.perImage == std::vector<double>{0.3, 0.2});
    CHECK(spice.corpus == Approx(0.25));

    eval::CaptionEvalOptions options;
    options.java = java.string();
    options.meteorJar = tmp / "jars" / "meteor-1.5.jar";
    options.spiceJar = tmp / "jars" / "spice-1.0.jar";
    const auto result = eval::evaluateCaptions(set, options);
    CHECK(result.scores.contains("METEOR"));
    CHECK_FALSE(result.scores.contains("METEOR_builtin"));
    CHECK(result.scores["SPICE"].get<double>() == Approx(0.25));
    CHECK(result.notes.empty());

    CHECK_THROWS_WITH(eval::meteorJarScore(set, tmp / "jars" / "crash.jar", java.string()),
                      Catch::Contains("fake failure"));
    CHECK_THROWS_WITH(eval::spiceJarScore(set, tmp / "jars" / "crash.jar", java.string()),
                      Catch::Contains("exited with status 3") && Catch::Contains("fake failure"));
    CHECK_THROWS_WITH(eval::meteorJarScore(set, tmp / "jars" / "missing.jar", java.string()),
                      Catch::Contains("jar not found"));
    CHECK_THROWS_WITH(eval::meteorJarScore(set, tmp / "jars" / "meteor-1.5.jar", (tmp / "no-java").string()),
                      Catch::Contains("cannot run"));
}
