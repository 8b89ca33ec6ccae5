// MachineLearningClient through the whole pipeline on a scripted transport: paging,
// throttling, LRO failure, 404 on delete, 409, service principal set-up, blob upload, MLflow.
#include "core/azure/ml_client.h"
#include "core/azure/pipeline_ops.h"
#include "tests/azure/test_support.h"

#include <QUrlQuery>
#include <QCryptographicHash>
#include <QMessageAuthenticationCode>
#include <QTimeZone>
#include <QUuid>

#include <gtest/gtest.h>

using namespace cerulean::azure;
using namespace cerulean::azure::test;
using namespace std::chrono;
using nlohmann::json;

namespace {

class StaticCredential final : public TokenCredential
{
public:
    void getToken(const TokenRequestContext &request, QObject *context, TokenCallback done) override
    {
        scopes << request.scopes;
        QTimer::singleShot(0, context, [done]() { done(AccessToken{QStringLiteral("t"), system_clock::now() + hours(1)}); });
    }
    QStringList scopes;
};

struct ClientRig
{
    std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
    std::shared_ptr<RecordingScheduler> scheduler = std::make_shared<RecordingScheduler>(clock);
    std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
    std::shared_ptr<StaticCredential> credential = std::make_shared<StaticCredential>();
    std::shared_ptr<AzureClient> client;
    std::unique_ptr<MachineLearningClient> ml;
    WorkspaceRef ws{QStringLiteral("sub"), QStringLiteral("rg"), QStringLiteral("ws")};

    ClientRig()
    {
        PipelineOptions o;
        o.clock = clock;
        o.scheduler = scheduler;
        o.jitter = []() { return 1.0; };
        client = std::make_shared<AzureClient>(Cloud::azure(), credential, transport, o);
        ml = std::make_unique<MachineLearningClient>(client, ws);
    }

    template <class T, class Call>
    Result<T> await(Call call)
    {
        std::optional<Result<T>> result;
        QObject context;
        call(&context, [&](Result<T> r) { result = std::move(r); });
        EXPECT_TRUE(waitUntil([&]() { return result.has_value(); }));
        return result.value_or(Result<T>(AzureError::canceled()));
    }

    std::vector<long long> waits() const
    {
        std::vector<long long> out;
        for (milliseconds wait : scheduler->waits)
            out.push_back(wait.count());
        return out;
    }
};

QByteArray jobJson(const QString &name)
{
    return dumpJson(json{{"id", "/x/jobs/" + name.toStdString()},
                         {"name", name.toStdString()},
                         {"properties", {{"jobType", "AutoML"}, {"status", "Running"}}}});
}

} // namespace

TEST(Client, ListFollowsNextLinkAcrossThreePages)
{
    ClientRig rig;
    rig.transport->handler = [](const HttpRequest &request) {
        const QString skip = QUrlQuery(request.url).queryItemValue(QStringLiteral("$skipToken"));
        const QString next = QStringLiteral("https://management.azure.com/subscriptions/sub/resourceGroups/rg/providers/"
                                            "Microsoft.MachineLearningServices/workspaces/ws/jobs?api-version=2025-12-01&$skipToken=");
        if (skip.isEmpty())
            return jsonResponse(200, "{\"value\":[" + jobJson(QStringLiteral("a")) + "," + jobJson(QStringLiteral("b")) +
                                         "],\"nextLink\":\"" + (next + QStringLiteral("p2")).toUtf8() + "\"}");
        if (skip == QLatin1String("p2"))
            return jsonResponse(200, "{\"value\":[" + jobJson(QStringLiteral("c")) + "],\"nextLink\":\"" +
                                         (next + QStringLiteral("p3")).toUtf8() + "\"}");
        return jsonResponse(200, "{\"value\":[" + jobJson(QStringLiteral("d")) + "]}");
    };
    const auto jobs = rig.await<QList<Job>>([&](QObject *c, auto done) { rig.ml->listJobs(c, done); });
    ASSERT_TRUE(jobs.ok()) << jobs.error().toString().toStdString();
    QStringList names;
    for (const Job &job : jobs.value())
        names << job.name;
    EXPECT_EQ(names, (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d")}));
    EXPECT_EQ(rig.transport->requests.size(), 3u);
    EXPECT_EQ(rig.credential->scopes.first(), Cloud::armScope());
}

TEST(Client, ThrottledGetIsRetriedAfterTheAskedWait)
{
    ClientRig rig;
    int calls = 0;
    rig.transport->handler = [&](const HttpRequest &) {
        if (++calls == 1)
            return jsonResponse(429, R"({"error":{"code":"TooManyRequests","message":"throttled"}})",
                                {{"Retry-After", "17"}});
        return jsonResponse(200, R"({"name":"cpu","properties":{"computeType":"AmlCompute","provisioningState":"Succeeded","properties":{"vmSize":"STANDARD_DS3_V2","scaleSettings":{"minNodeCount":0,"maxNodeCount":4,"nodeIdleTimeBeforeScaleDown":"PT120S"}}}})");
    };
    const auto compute = rig.await<Compute>([&](QObject *c, auto done) { rig.ml->getCompute(QStringLiteral("cpu"), c, done); });
    ASSERT_TRUE(compute.ok());
    EXPECT_EQ(compute->maxNodeCount, 4);
    EXPECT_EQ(rig.waits(), (std::vector<long long>{17000}));
}

TEST(Client, LongRunningCreateThatFailsCarriesDetails)
{
    ClientRig rig;
    rig.transport->handler = [](const HttpRequest &request) {
        if (request.method == "PUT")
            return jsonResponse(201, R"({"name":"ep","properties":{"provisioningState":"Creating"}})",
                                {{"Azure-AsyncOperation", "https://management.azure.com/ops/1"}, {"Retry-After", "2"}});
        return jsonResponse(200, R"({"status":"Failed","error":{"code":"BadArgument","message":"Instance type is not supported.","details":[{"code":"InvalidInstanceType","message":"Standard_XYZ is not offered in eastus."}]}})");
    };
    OnlineEndpointSpec spec;
    spec.name = QStringLiteral("ep");
    spec.location = QStringLiteral("eastus");
    std::unique_ptr<Operation<OnlineEndpoint>> operation(rig.ml->createOnlineEndpoint(spec, nullptr));
    ASSERT_TRUE(waitUntil([&]() { return operation->isDone(); }));
    EXPECT_EQ(operation->state(), OperationState::Failed);
    EXPECT_EQ(operation->error().code, QStringLiteral("BadArgument"));
    ASSERT_EQ(operation->error().details.size(), 1);
    EXPECT_EQ(operation->error().details[0].code, QStringLiteral("InvalidInstanceType"));
    EXPECT_EQ(rig.waits(), (std::vector<long long>{2000}));
}

TEST(Client, DeleteOfAMissingDeploymentIsDoneAndConflictIsExplained)
{
    ClientRig rig;
    rig.transport->handler = [](const HttpRequest &request) {
        if (request.method == "DELETE")
            return jsonResponse(404, R"({"error":{"code":"ResourceNotFound","message":"not found"}})");
        return jsonResponse(409, R"({"error":{"code":"Conflict","message":"The endpoint is being updated."}})");
    };
    std::unique_ptr<Operation<Empty>> deletion(rig.ml->deleteOnlineDeployment(QStringLiteral("ep"), QStringLiteral("blue"), nullptr));
    ASSERT_TRUE(waitUntil([&]() { return deletion->isDone(); }));
    EXPECT_EQ(deletion->state(), OperationState::Succeeded);

    const auto model = rig.await<Model>([&](QObject *c, auto done) {
        rig.ml->createModelVersion(ModelSpec{QStringLiteral("m"), QStringLiteral("1"), QStringLiteral("mlflow_model"),
                                             QStringLiteral("azureml://jobs/j/outputs/best_model"), {}, {}, {}},
                                   c, done);
    });
    ASSERT_FALSE(model.ok());
    EXPECT_EQ(model.error().httpStatus, 409);
    EXPECT_TRUE(model.error().toString().contains(QStringLiteral("Wait for that operation to finish")));
}

TEST(Client, ServicePrincipalSetUpIsIdempotentAndTheSecretGoesToTheKeychainOnly)
{
    // Uses the real keychain: see the keychain label in CMakeLists.
    ClientRig rig;
    bool appExists = false;
    int appsCreated = 0, principalsCreated = 0;
    rig.transport->handler = [&](const HttpRequest &request) {
        const QString path = request.url.path();
        if (path == QLatin1String("/v1.0/applications") && request.method == "GET") {
            EXPECT_EQ(QUrlQuery(request.url).queryItemValue(QStringLiteral("$filter")), QStringLiteral("displayName eq 'cerulean-sp'"));
            return jsonResponse(200, appExists ? R"({"value":[{"id":"obj-1","appId":"app-1","displayName":"cerulean-sp"}]})"
                                               : R"({"value":[]})");
        }
        if (path == QLatin1String("/v1.0/applications") && request.method == "POST") {
            ++appsCreated;
            appExists = true;
            return jsonResponse(201, R"({"id":"obj-1","appId":"app-1","displayName":"cerulean-sp"})");
        }
        if (path == QLatin1String("/v1.0/servicePrincipals") && request.method == "GET")
            return jsonResponse(200, principalsCreated ? R"({"value":[{"id":"sp-1","appId":"app-1"}]})" : R"({"value":[]})");
        if (path == QLatin1String("/v1.0/servicePrincipals")) {
            ++principalsCreated;
            return jsonResponse(201, R"({"id":"sp-1","appId":"app-1","displayName":"cerulean-sp"})");
        }
        if (path == QLatin1String("/v1.0/applications/obj-1/addPassword"))
            return jsonResponse(200, R"({"keyId":"k-1","displayName":"cerulean","hint":"abc","secretText":"abc-very-secret","endDateTime":"2028-01-01T00:00:00Z"})");
        return jsonResponse(404, "{}");
    };
    const SecretStore store(QStringLiteral("cerulean-test"));
    const QString tenant = QUuid::createUuid().toString(QUuid::WithoutBraces);
    for (int run = 0; run < 2; ++run) {
        const auto result = rig.await<ServicePrincipalResult>([&](QObject *c, auto done) {
            setUpServicePrincipal(rig.client, QStringLiteral("cerulean-sp"), tenant, store, c, done);
        });
        ASSERT_TRUE(result.ok()) << result.error().toString().toStdString();
        EXPECT_EQ(result->application.appId, QStringLiteral("app-1"));
        EXPECT_EQ(result->servicePrincipal.id, QStringLiteral("sp-1"));
        EXPECT_EQ(result->password.keyId, QStringLiteral("k-1"));
        EXPECT_EQ(result->reusedApplication, run == 1);
        const auto secret = rig.await<QString>([&](QObject *c, auto done) { store.read(result->secretKey, c, done); });
        ASSERT_TRUE(secret.ok()) << secret.error().toString().toStdString();
        EXPECT_EQ(secret.value(), QStringLiteral("abc-very-secret"));
        rig.await<Empty>([&](QObject *c, auto done) { store.remove(result->secretKey, c, done); });
    }
    EXPECT_EQ(appsCreated, 1);
    EXPECT_EQ(principalsCreated, 1);
    EXPECT_TRUE(rig.credential->scopes.contains(Cloud::graphScope()));
}

TEST(Client, BlobUploadUsesPutBlobOrBlocksAndSignsWithSharedKey)
{
    ClientRig rig;
    rig.transport->handler = [](const HttpRequest &) { return jsonResponse(201, ""); };
    const QUrl url = Cloud::azure().blobUrl(QStringLiteral("acct"), QStringLiteral("azureml-blobstore"), QStringLiteral("data/bank.csv"));
    BlobUploadOptions small;
    small.blockSize = 16;
    auto done = rig.await<Empty>([&](QObject *c, auto d) { uploadBlob(rig.client, url, "a,b\n1,2\n", small, c, d); });
    ASSERT_TRUE(done.ok());
    ASSERT_EQ(rig.transport->requests.size(), 1u);
    EXPECT_EQ(rig.transport->requests[0].headers.value("x-ms-blob-type"), "BlockBlob");
    EXPECT_EQ(rig.transport->requests[0].headers.value("Authorization"), "Bearer t");
    EXPECT_TRUE(rig.credential->scopes.contains(Cloud::storageScope()));

    rig.transport->requests.clear();
    BlobUploadOptions blocks = small;
    blocks.accountName = QStringLiteral("acct");
    blocks.accountKeyBase64 = QByteArray("not-a-real-key-0123456789").toBase64();
    const QByteArray content(40, 'x'); // 16 + 16 + 8
    done = rig.await<Empty>([&](QObject *c, auto d) { uploadBlob(rig.client, url, content, blocks, c, d); });
    ASSERT_TRUE(done.ok());
    ASSERT_EQ(rig.transport->requests.size(), 4u);
    QByteArray assembled;
    for (int i = 0; i < 3; ++i) {
        const HttpRequest &put = rig.transport->requests[size_t(i)];
        EXPECT_EQ(QUrlQuery(put.url).queryItemValue(QStringLiteral("comp")), QStringLiteral("block"));
        EXPECT_TRUE(put.headers.value("Authorization").startsWith("SharedKey acct:"));
        assembled += put.body;
    }
    EXPECT_EQ(assembled, content);
    const HttpRequest &list = rig.transport->requests[3];
    EXPECT_EQ(QUrlQuery(list.url).queryItemValue(QStringLiteral("comp")), QStringLiteral("blocklist"));
    EXPECT_EQ(list.body.count("<Latest>"), 3);
    QByteArray firstBlock("<Latest>");
    firstBlock.append(QByteArray("block-000000").toBase64());
    firstBlock.append("</Latest>");
    EXPECT_TRUE(list.body.contains(firstBlock));
}

TEST(Client, SharedKeySignatureMatchesTheDocumentedAlgorithm)
{
    // String-to-sign computed by hand for a fixed request (Azure Storage Shared Key, 2009-09-19+).
    HttpRequest request = requests::putBlob(QUrl(QStringLiteral("https://acct.blob.core.windows.net/c/b.csv")), "abc", "text/csv");
    const QByteArray key = QByteArray("0123456789abcdef").toBase64();
    requests::signSharedKey(request, QStringLiteral("acct"), key,
                            QDateTime(QDate(2026, 1, 1), QTime(0, 0), QTimeZone::utc()));
    const QByteArray stringToSign = "PUT\n\n\n3\n\ntext/csv\n\n\n\n\n\n\n"
                                    "x-ms-blob-type:BlockBlob\nx-ms-date:Thu, 01 Jan 2026 00:00:00 GMT\nx-ms-version:2023-11-03\n"
                                    "/acct/c/b.csv";
    const QByteArray expected = QMessageAuthenticationCode::hash(stringToSign, QByteArray("0123456789abcdef"),
                                                                 QCryptographicHash::Sha256).toBase64();
    EXPECT_EQ(request.headers.value("Authorization"), "SharedKey acct:" + expected);
}

TEST(Client, MlflowChildRunsPageByTokenAndMetricHistory)
{
    ClientRig rig;
    const QUrl tracking = Cloud::azure().mlflowTrackingBase(rig.ws.armId(), QStringLiteral("eastus"), {});
    rig.transport->handler = [&](const HttpRequest &request) {
        if (request.url.path().endsWith(QLatin1String("/runs/search"))) {
            const json body = json::parse(request.body.toStdString());
            EXPECT_EQ(body["filter"], "tags.mlflow.parentRunId = 'parent-1'");
            if (!body.contains("page_token"))
                return jsonResponse(200, R"({"runs":[{"info":{"run_id":"c1","status":"FINISHED"},"data":{"metrics":[{"key":"AUC_weighted","value":0.91}],"tags":[{"key":"mlflow.parentRunId","value":"parent-1"}]}}],"next_page_token":"t2"})");
            return jsonResponse(200, R"({"runs":[{"info":{"run_id":"c2","status":"FAILED"},"data":{}}]})");
        }
        if (request.url.path().endsWith(QLatin1String("/metrics/get-history")))
            return jsonResponse(200, R"({"metrics":[{"key":"accuracy","value":0.8,"timestamp":1,"step":0},{"key":"accuracy","value":0.85,"timestamp":2,"step":1}]})");
        return jsonResponse(404, "{}");
    };
    const auto runs = rig.await<QList<MlflowRun>>([&](QObject *c, auto done) {
        rig.ml->childRuns(tracking, QStringLiteral("exp"), QStringLiteral("parent-1"), c, done);
    });
    ASSERT_TRUE(runs.ok());
    ASSERT_EQ(runs->size(), 2);
    EXPECT_EQ(runs->at(0).metrics.value(QStringLiteral("AUC_weighted")), 0.91);
    EXPECT_EQ(runs->at(0).parentRunId, QStringLiteral("parent-1"));
    EXPECT_EQ(runs->at(1).status, QStringLiteral("FAILED"));
    EXPECT_EQ(rig.transport->requests[0].url.toString(),
              QStringLiteral("https://eastus.api.azureml.ms/mlflow/v1.0") + rig.ws.armId() + QStringLiteral("/api/2.0/mlflow/runs/search"));
    const auto history = rig.await<QList<MlflowMetric>>([&](QObject *c, auto done) {
        rig.ml->metricHistory(tracking, QStringLiteral("c1"), QStringLiteral("accuracy"), c, done);
    });
    ASSERT_TRUE(history.ok());
    ASSERT_EQ(history->size(), 2);
    EXPECT_EQ(history->at(1).step, 1);
}

// Each call asks the credential for the scope of the service it reaches, as Azure's clients do:
// the local service checks the audience exactly as Azure would.
TEST(Client, AsksEachServiceForItsOwnAudience)
{
    ClientRig rig;
    rig.transport->handler = [](const HttpRequest &request) {
        if (request.url.path().endsWith(QLatin1String("/token")))
            return jsonResponse(200, R"({"accessToken":"ep-token","tokenType":"Bearer","expiryTimeUtc":4102444800,"refreshAfterTimeUtc":4102441200})");
        return jsonResponse(200, R"({"name":"batchjob-1","properties":{"jobType":"Pipeline","status":"NotStarted"}})");
    };
    const QUrl scoring(QStringLiteral("https://bank.westeurope.inference.ml.azure.com/jobs"));
    auto job = rig.await<Job>([&](QObject *c, auto done) { rig.ml->invokeBatchEndpoint(scoring, QStringLiteral("azureml:d:1"), false, {}, c, done); });
    ASSERT_TRUE(job.ok()) << job.error().toString().toStdString();
    EXPECT_EQ(rig.credential->scopes, QStringList{Cloud::machineLearningScope()}) << "batch invocation takes ML tokens only";

    // PipelineOperations on a pipeline of another audience derives the ML one from its credential.
    rig.credential->scopes.clear();
    const PipelineOperations ops(rig.client->arm(), rig.client->cloud(), rig.ws);
    job = rig.await<Job>([&](QObject *c, auto done) { ops.invokeBatchEndpoint(scoring, QStringLiteral("azureml:d:1"), {}, c, done); });
    ASSERT_TRUE(job.ok()) << job.error().toString().toStdString();
    EXPECT_EQ(rig.credential->scopes, QStringList{Cloud::machineLearningScope()});

    // Scoring a token endpoint: its own token from ARM (AMLToken), an ML token (AADToken); Key
    // endpoints take keys.
    rig.credential->scopes.clear();
    auto token = rig.await<AccessToken>([&](QObject *c, auto done) { rig.ml->scoringToken(QStringLiteral("ep"), QStringLiteral("AMLToken"), c, done); });
    ASSERT_TRUE(token.ok()) << token.error().toString().toStdString();
    EXPECT_EQ(token->token, QStringLiteral("ep-token"));
    EXPECT_EQ(token->expiresOn, system_clock::time_point(seconds(4102444800)));
    EXPECT_TRUE(rig.transport->requests.back().url.path().endsWith(QLatin1String("/onlineEndpoints/ep/token")));
    EXPECT_EQ(rig.credential->scopes, QStringList{Cloud::armScope()});
    rig.credential->scopes.clear();
    token = rig.await<AccessToken>([&](QObject *c, auto done) { rig.ml->scoringToken(QStringLiteral("ep"), QStringLiteral("AADToken"), c, done); });
    ASSERT_TRUE(token.ok());
    EXPECT_EQ(rig.credential->scopes, QStringList{Cloud::machineLearningScope()});
    token = rig.await<AccessToken>([&](QObject *c, auto done) { rig.ml->scoringToken(QStringLiteral("ep"), QStringLiteral("Key"), c, done); });
    EXPECT_FALSE(token.ok());
}
