#include "app/cli/terminal.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace genra::cli {

namespace {
std::atomic<int> gInterrupts{0};

void onSignal(int) {
    if (gInterrupts.fetch_add(1) >= 1) _exit(130);
    const char msg[] = "\ngenra: cancelling (press Ctrl-C again to quit at once)\n";
    [[maybe_unused]] auto n = write(STDERR_FILENO, msg, sizeof msg - 1);
}

std::string formatDuration(double seconds) {
    const int s = static_cast<int>(seconds + 0.5);
    char buf[32];
    if (s >= 3600) {
        std::snprintf(buf, sizeof buf, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    } else {
        std::snprintf(buf, sizeof buf, "%d:%02d", s / 60, s % 60);
    }
    return buf;
}
}  // namespace

void installInterruptHandler() {
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() { return gInterrupts.load() > 0; }

TerminalContext::TerminalContext(bool quiet)
    : isTerminal_(isatty(STDERR_FILENO) != 0), quiet_(quiet),
      start_(std::chrono::steady_clock::now()), lastDraw_(start_) {}

TerminalContext::~TerminalContext() { finish(); }

void TerminalContext::clearBar() {
    if (barShown_ && isTerminal_) {
        std::fputs("\r\033[K", stderr);
        barShown_ = false;
    }
}

void TerminalContext::finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (barShown_ && isTerminal_) {
        std::fputc('\n', stderr);
        barShown_ = false;
    }
}

void TerminalContext::progress(double fraction, const std::string& message) {
    if (quiet_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const int percent = fraction < 0 ? -1 : static_cast<int>(fraction * 100.0 + 1e-9);
    if (isTerminal_) {
        if (now - lastDraw_ < std::chrono::milliseconds(100) && percent != 100) return;
        lastDraw_ = now;
        constexpr int width = 30;
        std::string bar;
        if (percent >= 0) {
            const int filled = static_cast<int>(fraction * width);
            bar = std::string(static_cast<std::size_t>(std::min(filled, width)), '#') +
                  std::string(static_cast<std::size_t>(width - std::min(filled, width)), '.');
        }
        std::string eta;
        if (fraction > 0.01 && fraction < 1.0) eta = " ETA " + formatDuration(elapsed * (1.0 - fraction) / fraction);
        std::fprintf(stderr, "\r\033[K[%s] %3d%% %s%s", bar.c_str(), std::max(percent, 0), message.c_str(),
                     eta.c_str());
        std::fflush(stderr);
        barShown_ = true;
    } else {
        // Plain lines: at most one per 10% step or per 5 seconds.
        const bool stepChanged = percent / 10 != lastPercent_ / 10;
        if (!stepChanged && now - lastDraw_ < std::chrono::seconds(5)) return;
        lastDraw_ = now;
        lastPercent_ = percent;
        std::fprintf(stderr, "[%3d%%] %s (%s elapsed)\n", std::max(percent, 0), message.c_str(),
                     formatDuration(elapsed).c_str());
    }
}

void TerminalContext::metric(std::int64_t, const std::string&, double) {}

void TerminalContext::log(jobs::LogLevel level, const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex_);
    clearBar();
    const char* prefix = level == jobs::LogLevel::Error     ? "error: "
                         : level == jobs::LogLevel::Warning ? "warning: "
                                                            : "";
    if (level == jobs::LogLevel::Info && quiet_) return;
    std::fprintf(stderr, "genra: %s%s\n", prefix, line.c_str());
}

bool TerminalContext::cancelled() const { return interrupted(); }

int runWithTerminal(jobs::Job& job, bool quiet) {
    TerminalContext context(quiet);
    const jobs::JobResult result = jobs::runJob(job, context);
    context.finish();
    switch (result.status) {
        case jobs::JobStatus::Succeeded: return 0;
        case jobs::JobStatus::Cancelled:
            std::fprintf(stderr, "genra: %s cancelled; run it again to resume\n", job.name().c_str());
            return 130;
        case jobs::JobStatus::Failed: return 1;
    }
    return 1;
}

}  // namespace genra::cli
