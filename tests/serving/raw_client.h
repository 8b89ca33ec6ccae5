#pragma once

// A deliberately dumb blocking HTTP client over a raw socket, so that tests can send
// exactly the bytes they want (pipelined requests, half requests, HTTP/1.0, garbage).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace cerulean::serving::test {

struct RawResponse
{
    int status = 0;
    std::string head; // status line and headers
    std::string body;

    bool hasHeader(std::string_view line) const { return head.find(line) != std::string::npos; }
};

class RawClient
{
public:
    explicit RawClient(std::uint16_t port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }
    ~RawClient()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    RawClient(const RawClient &) = delete;
    RawClient &operator=(const RawClient &) = delete;

    bool connected() const { return m_fd >= 0; }

    bool send(std::string_view bytes)
    {
        while (!bytes.empty()) {
            const ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0)
                return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    // Reads one response (Content-Length framed). nullopt on close or timeout.
    std::optional<RawResponse> read(std::chrono::milliseconds timeout = std::chrono::seconds(5), bool skipInterim = true)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::size_t headEnd;
        while ((headEnd = m_pending.find("\r\n\r\n")) == std::string::npos) {
            if (!fill(deadline))
                return std::nullopt;
        }
        RawResponse r;
        r.head = m_pending.substr(0, headEnd + 2);
        m_pending.erase(0, headEnd + 4);
        if (r.head.size() > 12)
            r.status = std::atoi(r.head.c_str() + 9);
        if (r.status == 100) // interim response: the real one follows
            return skipInterim ? read(timeout) : std::optional<RawResponse>(r);
        std::size_t length = 0;
        const auto at = lowerHead(r.head).find("content-length:");
        if (at != std::string::npos)
            length = static_cast<std::size_t>(std::atoll(r.head.c_str() + at + 15));
        while (m_pending.size() < length) {
            if (!fill(deadline))
                return std::nullopt;
        }
        r.body = m_pending.substr(0, length);
        m_pending.erase(0, length);
        return r;
    }

    // Sends `total` bytes of filler in chunks, stopping early once the server has answered
    // (something to read) or closed. Returns how many bytes went out.
    std::size_t sendUntilAnswered(std::size_t total, std::size_t chunk = 1u << 20)
    {
        const std::string filler(chunk, 'x');
        std::size_t sent = 0;
        while (sent < total) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 0) > 0)
                break;
            const std::size_t n = std::min(chunk, total - sent);
            if (!send(std::string_view(filler.data(), n)))
                break;
            sent += n;
        }
        return sent;
    }

    // True if the server closed the connection (read returns 0) within the timeout.
    bool closedByPeer(std::chrono::milliseconds timeout = std::chrono::seconds(5))
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 50) > 0) {
                char buf[4096];
                const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
                if (n <= 0)
                    return true;
                m_pending.append(buf, static_cast<std::size_t>(n));
            }
        }
        return false;
    }

private:
    static std::string lowerHead(std::string s)
    {
        for (char &c : s)
            if (c >= 'A' && c <= 'Z')
                c = static_cast<char>(c - 'A' + 'a');
        return s;
    }

    bool fill(std::chrono::steady_clock::time_point deadline)
    {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
            return false;
        char buf[16384];
        const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n <= 0)
            return false;
        m_pending.append(buf, static_cast<std::size_t>(n));
        return true;
    }

    int m_fd = -1;
    std::string m_pending;
};

} // namespace cerulean::serving::test
