// `genra tsne` through the real binary: the map it writes, the KL it prints, its errors.
#include <ATen/CPUGeneratorImpl.h>

#include <catch2/catch.hpp>
#include <regex>

#include "core/data/npy.h"
#include "support/test_support.h"

using namespace genra;

namespace {
test::ProcessResult runGenra(const std::vector<std::string>& args) {
    std::vector<std::string> argv{GENRA_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::runProcess(argv);
}

torch::Tensor twoBlobs(std::int64_t perBlob) {
    auto gen = at::detail::createCPUGenerator(5);
    const auto noise = at::randn({2 * perBlob, 8}, gen, torch::kFloat);
    auto offset = torch::zeros({2 * perBlob, 8});
    offset.slice(0, perBlob).fill_(8.0);
    return noise + offset;
}
// The two blobs stay apart in the map y: every point is nearer its own blob's centre.
void checkBlobsApart(const torch::Tensor& y, std::int64_t perBlob) {
    const auto a = y.slice(0, 0, perBlob).mean(0);
    const auto b = y.slice(0, perBlob).mean(0);
    const auto nearA = (y - a).norm(2, 1) < (y - b).norm(2, 1);
    CHECK(nearA.slice(0, 0, perBlob).all().item<bool>());
    CHECK_FALSE(nearA.slice(0, perBlob).any().item<bool>());
}
}  // namespace

TEST_CASE("genra tsne writes a float32 [N, 2] map and prints the KL divergence", "[cli][tsne]") {
    test::TempDir tmp;
    const auto in = tmp / "x.npy";
    const auto out = tmp / "y.npy";
    data::writeNpy(in, twoBlobs(60));
    const auto r = runGenra({"tsne", "--in", in.string(), "--out", out.string(), "--perplexity", "10",
                             "--iterations", "400", "--seed", "3"});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    std::smatch match;
    const std::regex kl("KL divergence: ([0-9.]+)");
    REQUIRE(std::regex_search(r.out, match, kl));
    CHECK(std::stod(match[1]) > 0.0);
    const auto y = data::readNpy(out);
    CHECK(y.scalar_type() == torch::kFloat);
    REQUIRE(y.sizes() == torch::IntArrayRef({120, 2}));
    CHECK(torch::isfinite(y).all().item<bool>());
    checkBlobsApart(y, 60);

    SECTION("the same seed gives the same file") {
        const auto again = tmp / "y2.npy";
        const auto r2 = runGenra({"tsne", "--in", in.string(), "--out", again.string(), "--perplexity", "10",
                                  "--iterations", "400", "--seed", "3", "-q"});
        REQUIRE(r2.exitCode == 0);
        CHECK(test::readFile(again) == test::readFile(out));
    }
}
TEST_CASE("genra tsne --method fft with --pca and --stop-tolerance", "[cli][tsne]") {
    test::TempDir tmp;
    const auto in = tmp / "x.npy";
    const auto out = tmp / "y.npy";
    data::writeNpy(in, twoBlobs(100));
    const auto r = runGenra({"tsne", "--in", in.string(), "--out", out.string(), "--method", "fft", "--pca", "4",
                             "--stop-tolerance", "0.05", "--iterations", "1000", "-q"});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("method: fft"));
    // The KL stalls long before 1000 iterations on two separated blobs.
    std::smatch match;
    REQUIRE(std::regex_search(r.out, match, std::regex("iterations: ([0-9]+)")));
    CHECK(std::stoi(match[1]) < 1000);
    const auto y = data::readNpy(out);
    REQUIRE(y.sizes() == torch::IntArrayRef({200, 2}));
    checkBlobsApart(y, 100);
    SECTION("bad values name the option") {
        const auto bad = runGenra({"tsne", "--in", in.string(), "--out", (tmp / "z.npy").string(), "--pca", "-1"});
        CHECK(bad.exitCode == 2);
        CHECK_THAT(bad.err, Catch::Contains("--pca"));
        const auto tol = runGenra({"tsne", "--in", in.string(), "--out", (tmp / "z.npy").string(), "--stop-tolerance", "2"});
        CHECK(tol.exitCode == 2);
        CHECK_THAT(tol.err, Catch::Contains("--stop-tolerance"));
    }
}

TEST_CASE("genra tsne --method torch and --device", "[cli][tsne][torch]") {
    test::TempDir tmp;
    const auto in = tmp / "x.npy";
    const auto out = tmp / "y.npy";
    data::writeNpy(in, twoBlobs(100));
    const auto r = runGenra({"tsne", "--in", in.string(), "--out", out.string(), "--method", "torch", "--device",
                             "cpu", "--perplexity", "20", "--iterations", "400", "-q"});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("method: torch on cpu"));
    const auto y = data::readNpy(out);
    REQUIRE(y.sizes() == torch::IntArrayRef({200, 2}));
    checkBlobsApart(y, 100);
    SECTION("the device is checked and named") {
        const auto unknown = runGenra({"tsne", "--in", in.string(), "--out", out.string(), "--device", "tpu"});
        CHECK(unknown.exitCode == 2);
        CHECK_THAT(unknown.err, Catch::Contains("--device"));
        if (torch::cuda::is_available()) {
            const auto cpuOnly = runGenra({"tsne", "--in", in.string(), "--out", out.string(), "--device", "cuda",
                                           "--method", "fft"});
            CHECK(cpuOnly.exitCode == 2);
            CHECK_THAT(cpuOnly.err, Catch::Contains("--method"));
        } else {
            const auto cuda = runGenra({"tsne", "--in", in.string(), "--out", out.string(), "--device", "cuda"});
            CHECK(cuda.exitCode == 2);
            CHECK_THAT(cuda.err, Catch::Contains("--device") && Catch::Contains("no usable CUDA device"));
        }
    }
}

TEST_CASE("genra tsne explains bad input", "[cli][tsne]") {
    test::TempDir tmp;
    const auto out = (tmp / "y.npy").string();
    SECTION("too few points for the perplexity") {
        const auto in = tmp / "small.npy";
        data::writeNpy(in, twoBlobs(10));
        const auto r = runGenra({"tsne", "--in", in.string(), "--out", out});
        CHECK(r.exitCode == 1);
        CHECK_THAT(r.err, Catch::Contains("perplexity") && Catch::Contains("at most 6"));
    }
    SECTION("not a matrix") {
        const auto in = tmp / "vector.npy";
        data::writeNpy(in, torch::zeros({50}));
        const auto r = runGenra({"tsne", "--in", in.string(), "--out", out});
        CHECK(r.exitCode == 1);
        CHECK_THAT(r.err, Catch::Contains("2-D"));
    }
    SECTION("NaN") {
        const auto in = tmp / "nan.npy";
        auto x = twoBlobs(60);
        x[3][2] = std::nan("");
        data::writeNpy(in, x);
        const auto r = runGenra({"tsne", "--in", in.string(), "--out", out});
        CHECK(r.exitCode == 1);
        CHECK_THAT(r.err, Catch::Contains("NaN"));
    }
    SECTION("usage errors") {
        CHECK(runGenra({"tsne", "--out", out}).exitCode == 2);
        CHECK(runGenra({"tsne", "--in", (tmp / "missing.npy").string(), "--out", out}).exitCode == 2);
        CHECK(runGenra({"tsne", "--in", out, "--out", out, "--method", "umap"}).exitCode == 2);
    }
    CHECK_FALSE(std::filesystem::exists(out));
}
