#include "core/local/local_server.h"

#include "core/serving/http_server.h"

namespace cerulean::local {

namespace {

ApiRequest toApiRequest(const serving::Request &r)
{
    ApiRequest out;
    out.method = QByteArray::fromStdString(r.method);
    out.path = QUrl::fromPercentEncoding(QByteArray::fromStdString(r.path));
    out.query = QUrlQuery(QString::fromStdString(r.query));
    for (const serving::HttpHeader &h : r.headers)
        out.headers.append({QByteArray::fromStdString(h.name), QByteArray::fromStdString(h.value)});
    out.body = QByteArray::fromStdString(r.body);
    return out;
}

} // namespace

LocalServer::LocalServer(LocalServerOptions options) : m_options(std::move(options)) {}

LocalServer::~LocalServer() { stop(); }

bool LocalServer::start(QString *error)
{
    m_service = std::make_unique<LocalService>(m_options.service);
    if (!m_service->open(error))
        return false;
    serving::HttpServerOptions http;
    http.host = "127.0.0.1";
    http.port = m_options.port;
    http.threads = std::max(1u, m_options.threads);
    http.maxBodyBytes = 256u << 20; // Put Blob of a whole data set
    http.requestTimeout = std::chrono::seconds(120);
    http.serverName = "cerulean-local";
    LocalService *service = m_service.get();
    m_http = std::make_unique<serving::HttpServer>(http, [service](const serving::Request &request) {
        const ApiResponse r = service->handle(toApiRequest(request));
        serving::Response out;
        out.status = r.status;
        for (const auto &[name, value] : r.headers)
            out.headers.push_back({name.toStdString(), value.toStdString()});
        out.body = r.body.toStdString();
        return out;
    });
    if (auto failed = m_http->start()) {
        if (error)
            *error = QString::fromStdString(*failed);
        m_http.reset();
        return false;
    }
    m_service->setBaseUrl(baseUrl());
    return true;
}

void LocalServer::stop()
{
    if (m_http)
        m_http->stop(std::chrono::seconds(2));
    m_http.reset();
    if (m_service)
        m_service->shutdown();
}

QUrl LocalServer::baseUrl() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_http ? m_http->port() : 0));
}

} // namespace cerulean::local
