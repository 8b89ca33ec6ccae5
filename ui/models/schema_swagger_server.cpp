#include "ui/models/schema_swagger_server.h"

#include "core/serving/http_server.h"

#include <string>

namespace cerulean::ui {

namespace {

void addCors(serving::Response &response)
{
    // Swagger UI runs on another origin (a hosted page or a local container).
    response.setHeader("Access-Control-Allow-Origin", "*");
    response.setHeader("Access-Control-Allow-Methods", "GET, OPTIONS");
    response.setHeader("Access-Control-Allow-Headers", "Content-Type, Authorization");
}

} // namespace

SwaggerFileServer::SwaggerFileServer() = default;

SwaggerFileServer::~SwaggerFileServer()
{
    stop();
}

bool SwaggerFileServer::start(const QByteArray &document, std::uint16_t port, QString &error)
{
    stop();
    serving::HttpServerOptions options;
    options.host = "127.0.0.1";
    options.port = port;
    options.threads = 1;
    auto body = std::make_shared<const std::string>(document.toStdString());
    auto server = std::make_unique<serving::HttpServer>(options, [body](const serving::Request &request) {
        serving::Response response;
        if (request.method == "OPTIONS") {
            response.status = 204;
        } else if (request.path != "/swagger.json" && request.path != "/") {
            response = serving::Response::jsonError(404, "not_found", "Only /swagger.json is served here.");
        } else if (request.method != "GET" && request.method != "HEAD") {
            response = serving::Response::jsonError(405, "method_not_allowed", "Use GET.");
            response.setHeader("Allow", "GET, OPTIONS");
        } else {
            response = serving::Response::json(200, *body);
        }
        addCors(response);
        return response;
    });
    if (const auto failure = server->start()) {
        error = QStringLiteral("Could not serve swagger.json on port %1: %2").arg(port).arg(QString::fromStdString(*failure));
        return false;
    }
    m_server = std::move(server);
    return true;
}

void SwaggerFileServer::stop()
{
    if (m_server) {
        m_server->stop(std::chrono::milliseconds(200));
        m_server.reset();
    }
}

bool SwaggerFileServer::isRunning() const
{
    return m_server && m_server->running();
}

std::uint16_t SwaggerFileServer::port() const
{
    return m_server ? m_server->port() : 0;
}

QUrl SwaggerFileServer::documentUrl() const
{
    if (!m_server)
        return {};
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(m_server->port());
    url.setPath(QStringLiteral("/swagger.json"));
    return url;
}

QUrl swaggerUiUrl(const QString &uiTemplate, const QUrl &document)
{
    QString address = uiTemplate;
    address.replace(QStringLiteral("{url}"),
                    QString::fromLatin1(QUrl::toPercentEncoding(document.toString(QUrl::FullyEncoded))));
    return QUrl(address, QUrl::StrictMode);
}

} // namespace cerulean::ui
