// libFuzzer target over what a scoring server does with bytes from the network: HTTP/1.1
// request parsing (Beast's parser with the server's limits), routing and auth, and the
// scoring body's JSON parsing and validation against a schema.
//
// The first byte picks the mode: even = the input is a whole HTTP request; odd = the rest is
// a /score body. Built in preset fuzz (tests/fuzz/CMakeLists.txt).

#include "core/serving/scoring_request.h"
#include "core/serving/scoring_service.h"
#include "tests/serving/fake_scorer.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <cstring>

namespace http = boost::beast::http;
using namespace cerulean::serving;

namespace {

const ScoringService &service()
{
    static const ScoringService instance = [] {
        ScoringOptions options;
        options.primaryKey = "fuzz-key";
        options.maxRows = 50;
        options.corsOrigin = "*";
        return ScoringService(std::make_shared<test::FakeScorer>(), options, nullptr);
    }();
    return instance;
}

void fuzzHttp(const std::uint8_t *data, std::size_t size)
{
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    parser.header_limit(16 * 1024);
    boost::beast::error_code ec;
    std::size_t used = 0;
    while (used < size && !parser.is_done()) {
        const std::size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
        if (ec == http::error::need_more) {
            break;
        }
        if (ec)
            return;
        if (n == 0)
            break;
        used += n;
    }
    if (!parser.is_done())
        return;
    auto &message = parser.get();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    const auto question = request.target.find('?');
    request.path = request.target.substr(0, question);
    request.query = question == std::string::npos ? std::string() : request.target.substr(question + 1);
    for (const auto &field : message)
        request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    request.body = std::move(message.body());
    request.received = std::chrono::steady_clock::now();
    const Response response = service().handle(request);
    if (response.status < 100 || response.status > 599)
        __builtin_trap();
    (void)request.queryParameter("version");
}

void fuzzBody(const std::uint8_t *data, std::size_t size)
{
    static const test::FakeScorer scorer;
    ScoringRequest parsed;
    ScoringError error;
    const std::string_view body(reinterpret_cast<const char *>(data), size);
    if (parseScoringRequest(body, scorer.schema(), ScoringLimits{50}, parsed, error)) {
        for (const auto &row : parsed.rows)
            if (row.size() != scorer.schema().columns.size())
                __builtin_trap();
        Prediction prediction;
        if (!scorer.predict(parsed.rows, prediction)) {
            std::string reply;
            writeScoringReply(parsed, scorer.schema(), prediction, reply);
        }
    } else if (error.code.empty() || error.message.empty() || (error.status != 400 && error.status != 413)) {
        __builtin_trap();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] % 2 == 0)
        fuzzHttp(data + 1, size - 1);
    else
        fuzzBody(data + 1, size - 1);
    return 0;
}
