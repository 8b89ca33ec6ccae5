// libFuzzer target over the HTTP request path as a client on this computer reaches it: bytes
// sent over a loopback socket to the real servers, the local workspace service
// (LocalServer: HttpServer's parser and limits, LocalService::admit from the head, then
// dispatch to the routes on its worker pool; workers off, so nothing trains or deploys) and
// a scoring server (ScoringServer over a small fixed model).
//
// Input: the first byte picks the server (even: the local workspace, odd: the scoring
// server); the rest is sent as is, after placeholders are replaced so that a request can get
// past authentication and name what exists (kPlaceholders: a bearer token of the local
// service, its ids and secrets, the scoring key, the port for Host). "Content-Length: @LEN@"
// becomes the length of everything after that head, once the placeholders there are replaced.
// The client then closes its side and reads until the server closes.
//
// It fails when the server does not close the connection in time (a hang), when the first
// thing it answers is not an HTTP response or is a 5xx other than 503 (the request's fault
// must be a 4xx), or on any sanitizer report in either server.

#include "core/local/local_server.h"
#include "core/serving/scoring_service.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/serving/fake_scorer.h"

#include <boost/beast/http.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

using namespace cerulean;
using namespace cerulean::fuzz;

namespace {

// Longer than any answer takes on a loaded machine, far shorter than the servers' own
// timeouts (10 s and more) that a hang would otherwise hide behind.
constexpr std::chrono::seconds kCloseDeadline{8};
constexpr const char *kScoringKey = "fuzz-primary-key";

struct Servers
{
    Servers()
    {
        local::LocalServerOptions options;
        options.service.root = dir.path();
        options.service.startWorkers = false;
        options.threads = 1;
        options.workers = 2;
        options.blobWorkers = 1;
        local = std::make_unique<local::LocalServer>(options);
        QString error;
        if (!local->start(&error))
            violated("the local server did not start", error.toUtf8());
        workspace = std::make_unique<LocalWorkspace>(local->service());

        serving::ScoringServerOptions scoringOptions;
        scoringOptions.http.threads = 1;
        scoringOptions.scoring.primaryKey = kScoringKey;
        scoringOptions.scoring.maxRows = 50;
        scoringOptions.scoring.loopbackHostsOnly = true;
        scoring = std::make_unique<serving::ScoringServer>(std::make_shared<serving::test::FakeScorer>(), scoringOptions);
        if (const auto failed = scoring->start())
            violated("the scoring server did not start", QByteArray::fromStdString(*failed));
    }

    QTemporaryDir dir;
    std::unique_ptr<local::LocalServer> local;
    std::unique_ptr<LocalWorkspace> workspace;
    std::unique_ptr<serving::ScoringServer> scoring;
};

Servers &servers()
{
    static Servers instance;
    return instance;
}

void replaceAll(std::string &text, std::string_view from, const std::string &to)
{
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

// Sends the request, closes the sending side and returns everything the server answers
// until it closes the connection.
std::string sendAndRead(std::uint16_t port, const std::string &request)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        violated("socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
        violated("cannot connect to the server", std::strerror(errno)); // refused, or no port left?
    // The server may answer and close before it has read everything (a refused head): the
    // rest is then not sent, as a client would find.
    for (std::size_t sent = 0; sent < request.size();) {
        const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::string answer;
    const auto deadline = std::chrono::steady_clock::now() + kCloseDeadline;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) == 0)
            violated("the server kept the connection open after the client closed its side",
                     QByteArray::fromStdString(answer.substr(0, 300)));
        char buffer[16384];
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0)
            break; // closed (or reset after an early answer)
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return answer;
}

// The head of the first response; its status must be a status, and not the server's fault.
void checkAnswer(const std::string &answer, const std::string &request)
{
    if (answer.empty())
        return; // nothing complete was sent, or the connection was dropped at once
    namespace http = boost::beast::http;
    http::response_parser<http::empty_body> parser;
    parser.skip(true); // the head is enough (and a HEAD's answer has no body)
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(answer.data(), answer.size()), ec);
    if (!parser.is_header_done())
        violated("the answer is not an HTTP response", QByteArray::fromStdString(answer.substr(0, 300)));
    const unsigned status = parser.get().result_int();
    trace(request.substr(0, request.find('\r')).c_str(), static_cast<int>(status), QByteArray::fromStdString(answer.substr(answer.find("\r\n\r\n") + 4)));
    if (status < 100 || status > 599 || (status >= 500 && status != 503))
        violated("the server answered a request with its own failure",
                 QByteArray::fromStdString(answer.substr(0, 600) + "\n--- request:\n" + request.substr(0, 600)));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    Servers &s = servers();
    const bool scoring = data[0] % 2 == 1;
    const std::uint16_t port = scoring ? s.scoring->port() : static_cast<std::uint16_t>(s.local->baseUrl().port());
    std::string request(bytes(data + 1, size - 1));
    if (request.find('@') != std::string::npos) {
        const LocalWorkspace &w = *s.workspace;
        const local::LocalPrincipal principal = s.local->service().builtInPrincipal();
        const std::pair<std::string_view, QString> kPlaceholders[] = {
            {"@TOKEN@", w.token},
            {"@SUB@", s.local->service().subscriptionId()},
            {"@TENANT@", principal.tenantId},
            {"@CLIENTID@", principal.clientId},
            {"@SECRET@", principal.clientSecret},
            {"@ACCOUNT@", w.storageAccount},
            {"@CONTAINER@", w.blobContainer},
            {"@APPID@", w.appInsightsAppId},
            {"@PIPELINEID@", w.pipelineEndpointId},
            {"@KEY@", QString::fromLatin1(kScoringKey)},
            {"@PORT@", QString::number(port)},
        };
        for (const auto &[name, value] : kPlaceholders)
            replaceAll(request, name, value.toStdString());
        if (const std::size_t at = request.find("@LEN@"); at != std::string::npos) {
            const std::size_t head = request.find("\r\n\r\n", at);
            const std::size_t body = head == std::string::npos ? request.size() : head + 4;
            request.replace(at, 5, std::to_string(request.size() - body));
        }
    }
    checkAnswer(sendAndRead(port, request), request);
    return 0;
}
