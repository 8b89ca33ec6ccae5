#include "core/bench/load_generator.h"
#include "core/serving/http_server.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <random>
#include <thread>

using namespace std::chrono_literals;
using namespace cerulean::bench;
using cerulean::serving::HttpServer;
using cerulean::serving::HttpServerOptions;
using cerulean::serving::Request;
using cerulean::serving::Response;

// ab's own rules, written out from its source: the table takes stats[done * p / 100] of the
// sorted times, the -e CSV stats[(unsigned long)(0.5 + done * p / 100.0)], 100 % the longest.
TEST(LatencyHistogram, PercentilesFollowAbsRulesExactly)
{
    LatencyHistogram h;
    std::vector<std::int64_t> values;
    std::mt19937_64 random(7);
    std::lognormal_distribution<double> dist(11.0, 1.0); // around 60 us, long tail
    for (int i = 0; i < 100003; ++i) {
        const auto v = static_cast<std::int64_t>(dist(random));
        values.push_back(v);
        h.record(std::chrono::nanoseconds(v));
    }
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    // Unsorted (a copy is partially sorted per call) and sorted give the same answers.
    for (const bool sorted : {false, true}) {
        if (sorted)
            h.sortValues();
        for (const double p : kAbPercentiles) {
            const std::int64_t expected = p >= 100 ? values.back() : values[n * static_cast<std::size_t>(p) / 100];
            EXPECT_EQ(h.percentile(p).count(), expected) << p;
        }
        for (int p = 0; p <= 100; ++p) {
            const std::int64_t expected = p == 0     ? values.front()
                                          : p == 100 ? values.back()
                                                     : values[static_cast<std::size_t>(0.5 + static_cast<double>(n) * p / 100.0)];
            EXPECT_EQ(h.csvPercentile(p).count(), expected) << p;
        }
    }
    EXPECT_EQ(h.count(), n);
    EXPECT_EQ(h.min().count(), values.front());
    EXPECT_EQ(h.max().count(), values.back());
    // n is odd: ab's median is the mean of the values at n/2 and n/2 + 1.
    EXPECT_EQ(h.abMedian().count(), (values[n / 2] + values[n / 2 + 1]) / 2);
    // The buckets stay within 0.8 % of the values in them.
    std::uint64_t inBuckets = 0;
    for (const auto &[edge, count] : h.buckets())
        inBuckets += count;
    EXPECT_EQ(inBuckets, n);
}

TEST(LatencyHistogram, SmallCountsMeanSampleDeviationAndMerge)
{
    // 1..10 ms: ab's table says 50 % -> stats[5] = 6 ms, 90 % -> stats[9] = 10 ms; the CSV
    // rounds the index: 50 % -> stats[5] too, 44 % -> stats[(int)4.9] = stats[4] = 5 ms,
    // 45 % -> stats[(int)5.0] = 6 ms.
    LatencyHistogram a;
    LatencyHistogram b;
    for (int v = 10; v >= 1; --v)
        (v % 2 ? a : b).record(std::chrono::milliseconds(v));
    a.merge(b);
    a.sortValues();
    EXPECT_EQ(a.count(), 10u);
    EXPECT_EQ(a.percentile(50), 6ms);
    EXPECT_EQ(a.percentile(66), 7ms);
    EXPECT_EQ(a.percentile(90), 10ms);
    EXPECT_EQ(a.percentile(100), 10ms);
    EXPECT_EQ(a.csvPercentile(44), 5ms);
    EXPECT_EQ(a.csvPercentile(45), 6ms);
    EXPECT_EQ(a.csvPercentile(0), 1ms);
    EXPECT_EQ(a.abMedian(), 6ms); // even count: stats[5]
    EXPECT_EQ(a.mean(), 5500us);
    // Sample deviation of 1..10 (n - 1 = 9): sqrt(82.5 / 9) = 3.0277 ms.
    EXPECT_NEAR(static_cast<double>(a.stddev().count()), 3027650.0, 1000.0);
    LatencyHistogram one;
    one.record(3ms);
    EXPECT_EQ(one.stddev().count(), 0);
    EXPECT_EQ(one.percentile(99), 3ms);
    a.clear();
    EXPECT_EQ(a.count(), 0u);
    EXPECT_EQ(a.percentile(50).count(), 0);
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
        EXPECT_EQ(r.connectTime.count(), 200u); // ab's Connect row covers every request
        EXPECT_EQ(r.processing.count(), 200u);
        EXPECT_EQ(r.waiting.count(), 200u);
        for (std::size_t i = 0; i < r.latency.values().size(); ++i) {
            ASSERT_LE(r.connectTime.values()[i], r.latency.max().count());
            if (i > 0) {
                ASSERT_LE(r.latency.values()[i - 1], r.latency.values()[i]) << "times are sorted";
            }
        }
        if (keepAlive) {
            // The first request of each connection opens it; at most one connection per client
            // (a client may never get a request when the others drain the queue first).
            EXPECT_EQ(r.keepAliveRequests + r.connections, 200u);
            EXPECT_LE(r.connections, 4u);
            EXPECT_GE(r.connections, 1u);
            // Reused connections have no connect time, as in ab.
            EXPECT_EQ(r.connectTime.percentile(50).count(), 0);
            EXPECT_EQ(s.server->stats().connectionsAccepted, 200u + r.connections);
        } else {
            EXPECT_EQ(r.connections, 200u);
            EXPECT_EQ(r.keepAliveRequests, 0u);
            EXPECT_GT(r.connectTime.min().count(), 0);
        }
        const std::string text = formatAbReport(r);
        EXPECT_NE(text.find("Complete requests:      200"), std::string::npos) << text;
        EXPECT_NE(text.find("Non-2xx responses:      20"), std::string::npos) << text;
        EXPECT_NE(text.find(" 99%"), std::string::npos);
        const auto json = nlohmann::json::parse(formatJsonReport(r));
        EXPECT_EQ(json["statusCounts"]["503"], 20);
        EXPECT_EQ(json["latency"]["percentilesMs"].size(), 9u);
        const double p99 = std::chrono::duration<double, std::milli>(r.latency.percentile(99)).count();
        EXPECT_DOUBLE_EQ(json["latency"]["percentilesMs"]["99"].get<double>(), p99);
        for (const char *row : {"Connect:", "Processing:", "Waiting:", "Total:"})
            EXPECT_NE(text.find(row), std::string::npos) << row;
        const std::string csv = formatAbCsv(r);
        EXPECT_EQ(csv.rfind("Percentage served,Time in ms\n0,", 0), 0u) << csv;
        EXPECT_NE(csv.find("\n100,"), std::string::npos);
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

namespace {

// A deliberately plain HTTP server, one connection at a time, for behaviour the real server
// never shows: it answers `perConnection` requests on a connection, then reads the next
// request and closes without a reply (a kept-alive connection closed by the server just as
// the client reuses it), or lingers `closeDelay` after each reply before closing.
class RawServer final
{
public:
    RawServer(int perConnection, std::chrono::milliseconds closeDelay, std::string reply = {})
        : m_acceptor(m_context, {boost::asio::ip::make_address("127.0.0.1"), 0})
        , m_perConnection(perConnection)
        , m_closeDelay(closeDelay)
        , m_reply(std::move(reply))
        , m_thread([this] { serve(); })
    {
    }
    ~RawServer()
    {
        m_stop = true;
        boost::system::error_code ignored;
        // Wake the blocking accept with a connection of our own.
        boost::asio::io_context other;
        boost::asio::ip::tcp::socket poke(other);
        poke.connect(m_acceptor.local_endpoint(), ignored);
        m_thread.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(m_acceptor.local_endpoint().port()) + "/"; }
    int connections() const { return m_connections.load(); }

private:
    // Reads one request; false at the end of the stream.
    static bool readRequest(boost::asio::ip::tcp::socket &socket, boost::asio::streambuf &buffer)
    {
        boost::system::error_code ec;
        const std::size_t head = boost::asio::read_until(socket, buffer, "\r\n\r\n", ec);
        if (ec)
            return false;
        std::string text(boost::asio::buffers_begin(buffer.data()), boost::asio::buffers_begin(buffer.data()) + static_cast<std::ptrdiff_t>(head));
        buffer.consume(head);
        std::size_t length = 0;
        const auto at = text.find("Content-Length: ");
        if (at != std::string::npos)
            length = std::stoul(text.substr(at + 16));
        if (buffer.size() < length)
            boost::asio::read(socket, buffer, boost::asio::transfer_exactly(length - buffer.size()), ec);
        buffer.consume(length);
        return !ec;
    }

    void serve()
    {
        while (!m_stop) {
            boost::asio::ip::tcp::socket socket(m_context);
            boost::system::error_code ec;
            m_acceptor.accept(socket, ec);
            if (ec || m_stop)
                return;
            ++m_connections;
            boost::asio::streambuf buffer;
            for (int i = 0; i < m_perConnection && readRequest(socket, buffer); ++i) {
                const std::string reply = !m_reply.empty()     ? m_reply
                                          : m_closeDelay.count() ? "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}"
                                                                 : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
                boost::asio::write(socket, boost::asio::buffer(reply), ec);
            }
            if (m_closeDelay.count())
                std::this_thread::sleep_for(m_closeDelay);
            else
                readRequest(socket, buffer); // the next request arrives; closed unanswered
            socket.close(ec);
        }
    }

    boost::asio::io_context m_context;
    boost::asio::ip::tcp::acceptor m_acceptor;
    int m_perConnection;
    std::chrono::milliseconds m_closeDelay;
    std::string m_reply;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_connections{0};
    std::thread m_thread;
};

} // namespace

TEST(RunBench, KeptAliveConnectionClosedByTheServerIsReopenedNotFailed)
{
    // ab's rule: a reused connection that ends before any byte of the reply was an idle
    // close, not a failure; the request goes again on a new connection.
    RawServer server(1, 0ms);
    BenchOptions o;
    o.url = server.url();
    o.body = "{}";
    o.requests = 10;
    o.concurrency = 1;
    o.keepAlive = true;
    BenchResult r;
    ASSERT_FALSE(runBench(o, r).has_value());
    EXPECT_EQ(r.failures.total(), 0u);
    EXPECT_EQ(r.completed, 10u);
    EXPECT_EQ(r.statusCounts[200], 10u);
    EXPECT_EQ(r.connections, 10u);
    EXPECT_EQ(r.keepAliveRequests, 0u); // each reply came on the connection opened for it
}

TEST(RunBench, RepliesWithoutABodyEndAtTheirHeadWhateverTheLengthSays)
{
    // RFC 9112 section 6.3: a reply to HEAD, a 204 and a 304 end at the blank line; their
    // Content-Length describes the body a GET would have had. Waiting for those bytes would
    // hang every kept-alive connection until the timeout.
    struct Case
    {
        std::string method;
        std::string reply;
        int status;
    };
    const std::vector<Case> cases = {
        {"HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 200},
        {"GET", "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", 204},
        {"GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n\r\n", 304},
    };
    for (const Case &c : cases) {
        RawServer server(1000, 0ms, c.reply);
        BenchOptions o;
        o.url = server.url();
        o.method = c.method;
        o.requests = 20;
        o.concurrency = 1;
        o.keepAlive = true;
        o.timeout = 2s;
        BenchResult r;
        ASSERT_FALSE(runBench(o, r).has_value());
        EXPECT_EQ(r.failures.total(), 0u) << c.reply;
        EXPECT_EQ(r.completed, 20u) << c.reply;
        EXPECT_EQ(r.statusCounts[c.status], 20u) << c.reply;
        EXPECT_EQ(r.bodyBytesReceived, 0u) << c.reply;
        EXPECT_EQ(r.connections, 1u) << "every reply ended at its head, so the one connection was reused: " << c.reply;
        EXPECT_EQ(r.keepAliveRequests, 19u) << c.reply;
    }
}

TEST(RunBench, WithoutKeepAliveARequestLastsUntilTheServerCloses)
{
    // ab times a request without keep-alive up to the close, not to the reply's last byte.
    RawServer server(1, 150ms);
    BenchOptions o;
    o.url = server.url();
    o.requests = 2;
    o.concurrency = 1;
    BenchResult r;
    ASSERT_FALSE(runBench(o, r).has_value());
    EXPECT_EQ(r.failures.total(), 0u);
    EXPECT_EQ(r.completed, 2u);
    EXPECT_GE(r.latency.min(), 150ms);
    EXPECT_LT(r.waiting.max(), 150ms); // the reply itself came at once
    EXPECT_EQ(server.connections(), 2);
}

// The elapsed time (and so requests/s) ends with the last reply, as ab's does: a run that
// lasts a few milliseconds must not be stretched to the next turn of the progress loop (20 ms).
TEST(RunBench, ElapsedEndsWithTheLastReply)
{
    Server s([](const Request &) { return Response::json(200, "{}"); });
    BenchOptions o;
    o.url = s.url("/");
    o.requests = 3;
    o.concurrency = 1;
    o.keepAlive = true;
    auto best = std::chrono::nanoseconds::max();
    for (int attempt = 0; attempt < 3; ++attempt) { // a loaded machine may delay one run
        BenchResult r;
        ASSERT_FALSE(runBench(o, r).has_value());
        ASSERT_EQ(r.completed, 3u);
        EXPECT_GE(r.elapsed, r.latency.max());
        best = std::min(best, std::chrono::duration_cast<std::chrono::nanoseconds>(r.elapsed));
    }
    EXPECT_LT(best, 10ms);
}

TEST(RunBench, TimeLimitStopsIssuingRequests)
{
    Server s([](const Request &) { return Response::json(200, "{}"); });
    BenchOptions o;
    o.url = s.url("/");
    o.requests = 100000000;
    o.concurrency = 4;
    o.threads = 2;
    o.keepAlive = true;
    o.duration = 300ms;
    BenchResult r;
    ASSERT_FALSE(runBench(o, r).has_value());
    EXPECT_FALSE(r.cancelled);
    EXPECT_GT(r.completed, 0u);
    EXPECT_EQ(r.failures.total(), 0u);
    EXPECT_GE(r.elapsed, 300ms);
    EXPECT_LT(r.elapsed, 5s);
    EXPECT_EQ(r.latency.count(), r.completed);
    EXPECT_LE(r.connections, 4u);
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
