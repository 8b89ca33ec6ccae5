#include "core/bench/load_generator.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <charconv>
#include <memory>
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
    std::atomic<std::uint64_t> issued{0};
    std::atomic<std::uint64_t> completed{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<bool> firstReplySeen{false};
    Clock::time_point start;
    std::chrono::milliseconds interval{100};
    std::chrono::milliseconds timeout{30000};
    bool keepAlive = false;
    std::string request;
    tcp::endpoint endpoint;

    bool claim() { return issued.fetch_add(1, std::memory_order_relaxed) < total; }
};

struct Worker
{
    explicit Worker(Shared &s) : shared(s), context(1) {}
    Shared &shared;
    net::io_context context;
    BenchResult partial; // counters and histograms of this worker's clients
    std::string serverSoftware;
    std::uint64_t documentLength = 0;
    bool haveDocumentLength = false;

    void countInterval(Clock::time_point now)
    {
        const auto index = static_cast<std::size_t>((now - shared.start) / shared.interval);
        if (index >= partial.completedPerInterval.size())
            partial.completedPerInterval.resize(index + 1, 0);
        ++partial.completedPerInterval[index];
    }
};

class Client final : public std::enable_shared_from_this<Client>
{
public:
    explicit Client(Worker &worker) : m_worker(worker), m_socket(worker.context), m_timer(worker.context) {}

    void next()
    {
        if (!m_worker.shared.claim()) {
            closeSocket();
            m_timer.cancel();
            return;
        }
        m_start = Clock::now();
        m_deadline = m_start + m_worker.shared.timeout;
        m_timedOut = false;
        m_inFlight = true;
        armTimer();
        if (m_connected) {
            ++m_worker.partial.keepAliveRequests;
            write();
        } else {
            connect();
        }
    }

private:
    void armTimer()
    {
        if (m_timerPending && m_timerExpiry <= m_deadline)
            return;
        m_timerPending = true;
        m_timerExpiry = m_deadline;
        const std::uint64_t generation = ++m_timerGeneration;
        m_timer.expires_at(m_deadline);
        m_timer.async_wait([self = shared_from_this(), generation](error_code ec) {
            if (generation != self->m_timerGeneration)
                return;
            self->m_timerPending = false;
            if (ec)
                return;
            self->onTimer();
        });
    }

    void onTimer()
    {
        if (!m_inFlight)
            return;
        if (Clock::now() < m_deadline) {
            armTimer();
            return;
        }
        m_timedOut = true;
        error_code ignored;
        m_socket.close(ignored); // the pending operation completes with an error and sees m_timedOut
    }

    void connect()
    {
        error_code ec;
        m_socket.open(m_worker.shared.endpoint.protocol(), ec);
        if (ec) {
            fail(m_worker.partial.failures.connect);
            return;
        }
        m_socket.async_connect(m_worker.shared.endpoint, [self = shared_from_this()](error_code cec) {
            if (cec) {
                self->fail(self->m_timedOut ? self->m_worker.partial.failures.timeout
                                            : self->m_worker.partial.failures.connect);
                return;
            }
            error_code ignored;
            self->m_socket.set_option(tcp::no_delay(true), ignored);
            self->m_connected = true;
            self->m_worker.partial.connectTime.record(Clock::now() - self->m_start);
            self->write();
        });
    }

    void write()
    {
        const std::string &request = m_worker.shared.request;
        net::async_write(m_socket, net::buffer(request), [self = shared_from_this()](error_code ec, std::size_t n) {
            if (ec) {
                self->fail(self->m_timedOut ? self->m_worker.partial.failures.timeout
                                            : self->m_worker.partial.failures.write);
                return;
            }
            self->m_worker.partial.bytesSent += n;
            self->m_buffer.clear();
            self->m_headParsed = false;
            self->read();
        });
    }

    void read()
    {
        const std::size_t used = m_buffer.size();
        m_buffer.resize(used + kReadChunk);
        m_socket.async_read_some(net::buffer(m_buffer.data() + used, kReadChunk),
                                 [self = shared_from_this(), used](error_code ec, std::size_t n) {
                                     self->m_buffer.resize(used + n);
                                     self->onRead(ec);
                                 });
    }

    void onRead(error_code ec)
    {
        if (m_timedOut) {
            fail(m_worker.partial.failures.timeout);
            return;
        }
        const bool eof = ec == net::error::eof;
        if (ec && !eof) {
            fail(m_worker.partial.failures.receive);
            return;
        }
        if (!m_headParsed) {
            const int parsed = parseHead(m_buffer, m_head);
            if (parsed < 0) {
                fail(m_worker.partial.failures.malformed);
                return;
            }
            if (parsed == 0) {
                if (eof) {
                    fail(m_worker.partial.failures.receive);
                    return;
                }
                read();
                return;
            }
            m_headParsed = true;
            if (m_head.status == 100) { // interim: drop it and read the real reply
                m_buffer.erase(0, m_head.headLength);
                m_headParsed = false;
                onRead(ec);
                return;
            }
        }
        const std::string_view body = std::string_view(m_buffer).substr(m_head.headLength);
        std::uint64_t bodyLength = 0;
        bool complete = false;
        if (m_head.chunked) {
            const std::size_t length = chunkedLength(body, bodyLength);
            if (length == kMalformed) {
                fail(m_worker.partial.failures.malformed);
                return;
            }
            complete = length != 0;
        } else if (m_head.contentLength) {
            bodyLength = *m_head.contentLength;
            complete = body.size() >= bodyLength;
        } else {
            bodyLength = body.size();
            complete = eof; // delimited by the close
            if (eof)
                m_head.close = true;
        }
        if (!complete) {
            if (eof) {
                fail(m_worker.partial.failures.receive);
                return;
            }
            read();
            return;
        }
        succeed(bodyLength, eof || m_head.close);
    }

    void succeed(std::uint64_t bodyLength, bool closed)
    {
        const auto now = Clock::now();
        m_inFlight = false;
        BenchResult &r = m_worker.partial;
        r.latency.record(now - m_start);
        ++r.completed;
        ++r.statusCounts[m_head.status];
        if (m_head.status < 200 || m_head.status >= 300)
            ++r.non2xx;
        r.bytesReceived += m_head.headLength + (m_head.chunked ? m_buffer.size() - m_head.headLength : bodyLength);
        r.bodyBytesReceived += bodyLength;
        if (!m_worker.haveDocumentLength) {
            m_worker.haveDocumentLength = true;
            m_worker.documentLength = bodyLength;
            m_worker.serverSoftware = std::string(m_head.server);
        }
        m_worker.countInterval(now);
        m_worker.shared.completed.fetch_add(1, std::memory_order_relaxed);
        if (closed || !m_worker.shared.keepAlive)
            closeSocket();
        next();
    }

    void fail(std::uint64_t &counter)
    {
        m_inFlight = false;
        ++counter;
        m_worker.countInterval(Clock::now());
        m_worker.shared.completed.fetch_add(1, std::memory_order_relaxed);
        m_worker.shared.failed.fetch_add(1, std::memory_order_relaxed);
        closeSocket();
        next();
    }

    void closeSocket()
    {
        m_connected = false;
        error_code ignored;
        if (m_socket.is_open()) {
            m_socket.shutdown(tcp::socket::shutdown_both, ignored);
            m_socket.close(ignored);
        }
    }

    static constexpr std::size_t kReadChunk = 16384;

    Worker &m_worker;
    tcp::socket m_socket;
    net::steady_timer m_timer;
    std::string m_buffer;
    ReplyHead m_head;
    bool m_headParsed = false;
    bool m_connected = false;
    bool m_inFlight = false;
    bool m_timedOut = false;
    bool m_timerPending = false;
    std::uint64_t m_timerGeneration = 0;
    Clock::time_point m_start;
    Clock::time_point m_deadline;
    Clock::time_point m_timerExpiry;
};

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

    const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
    const unsigned threads = std::clamp(options.threads ? options.threads : std::min(options.concurrency, hardware), 1u,
                                        options.concurrency);
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned t = 0; t < threads; ++t)
        workers.push_back(std::make_unique<Worker>(shared));

    shared.start = Clock::now();
    for (unsigned c = 0; c < options.concurrency; ++c) {
        Worker &worker = *workers[c % threads];
        auto client = std::make_shared<Client>(worker);
        net::post(worker.context, [client] { client->next(); });
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
                progress(Progress{shared.completed.load(), shared.failed.load(), shared.total, now - shared.start});
            }
        }
    }
    for (auto &thread : pool)
        thread.join();
    const auto end = Clock::now();

    result.host = url->host;
    result.port = url->port;
    result.path = url->target;
    result.concurrency = options.concurrency;
    result.keepAlive = options.keepAlive;
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
        result.bytesReceived += p.bytesReceived;
        result.bodyBytesReceived += p.bodyBytesReceived;
        result.bytesSent += p.bytesSent;
        for (const auto &[status, count] : p.statusCounts)
            result.statusCounts[status] += count;
        result.latency.merge(p.latency);
        result.connectTime.merge(p.connectTime);
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
    if (progress)
        progress(Progress{shared.completed.load(), shared.failed.load(), shared.total, result.elapsed});
    return std::nullopt;
}

} // namespace cerulean::bench
