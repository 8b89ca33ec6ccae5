#include "core/bench/load_generator.h"
#include "core/serving/http_server.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>
#include <thread>

using namespace std::chrono_literals;
using namespace cerulean::bench;
using cerulean::serving::HttpServer;
using cerulean::serving::HttpServerOptions;
using cerulean::serving::Request;
using cerulean::serving::Response;

TEST(LatencyHistogram, PercentilesWithinOnePercent)
{
    LatencyHistogram h;
    std::vector<std::int64_t> values;
    std::mt19937_64 random(7);
    std::lognormal_distribution<double> dist(11.0, 1.0); // around 60 us, long tail
    for (int i = 0; i < 100000; ++i) {
        const auto v = static_cast<std::int64_t>(dist(random));
        values.push_back(v);
        h.record(std::chrono::nanoseconds(v));
    }
    std::sort(values.begin(), values.end());
    for (const double p : kAbPercentiles) {
        const std::size_t rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(p / 100.0 * values.size())));
        const double exact = static_cast<double>(values[rank - 1]);
        const double got = static_cast<double>(h.percentile(p).count());
        EXPECT_NEAR(got, exact, exact * 0.01) << p;
    }
    EXPECT_EQ(h.count(), 100000u);
    EXPECT_EQ(h.min().count(), values.front());
    EXPECT_EQ(h.max().count(), values.back());
    LatencyHistogram other;
    other.record(1ms);
    h.merge(other);
    EXPECT_EQ(h.count(), 100001u);
}

TEST(LatencyHistogram, SmallValuesAreExact)
{
    LatencyHistogram h;
    for (int v = 0; v < 256; ++v)
        h.record(std::chrono::nanoseconds(v));
    EXPECT_EQ(h.percentile(50).count(), 127);
    EXPECT_EQ(h.percentile(100).count(), 255);
}

TEST(ParseHttpUrl, Forms)
{
    std::string error;
    auto u = parseHttpUrl("http://127.0.0.1:5001/score?x=1", error);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "127.0.0.1");
    EXPECT_EQ(u->port, 5001);
    EXPECT_EQ(u->target, "/score?x=1");
    u = parseHttpUrl("http://localhost", error);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->port, 80);
    EXPECT_EQ(u->target, "/");
    EXPECT_FALSE(parseHttpUrl("https://x/", error));
    EXPECT_NE(error.find("https"), std::string::npos);
    EXPECT_FALSE(parseHttpUrl("http://x:99999/", error));
    EXPECT_FALSE(parseHttpUrl("ftp://x/", error));
}

namespace {

struct Server
{
    explicit Server(cerulean::serving::Handler handler)
    {
        HttpServerOptions o;
        o.threads = 1;
        server = std::make_unique<HttpServer>(o, std::move(handler));
        EXPECT_FALSE(server->start().has_value());
    }
    std::string url(const std::string &path) const { return "http://127.0.0.1:" + std::to_string(server->port()) + path; }
    std::unique_ptr<HttpServer> server;
};

} // namespace

TEST(RunBench, CountsRepliesStatusesAndBytesWithAndWithoutKeepAlive)
{
    std::atomic<int> seen{0};
    Server s([&](const Request &r) {
        const int n = ++seen;
        if (r.body != "{\"x\":1}")
            return Response::json(400, "{\"bad\":true}");
        return n % 10 == 0 ? Response::json(503, "{\"busy\":1}") : Response::json(200, "{\"ok\":1}");
    });
    for (const bool keepAlive : {false, true}) {
        seen = 0;
        BenchOptions o;
        o.url = s.url("/score");
        o.body = "{\"x\":1}";
        o.requests = 200;
        o.concurrency = 4;
        o.keepAlive = keepAlive;
        BenchResult r;
        std::uint64_t lastProgress = 0;
        ASSERT_FALSE(runBench(o, r, [&](const Progress &p) { lastProgress = p.completed; }).has_value());
        EXPECT_EQ(r.completed, 200u);
        EXPECT_EQ(r.failures.total(), 0u);
        EXPECT_EQ(r.statusCounts[200], 180u);
        EXPECT_EQ(r.statusCounts[503], 20u);
        EXPECT_EQ(r.non2xx, 20u);
        EXPECT_EQ(r.documentLength, 8u);
        EXPECT_EQ(r.bodyBytesReceived, 180u * 8 + 20u * 10);
        EXPECT_EQ(r.latency.count(), 200u);
        EXPECT_EQ(lastProgress, 200u);
        EXPECT_EQ(r.serverSoftware, "cerulean");
        std::uint64_t overTime = 0;
        for (auto c : r.completedPerInterval)
            overTime += c;
        EXPECT_EQ(overTime, 200u);
        if (keepAlive) {
            // The first request of each connection opens it; at most one connection per client
            // (a client may never get a request when the others drain the queue first).
            EXPECT_EQ(r.keepAliveRequests + r.connectTime.count(), 200u);
            EXPECT_LE(r.connectTime.count(), 4u);
            EXPECT_GE(r.connectTime.count(), 1u);
            EXPECT_EQ(s.server->stats().connectionsAccepted, 200u + r.connectTime.count());
        } else {
            EXPECT_EQ(r.connectTime.count(), 200u);
        }
        const std::string text = formatAbReport(r);
        EXPECT_NE(text.find("Complete requests:      200"), std::string::npos) << text;
        EXPECT_NE(text.find("Non-2xx responses:      20"), std::string::npos) << text;
        EXPECT_NE(text.find(" 99%"), std::string::npos);
        const auto json = nlohmann::json::parse(formatJsonReport(r));
        EXPECT_EQ(json["statusCounts"]["503"], 20);
        EXPECT_EQ(json["latency"]["percentilesMs"].size(), 9u);
    }
}

TEST(RunBench, FailuresAreCountedApartFromNon2xx)
{
    // Nothing listens on this port once the server is gone: every connect fails.
    std::string url;
    {
        Server s([](const Request &) { return Response::json(200, "{}"); });
        url = s.url("/");
        s.server->stop();
    }
    BenchOptions o;
    o.url = url;
    o.requests = 20;
    o.concurrency = 2;
    BenchResult r;
    ASSERT_FALSE(runBench(o, r).has_value());
    EXPECT_EQ(r.failures.connect, 20u);
    EXPECT_EQ(r.completed, 0u);
    EXPECT_EQ(r.non2xx, 0u);
}

TEST(RunBench, TimeoutsAndCancel)
{
    Server s([](const Request &r) {
        if (r.path == "/slow")
            std::this_thread::sleep_for(300ms);
        return Response::json(200, "{}");
    });
    BenchOptions o;
    o.url = s.url("/slow");
    o.requests = 2;
    o.concurrency = 1;
    o.timeout = 100ms;
    BenchResult r;
    ASSERT_FALSE(runBench(o, r).has_value());
    EXPECT_EQ(r.failures.timeout, 2u);

    // A server of its own: the first one is still sleeping on the timed-out requests.
    Server fast([](const Request &) { return Response::json(200, "{}"); });
    o.url = fast.url("/fast");
    o.requests = 100000000;
    o.timeout = 5s;
    o.keepAlive = true;
    std::atomic<bool> cancel{false};
    std::thread canceller([&] {
        std::this_thread::sleep_for(200ms);
        cancel = true;
    });
    ASSERT_FALSE(runBench(o, r, {}, &cancel).has_value());
    canceller.join();
    EXPECT_TRUE(r.cancelled);
    EXPECT_GT(r.completed, 0u);
    EXPECT_LT(r.completed, 100000000u);
}

TEST(RunBench, BadOptions)
{
    BenchOptions o;
    BenchResult r;
    o.url = "http://127.0.0.1:1/";
    o.requests = 0;
    EXPECT_TRUE(runBench(o, r).has_value());
    o.requests = 2;
    o.concurrency = 3;
    EXPECT_TRUE(runBench(o, r).has_value());
    o.concurrency = 1;
    o.url = "https://example.com/";
    EXPECT_TRUE(runBench(o, r).has_value());
}
