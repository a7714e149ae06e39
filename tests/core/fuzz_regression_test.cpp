// Regressions for what the fuzz targets (tests/fuzz) found, each input built here. A finding is fixed
// in the parser it reached; the test checks that the same bytes now get a clear genra::Error naming
// the file.
#include <caffe2/serialize/inline_container.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "core/gen/external.h"
#include "core/model/weights.h"
#include "core/train/recipe.h"
#include "core/util/error.h"
#include "core/util/json_file.h"
#include "core/util/json_limits.h"
#include "support/error_of.h"
#include "support/test_support.h"

using namespace genra;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

// fuzz/recipe found it: nlohmann reports a number too large for a double as out_of_range, not as
// parse_error, so it escaped every JSON reader's error handling (a recipe, an annotation file, a
// generator's reply) as an exception that named no file.
TEST_CASE("a JSON number too large for a double is a parse error naming the file and line", "[fuzz-regression]") {
    test::TempDir tmp;
    const fs::path file = tmp / "recipe.json";
    test::writeFile(file, "{\"method\": \"genra\",\n  \"lr\": 1e400}");
    const std::string expected = "line 2, column 9";
    CHECK_THAT(test::genraErrorOf([&] { util::readJsonFile(file); }),
               Contains(file.string()) && Contains(expected) && Contains("1e400") && Contains("out of range"));
    CHECK_THAT(test::genraErrorOf([&] { util::readOrderedJsonFile(file); }),
               Contains(file.string()) && Contains(expected) && Contains("1e400"));
    CHECK_THAT(test::genraErrorOf([&] { train::loadRecipe(file.string()); }), Contains(file.string()));
    CHECK_THAT(test::genraErrorOf([] { util::parseUntrustedJson("[-1e99999]", "reply"); }),
               Contains("reply: line 1, column 2") && Contains("-1e99999"));
    // Large integers still parse (as doubles), as before.
    CHECK(util::parseUntrustedJson("99999999999999999999999999", "x").is_number_float());
}

TEST_CASE("an external generator's reply holding a number out of range is garbage, not a crash",
          "[fuzz-regression]") {
    test::TempDir tmp;
    gen::ExternalGeneratorConfig config;
    config.name = "big";
    config.timeoutSeconds = 30;
    config.command = {"/bin/sh", "-c", "read line; printf '{\"caption_id\": 7, \"paths\": [1e400]}\\n'; sleep 5"};
    gen::ExternalGenerator generator(config);
    gen::ExternalRequest request;
    request.captionId = 7;
    request.caption = "a red square";
    request.seeds = {1};
    request.outDir = tmp / "out";
    fs::create_directories(request.outDir);
    CHECK_THAT(test::genraErrorOf([&] { generator.generate(request); }),
               Contains("external generator \"big\" answered garbage (caption 7)") && Contains("1e400"));
    CHECK_FALSE(generator.running());
}

// fuzz/torch_zip found it: one mutated byte turned a BINGET into a LONG_BINPUT of index 0x68056804,
// and a later byte was an opcode the restricted reader does not know; loadTorchSave then handed
// the file to LibTorch's unpickler, which reserved memo room for that index (tens of GB,
// std::bad_alloc). What the restricted reader does not know is now an error.
TEST_CASE("a torch.save pickle the restricted reader does not know is refused, never given to LibTorch",
          "[fuzz-regression]") {
    test::TempDir tmp;
    const fs::path path = tmp / "memo.pt";
    // PROTO 2, EMPTY_DICT, LONG_BINPUT 0x7fffffff, INT "1\n" (protocol 0, not in torch.save), STOP.
    const std::string pickle("\x80\x02}r\xff\xff\xff\x7fI1\n.", 12);
    {
        caffe2::serialize::PyTorchStreamWriter writer(path.string());
        writer.writeRecord("data.pkl", pickle.data(), pickle.size());
        writer.writeEndOfFile();
    }
    CHECK_THAT(test::genraErrorOf([&] { model::loadWeights(path, model::WeightsFormat::TorchSave); }),
               Contains(path.string()) && Contains("opcode") && Contains("re-save"));
}
