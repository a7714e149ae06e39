// Helpers of the t-SNE test files (tsne_fft_test.cpp, tsne_torch_test.cpp): clustered data, the
// kNN label agreement of a map, and a context that cancels after a number of progress reports.
#pragma once

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cstdint>
#include <limits>
#include <string>

#include "core/jobs/job.h"

namespace genra::test {

inline torch::Tensor clustered(std::int64_t clusters, std::int64_t perCluster, std::int64_t dims,
                               std::uint64_t seed, double spread) {
    auto gen = at::detail::createCPUGenerator(seed);
    const auto centres = at::randn({clusters, dims}, gen, torch::kDouble) * spread;
    const auto labels = torch::arange(clusters * perCluster, torch::kLong).remainder(clusters);
    return (centres.index_select(0, labels) + at::randn({clusters * perCluster, dims}, gen, torch::kDouble))
        .to(torch::kFloat);
}

// Fraction of each point's 10 nearest neighbours in the map with the same cluster label.
inline double labelAgreement(const torch::Tensor& map, std::int64_t clusters) {
    const auto y = map.to(torch::kDouble);
    auto d = torch::cdist(y, y);
    d.fill_diagonal_(std::numeric_limits<double>::infinity());
    const auto nearest = std::get<1>(d.topk(10, 1, false));
    const auto labels = torch::arange(map.size(0), torch::kLong).remainder(clusters);
    const auto same = labels.index_select(0, nearest.flatten()).view({map.size(0), 10}) == labels.unsqueeze(1);
    return same.to(torch::kDouble).mean().item<double>();
}

class CountingContext : public jobs::JobContext {
public:
    explicit CountingContext(int cancelAfterProgress) : left_(cancelAfterProgress) {}
    void progress(double, const std::string& message) override {
        --left_;
        lastMessage = message;
    }
    void metric(std::int64_t, const std::string&, double) override { ++metrics; }
    void log(jobs::LogLevel, const std::string&) override {}
    bool cancelled() const override { return left_ <= 0; }
    int metrics = 0;
    std::string lastMessage;

private:
    int left_;
};

}  // namespace genra::test
