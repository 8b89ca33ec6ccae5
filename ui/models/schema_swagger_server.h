#pragma once

#include <QByteArray>
#include <QString>
#include <QUrl>

#include <cstdint>
#include <memory>

namespace cerulean::serving {
class HttpServer;
}

namespace cerulean::ui {

// Serves one swagger.json on a loopback port with CORS, so that a Swagger UI in the browser
// can read it — what the seed's serve.py did by hand. Runs on core/serving's HTTP server
// (its own I/O thread); GET /swagger.json answers the document, OPTIONS answers preflights.
class SwaggerFileServer final
{
public:
    SwaggerFileServer();
    ~SwaggerFileServer();
    SwaggerFileServer(const SwaggerFileServer &) = delete;
    SwaggerFileServer &operator=(const SwaggerFileServer &) = delete;

    // Starts (or restarts) serving `document` on 127.0.0.1:port (0: any free port). Returns
    // false and sets `error` if the port cannot be bound.
    bool start(const QByteArray &document, std::uint16_t port, QString &error);
    void stop();
    bool isRunning() const;
    std::uint16_t port() const;
    QUrl documentUrl() const; // http://127.0.0.1:PORT/swagger.json

private:
    std::unique_ptr<serving::HttpServer> m_server;
};

// The Swagger UI address for a document: `uiTemplate` with {url} replaced by the encoded
// document URL ("https://petstore.swagger.io/?url={url}").
QUrl swaggerUiUrl(const QString &uiTemplate, const QUrl &document);

} // namespace cerulean::ui
