#pragma once

// What the libFuzzer targets over the local workspace share: a service opened once per
// process on a temporary root (workers off: nothing trains, deploys or runs a step), with a
// token, a resource group and a workspace whose children the inputs address.

#include "core/local/service.h"

#include <QByteArray>
#include <QFile>
#include <QString>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

namespace cerulean::fuzz {

using local::ApiRequest;
using local::ApiResponse;
using local::Json;

inline std::string_view bytes(const std::uint8_t *data, std::size_t size)
{
    return {reinterpret_cast<const char *>(data), size};
}

inline QByteArray qbytes(std::string_view text)
{
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

// Stops the fuzzer with a message: a broken promise of the code under test, which libFuzzer
// reports as a crash with the input that caused it.
[[noreturn]] inline void violated(const char *what, const QByteArray &detail = {})
{
    std::fprintf(stderr, "fuzz: %s\n%.*s\n", what, static_cast<int>(std::min<qsizetype>(detail.size(), 2000)),
                 detail.constData());
    std::abort();
}

// With CERULEAN_FUZZ_VERBOSE=1 the targets print what the service answered (to check that a
// seed reaches what it was written for).
inline void trace(const char *what, int status, const QByteArray &body)
{
    static const bool verbose = qEnvironmentVariableIntValue("CERULEAN_FUZZ_VERBOSE") != 0;
    if (verbose)
        std::fprintf(stderr, "%s -> %d %.*s\n", what, status, static_cast<int>(std::min<qsizetype>(body.size(), 240)),
                     body.constData());
}

// A 5xx from a route is the service's own failure, never the caller's: a body the typed
// readers did not expect ends as a 400 that names the field, not as an internal error.
inline void expectClientError(const ApiResponse &r, const char *what)
{
    trace(what, r.status, r.body);
    if (r.status < 100 || r.status > 599 || r.status >= 500)
        violated(what, QByteArray::number(r.status) + ' ' + r.body);
}

// The local workspace service on a temporary root, with the resources that nested routes need:
// a service of its own (workers off: nothing trains, deploys or runs a step), or the one a
// server runs (fuzz_http).
class LocalWorkspace final
{
public:
    LocalWorkspace()
    {
        local::ServiceOptions options;
        options.root = m_dir.path();
        options.startWorkers = false;
        // The service's own token (internalRequest) is made once, outside the targets'
        // rolled-back transactions, and must outlive a run.
        options.tokenLifetime = std::chrono::hours(24);
        m_owned = std::make_unique<local::LocalService>(options);
        QString error;
        if (!m_owned->open(&error))
            violated("the local service did not open", error.toUtf8());
        m_service = m_owned.get();
        populate();
    }
    explicit LocalWorkspace(local::LocalService &running) : m_service(&running) { populate(); }

    local::LocalService &service() { return *m_service; }

    ApiResponse call(const QByteArray &method, const QString &target, const QByteArray &body,
                     const QByteArray &apiVersion = "2025-12-01")
    {
        QString full = target;
        if (!apiVersion.isEmpty())
            full += (target.contains(QLatin1Char('?')) ? QLatin1Char('&') : QLatin1Char('?')) + QStringLiteral("api-version=") +
                    QString::fromLatin1(apiVersion);
        return m_service->handle(local::makeRequest(method, full, body, {{"Authorization", "Bearer " + token.toLatin1()}}));
    }

    QString token;
    QString subscription; // /subscriptions/{id}
    QString group;        // …/resourceGroups/rg
    QString workspace;    // …/workspaces/ws1, with compute cpu, data d:1, model m:1, online endpoint ep1
                          // (deployment blue), batch endpoint bep1 (deployment bdep1) and pipeline job pipe
    QString trigger;      // pipe's REST trigger: POST {"ExperimentName", "ParameterAssignments"}
    QString pipelineEndpointId;
    QString storageAccount; // the default datastore's account and container (blob routes)
    QString blobContainer;
    QString appInsightsAppId;

private:
    // The set-up requests must succeed: an input can only be judged against a known state.
    void put(const QString &path, const Json &body)
    {
        const ApiResponse r = call("PUT", path, QByteArray::fromStdString(body.dump()));
        if (r.status != 200 && r.status != 201)
            violated("a set-up request failed", path.toUtf8() + ": " + QByteArray::number(r.status) + ' ' + r.body);
    }

    void populate()
    {
        if (!m_dir.isValid())
            violated("no temporary directory");
        token = m_service->issueToken();
        subscription = QStringLiteral("/subscriptions/") + m_service->subscriptionId();
        group = subscription + QStringLiteral("/resourceGroups/rg");
        workspace = group + QStringLiteral("/providers/Microsoft.MachineLearningServices/workspaces/ws1");
        const QString dataFile = m_dir.path() + QStringLiteral("/train.csv");
        QFile csv(dataFile);
        if (!csv.open(QIODevice::WriteOnly) || csv.write("age,job,y\n30,admin.,no\n61,retired,yes\n") < 0)
            violated("cannot write the training file");
        csv.close();

        put(group, Json{{"location", "local"}});
        put(workspace, Json{{"location", "local"}});
        put(workspace + QStringLiteral("/computes/cpu"),
            Json{{"properties", {{"computeType", "AmlCompute"}, {"properties", {{"scaleSettings", {{"maxNodeCount", 1}}}}}}}});
        put(workspace + QStringLiteral("/data/d/versions/1"),
            Json{{"properties", {{"dataType", "uri_file"}, {"dataUri", dataFile.toStdString()}}}});
        put(workspace + QStringLiteral("/models/m/versions/1"),
            Json{{"properties", {{"modelUri", m_dir.path().toStdString()}, {"modelType", "custom_model"}}}});
        put(workspace + QStringLiteral("/onlineEndpoints/ep1"), Json{{"location", "local"}, {"properties", {{"authMode", "Key"}}}});
        put(workspace + QStringLiteral("/onlineEndpoints/ep1/deployments/blue"),
            Json{{"properties", {{"model", "azureml:m:1"}}}, {"sku", {{"capacity", 1}}}});
        put(workspace + QStringLiteral("/batchEndpoints/bep1"), Json{{"location", "local"}, {"properties", Json::object()}});
        put(workspace + QStringLiteral("/batchEndpoints/bep1/deployments/bdep1"),
            Json{{"properties", {{"model", "azureml:m:1"}, {"compute", "cpu"}}}});
        // A pipeline job with one command step bound to a literal input, published.
        put(workspace + QStringLiteral("/jobs/pipe"),
            Json{{"properties",
                  {{"jobType", "Pipeline"},
                   {"inputs", {{"msg", {{"jobInputType", "literal"}, {"value", "hi"}}}}},
                   {"jobs",
                    {{"echo",
                      {{"type", "command"}, {"command", "echo ${{inputs.msg}}"}, {"inputs", {{"msg", "${{parent.inputs.msg}}"}}}}}}}}}});
        const ApiResponse published =
            call("POST", QStringLiteral("/pipelines/v1.0") + workspace + QStringLiteral("/PipelineEndpoints"),
                 R"({"Name":"pub","PipelineJobName":"pipe"})", {});
        if (published.status != 201)
            violated("publishing the pipeline failed", published.body);
        pipelineEndpointId = QString::fromStdString(published.json().value("Id", std::string()));
        trigger = QStringLiteral("/pipelines/v1.0") + workspace + QStringLiteral("/PipelineRuns/PipelineEndpointSubmit/Id/") +
                  pipelineEndpointId;
        const auto datastore = m_service->store().resource(workspace + QStringLiteral("/datastores/workspaceblobstore"));
        if (!datastore)
            violated("the workspace has no datastore");
        storageAccount = QString::fromStdString(datastore->doc["properties"].value("accountName", std::string()));
        blobContainer = QString::fromStdString(datastore->doc["properties"].value("containerName", std::string()));
        appInsightsAppId = m_service->appInsightsAppId(workspace);
        // Made now, committed: a token the service made inside a rolled-back input would be
        // remembered by the service but gone from the store.
        if (m_service->internalRequest("GET", subscription).status != 200)
            violated("the service's own request failed");
    }

    QTemporaryDir m_dir; // the data file and model folder (and the root of a service of its own)
    std::unique_ptr<local::LocalService> m_owned;
    local::LocalService *m_service = nullptr;
};

} // namespace cerulean::fuzz
