// The seed's flow end to end against the service on a loopback socket, with the real AutoML
// engine and a real scoring server: workspace, upload, compute, AutoML job with a 1-minute
// exit criterion, child runs and metrics, the best run's confusion matrix, model, endpoint
// and deployment with Application Insights, two scored rows, container logs, request
// telemetry, endpoint deletion. Requests are plain HTTP built from the contract's shapes.

#include "local_test_util.h"

#include "core/local/local_server.h"

#include <QFile>
#include <QUrl>
#include <QUrlQuery>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <thread>

using namespace cerulean::local;
using namespace cerulean::local::test;
using namespace std::chrono_literals;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

struct Reply
{
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;
    Json json() const { return Json::parse(body, nullptr, false); }
};

// One blocking HTTP/1.1 request to 127.0.0.1:port.
Reply send(const QUrl &url, http::verb method, const std::string &body = {},
           const std::vector<std::pair<std::string, std::string>> &headers = {})
{
    boost::asio::io_context io;
    boost::asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.connect(resolver.resolve(url.host().toStdString(), std::to_string(url.port())));
    const QString target = url.path(QUrl::FullyEncoded) + (url.hasQuery() ? QLatin1Char('?') + url.query(QUrl::FullyEncoded) : QString());
    http::request<http::string_body> req{method, target.toStdString(), 11};
    req.set(http::field::host, QStringLiteral("%1:%2").arg(url.host()).arg(url.port()).toStdString());
    for (const auto &[name, value] : headers)
        req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    http::read(stream, buffer, parser);
    Reply r;
    r.status = static_cast<int>(parser.get().result_int());
    r.body = parser.get().body();
    for (const auto &field : parser.get())
        r.headers[QString::fromStdString(std::string(field.name_string())).toLower().toStdString()] = std::string(field.value());
    beast::error_code ec;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    return r;
}

class EndToEnd : public ::testing::Test
{
protected:
    void SetUp() override
    {
        LocalServerOptions options;
        options.service.root = m_dir.path();
        m_server = std::make_unique<LocalServer>(options);
        QString error;
        ASSERT_TRUE(m_server->start(&error)) << error.toStdString();
        m_base = m_server->baseUrl();
    }

    QUrl url(const QString &path, const QString &apiVersion = QStringLiteral("2025-12-01")) const
    {
        QUrl u = m_base;
        const qsizetype q = path.indexOf(QLatin1Char('?'));
        u.setPath(q < 0 ? path : path.left(q));
        QUrlQuery query(q < 0 ? QString() : path.mid(q + 1));
        if (!apiVersion.isEmpty())
            query.addQueryItem(QStringLiteral("api-version"), apiVersion);
        u.setQuery(query);
        return u;
    }

    Reply arm(http::verb method, const QString &path, const Json &body = Json(), const QString &apiVersion = QStringLiteral("2025-12-01"))
    {
        std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + m_token},
                                                                 {"Content-Type", "application/json"}};
        return send(url(path, apiVersion), method, body.is_null() ? std::string() : body.dump(), headers);
    }

    // Polls an Azure-AsyncOperation URL until it leaves InProgress.
    std::string waitOperation(const Reply &started)
    {
        const auto it = started.headers.find("azure-asyncoperation");
        if (it == started.headers.end())
            return "no Azure-AsyncOperation header";
        const QUrl status(QString::fromStdString(it->second));
        for (int i = 0; i < 600; ++i) {
            const Reply r = send(status, http::verb::get, {}, {{"Authorization", "Bearer " + m_token}});
            const std::string s = r.json().value("status", std::string("?"));
            if (s != "InProgress")
                return s == "Failed" ? "Failed: " + r.body : s;
            std::this_thread::sleep_for(100ms);
        }
        return "timed out";
    }

    QTemporaryDir m_dir;
    std::unique_ptr<LocalServer> m_server;
    QUrl m_base;
    std::string m_token;
};

Json rowsFromCsv(const QString &path, int count)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Json::array();
    const QStringList header = QString::fromUtf8(f.readLine()).trimmed().split(QLatin1Char(','));
    Json rows = Json::array();
    while (!f.atEnd() && static_cast<int>(rows.size()) < count) {
        const QStringList cells = QString::fromUtf8(f.readLine()).trimmed().split(QLatin1Char(','));
        Json row = Json::object();
        for (int i = 0; i < header.size() && i < cells.size(); ++i) {
            if (header[i] == QLatin1String("y"))
                continue;
            bool numeric = false;
            const double v = cells[i].toDouble(&numeric);
            row[header[i].toStdString()] = numeric ? Json(v) : Json(cells[i].toStdString());
        }
        rows.push_back(row);
    }
    return rows;
}

} // namespace

TEST_F(EndToEnd, SeedFlowFromWorkspaceToTelemetry)
{
    const auto started = std::chrono::steady_clock::now();
    const LocalPrincipal sp = m_server->service().builtInPrincipal();

    // Sign in with the built-in service principal (client credentials).
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("client_credentials"));
    form.addQueryItem(QStringLiteral("client_id"), sp.clientId);
    form.addQueryItem(QStringLiteral("client_secret"), QString::fromLatin1(QUrl::toPercentEncoding(sp.clientSecret)));
    form.addQueryItem(QStringLiteral("scope"), QStringLiteral("https%3A%2F%2Fmanagement.azure.com%2F.default"));
    Reply r = send(url(QLatin1Char('/') + sp.tenantId + QStringLiteral("/oauth2/v2.0/token"), QString()), http::verb::post,
                   form.toString(QUrl::FullyEncoded).toStdString(), {{"Content-Type", "application/x-www-form-urlencoded"}});
    ASSERT_EQ(r.status, 200) << r.body;
    m_token = r.json()["access_token"].get<std::string>();
    EXPECT_EQ(arm(http::verb::get, QStringLiteral("/subscriptions")).status, 200);
    EXPECT_EQ(send(url(QStringLiteral("/subscriptions")), http::verb::get).status, 401);

    // Workspace.
    const QString sub = QStringLiteral("/subscriptions/") + m_server->service().subscriptionId();
    const QString rg = sub + QStringLiteral("/resourceGroups/udacity");
    const QString ws = rg + QStringLiteral("/providers/Microsoft.MachineLearningServices/workspaces/quick-starts-ws");
    ASSERT_EQ(arm(http::verb::put, rg, Json{{"location", "local"}}, QStringLiteral("2025-04-01")).status, 201);
    r = arm(http::verb::put, ws, Json{{"location", "local"}, {"properties", {{"friendlyName", "Quick starts"}}}});
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(waitOperation(r), "Succeeded");
    const Json workspace = arm(http::verb::get, ws).json();

    // Upload bankmarketing_train.csv to the default datastore in blocks, register it.
    const Json datastore = arm(http::verb::get, ws + QStringLiteral("/datastores/workspaceblobstore")).json()["properties"];
    QFile csv(sharedDir() + QStringLiteral("/data/bankmarketing_train.csv"));
    ASSERT_TRUE(csv.open(QIODevice::ReadOnly));
    const QByteArray content = csv.readAll();
    const QString blobPath = QStringLiteral("/blob/%1/%2/UI/bankmarketing_train.csv")
                                 .arg(QString::fromStdString(datastore["accountName"]), QString::fromStdString(datastore["containerName"]));
    QString blockList = QStringLiteral("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
    constexpr qsizetype kBlock = 1 << 20;
    for (qsizetype offset = 0, n = 0; offset < content.size(); offset += kBlock, ++n) {
        const QString id = QString::fromLatin1(QByteArray::number(n).rightJustified(6, '0').toBase64());
        r = send(url(blobPath + QStringLiteral("?comp=block&blockid=") + QString::fromLatin1(QUrl::toPercentEncoding(id)), QString()),
                 http::verb::put, content.mid(offset, kBlock).toStdString(), {{"Authorization", "Bearer " + m_token}});
        ASSERT_EQ(r.status, 201) << r.body;
        blockList += QStringLiteral("<Latest>%1</Latest>").arg(id);
    }
    blockList += QStringLiteral("</BlockList>");
    r = send(url(blobPath + QStringLiteral("?comp=blocklist"), QString()), http::verb::put, blockList.toStdString(),
             {{"Authorization", "Bearer " + m_token}});
    ASSERT_EQ(r.status, 201) << r.body;
    r = arm(http::verb::put, ws + QStringLiteral("/data/bankmarketing/versions/1"),
            Json{{"properties", {{"dataType", "uri_file"}, {"dataUri", "azureml://datastores/workspaceblobstore/paths/UI/bankmarketing_train.csv"}}}});
    ASSERT_EQ(r.status, 201) << r.body;

    // A 2-node compute cluster.
    r = arm(http::verb::put, ws + QStringLiteral("/computes/automl-cluster"),
            Json{{"location", "local"},
                 {"properties", {{"computeType", "AmlCompute"},
                                 {"properties", {{"vmSize", "STANDARD_DS12_V2"},
                                                 {"scaleSettings", {{"minNodeCount", 0}, {"maxNodeCount", 2}, {"nodeIdleTimeBeforeScaleDown", "PT120S"}}}}}}}});
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(waitOperation(r), "Succeeded");

    // AutoML classification with a 1-minute exit criterion.
    r = arm(http::verb::put, ws + QStringLiteral("/jobs/bank-automl"),
            Json{{"properties",
                  {{"jobType", "AutoML"},
                   {"experimentName", "udacity-project"},
                   {"computeId", QString(ws + QStringLiteral("/computes/automl-cluster")).toStdString()},
                   {"taskDetails",
                    {{"taskType", "Classification"},
                     {"primaryMetric", "AUCWeighted"},
                     {"targetColumnName", "y"},
                     {"trainingData", {{"jobInputType", "uri_file"}, {"uri", "azureml:bankmarketing:1"}}},
                     {"limitSettings", {{"timeout", "PT1M"}, {"maxTrials", 6}, {"maxConcurrentTrials", 2}}},
                     {"trainingSettings", {{"enableModelExplainability", true}}}}}}}});
    ASSERT_EQ(r.status, 201) << r.body;
    std::string jobStatus;
    for (int i = 0; i < 1500 && jobStatus != "Completed" && jobStatus != "Failed" && jobStatus != "Canceled"; ++i) {
        std::this_thread::sleep_for(100ms);
        jobStatus = arm(http::verb::get, ws + QStringLiteral("/jobs/bank-automl")).json()["properties"].value("status", std::string());
    }
    ASSERT_EQ(jobStatus, "Completed") << arm(http::verb::get, ws + QStringLiteral("/jobs/bank-automl")).body;

    // Child runs and metrics through MLflow, then the best run's confusion matrix.
    const QUrl tracking(QString::fromStdString(workspace["properties"]["mlFlowTrackingUri"]));
    const QString mlflow = tracking.path() + QStringLiteral("/api/2.0/mlflow/");
    r = arm(http::verb::get, mlflow + QStringLiteral("experiments/get-by-name?experiment_name=udacity-project"), Json(), QString());
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string experimentId = r.json()["experiment"]["experiment_id"];
    r = arm(http::verb::post, mlflow + QStringLiteral("runs/search"),
            Json{{"experiment_ids", {experimentId}}, {"filter", "tags.mlflow.parentRunId = 'bank-automl'"}}, QString());
    ASSERT_EQ(r.status, 200) << r.body;
    const Json children = r.json()["runs"];
    ASSERT_GE(children.size(), 1u);
    bool hasAuc = false;
    for (const auto &m : children[0]["data"]["metrics"])
        hasAuc = hasAuc || m["key"] == "AUC_weighted";
    EXPECT_TRUE(hasAuc) << children[0].dump();
    r = arm(http::verb::get, mlflow + QStringLiteral("runs/get?run_id=bank-automl"), Json(), QString());
    std::string best;
    const Json parentRun = r.json();
    for (const auto &t : parentRun["run"]["data"]["tags"])
        if (t["key"] == "automl_best_child_run_id")
            best = t["value"].get<std::string>();
    ASSERT_FALSE(best.empty()) << r.body;
    r = arm(http::verb::get, mlflow + QStringLiteral("metrics/get-history?run_id=%1&metric_key=AUC_weighted").arg(QString::fromStdString(best)), Json(), QString());
    ASSERT_EQ(r.json()["metrics"].size(), 1u) << r.body;
    EXPECT_GT(r.json()["metrics"][0]["value"].get<double>(), 0.85);
    r = arm(http::verb::get, mlflow + QStringLiteral("get-artifact?run_id=%1&path=confusion_matrix").arg(QString::fromStdString(best)), Json(), QString());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["schema_type"], "confusion_matrix");
    EXPECT_EQ(r.json()["data"]["class_labels"].size(), 2u);

    // Register the best model, create an endpoint and a deployment with Application Insights.
    r = arm(http::verb::put, ws + QStringLiteral("/models/bank-best/versions/1"),
            Json{{"properties", {{"modelType", "mlflow_model"}, {"modelUri", "azureml://jobs/bank-automl/outputs/best_model"}}}});
    ASSERT_EQ(r.status, 201) << r.body;
    r = arm(http::verb::put, ws + QStringLiteral("/onlineEndpoints/bank-endpoint"), Json{{"location", "local"}, {"properties", {{"authMode", "Key"}}}});
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(waitOperation(r), "Succeeded");
    r = arm(http::verb::put, ws + QStringLiteral("/onlineEndpoints/bank-endpoint/deployments/blue"),
            Json{{"location", "local"},
                 {"sku", {{"name", "Default"}, {"capacity", 1}}},
                 {"properties", {{"model", QString(ws + QStringLiteral("/models/bank-best/versions/1")).toStdString()},
                                 {"instanceType", "Standard_DS3_v2"},
                                 {"appInsightsEnabled", true}}}});
    ASSERT_EQ(r.status, 201) << r.body;
    ASSERT_EQ(waitOperation(r), "Succeeded");
    r = arm(http::verb::put, ws + QStringLiteral("/onlineEndpoints/bank-endpoint"),
            Json{{"location", "local"}, {"properties", {{"authMode", "Key"}, {"traffic", {{"blue", 100}}}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    const Json endpoint = arm(http::verb::get, ws + QStringLiteral("/onlineEndpoints/bank-endpoint")).json();
    const QUrl scoring(QString::fromStdString(endpoint["properties"]["scoringUri"]));
    ASSERT_TRUE(scoring.isValid() && scoring.port() > 0) << endpoint.dump();
    const std::string key = arm(http::verb::post, ws + QStringLiteral("/onlineEndpoints/bank-endpoint/listKeys")).json()["primaryKey"];

    // Score two rows.
    const Json rows = rowsFromCsv(sharedDir() + QStringLiteral("/data/bankmarketing_test.csv"), 2);
    r = send(scoring, http::verb::post, Json{{"data", rows}}.dump(), {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}});
    ASSERT_EQ(r.status, 200) << r.body;
    Json scored = r.json();
    if (scored.is_string())
        scored = Json::parse(scored.get<std::string>(), nullptr, false);
    const Json result = scored.contains("result") ? scored["result"] : scored.value("Results", Json());
    EXPECT_EQ(result.size(), 2u) << r.body;
    EXPECT_EQ(send(scoring, http::verb::post, Json{{"data", rows}}.dump(), {{"Authorization", "Bearer wrong"}}).status, 401);

    // Container logs, and the request telemetry through the query API.
    r = arm(http::verb::post, ws + QStringLiteral("/onlineEndpoints/bank-endpoint/deployments/blue/getLogs"),
            Json{{"containerType", "InferenceServer"}, {"tail", 50}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.json()["content"].get<std::string>().find("Listening"), std::string::npos) << r.body;
    const Json component = arm(http::verb::get, QString::fromStdString(workspace["properties"]["applicationInsights"]), Json(),
                               QStringLiteral("2020-02-02"))
                               .json();
    const QString appId = QString::fromStdString(component["properties"]["AppId"]);
    qint64 scoredRequests = 0;
    for (int i = 0; i < 100 && scoredRequests < 1; ++i) {
        r = send(url(QStringLiteral("/appinsights/v1/apps/%1/query").arg(appId), QString()), http::verb::post,
                 Json{{"query", "requests | where timestamp > ago(10m) and resultCode == '200' | summarize count(), "
                                "avg(duration), percentile(duration, 95) by bin(timestamp, 1m)"},
                      {"timespan", "PT1H"}}
                     .dump(),
                 {{"Authorization", "Bearer " + m_token}, {"Content-Type", "application/json"}});
        ASSERT_EQ(r.status, 200) << r.body;
        scoredRequests = 0;
        const Json tables = r.json();
        for (const auto &row : tables["tables"][0]["rows"])
            scoredRequests += row[1].get<qint64>();
        if (scoredRequests < 1)
            std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(scoredRequests, 1); // the 2-row request; the one with a wrong key was a 401

    // Delete the endpoint: long-running, then gone.
    r = arm(http::verb::delete_, ws + QStringLiteral("/onlineEndpoints/bank-endpoint"));
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(waitOperation(r), "Succeeded");
    EXPECT_EQ(arm(http::verb::get, ws + QStringLiteral("/onlineEndpoints/bank-endpoint")).status, 404);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 180s);
}
