#pragma once

// An ab-like HTTP load generator on Asio: n requests at concurrency c (or for a duration, as
// wrk -d and ab -t), keep-alive or a new connection per request, a body and headers, a
// per-request timeout; every request's times kept as ab keeps them, throughput over time,
// status counts, and failures (connect, write, receive, timeout, malformed reply) counted
// apart from non-2xx replies, as ab does. What the GUI's benchmark panel and
// `cerulean-cli bench` run.
//
// Lean like wrk, since on a small machine the client's CPU is taken from the server it
// measures: each thread runs its connections on one io_context, the request bytes are built
// once, the write is a direct non-blocking send, the reply read into a buffer kept for the
// connection, nothing is allocated or locked per request, and every
// thread has its own counters and times, merged once at the end.

#include "core/bench/histogram.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cerulean::bench {

struct BenchOptions
{
    std::string url;      // http://host[:port]/path[?query]
    std::string method;   // empty: POST when there is a body, else GET
    std::string body;
    std::string contentType = "application/json";
    std::vector<std::pair<std::string, std::string>> headers; // e.g. {"Authorization", "Bearer K"}
    std::uint64_t requests = 1;
    unsigned concurrency = 1;
    bool keepAlive = false;
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};
    // Stop issuing requests after this long (0: no limit; `requests` stays an upper bound).
    std::chrono::milliseconds duration{0};
    unsigned threads = 1; // client threads, each with its share of the connections (ab: 1, wrk: -t)
    std::chrono::milliseconds throughputInterval{100};
};

struct Progress
{
    std::uint64_t completed = 0; // replies and failures
    std::uint64_t failed = 0;
    std::uint64_t total = 0;
    std::chrono::nanoseconds elapsed{0};
};

struct Failures
{
    std::uint64_t connect = 0;
    std::uint64_t write = 0;
    std::uint64_t receive = 0;   // reset or closed before a complete reply
    std::uint64_t timeout = 0;
    std::uint64_t malformed = 0; // not parseable as HTTP
    std::uint64_t total() const { return connect + write + receive + timeout + malformed; }
};

struct BenchResult
{
    std::string host;
    std::uint16_t port = 0;
    std::string path;
    std::string serverSoftware;
    std::uint64_t documentLength = 0; // the first reply's body length
    unsigned concurrency = 0;
    bool keepAlive = false;
    bool sentBody = false;
    std::uint64_t requested = 0;
    std::uint64_t completed = 0; // complete replies (any status)
    std::uint64_t non2xx = 0;
    Failures failures;
    std::uint64_t keepAliveRequests = 0; // requests sent on a reused connection
    std::uint64_t connections = 0;       // connections opened
    std::uint64_t bytesReceived = 0;     // headers + bodies
    std::uint64_t bodyBytesReceived = 0;
    std::uint64_t bytesSent = 0;
    std::map<int, std::uint64_t> statusCounts;
    std::chrono::nanoseconds elapsed{0};
    // ab's four rows, every completed request: Total from the start (before the connect, or
    // the end of the previous reply on a reused connection) to the whole reply read (without
    // keep-alive, to the server's close, as ab); Connect (0 on a reused connection);
    // Processing = Total - Connect; Waiting from the request written to the first reply byte.
    LatencyHistogram latency;
    LatencyHistogram connectTime;
    LatencyHistogram processing;
    LatencyHistogram waiting;
    std::vector<std::uint64_t> completedPerInterval; // throughput over time
    std::chrono::milliseconds interval{100};
    bool cancelled = false;

    double requestsPerSecond() const;
};

// Runs the benchmark on the calling thread (plus worker threads). `progress` is called about
// every 100 ms from the calling thread; `cancel` stops it early (the result says so).
// Returns an error message for bad options or an unreachable host.
std::optional<std::string> runBench(const BenchOptions &options, BenchResult &result,
                                    const std::function<void(const Progress &)> &progress = {},
                                    const std::atomic<bool> *cancel = nullptr);

// ab's text report (same sections, labels and alignment), a JSON report, and ab's -e CSV
// ("Percentage served,Time in ms", 0..100).
std::string formatAbReport(const BenchResult &result);
std::string formatJsonReport(const BenchResult &result);
std::string formatAbCsv(const BenchResult &result);

// The percentiles ab prints.
inline constexpr double kAbPercentiles[] = {50, 66, 75, 80, 90, 95, 98, 99, 100};

struct ParsedUrl
{
    std::string host;
    std::uint16_t port = 80;
    std::string target = "/";
};
std::optional<ParsedUrl> parseHttpUrl(const std::string &url, std::string &error);

} // namespace cerulean::bench
