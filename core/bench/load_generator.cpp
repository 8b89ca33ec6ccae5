#include "core/bench/load_generator.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

namespace cerulean::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using error_code = boost::system::error_code;

namespace {

bool iequalsPrefix(std::string_view text, std::string_view prefix)
{
    if (text.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char a = text[i];
        if (a >= 'A' && a <= 'Z')
            a = static_cast<char>(a - 'A' + 'a');
        if (a != prefix[i])
            return false;
    }
    return true;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// What the reply's head says about framing.
struct ReplyHead
{
    int status = 0;
    std::size_t headLength = 0; // including the blank line
    std::optional<std::uint64_t> contentLength;
    bool chunked = false;
    bool close = false;
    std::string_view server;
};

// 1: complete head parsed; 0: need more bytes; -1: not HTTP.
int parseHead(std::string_view buffer, ReplyHead &head)
{
    const std::size_t end = buffer.find("\r\n\r\n");
    if (end == std::string_view::npos)
        return buffer.size() > 65536 ? -1 : 0;
    head = ReplyHead{};
    head.headLength = end + 4;
    std::string_view lines = buffer.substr(0, end + 2);
    const std::size_t firstEnd = lines.find("\r\n");
    const std::string_view statusLine = lines.substr(0, firstEnd);
    if (statusLine.size() < 12 || statusLine.substr(0, 5) != "HTTP/")
        return -1;
    const std::size_t space = statusLine.find(' ');
    if (space == std::string_view::npos || space + 4 > statusLine.size())
        return -1;
    int status = 0;
    const auto [p, ec] = std::from_chars(statusLine.data() + space + 1, statusLine.data() + space + 4, status);
    if (ec != std::errc() || p != statusLine.data() + space + 4)
        return -1;
    head.status = status;
    const bool http10 = statusLine.substr(0, 8) == "HTTP/1.0";
    head.close = http10;
    lines.remove_prefix(firstEnd + 2);
    while (!lines.empty()) {
        const std::size_t eol = lines.find("\r\n");
        const std::string_view line = lines.substr(0, eol);
        lines.remove_prefix(eol + 2);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        const std::string_view name = line.substr(0, colon);
        const std::string_view value = trim(line.substr(colon + 1));
        if (name.size() == 14 && iequalsPrefix(name, "content-length")) {
            std::uint64_t length = 0;
            const auto [q, lec] = std::from_chars(value.data(), value.data() + value.size(), length);
            if (lec != std::errc() || q != value.data() + value.size())
                return -1;
            head.contentLength = length;
        } else if (name.size() == 17 && iequalsPrefix(name, "transfer-encoding")) {
            head.chunked = value.find("chunked") != std::string_view::npos;
        } else if (name.size() == 10 && iequalsPrefix(name, "connection")) {
            if (iequalsPrefix(value, "close"))
                head.close = true;
            else if (iequalsPrefix(value, "keep-alive"))
                head.close = false;
        } else if (name.size() == 6 && iequalsPrefix(name, "server")) {
            head.server = value;
        }
    }
    return 1;
}

// For a chunked body starting at `body`: the body's encoded length once complete (0 if more
// bytes are needed), the decoded length in `decoded`; -1 (as SIZE_MAX) when malformed.
constexpr std::size_t kMalformed = SIZE_MAX;
std::size_t chunkedLength(std::string_view body, std::uint64_t &decoded)
{
    std::size_t at = 0;
    decoded = 0;
    for (;;) {
        const std::size_t eol = body.find("\r\n", at);
        if (eol == std::string_view::npos)
            return 0;
        std::uint64_t size = 0;
        const std::string_view sizeText = body.substr(at, eol - at);
        const std::size_t semicolon = sizeText.find(';');
        const std::string_view hex = trim(sizeText.substr(0, semicolon));
        const auto [p, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
        if (ec != std::errc() || hex.empty() || p != hex.data() + hex.size())
            return kMalformed;
        at = eol + 2;
        if (size == 0) {
            // Trailers end with an empty line.
            const std::size_t end = body.find("\r\n", at);
            if (end == std::string_view::npos)
                return 0;
            if (end == at)
                return at + 2;
            const std::size_t trailersEnd = body.find("\r\n\r\n", at);
            return trailersEnd == std::string_view::npos ? 0 : trailersEnd + 4;
        }
        if (body.size() < at + size + 2)
            return 0;
        decoded += size;
        at += size + 2;
    }
}

struct Shared
{
    std::uint64_t total = 0;
    std::uint64_t batch = 1; // requests a thread claims at once (few atomic operations)
    std::atomic<std::uint64_t> issued{0};
    Clock::time_point start;
    std::optional<Clock::time_point> stopAt;
    std::chrono::milliseconds interval{100};
    std::chrono::milliseconds timeout{30000};
    bool keepAlive = false;
    bool headRequest = false; // replies to HEAD announce a length but carry no body
    std::string request;
    tcp::endpoint endpoint;
};

class Client;

struct Worker
{
    explicit Worker(Shared &s) : shared(s), context(1), sweep(context) {}
    Shared &shared;
    net::io_context context;
    net::steady_timer sweep; // timeouts: one timer per thread instead of one per request
    std::vector<std::unique_ptr<Client>> clients;
    unsigned active = 0;     // clients with requests left
    std::uint64_t quota = 0; // claimed, not yet started
    BenchResult partial;     // counters and times of this thread's clients
    std::vector<std::uint64_t> statuses = std::vector<std::uint64_t>(1000, 0);
    std::string serverSoftware;
    std::uint64_t documentLength = 0;
    bool haveDocumentLength = false;
    // Read by the progress loop; written by this thread only.
    alignas(64) std::atomic<std::uint64_t> completed{0};
    std::atomic<std::uint64_t> failed{0};
    // When this thread's last request ended: the run's end (ab's), read once the thread is joined.
    std::optional<Clock::time_point> lastDone;

    bool claim(Clock::time_point now)
    {
        if (shared.stopAt && now >= *shared.stopAt)
            return false;
        if (quota == 0) {
            const std::uint64_t first = shared.issued.fetch_add(shared.batch, std::memory_order_relaxed);
            if (first >= shared.total)
                return false;
            quota = std::min(shared.batch, shared.total - first);
        }
        --quota;
        return true;
    }

    void countDone(Clock::time_point now, bool failure)
    {
        const auto index = static_cast<std::size_t>((now - shared.start) / shared.interval);
        if (index >= partial.completedPerInterval.size())
            partial.completedPerInterval.resize(index + 1, 0);
        ++partial.completedPerInterval[index];
        lastDone = now;
        completed.store(completed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        if (failure)
            failed.store(failed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    std::chrono::milliseconds sweepPeriod() const
    {
        return std::clamp(shared.timeout / 4, std::chrono::milliseconds(1), std::chrono::milliseconds(100));
    }
    void armSweep();
    void clientDone()
    {
        if (--active == 0)
            sweep.cancel(); // nothing else keeps the io_context running
    }
};

// One connection: a request at a time, as each of ab's -c connections.
class Client final
{
public:
    explicit Client(Worker &worker) : m_worker(worker), m_socket(worker.context), m_buffer(kInitialBuffer) {}

    // The next request, if one is left, starting at `now` (ab: the end of the previous reply).
    void start(Clock::time_point now)
    {
        if (!m_worker.claim(now)) {
            closeSocket();
            m_inFlight = false;
            m_worker.clientDone();
            return;
        }
        m_start = now;
        m_deadline = now + m_worker.shared.timeout;
        m_inFlight = true;
        m_timedOut = false;
        m_retried = false;
        if (m_socket.is_open()) {
            m_reused = true;
            m_connected = now; // ab: "zero connect time with keep-alive"
            write();
        } else {
            connect();
        }
    }

    void checkDeadline(Clock::time_point now)
    {
        if (!m_inFlight || m_timedOut || now < m_deadline)
            return;
        m_timedOut = true;
        error_code ignored;
        m_socket.close(ignored); // the pending operation completes with an error and sees m_timedOut
    }

private:
    void connect()
    {
        m_reused = false;
        error_code ec;
        m_socket.open(m_worker.shared.endpoint.protocol(), ec);
        if (!ec)
            m_socket.non_blocking(true, ec);
        if (ec) {
            // Not inline: a machine out of descriptors would otherwise recurse request by request.
            net::post(m_worker.context, [this] { fail(m_worker.partial.failures.connect); });
            return;
        }
        // ab starts a new connection's clock once its socket exists and is non-blocking, just
        // before connect(): closing the previous socket and making this one are not timed.
        m_start = Clock::now();
        m_socket.async_connect(m_worker.shared.endpoint, [this](error_code cec) {
            if (cec) {
                fail(m_timedOut ? m_worker.partial.failures.timeout : m_worker.partial.failures.connect);
                return;
            }
            error_code ignored;
            m_socket.set_option(tcp::no_delay(true), ignored);
            m_connected = Clock::now();
            ++m_worker.partial.connections;
            write();
        });
    }

    void write()
    {
        const std::string &request = m_worker.shared.request;
        error_code ec;
        // Small requests go out in one non-blocking send, with no trip through the reactor.
        const std::size_t n = m_socket.write_some(net::buffer(request), ec);
        if (!ec && n == request.size()) {
            written();
            return;
        }
        if (ec && ec != net::error::would_block && ec != net::error::try_again) {
            onSendError();
            return;
        }
        const std::size_t done = ec ? 0 : n;
        net::async_write(m_socket, net::buffer(request.data() + done, request.size() - done),
                         [this](error_code wec, std::size_t) {
                             if (wec) {
                                 onSendError();
                                 return;
                             }
                             written();
                         });
    }

    void onSendError()
    {
        if (m_timedOut) {
            fail(m_worker.partial.failures.timeout);
            return;
        }
        if (retryOnFreshConnection())
            return;
        fail(m_worker.partial.failures.write);
    }

    // A kept-alive connection the server closed while idle is not a failed request: ab opens
    // a new one and sends the request again, once.
    bool retryOnFreshConnection()
    {
        if (!m_reused || m_retried || m_received != 0)
            return false;
        m_retried = true;
        closeSocket();
        m_start = Clock::now();
        connect();
        return true;
    }

    void written()
    {
        m_worker.partial.bytesSent += m_worker.shared.request.size();
        m_endWrite = Clock::now();
        m_used = 0;
        m_received = 0;
        m_bodySeen = 0;
        m_headParsed = false;
        m_replyDone.reset();
        awaitReply();
    }

    // async_read_some rather than a readiness wait: Asio queues a wait with an epoll_ctl per
    // call, while a read costs at most one recv that finds nothing yet and re-registers nothing.
    void awaitReply()
    {
        if (m_used == m_buffer.size())
            m_buffer.resize(m_buffer.size() * 2); // long chunked replies only; kept for the next
        m_socket.async_read_some(net::buffer(m_buffer.data() + m_used, m_buffer.size() - m_used),
                                 [this](error_code ec, std::size_t n) { onRead(ec, n); });
    }

    void onRead(error_code ec, std::size_t n)
    {
        if (m_timedOut) {
            if (m_replyDone) // waiting for the close of a complete reply: it counts as done
                succeed(*m_replyDone);
            else
                fail(m_worker.partial.failures.timeout);
            return;
        }
        const bool eof = ec == net::error::eof;
        if (ec && !eof) {
            receiveError();
            return;
        }
        if (m_replyDone) { // without keep-alive, ab's time ends at the server's close
            if (eof) {
                succeed(Clock::now());
                return;
            }
            m_used = 0; // bytes after the reply: ignored, as ab does
            awaitReply();
            return;
        }
        if (n > 0 && m_received == 0)
            m_beginRead = Clock::now();
        m_used += n;
        m_received += n;
        if (consume(eof))
            return;
        if (eof) {
            if (!retryOnFreshConnection())
                fail(m_worker.partial.failures.receive);
            return;
        }
        awaitReply();
    }

    void receiveError()
    {
        if (m_replyDone) {
            succeed(*m_replyDone);
            return;
        }
        if (!retryOnFreshConnection())
            fail(m_worker.partial.failures.receive);
    }

    // Looks at the bytes read so far; true when the request is finished (either way) or
    // waits for the close.
    bool consume(bool eof)
    {
        if (!m_headParsed) {
            const int parsed = parseHead(std::string_view(m_buffer.data(), m_used), m_head);
            if (parsed < 0) {
                fail(m_worker.partial.failures.malformed);
                return true;
            }
            if (parsed == 0)
                return false;
            if (m_head.status == 100) { // interim: drop it and read the real reply
                dropFront(m_head.headLength);
                return consume(eof);
            }
            m_headParsed = true;
            if (!m_worker.haveDocumentLength)
                m_worker.serverSoftware = std::string(m_head.server);
            dropFront(m_head.headLength);
            if (!m_head.chunked) { // the body is only counted, never kept
                m_bodySeen = m_used;
                m_used = 0;
            }
        } else if (!m_head.chunked) {
            m_bodySeen += m_used;
            m_used = 0;
        }
        std::uint64_t bodyLength = 0;
        if (m_worker.shared.headRequest || m_head.status == 204 || m_head.status == 304) {
            // No body whatever the head says (RFC 9112 section 6.3).
        } else if (m_head.chunked) {
            const std::size_t length = chunkedLength(std::string_view(m_buffer.data(), m_used), bodyLength);
            if (length == kMalformed) {
                fail(m_worker.partial.failures.malformed);
                return true;
            }
            if (length == 0)
                return false;
        } else if (m_head.contentLength) {
            if (m_bodySeen < *m_head.contentLength)
                return false;
            bodyLength = *m_head.contentLength;
        } else {
            if (!eof)
                return false; // delimited by the close
            bodyLength = m_bodySeen;
            m_head.close = true;
        }
        countReply(bodyLength);
        const auto now = Clock::now();
        if (!eof && !m_worker.shared.keepAlive) {
            // ab times a request without keep-alive up to the server's close: read on.
            m_replyDone = now;
            return false;
        }
        succeed(now);
        return true;
    }

    void dropFront(std::size_t count)
    {
        std::memmove(m_buffer.data(), m_buffer.data() + count, m_used - count);
        m_used -= count;
    }

    void countReply(std::uint64_t bodyLength)
    {
        BenchResult &r = m_worker.partial;
        ++r.completed;
        const int status = m_head.status;
        ++m_worker.statuses[static_cast<std::size_t>(std::clamp(status, 0, 999))];
        if (status < 200 || status >= 300)
            ++r.non2xx;
        r.bytesReceived += m_received;
        r.bodyBytesReceived += bodyLength;
        if (!m_worker.haveDocumentLength) {
            m_worker.haveDocumentLength = true;
            m_worker.documentLength = bodyLength;
        }
    }

    void succeed(Clock::time_point done)
    {
        m_inFlight = false;
        BenchResult &r = m_worker.partial;
        const auto total = done - m_start;
        const auto connect = m_connected - m_start;
        r.latency.record(total);
        r.connectTime.record(connect);
        r.processing.record(total - connect);
        r.waiting.record(m_beginRead - m_endWrite);
        if (m_reused)
            ++r.keepAliveRequests;
        if (m_replyDone || m_head.close || !m_worker.shared.keepAlive)
            closeSocket();
        m_worker.countDone(done, false);
        start(done);
    }

    void fail(std::uint64_t &counter)
    {
        m_inFlight = false;
        ++counter;
        closeSocket();
        const auto now = Clock::now();
        m_worker.countDone(now, true);
        start(now);
    }

    void closeSocket()
    {
        error_code ignored;
        if (m_socket.is_open())
            m_socket.close(ignored);
    }

    static constexpr std::size_t kInitialBuffer = 16384;

    Worker &m_worker;
    tcp::socket m_socket;
    std::vector<char> m_buffer;
    std::size_t m_used = 0;         // bytes in m_buffer
    std::uint64_t m_received = 0;   // bytes of this reply read so far
    std::uint64_t m_bodySeen = 0;   // body bytes counted (not kept) for a non-chunked reply
    ReplyHead m_head;
    bool m_headParsed = false;
    bool m_inFlight = false;
    bool m_timedOut = false;
    bool m_reused = false;
    bool m_retried = false;
    std::optional<Clock::time_point> m_replyDone;
    Clock::time_point m_start;
    Clock::time_point m_connected;
    Clock::time_point m_endWrite;
    Clock::time_point m_beginRead;
    Clock::time_point m_deadline;
};

void Worker::armSweep()
{
    sweep.expires_after(sweepPeriod());
    sweep.async_wait([this](error_code ec) {
        if (ec || active == 0)
            return;
        const auto now = Clock::now();
        for (auto &client : clients)
            client->checkDeadline(now);
        armSweep();
    });
}

} // namespace

double BenchResult::requestsPerSecond() const
{
    const double seconds = std::chrono::duration<double>(elapsed).count();
    return seconds > 0 ? static_cast<double>(completed) / seconds : 0.0;
}

std::optional<ParsedUrl> parseHttpUrl(const std::string &url, std::string &error)
{
    ParsedUrl parsed;
    std::string_view rest(url);
    if (rest.substr(0, 7) != "http://") {
        error = rest.substr(0, 8) == "https://" ? "https is not supported; use an http:// URL"
                                                : "the URL must start with http://, got '" + url + "'";
        return std::nullopt;
    }
    rest.remove_prefix(7);
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    parsed.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (authority.empty()) {
        error = "the URL has no host: '" + url + "'";
        return std::nullopt;
    }
    std::string_view hostPart = authority;
    std::string_view portPart;
    if (authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "unbalanced [ in the URL's host: '" + url + "'";
            return std::nullopt;
        }
        hostPart = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':')
            portPart = authority.substr(close + 2);
    } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
        hostPart = authority.substr(0, colon);
        portPart = authority.substr(colon + 1);
    }
    parsed.host = std::string(hostPart);
    if (!portPart.empty()) {
        unsigned port = 0;
        const auto [p, ec] = std::from_chars(portPart.data(), portPart.data() + portPart.size(), port);
        if (ec != std::errc() || p != portPart.data() + portPart.size() || port == 0 || port > 65535) {
            error = "invalid port '" + std::string(portPart) + "' in the URL";
            return std::nullopt;
        }
        parsed.port = static_cast<std::uint16_t>(port);
    }
    return parsed;
}

std::optional<std::string> runBench(const BenchOptions &options, BenchResult &result,
                                    const std::function<void(const Progress &)> &progress,
                                    const std::atomic<bool> *cancel)
{
    result = BenchResult{};
    if (options.requests == 0)
        return std::string("the number of requests must be at least 1");
    if (options.concurrency == 0)
        return std::string("the concurrency must be at least 1");
    if (options.concurrency > options.requests)
        return "the concurrency (" + std::to_string(options.concurrency) + ") cannot exceed the number of requests ("
               + std::to_string(options.requests) + ")";
    std::string error;
    const auto url = parseHttpUrl(options.url, error);
    if (!url)
        return error;

    Shared shared;
    shared.total = options.requests;
    shared.interval = std::max(options.throughputInterval, std::chrono::milliseconds(1));
    shared.timeout = options.timeout;
    shared.keepAlive = options.keepAlive;
    {
        net::io_context resolverContext;
        tcp::resolver resolver(resolverContext);
        error_code ec;
        const auto endpoints = resolver.resolve(url->host, std::to_string(url->port), ec);
        if (ec || endpoints.empty())
            return "cannot resolve " + url->host + ": " + ec.message();
        shared.endpoint = endpoints.begin()->endpoint();
    }
    const std::string method = !options.method.empty() ? options.method : options.body.empty() ? "GET" : "POST";
    shared.headRequest = method == "HEAD";
    std::string &request = shared.request;
    request = method + " " + url->target + " HTTP/1.1\r\nHost: " + url->host
              + (url->port != 80 ? ":" + std::to_string(url->port) : std::string()) + "\r\nUser-Agent: cerulean-bench/"
              + CERULEAN_VERSION + "\r\nAccept: */*\r\n";
    if (!options.keepAlive)
        request += "Connection: close\r\n";
    bool haveContentType = false;
    for (const auto &[name, value] : options.headers) {
        request += name + ": " + value + "\r\n";
        haveContentType |= iequalsPrefix(name, "content-type") && name.size() == 12;
    }
    if (!options.body.empty() || method == "POST" || method == "PUT") {
        if (!haveContentType)
            request += "Content-Type: " + options.contentType + "\r\n";
        request += "Content-Length: " + std::to_string(options.body.size()) + "\r\n";
    }
    request += "\r\n";
    request += options.body;

    const unsigned threads = std::clamp(options.threads, 1u, options.concurrency);
    shared.batch = threads == 1 ? shared.total
                                : std::clamp<std::uint64_t>(shared.total / (std::uint64_t{options.concurrency} * 8), 1, 64);
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned t = 0; t < threads; ++t)
        workers.push_back(std::make_unique<Worker>(shared));
    // Room for the times up front (ab allocates its stats array the same way), so that
    // recording does not reallocate on the request path; past a million requests (or with a
    // time limit) they grow as a vector does, a doubling now and then.
    const std::uint64_t expected = std::min<std::uint64_t>(shared.total, std::uint64_t{1} << 20) / threads + 64;
    for (auto &worker : workers) {
        for (LatencyHistogram *h : {&worker->partial.latency, &worker->partial.connectTime,
                                    &worker->partial.processing, &worker->partial.waiting})
            h->reserve(static_cast<std::size_t>(expected));
    }
    for (unsigned c = 0; c < options.concurrency; ++c) {
        Worker &worker = *workers[c % threads];
        worker.clients.push_back(std::make_unique<Client>(worker));
        ++worker.active;
    }

    shared.start = Clock::now();
    if (options.duration.count() > 0)
        shared.stopAt = shared.start + options.duration;
    for (auto &worker : workers) {
        Worker *w = worker.get();
        net::post(w->context, [w] {
            const auto now = Clock::now();
            for (auto &client : w->clients)
                client->start(now);
        });
        w->armSweep();
    }
    std::atomic<unsigned> running{threads};
    std::vector<std::thread> pool;
    for (auto &worker : workers) {
        Worker *w = worker.get();
        pool.emplace_back([w, &running] {
            w->context.run();
            running.fetch_sub(1);
        });
    }
    auto completedSoFar = [&] {
        std::uint64_t done = 0;
        std::uint64_t failed = 0;
        for (auto &worker : workers) {
            done += worker->completed.load(std::memory_order_relaxed);
            failed += worker->failed.load(std::memory_order_relaxed);
        }
        return std::pair{done, failed};
    };
    bool cancelled = false;
    Clock::time_point lastReport = shared.start;
    while (running.load() > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (cancel && cancel->load() && !cancelled) {
            cancelled = true;
            for (auto &worker : workers)
                worker->context.stop();
        }
        if (progress) {
            const auto now = Clock::now();
            if (now - lastReport >= std::chrono::milliseconds(100)) {
                lastReport = now;
                const auto [done, failed] = completedSoFar();
                progress(Progress{done, failed, shared.total, now - shared.start});
            }
        }
    }
    for (auto &thread : pool)
        thread.join();
    // The run ends with its last reply, as ab's does, not when the loop above next wakes: that
    // added up to its 20 ms sleep to the elapsed time (a tenth of a 5,000-request run here).
    // A cancelled run ends at the cancel.
    Clock::time_point end = shared.start;
    for (auto &worker : workers)
        if (worker->lastDone)
            end = std::max(end, *worker->lastDone);
    if (cancelled || end == shared.start)
        end = Clock::now();

    result.host = url->host;
    result.port = url->port;
    result.path = url->target;
    result.concurrency = options.concurrency;
    result.keepAlive = options.keepAlive;
    result.sentBody = !options.body.empty();
    result.requested = options.requests;
    result.elapsed = end - shared.start;
    result.interval = shared.interval;
    result.cancelled = cancelled;
    bool haveDocument = false;
    for (auto &worker : workers) {
        const BenchResult &p = worker->partial;
        result.completed += p.completed;
        result.non2xx += p.non2xx;
        result.failures.connect += p.failures.connect;
        result.failures.write += p.failures.write;
        result.failures.receive += p.failures.receive;
        result.failures.timeout += p.failures.timeout;
        result.failures.malformed += p.failures.malformed;
        result.keepAliveRequests += p.keepAliveRequests;
        result.connections += p.connections;
        result.bytesReceived += p.bytesReceived;
        result.bodyBytesReceived += p.bodyBytesReceived;
        result.bytesSent += p.bytesSent;
        for (std::size_t status = 0; status < worker->statuses.size(); ++status) {
            if (worker->statuses[status])
                result.statusCounts[static_cast<int>(status)] += worker->statuses[status];
        }
        result.latency.merge(p.latency);
        result.connectTime.merge(p.connectTime);
        result.processing.merge(p.processing);
        result.waiting.merge(p.waiting);
        if (p.completedPerInterval.size() > result.completedPerInterval.size())
            result.completedPerInterval.resize(p.completedPerInterval.size(), 0);
        for (std::size_t i = 0; i < p.completedPerInterval.size(); ++i)
            result.completedPerInterval[i] += p.completedPerInterval[i];
        if (!haveDocument && worker->haveDocumentLength) {
            haveDocument = true;
            result.documentLength = worker->documentLength;
            result.serverSoftware = worker->serverSoftware;
        }
    }
    workers.clear(); // frees each thread's copy of the times before sorting the merged ones
    for (LatencyHistogram *h : {&result.latency, &result.connectTime, &result.processing, &result.waiting})
        h->sortValues();
    if (progress)
        progress(Progress{result.completed + result.failures.total(), result.failures.total(), shared.total,
                          result.elapsed});
    return std::nullopt;
}

} // namespace cerulean::bench
