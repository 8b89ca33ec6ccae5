#include "core/serving/http_server.h"
#include "tests/serving/raw_client.h"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <future>
#include <optional>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using cerulean::serving::HttpServer;
using cerulean::serving::HttpServerOptions;
using cerulean::serving::Request;
using cerulean::serving::Responder;
using cerulean::serving::Response;
using cerulean::serving::ServerEvent;
using cerulean::serving::test::RawClient;

namespace {

// Echoes what the handler saw, so the tests check the request as parsed.
Response echo(const Request &r)
{
    std::string body = r.method + " " + r.path + " q=" + r.query + " v=" + std::to_string(r.version)
                       + " x=" + std::string(r.header("x-test").value_or("-")) + " body=" + r.body;
    return Response::json(200, body);
}

HttpServerOptions smallOptions()
{
    HttpServerOptions o;
    o.threads = 2;
    o.maxBodyBytes = 1000;
    return o;
}

} // namespace

TEST(HttpServer, KeepAliveRequestsOnOneConnection)
{
    HttpServer server(smallOptions(), echo);
    ASSERT_FALSE(server.start().has_value());
    ASSERT_NE(server.port(), 0);
    RawClient c(server.port());
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.send("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\nX-Test: yes\r\n\r\n"));
    auto r1 = c.read();
    ASSERT_TRUE(r1);
    EXPECT_EQ(r1->status, 200);
    EXPECT_EQ(r1->body, "GET /a/b q=x=1&y=2 v=11 x=yes body=");
    EXPECT_TRUE(r1->hasHeader("Content-Type: application/json"));
    EXPECT_FALSE(r1->hasHeader("Connection: close"));
    ASSERT_TRUE(c.send("POST /score HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"));
    auto r2 = c.read();
    ASSERT_TRUE(r2);
    EXPECT_EQ(r2->body, "POST /score q= v=11 x=- body=hello");
    EXPECT_EQ(server.stats().requests, 2u);
    EXPECT_EQ(server.stats().connectionsAccepted, 1u);
}

TEST(HttpServer, Http10ClosesUnlessKeepAliveAsked)
{
    HttpServer server(smallOptions(), echo);
    ASSERT_FALSE(server.start().has_value());
    {
        RawClient c(server.port());
        ASSERT_TRUE(c.send("GET / HTTP/1.0\r\n\r\n"));
        auto r = c.read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
        EXPECT_TRUE(r->hasHeader("Connection: close"));
        EXPECT_TRUE(c.closedByPeer());
    }
    {
        RawClient c(server.port());
        ASSERT_TRUE(c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        auto r = c.read();
        ASSERT_TRUE(r);
        EXPECT_TRUE(r->hasHeader("Connection: keep-alive"));
        EXPECT_NE(r->body.find("v=10"), std::string::npos);
        ASSERT_TRUE(c.send("GET /again HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        auto again = c.read();
        ASSERT_TRUE(again);
        EXPECT_NE(again->body.find("/again"), std::string::npos);
    }
    {
        RawClient c(server.port());
        ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
        auto r = c.read();
        ASSERT_TRUE(r);
        EXPECT_TRUE(r->hasHeader("Connection: close"));
        EXPECT_TRUE(c.closedByPeer());
    }
}

TEST(HttpServer, PipelinedRequestsAnsweredInOrder)
{
    HttpServer server(smallOptions(), echo);
    ASSERT_FALSE(server.start().has_value());
    RawClient c(server.port());
    std::string burst;
    for (int i = 0; i < 20; ++i)
        burst += "POST /p" + std::to_string(i) + " HTTP/1.1\r\nContent-Length: 1\r\n\r\n" + std::to_string(i % 10);
    ASSERT_TRUE(c.send(burst));
    for (int i = 0; i < 20; ++i) {
        auto r = c.read();
        ASSERT_TRUE(r) << i;
        EXPECT_EQ(r->body, "POST /p" + std::to_string(i) + " q= v=11 x=- body=" + std::to_string(i % 10));
    }
}

TEST(HttpServer, BodyOverLimitIs413AndOthersAreServed)
{
    HttpServer server(smallOptions(), echo);
    std::atomic<int> tooLarge{0};
    server.setEventCallback([&](const ServerEvent &e) {
        if (e.kind == ServerEvent::Kind::BodyTooLarge)
            ++tooLarge;
    });
    ASSERT_FALSE(server.start().has_value());
    {
        RawClient c(server.port());
        ASSERT_TRUE(c.send("POST /score HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'a')));
        auto r = c.read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 413);
        EXPECT_NE(r->body.find("\"code\":\"body_too_large\""), std::string::npos) << r->body;
        EXPECT_NE(r->body.find("1000 bytes"), std::string::npos) << r->body;
        EXPECT_TRUE(r->hasHeader("Connection: close"));
        EXPECT_TRUE(c.closedByPeer());
    }
    {
        // Chunked: no length up front, the limit trips while reading.
        RawClient c(server.port());
        std::string chunk(900, 'b');
        ASSERT_TRUE(c.send("POST /score HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n384\r\n" + chunk + "\r\n384\r\n"
                           + chunk + "\r\n0\r\n\r\n"));
        auto r = c.read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 413);
    }
    RawClient ok(server.port());
    ASSERT_TRUE(ok.send("GET / HTTP/1.1\r\n\r\n"));
    auto r = ok.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(tooLarge.load(), 2);
}

TEST(HttpServer, ExpectContinueGetsInterimResponse)
{
    HttpServer server(smallOptions(), echo);
    ASSERT_FALSE(server.start().has_value());
    RawClient c(server.port());
    ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
    // Read raw: the 100 must come before we send the body.
    auto interim = c.read(2s, false);
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->status, 100) << interim->body;
    ASSERT_TRUE(c.send("abc"));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("body=abc"), std::string::npos);
    // Over the limit: refused before the body is sent.
    ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n"));
    auto refused = c.read();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 413);
}

TEST(HttpServer, MalformedRequestIs400)
{
    HttpServer server(smallOptions(), echo);
    ASSERT_FALSE(server.start().has_value());
    RawClient c(server.port());
    ASSERT_TRUE(c.send("THIS IS NOT HTTP\r\n\r\n"));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(r->body.find("bad_request"), std::string::npos);
    EXPECT_TRUE(c.closedByPeer());
}

TEST(HttpServer, SlowClientGets408AndIdleClientIsClosed)
{
    HttpServerOptions o = smallOptions();
    o.requestTimeout = 300ms;
    o.idleTimeout = 300ms;
    HttpServer server(o, echo);
    ASSERT_FALSE(server.start().has_value());
    RawClient slow(server.port());
    ASSERT_TRUE(slow.send("POST /score HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"));
    auto r = slow.read(3s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 408);
    EXPECT_NE(r->body.find("request_timeout"), std::string::npos);

    RawClient idle(server.port());
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(idle.closedByPeer(3s));
    EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);
}

TEST(HttpServer, ConnectionCapAnswers503)
{
    HttpServerOptions o = smallOptions();
    o.maxConnections = 2;
    HttpServer server(o, echo);
    ASSERT_FALSE(server.start().has_value());
    RawClient a(server.port());
    RawClient b(server.port());
    // Make sure both are accepted and counted before the third arrives.
    ASSERT_TRUE(a.send("GET / HTTP/1.1\r\n\r\n"));
    ASSERT_TRUE(a.read());
    ASSERT_TRUE(b.send("GET / HTTP/1.1\r\n\r\n"));
    ASSERT_TRUE(b.read());
    RawClient c(server.port());
    ASSERT_TRUE(c.send("GET / HTTP/1.1\r\n\r\n"));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_NE(r->body.find("connection_limit"), std::string::npos);
    EXPECT_EQ(server.stats().connectionsRejected, 1u);
    // The others are still served.
    ASSERT_TRUE(a.send("GET / HTTP/1.1\r\n\r\n"));
    auto again = a.read();
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 200);
}

TEST(HttpServer, AsyncHandlerAnswersFromAnotherThread)
{
    std::vector<std::thread> workers;
    std::mutex m;
    HttpServer server(smallOptions(), cerulean::serving::AsyncHandler([&](const Request &req, Responder respond) {
                          std::lock_guard lock(m);
                          workers.emplace_back([body = req.body, respond = std::move(respond)] {
                              std::this_thread::sleep_for(20ms);
                              respond(Response::json(201, "{\"got\":\"" + body + "\"}"));
                          });
                      }));
    ASSERT_FALSE(server.start().has_value());
    RawClient c(server.port());
    ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(r->body, "{\"got\":\"hi\"}");
    server.stop();
    for (auto &t : workers)
        t.join();
}

TEST(HttpServer, StopDrainsInFlightRequests)
{
    std::promise<void> entered;
    std::atomic<bool> enteredOnce{false};
    HttpServer server(smallOptions(), [&](const Request &) {
        if (!enteredOnce.exchange(true))
            entered.set_value();
        std::this_thread::sleep_for(300ms);
        return Response::json(200, "{\"done\":true}");
    });
    ASSERT_FALSE(server.start().has_value());
    RawClient idle(server.port());
    RawClient busy(server.port());
    ASSERT_TRUE(busy.send("GET / HTTP/1.1\r\n\r\n"));
    entered.get_future().wait();
    std::thread stopper([&] { server.stop(5s); });
    auto r = busy.read();
    stopper.join();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(r->hasHeader("Connection: close"));
    EXPECT_TRUE(idle.closedByPeer(1s));
    EXPECT_FALSE(server.running());
    RawClient late(server.port());
    EXPECT_FALSE(late.connected() && late.send("GET / HTTP/1.1\r\n\r\n") && late.read(500ms));
}

TEST(HttpServer, HandlerExceptionIs500)
{
    HttpServer server(smallOptions(), [](const Request &) -> Response { throw std::runtime_error("boom"); });
    ASSERT_FALSE(server.start().has_value());
    RawClient c(server.port());
    ASSERT_TRUE(c.send("GET / HTTP/1.1\r\n\r\n"));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 500);
    EXPECT_NE(r->body.find("boom"), std::string::npos);
}

TEST(HttpServer, BadHostIsAnError)
{
    HttpServerOptions o;
    o.host = "not-an-address";
    HttpServer server(o, echo);
    auto error = server.start();
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("not-an-address"), std::string::npos);
}

TEST(HttpServer, QueryParameters)
{
    Request r;
    r.query = "version=3&name=a%20b+c&flag";
    EXPECT_EQ(r.queryParameter("version").value_or(""), "3");
    EXPECT_EQ(r.queryParameter("name").value_or(""), "a b c");
    EXPECT_EQ(r.queryParameter("flag").value_or("x"), "");
    EXPECT_FALSE(r.queryParameter("missing").has_value());
}

// Row 6 of the security review: the application decides from the head alone. A refused
// request is answered before any of its body is read, and the connection is then closed.
TEST(HttpServer, AdmissionRefusesFromTheHeadBeforeTheBody)
{
    std::atomic<int> handled{0};
    HttpServerOptions o = smallOptions();
    o.maxBodyBytes = std::size_t{1} << 30;
    o.admit = [](const Request &head) {
        cerulean::serving::Admission a;
        EXPECT_TRUE(head.body.empty());
        if (!head.header("x-credential"))
            a.reject = Response::jsonError(401, "unauthenticated", "No credential.");
        else
            a.maxBodyBytes = 10;
        a.tooLarge = Response::jsonError(413, "TooLargeForThisRoute", "Over 10 bytes.");
        return a;
    };
    HttpServer server(o, [&handled](const Request &r) {
        ++handled;
        return echo(r);
    });
    ASSERT_FALSE(server.start().has_value());
    {
        RawClient c(server.port());
        ASSERT_TRUE(c.send("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 200000000\r\n\r\n"));
        const auto r = c.read(2s); // before one byte of the 200 MB body was sent
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401);
        EXPECT_TRUE(r->hasHeader("Connection: close"));
        EXPECT_NE(r->body.find("unauthenticated"), std::string::npos);
        EXPECT_TRUE(c.closedByPeer(4s));
    }
    {
        RawClient c(server.port());
        ASSERT_TRUE(c.send("PUT /x HTTP/1.1\r\nHost: h\r\nX-Credential: yes\r\nContent-Length: 11\r\n\r\n"));
        const auto r = c.read(2s);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 413);
        EXPECT_NE(r->body.find("TooLargeForThisRoute"), std::string::npos);
    }
    {
        // Chunked, so the length is only known as it arrives: the route's limit still holds.
        RawClient c(server.port());
        ASSERT_TRUE(c.send("PUT /x HTTP/1.1\r\nHost: h\r\nX-Credential: yes\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"));
        const auto r = c.read(2s);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 413);
        EXPECT_NE(r->body.find("TooLargeForThisRoute"), std::string::npos);
    }
    {
        RawClient c(server.port());
        ASSERT_TRUE(c.send("PUT /x HTTP/1.1\r\nHost: h\r\nX-Credential: yes\r\nContent-Length: 5\r\n\r\nhello"));
        const auto r = c.read(2s);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
        EXPECT_NE(r->body.find("body=hello"), std::string::npos);
    }
    EXPECT_EQ(handled.load(), 1);
}

// A body the application wants on disk is streamed there: the handler finds the file, never
// the bytes in memory, and the server removes the file once the response is sent.
TEST(HttpServer, AdmissionStreamsABodyToAFile)
{
    const std::string dir = ::testing::TempDir();
    const std::string path = dir + "/http-server-body-" + std::to_string(::getpid());
    std::string seenBody = "unset";
    std::string seenFile;
    HttpServerOptions o = smallOptions();
    o.admit = [&path](const Request &) {
        cerulean::serving::Admission a;
        a.maxBodyBytes = std::size_t{8} << 20;
        a.bodyFile = path;
        return a;
    };
    HttpServer server(o, [&](const Request &r) {
        seenBody = r.body;
        seenFile = r.bodyFile;
        std::FILE *f = std::fopen(r.bodyFile.c_str(), "rb");
        std::string content;
        if (f) {
            char buf[65536];
            std::size_t n;
            while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
                content.append(buf, n);
            std::fclose(f);
        }
        return Response::json(200, std::to_string(content.size()) + ":" + content.substr(0, 4) + ":"
                                       + content.substr(content.size() - 4));
    });
    ASSERT_FALSE(server.start().has_value());
    const std::string payload = "head" + std::string(3u << 20, 'm') + "tail"; // over the server's own 1000-byte limit
    RawClient c(server.port());
    ASSERT_TRUE(c.send("PUT /blob HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: "
                       + std::to_string(payload.size()) + "\r\n\r\n"));
    const auto interim = c.read(2s, false);
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->status, 100) << interim->body;
    ASSERT_TRUE(c.send(payload));
    const auto r = c.read(10s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, std::to_string(payload.size()) + ":head:tail");
    EXPECT_EQ(seenBody, "");
    EXPECT_EQ(seenFile, path);
    EXPECT_EQ(::access(path.c_str(), F_OK), -1) << "the body's file outlived the response";
}

namespace {

double processCpuSeconds()
{
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
           + static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Lowers this process's soft descriptor limit for the test's scope.
class DescriptorLimit
{
public:
    explicit DescriptorLimit(rlim_t soft)
    {
        ::getrlimit(RLIMIT_NOFILE, &m_saved);
        rlimit lowered = m_saved;
        lowered.rlim_cur = soft;
        m_ok = ::setrlimit(RLIMIT_NOFILE, &lowered) == 0;
    }
    ~DescriptorLimit() { ::setrlimit(RLIMIT_NOFILE, &m_saved); }
    DescriptorLimit(const DescriptorLimit &) = delete;
    DescriptorLimit &operator=(const DescriptorLimit &) = delete;
    bool ok() const { return m_ok; }

private:
    rlimit m_saved{};
    bool m_ok = false;
};

} // namespace

// Row 8: with every descriptor in use, accept() fails with EMFILE while the listener stays
// readable. Before, the server retried at once: one core at 98 % and an event per try. Now
// it waits, longer each time, and serves the client once a descriptor is free again.
TEST(HttpServer, OutOfDescriptorsBacksOffInsteadOfSpinning)
{
    std::atomic<int> acceptEvents{0};
    HttpServerOptions o = smallOptions();
    o.threads = 1;
    HttpServer server(o, echo);
    server.setEventCallback([&acceptEvents](const ServerEvent &e) {
        if (e.message.find("accept failed") != std::string::npos)
            ++acceptEvents;
    });
    ASSERT_FALSE(server.start().has_value());

    std::vector<int> filler;
    std::optional<RawClient> client;
    double cpu = 0;
    {
        DescriptorLimit limit(256);
        ASSERT_TRUE(limit.ok());
        // Take every free descriptor, then give one back for the client's socket.
        for (int fd; (fd = ::dup(0)) >= 0;)
            filler.push_back(fd);
        ASSERT_EQ(errno, EMFILE);
        ASSERT_FALSE(filler.empty());
        ::close(filler.back());
        filler.pop_back();
        client.emplace(server.port()); // connects: the kernel queues it, the server cannot accept it
        ASSERT_TRUE(client->connected());
        ASSERT_TRUE(client->send("GET /after HTTP/1.1\r\nHost: h\r\n\r\n"));

        const double before = processCpuSeconds();
        std::this_thread::sleep_for(1s);
        cpu = processCpuSeconds() - before;
        EXPECT_FALSE(client->read(10ms).has_value()) << "the server accepted without a free descriptor";

        for (int fd : filler)
            ::close(fd);
        filler.clear();
    }
    EXPECT_LT(cpu, 0.2) << "the accept loop used " << cpu << " s of CPU in 1 s while out of descriptors";
    // Served once a descriptor is free: within the longest back-off (1 s), plus slack.
    const auto r = client->read(3s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("GET /after"), std::string::npos);
    EXPECT_EQ(acceptEvents.load(), 1);
    EXPECT_GE(server.stats().acceptFailures, 2u);
    EXPECT_LT(server.stats().acceptFailures, 30u);
}

// The connection cap stays below the descriptor limit, so connections alone never exhaust it.
TEST(HttpServer, ConnectionCapStaysBelowTheDescriptorLimit)
{
    DescriptorLimit limit(512);
    ASSERT_TRUE(limit.ok());
    HttpServerOptions o = smallOptions();
    o.maxConnections = 100000;
    HttpServer server(o, echo);
    ASSERT_FALSE(server.start().has_value());
    EXPECT_EQ(server.stats().maxConnections, 512u - cerulean::serving::kReservedDescriptors);
    HttpServerOptions small = smallOptions();
    small.maxConnections = 10;
    HttpServer modest(small, echo);
    ASSERT_FALSE(modest.start().has_value());
    EXPECT_EQ(modest.stats().maxConnections, 10u);
}
