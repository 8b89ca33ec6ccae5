// The local workspace over HTTPS, with curl as the client: a certificate from the workspace's
// own CA for the loopback names only, trusted through the CA's file and through nothing
// else; the CA kept across restarts with its key private; the same admission as over HTTP
// (Host allowlist, credential before body, body limits); and the discovery documents a
// client reads before it has a token, public and pointing back at this service.

#include "core/local/local_server.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUrlQuery>

#include <sys/stat.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace cerulean::local {
namespace {

constexpr int kCurlTimeoutMs = 30000;
constexpr int kCurlUntrusted = 60;  // CURLE_PEER_FAILED_VERIFICATION
constexpr qsizetype kOverArmLimit = kMaxRequestBodyBytes + 1;

struct Curl
{
    int exitCode = -1;
    int status = 0; // 0 when no HTTP answer came
    QByteArray body;
    QByteArray err;
    Json json() const { return Json::parse(body.constData(), body.constData() + body.size(), nullptr, false); }
};

class HttpsTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (QStandardPaths::findExecutable(QStringLiteral("curl")).isEmpty())
            GTEST_SKIP() << "curl is not installed (packaging/install-deps.sh --test installs it).";
        startServer();
    }

    void startServer()
    {
        LocalServerOptions options;
        options.service.root = m_dir.path();
        options.service.startWorkers = false;
        m_server = std::make_unique<LocalServer>(options);
        QString error;
        ASSERT_TRUE(m_server->start(&error)) << error.toStdString();
        m_port = m_server->httpsBaseUrl().port();
        ASSERT_GT(m_port, 0);
        m_base = m_server->httpsBaseUrl().toString();
        m_sub = QStringLiteral("/subscriptions/") + m_server->service().subscriptionId();
    }

    // curl with `arguments` (the CA given unless `trustCa` is false); `input` on its stdin.
    Curl curl(QStringList arguments, bool trustCa = true, const QByteArray &input = {})
    {
        const QString bodyFile = m_dir.path() + QStringLiteral("/curl-body");
        QFile::remove(bodyFile);
        arguments.prepend(QStringLiteral("%{http_code}"));
        arguments.prepend(QStringLiteral("-w"));
        arguments.prepend(bodyFile);
        arguments.prepend(QStringLiteral("-o"));
        arguments.prepend(QStringLiteral("-sS"));
        if (trustCa) {
            arguments.prepend(m_server->caCertificateFile());
            arguments.prepend(QStringLiteral("--cacert"));
        }
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char *name : {"CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "https_proxy"})
            env.remove(QString::fromLatin1(name));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral("curl"), arguments);
        p.write(input);
        p.closeWriteChannel();
        Curl c;
        if (!p.waitForFinished(kCurlTimeoutMs)) {
            p.kill();
            p.waitForFinished();
            return c;
        }
        c.exitCode = p.exitCode();
        c.status = p.readAllStandardOutput().trimmed().toInt();
        c.err = p.readAllStandardError();
        QFile f(bodyFile);
        if (f.open(QIODevice::ReadOnly))
            c.body = f.readAll();
        return c;
    }

    // The certificate chain the server sends, as curl saw it (PEM).
    QByteArray servedChain()
    {
        QProcess p;
        p.start(QStringLiteral("curl"), {QStringLiteral("-sS"), QStringLiteral("--cacert"), m_server->caCertificateFile(),
                                         QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"),
                                         QStringLiteral("%{certs}"),
                                         url(QStringLiteral("/metadata/endpoints?api-version=2015-01-01"))});
        return p.waitForFinished(kCurlTimeoutMs) && p.exitCode() == 0 ? p.readAllStandardOutput() : QByteArray();
    }

    QString url(const QString &target) const { return m_base + target; }
    QString resolve(const QString &name) const { return QStringLiteral("%1:%2:127.0.0.1").arg(name).arg(m_port); }

    QTemporaryDir m_dir;
    std::unique_ptr<LocalServer> m_server;
    int m_port = 0;
    QString m_base, m_sub;
};

std::string text(const Curl &c)
{
    return "exit " + std::to_string(c.exitCode) + ", HTTP " + std::to_string(c.status) + ": " + c.body.toStdString() + " "
           + c.err.toStdString();
}

TEST_F(HttpsTest, TheCertificateIsTrustedThroughTheCaFileForTheLoopbackNamesOnly)
{
    const QString discovery = QStringLiteral("/metadata/endpoints?api-version=2015-01-01");
    Curl c = curl({url(discovery)});
    EXPECT_EQ(c.exitCode, 0) << text(c);
    EXPECT_EQ(c.status, 200) << text(c);

    // Without the CA: curl's own trust store knows nothing of it.
    c = curl({url(discovery)}, false);
    EXPECT_EQ(c.exitCode, kCurlUntrusted) << text(c);
    EXPECT_EQ(c.status, 0);

    // localhost and a host-style blob name are in the certificate; another name is not.
    const QString port = QString::number(m_port);
    c = curl({QStringLiteral("--resolve"), resolve(QStringLiteral("localhost")),
              QStringLiteral("https://localhost:") + port + discovery});
    EXPECT_EQ(c.exitCode, 0) << text(c);
    EXPECT_EQ(c.status, 200) << text(c);
    c = curl({QStringLiteral("--resolve"), resolve(QStringLiteral("devstore.blob.localhost")),
              QStringLiteral("https://devstore.blob.localhost:") + port + discovery});
    EXPECT_EQ(c.exitCode, 0) << text(c); // the TLS name check passed; what the Host gets is the service's business
    EXPECT_NE(c.status, 0) << text(c);
    c = curl({QStringLiteral("--resolve"), resolve(QStringLiteral("management.azure.com")),
              QStringLiteral("https://management.azure.com:") + port + discovery});
    EXPECT_EQ(c.exitCode, kCurlUntrusted) << text(c);
    // A wildcard covers one label only.
    c = curl({QStringLiteral("--resolve"), resolve(QStringLiteral("a.b.blob.localhost")),
              QStringLiteral("https://a.b.blob.localhost:") + port + discovery});
    EXPECT_EQ(c.exitCode, kCurlUntrusted) << text(c);
}

TEST_F(HttpsTest, TheCaKeyIsPrivateAndTheCaOutlivesARestart)
{
    const QString caFile = m_server->caCertificateFile();
    const QString caKeyFile = m_dir.path() + QStringLiteral("/tls/ca-key.pem");
    const auto mode = [](const QString &path) {
        struct stat st{};
        return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? (st.st_mode & 0777) : 01000u;
    };
    EXPECT_EQ(mode(caKeyFile), 0600u);
    EXPECT_EQ(mode(m_dir.path() + QStringLiteral("/tls")), 0700u);
    // The server's own key is never written: only the CA is on disk.
    EXPECT_EQ(QDir(m_dir.path() + QStringLiteral("/tls")).entryList(QDir::Files | QDir::Hidden, QDir::Name),
              QStringList({QStringLiteral(".lock"), QStringLiteral("ca-key.pem"), QStringLiteral("ca.pem")}));
    const auto read = [](const QString &path) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    const QByteArray ca = read(caFile);
    const QByteArray caKey = read(caKeyFile);
    ASSERT_TRUE(ca.startsWith("-----BEGIN CERTIFICATE-----"));
    EXPECT_FALSE(ca.contains("PRIVATE KEY"));
    const QByteArray chain = servedChain();
    ASSERT_TRUE(chain.contains("-----BEGIN CERTIFICATE-----")) << chain.toStdString();
    EXPECT_FALSE(chain.contains("PRIVATE KEY"));

    // A key loosened by hand is made private again at the next start.
    ASSERT_EQ(::chmod(QFile::encodeName(caKeyFile).constData(), 0644), 0);
    m_server->stop();
    startServer();
    EXPECT_EQ(mode(caKeyFile), 0600u);
    EXPECT_EQ(read(caFile), ca) << "the CA clients trust changed";
    EXPECT_EQ(read(caKeyFile), caKey);
    const QByteArray nextChain = servedChain();
    EXPECT_FALSE(nextChain.isEmpty()) << "the old CA file no longer verifies the server";
    EXPECT_NE(nextChain, chain) << "the server certificate is issued anew at each start";

    // A CA whose key is gone is made anew (and the server still starts).
    m_server->stop();
    ASSERT_TRUE(QFile::remove(caKeyFile));
    startServer();
    EXPECT_NE(read(caFile), ca);
    EXPECT_EQ(mode(caKeyFile), 0600u);
    EXPECT_FALSE(servedChain().isEmpty());
}

TEST_F(HttpsTest, AdmissionIsTheSameAsOverHttp)
{
    const QString group = m_sub + QStringLiteral("/resourceGroups/rg1?api-version=2025-04-01");
    // No token: 401, and a large body is refused from the head, before it is read.
    Curl c = curl({url(group)});
    EXPECT_EQ(c.status, 401) << text(c);
    const QByteArray large(kOverArmLimit, 'x');
    c = curl({QStringLiteral("-X"), QStringLiteral("PUT"), QStringLiteral("--data-binary"), QStringLiteral("@-"),
              QStringLiteral("-H"), QStringLiteral("Content-Type: application/json"), url(group)},
             true, large);
    EXPECT_EQ(c.status, 401) << text(c);
    // A foreign Host is misdirected, over TLS as over plain HTTP.
    c = curl({QStringLiteral("-H"), QStringLiteral("Host: evil.example"), url(QStringLiteral("/metadata/endpoints?api-version=2015-01-01"))});
    EXPECT_EQ(c.status, 421) << text(c);
    // The plain listener's port is not this listener's.
    c = curl({QStringLiteral("-H"), QStringLiteral("Host: 127.0.0.1:%1").arg(m_server->baseUrl().port()),
              url(QStringLiteral("/metadata/endpoints?api-version=2015-01-01"))});
    EXPECT_EQ(c.status, 421) << text(c);

    // With a token from the tenant's token endpoint (found through its OpenID configuration):
    // the route answers, and a body over ARM's limit is 413.
    const QString tenant = m_server->service().tenantId();
    c = curl({url(QStringLiteral("/%1/v2.0/.well-known/openid-configuration").arg(tenant))});
    ASSERT_EQ(c.status, 200) << text(c);
    const std::string tokenEndpoint = c.json().value("token_endpoint", std::string());
    EXPECT_EQ(tokenEndpoint, url(QStringLiteral("/%1/oauth2/v2.0/token").arg(tenant)).toStdString());
    const LocalPrincipal principal = m_server->service().builtInPrincipal();
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("client_credentials"));
    form.addQueryItem(QStringLiteral("client_id"), principal.clientId);
    form.addQueryItem(QStringLiteral("client_secret"), principal.clientSecret);
    form.addQueryItem(QStringLiteral("scope"), QStringLiteral("https://management.azure.com/.default"));
    c = curl({QStringLiteral("--data-binary"), QStringLiteral("@-"), QString::fromStdString(tokenEndpoint)}, true,
             form.toString(QUrl::FullyEncoded).toUtf8());
    ASSERT_EQ(c.status, 200) << "HTTP " << c.status; // the body holds a token: not shown
    const QString bearer = QStringLiteral("Authorization: Bearer ") + QString::fromStdString(c.json().value("access_token", std::string()));
    // (The header goes through curl's stdin config, never its command line.)
    const QByteArray header = "header = \"" + bearer.toUtf8() + "\"\n";
    c = curl({QStringLiteral("-K"), QStringLiteral("-"), QStringLiteral("-X"), QStringLiteral("PUT"),
              QStringLiteral("-H"), QStringLiteral("Content-Type: application/json"), QStringLiteral("--data-binary"),
              QStringLiteral("{\"location\":\"local\"}"), url(group)},
             true, header);
    EXPECT_TRUE(c.status == 200 || c.status == 201) << text(c);
    EXPECT_EQ(c.json().value("id", std::string()), m_sub.toStdString() + "/resourceGroups/rg1") << text(c);
    const QString largeFile = m_dir.path() + QStringLiteral("/large.json");
    {
        QFile f(largeFile);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(large);
    }
    c = curl({QStringLiteral("-K"), QStringLiteral("-"), QStringLiteral("-X"), QStringLiteral("PUT"),
              QStringLiteral("-H"), QStringLiteral("Content-Type: application/json"), QStringLiteral("--data-binary"),
              QStringLiteral("@") + largeFile, url(group)},
             true, header);
    EXPECT_EQ(c.status, 413) << text(c);
    // A discovery GET has no body to speak of.
    c = curl({QStringLiteral("-X"), QStringLiteral("GET"), QStringLiteral("--data-binary"), QStringLiteral("@-"),
              url(QStringLiteral("/metadata/endpoints?api-version=2015-01-01"))},
             true, QByteArray(kMaxDiscoveryBodyBytes + 1, 'x'));
    EXPECT_EQ(c.status, 413) << text(c);
}

TEST_F(HttpsTest, DiscoveryDocumentsArePublicAndPointHere)
{
    const std::string base = m_base.toStdString();
    Curl c = curl({url(QStringLiteral("/metadata/endpoints?api-version=2015-01-01"))});
    ASSERT_EQ(c.status, 200) << text(c);
    Json j = c.json();
    EXPECT_EQ(j["authentication"].value("loginEndpoint", std::string()), base + "/adfs");
    EXPECT_EQ(j["authentication"]["audiences"][0], "https://management.core.windows.net/");
    EXPECT_EQ(j.value("galleryEndpoint", std::string()).rfind(base, 0), 0u);

    c = curl({url(QStringLiteral("/metadata/endpoints?api-version=2022-09-01"))});
    ASSERT_EQ(c.status, 200) << text(c);
    j = c.json();
    ASSERT_TRUE(j.is_array() && j.size() == 1) << text(c);
    EXPECT_EQ(j[0].value("resourceManager", std::string()), base + "/");
    EXPECT_EQ(j[0]["suffixes"].value("storage", std::string()), "localhost");
    c = curl({url(QStringLiteral("/metadata/endpoints?api-version=1999-01-01"))});
    EXPECT_EQ(c.status, 400) << text(c);

    // The ADFS-style authority MSAL discovers at the host itself leads to the tenant's endpoints.
    c = curl({url(QStringLiteral("/adfs/.well-known/openid-configuration"))});
    ASSERT_EQ(c.status, 200) << text(c);
    const std::string tenant = m_server->service().tenantId().toStdString();
    EXPECT_EQ(c.json().value("token_endpoint", std::string()), base + "/" + tenant + "/oauth2/v2.0/token");
    c = curl({url(QStringLiteral("/common/v2.0/.well-known/openid-configuration"))});
    ASSERT_EQ(c.status, 200) << text(c);
    EXPECT_EQ(c.json().value("issuer", std::string()), base + "/{tenantid}/v2.0");
    c = curl({url(QStringLiteral("/00000000-0000-0000-0000-000000000001/v2.0/.well-known/openid-configuration"))});
    EXPECT_EQ(c.status, 400) << text(c);
    EXPECT_EQ(c.json().value("error", std::string()), "invalid_tenant");

    // Instance discovery vouches for this authority and no other.
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("api-version"), QStringLiteral("1.1"));
    q.addQueryItem(QStringLiteral("authorization_endpoint"), m_base + QStringLiteral("/common/oauth2/v2.0/authorize"));
    c = curl({url(QStringLiteral("/common/discovery/instance?") + q.toString(QUrl::FullyEncoded))});
    ASSERT_EQ(c.status, 200) << text(c);
    EXPECT_EQ(c.json().value("tenant_discovery_endpoint", std::string()),
              base + "/common/v2.0/.well-known/openid-configuration");
    q.removeAllQueryItems(QStringLiteral("authorization_endpoint"));
    q.addQueryItem(QStringLiteral("authorization_endpoint"), QStringLiteral("https://login.example/common/oauth2/v2.0/authorize"));
    c = curl({url(QStringLiteral("/common/discovery/instance?") + q.toString(QUrl::FullyEncoded))});
    EXPECT_EQ(c.status, 400) << text(c);
    EXPECT_EQ(c.json().value("error", std::string()), "invalid_instance");

    // Only GET is public: a POST to a discovery path needs a token like any other route.
    c = curl({QStringLiteral("-X"), QStringLiteral("POST"), url(QStringLiteral("/metadata/endpoints?api-version=2015-01-01"))});
    EXPECT_EQ(c.status, 401) << text(c);

    // Over plain HTTP the same documents point at the plain listener.
    c = curl({m_server->baseUrl().toString() + QStringLiteral("/metadata/endpoints?api-version=2015-01-01")});
    ASSERT_EQ(c.status, 200) << text(c);
    EXPECT_EQ(c.json()["authentication"].value("loginEndpoint", std::string()),
              m_server->baseUrl().toString().toStdString() + "/adfs");
}

} // namespace
} // namespace cerulean::local
