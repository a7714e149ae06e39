#include "core/jobs/job.h"

#include "core/util/error.h"

#include <chrono>

namespace genra::jobs {

void JobContext::checkCancelled() const {
    if (cancelled()) throw Cancelled();
}

CallbackContext::CallbackContext(JobCallbacks callbacks, std::shared_ptr<CancelToken> token)
    : callbacks_(std::move(callbacks)), token_(token ? std::move(token) : std::make_shared<CancelToken>()) {}

void CallbackContext::progress(double fraction, const std::string& message) {
    if (callbacks_.onProgress) callbacks_.onProgress(fraction, message);
}

void CallbackContext::metric(std::int64_t step, const std::string& name, double value) {
    if (callbacks_.onMetric) callbacks_.onMetric(step, name, value);
}

void CallbackContext::log(LogLevel level, const std::string& line) {
    if (callbacks_.onLog) callbacks_.onLog(level, line);
}

bool CallbackContext::cancelled() const { return token_->cancelled(); }

JobResult runJob(Job& job, JobContext& context) {
    JobResult result;
    const auto start = std::chrono::steady_clock::now();
    try {
        const bool ok = job.run(context);
        if (context.cancelled()) {
            result.status = JobStatus::Cancelled;
        } else if (ok) {
            result.status = JobStatus::Succeeded;
        } else {
            result.status = JobStatus::Failed;
            result.error = job.name() + " failed";
        }
    } catch (const Cancelled&) {
        result.status = JobStatus::Cancelled;
    } catch (const std::exception& e) {
        result.status = JobStatus::Failed;
        result.error = e.what();
    }
    result.durationSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (result.status == JobStatus::Failed) context.log(LogLevel::Error, result.error);
    return result;
}

const char* toString(JobStatus status) {
    switch (status) {
        case JobStatus::Succeeded: return "succeeded";
        case JobStatus::Failed: return "failed";
        case JobStatus::Cancelled: return "cancelled";
    }
    return "unknown";
}

void ScaledContext::progress(double fraction, const std::string& message) {
    inner_.progress(fraction < 0 ? fraction : from_ + (to_ - from_) * fraction, message);
}

void runSubJob(Job& job, JobContext& context, double from, double to) {
    ScaledContext scaled(context, from, to);
    const auto result = runJob(job, scaled);
    if (result.status == JobStatus::Cancelled || context.cancelled()) throw Cancelled();
    if (result.status != JobStatus::Succeeded) throw Error(job.name() + ": " + result.error);
}

}  // namespace genra::jobs
