// Deployments run core/serving's scoring server over the model package; its telemetry
// sink turns request records and log lines into the deployment host's callbacks.

#include "core/local/deployment_host.h"

#include "core/serving/model_package_scorer.h"
#include "core/serving/scoring_service.h"

#include <QDateTime>

namespace cerulean::local {

namespace {

class Sink final : public serving::TelemetrySink
{
public:
    Sink(std::function<void(const ScoredRequest &)> onRequest, std::function<void(const QString &)> onLog)
        : m_onRequest(std::move(onRequest)), m_onLog(std::move(onLog))
    {
    }
    void requests(std::span<const serving::RequestRecord> batch) override
    {
        if (!m_onRequest)
            return;
        for (const serving::RequestRecord &r : batch) {
            ScoredRequest s;
            s.timestampMs = std::chrono::duration_cast<std::chrono::milliseconds>(r.timestamp.time_since_epoch()).count();
            const QString name = QString::fromStdString(r.name);
            s.method = name.section(QLatin1Char(' '), 0, 0);
            s.path = name.section(QLatin1Char(' '), 1);
            s.status = r.resultCode;
            s.durationMs = static_cast<double>(r.duration.count()) / 1000.0;
            s.operationId = QString::fromStdString(r.id);
            m_onRequest(s);
        }
    }
    void logs(std::span<const serving::LogLine> batch) override
    {
        if (!m_onLog)
            return;
        static const char *levels[] = {"DEBUG", "INFO", "WARNING", "ERROR"};
        for (const serving::LogLine &line : batch) {
            const qint64 ms = std::chrono::duration_cast<std::chrono::milliseconds>(line.timestamp.time_since_epoch()).count();
            m_onLog(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss,zzz")) +
                    QStringLiteral(" | ") + QLatin1String(levels[static_cast<int>(line.level)]) + QStringLiteral(" | ") +
                    QString::fromStdString(line.message));
        }
    }

private:
    std::function<void(const ScoredRequest &)> m_onRequest;
    std::function<void(const QString &)> m_onLog;
};

class ServingScoringServer final : public ScoringServer
{
public:
    explicit ServingScoringServer(std::unique_ptr<serving::ScoringServer> server) : m_server(std::move(server)) {}
    ~ServingScoringServer() override { stop(); }
    quint16 port() const override { return m_server->port(); }
    void setKeys(const QStringList &keys) override
    {
        m_server->setKeys(keys.value(0).toStdString(), keys.value(1).toStdString());
    }
    serving::Response handle(const serving::Request &request) const override { return m_server->service().handle(request); }
    void stop() override
    {
        if (!m_stopped) {
            m_stopped = true;
            m_server->stop(std::chrono::seconds(1));
        }
    }

private:
    std::unique_ptr<serving::ScoringServer> m_server;
    bool m_stopped = false;
};

} // namespace

ScoringServerFactory defaultScoringServer()
{
    return [](const ScoringServerConfig &config, QString *error) -> std::unique_ptr<ScoringServer> {
        std::string message;
        auto scorer = serving::ModelPackageScorer::load(config.modelPath.toStdString(), message);
        if (!scorer) {
            *error = QString::fromStdString(message);
            return nullptr;
        }
        serving::ScoringServerOptions options;
        options.http.host = "127.0.0.1";
        options.http.port = 0;
        options.http.threads = 2;
        options.scoring.endpointName = config.endpointName.toStdString();
        // No cross-origin reads unless the user named an origin: a page in the browser must
        // not read what an endpoint on this computer answers.
        options.scoring.corsOrigin = config.corsOrigin.toStdString();
        options.scoring.loopbackHostsOnly = true; // the endpoint's router hands requests on, Host and all
        if (config.authMode == QLatin1String("Key")) {
            options.scoring.primaryKey = config.keys.value(0).toStdString();
            options.scoring.secondaryKey = config.keys.value(1).toStdString();
        }
        if (config.tokenValid)
            options.scoring.tokenValidator = [check = config.tokenValid](std::string_view token) {
                return check(QString::fromUtf8(token.data(), static_cast<qsizetype>(token.size())));
            };
        auto server = std::make_unique<serving::ScoringServer>(scorer, options,
                                                               std::make_shared<Sink>(config.onRequest, config.onLog));
        if (auto failed = server->start()) {
            *error = QString::fromStdString(*failed);
            return nullptr;
        }
        return std::make_unique<ServingScoringServer>(std::move(server));
    };
}

} // namespace cerulean::local
