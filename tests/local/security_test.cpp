// Attacks on the local workspace service as another program on this computer (or a page in
// the user's browser) would make them, over a real loopback socket: deep JSON, huge bodies
// without a credential, foreign Host names, slow routes, hostile blob names.

#include "core/local/deployment_host.h"
#include "core/local/local_server.h"
#include "core/local/store.h"
#include "tests/serving/raw_client.h"

#include <QDir>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace cerulean::local {
namespace {

using serving::test::RawClient;
using serving::test::RawResponse;
using namespace std::chrono_literals;

constexpr std::size_t kDeep = 300000; // nesting that overflowed the stack before depth was bounded

// The process's peak resident memory since the last resetPeakResident() (VmHWM): freed
// buffers of hundreds of MB go back to the system at once, so only the peak shows them.
std::size_t peakResidentBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmHWM:"))
            return static_cast<std::size_t>(line.mid(6).trimmed().split(' ').value(0).toULongLong()) * 1024;
    return 0;
}

std::size_t residentBytes()
{
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? static_cast<std::size_t>(fields[1].toULongLong()) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE))
                             : 0;
}

// Sets the peak back to the current resident size (Linux's clear_refs, value 5).
bool resetPeakResident()
{
    QFile clear(QStringLiteral("/proc/self/clear_refs"));
    return clear.open(QIODevice::WriteOnly) && clear.write("5") == 1;
}

class SecurityTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        LocalServerOptions options;
        options.service.root = m_dir.path();
        options.service.startWorkers = false;
        m_server = std::make_unique<LocalServer>(options);
        QString error;
        ASSERT_TRUE(m_server->start(&error)) << error.toStdString();
        m_port = static_cast<std::uint16_t>(m_server->baseUrl().port());
        m_token = m_server->service().issueToken().toStdString();
        m_storageToken = m_server->service().issueToken(Audience::storage()).toStdString();
        m_insightsToken = m_server->service().issueToken(Audience::appInsights()).toStdString();
        m_rg = "/subscriptions/" + m_server->service().subscriptionId().toStdString() + "/resourceGroups/rg1";
    }

    std::string host() const { return "127.0.0.1:" + std::to_string(m_port); }

    // One request on a new connection; the body is sent whole.
    std::optional<RawResponse> request(const std::string &method, const std::string &target, const std::string &body = {},
                                       std::string headers = {}, bool withToken = true,
                                       std::chrono::milliseconds timeout = 10s)
    {
        RawClient c(m_port);
        if (!c.connected())
            return std::nullopt;
        if (headers.find("Host:") == std::string::npos)
            headers += "Host: " + host() + "\r\n";
        if (withToken)
            headers += "Authorization: Bearer " + tokenFor(target) + "\r\n";
        if (!c.send(method + " " + target + " HTTP/1.1\r\n" + headers + "Content-Length: " + std::to_string(body.size())
                    + "\r\nConnection: close\r\n\r\n" + body))
            return std::nullopt;
        return c.read(timeout);
    }

    bool alive() { return request("GET", m_rg + "?api-version=2025-04-01").has_value(); }

    // A token of the audience the route's service takes (each takes only its own).
    const std::string &tokenFor(const std::string &target) const
    {
        if (target.rfind("/blob/", 0) == 0)
            return m_storageToken;
        if (target.rfind("/appinsights/", 0) == 0)
            return m_insightsToken;
        return m_token;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<LocalServer> m_server;
    std::uint16_t m_port = 0;
    std::string m_token; // management
    std::string m_storageToken;
    std::string m_insightsToken;
    std::string m_rg;
};

// Row 3: before, nlohmann's recursive copy and dump of 300,000 nested arrays in a resource
// group's tags overflowed the stack and ended the whole process (and this test with it).
TEST_F(SecurityTest, DeepJsonInAnArmBodyIsANamed400)
{
    const std::string body = "{\"location\":\"local\",\"tags\":{\"t\":" + std::string(kDeep, '[') + std::string(kDeep, ']') + "}}";
    const auto r = request("PUT", m_rg + "?api-version=2025-04-01", body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_NE(r->body.find("InvalidRequestContent"), std::string::npos) << r->body;
    EXPECT_NE(r->body.find("MaxDepth of 64"), std::string::npos) << r->body;
    // Nesting within the bound is still a resource group.
    const std::string fine = "{\"location\":\"local\",\"tags\":{\"t\":\"" + std::string(8, '[') + "\"}}";
    const auto ok = request("PUT", m_rg + "?api-version=2025-04-01", fine);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 201) << ok->body;
}

// Row 3: the App Insights query API parses KQL by recursive descent; 300,000 '(' recursed
// once each. Both the JSON body and the query inside it are bounded.
TEST_F(SecurityTest, DeepKqlAndDeepQueryBodyAreNamed400s)
{
    ASSERT_EQ(request("PUT", m_rg + "?api-version=2025-04-01", "{\"location\":\"local\"}")->status, 201);
    const auto component = request("PUT", m_rg + "/providers/microsoft.insights/components/ai1?api-version=2020-02-02",
                                   "{\"location\":\"local\",\"kind\":\"web\"}");
    ASSERT_TRUE(component);
    ASSERT_LT(component->status, 300) << component->body;
    const auto appId = nlohmann::json::parse(component->body)["properties"]["AppId"].get<std::string>();
    const std::string path = "/appinsights/v1/apps/" + appId + "/query";
    const auto plain = request("POST", path, "{\"query\":\"requests | where (duration > 1) | count\"}");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->status, 200) << plain->body;
    constexpr std::size_t kDeepParentheses = 100000; // some 30 MB of stack for the old recursion
    const std::string parens = "requests | where " + std::string(kDeepParentheses, '(') + "duration > 1"
                               + std::string(kDeepParentheses, ')');
    auto r = request("POST", path, "{\"query\":\"" + parens + "\"}");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body.substr(0, 300);
    EXPECT_NE(r->body.find("deeper than 32"), std::string::npos) << r->body.substr(0, 300);
    auto deepBody = request("POST", path, "{\"query\":" + std::string(kDeep, '[') + std::string(kDeep, ']') + "}");
    ASSERT_TRUE(deepBody);
    EXPECT_EQ(deepBody->status, 400) << deepBody->body.substr(0, 300);
    EXPECT_NE(deepBody->body.find("nests deeper than 64"), std::string::npos) << deepBody->body.substr(0, 300);
    EXPECT_TRUE(alive());
}

// Row 6: the credential is checked on the headers, before the body is read. Before, each
// unauthenticated 250 MB PUT was read whole into memory (and copied): +900 MB for two.
TEST_F(SecurityTest, HugeBodiesWithoutACredentialAreRefusedBeforeTheyAreRead)
{
    constexpr std::size_t kBody = 250u << 20;
    ASSERT_TRUE(resetPeakResident());
    const std::size_t before = residentBytes();
    for (int i = 0; i < 2; ++i) {
        RawClient c(m_port);
        ASSERT_TRUE(c.connected());
        ASSERT_TRUE(c.send("PUT " + m_rg + "?api-version=2025-04-01 HTTP/1.1\r\nHost: " + host()
                           + "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(kBody) + "\r\n\r\n"));
        const std::size_t sent = c.sendUntilAnswered(kBody);
        const auto r = c.read(10s);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401) << r->body;
        EXPECT_TRUE(r->hasHeader("Connection: close"));
        EXPECT_LT(sent, kBody) << "the whole body went out before the server answered";
    }
    const std::size_t grown = peakResidentBytes() - std::min(before, peakResidentBytes());
    EXPECT_LT(grown, std::size_t{32} << 20) << "peak resident memory grew by " << (grown >> 20) << " MB";
    EXPECT_TRUE(alive());
}

// Rows 1 and 2 at the head: a token of another service (storage; an online endpoint's own) is
// refused as ARM refuses it, 401 InvalidAuthenticationTokenAudience, before its body is read.
// Before, any token opened ARM, and the body was read first.
TEST_F(SecurityTest, ATokenOfAnotherAudienceIsRefusedBeforeTheBodyIsRead)
{
    constexpr std::size_t kBody = 64u << 20;
    const std::string endpointToken =
        m_server->service().issueToken(Audience::onlineEndpoint(QString::fromStdString(m_rg) + QStringLiteral("/e"))).toStdString();
    const std::string mlToken = m_server->service().issueToken(Audience::machineLearning()).toStdString();
    for (const std::string &token : {m_storageToken, endpointToken, mlToken, m_insightsToken}) {
        RawClient c(m_port);
        ASSERT_TRUE(c.connected());
        ASSERT_TRUE(c.send("PUT " + m_rg + "?api-version=2025-04-01 HTTP/1.1\r\nHost: " + host() + "\r\nAuthorization: Bearer "
                           + token + "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(kBody)
                           + "\r\n\r\n"));
        const std::size_t sent = c.sendUntilAnswered(kBody);
        const auto r = c.read(10s);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401) << r->body;
        EXPECT_NE(r->body.find("\"InvalidAuthenticationTokenAudience\""), std::string::npos) << r->body;
        EXPECT_TRUE(r->hasHeader("WWW-Authenticate: Bearer") || r->hasHeader("www-authenticate: Bearer")) << r->head;
        EXPECT_LT(sent, kBody) << "the whole body went out before the server answered";
    }
    EXPECT_TRUE(alive());
}

// Row 1: the routes open without a credential are the token endpoints and the sign-in page,
// named one by one, and they take a small form at most; any other path needs a token.
TEST_F(SecurityTest, TheSignInRoutesAreTheOnlyOpenOnesAndTakeSmallForms)
{
    const std::string tenant = m_server->service().tenantId().toStdString();
    const auto page = request("GET", "/devicelogin", {}, {}, false);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_TRUE(page->hasHeader("no-store")) << page->head;
    for (const std::string &path : std::vector<std::string>{"/devicelogin", "/" + tenant + "/oauth2/v2.0/devicecode", "/common/oauth2/v2.0/token"}) {
        constexpr std::size_t kBody = 16u << 20;
        RawClient c(m_port);
        ASSERT_TRUE(c.connected());
        ASSERT_TRUE(c.send("POST " + path + " HTTP/1.1\r\nHost: " + host()
                           + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                           + std::to_string(kBody) + "\r\n\r\n"));
        const std::size_t sent = c.sendUntilAnswered(kBody);
        const auto r = c.read(10s);
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 413) << path << ": " << r->body;
        EXPECT_LT(sent, kBody) << path << ": the whole body went out before the server answered";
    }
    // Next to them, nothing is open: not another oauth2 path, not a longer sign-in path.
    for (const std::string &path : std::vector<std::string>{"/common/oauth2/v2.0/authorize", "/devicelogin/x", "/" + tenant + "/oauth2/v2.0/x"}) {
        const auto r = request("POST", path, "user_code=x", {}, false);
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 401) << path << ": " << r->body;
    }
    EXPECT_TRUE(alive());
}

// Row 6: with a valid token, an ARM body is bounded as on Azure (4 MB), in ARM's error shape.
TEST_F(SecurityTest, ArmBodiesAreBoundedAtFourMegabytes)
{
    const std::string body = "{\"location\":\"local\",\"tags\":{\"t\":\"" + std::string(5u << 20, 'a') + "\"}}";
    const auto r = request("PUT", m_rg + "?api-version=2025-04-01", body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_NE(r->body.find("\"RequestEntityTooLarge\""), std::string::npos) << r->body;
}

// Row 7: DNS rebinding. A name that resolves to 127.0.0.1 reaches the port, but the service
// answers only its own names, so a page of another site cannot use it, nor plant its name in
// the links and URIs the service stores and hands out.
TEST_F(SecurityTest, ForeignHostNamesAreRefusedAndNeverReflected)
{
    const std::string foreign = "Host: rebind.attacker.example:" + std::to_string(m_port) + "\r\n";
    auto r = request("PUT", m_rg + "?api-version=2025-04-01", "{\"location\":\"local\"}", foreign);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 421) << r->body;
    EXPECT_NE(r->body.find("MisdirectedRequest"), std::string::npos);
    // Refused before the credential is looked at, and without a token too.
    r = request("GET", m_rg + "?api-version=2025-04-01", {}, foreign, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 421);
    // A loopback name on another port is not this service either.
    r = request("GET", m_rg + "?api-version=2025-04-01", {}, "Host: localhost:1\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 421);

    for (const std::string name : {"127.0.0.1", "localhost", "LocalHost", "[::1]"}) {
        const auto ok = request("PUT", m_rg + "?api-version=2025-04-01", "{\"location\":\"local\"}",
                                "Host: " + name + ":" + std::to_string(m_port) + "\r\n");
        ASSERT_TRUE(ok);
        EXPECT_LT(ok->status, 300) << name << ": " << ok->body;
    }
    // Links carry the served name the client used.
    const auto list = request("GET", "/subscriptions/" + m_server->service().subscriptionId().toStdString()
                                         + "/resourceGroups?api-version=2025-04-01&$top=1",
                              {}, "Host: localhost:" + std::to_string(m_port) + "\r\n");
    ASSERT_TRUE(list);
    EXPECT_EQ(list->status, 200);
    EXPECT_EQ(list->body.find("attacker"), std::string::npos);
}

// Row 9: routes run on worker threads, not on the HTTP I/O threads. Another process holding
// SQLite's write lock makes every write wait (busy timeout 15 s); before, 4 such requests
// took all 4 I/O threads and a plain read waited behind them.
TEST_F(SecurityTest, SlowRoutesDoNotStallTheOthers)
{
    ASSERT_EQ(request("PUT", m_rg + "?api-version=2025-04-01", "{\"location\":\"local\"}")->status, 201);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("lock-holder"));
        db.setDatabaseName(m_dir.path() + QStringLiteral("/workspace.sqlite"));
        ASSERT_TRUE(db.open());
        QSqlQuery lock(db);
        ASSERT_TRUE(lock.exec(QStringLiteral("BEGIN IMMEDIATE")));

        constexpr int kSlow = 6;
        std::vector<std::future<std::optional<RawResponse>>> slow;
        for (int i = 0; i < kSlow; ++i)
            slow.push_back(std::async(std::launch::async, [this, i] {
                return request("PUT", m_rg.substr(0, m_rg.size() - 1) + std::to_string(i + 2) + "?api-version=2025-04-01",
                               "{\"location\":\"local\"}", {}, true, 30s);
            }));
        std::this_thread::sleep_for(300ms); // the writes are waiting for the lock now
        const auto started = std::chrono::steady_clock::now();
        const auto read = request("GET", m_rg + "?api-version=2025-04-01", {}, {}, true, 5s);
        const auto took = std::chrono::steady_clock::now() - started;
        ASSERT_TRUE(read) << "a read waited behind " << kSlow << " writes blocked on the database";
        EXPECT_EQ(read->status, 200);
        EXPECT_LT(took, 2s);
        ASSERT_TRUE(lock.exec(QStringLiteral("ROLLBACK")));
        for (auto &f : slow) {
            const auto r = f.get();
            ASSERT_TRUE(r);
            EXPECT_EQ(r->status, 201) << r->body;
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("lock-holder"));
}

class BlobSecurityTest : public SecurityTest
{
protected:
    void SetUp() override
    {
        SecurityTest::SetUp();
        ASSERT_EQ(request("PUT", m_rg + "?api-version=2025-04-01", "{\"location\":\"local\"}")->status, 201);
        const std::string account = m_rg + "/providers/Microsoft.Storage/storageAccounts/acct1?api-version=2023-05-01";
        const auto r = request("PUT", account, "{\"location\":\"local\",\"kind\":\"StorageV2\",\"sku\":{\"name\":\"Standard_LRS\"}}");
        ASSERT_TRUE(r);
        ASSERT_LT(r->status, 300) << r->body;
        ASSERT_EQ(request("PUT", "/blob/acct1/data?restype=container")->status, 201);
    }
};

// Row 10: a NUL cut the name short ("a%00b" was stored as "a") and "a/.." answered 500.
TEST_F(BlobSecurityTest, BlobNamesAreValidatedAsAzureDoes)
{
    const std::string put = "x-ms-blob-type: BlockBlob\r\n";
    for (const std::string name : {"a%00b", "a/..", "a/./b", "a//b", "..", "a%01"}) {
        const auto r = request("PUT", "/blob/acct1/data/" + name, "payload", put);
        ASSERT_TRUE(r) << name;
        EXPECT_EQ(r->status, 400) << name << ": " << r->body;
        EXPECT_NE(r->body.find("InvalidResourceName"), std::string::npos) << name;
        EXPECT_NE(r->body.find("blob name"), std::string::npos) << name << ": " << r->body;
    }
    EXPECT_FALSE(QFileInfo::exists(m_dir.path() + QStringLiteral("/blobs/acct1/data/a")));
    const auto ok = request("PUT", "/blob/acct1/data/dir/a.b", "payload", put);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 201) << ok->body;
}

// Host-style blob storage, as Azure's SDKs address it from the datastore's fields: Host
// {account}.blob.localhost:{port} and /{container}/{blob} are /blob/{account}/... with the
// same credential check; no other name under .localhost, and no other port, is served.
TEST_F(BlobSecurityTest, HostStyleBlobRequestsAreServedOnlyForTheBlobHostName)
{
    const std::string port = std::to_string(m_port);
    const std::string storageToken = "Authorization: Bearer " + m_storageToken + "\r\n";
    const std::string blobHost = "Host: acct1.blob.localhost:" + port + "\r\n" + storageToken;
    auto r = request("PUT", "/data/host/style.txt", "host-style", blobHost + "x-ms-blob-type: BlockBlob\r\n"
                                                                 "x-ms-meta-stage: uploading\r\n", false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201) << r->body;
    // The same blob, path-style and host-style (upper case too: host names are not case-sensitive).
    r = request("GET", "/blob/acct1/data/host/style.txt");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->body, "host-style");
    r = request("GET", "/data/host/style.txt", {}, "Host: ACCT1.Blob.LocalHost:" + port + "\r\n" + storageToken, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->body, "host-style");
    EXPECT_NE(r->head.find("x-ms-meta-stage: uploading"), std::string::npos) << r->head;

    // Set Blob Metadata replaces the set, as the Python SDK does to finish an upload.
    r = request("PUT", "/data/host/style.txt?comp=metadata", {}, blobHost + "x-ms-meta-upload_status: completed\r\n", false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    r = request("GET", "/data/host/style.txt", {}, blobHost, false);
    ASSERT_TRUE(r);
    EXPECT_NE(r->head.find("x-ms-meta-upload_status: completed"), std::string::npos) << r->head;
    EXPECT_EQ(r->head.find("x-ms-meta-stage"), std::string::npos) << r->head;
    r = request("PUT", "/data/missing.txt?comp=metadata", {}, blobHost + "x-ms-meta-a: b\r\n", false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << r->body;

    // List Blobs with a prefix.
    ASSERT_EQ(request("PUT", "/data/other.txt", "x", blobHost + "x-ms-blob-type: BlockBlob\r\n", false)->status, 201);
    r = request("GET", "/data?restype=container&comp=list&prefix=host/", {}, blobHost, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_NE(r->body.find("<Name>host/style.txt</Name>"), std::string::npos) << r->body;
    EXPECT_NE(r->body.find("<Content-Length>10</Content-Length>"), std::string::npos) << r->body;
    EXPECT_EQ(r->body.find("other.txt"), std::string::npos) << r->body;

    // The same credential check as path-style: none, a wrong token and a management token
    // are refused alike.
    const std::string hostOnly = "Host: acct1.blob.localhost:" + port + "\r\n";
    for (const std::string &credential : {std::string(), std::string("Authorization: Bearer not-a-token\r\n"),
                                          "Authorization: Bearer " + m_token + "\r\n"}) {
        const auto hostStyle = request("GET", "/data/host/style.txt", {}, hostOnly + credential, false);
        const auto pathStyle = request("GET", "/blob/acct1/data/host/style.txt", {}, credential, false);
        ASSERT_TRUE(hostStyle && pathStyle);
        EXPECT_GE(hostStyle->status, 401) << credential << hostStyle->body;
        EXPECT_EQ(hostStyle->status, pathStyle->status) << credential << hostStyle->body;
        EXPECT_EQ(hostStyle->body.find("host-style"), std::string::npos);
    }
    // An account of the right shape that this workspace lacks: Azure's 404, never another's data.
    r = request("GET", "/data/host/style.txt", {}, "Host: nosuchacct.blob.localhost:" + port + "\r\n" + storageToken, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << r->body;
    EXPECT_NE(r->body.find("ResourceNotFound"), std::string::npos) << r->body;
    // The blob host reaches only blob routes: an ARM path is a container and blob there.
    r = request("GET", m_rg + "?api-version=2025-04-01", {}, blobHost, false);
    ASSERT_TRUE(r);
    EXPECT_NE(r->status, 200) << r->body;

    // Every other name is misdirected, before any credential is read.
    for (const std::string &host : std::vector<std::string>{"acct1.blob.localhost:1", "acct1.blob.attacker.example:" + port,
                                   "acct1.blob.localhost.attacker.example:" + port, "x.acct1.blob.localhost:" + port,
                                   "acct1.queue.localhost:" + port, "ACCT_1.blob.localhost:" + port,
                                   "ab.blob.localhost:" + port, "attacker.localhost:" + port}) {
        for (const bool withToken : {true, false}) {
            r = request("GET", "/data/host/style.txt", {}, "Host: " + host + "\r\n", withToken);
            ASSERT_TRUE(r) << host;
            EXPECT_EQ(r->status, 421) << host << ": " << r->body;
            EXPECT_EQ(r->body.find("host-style"), std::string::npos) << host;
        }
    }
}

// Row 2: blob storage takes storage tokens (or Shared Key) only; a management or an online
// endpoint's token gets Storage's 401 InvalidAuthenticationInfo, "Audience validation failed".
TEST_F(BlobSecurityTest, OnlyStorageTokensOpenBlobs)
{
    const std::string list = "/blob/acct1/data/kept.txt";
    ASSERT_EQ(request("PUT", list, "payload", "x-ms-blob-type: BlockBlob\r\n")->status, 201);
    const std::string endpointToken =
        m_server->service().issueToken(Audience::onlineEndpoint(QString::fromStdString(m_rg) + QStringLiteral("/e"))).toStdString();
    for (const std::string &token : {m_token, endpointToken}) {
        const auto r = request("GET", list, {}, "Authorization: Bearer " + token + "\r\n", false);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401) << r->body;
        EXPECT_NE(r->body.find("InvalidAuthenticationInfo"), std::string::npos) << r->body;
        EXPECT_NE(r->body.find("Audience validation failed"), std::string::npos) << r->body;
    }
    const auto ok = request("GET", list);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200) << ok->body;
    EXPECT_EQ(ok->body, "payload");
}

// Row 6: Put Blob is streamed to a file, not held in memory; the blob reads back whole and
// nothing is left in the upload folder.
TEST_F(BlobSecurityTest, PutBlobGoesToDiskNotMemory)
{
    constexpr std::size_t kSize = 96u << 20;
    ASSERT_TRUE(resetPeakResident());
    const std::size_t before = residentBytes();
    RawClient c(m_port);
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.send("PUT /blob/acct1/data/big.bin HTTP/1.1\r\nHost: " + host() + "\r\nAuthorization: Bearer " + m_storageToken
                       + "\r\nx-ms-blob-type: BlockBlob\r\nContent-Length: " + std::to_string(kSize) + "\r\n\r\n"));
    EXPECT_EQ(c.sendUntilAnswered(kSize), kSize);
    const auto r = c.read(30s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201) << r->body;
    const std::size_t grown = peakResidentBytes() - std::min(before, peakResidentBytes());
    EXPECT_LT(grown, kSize / 2) << "peak resident memory grew by " << (grown >> 20) << " MB";
    EXPECT_EQ(QFileInfo(m_dir.path() + QStringLiteral("/blobs/acct1/data/big.bin")).size(), static_cast<qint64>(kSize));
    EXPECT_TRUE(QDir(m_dir.path() + QStringLiteral("/blobs/.uploads")).isEmpty(QDir::Files | QDir::NoDotAndDotDot));
}

} // namespace
} // namespace cerulean::local

namespace cerulean::local {
namespace {

// Row 10: a local deployment's scoring server sent Access-Control-Allow-Origin: * to every
// page (scoring_adapter.cpp set corsOrigin = "*"), so any site could read what it answered,
// and it scored text/plain bodies, which a page may POST cross-origin without a preflight, and
// any Host (a rebound name reached it).
TEST(LocalDeploymentCors, NoAllowOriginUnlessConfiguredAndJsonOnly)
{
    const QByteArray package = qgetenv("CERULEAN_TEST_PACKAGE");
    ASSERT_FALSE(package.isEmpty()) << "CERULEAN_TEST_PACKAGE names the serving test package (tests/serving)";
    const auto post = [](const std::string &contentType) {
        serving::Request r;
        r.method = "POST";
        r.target = r.path = "/score";
        r.body = "{\"data\":[]}";
        r.headers.push_back({"Content-Type", contentType});
        r.headers.push_back({"Authorization", "Bearer key-1"});
        r.headers.push_back({"Origin", "http://evil.example"});
        r.received = std::chrono::steady_clock::now();
        return r;
    };
    for (const QString &origin : {QString(), QStringLiteral("https://editor.swagger.io")}) {
        ScoringServerConfig config;
        config.modelPath = QString::fromLocal8Bit(package);
        config.endpointName = QStringLiteral("e1");
        config.deploymentName = QStringLiteral("blue");
        config.authMode = QStringLiteral("Key");
        config.keys = {QStringLiteral("key-1"), QStringLiteral("key-2")};
        config.corsOrigin = origin;
        QString error;
        auto server = defaultScoringServer()(config, &error);
        ASSERT_TRUE(server) << error.toStdString();
        const serving::Response json = server->handle(post("application/json"));
        EXPECT_EQ(json.status, 400) << json.body; // empty data: parsed as JSON, refused as a request
        std::optional<std::string> allowOrigin;
        for (const serving::HttpHeader &h : json.headers)
            if (h.name == "Access-Control-Allow-Origin")
                allowOrigin = h.value;
        if (origin.isEmpty())
            EXPECT_FALSE(allowOrigin) << "sent Access-Control-Allow-Origin: " << *allowOrigin;
        else
            EXPECT_EQ(allowOrigin.value_or(""), origin.toStdString());
        const serving::Response text = server->handle(post("text/plain"));
        EXPECT_EQ(text.status, 415) << text.body;
        serving::Request rebound = post("application/json");
        rebound.headers.push_back({"Host", "rebind.attacker.example"});
        EXPECT_EQ(server->handle(rebound).status, 421);
        server->stop();
    }
}

} // namespace
} // namespace cerulean::local
