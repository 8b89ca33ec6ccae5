#pragma once

#include "core/local/local_ca.h"
#include "core/local/service.h"

#include <QUrl>

#include <cstdint>
#include <memory>

namespace cerulean::serving {
class HttpServer;
}

namespace cerulean::local {

struct LocalServerOptions
{
    ServiceOptions service;
    std::uint16_t port = 0; // 0 picks a free loopback port
    unsigned threads = 2;   // I/O threads: parsing, admission and writing only
    // Threads that run the routes. SQLite waits up to its busy timeout for another process's
    // write lock, so a route may block for seconds: it does so here, never on an I/O thread.
    unsigned workers = 8;
    // Blob data (Put Blob, Put Block, Put Block List, Get Blob) runs on threads of its own, so
    // that large transfers never hold up tokens and ARM calls.
    unsigned blobWorkers = 2;
    // HTTPS next to HTTP, with a certificate from the workspace's own CA (prepareLocalTls):
    // for clients that accept https only, such as MSAL and so `az login`. Same routes, same
    // admission (Host allowlist, credential before body, limits).
    bool https = true;
    std::uint16_t httpsPort = 0; // 0 picks a free loopback port
};

// The local workspace service on a loopback HTTP port (core/serving's HTTP server core).
class LocalServer final
{
public:
    explicit LocalServer(LocalServerOptions options);
    ~LocalServer();
    LocalServer(const LocalServer &) = delete;
    LocalServer &operator=(const LocalServer &) = delete;

    // Opens the store and listens. False with a message on failure.
    bool start(QString *error);
    void stop();
    QUrl baseUrl() const; // http://127.0.0.1:PORT
    // https://127.0.0.1:PORT, or empty when HTTPS is off.
    QUrl httpsBaseUrl() const;
    // The CA certificate that HTTPS clients trust (e.g. REQUESTS_CA_BUNDLE); empty when off.
    QString caCertificateFile() const { return m_tls ? m_tls->caCertificate : QString(); }
    LocalService &service() { return *m_service; }

    class WorkerPool;

private:
    LocalServerOptions m_options;
    std::unique_ptr<LocalService> m_service;
    std::unique_ptr<WorkerPool> m_workers;
    std::unique_ptr<WorkerPool> m_blobWorkers;
    std::unique_ptr<serving::HttpServer> m_http;
    std::unique_ptr<serving::HttpServer> m_https;
    std::optional<LocalTls> m_tls;
};

} // namespace cerulean::local
