#include "core/serving/scoring_service.h"
#include "core/serving/swagger.h"
#include "tests/serving/fake_scorer.h"
#include "tests/serving/raw_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <mutex>

using namespace std::chrono_literals;
using namespace cerulean::serving;
using cerulean::serving::test::FakeScorer;
using cerulean::serving::test::RawClient;
using Json = nlohmann::json;

namespace {

class MemorySink final : public TelemetrySink
{
public:
    void requests(std::span<const RequestRecord> batch) override
    {
        std::lock_guard lock(mutex);
        records.insert(records.end(), batch.begin(), batch.end());
    }
    void logs(std::span<const LogLine> batch) override
    {
        std::lock_guard lock(mutex);
        lines.insert(lines.end(), batch.begin(), batch.end());
    }
    std::mutex mutex;
    std::vector<RequestRecord> records;
    std::vector<LogLine> lines;
};

Request post(std::string body, std::string key = "primary-key")
{
    Request r;
    r.method = "POST";
    r.target = r.path = "/score";
    r.body = std::move(body);
    r.received = std::chrono::steady_clock::now();
    r.headers.push_back({"Content-Type", "application/json"});
    if (!key.empty())
        r.headers.push_back({"Authorization", "Bearer " + key});
    return r;
}

Request get(std::string target)
{
    Request r;
    r.method = "GET";
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos)
        r.query = target.substr(q + 1);
    r.received = std::chrono::steady_clock::now();
    return r;
}

struct Fixture : ::testing::Test
{
    Fixture()
    {
        ScoringOptions o;
        o.primaryKey = "primary-key";
        o.secondaryKey = "secondary-key";
        o.maxRows = 3;
        o.corsOrigin = "https://editor.swagger.io";
        telemetry = std::make_shared<Telemetry>(sink);
        service = std::make_unique<ScoringService>(std::make_shared<FakeScorer>(), o, telemetry);
    }
    std::string errorMessage(const Response &r) { return Json::parse(r.body)["error"]["message"].get<std::string>(); }
    std::string errorCode(const Response &r) { return Json::parse(r.body)["error"]["code"].get<std::string>(); }

    std::shared_ptr<MemorySink> sink = std::make_shared<MemorySink>();
    std::shared_ptr<Telemetry> telemetry;
    std::unique_ptr<ScoringService> service;
};

const char *kRow = R"({"age": 30, "job": "retired", "note": "x"})";

} // namespace

TEST_F(Fixture, ScoresBothFormats)
{
    Response r = service->handle(post(std::string(R"({"data": [)") + kRow + "," + R"({"age": 80, "job": "admin.", "note": null}]})"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Json::parse(r.body), Json::parse(R"({"result": ["no", "yes"]})"));

    r = service->handle(post(std::string(R"({"Inputs": {"data": [)") + kRow
                             + R"(]}, "GlobalParameters": {"method": "predict_proba"}})"));
    ASSERT_EQ(r.status, 200) << r.body;
    const Json j = Json::parse(r.body);
    EXPECT_DOUBLE_EQ(j["Results"][0]["yes"].get<double>(), 0.3);
    EXPECT_DOUBLE_EQ(j["Results"][0]["no"].get<double>(), 0.7);

    r = service->handle(post(std::string(R"({"Inputs": {"data": [)") + kRow + R"(]}, "GlobalParameters": {"method": "predict"}})"));
    EXPECT_EQ(Json::parse(r.body), Json::parse(R"({"Results": ["no"]})"));
    // Arrays in schema order, numeric strings, numbers for categories, the target ignored.
    r = service->handle(post(R"({"data": [[90, "retired", "t"], {"age": "12.5", "job": 3, "note": "n", "y": "no"}]})"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Json::parse(r.body), Json::parse(R"({"result": ["yes", "no"]})"));
    EXPECT_NE(std::find_if(r.headers.begin(), r.headers.end(), [](const HttpHeader &h) { return h.name == "x-ms-request-id"; }),
              r.headers.end());
}

TEST_F(Fixture, BadInputsNameTheProblem)
{
    struct Case
    {
        std::string body;
        int status;
        std::string code;
        std::vector<std::string> mentions;
    };
    const std::vector<Case> cases = {
        {R"({"data": [{"age": 1,}]})", 400, "malformed_json", {"byte 21", "line 1, column 21"}},
        {"", 400, "malformed_json", {"byte"}},
        // Found by the fuzzer: a number out of double's range made the parser throw out_of_range.
        {R"({"data": [{"age": 5e+3080, "job": "a", "note": "x"}]})", 400, "malformed_json", {"number overflow"}},
        {R"([1,2])", 400, "invalid_body", {"JSON object"}},
        {R"({"rows": []})", 400, "missing_data", {"\"data\""}},
        {R"({"data": []})", 400, "empty_data", {"empty"}},
        {R"({"data": {"age": 1}})", 400, "invalid_data", {"array"}},
        {R"({"data": [1,2,3,4]})", 413, "too_many_rows", {"4 rows", "limit is 3"}},
        {R"({"data": [{"age": 1, "note": "x"}]})", 400, "missing_columns", {"Row 0", "\"job\""}},
        {R"({"data": [{"age": 1, "job": "a", "note": "x", "colour": 1, "size": 2}]})", 400, "unknown_columns",
         {"\"colour\"", "\"size\""}},
        {R"({"data": [{"age": 1, "note": "x", "colour": 1}]})", 400, "missing_columns", {"\"job\"", "\"colour\""}},
        {R"({"data": [{"age": 1, "job": "a", "note": "x"}, {"age": "old", "job": "a", "note": "x"}]})", 400, "wrong_type",
         {"Row 1", "\"age\"", "number", "\"old\""}},
        {R"({"data": [{"age": 1, "job": {"a": 1}, "note": "x"}]})", 400, "wrong_type", {"Row 0", "\"job\""}},
        {R"({"data": [[1, "a"]]})", 400, "wrong_row_length", {"2 values", "3 columns"}},
        {R"({"data": ["row"]})", 400, "invalid_row", {"Row 0"}},
        {R"({"Inputs": {"data": [{"age": 1, "job": "a", "note": "x"}]}, "GlobalParameters": {"method": "explain"}})", 400,
         "invalid_method", {"predict_proba", "explain"}},
        {R"({"data": [{"age": -1, "job": "a", "note": "x"}]})", 400, "invalid_input", {"negative age"}},
    };
    for (const Case &c : cases) {
        const Response r = service->handle(post(c.body));
        EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
        ASSERT_TRUE(Json::accept(r.body)) << r.body;
        EXPECT_EQ(errorCode(r), c.code) << r.body;
        for (const std::string &m : c.mentions)
            EXPECT_NE(errorMessage(r).find(m), std::string::npos) << "'" << m << "' not in " << r.body;
    }
}

TEST_F(Fixture, RoutesAndMethods)
{
    Response r = service->handle(get("/"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "Healthy");
    r = service->handle(get("/nowhere"));
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(errorMessage(r).find("/nowhere"), std::string::npos);
    r = service->handle(get("/score"));
    EXPECT_EQ(r.status, 405);
    Request del = get("/swagger.json");
    del.method = "DELETE";
    EXPECT_EQ(service->handle(del).status, 405);
    EXPECT_EQ(service->handle(get("/swagger.json?version=7")).status, 400);
}

TEST_F(Fixture, KeysAreCheckedAndRotate)
{
    const std::string body = std::string("{\"data\": [") + kRow + "]}";
    EXPECT_EQ(service->handle(post(body, "primary-key")).status, 200);
    EXPECT_EQ(service->handle(post(body, "secondary-key")).status, 200);
    Response r = service->handle(post(body, "wrong"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(errorCode(r), "invalid_key");
    bool challenge = false;
    for (const HttpHeader &h : r.headers)
        challenge |= h.name == "WWW-Authenticate" && h.value.rfind("Bearer", 0) == 0;
    EXPECT_TRUE(challenge);
    EXPECT_EQ(errorCode(service->handle(post(body, ""))), "missing_key");
    Request basic = post(body, "");
    basic.headers.push_back({"authorization", "Basic abc"});
    EXPECT_EQ(errorCode(service->handle(basic)), "invalid_authorization");

    service->setKeys("new-primary", "new-secondary");
    EXPECT_EQ(service->handle(post(body, "primary-key")).status, 401);
    EXPECT_EQ(service->handle(post(body, "new-secondary")).status, 200);
    // The key never reaches the telemetry.
    telemetry->flush();
    std::lock_guard lock(sink->mutex);
    for (const LogLine &line : sink->lines)
        EXPECT_EQ(line.message.find("primary-key"), std::string::npos) << line.message;
}

TEST(ConstantTimeEquals, Compares)
{
    EXPECT_TRUE(constantTimeEquals("abc", "abc"));
    EXPECT_FALSE(constantTimeEquals("abc", "abd"));
    EXPECT_FALSE(constantTimeEquals("abc", "abcd"));
    EXPECT_FALSE(constantTimeEquals("", "a"));
    EXPECT_TRUE(constantTimeEquals("", ""));
}

TEST_F(Fixture, CorsPreflightAndHeaders)
{
    Request options = get("/score");
    options.method = "OPTIONS";
    options.headers.push_back({"Access-Control-Request-Headers", "authorization,content-type"});
    const Response r = service->handle(options);
    EXPECT_EQ(r.status, 204);
    auto header = [](const Response &resp, std::string_view name) {
        for (const HttpHeader &h : resp.headers)
            if (h.name == name)
                return h.value;
        return std::string();
    };
    EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "https://editor.swagger.io");
    EXPECT_EQ(header(r, "Access-Control-Allow-Methods"), "POST, OPTIONS");
    EXPECT_EQ(header(r, "Access-Control-Allow-Headers"), "authorization,content-type");
    EXPECT_EQ(header(service->handle(get("/swagger.json")), "Access-Control-Allow-Origin"), "https://editor.swagger.io");
}

TEST_F(Fixture, TelemetryRecordsEveryRequestAndLogsErrors)
{
    const std::string body = std::string("{\"data\": [") + kRow + "," + kRow + "]}";
    ASSERT_EQ(service->handle(post(body)).status, 200);
    ASSERT_EQ(service->handle(post("{bad")).status, 400);
    telemetry->flush();
    std::lock_guard lock(sink->mutex);
    ASSERT_EQ(sink->records.size(), 2u);
    const RequestRecord &ok = sink->records[0];
    EXPECT_EQ(ok.name, "POST /score");
    EXPECT_EQ(ok.resultCode, 200);
    EXPECT_TRUE(ok.success);
    EXPECT_EQ(ok.rows, 2u);
    EXPECT_EQ(ok.modelVersion, "7");
    EXPECT_NE(ok.id, sink->records[1].id);
    EXPECT_FALSE(sink->records[1].success);
    EXPECT_EQ(sink->records[1].errorCode, "malformed_json");
    const Json j = Json::parse(requestRecordJson(ok));
    EXPECT_EQ(j["resultCode"], "200");
    EXPECT_EQ(j["customDimensions"]["rows"], "2");
    EXPECT_EQ(j["customDimensions"]["modelVersion"], "7");
    EXPECT_TRUE(j["timestamp"].get<std::string>().ends_with("Z"));
    ASSERT_EQ(sink->lines.size(), 1u);
    EXPECT_EQ(sink->lines[0].level, LogLevel::Warning);
    EXPECT_NE(formatLogLine(sink->lines[0]).find("WARNING 400 POST /score malformed_json"), std::string::npos)
        << formatLogLine(sink->lines[0]);
}

TEST(Telemetry, DropsWhenFullAndCounts)
{
    // A sink that blocks until released, so the buffer fills.
    struct Blocking final : TelemetrySink
    {
        std::mutex gate;
        std::size_t seen = 0;
        void requests(std::span<const RequestRecord> batch) override
        {
            std::lock_guard lock(gate);
            seen += batch.size();
        }
        void logs(std::span<const LogLine>) override {}
    };
    auto sink = std::make_shared<Blocking>();
    std::unique_lock hold(sink->gate);
    TelemetryOptions o;
    o.capacity = 10;
    o.flushInterval = 1ms;
    std::uint64_t accepted = 0;
    {
        Telemetry telemetry(sink, o);
        for (int i = 0; i < 1000; ++i)
            accepted += telemetry.record(RequestRecord{}) ? 1 : 0;
        EXPECT_GT(telemetry.stats().dropped, 0u);
        EXPECT_EQ(telemetry.stats().dropped + accepted, 1000u);
        hold.unlock();
        telemetry.flush();
        EXPECT_EQ(sink->seen, accepted);
    }
}

TEST(Swagger, DescribesTheSchema)
{
    FakeScorer scorer;
    const Json v2 = Json::parse(swagger2(scorer.schema(), SwaggerInfo{}));
    EXPECT_EQ(v2["swagger"], "2.0");
    const Json &row = v2["definitions"]["InputRow"];
    EXPECT_EQ(row["properties"]["age"]["type"], "number");
    EXPECT_EQ(row["properties"]["job"]["enum"], Json::parse(R"(["admin.", "retired"])"));
    EXPECT_EQ(row["properties"]["note"]["type"], "string");
    EXPECT_EQ(row["required"].size(), 3u);
    const Json &example = v2["definitions"]["ServiceInput"]["example"]["Inputs"]["data"][0];
    EXPECT_EQ(example["age"], 51.0);
    EXPECT_EQ(example["job"], "retired");
    EXPECT_TRUE(v2["paths"].contains("/score"));
    const Json v3 = Json::parse(openApi3(scorer.schema(), SwaggerInfo{}));
    EXPECT_EQ(v3["openapi"], "3.0.1");
    EXPECT_TRUE(v3["components"]["schemas"].contains("InputRow"));
}

TEST(ScoringServer, ServesOverHttpAndRecordsServerErrors)
{
    auto sink = std::make_shared<MemorySink>();
    ScoringServerOptions o;
    o.http.maxBodyBytes = 2000;
    o.scoring.primaryKey = "k";
    {
        ScoringServer server(std::make_shared<FakeScorer>(), o, sink);
        ASSERT_FALSE(server.start().has_value());
        RawClient c(server.port());
        const std::string body = std::string("{\"data\": [") + kRow + "]}";
        ASSERT_TRUE(c.send("POST /score HTTP/1.1\r\nAuthorization: Bearer k\r\nContent-Type: application/json\r\nContent-Length: "
                           + std::to_string(body.size()) + "\r\n\r\n" + body));
        auto r = c.read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
        EXPECT_EQ(r->body, R"({"result":["no"]})");
        RawClient big(server.port());
        ASSERT_TRUE(big.send("POST /score HTTP/1.1\r\nContent-Length: 5000\r\n\r\n"));
        auto tooBig = big.read();
        ASSERT_TRUE(tooBig);
        EXPECT_EQ(tooBig->status, 413);
        server.stop();
    }
    std::lock_guard lock(sink->mutex);
    ASSERT_EQ(sink->records.size(), 2u);
    EXPECT_EQ(sink->records[1].resultCode, 413);
    EXPECT_EQ(sink->records[1].url.rfind("http://127.0.0.1:", 0), 0u);
    bool started = false;
    bool listening = false;
    for (const LogLine &line : sink->lines) {
        started |= line.message.find("Model FakeModel version 7 loaded") != std::string::npos;
        listening |= line.message.find("Listening on http://127.0.0.1:") != std::string::npos;
    }
    EXPECT_TRUE(started);
    EXPECT_TRUE(listening);
}

// Row 3 of the security review: 300,000 nested arrays as a row's value or as the method.
// Before, dumping the parsed value for the error message recursed once per level and
// overflowed the stack: `cerulean-cli serve` died with SIGSEGV on either body.
TEST_F(Fixture, DeeplyNestedJsonIsA400NotACrash)
{
    constexpr std::size_t kDeep = 300000;
    const std::string deep = std::string(kDeep, '[') + std::string(kDeep, ']');
    for (const std::string &body : {"{\"data\":[{\"age\":" + deep + "}]}",
                                    "{\"data\":[{\"age\":1}],\"GlobalParameters\":{\"method\":" + deep + "}}",
                                    "{\"data\":" + deep + "}"}) {
        const Response r = service->handle(post(body));
        EXPECT_EQ(r.status, 400);
        EXPECT_EQ(errorCode(r), "json_too_deep");
    }
    Response r = service->handle(post("{\"data\":[{\"age\":" + std::string(61, '[') + std::string(61, ']') + "}]}"));
    EXPECT_NE(errorCode(r), "json_too_deep") << "64 levels in all are within the bound";
    // Brackets inside strings are text, not nesting.
    r = service->handle(post("{\"data\":[{\"x\":\"" + std::string(1000, '[') + "\"}]}"));
    EXPECT_NE(errorCode(r), "json_too_deep");
}

// Row 10: a browser sends text/plain and form bodies to any origin without a preflight; as
// on Azure, /score takes JSON only, so a page cannot score through the user's browser.
TEST_F(Fixture, ScoreRequiresAJsonContentType)
{
    const std::string row = "{\"data\":[{\"age\":30,\"job\":\"admin.\"}]}";
    for (const std::string type : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                   "application/jsonp", ""}) {
        Request r = post(row);
        r.headers.erase(r.headers.begin());
        if (!type.empty())
            r.headers.push_back({"Content-Type", type});
        const Response answer = service->handle(r);
        EXPECT_EQ(answer.status, 415) << type;
        EXPECT_EQ(errorCode(answer), "unsupported_media_type") << type;
    }
    for (const std::string type : {"application/json", "application/json; charset=utf-8", "Application/JSON",
                                   "application/vnd.api+json"}) {
        Request r = post(row);
        r.headers.erase(r.headers.begin());
        r.headers.push_back({"Content-Type", type});
        EXPECT_NE(service->handle(r).status, 415) << type;
    }
}

// DNS rebinding: a page whose name resolves to 127.0.0.1 reaches the port, but its Host is
// its own name. A local deployment answers loopback names only.
TEST(ScoringServiceHosts, LoopbackHostsOnly)
{
    for (const std::string host : {"127.0.0.1", "127.0.0.1:5001", "localhost:80", "LOCALHOST", "[::1]:5001"})
        EXPECT_TRUE(isLoopbackHost(host)) << host;
    for (const std::string host : {"rebind.attacker.example", "rebind.attacker.example:5001", "localhost.attacker.example",
                                   "127.0.0.1.nip.io", "[::2]:5001", ""})
        EXPECT_FALSE(isLoopbackHost(host)) << host;
    ScoringOptions o;
    o.loopbackHostsOnly = true;
    ScoringService service(std::make_shared<FakeScorer>(), o, nullptr);
    Request r = get("/swagger.json");
    r.headers.push_back({"Host", "rebind.attacker.example:5001"});
    EXPECT_EQ(service.handle(r).status, 421);
    r.headers.back().value = "localhost:5001";
    EXPECT_EQ(service.handle(r).status, 200);
}

// No Access-Control-Allow-Origin unless an origin was configured.
TEST(ScoringServiceCors, NoAllowOriginUnlessConfigured)
{
    ScoringOptions o;
    o.primaryKey = "primary-key";
    ScoringService service(std::make_shared<FakeScorer>(), o, nullptr);
    for (const Response &r : {service.handle(post("{\"data\":[]}")), service.handle(get("/swagger.json")),
                              service.handle(get("/"))})
        for (const HttpHeader &h : r.headers)
            EXPECT_NE(h.name, "Access-Control-Allow-Origin");
}
