#pragma once

// A real local workspace service in a temporary root for the Deploy and Logs page tests: a
// workspace, a registered model made by a short real AutoML job on part of Bank Marketing, and
// a Session signed in with the service's built-in principal over loopback HTTP (the pages use
// the Azure client exactly as against Azure). The setup itself talks to the service in-process.

#include "core/azure/client.h"
#include "core/azure/identity.h"
#include "core/azure/pipeline.h"
#include "core/local/local_server.h"
#include "ui/session.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QThread>

#include <chrono>
#include <memory>

namespace cerulean::ui::test {

inline QString sharedFile(const QString &relative)
{
    const QString env = qEnvironmentVariable("CERULEAN_SHARED_DIR");
    const QString dir = env.isEmpty() ? QStringLiteral(CERULEAN_SOURCE_DIR "/../shared") : env;
    return QDir(dir).filePath(relative);
}

class LocalDeployWorkspace final
{
public:
    static constexpr int kTrainingRows = 600;

    // Starts the service, creates the workspace, trains and registers the model. False with error().
    bool start()
    {
        local::LocalServerOptions options;
        options.service.root = m_dir.filePath(QStringLiteral("service"));
        options.threads = 2;
        m_server = std::make_unique<local::LocalServer>(options);
        if (!m_server->start(&m_error))
            return false;
        m_sub = m_server->service().subscriptionId();
        m_wsId = QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.MachineLearningServices/workspaces/%3")
                     .arg(m_sub, resourceGroup(), workspaceName());
        if (!expect(call("PUT", QStringLiteral("/subscriptions/%1/resourceGroups/%2").arg(m_sub, resourceGroup()),
                         local::Json{{"location", "local"}}, QStringLiteral("2025-04-01")),
                    201))
            return false;
        // 202 with no body, as Azure answers a workspace PUT; the state below says when it is ready.
        if (!expect(call("PUT", m_wsId, local::Json{{"location", "local"}, {"properties", {{"friendlyName", "Deploy tests"}}}}), 202))
            return false;
        if (!waitFor([this] { return state(m_wsId) == QLatin1String("Succeeded"); }, std::chrono::seconds(30), "workspace"))
            return false;
        if (!writeTrainingFile())
            return false;
        if (!expect(call("PUT", m_wsId + QStringLiteral("/data/bank-part/versions/1"),
                         local::Json{{"properties", {{"dataType", "uri_file"}, {"dataUri", QString(QStringLiteral("file://") + m_trainFile).toStdString()}}}}),
                    201))
            return false;
        if (!expect(call("PUT", m_wsId + QStringLiteral("/computes/cpu"),
                         local::Json{{"location", "local"},
                                     {"properties", {{"computeType", "AmlCompute"},
                                                     {"properties", {{"scaleSettings", {{"maxNodeCount", 2}}}}}}}}),
                    201))
            return false;
        // A short real AutoML job: two trials on a few hundred rows take seconds.
        const QString job = m_wsId + QStringLiteral("/jobs/bank-quick");
        if (!expect(call("PUT", job,
                         local::Json{{"properties",
                                      {{"jobType", "AutoML"},
                                       {"experimentName", "deploy-tests"},
                                       {"computeId", QString(m_wsId + QStringLiteral("/computes/cpu")).toStdString()},
                                       {"taskDetails",
                                        {{"taskType", "Classification"},
                                         {"primaryMetric", "AUCWeighted"},
                                         {"targetColumnName", "y"},
                                         {"trainingData", {{"jobInputType", "uri_file"}, {"uri", "azureml:bank-part:1"}}},
                                         {"limitSettings", {{"timeout", "PT1M"}, {"maxTrials", 2}, {"maxConcurrentTrials", 2}}},
                                         {"trainingSettings", {{"enableModelExplainability", false}}}}}}}}),
                    201))
            return false;
        if (!waitFor([this, job] { return state(job) == QLatin1String("Completed"); }, std::chrono::seconds(120), "AutoML job"))
            return false;
        if (!expect(call("PUT", m_wsId + QStringLiteral("/models/bank-best/versions/1"),
                         local::Json{{"properties", {{"modelType", "mlflow_model"}, {"modelUri", "azureml://jobs/bank-quick/outputs/best_model"}}}}),
                    201))
            return false;
        return true;
    }

    // Signs a session in with the built-in service principal, as the GUI's local workspace does.
    void connect(Session &session) const
    {
        const auto transport = azure::AzureClient::networkTransport();
        const auto cloud = std::make_shared<const azure::Cloud>(azure::Cloud::local(m_server->baseUrl()));
        const local::LocalPrincipal principal = m_server->service().builtInPrincipal();
        auto credential = std::make_shared<azure::ClientSecretCredential>(*cloud, principal.tenantId, principal.clientId,
                                                                         principal.clientSecret,
                                                                         azure::AzureClient::tokenPipeline(transport));
        azure::PipelineOptions options;
        options.credential = credential;
        options.scopes = {azure::Cloud::armScope()};
        options.tenantId = principal.tenantId;
        auto pipeline = std::make_shared<azure::HttpPipeline>(transport, options);
        session.connectTo(Session::Connection::Local, cloud, pipeline,
                          WorkspaceRef{m_sub, resourceGroup(), workspaceName(), QStringLiteral("local")});
        session.setModelId(modelId());
    }

    // One ARM call straight to the service (in-process, with a token).
    local::ApiResponse call(const QByteArray &method, const QString &path, const local::Json &body = local::Json(),
                            const QString &apiVersion = QStringLiteral("2025-12-01"))
    {
        const QString target = path + (path.contains(QLatin1Char('?')) ? QLatin1Char('&') : QLatin1Char('?')) +
                               QStringLiteral("api-version=") + apiVersion;
        const QByteArray token = "Bearer " + m_server->service().issueToken().toLatin1();
        return m_server->service().handle(local::makeRequest(method, target, body.is_null() ? QByteArray() : QByteArray::fromStdString(body.dump()),
                                                             {{"Authorization", token}}));
    }

    // The stored state of a resource ("" when it does not exist).
    QString state(const QString &id)
    {
        const local::ApiResponse r = call("GET", id);
        if (r.status != 200)
            return {};
        const local::Json p = r.json().value("properties", local::Json::object());
        return QString::fromStdString(p.contains("status") ? p.value("status", std::string()) : p.value("provisioningState", std::string()));
    }

    // A scoring request body with `rows` rows of Bank Marketing's test file (without the label).
    QByteArray scoringBody(int rows) const
    {
        QFile file(sharedFile(QStringLiteral("data/bankmarketing_test.csv")));
        if (!file.open(QIODevice::ReadOnly))
            return {};
        const QStringList header = QString::fromUtf8(file.readLine()).trimmed().split(QLatin1Char(','));
        QJsonArray data;
        while (!file.atEnd() && data.size() < rows) {
            const QStringList cells = QString::fromUtf8(file.readLine()).trimmed().split(QLatin1Char(','));
            QJsonObject row;
            for (qsizetype i = 0; i < header.size() && i < cells.size(); ++i) {
                if (header[i] == QLatin1String("y"))
                    continue;
                bool numeric = false;
                const double value = cells[i].toDouble(&numeric);
                row.insert(header[i], numeric ? QJsonValue(value) : QJsonValue(cells[i]));
            }
            data.append(row);
        }
        return QJsonDocument(QJsonObject{{QStringLiteral("data"), data}}).toJson(QJsonDocument::Compact);
    }

    local::LocalServer &server() { return *m_server; }
    QString workspaceId() const { return m_wsId; }
    QString modelId() const { return QStringLiteral("azureml:bank-best:1"); }
    static QString resourceGroup() { return QStringLiteral("rg-deploy"); }
    static QString workspaceName() { return QStringLiteral("ws-deploy"); }
    QString error() const { return m_error; }

private:
    bool expect(const local::ApiResponse &response, int status)
    {
        if (response.status == status || (status == 201 && response.status == 200))
            return true;
        m_error = QStringLiteral("HTTP %1: %2").arg(response.status).arg(QString::fromUtf8(response.body));
        return false;
    }

    bool waitFor(const std::function<bool()> &done, std::chrono::milliseconds timeout, const char *what)
    {
        QDeadlineTimer deadline(timeout);
        while (!done()) {
            if (deadline.hasExpired()) {
                m_error = QStringLiteral("timed out waiting for the %1").arg(QLatin1String(what));
                return false;
            }
            QThread::msleep(50);
        }
        return true;
    }

    // The first rows of Bank Marketing's training file: enough for a real model in seconds.
    bool writeTrainingFile()
    {
        QFile in(sharedFile(QStringLiteral("data/bankmarketing_train.csv")));
        if (!in.open(QIODevice::ReadOnly)) {
            m_error = QStringLiteral("cannot read %1").arg(in.fileName());
            return false;
        }
        m_trainFile = m_dir.filePath(QStringLiteral("bank-part.csv"));
        QFile out(m_trainFile);
        if (!out.open(QIODevice::WriteOnly)) {
            m_error = QStringLiteral("cannot write %1").arg(m_trainFile);
            return false;
        }
        for (int line = 0; line <= kTrainingRows && !in.atEnd(); ++line)
            out.write(in.readLine());
        return true;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<local::LocalServer> m_server;
    QString m_sub;
    QString m_wsId;
    QString m_trainFile;
    QString m_error;
};

} // namespace cerulean::ui::test
