// Data parallelism's pieces (core/train/distributed.h): the launcher variables of torchrun and Slurm,
// Slurm node lists, batch shards, and two ranks of a real c10d Gloo group (two threads of this
// process over loopback): gathered embeddings with gradients and averaged gradients give exactly
// what one process computes on the whole batch.
#include "core/train/distributed.h"
#include "core/train/losses.h"
#include "core/util/error.h"
#include "support/error_of.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

#include <future>
#include <map>

using namespace genra;
using train::launchInfoFromEnvironment;

namespace {

train::EnvLookup envOf(const std::map<std::string, std::string>& vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

std::string errorOf(const std::map<std::string, std::string>& vars) {
    try {
        launchInfoFromEnvironment(envOf(vars));
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

}  // namespace

TEST_CASE("launch variables: torchrun's, Slurm's, none", "[dist]") {
    const auto single = launchInfoFromEnvironment(envOf({}));
    CHECK(single.worldSize == 1);
    CHECK(single.rank == 0);
    CHECK(single.source.empty());

    const auto torchrun = launchInfoFromEnvironment(envOf(
        {{"RANK", "3"}, {"WORLD_SIZE", "8"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "node7"}, {"MASTER_PORT", "29400"}}));
    CHECK(torchrun.source == "torchrun");
    CHECK(torchrun.rank == 3);
    CHECK(torchrun.worldSize == 8);
    CHECK(torchrun.localRank == 1);
    CHECK(torchrun.masterAddr == "node7");
    CHECK(torchrun.masterPort == 29400);

    // torchrun's variables win over Slurm's (torchrun inside an salloc).
    const auto both = launchInfoFromEnvironment(envOf({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"},
                                                       {"MASTER_PORT", "1234"}, {"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "6"}}));
    CHECK(both.source == "torchrun");
    CHECK(both.worldSize == 2);

    const auto slurm = launchInfoFromEnvironment(envOf({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "8"}, {"SLURM_LOCALID", "1"},
                                                        {"SLURM_JOB_NODELIST", "gpu[03-04,09],login1"}}));
    CHECK(slurm.source == "slurm");
    CHECK(slurm.rank == 5);
    CHECK(slurm.worldSize == 8);
    CHECK(slurm.localRank == 1);
    CHECK(slurm.masterAddr == "gpu03");
    CHECK(slurm.masterPort == 29500);

    const auto slurmPort = launchInfoFromEnvironment(envOf({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"},
                                                            {"SLURM_NODELIST", "cn12"}, {"MASTER_PORT", "40000"}}));
    CHECK(slurmPort.masterAddr == "cn12");
    CHECK(slurmPort.masterPort == 40000);
    const auto slurmMaster = launchInfoFromEnvironment(
        envOf({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}, {"SLURM_NODELIST", "cn12"}, {"MASTER_ADDR", "10.0.0.1"}}));
    CHECK(slurmMaster.masterAddr == "10.0.0.1");

    // A one-rank run needs no master.
    CHECK(launchInfoFromEnvironment(envOf({{"RANK", "0"}, {"WORLD_SIZE", "1"}})).worldSize == 1);
    CHECK(launchInfoFromEnvironment(envOf({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}})).worldSize == 1);
}

TEST_CASE("launch variables: bad values name the variable", "[dist]") {
    CHECK_THAT(errorOf({{"RANK", "x"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}}),
               Catch::Contains("RANK=\"x\""));
    CHECK_THAT(errorOf({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}}),
               Catch::Contains("RANK=2 is not below WORLD_SIZE=2"));
    CHECK_THAT(errorOf({{"RANK", "0"}}), Catch::Contains("RANK is set but WORLD_SIZE is not"));
    CHECK_THAT(errorOf({{"WORLD_SIZE", "2"}}), Catch::Contains("WORLD_SIZE is set but RANK is not"));
    CHECK_THAT(errorOf({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "1"}}), Catch::Contains("MASTER_ADDR is not set"));
    CHECK_THAT(errorOf({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}}), Catch::Contains("MASTER_PORT is not set"));
    CHECK_THAT(errorOf({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "70000"}}),
               Catch::Contains("MASTER_PORT=70000"));
    CHECK_THAT(errorOf({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "4"}}), Catch::Contains("SLURM_JOB_NODELIST"));
    CHECK_THAT(errorOf({{"SLURM_PROCID", "4"}, {"SLURM_NTASKS", "4"}, {"SLURM_NODELIST", "a"}}),
               Catch::Contains("SLURM_PROCID=4 is not below SLURM_NTASKS=4"));
    CHECK_THAT(errorOf({{"SLURM_NTASKS", "4"}}), Catch::Contains("SLURM_PROCID and SLURM_NTASKS"));
}

TEST_CASE("Slurm node lists: the first host", "[dist]") {
    CHECK(train::firstSlurmHost("node01") == "node01");
    CHECK(train::firstSlurmHost("a,b,c") == "a");
    CHECK(train::firstSlurmHost("gpu[3-5]") == "gpu3");
    CHECK(train::firstSlurmHost("gpu[07,09-12]") == "gpu07");
    CHECK(train::firstSlurmHost("rack[2-3]-n[1-4],x") == "rack2-n[1-4]");
    CHECK_THROWS_AS(train::firstSlurmHost("gpu[3-5"), Error);
}

TEST_CASE("each rank of a multi-process CUDA run takes the GPU of its local rank", "[dist]") {
    train::LaunchInfo single;
    train::LaunchInfo rank;
    rank.rank = 5;
    rank.worldSize = 8;
    rank.localRank = 1;
    // One process keeps whatever it was given.
    CHECK(train::rankDeviceName("cuda", single, 4) == "cuda");
    CHECK(train::rankDeviceName("auto", single, 4) == "auto");
    // Several: "cuda", and "auto" where CUDA exists, become the local rank's GPU.
    CHECK(train::rankDeviceName("cuda", rank, 4) == "cuda:1");
    CHECK(train::rankDeviceName("auto", rank, 2) == "cuda:1");
    // A named GPU, the CPU, and auto without CUDA stay as they are.
    CHECK(train::rankDeviceName("cuda:3", rank, 4) == "cuda:3");
    CHECK(train::rankDeviceName("cpu", rank, 4) == "cpu");
    CHECK(train::rankDeviceName("auto", rank, 0) == "auto");
    // More processes on the node than GPUs: the error names the local rank and the count.
    rank.localRank = 2;
    const auto message = test::genraErrorOf([&] { train::rankDeviceName("cuda", rank, 2); });
    CHECK_THAT(message, Catch::Contains("local rank 2") && Catch::Contains("2 CUDA device(s)"));
    // This machine's own launcher variables: a single process on the CPU stays on the CPU.
    CHECK(train::rankDevice("cpu") == torch::Device(torch::kCPU));
}

TEST_CASE("a single process: shards are the whole batch and collectives change nothing", "[dist]") {
    train::DataParallel single;
    CHECK_FALSE(single.distributed());
    CHECK(single.shard(10) == std::pair<std::int64_t, std::int64_t>(0, 10));
    const auto x = torch::randn({3, 4}, torch::requires_grad());
    CHECK(single.allGather(x).data_ptr() == x.data_ptr());
    CHECK(single.any(true));
    CHECK_FALSE(single.any(false));
    CHECK(single.shareFromMain([] { return std::string("v"); }) == "v");
}

TEST_CASE("two Gloo ranks: gathered InfoNCE and averaged gradients equal one process on the whole batch", "[dist]") {
    if (!train::haveGloo()) {
        test::skip("this build has no c10d Gloo");
        return;
    }
    torch::manual_seed(3);
    const auto images = torch::randn({8, 16});
    const auto texts = torch::randn({8, 16});
    const auto weight0 = torch::randn({16, 6});
    const auto scale0 = torch::tensor(2.5);

    // One process, the whole batch.
    auto weight = weight0.clone().requires_grad_(true);
    auto scale = scale0.clone().requires_grad_(true);
    const auto whole = train::clipLoss(torch::matmul(images, weight), torch::matmul(texts, weight), scale);
    whole.backward();

    const int port = train::freeTcpPort();
    train::setCollectiveTimeout(std::chrono::seconds(60));
    auto rankRun = [&](int rank) {
        train::LaunchInfo info;
        info.rank = rank;
        info.worldSize = 2;
        info.masterAddr = "127.0.0.1";
        info.masterPort = port;
        info.source = "test";
        auto group = train::DataParallel::connect(info);
        auto w = (rank == 0 ? weight0.clone() : torch::zeros_like(weight0)).requires_grad_(true);
        auto s = (rank == 0 ? scale0.clone() : torch::zeros_like(scale0)).requires_grad_(true);
        group->broadcast({w, s});  // rank 1 starts from zeros: the broadcast must bring rank 0's values
        const auto [begin, end] = group->shard(8);
        const auto localImages = torch::matmul(images.slice(0, begin, end), w);
        const auto localTexts = torch::matmul(texts.slice(0, begin, end), w);
        const auto loss = train::clipLoss(group->allGather(localImages), group->allGather(localTexts), s);
        loss.backward();
        group->averageGradients({w, s});
        const bool stop = group->any(rank == 1);
        std::string uneven;
        try {
            group->shard(7);
        } catch (const Error& e) {
            uneven = e.what();
        }
        return std::make_tuple(loss.item<double>(), w.grad().clone(), s.grad().clone(), stop, uneven);
    };
    auto second = std::async(std::launch::async, rankRun, 1);
    const auto first = rankRun(0);
    const auto other = second.get();
    for (const auto& r : {first, other}) {
        CHECK(std::get<0>(r) == Approx(whole.item<double>()).epsilon(1e-6));
        CHECK(torch::allclose(std::get<1>(r), weight.grad(), 1e-5, 1e-6));
        CHECK(torch::allclose(std::get<2>(r), scale.grad(), 1e-5, 1e-6));
        CHECK(std::get<3>(r));
        CHECK_THAT(std::get<4>(r), Catch::Contains("batch_size 7 does not split evenly across 2 processes"));
    }
    // The ranks agree with each other bit for bit.
    CHECK(torch::equal(std::get<1>(first), std::get<1>(other)));
    train::setCollectiveTimeout(std::chrono::seconds(300));
}
