#include "core/local/local_server.h"

#include "core/serving/http_server.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cerulean::local {

// A fixed set of threads taking tasks in order. stop() lets the queued tasks run first.
class LocalServer::WorkerPool final
{
public:
    explicit WorkerPool(unsigned threads)
    {
        for (unsigned i = 0; i < std::max(1u, threads); ++i)
            m_threads.emplace_back([this] { run(); });
    }
    ~WorkerPool() { stop(); }
    WorkerPool(const WorkerPool &) = delete;
    WorkerPool &operator=(const WorkerPool &) = delete;

    void post(std::function<void()> task)
    {
        {
            std::lock_guard lock(m_mutex);
            m_tasks.push_back(std::move(task));
        }
        m_wake.notify_one();
    }

    void stop()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_wake.notify_all();
        for (std::thread &t : m_threads)
            if (t.joinable())
                t.join();
        m_threads.clear();
    }

private:
    void run()
    {
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [this] { return m_stopping || !m_tasks.empty(); });
            if (m_tasks.empty())
                return;
            std::function<void()> task = std::move(m_tasks.front());
            m_tasks.pop_front();
            lock.unlock();
            task();
            lock.lock();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_tasks;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

namespace {

// The head only: the body (if any) is added by the caller, moved rather than copied twice.
ApiRequest headOf(const serving::Request &r, bool secure)
{
    ApiRequest out;
    out.secure = secure;
    out.method = QByteArray(r.method.data(), static_cast<qsizetype>(r.method.size()));
    out.path = QUrl::fromPercentEncoding(QByteArray::fromRawData(r.path.data(), static_cast<qsizetype>(r.path.size())));
    out.query = QUrlQuery(QString::fromUtf8(r.query.data(), static_cast<qsizetype>(r.query.size())));
    out.headers.reserve(static_cast<qsizetype>(r.headers.size()));
    for (const serving::HttpHeader &h : r.headers)
        out.headers.append({QByteArray(h.name.data(), static_cast<qsizetype>(h.name.size())),
                            QByteArray(h.value.data(), static_cast<qsizetype>(h.value.size()))});
    return out;
}

serving::Response toResponse(const ApiResponse &r)
{
    serving::Response out;
    out.status = r.status;
    out.headers.reserve(static_cast<std::size_t>(r.headers.size()));
    for (const auto &[name, value] : r.headers)
        out.headers.push_back({name.toStdString(), value.toStdString()});
    out.body.assign(r.body.constData(), static_cast<std::size_t>(r.body.size()));
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
    if (m_options.https) {
        m_tls = prepareLocalTls(m_options.service.root, error);
        if (!m_tls) {
            if (error)
                *error = QStringLiteral("HTTPS: %1").arg(*error);
            return false;
        }
    }
    m_workers = std::make_unique<WorkerPool>(m_options.workers);
    m_blobWorkers = std::make_unique<WorkerPool>(m_options.blobWorkers);
    serving::HttpServerOptions http;
    http.host = "127.0.0.1";
    http.port = m_options.port;
    http.threads = std::max(1u, m_options.threads);
    http.maxBodyBytes = static_cast<std::size_t>(kMaxRequestBodyBytes); // raised per route by admit
    http.requestTimeout = std::chrono::seconds(120);
    http.serverName = "cerulean-local";
    LocalService *service = m_service.get();
    // Runs on an I/O thread as soon as the headers are in: the Host, the credential and the
    // route's body limit are settled before a byte of the body is buffered.
    const auto admit = [service](const serving::Request &head, bool secure) {
        const RequestAdmission decided = service->admit(headOf(head, secure));
        serving::Admission a;
        if (decided.reject) {
            a.reject = toResponse(*decided.reject);
            return a;
        }
        a.maxBodyBytes = static_cast<std::size_t>(decided.maxBodyBytes);
        a.tooLarge = toResponse(decided.tooLarge);
        a.bodyFile = decided.bodyFile.toStdString();
        return a;
    };
    WorkerPool *workers = m_workers.get();
    WorkerPool *blobWorkers = m_blobWorkers.get();
    const auto handler = [service, workers, blobWorkers](bool secure) {
        return serving::AsyncHandler([service, workers, blobWorkers, secure](const serving::Request &request,
                                                                             serving::Responder respond) {
            // Converted here (the server reuses its Request), handled on a worker.
            ApiRequest api = headOf(request, secure);
            api.body = QByteArray(request.body.data(), static_cast<qsizetype>(request.body.size()));
            api.bodyFile = QString::fromStdString(request.bodyFile);
            WorkerPool *pool = api.path.startsWith(QLatin1String("/blob/")) ? blobWorkers : workers;
            pool->post([service, api = std::move(api), respond = std::move(respond)] {
                respond(toResponse(service->handle(api)));
            });
        });
    };
    http.admit = [admit](const serving::Request &head) { return admit(head, false); };
    m_http = std::make_unique<serving::HttpServer>(http, handler(false));
    if (auto failed = m_http->start()) {
        if (error)
            *error = QString::fromStdString(*failed);
        m_http.reset();
        return false;
    }
    m_service->setBaseUrl(baseUrl());
    if (m_tls) {
        serving::HttpServerOptions https = http;
        https.port = m_options.httpsPort;
        https.admit = [admit](const serving::Request &head) { return admit(head, true); };
        https.tls = serving::TlsOptions{m_tls->certificatePem.toStdString(), m_tls->privateKeyPem.toStdString()};
        m_tls->privateKeyPem.clear(); // the server keeps its own copy
        m_https = std::make_unique<serving::HttpServer>(https, handler(true));
        if (auto failed = m_https->start()) {
            if (error)
                *error = QStringLiteral("HTTPS: %1").arg(QString::fromStdString(*failed));
            m_https.reset();
            stop();
            return false;
        }
        m_service->setSecureBaseUrl(httpsBaseUrl());
    }
    return true;
}

void LocalServer::stop()
{
    if (m_https)
        m_https->stop(std::chrono::seconds(2));
    m_https.reset();
    if (m_http)
        m_http->stop(std::chrono::seconds(2));
    m_http.reset();
    // After the HTTP server: nothing posts any more; what is queued runs (its answers are dropped).
    m_workers.reset();
    m_blobWorkers.reset();
    if (m_service)
        m_service->shutdown();
}

QUrl LocalServer::baseUrl() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_http ? m_http->port() : 0));
}

QUrl LocalServer::httpsBaseUrl() const
{
    return m_https ? QUrl(QStringLiteral("https://127.0.0.1:%1").arg(m_https->port())) : QUrl();
}

} // namespace cerulean::local
