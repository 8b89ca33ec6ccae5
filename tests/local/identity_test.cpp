// Identity as an attacker on the same computer tries it: a device code nobody approved, an
// approval without the secret, a token for one service used on another, an online endpoint's
// token used on the workspace, and a flood of device codes. The routes are called in process;
// tests/local/identity_attacks.sh does the same over HTTP against `cerulean-cli local-service`.

#include "local_test_util.h"

#include <QMessageAuthenticationCode>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QThread>
#include <QUrlQuery>

using namespace cerulean::local;
using namespace cerulean::local::test;

namespace {

QByteArray form(const QList<std::pair<QString, QString>> &fields)
{
    QByteArray body;
    for (const auto &[name, value] : fields) {
        if (!body.isEmpty())
            body += '&';
        body += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
    }
    return body;
}

std::string errorCode(const ApiResponse &r)
{
    const Json j = r.json();
    if (!j.is_object())
        return {};
    if (j.contains("error") && j["error"].is_string())
        return j["error"]; // Entra's token endpoint
    if (j.contains("error") && j["error"].is_object())
        return j["error"].value("code", std::string());
    return {};
}

class Identity : public ServiceFixture
{
protected:
    void SetUp() override { openService(false); }

    QString tokenPath() const { return QLatin1Char('/') + m_service->tenantId() + QStringLiteral("/oauth2/v2.0/token"); }
    QString deviceCodePath() const { return QLatin1Char('/') + m_service->tenantId() + QStringLiteral("/oauth2/v2.0/devicecode"); }

    ApiResponse post(const QString &path, const QByteArray &body, const HeaderList &headers = {})
    {
        return m_service->handle(makeRequest("POST", path, body, headers));
    }

    ApiResponse askDeviceCode(const QString &clientId, const QString &scope)
    {
        return post(deviceCodePath(), form({{QStringLiteral("client_id"), clientId}, {QStringLiteral("scope"), scope}}));
    }

    ApiResponse redeem(const std::string &deviceCode, const QString &clientId)
    {
        return post(tokenPath(), form({{QStringLiteral("grant_type"), QStringLiteral("urn:ietf:params:oauth:grant-type:device_code")},
                                       {QStringLiteral("client_id"), clientId},
                                       {QStringLiteral("device_code"), QString::fromStdString(deviceCode)}}));
    }

    // The sign-in page, as `cerulean-cli login --approve` posts it (JSON answer).
    ApiResponse decide(const std::string &userCode, const QString &secret, const QString &action = QStringLiteral("approve"))
    {
        return post(QStringLiteral("/devicelogin"),
                    form({{QStringLiteral("user_code"), QString::fromStdString(userCode)},
                          {QStringLiteral("client_secret"), secret},
                          {QStringLiteral("action"), action}}),
                    {{"Accept", "application/json"}});
    }

    // A token for `scope` by the client credentials grant of the built-in principal.
    QString clientToken(const QString &scope)
    {
        const LocalPrincipal sp = m_service->builtInPrincipal();
        const ApiResponse r = post(tokenPath(), form({{QStringLiteral("grant_type"), QStringLiteral("client_credentials")},
                                                      {QStringLiteral("client_id"), sp.clientId},
                                                      {QStringLiteral("client_secret"), sp.clientSecret},
                                                      {QStringLiteral("scope"), scope}}));
        EXPECT_EQ(r.status, 200) << r.body.toStdString();
        return QString::fromStdString(r.json().value("access_token", std::string()));
    }

    ApiResponse with(const QString &token, const QByteArray &method, const QString &target, const QByteArray &body = {},
                     HeaderList headers = {})
    {
        headers.append({"Authorization", "Bearer " + token.toLatin1()});
        return m_service->handle(makeRequest(method, target, body, headers));
    }
};

} // namespace

// Row 1: a device code is worth nothing until the user approves it with the built-in
// principal's secret; until then redemption answers Entra's authorization_pending.
TEST_F(Identity, DeviceCodeNeedsTheUsersApproval)
{
    auto r = askDeviceCode(QStringLiteral("x"), QStringLiteral("https://management.azure.com/.default offline_access"));
    ASSERT_EQ(r.status, 200) << r.body.toStdString();
    const std::string deviceCode = r.json()["device_code"], userCode = r.json()["user_code"];
    EXPECT_EQ(userCode.size(), 9u);
    EXPECT_NE(r.json()["verification_uri"].get<std::string>().find("/devicelogin"), std::string::npos);
    EXPECT_NE(r.json()["message"].get<std::string>().find("cerulean-cli login --approve " + userCode), std::string::npos);

    // Redeemed at once, as the attacker would: pending, no token.
    r = redeem(deviceCode, QStringLiteral("x"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(errorCode(r), "authorization_pending");
    EXPECT_NE(r.json()["error_description"].get<std::string>().find("AADSTS70016"), std::string::npos);
    EXPECT_FALSE(r.json().contains("access_token"));

    // Approved without the secret: refused, and the code stays pending.
    r = decide(userCode, QStringLiteral("guess"));
    EXPECT_EQ(r.status, 401) << r.body.toStdString();
    r = decide(userCode, QString());
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(errorCode(redeem(deviceCode, QStringLiteral("x"))), "authorization_pending");
    // A secret of another principal (an application made through Graph) approves nothing either.
    r = raw("POST", QStringLiteral("/graph/v1.0/applications"), R"({"displayName":"other"})");
    const QString appObject = QString::fromStdString(r.json()["id"]);
    const QString appSecret = QString::fromStdString(
        raw("POST", QStringLiteral("/graph/v1.0/applications/%1/addPassword").arg(appObject), R"({"passwordCredential":{}})")
            .json()["secretText"]);
    ASSERT_FALSE(appSecret.isEmpty());
    EXPECT_EQ(decide(userCode, appSecret).status, 401);
    EXPECT_EQ(errorCode(redeem(deviceCode, QStringLiteral("x"))), "authorization_pending");

    // The user approves with the secret; another client cannot redeem the code.
    const QString secret = m_service->builtInPrincipal().clientSecret;
    r = decide(userCode, secret);
    ASSERT_EQ(r.status, 200) << r.body.toStdString();
    EXPECT_EQ(r.json()["status"], "approved");
    EXPECT_EQ(r.json()["clientId"], "x");
    EXPECT_EQ(decide(userCode, secret).status, 400) << "a code is decided once";
    EXPECT_EQ(redeem(deviceCode, QStringLiteral("someone-else")).status, 400);
    r = redeem(deviceCode, QStringLiteral("x"));
    ASSERT_EQ(r.status, 200) << r.body.toStdString();
    const QString arm = QString::fromStdString(r.json()["access_token"]);
    const QString refresh = QString::fromStdString(r.json()["refresh_token"]);
    EXPECT_EQ(with(arm, "GET", QStringLiteral("/subscriptions?api-version=2022-12-01")).status, 200);
    EXPECT_EQ(with(arm, "GET", QStringLiteral("/graph/v1.0/applications")).status, 401) << "the token is ARM's only";
    // One use.
    r = redeem(deviceCode, QStringLiteral("x"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(errorCode(r), "invalid_grant");

    // The refresh token gets another resource's token without asking again, once, for its client.
    const auto refreshFor = [&](const QString &token, const QString &clientId) {
        return post(tokenPath(), form({{QStringLiteral("grant_type"), QStringLiteral("refresh_token")},
                                       {QStringLiteral("client_id"), clientId},
                                       {QStringLiteral("refresh_token"), token},
                                       {QStringLiteral("scope"), QStringLiteral("https://graph.microsoft.com/.default offline_access")}}));
    };
    r = refreshFor(refresh, QStringLiteral("x"));
    ASSERT_EQ(r.status, 200) << r.body.toStdString();
    const QString graph = QString::fromStdString(r.json()["access_token"]);
    EXPECT_EQ(with(graph, "GET", QStringLiteral("/graph/v1.0/applications")).status, 200);
    EXPECT_EQ(with(graph, "GET", QStringLiteral("/subscriptions?api-version=2022-12-01")).status, 401);
    EXPECT_EQ(errorCode(refreshFor(refresh, QStringLiteral("x"))), "invalid_grant") << "a refresh token is used once";
    const QString next = QString::fromStdString(r.json()["refresh_token"]);
    EXPECT_EQ(errorCode(refreshFor(next, QStringLiteral("someone-else"))), "invalid_grant");

    // A denied code answers authorization_declined.
    r = askDeviceCode(QStringLiteral("x"), QStringLiteral("https://management.azure.com/.default"));
    ASSERT_EQ(r.status, 200);
    const std::string denied = r.json()["device_code"];
    EXPECT_EQ(decide(r.json()["user_code"], secret, QStringLiteral("deny")).status, 200);
    r = redeem(denied, QStringLiteral("x"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(errorCode(r), "authorization_declined");
    // A code never given.
    EXPECT_EQ(errorCode(redeem("not-a-code", QStringLiteral("x"))), "expired_token");
}

// `cerulean-cli login --approve` proves the secret without sending it: an HMAC keyed with the
// secret over the decision and the code. A proof is good for that decision on that code only.
TEST_F(Identity, AnApprovalsProofIsGoodForOneDecisionOnOneCode)
{
    const QString secret = m_service->builtInPrincipal().clientSecret;
    const auto proofOf = [](const QString &key, const QString &action, const std::string &userCode) {
        return QString::fromLatin1(QMessageAuthenticationCode::hash(QStringLiteral("devicelogin:%1:%2")
                                                                        .arg(action, QString::fromStdString(userCode))
                                                                        .toUtf8(),
                                                                    key.toUtf8(), QCryptographicHash::Sha256)
                                       .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    };
    const auto decideWith = [&](const std::string &userCode, const QString &proof, const QString &action) {
        return post(QStringLiteral("/devicelogin"),
                    form({{QStringLiteral("user_code"), QString::fromStdString(userCode)},
                          {QStringLiteral("proof"), proof},
                          {QStringLiteral("action"), action}}),
                    {{"Accept", "application/json"}});
    };
    auto r = askDeviceCode(QStringLiteral("x"), QStringLiteral("https://management.azure.com/.default"));
    ASSERT_EQ(r.status, 200);
    const std::string deviceCode = r.json()["device_code"], userCode = r.json()["user_code"];
    r = askDeviceCode(QStringLiteral("x"), QStringLiteral("https://management.azure.com/.default"));
    ASSERT_EQ(r.status, 200);
    const std::string otherCode = r.json()["user_code"];

    // A proof made with another key, for another code, or for "deny" approves nothing.
    EXPECT_EQ(decideWith(userCode, proofOf(QStringLiteral("guess"), QStringLiteral("approve"), userCode), QStringLiteral("approve")).status, 401);
    EXPECT_EQ(decideWith(userCode, proofOf(secret, QStringLiteral("approve"), otherCode), QStringLiteral("approve")).status, 401);
    EXPECT_EQ(decideWith(userCode, proofOf(secret, QStringLiteral("deny"), userCode), QStringLiteral("approve")).status, 401);
    EXPECT_EQ(decideWith(userCode, QStringLiteral("x"), QStringLiteral("approve")).status, 401);
    EXPECT_EQ(errorCode(redeem(deviceCode, QStringLiteral("x"))), "authorization_pending");

    // The right one approves, once.
    const QString proof = proofOf(secret, QStringLiteral("approve"), userCode);
    r = decideWith(userCode, proof, QStringLiteral("approve"));
    ASSERT_EQ(r.status, 200) << r.body.toStdString();
    EXPECT_EQ(r.json()["status"], "approved");
    EXPECT_EQ(decideWith(userCode, proof, QStringLiteral("approve")).status, 400) << "a code is decided once";
    EXPECT_EQ(redeem(deviceCode, QStringLiteral("x")).status, 200);
}

TEST_F(Identity, TheSignInPageAsksForTheSecretAndCannotBeFramed)
{
    const ApiResponse r = m_service->handle(makeRequest("GET", QStringLiteral("/devicelogin?code=abcd-efgh")));
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(r.header("Content-Type").startsWith("text/html"));
    EXPECT_TRUE(r.body.contains("name=\"client_secret\" type=\"password\""));
    EXPECT_TRUE(r.body.contains("value=\"ABCDEFGH\""));
    EXPECT_EQ(r.header("X-Frame-Options"), "DENY");
    EXPECT_TRUE(r.header("Content-Security-Policy").contains("frame-ancestors 'none'"));
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
    // What a page shows is escaped.
    const ApiResponse xss = m_service->handle(makeRequest("GET", QStringLiteral("/devicelogin?code=%22%3E%3Cscript%3E")));
    EXPECT_FALSE(xss.body.contains("<SCRIPT>"));
    EXPECT_FALSE(xss.body.contains("<script>"));
}

// Row 10: stale device codes expire and are purged, and no more than the bound wait at once,
// so unauthenticated requests cannot grow the store.
TEST(IdentityLimits, DeviceCodesExpireAndAreBounded)
{
    QTemporaryDir dir;
    ServiceOptions options;
    options.root = dir.path();
    options.startWorkers = false;
    options.deviceCodeLifetime = std::chrono::seconds(1);
    options.maxPendingDeviceCodes = 5;
    LocalService service(options);
    ASSERT_TRUE(service.open(nullptr));
    const QString path = QLatin1Char('/') + service.tenantId() + QStringLiteral("/oauth2/v2.0/devicecode");
    const QByteArray body = form({{QStringLiteral("client_id"), QStringLiteral("x")},
                                  {QStringLiteral("scope"), QStringLiteral("https://management.azure.com/.default")}});
    std::string first;
    for (int i = 0; i < options.maxPendingDeviceCodes; ++i) {
        const ApiResponse r = service.handle(makeRequest("POST", path, body));
        ASSERT_EQ(r.status, 200) << r.body.toStdString();
        if (first.empty())
            first = r.json()["device_code"];
    }
    ApiResponse r = service.handle(makeRequest("POST", path, body));
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(errorCode(r), "temporarily_unavailable");
    EXPECT_FALSE(r.header("Retry-After").isEmpty());
    EXPECT_EQ(service.store().deviceCodeCount(), options.maxPendingDeviceCodes);
    // None was kept in the settings, as before.
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("identity-test-peek"));
    {
        db.setDatabaseName(service.store().databasePath());
        ASSERT_TRUE(db.open());
        QSqlQuery q(db);
        ASSERT_TRUE(q.exec(QStringLiteral("SELECT COUNT(*) FROM settings WHERE key LIKE 'devicecode.%'")) && q.next());
        EXPECT_EQ(q.value(0).toInt(), 0);
        db.close();
    }
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("identity-test-peek"));

    QThread::msleep(1100);
    r = service.handle(makeRequest("POST", QLatin1Char('/') + service.tenantId() + QStringLiteral("/oauth2/v2.0/token"),
                                   form({{QStringLiteral("grant_type"), QStringLiteral("urn:ietf:params:oauth:grant-type:device_code")},
                                         {QStringLiteral("client_id"), QStringLiteral("x")},
                                         {QStringLiteral("device_code"), QString::fromStdString(first)}})));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(errorCode(r), "expired_token");
    r = service.handle(makeRequest("POST", path, body));
    EXPECT_EQ(r.status, 200) << "expired codes make room";
    EXPECT_EQ(service.store().deviceCodeCount(), 1) << "and are purged";
}

// Tokens carry the resource they were asked for; each route takes only its own.
TEST_F(Identity, EachRouteAcceptsOnlyItsAudience)
{
    createWorkspace();
    const QString management = clientToken(QStringLiteral("https://management.azure.com/.default"));
    const QString cliStyle = clientToken(QStringLiteral("https://management.core.windows.net//.default"));
    const QString storage = clientToken(QStringLiteral("https://storage.azure.com/.default"));
    const QString graph = clientToken(QStringLiteral("https://graph.microsoft.com/.default"));
    const QString insights = clientToken(QStringLiteral("https://api.applicationinsights.io/.default"));
    const QString ml = clientToken(QStringLiteral("https://ml.azure.com/.default"));

    // ARM: management only, with ARM's answer.
    const QString subscriptions = QStringLiteral("/subscriptions?api-version=2022-12-01");
    EXPECT_EQ(with(management, "GET", subscriptions).status, 200);
    EXPECT_EQ(with(cliStyle, "GET", subscriptions).status, 200);
    ApiResponse r = with(storage, "GET", subscriptions);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(errorCode(r), "InvalidAuthenticationTokenAudience");
    EXPECT_EQ(r.json()["error"]["message"],
              "The access token has been obtained for wrong audience or resource 'https://storage.azure.com'. It should "
              "exactly match with one of the allowed audiences 'https://management.core.windows.net/',"
              "'https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.");
    EXPECT_TRUE(r.header("WWW-Authenticate").startsWith("Bearer authorization_uri="));
    EXPECT_TRUE(r.header("WWW-Authenticate").contains("error=\"invalid_token\""));
    EXPECT_TRUE(r.header("WWW-Authenticate").contains("wrong audience"));
    for (const QString &other : {graph, insights, ml})
        EXPECT_EQ(errorCode(with(other, "POST", m_ws + QStringLiteral("/listKeys?api-version=2025-12-01"))),
                  "InvalidAuthenticationTokenAudience");

    // Microsoft Graph: its own audience and its own answer.
    EXPECT_EQ(with(graph, "GET", QStringLiteral("/graph/v1.0/applications")).status, 200);
    r = with(management, "GET", QStringLiteral("/graph/v1.0/applications"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(errorCode(r), "InvalidAuthenticationToken");
    EXPECT_EQ(r.json()["error"]["message"], "Access token validation failure. Invalid audience.");

    // Blob storage: the storage audience (or Shared Key); Azure Storage's answer otherwise.
    const Json ds = call("GET", m_ws + QStringLiteral("/datastores/workspaceblobstore")).json()["properties"];
    const QString blob = QStringLiteral("/blob/%1/%2/a.csv")
                             .arg(QString::fromStdString(ds["accountName"]), QString::fromStdString(ds["containerName"]));
    EXPECT_EQ(with(storage, "PUT", blob, "a\n1\n", {{"x-ms-blob-type", "BlockBlob"}}).status, 201);
    r = with(management, "GET", blob);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.header("x-ms-error-code"), "InvalidAuthenticationInfo");
    EXPECT_TRUE(r.body.contains("<AuthenticationErrorDetail>Audience validation failed. Audience did not match."));
    EXPECT_TRUE(r.header("WWW-Authenticate").contains("resource_id=https://storage.azure.com"));

    // App Insights' query API.
    const QString query = QStringLiteral("/appinsights/v1/apps/none/query");
    EXPECT_NE(with(insights, "POST", query, R"({"query":"requests"})").status, 401);
    EXPECT_EQ(errorCode(with(management, "POST", query, R"({"query":"requests"})")), "InvalidAuthenticationTokenAudience");

    // The workspace's data plane (MLflow, published pipelines): ARM or ML tokens, as Azure's.
    const QString mlflow = QStringLiteral("/mlflow/v1.0") + m_ws + QStringLiteral("/api/2.0/mlflow/experiments/search");
    EXPECT_EQ(with(management, "POST", mlflow, "{}").status, 200);
    EXPECT_EQ(with(ml, "POST", mlflow, "{}").status, 200);
    EXPECT_EQ(errorCode(with(storage, "POST", mlflow, "{}")), "InvalidAuthenticationTokenAudience");
    const QString trigger = QStringLiteral("/pipelines/v1.0") + m_ws + QStringLiteral("/PipelineRuns/PipelineEndpointSubmit/Id/none");
    EXPECT_EQ(with(management, "POST", trigger, "{}").status, 404);
    EXPECT_EQ(errorCode(with(graph, "POST", trigger, "{}")), "InvalidAuthenticationTokenAudience");

    // Batch endpoint invocation: the ML audience only.
    const QString invoke = QStringLiteral("/batch") + m_ws + QStringLiteral("/batchEndpoints/none/jobs");
    EXPECT_EQ(with(ml, "POST", invoke, "{}").status, 404);
    r = with(management, "POST", invoke, "{}");
    EXPECT_EQ(errorCode(r), "InvalidAuthenticationTokenAudience");
    EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("'https://ml.azure.com'"), std::string::npos);

    // No token, or one the service never gave.
    EXPECT_EQ(errorCode(m_service->handle(makeRequest("GET", subscriptions))), "AuthenticationFailed");
    EXPECT_EQ(errorCode(with(QStringLiteral("forged"), "GET", subscriptions)), "InvalidAuthenticationToken");
}

// The token endpoint names the resource as Entra does: one per token, and one that exists.
TEST_F(Identity, TheTokenEndpointIssuesOneKnownResource)
{
    const LocalPrincipal sp = m_service->builtInPrincipal();
    const auto ask = [&](const QString &scope) {
        return post(tokenPath(), form({{QStringLiteral("grant_type"), QStringLiteral("client_credentials")},
                                       {QStringLiteral("client_id"), sp.clientId},
                                       {QStringLiteral("client_secret"), sp.clientSecret},
                                       {QStringLiteral("scope"), scope}}));
    };
    ApiResponse r = ask(QStringLiteral("https://management.azure.com/.default https://graph.microsoft.com/.default"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(errorCode(r), "invalid_scope");
    EXPECT_NE(r.json()["error_description"].get<std::string>().find("AADSTS28000"), std::string::npos);
    r = ask(QStringLiteral("https://attacker.example/.default"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(errorCode(r), "invalid_resource");
    EXPECT_NE(r.json()["error_description"].get<std::string>().find("AADSTS500011"), std::string::npos);
    // An endpoint's audience is not a scope anyone can ask for.
    r = ask(Audience::onlineEndpoint(m_ws + QStringLiteral("/onlineEndpoints/a")) + QStringLiteral("/.default"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(askDeviceCode(QStringLiteral("x"), QString()).status, 400) << "a device code names its scope";
}

// Row 2: an AMLToken endpoint's token scores that endpoint and opens nothing else.
TEST_F(Identity, AnEndpointTokenOpensOnlyItsEndpoint)
{
    createWorkspace();
    for (const char *name : {"ep-a", "ep-b"})
        ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/onlineEndpoints/") + QLatin1String(name),
                       Json{{"location", "local"}, {"properties", {{"authMode", "AMLToken"}}}})
                      .status,
                  201);
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/onlineEndpoints/ep-k"), Json{{"location", "local"}, {"properties", {{"authMode", "Key"}}}})
                  .status,
              201);
    ApiResponse r = call("POST", m_ws + QStringLiteral("/onlineEndpoints/ep-a/token"));
    ASSERT_EQ(r.status, 200) << r.body.toStdString();
    // Azure's shape: seconds since the epoch, refresh before expiry.
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    EXPECT_EQ(r.json()["tokenType"], "Bearer");
    EXPECT_GT(r.json()["expiryTimeUtc"].get<qint64>(), now);
    EXPECT_LT(r.json()["refreshAfterTimeUtc"].get<qint64>(), r.json()["expiryTimeUtc"].get<qint64>());
    const QString token = QString::fromStdString(r.json()["accessToken"]);

    // Not a workspace token: the storage keys, the datastore secrets, the endpoint keys, a
    // pipeline trigger, Graph, blobs and MLflow all refuse it.
    const QStringList workspaceSecrets{m_ws + QStringLiteral("/listKeys"), m_ws + QStringLiteral("/datastores/workspaceblobstore/listSecrets"),
                                       m_ws + QStringLiteral("/onlineEndpoints/ep-k/listKeys"), m_ws + QStringLiteral("/onlineEndpoints/ep-b/token")};
    for (const QString &path : workspaceSecrets) {
        r = with(token, "POST", path + QStringLiteral("?api-version=2025-12-01"));
        EXPECT_EQ(r.status, 401) << path.toStdString();
        EXPECT_EQ(errorCode(r), "InvalidAuthenticationTokenAudience") << path.toStdString();
    }
    EXPECT_EQ(with(token, "GET", m_ws + QStringLiteral("?api-version=2025-12-01")).status, 401);
    EXPECT_EQ(with(token, "POST", QStringLiteral("/pipelines/v1.0") + m_ws + QStringLiteral("/PipelineRuns/PipelineEndpointSubmit/Id/x"), "{}").status,
              401);
    EXPECT_EQ(with(token, "GET", QStringLiteral("/graph/v1.0/applications")).status, 401);
    EXPECT_EQ(with(token, "POST", QStringLiteral("/mlflow/v1.0") + m_ws + QStringLiteral("/api/2.0/mlflow/experiments/search"), "{}").status,
              401);

    // It scores its own endpoint only; Key endpoints take no token at all.
    const QString a = m_ws + QStringLiteral("/onlineEndpoints/ep-a"), b = m_ws + QStringLiteral("/onlineEndpoints/ep-b"),
                  k = m_ws + QStringLiteral("/onlineEndpoints/ep-k");
    EXPECT_TRUE(m_service->scoringTokenValid(a, QStringLiteral("AMLToken"), token));
    EXPECT_TRUE(m_service->scoringTokenValid(m_ws + QStringLiteral("/OnlineEndpoints/EP-A"), QStringLiteral("AMLToken"), token))
        << "ARM ids compare without case";
    EXPECT_FALSE(m_service->scoringTokenValid(b, QStringLiteral("AMLToken"), token));
    EXPECT_FALSE(m_service->scoringTokenValid(b, QStringLiteral("AADToken"), token)) << "nor another AADToken endpoint";
    EXPECT_FALSE(m_service->scoringTokenValid(k, QStringLiteral("Key"), token));
    EXPECT_FALSE(m_service->scoringTokenValid(a, QStringLiteral("AMLToken"), m_token)) << "an ARM token scores nothing";
    const QString ml = clientToken(QStringLiteral("https://ml.azure.com/.default"));
    EXPECT_TRUE(m_service->scoringTokenValid(a, QStringLiteral("AADToken"), ml));
    EXPECT_FALSE(m_service->scoringTokenValid(a, QStringLiteral("AMLToken"), ml));
    EXPECT_FALSE(m_service->scoringTokenValid(k, QStringLiteral("Key"), ml));

    // Key endpoints have keys and no token; token endpoints have tokens and no keys (Azure's
    // recordings: listKeys of an AADToken endpoint is 200 with null keys, its token 200).
    EXPECT_EQ(call("POST", k + QStringLiteral("/token")).status, 400);
    r = call("POST", a + QStringLiteral("/listKeys"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json(), (Json{{"primaryKey", nullptr}, {"secondaryKey", nullptr}})) << r.body.toStdString();
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/onlineEndpoints/ep-aad"),
                   Json{{"location", "local"}, {"properties", {{"authMode", "AADToken"}}}})
                  .status,
              201);
    const QString aad = m_ws + QStringLiteral("/onlineEndpoints/ep-aad");
    r = call("POST", aad + QStringLiteral("/listKeys"));
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.json()["primaryKey"].is_null() && r.json()["secondaryKey"].is_null()) << r.body.toStdString();
    r = call("POST", aad + QStringLiteral("/token"));
    ASSERT_EQ(r.status, 200) << r.body.toStdString();
    const QString aadToken = QString::fromStdString(r.json()["accessToken"]);
    EXPECT_TRUE(m_service->scoringTokenValid(aad, QStringLiteral("AADToken"), aadToken));
    EXPECT_FALSE(m_service->scoringTokenValid(a, QStringLiteral("AMLToken"), aadToken));
    EXPECT_FALSE(m_service->scoringTokenValid(a, QStringLiteral("AADToken"), aadToken));
    EXPECT_EQ(with(aadToken, "GET", m_ws + QStringLiteral("?api-version=2025-12-01")).status, 401);
}

// Databases from before audiences: their tokens carried every right and are dropped; the
// device codes kept in the settings go too.
TEST(IdentityMigration, TokensWithoutAudienceAreDropped)
{
    QTemporaryDir dir;
    {
        Store store(dir.path());
        ASSERT_TRUE(store.open(nullptr));
    }
    {
        // Back to the first schema, holding a token and a device code as the old build left them.
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("identity-test-old"));
        db.setDatabaseName(dir.filePath(QStringLiteral("workspace.sqlite")));
        ASSERT_TRUE(db.open());
        QSqlQuery q(db);
        for (const char *sql : {"DROP TABLE tokens", "DROP TABLE device_codes", "DROP TABLE refresh_tokens",
                                "CREATE TABLE tokens(hash TEXT PRIMARY KEY, expires INTEGER NOT NULL)",
                                "PRAGMA user_version=1"})
            ASSERT_TRUE(q.exec(QString::fromLatin1(sql))) << sql;
        q.prepare(QStringLiteral("INSERT INTO tokens(hash, expires) VALUES(?, ?)"));
        q.addBindValue(sha256Hex(QStringLiteral("old-token")));
        q.addBindValue(Store::nowMs() + 3600000);
        ASSERT_TRUE(q.exec());
        ASSERT_TRUE(q.exec(QStringLiteral("INSERT INTO settings(key, value) VALUES('devicecode.abc', '0')")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("identity-test-old"));
    Store store(dir.path());
    QString error;
    ASSERT_TRUE(store.open(&error)) << error.toStdString();
    EXPECT_FALSE(store.tokenAudience(QStringLiteral("old-token")));
    EXPECT_FALSE(store.setting(QStringLiteral("devicecode.abc")));
    ASSERT_TRUE(store.addToken(QStringLiteral("new"), Audience::storage(), std::chrono::system_clock::now() + std::chrono::minutes(5)));
    EXPECT_EQ(store.tokenAudience(QStringLiteral("new")).value_or(QString()), Audience::storage());
}
