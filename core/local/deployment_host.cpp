#include "core/local/deployment_host.h"

#include "core/local/service.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QUrl>

#include <atomic>
#include <random>

namespace cerulean::local {

namespace {

const QString kDeployments = QStringLiteral("microsoft.machinelearningservices/workspaces/onlineendpoints/deployments");
constexpr std::chrono::milliseconds kTelemetryFlush{500};
constexpr qint64 kMaxLogBytes = 4 << 20;

QString jstr(const Json &j, const char *key)
{
    return j.is_object() && j.contains(key) && j[key].is_string() ? QString::fromStdString(j[key].get<std::string>())
                                                                   : QString();
}

QString stamp()
{
    return QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss,zzz"));
}

} // namespace

// An online endpoint's authMode: Key endpoints take their keys, AMLToken endpoints their own
// tokens, AADToken endpoints Entra tokens for the ML audience; nothing takes two kinds.
enum class EndpointAuth
{
    Key,
    AMLToken,
    AADToken,
};

namespace {

EndpointAuth endpointAuthOf(const QString &authMode)
{
    if (authMode == QLatin1String("AMLToken"))
        return EndpointAuth::AMLToken;
    if (authMode == QLatin1String("AADToken"))
        return EndpointAuth::AADToken;
    return EndpointAuth::Key;
}

QString endpointAuthName(EndpointAuth auth)
{
    switch (auth) {
    case EndpointAuth::Key: return QStringLiteral("Key");
    case EndpointAuth::AMLToken: return QStringLiteral("AMLToken");
    case EndpointAuth::AADToken: return QStringLiteral("AADToken");
    }
    return QStringLiteral("Key");
}

} // namespace

struct DeploymentHost::Running
{
    std::shared_ptr<ScoringServer> server; // shared with the endpoint's router
    QString endpointId;
    // The endpoint's auth mode, read by the server's token check on every request and set
    // by refreshEndpoint (an endpoint update may change it).
    std::shared_ptr<std::atomic<EndpointAuth>> auth;
    QString appId;     // App Insights AppId when telemetry is on
    bool telemetry = false;
};

// An endpoint's scoring URI: a loopback HTTP server that hands each request, in process, to
// the deployment Azure's traffic rules pick.
class DeploymentHost::Router final
{
public:
    struct Route
    {
        QString name;
        qint64 weight = 0;
        std::shared_ptr<ScoringServer> server;
    };

    Router() : m_http(options(), serving::Handler([this](const serving::Request &request) { return route(request); })) {}
    ~Router() { stop(); }

    std::optional<std::string> start() { return m_http.start(); }
    quint16 port() const { return m_http.port(); }
    void stop()
    {
        if (m_http.running())
            m_http.stop(std::chrono::seconds(1));
    }
    void setRoutes(std::vector<Route> routes)
    {
        std::lock_guard lock(m_mutex);
        m_routes = std::move(routes);
    }

private:
    static serving::HttpServerOptions options()
    {
        serving::HttpServerOptions o;
        o.host = "127.0.0.1";
        o.port = 0;
        o.threads = 2;
        o.serverName = "cerulean-endpoint";
        return o;
    }

    serving::Response route(const serving::Request &request)
    {
        std::shared_ptr<ScoringServer> target;
        QString name;
        {
            std::lock_guard lock(m_mutex);
            if (const auto wanted = request.header("azureml-model-deployment")) {
                const QString asked = QString::fromUtf8(wanted->data(), static_cast<qsizetype>(wanted->size())).trimmed();
                for (const Route &r : m_routes)
                    if (r.name.compare(asked, Qt::CaseInsensitive) == 0) {
                        target = r.server;
                        name = r.name;
                    }
                if (!target)
                    return serving::Response::jsonError(404, "DeploymentNotFound",
                                                        QStringLiteral("The endpoint has no running deployment named '%1'.")
                                                            .arg(asked)
                                                            .toStdString());
            } else {
                // As on Azure, a deployment takes traffic only once the endpoint's traffic
                // gives it a positive weight: a new endpoint routes nowhere until then.
                qint64 total = 0;
                for (const Route &r : m_routes)
                    total += std::max<qint64>(r.weight, 0);
                if (total > 0) {
                    qint64 draw = std::uniform_int_distribution<qint64>(0, total - 1)(m_random);
                    for (const Route &r : m_routes) {
                        if (r.weight <= 0)
                            continue;
                        if (draw < r.weight) {
                            target = r.server;
                            name = r.name;
                            break;
                        }
                        draw -= r.weight;
                    }
                }
            }
        }
        if (!target)
            return serving::Response::jsonError(404, "NoValidDeployment",
                                                "The endpoint doesn't have any valid deployment with positive weight. Set "
                                                "its traffic, or name a deployment in the azureml-model-deployment header.");
        serving::Response response = target->handle(request);
        response.setHeader("azureml-model-deployment", name.toStdString());
        return response;
    }

    serving::HttpServer m_http;
    std::mutex m_mutex;
    std::vector<Route> m_routes;
    std::mt19937_64 m_random{std::random_device{}()};
};

DeploymentHost::DeploymentHost(LocalService &service, ScoringServerFactory factory)
    : m_service(service), m_store(service.store()), m_factory(std::move(factory))
{
    m_flusher = std::thread([this] {
        std::unique_lock lock(m_telemetryMutex);
        while (!m_stopping) {
            m_flushWake.wait_for(lock, kTelemetryFlush);
            lock.unlock();
            flushTelemetry();
            lock.lock();
        }
    });
}

DeploymentHost::~DeploymentHost()
{
    stopAll();
    {
        std::lock_guard lock(m_telemetryMutex);
        m_stopping = true;
    }
    m_flushWake.notify_all();
    if (m_flusher.joinable())
        m_flusher.join();
    flushTelemetry();
}

void DeploymentHost::setFactory(ScoringServerFactory factory)
{
    std::lock_guard lock(m_mutex);
    m_factory = std::move(factory);
}

QString DeploymentHost::logPath(const QString &deploymentId, const QString &container) const
{
    return m_store.root() + QStringLiteral("/logs/") + sha256Hex(resourceKey(deploymentId)).left(24) +
           QLatin1Char('-') + container + QStringLiteral(".log");
}

void DeploymentHost::appendLog(const QString &deploymentId, const QString &container, const QString &line)
{
    const QString path = logPath(deploymentId, container);
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    // A simple cap: start over when the file grows past a few MiB.
    const bool truncate = QFileInfo(path).size() > kMaxLogBytes;
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text | (truncate ? QIODevice::Truncate : QIODevice::Append)))
        return;
    file.write(line.toUtf8());
    file.write("\n");
}

QString DeploymentHost::logs(const QString &deploymentId, const QString &containerType, int tail) const
{
    QFile file(logPath(deploymentId, containerType));
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (tail >= 0 && lines.size() > tail)
        lines = lines.mid(lines.size() - tail);
    return lines.join(QLatin1Char('\n')) + (lines.isEmpty() ? QString() : QStringLiteral("\n"));
}

std::optional<QString> DeploymentHost::resolveModel(const QString &workspaceId, const QString &modelId,
                                                    QString *error) const
{
    const auto model = m_store.resource(modelId);
    if (!model) {
        *error = QStringLiteral("The model version '%1' no longer exists.").arg(modelId);
        return std::nullopt;
    }
    const QString uri = jstr(model->doc["properties"], "modelUri");
    static const QRegularExpression jobOutput(QStringLiteral("^azureml://(?:.*/)?jobs/([^/]+)/outputs/([^/]+)(?:/(.*))?$"));
    static const QRegularExpression runsUri(QStringLiteral("^runs:/([^/]+)/(.*)$"));
    QString path;
    if (const auto m = jobOutput.match(uri); m.hasMatch()) {
        const auto job = m_store.resource(workspaceId + QStringLiteral("/jobs/") + m.captured(1));
        if (!job) {
            *error = QStringLiteral("The model's job '%1' was not found.").arg(m.captured(1));
            return std::nullopt;
        }
        QString run = jstr(job->doc.value("_local", Json::object()), "bestChildRunId");
        if (run.isEmpty()) {
            *error = QStringLiteral("Job '%1' has no best model (did it complete?).").arg(m.captured(1));
            return std::nullopt;
        }
        path = m_store.artifactsDir() + QLatin1Char('/') + run + QStringLiteral("/outputs/model");
        if (!m.captured(3).isEmpty())
            path = m_store.artifactsDir() + QLatin1Char('/') + run + QLatin1Char('/') + m.captured(3);
    } else if (const auto r = runsUri.match(uri); r.hasMatch()) {
        path = m_store.artifactsDir() + QLatin1Char('/') + r.captured(1) + QLatin1Char('/') + r.captured(2);
    } else if (uri.startsWith(QLatin1String("file://")) && QFileInfo(QUrl(uri).toLocalFile()).isDir()) {
        path = QUrl(uri).toLocalFile(); // a model package folder on this machine, as resolveModelPath accepts
    } else {
        const auto data = m_service.resolveDataPath(workspaceId, uri, error);
        if (!data)
            return std::nullopt;
        path = *data;
    }
    if (path.contains(QLatin1String("..")) || !QFileInfo::exists(path)) {
        *error = QStringLiteral("The model files of '%1' were not found at %2.").arg(uri, path);
        return std::nullopt;
    }
    return path;
}

void DeploymentHost::deploy(const QString &deploymentId)
{
    std::vector<std::unique_ptr<Provisioning>> finished;
    {
        std::lock_guard lock(m_mutex);
        for (auto it = m_threads.begin(); it != m_threads.end();) {
            if ((*it)->done) {
                finished.push_back(std::move(*it));
                it = m_threads.erase(it);
            } else {
                ++it;
            }
        }
        ++m_provisioning;
        auto provisioning = std::make_unique<Provisioning>();
        Provisioning *self = provisioning.get();
        // The thread marks itself done under m_mutex, which is held until it is stored.
        provisioning->thread = std::thread([this, deploymentId, self] {
            provision(deploymentId);
            std::lock_guard done(m_mutex);
            --m_provisioning;
            self->done = true;
            m_idle.notify_all();
        });
        m_threads.push_back(std::move(provisioning));
    }
    for (auto &p : finished)
        p->thread.join(); // over already: returns at once
}

void DeploymentHost::waitIdle()
{
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return m_provisioning == 0; });
}

void DeploymentHost::provision(const QString &deploymentId)
{
    stop(deploymentId); // an update replaces the running server
    const auto deployment = m_store.resource(deploymentId);
    if (!deployment)
        return;
    const QString endpointId = deploymentId.section(QLatin1Char('/'), 0, -3);
    const QString workspaceId = endpointId.section(QLatin1Char('/'), 0, -3);
    const auto endpoint = m_store.resource(endpointId);
    const Json &p = deployment->doc["properties"];
    const auto failWith = [&](const QString &message) {
        appendLog(deploymentId, QStringLiteral("StorageInitializer"), stamp() + QStringLiteral(" | ERROR | ") + message);
        m_store.updateResource(deploymentId, [&](StoredResource &d) {
            d.state = QStringLiteral("Failed");
            d.doc["properties"]["provisioningState"] = "Failed";
            d.doc["_local"]["error"] = {{"code", "DeploymentFailed"}, {"message", message.toStdString()}};
            return true;
        });
    };
    if (!endpoint)
        return failWith(QStringLiteral("The endpoint of this deployment was deleted."));
    appendLog(deploymentId, QStringLiteral("StorageInitializer"),
              stamp() + QStringLiteral(" | INFO | Downloading model %1").arg(jstr(p, "model")));
    QString error;
    const auto modelPath = resolveModel(workspaceId, jstr(p, "model"), &error);
    if (!modelPath)
        return failWith(error);
    appendLog(deploymentId, QStringLiteral("StorageInitializer"),
              stamp() + QStringLiteral(" | INFO | Model files ready at /var/azureml-app/azureml-models"));

    ScoringServerFactory factory;
    {
        std::lock_guard lock(m_mutex);
        factory = m_factory;
    }
    if (!factory)
        return failWith(QStringLiteral("This build of the local workspace has no scoring server."));

    auto running = std::make_unique<Running>();
    running->endpointId = endpointId;
    running->telemetry = p.value("appInsightsEnabled", false);
    running->appId = m_service.appInsightsAppId(workspaceId);
    const QString endpointName = endpoint->name;
    const QString deploymentName = deployment->name;
    const QString appId = running->appId;
    const bool telemetry = running->telemetry && !appId.isEmpty();

    ScoringServerConfig config;
    config.modelPath = *modelPath;
    config.endpointName = endpointName;
    config.deploymentName = deploymentName;
    config.authMode = jstr(endpoint->doc["properties"], "authMode");
    running->auth = std::make_shared<std::atomic<EndpointAuth>>(endpointAuthOf(config.authMode));
    const Json keys = endpoint->doc.value("_local", Json::object()).value("keys", Json::object());
    if (*running->auth == EndpointAuth::Key)
        config.keys = {jstr(keys, "primaryKey"), jstr(keys, "secondaryKey")};
    config.tokenValid = [&service = m_service, endpointId, auth = running->auth](const QString &token) {
        return service.scoringTokenValid(endpointId, endpointAuthName(auth->load()), token);
    };
    config.corsOrigin = m_service.options().endpointCorsOrigin;
    config.onLog = [this, deploymentId, telemetry, appId, endpointName, deploymentName](const QString &line) {
        appendLog(deploymentId, QStringLiteral("InferenceServer"), line);
        if (!telemetry)
            return;
        std::lock_guard lock(m_telemetryMutex);
        const int severity = line.contains(QLatin1String("ERROR")) ? 3 : line.contains(QLatin1String("WARN")) ? 2 : 1;
        m_telemetry.push_back({appId, QStringLiteral("traces"), Store::nowMs(),
                               Json{{"message", line.toStdString()},
                                    {"severityLevel", severity},
                                    {"itemType", "trace"},
                                    {"customDimensions", {{"Container Id", deploymentName.toStdString()}}},
                                    {"cloud_RoleName", endpointName.toStdString()},
                                    {"cloud_RoleInstance", deploymentName.toStdString()},
                                    {"appId", appId.toStdString()}}});
    };
    if (telemetry)
        config.onRequest = [this, appId, endpointName, deploymentName](const ScoredRequest &r) {
            const QString id = r.operationId.isEmpty() ? newGuid() : r.operationId;
            const double d = r.durationMs;
            const char *bucket = d < 250 ? "<250ms" : d < 500 ? "250ms-500ms" : d < 1000 ? "500ms-1sec" : ">=1sec";
            std::lock_guard lock(m_telemetryMutex);
            m_telemetry.push_back({appId, QStringLiteral("requests"), r.timestampMs,
                                   Json{{"id", id.toStdString()},
                                        {"name", QString(r.method + QLatin1Char(' ') + r.path).toStdString()},
                                        {"url", r.path.toStdString()},
                                        {"success", r.status < 400},
                                        {"resultCode", std::to_string(r.status)},
                                        {"duration", d},
                                        {"performanceBucket", bucket},
                                        {"customDimensions", {{"Deployment", deploymentName.toStdString()}}},
                                        {"operation_Name", QString(r.method + QLatin1Char(' ') + r.path).toStdString()},
                                        {"operation_Id", id.toStdString()},
                                        {"cloud_RoleName", endpointName.toStdString()},
                                        {"cloud_RoleInstance", deploymentName.toStdString()},
                                        {"appId", appId.toStdString()},
                                        {"itemType", "request"},
                                        {"itemCount", 1}}});
            if (r.status >= 500)
                m_telemetry.push_back({appId, QStringLiteral("exceptions"), r.timestampMs,
                                       Json{{"problemId", "ScoringError"},
                                            {"type", "ScoringError"},
                                            {"outerMessage", "The scoring request failed with status " + std::to_string(r.status)},
                                            {"severityLevel", 3},
                                            {"operation_Id", id.toStdString()},
                                            {"cloud_RoleName", endpointName.toStdString()},
                                            {"cloud_RoleInstance", deploymentName.toStdString()},
                                            {"appId", appId.toStdString()},
                                            {"itemType", "exception"}}});
        };
    appendLog(deploymentId, QStringLiteral("InferenceServer"),
              stamp() + QStringLiteral(" | INFO | Starting the scoring server for %1/%2").arg(endpointName, deploymentName));
    running->server = factory(config, &error);
    if (!running->server)
        return failWith(QStringLiteral("The scoring server did not start: %1").arg(error));
    const quint16 port = running->server->port();
    appendLog(deploymentId, QStringLiteral("InferenceServer"),
              stamp() + QStringLiteral(" | INFO | Listening on 127.0.0.1:%1").arg(port));
    bool stillThere = false;
    m_store.updateResource(deploymentId, [&](StoredResource &d) {
        stillThere = true;
        d.state = QStringLiteral("Succeeded");
        d.doc["properties"]["provisioningState"] = "Succeeded";
        d.doc["_local"]["port"] = port;
        d.doc["_local"].erase("error");
        return true;
    });
    if (!stillThere) {
        running->server->stop();
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_running[resourceKey(deploymentId)] = std::move(running);
    }
    refreshEndpoint(endpointId);
}

void DeploymentHost::stop(const QString &deploymentId)
{
    std::unique_ptr<Running> running;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_running.find(resourceKey(deploymentId));
        if (it == m_running.end())
            return;
        running = std::move(it->second);
        m_running.erase(it);
    }
    refreshEndpoint(running->endpointId); // its router stops sending it requests first
    if (running->server)
        running->server->stop();
    appendLog(deploymentId, QStringLiteral("InferenceServer"), stamp() + QStringLiteral(" | INFO | Scoring server stopped"));
}

void DeploymentHost::stopAll()
{
    std::vector<std::unique_ptr<Provisioning>> threads;
    {
        std::lock_guard lock(m_mutex);
        threads.swap(m_threads);
    }
    for (auto &p : threads)
        if (p->thread.joinable())
            p->thread.join();
    std::map<QString, std::unique_ptr<Running>> running;
    std::map<QString, std::shared_ptr<Router>> routers;
    {
        std::lock_guard lock(m_mutex);
        running.swap(m_running);
        routers.swap(m_routers);
    }
    for (auto &[key, router] : routers)
        router->stop();
    for (auto &[key, r] : running)
        if (r->server)
            r->server->stop();
}

void DeploymentHost::restoreAll()
{
    for (const StoredResource &d : m_store.byKindAndState(
             kDeployments, {QStringLiteral("Succeeded"), QStringLiteral("Creating"), QStringLiteral("Updating")})) {
        m_store.updateResource(d.id, [](StoredResource &r) {
            r.state = QStringLiteral("Updating");
            r.doc["properties"]["provisioningState"] = "Updating";
            return true;
        });
        deploy(d.id);
    }
}

void DeploymentHost::refreshEndpoint(const QString &endpointId)
{
    const QString key = resourceKey(endpointId);
    const auto endpoint = m_store.resource(endpointId);
    QStringList keyList;
    EndpointAuth auth = EndpointAuth::Key;
    Json traffic = Json::object();
    if (endpoint) {
        auth = endpointAuthOf(jstr(endpoint->doc["properties"], "authMode"));
        const Json keys = endpoint->doc.value("_local", Json::object()).value("keys", Json::object());
        if (auth == EndpointAuth::Key) // a token endpoint's hidden keys open nothing
            keyList = {jstr(keys, "primaryKey"), jstr(keys, "secondaryKey")};
        traffic = endpoint->doc["properties"].value("traffic", Json::object());
        if (!traffic.is_object())
            traffic = Json::object();
    }
    std::vector<Router::Route> routes;
    std::shared_ptr<Router> router, retired;
    bool created = false;
    {
        std::lock_guard lock(m_mutex);
        for (auto &[deploymentKey, r] : m_running) {
            if (resourceKey(r->endpointId) != key)
                continue;
            if (endpoint) {
                if (r->auth)
                    r->auth->store(auth);
                r->server->setKeys(keyList);
            }
            Router::Route route{deploymentKey.section(QLatin1Char('/'), -1), 0, r->server};
            for (auto it = traffic.begin(); it != traffic.end(); ++it)
                if (QString::fromStdString(it.key()).compare(route.name, Qt::CaseInsensitive) == 0 && it.value().is_number())
                    route.weight = it.value().get<qint64>();
            routes.push_back(std::move(route));
        }
        // The router lives as long as the endpoint, so its scoring URI stays the same while
        // deployments come and go (with none running it answers 404).
        const auto it = m_routers.find(key);
        if (!endpoint) {
            if (it != m_routers.end()) {
                retired = std::move(it->second);
                m_routers.erase(it);
            }
        } else if (it != m_routers.end()) {
            router = it->second;
        } else if (!routes.empty()) {
            router = std::make_shared<Router>();
            created = true;
        }
    }
    if (retired)
        retired->stop();
    quint16 port = 0;
    if (router) {
        // The route names come from the store's keys (lower case); the traffic keeps the user's.
        for (Router::Route &route : routes)
            for (auto it = traffic.begin(); it != traffic.end(); ++it)
                if (QString::fromStdString(it.key()).compare(route.name, Qt::CaseInsensitive) == 0)
                    route.name = QString::fromStdString(it.key());
        router->setRoutes(std::move(routes));
        if (created) {
            if (const auto failed = router->start()) {
                appendLog(endpointId, QStringLiteral("Router"), stamp() + QStringLiteral(" | ERROR | The endpoint's router did not start: ") +
                                                                    QString::fromStdString(*failed));
                router.reset();
            } else {
                std::lock_guard lock(m_mutex);
                m_routers[key] = router;
            }
        }
        if (router)
            port = router->port();
    }
    if (!endpoint)
        return;
    m_store.updateResource(endpointId, [&](StoredResource &ep) {
        Json &p = ep.doc["properties"];
        if (port == 0) {
            p["scoringUri"] = "";
            p["swaggerUri"] = "";
        } else {
            p["scoringUri"] = QStringLiteral("http://127.0.0.1:%1/score").arg(port).toStdString();
            p["swaggerUri"] = QStringLiteral("http://127.0.0.1:%1/swagger.json").arg(port).toStdString();
        }
        return true;
    });
}

void DeploymentHost::forgetEndpoints(const QString &id)
{
    const QString prefix = resourceKey(id);
    std::vector<std::shared_ptr<Router>> retired;
    {
        std::lock_guard lock(m_mutex);
        for (auto it = m_routers.begin(); it != m_routers.end();) {
            if (it->first == prefix || it->first.startsWith(prefix + QLatin1Char('/'))) {
                retired.push_back(std::move(it->second));
                it = m_routers.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (const auto &router : retired)
        router->stop();
}

void DeploymentHost::flushTelemetry()
{
    std::vector<TelemetryItem> batch;
    {
        std::lock_guard lock(m_telemetryMutex);
        batch.swap(m_telemetry);
    }
    if (!batch.empty())
        m_store.addTelemetry(batch);
}

} // namespace cerulean::local
