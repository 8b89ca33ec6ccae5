// The HTTP pipeline against a loopback server that injects faults: every retry and every
// wait is asserted exactly (fake clock, fixed jitter, recording scheduler).
#include "core/azure/client.h"
#include "core/azure/identity.h"
#include "core/azure/pipeline.h"
#include "core/azure/transport.h"
#include "tests/azure/fake_server.h"
#include "tests/azure/test_support.h"

#include <QDateTime>
#include <QLocale>
#include <QTimeZone>

#include <gtest/gtest.h>

using namespace cerulean::azure;
using namespace cerulean::azure::test;
using namespace std::chrono;
using Reply = FakeServer::Reply;

namespace {

struct Rig
{
    FakeServer server;
    std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
    std::shared_ptr<RecordingScheduler> scheduler = std::make_shared<RecordingScheduler>(clock);
    // The process-wide transport, as the app uses it: a QNetworkAccessManager torn down
    // while Qt still has events queued for it crashes later in an unrelated test.
    std::shared_ptr<HttpTransport> transport = AzureClient::networkTransport();
    double jitter = 1.0;

    PipelineOptions options(milliseconds tryTimeout = milliseconds(5000))
    {
        PipelineOptions o;
        o.clock = clock;
        o.scheduler = scheduler;
        o.jitter = [this]() { return jitter; };
        o.tryTimeout = tryTimeout;
        return o;
    }

    HttpResponse get(const HttpPipeline &pipeline, const QString &path)
    {
        HttpRequest request;
        request.url = server.base().resolved(QUrl(path));
        std::optional<HttpResponse> result;
        QObject context;
        pipeline.send(request, &context, [&](HttpResponse response) { result = std::move(response); });
        EXPECT_TRUE(waitUntil([&]() { return result.has_value(); }, 10000));
        return result.value_or(HttpResponse{});
    }

    std::vector<long long> waits() const
    {
        std::vector<long long> out;
        for (milliseconds wait : scheduler->waits)
            out.push_back(wait.count());
        return out;
    }
};

QByteArray httpDate(system_clock::time_point at)
{
    const QDateTime date = QDateTime::fromMSecsSinceEpoch(duration_cast<milliseconds>(at.time_since_epoch()).count(),
                                                          QTimeZone::utc());
    return QLocale::c().toString(date, QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'")).toLatin1();
}

Reply sequence(std::vector<Reply> replies, int &index)
{
    const size_t i = static_cast<size_t>(index++);
    return i < replies.size() ? replies[i] : replies.back();
}

} // namespace

TEST(Pipeline, Throttled429WithRetryAfterSecondsWaitsExactlyThat)
{
    Rig rig;
    int n = 0;
    rig.server.handler = [&](const FakeServer::Request &) {
        return sequence({FakeServer::json(429, R"({"error":{"code":"TooManyRequests","message":"slow down"}})",
                                          {{"Retry-After", "2"}}),
                         FakeServer::json(200, R"({"ok":true})")},
                        n);
    };
    HttpPipeline pipeline(rig.transport, rig.options());
    const HttpResponse response = rig.get(pipeline, QStringLiteral("/subscriptions"));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(rig.server.requests.size(), 2);
    EXPECT_EQ(rig.waits(), (std::vector<long long>{2000}));
}

TEST(Pipeline, Throttled429WithHttpDateWaitsUntilThatDate)
{
    Rig rig;
    int n = 0;
    const QByteArray date = httpDate(rig.clock->now() + seconds(7));
    rig.server.handler = [&](const FakeServer::Request &) {
        return sequence({FakeServer::json(429, "{}", {{"Retry-After", date}}), FakeServer::json(200, "{}")}, n);
    };
    HttpPipeline pipeline(rig.transport, rig.options());
    EXPECT_EQ(rig.get(pipeline, QStringLiteral("/x")).status, 200);
    EXPECT_EQ(rig.server.requests.size(), 2);
    EXPECT_EQ(rig.waits(), (std::vector<long long>{7000}));
}

TEST(Pipeline, RetryAfterMsHeadersWinOverRetryAfter)
{
    Rig rig;
    int n = 0;
    rig.server.handler = [&](const FakeServer::Request &) {
        return sequence({FakeServer::json(503, "{}", {{"retry-after-ms", "250"}, {"Retry-After", "9"}}),
                         FakeServer::json(503, "{}", {{"x-ms-retry-after-ms", "125"}}), FakeServer::json(200, "{}")},
                        n);
    };
    HttpPipeline pipeline(rig.transport, rig.options());
    EXPECT_EQ(rig.get(pipeline, QStringLiteral("/x")).status, 200);
    EXPECT_EQ(rig.waits(), (std::vector<long long>{250, 125}));
}

TEST(Pipeline, ServiceUnavailableTwiceThenOkBacksOffExponentially)
{
    Rig rig;
    int n = 0;
    rig.server.handler = [&](const FakeServer::Request &) {
        return sequence({FakeServer::json(503, "{}"), FakeServer::json(503, "{}"), FakeServer::json(200, "{}")}, n);
    };
    HttpPipeline pipeline(rig.transport, rig.options());
    EXPECT_EQ(rig.get(pipeline, QStringLiteral("/x")).status, 200);
    EXPECT_EQ(rig.server.requests.size(), 3);
    EXPECT_EQ(rig.waits(), (std::vector<long long>{800, 1600}));
    // The same client request id on every try, so the service can correlate them.
    const QByteArray id = rig.server.requests[0].headers.value("x-ms-client-request-id");
    EXPECT_EQ(id.size(), 36);
    for (const auto &request : rig.server.requests)
        EXPECT_EQ(request.headers.value("x-ms-client-request-id"), id);
    EXPECT_TRUE(rig.server.requests[0].headers.value("user-agent").startsWith("cerulean/" CERULEAN_VERSION " (Qt "));
    EXPECT_TRUE(rig.server.requests[0].headers.value("user-agent").endsWith("; Linux)"));
}

TEST(Pipeline, GivesUpAfterThreeRetriesWithJitterApplied)
{
    Rig rig;
    rig.jitter = 1.3;
    rig.server.handler = [](const FakeServer::Request &) { return FakeServer::json(500, R"({"error":{"code":"InternalServerError","message":"boom"}})"); };
    HttpPipeline pipeline(rig.transport, rig.options());
    const HttpResponse response = rig.get(pipeline, QStringLiteral("/x"));
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(rig.server.requests.size(), 4); // 1 try + 3 retries
    EXPECT_EQ(rig.waits(), (std::vector<long long>{1040, 2080, 4160}));
    const AzureError error = AzureError::fromResponse(response);
    EXPECT_EQ(error.code, QStringLiteral("InternalServerError"));
    EXPECT_FALSE(error.clientRequestId.isEmpty());
}

TEST(Pipeline, NotRetriedStatusesReturnAtOnce)
{
    Rig rig;
    rig.server.handler = [](const FakeServer::Request &) { return FakeServer::json(400, "{}"); };
    HttpPipeline pipeline(rig.transport, rig.options());
    EXPECT_EQ(rig.get(pipeline, QStringLiteral("/x")).status, 400);
    EXPECT_EQ(rig.server.requests.size(), 1);
    EXPECT_TRUE(rig.waits().empty());
}

TEST(Pipeline, DelayIsCappedAtSixtySeconds)
{
    RetryOptions options;
    options.retryDelay = milliseconds(20'000);
    auto clock = std::make_shared<FakeClock>();
    QObject guard;
    RetryPolicy policy(options, clock, std::make_shared<RecordingScheduler>(), []() { return 1.3; }, &guard);
    HttpResponse response;
    response.status = 503;
    EXPECT_EQ(policy.delayFor(response, 1).count(), 26'000);
    EXPECT_EQ(policy.delayFor(response, 2).count(), 52'000);
    EXPECT_EQ(policy.delayFor(response, 3).count(), 60'000);
    EXPECT_EQ(policy.delayFor(response, 30).count(), 60'000);
}

TEST(Pipeline, ConnectionResetIsRetried)
{
    // Qt resends a request itself when a connection drops (up to twice), so the server
    // keeps resetting until the pipeline has scheduled its own retry.
    Rig rig;
    rig.server.handler = [&](const FakeServer::Request &) {
        return rig.scheduler->waits.empty() ? FakeServer::reset() : FakeServer::json(200, "{}");
    };
    HttpPipeline pipeline(rig.transport, rig.options());
    EXPECT_EQ(rig.get(pipeline, QStringLiteral("/x")).status, 200);
    EXPECT_EQ(rig.waits(), (std::vector<long long>{800}));
    EXPECT_GE(rig.server.requests.size(), 2);
}

TEST(Pipeline, ConnectionResetEveryTimeEndsInTransportError)
{
    Rig rig;
    rig.server.handler = [](const FakeServer::Request &) { return FakeServer::reset(); };
    HttpPipeline pipeline(rig.transport, rig.options());
    const HttpResponse response = rig.get(pipeline, QStringLiteral("/x"));
    EXPECT_EQ(response.failure, HttpResponse::Failure::Transport);
    EXPECT_EQ(rig.waits(), (std::vector<long long>{800, 1600, 3200}));
    EXPECT_EQ(AzureError::fromResponse(response).kind, ErrorKind::Transport);
}

TEST(Pipeline, SlowReplyTimesOutAndIsRetried)
{
    Rig rig;
    int n = 0;
    rig.server.handler = [&](const FakeServer::Request &) { return sequence({FakeServer::hang(), FakeServer::json(200, "{}")}, n); };
    HttpPipeline pipeline(rig.transport, rig.options(milliseconds(150)));
    EXPECT_EQ(rig.get(pipeline, QStringLiteral("/x")).status, 200);
    EXPECT_EQ(rig.server.requests.size(), 2);
    EXPECT_EQ(rig.waits(), (std::vector<long long>{800}));
}

TEST(Pipeline, ReplySlowerThanTimeoutEveryTimeEndsInTimeoutError)
{
    Rig rig;
    rig.server.handler = [](const FakeServer::Request &) {
        Reply late = FakeServer::json(200, "{}");
        late.delayMs = 1000;
        return late;
    };
    HttpPipeline pipeline(rig.transport, rig.options(milliseconds(100)));
    const HttpResponse response = rig.get(pipeline, QStringLiteral("/x"));
    EXPECT_EQ(response.failure, HttpResponse::Failure::Timeout);
    EXPECT_EQ(rig.server.requests.size(), 4);
    EXPECT_EQ(rig.waits(), (std::vector<long long>{800, 1600, 3200}));
    const AzureError error = AzureError::fromResponse(response);
    EXPECT_EQ(error.kind, ErrorKind::Timeout);
    EXPECT_FALSE(error.action.isEmpty());
}

namespace {

// Token endpoint + ARM on one fake server; tokens are "tok-1", "tok-2", …
struct AuthRig : Rig
{
    int tokensIssued = 0;
    std::function<Reply(const FakeServer::Request &)> arm;
    std::function<Reply(const FakeServer::Request &)> token;

    AuthRig()
    {
        server.handler = [this](const FakeServer::Request &request) {
            if (request.target.contains("/oauth2/v2.0/token")) {
                if (token)
                    return token(request);
                ++tokensIssued;
                return FakeServer::json(200, R"({"token_type":"Bearer","expires_in":3599,"access_token":"tok-)"
                                                 + QByteArray::number(tokensIssued) + "\"}");
            }
            return arm(request);
        };
    }

    std::shared_ptr<ClientSecretCredential> credential(const QString &secret = QStringLiteral("s3cret"))
    {
        auto tokenPipeline = std::make_shared<HttpPipeline>(transport, options());
        return std::make_shared<ClientSecretCredential>(Cloud::local(server.base()), QStringLiteral("tenant-a"),
                                                        QStringLiteral("client-b"), secret, tokenPipeline);
    }

    std::unique_ptr<HttpPipeline> armPipeline(std::shared_ptr<TokenCredential> credential)
    {
        PipelineOptions o = options();
        o.credential = std::move(credential);
        o.scopes = {Cloud::armScope()};
        return std::make_unique<HttpPipeline>(transport, o);
    }
};

} // namespace

TEST(Pipeline, UnauthorizedThenSuccessAfterTokenRefresh)
{
    AuthRig rig;
    int armCalls = 0;
    rig.arm = [&](const FakeServer::Request &request) {
        ++armCalls;
        if (request.headers.value("authorization") == "Bearer tok-2")
            return FakeServer::json(200, R"({"value":[]})");
        return FakeServer::json(401, R"({"error":{"code":"InvalidAuthenticationToken","message":"expired"}})");
    };
    auto pipeline = rig.armPipeline(rig.credential());
    const HttpResponse response = rig.get(*pipeline, QStringLiteral("/subscriptions?api-version=2022-12-01"));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(armCalls, 2);
    EXPECT_EQ(rig.tokensIssued, 2);
    EXPECT_TRUE(rig.waits().empty()); // a refresh is not a retry with back-off
    // The token request is the client-credentials grant of the contract fixture.
    const auto tokenRequest = rig.server.requests[0];
    EXPECT_EQ(tokenRequest.target, "/tenant-a/oauth2/v2.0/token");
    EXPECT_EQ(tokenRequest.headers.value("content-type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(tokenRequest.body, "client_id=client-b&scope=https%3A%2F%2Fmanagement.azure.com%2F.default"
                                 "&client_secret=s3cret&grant_type=client_credentials");
    EXPECT_FALSE(tokenRequest.headers.contains("authorization"));
}

TEST(Pipeline, TokenIsCachedAndRefreshedWhenUnderTwoMinutesRemain)
{
    AuthRig rig;
    rig.arm = [](const FakeServer::Request &) { return FakeServer::json(200, "{}"); };
    auto pipeline = rig.armPipeline(rig.credential());
    EXPECT_EQ(rig.get(*pipeline, QStringLiteral("/a")).status, 200);
    EXPECT_EQ(rig.get(*pipeline, QStringLiteral("/b")).status, 200);
    EXPECT_EQ(rig.tokensIssued, 1);
    rig.clock->advance(seconds(3599 - 121)); // 121 s left: still good
    EXPECT_EQ(rig.get(*pipeline, QStringLiteral("/c")).status, 200);
    EXPECT_EQ(rig.tokensIssued, 1);
    rig.clock->advance(seconds(2)); // 119 s left: refresh first
    EXPECT_EQ(rig.get(*pipeline, QStringLiteral("/d")).status, 200);
    EXPECT_EQ(rig.tokensIssued, 2);
    EXPECT_EQ(rig.server.requests.last().headers.value("authorization"), "Bearer tok-2");
}

TEST(Pipeline, ExpiredClientSecretTellsTheUserToRenewIt)
{
    AuthRig rig;
    rig.token = [](const FakeServer::Request &) {
        return FakeServer::json(
            401, R"({"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys for app 'client-b' are expired. Visit the Azure portal to create new keys for your app.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: 1111bbbb-22cc-dddd-ee33-ffffff444444","error_codes":[7000222],"trace_id":"0000aaaa-11bb-cccc-dd22-eeeeee333333"})",
            {{"x-ms-request-id", "0000aaaa-11bb-cccc-dd22-eeeeee333333"}});
    };
    rig.arm = [](const FakeServer::Request &) { return FakeServer::json(200, "{}"); };
    auto pipeline = rig.armPipeline(rig.credential());
    const HttpResponse response = rig.get(*pipeline, QStringLiteral("/subscriptions"));
    ASSERT_EQ(response.failure, HttpResponse::Failure::Credential);
    const AzureError error = AzureError::fromResponse(response);
    EXPECT_EQ(error.kind, ErrorKind::Authentication);
    EXPECT_EQ(error.httpStatus, 401);
    EXPECT_EQ(error.code, QStringLiteral("invalid_client"));
    EXPECT_EQ(error.aadstsCode, QStringLiteral("AADSTS7000222"));
    EXPECT_EQ(error.requestId, QStringLiteral("0000aaaa-11bb-cccc-dd22-eeeeee333333"));
    EXPECT_TRUE(error.message.startsWith(QStringLiteral("AADSTS7000222: The provided client secret keys")));
    EXPECT_FALSE(error.message.contains(QStringLiteral("Trace ID")));
    EXPECT_TRUE(error.action.contains(QStringLiteral("client secret has expired")));
    EXPECT_TRUE(error.action.contains(QStringLiteral("create a new secret")));
    EXPECT_TRUE(error.toString().contains(QStringLiteral("sign in again")));
    EXPECT_EQ(rig.server.countFor("/subscriptions"), 0);
}

TEST(Pipeline, InvalidClientSaysWhatToCheck)
{
    AuthRig rig;
    rig.token = [](const FakeServer::Request &) {
        return FakeServer::json(401, R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]})");
    };
    auto credential = rig.credential(QStringLiteral("wrong"));
    std::optional<Result<AccessToken>> token;
    QObject context;
    credential->getToken({{Cloud::armScope()}, {}, false}, &context, [&](Result<AccessToken> t) { token = std::move(t); });
    ASSERT_TRUE(waitUntil([&]() { return token.has_value(); }));
    ASSERT_FALSE(token->ok());
    EXPECT_EQ(token->error().code, QStringLiteral("invalid_client"));
    EXPECT_EQ(token->error().aadstsCode, QStringLiteral("AADSTS7000215"));
    EXPECT_TRUE(token->error().action.contains(QStringLiteral("secret is wrong")));

    // Without an AADSTS code the generic invalid_client advice applies.
    EXPECT_TRUE(actionFor(401, QStringLiteral("invalid_client"), {}).contains(QStringLiteral("check the tenant, the client ID and the secret")));
}

TEST(Pipeline, BearerTokenIsNeverSentInClearTextToARemoteHost)
{
    AuthRig rig;
    rig.arm = [](const FakeServer::Request &) { return FakeServer::json(200, "{}"); };
    auto pipeline = rig.armPipeline(rig.credential());
    HttpRequest request;
    request.url = QUrl(QStringLiteral("http://example.invalid/subscriptions"));
    std::optional<HttpResponse> result;
    QObject context;
    pipeline->send(request, &context, [&](HttpResponse response) { result = std::move(response); });
    ASSERT_TRUE(waitUntil([&]() { return result.has_value(); }));
    EXPECT_EQ(result->failure, HttpResponse::Failure::Credential);
    EXPECT_EQ(rig.tokensIssued, 0);

    // Names that only look like loopback are remote too; every name under .localhost is
    // loopback (RFC 6761), as the local workspace's {account}.blob.localhost storage is.
    for (const char *url : {"http://acct.blob.localhost.example.invalid/x", "http://evil-localhost/x",
                            "http://localhost.example.invalid/x"}) {
        result.reset();
        request.url = QUrl(QString::fromLatin1(url));
        pipeline->send(request, &context, [&](HttpResponse response) { result = std::move(response); });
        ASSERT_TRUE(waitUntil([&]() { return result.has_value(); })) << url;
        EXPECT_EQ(result->failure, HttpResponse::Failure::Credential) << url;
        EXPECT_EQ(rig.tokensIssued, 0) << url;
    }
    result.reset();
    request.url = rig.server.base();
    request.url.setHost(QStringLiteral("acct.blob.LOCALHOST"));
    request.url.setPath(QStringLiteral("/x"));
    pipeline->send(request, &context, [&](HttpResponse response) { result = std::move(response); });
    ASSERT_TRUE(waitUntil([&]() { return result.has_value(); }));
    EXPECT_NE(result->failure, HttpResponse::Failure::Credential) << result->failureText.toStdString();
    EXPECT_EQ(rig.tokensIssued, 1);
}

namespace {
QStringList captured;
void captureMessages(QtMsgType, const QMessageLogContext &, const QString &message)
{
    captured << message;
}
} // namespace

TEST(Pipeline, LogsRedactSecretsTokensAndSignatures)
{
    AuthRig rig;
    rig.arm = [](const FakeServer::Request &) {
        return FakeServer::json(200, R"({"primaryKey":"pk-value","secondaryKey":"sk-value","name":"ep"})");
    };
    QLoggingCategory::setFilterRules(QStringLiteral("cerulean.azure.http.debug=true"));
    captured.clear();
    const auto previous = qInstallMessageHandler(captureMessages);
    auto pipeline = rig.armPipeline(rig.credential(QStringLiteral("very-secret-value")));
    rig.get(*pipeline, QStringLiteral("/keys?sig=abcdef&sv=2021&api-version=1"));
    qInstallMessageHandler(previous);
    QLoggingCategory::setFilterRules(QStringLiteral("cerulean.azure.http.debug=false"));

    const QString all = captured.join(QLatin1Char('\n'));
    EXPECT_TRUE(all.contains(QStringLiteral("/keys?sig=REDACTED&sv=2021&api-version=1"))) << all.toStdString();
    EXPECT_TRUE(all.contains(QStringLiteral("Authorization: REDACTED")));
    EXPECT_TRUE(all.contains(QStringLiteral("client_secret=REDACTED")));
    for (const char *secret : {"very-secret-value", "tok-1", "pk-value", "sk-value", "abcdef"})
        EXPECT_FALSE(all.contains(QLatin1String(secret))) << secret;
    EXPECT_TRUE(all.contains(QStringLiteral("\"name\":\"ep\""))); // the rest stays readable
}

TEST(Pipeline, RedactionHelpers)
{
    EXPECT_EQ(redactHeader("Authorization", "Bearer x"), "REDACTED");
    EXPECT_EQ(redactHeader("x-ms-blob-type", "BlockBlob"), "BlockBlob");
    EXPECT_EQ(redactHeader("api-key", "k"), "REDACTED");
    EXPECT_EQ(redactBody("grant_type=refresh_token&refresh_token=abc&client_id=c"),
              "grant_type=refresh_token&refresh_token=REDACTED&client_id=c");
    EXPECT_EQ(redactBody(R"({"secretText":"Q~x","displayName":"d"})"), R"({"secretText":"REDACTED","displayName":"d"})");
    EXPECT_EQ(redactBody(R"({"access_token":"eyJ","expires_in":3599})"), R"({"access_token":"REDACTED","expires_in":3599})");
    EXPECT_EQ(redactUrl(QUrl(QStringLiteral("https://a.blob.core.windows.net/c/b?sv=1&sig=zzz"))),
              QStringLiteral("https://a.blob.core.windows.net/c/b?sv=1&sig=REDACTED"));
}
