// Device code sign-in, the token cache, config.json and the Cloud endpoint set.
#include "core/azure/cloud.h"
#include "core/azure/identity.h"
#include "core/azure/sign_in.h"
#include "core/azure/workspace_config.h"
#include "tests/azure/test_support.h"

#include <QMessageAuthenticationCode>
#include <QTemporaryDir>
#include <QUrlQuery>

#include <gtest/gtest.h>

using namespace cerulean::azure;
using namespace cerulean::azure::test;
using namespace std::chrono;
using nlohmann::json;

namespace {

const QString deviceFixture = QStringLiteral(
    "/azure-contract/_docs/MicrosoftDocs/entra-docs/docs/identity-platform/v2-oauth2-device-code.flow.json");

struct DeviceRig
{
    std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
    std::shared_ptr<RecordingScheduler> scheduler = std::make_shared<RecordingScheduler>(clock);
    std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
    std::shared_ptr<HttpPipeline> pipeline;
    json fixture = loadJson(sharedDir() + deviceFixture);
    std::vector<QByteArray> pollErrors; // answers to successive token polls; then success
    size_t polls = 0;
    std::vector<DeviceCodeInfo> prompts;

    DeviceRig()
    {
        PipelineOptions o;
        o.clock = clock;
        o.scheduler = scheduler;
        o.jitter = []() { return 1.0; };
        pipeline = std::make_shared<HttpPipeline>(transport, o);
        transport->handler = [this](const HttpRequest &request) {
            if (request.url.path().endsWith(QLatin1String("/devicecode")))
                return jsonResponse(200, dumpJson(fixture["device_authorization"]["responses"]["200"]["body_illustrative"]));
            if (polls < pollErrors.size())
                return jsonResponse(400, R"({"error":")" + pollErrors[polls++] + R"(","error_description":"AADSTS70016: pending","error_codes":[70016]})");
            ++polls;
            return jsonResponse(200, dumpJson(fixture["token_polling"]["responses"]["200"]["body"]));
        };
    }

    std::unique_ptr<DeviceCodeCredential> credential()
    {
        return std::make_unique<DeviceCodeCredential>(Cloud::azure(), QStringLiteral("organizations"),
                                                      QStringLiteral("535fb089-9ff3-47b6-9bfb-4f1264799865"), pipeline,
                                                      [this](const DeviceCodeInfo &info) { prompts.push_back(info); });
    }

    Result<AccessToken> token(DeviceCodeCredential &credential, const QString &scope = Cloud::armScope())
    {
        std::optional<Result<AccessToken>> result;
        QObject context;
        credential.getToken({{scope}, {}, false}, &context, [&](Result<AccessToken> t) { result = std::move(t); });
        EXPECT_TRUE(waitUntil([&]() { return result.has_value(); }));
        return result.value_or(Result<AccessToken>(AzureError::canceled()));
    }

    std::vector<long long> waits() const
    {
        std::vector<long long> out;
        for (milliseconds wait : scheduler->waits)
            out.push_back(wait.count());
        return out;
    }
};

} // namespace

TEST(DeviceCode, ShowsTheCodeAndPollsAtTheIntervalSlowingDownWhenAsked)
{
    DeviceRig rig;
    ASSERT_TRUE(rig.fixture.is_object());
    rig.pollErrors = {"authorization_pending", "slow_down", "authorization_pending"};
    auto credential = rig.credential();
    const Result<AccessToken> token = rig.token(*credential);
    ASSERT_TRUE(token.ok()) << token.error().toString().toStdString();
    EXPECT_TRUE(token->token.startsWith(QStringLiteral("eyJ0eXAiOiJKV1Qi")));
    EXPECT_EQ(token->expiresOn, rig.clock->now() + seconds(3599));
    ASSERT_EQ(rig.prompts.size(), 1u);
    EXPECT_EQ(rig.prompts[0].userCode, QStringLiteral("ABCD1234"));
    EXPECT_EQ(rig.prompts[0].verificationUri, QUrl(QStringLiteral("https://microsoft.com/devicelogin")));
    EXPECT_TRUE(rig.prompts[0].message.contains(QStringLiteral("ABCD1234")));
    // interval 5 s before the first poll; pending, slow_down (+5 s from then on), pending.
    EXPECT_EQ(rig.waits(), (std::vector<long long>{5000, 5000, 10000, 10000}));
    // Requests as the fixture shows them.
    const HttpRequest &authorize = rig.transport->requests[0];
    EXPECT_EQ(authorize.url.toString(), QStringLiteral("https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode"));
    EXPECT_EQ(authorize.body, "client_id=535fb089-9ff3-47b6-9bfb-4f1264799865"
                              "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default%20offline_access");
    const HttpRequest &poll = rig.transport->requests[1];
    EXPECT_EQ(poll.url.toString(), QStringLiteral("https://login.microsoftonline.com/organizations/oauth2/v2.0/token"));
    EXPECT_TRUE(poll.body.startsWith("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"
                                     "&client_id=535fb089-9ff3-47b6-9bfb-4f1264799865&device_code=GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8"));

    // Cached for this scope; another scope uses the refresh token, without a new prompt.
    const size_t before = rig.transport->requests.size();
    ASSERT_TRUE(rig.token(*credential).ok());
    EXPECT_EQ(rig.transport->requests.size(), before);
    ASSERT_TRUE(rig.token(*credential, Cloud::graphScope()).ok());
    EXPECT_EQ(rig.transport->requests.size(), before + 1);
    EXPECT_TRUE(rig.transport->requests.back().body.contains("grant_type=refresh_token"));
    EXPECT_EQ(rig.prompts.size(), 1u);
}

TEST(DeviceCode, ExpiredTokenStopsWithAMessage)
{
    DeviceRig rig;
    rig.pollErrors = {"authorization_pending", "expired_token"};
    auto credential = rig.credential();
    const Result<AccessToken> token = rig.token(*credential);
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.error().code, QStringLiteral("expired_token"));
    EXPECT_EQ(token.error().kind, ErrorKind::Authentication);
    EXPECT_TRUE(token.error().action.contains(QStringLiteral("start the sign-in again")));
    EXPECT_EQ(rig.polls, 2u);
}

TEST(DeviceCode, DeclinedStops)
{
    DeviceRig rig;
    rig.pollErrors = {"authorization_declined"};
    auto credential = rig.credential();
    const Result<AccessToken> token = rig.token(*credential);
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.error().code, QStringLiteral("authorization_declined"));
    EXPECT_TRUE(token.error().action.contains(QStringLiteral("declined")));
}

TEST(DeviceCode, GivesUpWhenTheCodeLifetimeHasPassed)
{
    DeviceRig rig;
    rig.pollErrors.assign(1000, "authorization_pending");
    auto credential = rig.credential();
    const Result<AccessToken> token = rig.token(*credential);
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.error().code, QStringLiteral("expired_token"));
    EXPECT_EQ(rig.polls, 900u / 5u - 1u); // expires_in 900 s at 5 s intervals
}

TEST(TokenCache, PerTenantAndScopeWithTwoMinuteMargin)
{
    auto clock = std::make_shared<FakeClock>();
    TokenCache cache(clock);
    const AccessToken token{QStringLiteral("t"), clock->now() + minutes(10)};
    cache.store(QStringLiteral("a"), {Cloud::armScope()}, token);
    EXPECT_TRUE(cache.find(QStringLiteral("a"), {Cloud::armScope()}).has_value());
    EXPECT_FALSE(cache.find(QStringLiteral("b"), {Cloud::armScope()}).has_value());
    EXPECT_FALSE(cache.find(QStringLiteral("a"), {Cloud::graphScope()}).has_value());
    clock->advance(minutes(8) - seconds(1));
    EXPECT_TRUE(cache.find(QStringLiteral("a"), {Cloud::armScope()}).has_value());
    clock->advance(seconds(1));
    EXPECT_FALSE(cache.find(QStringLiteral("a"), {Cloud::armScope()}).has_value());
}

TEST(Cloud, AzureAndLocalEndpointSets)
{
    const Cloud azure = Cloud::azure();
    EXPECT_EQ(azure.tokenUrl(QStringLiteral("t1")).toString(), QStringLiteral("https://login.microsoftonline.com/t1/oauth2/v2.0/token"));
    EXPECT_EQ(azure.armUrl(QStringLiteral("/subscriptions"), QStringLiteral("2022-12-01")).toString(),
              QStringLiteral("https://management.azure.com/subscriptions?api-version=2022-12-01"));
    EXPECT_EQ(azure.graphUrl(QStringLiteral("/applications")).toString(), QStringLiteral("https://graph.microsoft.com/v1.0/applications"));
    EXPECT_EQ(azure.appInsightsQueryUrl(QStringLiteral("app")).toString(),
              QStringLiteral("https://api.applicationinsights.io/v1/apps/app/query"));
    EXPECT_EQ(azure.blobUrl(QStringLiteral("acct"), QStringLiteral("c"), QStringLiteral("d/f.csv")).toString(),
              QStringLiteral("https://acct.blob.core.windows.net/c/d/f.csv"));
    const QString ws = QStringLiteral("/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w");
    EXPECT_EQ(azure.mlflowTrackingBase(ws, QStringLiteral("eastus"), {}).toString(),
              QStringLiteral("https://eastus.api.azureml.ms/mlflow/v1.0") + ws);
    EXPECT_EQ(azure.mlflowTrackingBase(ws, QStringLiteral("eastus"), QStringLiteral("azureml://westus.api.azureml.ms/mlflow/v1.0") + ws).toString(),
              QStringLiteral("https://westus.api.azureml.ms/mlflow/v1.0") + ws);

    const Cloud local = Cloud::local(QUrl(QStringLiteral("http://127.0.0.1:7000/")));
    EXPECT_TRUE(local.isLocal());
    EXPECT_EQ(local.tokenUrl(QStringLiteral("t1")).toString(), QStringLiteral("http://127.0.0.1:7000/t1/oauth2/v2.0/token"));
    EXPECT_EQ(local.deviceCodeUrl(QStringLiteral("t1")).toString(), QStringLiteral("http://127.0.0.1:7000/t1/oauth2/v2.0/devicecode"));
    EXPECT_EQ(local.armUrl(QStringLiteral("/subscriptions"), QStringLiteral("2022-12-01")).toString(),
              QStringLiteral("http://127.0.0.1:7000/subscriptions?api-version=2022-12-01"));
    EXPECT_EQ(local.graphUrl(QStringLiteral("/applications")).toString(), QStringLiteral("http://127.0.0.1:7000/graph/v1.0/applications"));
    EXPECT_EQ(local.appInsightsQueryUrl(QStringLiteral("app")).toString(),
              QStringLiteral("http://127.0.0.1:7000/appinsights/v1/apps/app/query"));
    EXPECT_EQ(local.blobUrl(QStringLiteral("acct"), QStringLiteral("c"), QStringLiteral("f.csv")).toString(),
              QStringLiteral("http://127.0.0.1:7000/blob/acct/c/f.csv"));
    EXPECT_EQ(local.mlflowTrackingBase(ws, {}, {}).toString(), QStringLiteral("http://127.0.0.1:7000/mlflow/v1.0") + ws);
    EXPECT_EQ(local.mlflowTrackingBase(ws, {}, QStringLiteral("azureml://127.0.0.1:7000/mlflow/v1.0") + ws).toString(),
              QStringLiteral("http://127.0.0.1:7000/mlflow/v1.0") + ws);
}

TEST(WorkspaceConfig, RoundTripsTheSdkFormatAndNamesBadFields)
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    const WorkspaceConfig config{QStringLiteral("sub-1"), QStringLiteral("rg-1"), QStringLiteral("ws-1")};
    ASSERT_TRUE(writeWorkspaceConfig(path, config).ok());
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const json written = json::parse(file.readAll().toStdString());
    EXPECT_EQ(written, json({{"subscription_id", "sub-1"}, {"resource_group", "rg-1"}, {"workspace_name", "ws-1"}}));
    const auto read = readWorkspaceConfig(path);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read.value(), config);

    // The SDK writes extra keys; they are ignored. Missing / mistyped fields are named.
    EXPECT_TRUE(parseWorkspaceConfig(R"({"subscription_id":"s","resource_group":"r","workspace_name":"w","friendly_name":"x"})").ok());
    const auto missing = parseWorkspaceConfig(R"({"subscription_id":"s","workspace_name":"w"})");
    ASSERT_FALSE(missing.ok());
    EXPECT_TRUE(missing.error().message.contains(QStringLiteral("'resource_group' is missing")));
    const auto typed = parseWorkspaceConfig(R"({"subscription_id":5,"resource_group":"r","workspace_name":"w"})");
    ASSERT_FALSE(typed.ok());
    EXPECT_TRUE(typed.error().message.contains(QStringLiteral("'subscription_id' must be a non-empty string")));
    EXPECT_FALSE(parseWorkspaceConfig("not json").ok());
    EXPECT_FALSE(readWorkspaceConfig(dir.filePath(QStringLiteral("absent.json"))).ok());
}

// `cerulean-cli login --approve` at a local workspace: whatever answers at the authority (the
// service, or another program holding a port the user named by mistake) gets a proof good for
// this one decision on this one code, never the built-in principal's secret.
TEST(LocalDeviceCodeApproval, ProvesTheSecretWithoutSendingIt)
{
    auto transport = std::make_shared<FakeTransport>();
    transport->handler = [](const HttpRequest &) {
        return jsonResponse(200, R"({"userCode":"ABCDEFGHJ","clientId":"x","scope":"s","status":"approved"})");
    };
    const auto pipeline = std::make_shared<HttpPipeline>(transport, PipelineOptions{});
    const QString secret = QStringLiteral("the-principal-secret-0123456789");
    std::optional<Result<DeviceCodeDecision>> decided;
    QObject context;
    decideLocalDeviceCode(pipeline, cloudForAuthority(QUrl(QStringLiteral("http://127.0.0.1:1"))), QStringLiteral("abcd-efghj"),
                          secret, true, &context, [&](Result<DeviceCodeDecision> d) { decided = std::move(d); });
    ASSERT_TRUE(waitUntil([&]() { return decided.has_value(); }));
    ASSERT_TRUE(decided->ok()) << decided->error().toString().toStdString();
    EXPECT_TRUE(decided->value().approved);
    ASSERT_EQ(transport->requests.size(), 1u);
    const HttpRequest &sent = transport->requests.front();
    EXPECT_EQ(sent.url.path(), QStringLiteral("/devicelogin"));
    EXPECT_FALSE(sent.body.contains(secret.toUtf8())) << sent.body.toStdString();
    EXPECT_FALSE(sent.body.contains("client_secret")) << sent.body.toStdString();
    EXPECT_FALSE(sent.headers.contains("Authorization"));
    // The proof is the HMAC the service checks: of the decision and the code as it keeps it.
    const QUrlQuery form(QString::fromUtf8(sent.body));
    EXPECT_EQ(form.queryItemValue(QStringLiteral("user_code")), QStringLiteral("ABCDEFGHJ"));
    EXPECT_EQ(form.queryItemValue(QStringLiteral("action")), QStringLiteral("approve"));
    const QByteArray expected = QMessageAuthenticationCode::hash("devicelogin:approve:ABCDEFGHJ", secret.toUtf8(),
                                                                 QCryptographicHash::Sha256)
                                    .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    EXPECT_EQ(form.queryItemValue(QStringLiteral("proof"), QUrl::FullyDecoded).toLatin1(), expected);
}
