// Long-running operations driven by the azure-contract examples' 201/202 answers.
#include "core/azure/operation.h"
#include "tests/azure/test_support.h"

#include <gtest/gtest.h>

using namespace cerulean::azure;
using namespace cerulean::azure::test;
using namespace std::chrono;
using nlohmann::json;

namespace {

struct LroRig
{
    std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
    std::shared_ptr<RecordingScheduler> scheduler = std::make_shared<RecordingScheduler>(clock);
    std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
    std::shared_ptr<HttpPipeline> pipeline;

    LroRig()
    {
        PipelineOptions o;
        o.clock = clock;
        o.scheduler = scheduler;
        o.jitter = []() { return 1.0; };
        pipeline = std::make_shared<HttpPipeline>(transport, o);
    }

    std::vector<long long> waits() const
    {
        std::vector<long long> out;
        for (milliseconds wait : scheduler->waits)
            out.push_back(wait.count());
        return out;
    }

    std::vector<std::string> calls() const
    {
        std::vector<std::string> out;
        for (const HttpRequest &request : transport->requests)
            out.push_back(request.method.toStdString() + " " + request.url.toString().toStdString());
        return out;
    }
};

// The example's response for `status`, as an HttpResponse.
HttpResponse exampleResponse(const json &example, const char *status)
{
    const json &entry = example["responses"][status];
    HttpResponse response;
    response.status = std::stoi(status);
    if (entry.contains("body"))
        response.body = dumpJson(entry["body"]);
    if (entry.contains("headers")) {
        for (const auto &[name, value] : entry["headers"].items())
            response.headers.set(QByteArray::fromStdString(name), QByteArray::fromStdString(value.get<std::string>()));
    }
    return response;
}

struct ComputeName
{
    QString name;
};

Operation<ComputeName>::Parser computeParser()
{
    return [](const QByteArray &body) -> Result<ComputeName> {
        const json doc = json::parse(body.constBegin(), body.constEnd(), nullptr, false);
        if (!doc.is_object() || !doc.contains("name"))
            return AzureError::invalidResponse(QStringLiteral("no name"));
        return ComputeName{QString::fromStdString(doc["name"].get<std::string>())};
    };
}

const QString computeUrl = QStringLiteral(
    "https://management.azure.com/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/testrg123/"
    "providers/Microsoft.MachineLearningServices/workspaces/workspaces123/computes/compute123?api-version=2025-12-01");

} // namespace

TEST(Operation, Created201WithAzureAsyncOperationPollsThenGetsTheResource)
{
    LroRig rig;
    const json example = loadJson(mlExamples() + QStringLiteral("Compute/createOrUpdate/BasicAmlCompute.json"));
    ASSERT_TRUE(example.is_object());
    const QString statusUrl = QStringLiteral("https://management.azure.com/subscriptions/...pathToOperationStatus...");
    json finalBody = example["responses"]["201"]["body"];
    finalBody["properties"]["provisioningState"] = "Succeeded";
    int statusPolls = 0;
    rig.transport->handler = [&](const HttpRequest &request) {
        if (request.method == "PUT")
            return exampleResponse(example, "201");
        if (request.url.toString() == statusUrl) {
            ++statusPolls;
            return statusPolls == 1 ? jsonResponse(200, R"({"status":"InProgress"})", {{"Retry-After", "3"}})
                                    : jsonResponse(200, R"({"status":"Succeeded"})");
        }
        return jsonResponse(200, dumpJson(finalBody));
    };
    HttpRequest put;
    put.method = "PUT";
    put.url = QUrl(computeUrl);
    put.body = dumpJson(example["parameters"]["parameters"]);
    Operation<ComputeName> operation(rig.pipeline, put, computeParser());
    std::vector<OperationState> states;
    QObject::connect(&operation, &OperationBase::stateChanged, [&](OperationState state, const QString &) { states.push_back(state); });
    EXPECT_EQ(operation.state(), OperationState::NotStarted);
    operation.start();
    ASSERT_TRUE(waitUntil([&]() { return operation.isDone(); }));
    EXPECT_EQ(operation.state(), OperationState::Succeeded);
    ASSERT_TRUE(operation.value().has_value());
    EXPECT_EQ(operation.value()->name, QStringLiteral("compute123"));
    EXPECT_EQ(rig.calls(), (std::vector<std::string>{"PUT " + computeUrl.toStdString(), "GET " + statusUrl.toStdString(),
                                                     "GET " + statusUrl.toStdString(), "GET " + computeUrl.toStdString()}));
    // The first wait is the default poll interval (the 201 had no Retry-After: Azure's 30 s), then 3 s.
    EXPECT_EQ(rig.waits(), (std::vector<long long>{30'000, 3000}));
    EXPECT_EQ(states.front(), OperationState::Running);
    EXPECT_EQ(states.back(), OperationState::Succeeded);
}

TEST(Operation, Accepted202WithLocationAndRetryAfterPollsTheLocation)
{
    LroRig rig;
    const json example = loadJson(mlExamples() + QStringLiteral("Workspace/create.json"));
    ASSERT_TRUE(example.is_object());
    const QString workspaceUrl = QStringLiteral(
        "https://management.azure.com/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/workspace-1234/"
        "providers/Microsoft.MachineLearningServices/workspaces/testworkspace?api-version=2025-12-01");
    // The example's Location is relative ("example_location"): it resolves against the request.
    const QString locationUrl = QUrl(workspaceUrl).resolved(QUrl(QStringLiteral("example_location"))).toString();
    int locationPolls = 0;
    rig.transport->handler = [&](const HttpRequest &request) {
        if (request.method == "PUT") {
            HttpResponse accepted = exampleResponse(example, "202");
            accepted.headers.set("Retry-After", "7");
            return accepted;
        }
        if (request.url.toString() == locationUrl) {
            ++locationPolls;
            if (locationPolls < 3)
                return jsonResponse(202, "", {{"Retry-After", "11"}});
            return exampleResponse(example, "200");
        }
        // A PUT's result is the resource, read once the Location says done (Azure ML's Locations
        // may answer with the operation's status instead of the resource).
        if (request.method == "GET" && request.url.toString() == workspaceUrl)
            return exampleResponse(example, "200");
        return jsonResponse(500, "{}");
    };
    HttpRequest put;
    put.method = "PUT";
    put.url = QUrl(workspaceUrl);
    put.body = dumpJson(example["parameters"]["parameters"]);
    Operation<ComputeName> operation(rig.pipeline, put, computeParser());
    operation.start();
    ASSERT_TRUE(waitUntil([&]() { return operation.isDone(); }));
    EXPECT_EQ(operation.state(), OperationState::Succeeded) << operation.error().toString().toStdString();
    EXPECT_EQ(operation.value()->name, QStringLiteral("testworkspace"));
    EXPECT_EQ(rig.waits(), (std::vector<long long>{7000, 11000, 11000}));
    EXPECT_EQ(operation.pollCount(), 3);
    EXPECT_EQ(rig.calls().back(), "GET " + workspaceUrl.toStdString());
}

TEST(Operation, FailedStatusCarriesTheErrorDetails)
{
    LroRig rig;
    const json example = loadJson(mlExamples() + QStringLiteral("Compute/createOrUpdate/AmlCompute.json"));
    ASSERT_TRUE(example.is_object());
    rig.transport->handler = [&](const HttpRequest &request) {
        if (request.method == "PUT")
            return exampleResponse(example, "201");
        return jsonResponse(200, R"({"status":"Failed","error":{"code":"QuotaExceeded","message":"Not enough quota for STANDARD_NC6 in eastus.","details":[{"code":"DedicatedCoreQuota","message":"Requested 6 cores, 0 available.","target":"vmSize"}]}})");
    };
    HttpRequest put;
    put.method = "PUT";
    put.url = QUrl(computeUrl);
    Operation<ComputeName> operation(rig.pipeline, put, computeParser());
    operation.start();
    ASSERT_TRUE(waitUntil([&]() { return operation.isDone(); }));
    EXPECT_EQ(operation.state(), OperationState::Failed);
    EXPECT_EQ(operation.error().code, QStringLiteral("QuotaExceeded"));
    EXPECT_EQ(operation.error().message, QStringLiteral("Not enough quota for STANDARD_NC6 in eastus."));
    ASSERT_EQ(operation.error().details.size(), 1);
    EXPECT_EQ(operation.error().details[0].code, QStringLiteral("DedicatedCoreQuota"));
    EXPECT_EQ(operation.error().details[0].target, QStringLiteral("vmSize"));
    EXPECT_TRUE(operation.error().toString().contains(QStringLiteral("Requested 6 cores")));
    EXPECT_FALSE(operation.error().action.isEmpty());
    EXPECT_EQ(rig.transport->requests.size(), 2u); // no final GET after a failure
}

TEST(Operation, DeleteAcceptedPollsAsyncOperationAndEndsWithoutBody)
{
    LroRig rig;
    const json example = loadJson(mlExamples() + QStringLiteral("Compute/delete.json"));
    ASSERT_TRUE(example.is_object());
    const QString statusUrl = QStringLiteral("https://management.azure.com/subscriptions/...pathToOperationStatus...");
    const QString resultUrl = QStringLiteral("https://management.azure.com/subscriptions/...pathToOperationResult...");
    rig.transport->handler = [&](const HttpRequest &request) {
        if (request.method == "DELETE")
            return exampleResponse(example, "202");
        if (request.url.toString() == statusUrl)
            return jsonResponse(200, R"({"status":"Succeeded"})");
        if (request.url.toString() == resultUrl)
            return exampleResponse(example, "200");
        return jsonResponse(500, "{}");
    };
    HttpRequest del;
    del.method = "DELETE";
    del.url = QUrl(computeUrl + QStringLiteral("&underlyingResourceAction=Delete"));
    Operation<Empty> operation(rig.pipeline, del, [](const QByteArray &) -> Result<Empty> { return Empty{}; });
    operation.start();
    ASSERT_TRUE(waitUntil([&]() { return operation.isDone(); }));
    EXPECT_EQ(operation.state(), OperationState::Succeeded);
    // Azure-AsyncOperation is polled (preferred over Location); once it says Succeeded the
    // operation's result is read at the Location, as Azure's clients read it.
    ASSERT_EQ(rig.transport->requests.size(), 3u);
    EXPECT_EQ(rig.transport->requests[1].url.toString(), statusUrl);
    EXPECT_EQ(rig.transport->requests[2].url.toString(), resultUrl);
    EXPECT_EQ(operation.pollCount(), 1);
}

TEST(Operation, DeleteOfAMissingResourceIsDone)
{
    LroRig rig;
    rig.transport->handler = [](const HttpRequest &) {
        return jsonResponse(404, R"({"error":{"code":"ResourceNotFound","message":"gone"}})");
    };
    HttpRequest del;
    del.method = "DELETE";
    del.url = QUrl(computeUrl);
    Operation<Empty> operation(rig.pipeline, del, [](const QByteArray &) -> Result<Empty> { return Empty{}; });
    operation.start();
    ASSERT_TRUE(waitUntil([&]() { return operation.isDone(); }));
    EXPECT_EQ(operation.state(), OperationState::Succeeded);
}

TEST(Operation, ProvisioningStateIsPolledWhenNoHeaderIsGiven)
{
    LroRig rig;
    int gets = 0;
    rig.transport->handler = [&](const HttpRequest &request) {
        if (request.method == "PUT")
            return jsonResponse(201, R"({"name":"c","properties":{"provisioningState":"Creating"}})");
        ++gets;
        return jsonResponse(200, gets < 2 ? R"({"name":"c","properties":{"provisioningState":"Updating"}})"
                                          : R"({"name":"c","properties":{"provisioningState":"Succeeded"}})");
    };
    HttpRequest put;
    put.method = "PUT";
    put.url = QUrl(computeUrl);
    Operation<ComputeName> operation(rig.pipeline, put, computeParser(), OperationOptions{milliseconds(1500), true});
    operation.start();
    ASSERT_TRUE(waitUntil([&]() { return operation.isDone(); }));
    EXPECT_EQ(operation.state(), OperationState::Succeeded);
    EXPECT_EQ(rig.waits(), (std::vector<long long>{1500, 1500}));
}

TEST(Operation, CancelStopsPolling)
{
    LroRig rig;
    rig.transport->handler = [&](const HttpRequest &request) {
        if (request.method == "PUT")
            return jsonResponse(201, R"({"name":"c","properties":{"provisioningState":"Creating"}})",
                                {{"Azure-AsyncOperation", "https://management.azure.com/op"}});
        return jsonResponse(200, R"({"status":"InProgress"})");
    };
    HttpRequest put;
    put.method = "PUT";
    put.url = QUrl(computeUrl);
    Operation<ComputeName> operation(rig.pipeline, put, computeParser());
    operation.start();
    ASSERT_TRUE(waitUntil([&]() { return operation.pollCount() >= 2; }));
    operation.cancel();
    EXPECT_EQ(operation.state(), OperationState::Canceled);
    EXPECT_EQ(operation.error().kind, ErrorKind::Canceled);
    const size_t sent = rig.transport->requests.size();
    waitUntil([]() { return false; }, 50);
    EXPECT_LE(rig.transport->requests.size(), sent + 1); // at most the poll already in flight
    EXPECT_EQ(operation.state(), OperationState::Canceled);
}

TEST(Operation, ConflictOnTheInitialRequestIsExplained)
{
    LroRig rig;
    rig.transport->handler = [](const HttpRequest &) {
        return jsonResponse(409, R"({"error":{"code":"Conflict","message":"Operation 'PUT' on resource 'compute123' conflicts with an operation in progress."}})",
                            {{"x-ms-request-id", "rid-1"}});
    };
    HttpRequest put;
    put.method = "PUT";
    put.url = QUrl(computeUrl);
    Operation<ComputeName> operation(rig.pipeline, put, computeParser());
    operation.start();
    ASSERT_TRUE(waitUntil([&]() { return operation.isDone(); }));
    EXPECT_EQ(operation.state(), OperationState::Failed);
    EXPECT_EQ(operation.error().httpStatus, 409);
    EXPECT_EQ(operation.error().requestId, QStringLiteral("rid-1"));
    EXPECT_TRUE(operation.error().action.startsWith(QStringLiteral("Conflict: another operation")));
}
