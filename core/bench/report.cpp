#include "core/bench/load_generator.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace cerulean::bench {

namespace {

double ms(std::chrono::nanoseconds value)
{
    return std::chrono::duration<double, std::milli>(value).count();
}

std::string line(const char *label, const std::string &value)
{
    char text[256];
    std::snprintf(text, sizeof text, "%-24s%s\n", label, value.c_str());
    return text;
}

std::string format(const char *pattern, double value)
{
    char text[64];
    std::snprintf(text, sizeof text, pattern, value);
    return text;
}

} // namespace

std::string formatAbReport(const BenchResult &r)
{
    const double seconds = std::chrono::duration<double>(r.elapsed).count();
    std::string out;
    out += "This is cerulean-cli bench " CERULEAN_VERSION ", an ab-compatible load generator\n";
    out += "(times in ms with microsecond precision where ab rounds to whole ms; otherwise ab's rules)\n\n";
    if (r.cancelled)
        out += "Cancelled after " + std::to_string(r.completed + r.failures.total()) + " requests\n\n";
    out += line("Server Software:", r.serverSoftware);
    out += line("Server Hostname:", r.host);
    out += line("Server Port:", std::to_string(r.port));
    out += "\n";
    out += line("Document Path:", r.path);
    out += line("Document Length:", std::to_string(r.documentLength) + " bytes");
    out += "\n";
    out += line("Concurrency Level:", std::to_string(r.concurrency));
    out += line("Time taken for tests:", format("%.3f seconds", seconds));
    out += line("Complete requests:", std::to_string(r.completed + r.failures.total()));
    out += line("Failed requests:", std::to_string(r.failures.total()));
    if (r.failures.total()) {
        char text[200];
        std::snprintf(text, sizeof text,
                      "   (Connect: %llu, Receive: %llu, Timeout: %llu, Malformed: %llu, Write: %llu)\n",
                      static_cast<unsigned long long>(r.failures.connect),
                      static_cast<unsigned long long>(r.failures.receive),
                      static_cast<unsigned long long>(r.failures.timeout),
                      static_cast<unsigned long long>(r.failures.malformed),
                      static_cast<unsigned long long>(r.failures.write));
        out += text;
    }
    if (r.non2xx)
        out += line("Non-2xx responses:", std::to_string(r.non2xx));
    if (r.keepAlive)
        out += line("Keep-Alive requests:", std::to_string(r.keepAliveRequests));
    out += line("Total transferred:", std::to_string(r.bytesReceived) + " bytes");
    if (r.sentBody) // ab's figure: every request's bytes, head included
        out += line("Total body sent:", std::to_string(r.bytesSent));
    out += line("HTML transferred:", std::to_string(r.bodyBytesReceived) + " bytes");
    const double rps = r.requestsPerSecond();
    out += line("Requests per second:", format("%.2f [#/sec] (mean)", rps));
    const double perRequest = r.completed ? seconds * 1000.0 * r.concurrency / static_cast<double>(r.completed) : 0;
    out += line("Time per request:", format("%.3f [ms] (mean)", perRequest));
    out += line("Time per request:",
                format("%.3f [ms] (mean, across all concurrent requests)", r.concurrency ? perRequest / r.concurrency : 0));
    out += line("Transfer rate:", format("%.2f [Kbytes/sec] received", seconds > 0 ? r.bytesReceived / 1024.0 / seconds : 0));
    out += format("                        %.2f kb/s sent\n", seconds > 0 ? r.bytesSent / 1024.0 / seconds : 0);
    out += format("                        %.2f kb/s total\n",
                  seconds > 0 ? (r.bytesSent + r.bytesReceived) / 1024.0 / seconds : 0);
    out += "\nConnection Times (ms)\n";
    out += "              min  mean[+/-sd] median   max\n";
    auto row = [&](const char *label, const LatencyHistogram &h) {
        char text[200];
        std::snprintf(text, sizeof text, "%-11s %7.3f %7.3f %6.3f %7.3f %8.3f\n", label, ms(h.min()), ms(h.mean()),
                      ms(h.stddev()), ms(h.abMedian()), ms(h.max()));
        out += text;
    };
    row("Connect:", r.connectTime);
    row("Processing:", r.processing);
    row("Waiting:", r.waiting);
    row("Total:", r.latency);
    if (r.latency.count() > 1) { // ab prints the table from two requests on
        out += "\nPercentage of the requests served within a certain time (ms)\n";
        for (const double p : kAbPercentiles) {
            char text[120];
            if (p >= 100)
                std::snprintf(text, sizeof text, " 100%% %9.3f (longest request)\n", ms(r.latency.max()));
            else
                std::snprintf(text, sizeof text, "  %.0f%% %9.3f\n", p, ms(r.latency.percentile(p)));
            out += text;
        }
    }
    return out;
}

std::string formatAbCsv(const BenchResult &r)
{
    std::string out = "Percentage served,Time in ms\n";
    if (r.latency.count() == 0)
        return out;
    for (int p = 0; p <= 100; ++p) {
        char text[64];
        std::snprintf(text, sizeof text, "%d,%.3f\n", p, ms(r.latency.csvPercentile(p)));
        out += text;
    }
    return out;
}

std::string formatJsonReport(const BenchResult &r)
{
    nlohmann::ordered_json j;
    j["server"] = {{"software", r.serverSoftware}, {"host", r.host}, {"port", r.port}, {"path", r.path}};
    j["documentLength"] = r.documentLength;
    j["concurrency"] = r.concurrency;
    j["keepAlive"] = r.keepAlive;
    j["requested"] = r.requested;
    j["completed"] = r.completed;
    j["cancelled"] = r.cancelled;
    j["failed"] = r.failures.total();
    j["failures"] = {{"connect", r.failures.connect},
                     {"write", r.failures.write},
                     {"receive", r.failures.receive},
                     {"timeout", r.failures.timeout},
                     {"malformed", r.failures.malformed}};
    j["non2xx"] = r.non2xx;
    nlohmann::ordered_json statuses = nlohmann::ordered_json::object();
    for (const auto &[status, count] : r.statusCounts)
        statuses[std::to_string(status)] = count;
    j["statusCounts"] = statuses;
    j["keepAliveRequests"] = r.keepAliveRequests;
    j["bytesReceived"] = r.bytesReceived;
    j["bodyBytesReceived"] = r.bodyBytesReceived;
    j["bytesSent"] = r.bytesSent;
    j["elapsedSeconds"] = std::chrono::duration<double>(r.elapsed).count();
    j["requestsPerSecond"] = r.requestsPerSecond();
    nlohmann::ordered_json latency;
    latency["minMs"] = ms(r.latency.min());
    latency["meanMs"] = ms(r.latency.mean());
    latency["stddevMs"] = ms(r.latency.stddev());
    latency["maxMs"] = ms(r.latency.max());
    nlohmann::ordered_json percentiles = nlohmann::ordered_json::object();
    for (const double p : kAbPercentiles)
        percentiles[std::to_string(static_cast<int>(p))] = ms(r.latency.percentile(p));
    latency["percentilesMs"] = percentiles;
    nlohmann::ordered_json histogram = nlohmann::ordered_json::array();
    for (const auto &[edge, count] : r.latency.buckets())
        histogram.push_back({{"upToMs", ms(edge)}, {"count", count}});
    latency["histogram"] = histogram;
    j["latency"] = latency;
    auto times = [](const LatencyHistogram &h) {
        return nlohmann::ordered_json{{"min", ms(h.min())},
                                      {"mean", ms(h.mean())},
                                      {"sd", ms(h.stddev())},
                                      {"median", ms(h.abMedian())},
                                      {"max", ms(h.max())}};
    };
    j["connectionTimesMs"] = {{"connect", times(r.connectTime)},
                              {"processing", times(r.processing)},
                              {"waiting", times(r.waiting)},
                              {"total", times(r.latency)}};
    j["connections"] = r.connections;
    nlohmann::ordered_json over = nlohmann::ordered_json::array();
    const double perSecond = 1000.0 / static_cast<double>(r.interval.count());
    for (std::size_t i = 0; i < r.completedPerInterval.size(); ++i)
        over.push_back({{"t", static_cast<double>(i * static_cast<std::size_t>(r.interval.count())) / 1000.0},
                        {"requestsPerSecond", static_cast<double>(r.completedPerInterval[i]) * perSecond}});
    j["throughputOverTime"] = over;
    return j.dump(2);
}

} // namespace cerulean::bench
