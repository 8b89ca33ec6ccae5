// Real Azure ML traffic replayed to core/azure: every exchange of every scenario in
// ../shared/azure-recordings (recorded by Azure PowerShell's tests against live Azure) is
// answered, in order, to the client operation that makes that request. Each step checks what
// the client sent (ReplayTransport), that the body Azure sent parses into our types with every
// field the UI and the CLI show, and that long-running work ends where the recorded client's
// did, with the same polls, at Azure's pace (no Retry-After anywhere: 30 s), on a fake clock.
// Exchanges the client has no operation for are listed (kNoClientOperation) with the reason.
#include "core/azure/ml_client.h"
#include "core/azure/pipeline_ops.h"
#include "tests/azure/replay.h"
#include "tests/azure/test_support.h"

#include <QRegularExpression>
#include <QUrlQuery>

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>

using namespace cerulean::azure;
using namespace cerulean::azure::test;
using namespace std::chrono;
using nlohmann::json;

namespace {

constexpr milliseconds kAzurePollInterval{30'000};

class ReplayCredential final : public TokenCredential
{
public:
    void getToken(const TokenRequestContext &, QObject *context, TokenCallback done) override
    {
        QTimer::singleShot(0, context, [done]() { done(AccessToken{QStringLiteral("t"), system_clock::now() + hours(1)}); });
    }
};

// One client operation's share of a scenario: the request that starts it and, for
// long-running work, the status polls and the final read that follow.
struct Step
{
    QString key; // "PUT compute", "GET onlineEndpoint/deployment", …
    std::vector<RecordedExchange> exchanges;

    const RecordedExchange &first() const { return exchanges.front(); }
    int statusPolls() const
    {
        return int(std::count_if(exchanges.begin(), exchanges.end(), [](const RecordedExchange &e) { return e.isStatusPoll(); }));
    }
    // The requests made to the URL that is polled (Azure-AsyncOperation, else Location), each
    // after a wait; a DELETE's read of its Location once the status says Succeeded is not one.
    int pollsOfThePollUrl() const
    {
        QByteArray header = first().header("Azure-AsyncOperation");
        if (header.isEmpty())
            header = first().header("Location");
        const QUrl pollUrl(QString::fromLatin1(header));
        QMap<QString, QString> pollQuery;
        for (const auto &[name, value] : QUrlQuery(pollUrl).queryItems(QUrl::FullyDecoded))
            pollQuery.insert(name, value);
        return int(std::count_if(exchanges.begin() + 1, exchanges.end(), [&](const RecordedExchange &e) {
            return e.path == pollUrl.path(QUrl::FullyDecoded) && e.query == pollQuery;
        }));
    }
    bool isLongRunning() const
    {
        const RecordedExchange &e = first();
        return (e.status == 201 || e.status == 202)
            && (!e.header("Azure-AsyncOperation").isEmpty() || (e.status == 202 && !e.header("Location").isEmpty()));
    }
    // The resource as the recorded client last read it: the final GET of an LRO, else the answer.
    const json &resourceBody() const
    {
        for (auto it = exchanges.rbegin(); it != exchanges.rend(); ++it)
            if (!it->isStatusPoll() && it->responseBody.is_object())
                return it->responseBody;
        return first().responseBody;
    }
    // The last segments of the path: name(0) is the resource's own name, name(2) its parent's.
    QString name(int fromEnd = 0) const
    {
        const QStringList segments = first().path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
        return segments.value(segments.size() - 1 - fromEnd);
    }
};

QString singular(const QString &collection)
{
    return collection.endsWith(QLatin1Char('s')) ? collection.chopped(1) : collection;
}

// "PUT compute", "GET computes", "POST onlineEndpoint/listKeys", "GET workspaces@subscription".
QString keyOf(const RecordedExchange &e)
{
    static const QRegularExpression scoped(QStringLiteral(
        "^/subscriptions/[^/]+(?:/resourceGroups/[^/]+)?/providers/Microsoft\\.MachineLearningServices/(.*)$"));
    const auto match = scoped.match(e.path);
    const QString method = QString::fromLatin1(e.method) + QLatin1Char(' ');
    if (!match.hasMatch())
        return method + QStringLiteral("unknown");
    const QStringList segments = match.captured(1).split(QLatin1Char('/'), Qt::SkipEmptyParts);
    if (segments.size() == 1 && segments[0] == QLatin1String("workspaces"))
        return method + (e.path.contains(QLatin1String("/resourceGroups/")) ? QStringLiteral("workspaces@resourceGroup")
                                                                               : QStringLiteral("workspaces@subscription"));
    QStringList parts;
    for (qsizetype i = 0; i < segments.size(); i += 2) {
        if (i + 1 < segments.size())
            parts << singular(segments[i]);
        else
            parts << segments[i]; // a collection or an action
    }
    // A workspace's own resources are named without it ("PUT compute", not "PUT
    // workspace/compute"); its actions (POSTs, as every ARM action) keep it: "POST workspace/listKeys".
    const bool workspaceAction = e.method == "POST" && segments.size() == 3;
    if (parts.size() > 1 && parts.front() == QLatin1String("workspace") && !workspaceAction)
        parts.removeFirst();
    // Creating a compute instance is another operation than creating the clusters the client makes.
    if (e.requestBody.is_object() && parts == QStringList{QStringLiteral("compute")}) {
        const QString type = QString::fromStdString(e.requestBody.value("properties", json::object()).value("computeType", ""));
        if (!type.isEmpty() && type != QLatin1String("AmlCompute"))
            parts.last() += QLatin1Char('@') + type;
    }
    return method + parts.join(QLatin1Char('/'));
}

std::vector<Step> stepsOf(const Scenario &scenario, QStringList *orphans)
{
    std::vector<Step> steps;
    const auto &all = scenario.exchanges;
    for (size_t i = 0; i < all.size();) {
        if (all[i].isStatusPoll()) {
            *orphans << all[i].where();
            ++i;
            continue;
        }
        Step step{keyOf(all[i]), {all[i]}};
        ++i;
        if (step.isLongRunning()) {
            while (i < all.size() && all[i].isStatusPoll())
                step.exchanges.push_back(all[i++]);
            const bool readsBack = step.first().method == "PUT" || step.first().method == "PATCH";
            if (readsBack && i < all.size() && all[i].method == "GET" && all[i].path == step.first().path)
                step.exchanges.push_back(all[i++]);
        }
        steps.push_back(std::move(step));
    }
    return steps;
}

WorkspaceRef workspaceOf(const RecordedExchange &e)
{
    static const QRegularExpression ws(QStringLiteral(
        "^/subscriptions/([^/]+)(?:/resourceGroups/([^/]+)/providers/Microsoft\\.MachineLearningServices/workspaces/([^/]+))?"));
    const auto match = ws.match(e.path);
    return {match.captured(1), match.captured(2), match.captured(3)};
}

struct Rig
{
    std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
    std::shared_ptr<RecordingScheduler> scheduler = std::make_shared<RecordingScheduler>(clock);
    std::shared_ptr<ReplayTransport> transport;
    std::shared_ptr<AzureClient> client;
    WorkspaceRef ws;
    std::unique_ptr<MachineLearningClient> ml;
    QObject context;

    Rig(const Step &step, ReplayRules rules)
        : transport(std::make_shared<ReplayTransport>(step.exchanges, std::move(rules), QString::fromLatin1(kMlApiVersion))),
          ws(workspaceOf(step.first()))
    {
        PipelineOptions o;
        o.clock = clock;
        o.scheduler = scheduler;
        o.jitter = []() { return 1.0; };
        client = std::make_shared<AzureClient>(Cloud::azure(), std::make_shared<ReplayCredential>(), transport, o);
        ml = std::make_unique<MachineLearningClient>(client, ws); // Azure's default pace
    }

    template <class T, class Call>
    Result<T> await(Call call)
    {
        std::optional<Result<T>> result;
        call(&context, [&](Result<T> r) { result = std::move(r); });
        EXPECT_TRUE(waitUntil([&]() { return result.has_value(); })) << "no answer";
        return result.value_or(Result<T>(AzureError::canceled()));
    }

    template <class T>
    std::optional<T> finish(Operation<T> *operation)
    {
        if (operation->state() == OperationState::NotStarted)
            operation->start();
        EXPECT_TRUE(waitUntil([&]() { return operation->isDone(); })) << "the operation did not end";
        EXPECT_EQ(operation->state(), OperationState::Succeeded) << operation->error().toString().toStdString();
        return operation->value();
    }

    std::vector<long long> waits() const
    {
        std::vector<long long> out;
        for (milliseconds wait : scheduler->waits)
            out.push_back(wait.count());
        return out;
    }
};

// --- what a parsed value must keep of the body Azure sent -------------------------------------
const json *field(const json &doc, const char *pointer)
{
    const json::json_pointer p(pointer);
    return doc.contains(p) ? &doc.at(p) : nullptr;
}

// Our string equals Azure's; absent or null in Azure's body means empty in ours (nothing invented).
void expectText(const QString &ours, const json &doc, const char *pointer)
{
    const json *value = field(doc, pointer);
    if (value && value->is_string())
        EXPECT_EQ(ours.toStdString(), value->get<std::string>()) << pointer;
    else
        EXPECT_TRUE(ours.isEmpty()) << pointer << " is " << (value ? value->dump() : "absent") << ", ours '"
                                    << ours.toStdString() << "'";
}

void expectInt(long long ours, const json &doc, const char *pointer, long long whenAbsent = 0)
{
    const json *value = field(doc, pointer);
    EXPECT_EQ(ours, value && value->is_number() ? value->get<long long>() : whenAbsent) << pointer;
}

void expectBool(bool ours, const json &doc, const char *pointer)
{
    const json *value = field(doc, pointer);
    EXPECT_EQ(ours, value && value->is_boolean() && value->get<bool>()) << pointer;
}

// The asset's own name from a version's id (…/models/{name}/versions/{version}).
std::string assetNameOf(const json &doc)
{
    const std::string id = doc.value("id", std::string());
    const auto versions = id.rfind("/versions/");
    const std::string head = id.substr(0, versions);
    return head.substr(head.rfind('/') + 1);
}

void check(const Workspace &w, const json &doc)
{
    expectText(w.id, doc, "/id");
    expectText(w.name, doc, "/name");
    expectText(w.location, doc, "/location");
    expectText(w.friendlyName, doc, "/properties/friendlyName");
    expectText(w.description, doc, "/properties/description");
    expectText(w.provisioningState, doc, "/properties/provisioningState");
    expectText(w.storageAccount, doc, "/properties/storageAccount");
    expectText(w.keyVault, doc, "/properties/keyVault");
    expectText(w.applicationInsights, doc, "/properties/applicationInsights");
    expectText(w.containerRegistry, doc, "/properties/containerRegistry");
    expectText(w.mlFlowTrackingUri, doc, "/properties/mlFlowTrackingUri");
    expectText(w.discoveryUrl, doc, "/properties/discoveryUrl");
    expectText(w.workspaceId, doc, "/properties/workspaceId");
}

void check(const WorkspaceKeys &k, const json &doc)
{
    expectText(k.userStorageArmId, doc, "/userStorageArmId");
    expectText(k.userStorageKey, doc, "/userStorageKey");
    expectText(k.appInsightsInstrumentationKey, doc, "/appInsightsInstrumentationKey");
    expectText(k.containerRegistryUser, doc, "/containerRegistryCredentials/username");
}

void check(const Compute &c, const json &doc)
{
    expectText(c.id, doc, "/id");
    expectText(c.name, doc, "/name");
    expectText(c.location, doc, "/location");
    expectText(c.computeType, doc, "/properties/computeType");
    expectText(c.provisioningState, doc, "/properties/provisioningState");
    expectText(c.description, doc, "/properties/description");
    expectText(c.vmSize, doc, "/properties/properties/vmSize");
    expectText(c.vmPriority, doc, "/properties/properties/vmPriority");
    expectText(c.allocationState, doc, "/properties/properties/allocationState");
    expectText(c.idleTimeBeforeScaleDown, doc, "/properties/properties/scaleSettings/nodeIdleTimeBeforeScaleDown");
    expectInt(c.minNodeCount, doc, "/properties/properties/scaleSettings/minNodeCount");
    expectInt(c.maxNodeCount, doc, "/properties/properties/scaleSettings/maxNodeCount");
    expectInt(c.currentNodeCount, doc, "/properties/properties/currentNodeCount");
    expectInt(c.targetNodeCount, doc, "/properties/properties/targetNodeCount");
    const json *errors = field(doc, "/properties/properties/errors");
    EXPECT_EQ(c.errors.size(), errors && errors->is_array() ? qsizetype(errors->size()) : 0);
}

void check(const DataContainer &d, const json &doc)
{
    expectText(d.id, doc, "/id");
    expectText(d.name, doc, "/name");
    expectText(d.dataType, doc, "/properties/dataType");
    expectText(d.description, doc, "/properties/description");
    expectText(d.latestVersion, doc, "/properties/latestVersion");
}

void check(const DataVersion &d, const json &doc)
{
    expectText(d.id, doc, "/id");
    // Azure names a version resource by its version ("1"): the asset's name is in its id.
    EXPECT_EQ(d.name.toStdString(), assetNameOf(doc));
    EXPECT_EQ(d.version.toStdString(), doc.value("name", std::string()));
    expectText(d.dataType, doc, "/properties/dataType");
    expectText(d.dataUri, doc, "/properties/dataUri");
    expectText(d.description, doc, "/properties/description");
    expectBool(d.isAnonymous, doc, "/properties/isAnonymous");
}

void check(const Datastore &d, const json &doc)
{
    expectText(d.id, doc, "/id");
    expectText(d.name, doc, "/name");
    expectText(d.datastoreType, doc, "/properties/datastoreType");
    expectText(d.accountName, doc, "/properties/accountName");
    expectText(d.containerName, doc, "/properties/containerName");
    expectText(d.endpoint, doc, "/properties/endpoint");
    expectText(d.protocol, doc, "/properties/protocol");
    expectText(d.description, doc, "/properties/description");
    expectBool(d.isDefault, doc, "/properties/isDefault");
}

void check(const Model &m, const json &doc)
{
    expectText(m.id, doc, "/id");
    EXPECT_EQ(m.name.toStdString(), assetNameOf(doc));
    EXPECT_EQ(m.version.toStdString(), doc.value("name", std::string()));
    expectText(m.modelType, doc, "/properties/modelType");
    expectText(m.modelUri, doc, "/properties/modelUri");
    expectText(m.description, doc, "/properties/description");
    expectText(m.jobName, doc, "/properties/jobName");
    const json *properties = field(doc, "/properties/properties");
    EXPECT_EQ(m.properties.size(), properties && properties->is_object() ? qsizetype(properties->size()) : 0);
}

void check(const Job &j, const json &doc)
{
    expectText(j.id, doc, "/id");
    expectText(j.name, doc, "/name");
    expectText(j.jobType, doc, "/properties/jobType");
    expectText(j.status, doc, "/properties/status");
    expectText(j.displayName, doc, "/properties/displayName");
    expectText(j.experimentName, doc, "/properties/experimentName");
    expectText(j.description, doc, "/properties/description");
    expectText(j.computeId, doc, "/properties/computeId");
    expectText(j.serviceEndpoints.value(QStringLiteral("Studio")), doc, "/properties/services/Studio/endpoint");
    expectText(j.serviceEndpoints.value(QStringLiteral("Tracking")), doc, "/properties/services/Tracking/endpoint");
    expectText(j.outputs.value(QStringLiteral("default")), doc, "/properties/outputs/default/uri");
    const json *properties = field(doc, "/properties/properties");
    ASSERT_EQ(j.properties.size(), properties && properties->is_object() ? qsizetype(properties->size()) : 0);
    if (properties && properties->is_object()) {
        for (const auto &[key, value] : properties->items())
            EXPECT_EQ(j.properties.value(QString::fromStdString(key)).toStdString(), value.get<std::string>()) << key;
    }
}

void check(const OnlineEndpoint &e, const json &doc)
{
    expectText(e.id, doc, "/id");
    expectText(e.name, doc, "/name");
    expectText(e.location, doc, "/location");
    expectText(e.authMode, doc, "/properties/authMode");
    expectText(e.provisioningState, doc, "/properties/provisioningState");
    expectText(e.description, doc, "/properties/description");
    expectText(e.scoringUri.toString(), doc, "/properties/scoringUri");
    expectText(e.swaggerUri.toString(), doc, "/properties/swaggerUri");
    const json *traffic = field(doc, "/properties/traffic");
    ASSERT_EQ(e.traffic.size(), traffic && traffic->is_object() ? qsizetype(traffic->size()) : 0);
}

void check(const OnlineDeployment &d, const json &doc)
{
    expectText(d.id, doc, "/id");
    expectText(d.name, doc, "/name");
    expectText(d.location, doc, "/location");
    expectText(d.model, doc, "/properties/model");
    expectText(d.instanceType, doc, "/properties/instanceType");
    expectText(d.provisioningState, doc, "/properties/provisioningState");
    expectText(d.endpointComputeType, doc, "/properties/endpointComputeType");
    expectText(d.description, doc, "/properties/description");
    expectInt(d.instanceCount, doc, "/sku/capacity");
    expectBool(d.appInsightsEnabled, doc, "/properties/appInsightsEnabled");
}

void check(const BatchEndpoint &b, const json &doc)
{
    expectText(b.id, doc, "/id");
    expectText(b.name, doc, "/name");
    expectText(b.location, doc, "/location");
    expectText(b.authMode, doc, "/properties/authMode");
    expectText(b.provisioningState, doc, "/properties/provisioningState");
    expectText(b.description, doc, "/properties/description");
    expectText(b.defaultDeployment, doc, "/properties/defaults/deploymentName");
    expectText(b.scoringUri.toString(), doc, "/properties/scoringUri");
    expectText(b.swaggerUri.toString(), doc, "/properties/swaggerUri");
}

void check(const BatchDeployment &b, const json &doc)
{
    expectText(b.id, doc, "/id");
    expectText(b.name, doc, "/name");
    expectText(b.location, doc, "/location");
    expectText(b.compute, doc, "/properties/compute");
    expectText(b.model, doc, "/properties/model/assetId");
    expectText(b.provisioningState, doc, "/properties/provisioningState");
    expectText(b.outputAction, doc, "/properties/outputAction");
    expectText(b.outputFileName, doc, "/properties/outputFileName");
    expectText(b.loggingLevel, doc, "/properties/loggingLevel");
    expectInt(b.errorThreshold, doc, "/properties/errorThreshold", -1);
    expectInt(b.miniBatchSize, doc, "/properties/miniBatchSize");
    expectInt(b.maxConcurrencyPerInstance, doc, "/properties/maxConcurrencyPerInstance");
    expectInt(b.instanceCount, doc, "/properties/resources/instanceCount");
    expectInt(b.maxRetries, doc, "/properties/retrySettings/maxRetries");
}

void check(const EndpointToken &t, const json &doc)
{
    expectText(t.accessToken, doc, "/accessToken");
    expectText(t.tokenType, doc, "/tokenType");
    expectInt(t.expiryTimeUtc, doc, "/expiryTimeUtc");
    expectInt(t.refreshAfterTimeUtc, doc, "/refreshAfterTimeUtc");
}

template <class T>
void checkList(const QList<T> &items, const json &doc)
{
    const json *value = field(doc, "/value");
    ASSERT_TRUE(value && value->is_array());
    ASSERT_EQ(items.size(), qsizetype(value->size()));
    for (qsizetype i = 0; i < items.size(); ++i)
        check(items[i], (*value)[size_t(i)]);
}

QString str(const json &doc, const char *pointer)
{
    const json *value = field(doc, pointer);
    return value && value->is_string() ? QString::fromStdString(value->get<std::string>()) : QString();
}

int integer(const json &doc, const char *pointer, int absent)
{
    const json *value = field(doc, pointer);
    return value && value->is_number() ? value->get<int>() : absent;
}

// --- the client operation for each kind of exchange --------------------------------------------
struct Driver
{
    ReplayRules rules;
    std::function<void(Rig &, const Step &)> run;
    // False: the client has no operation for it; the LRO family is still replayed through
    // Operation<T> on the recorded request, to show the poller ends where Azure's clients did.
    bool clientOperation = true;
};

// The recorded request, sent with the client's api-version (for exchanges no builder makes).
HttpRequest recordedRequest(const Step &step)
{
    const RecordedExchange &e = step.first();
    QUrl url = e.url();
    QUrlQuery query(url);
    query.removeAllQueryItems(QStringLiteral("api-version"));
    query.addQueryItem(QStringLiteral("api-version"), QString::fromLatin1(kMlApiVersion));
    url.setQuery(query);
    const json *body = e.requestBody.is_null() ? nullptr : &e.requestBody;
    return requests::jsonRequest(e.method.constData(), url, body);
}

const std::map<QString, Driver> &drivers()
{
    static const std::map<QString, Driver> table = {
        // Workspaces
        {QStringLiteral("PUT workspace"),
         {{{}, {QStringLiteral("/tags"), QStringLiteral("/kind"), QStringLiteral("/properties/hubResourceId")}},
          [](Rig &rig, const Step &step) {
              const json &body = step.first().requestBody;
              WorkspaceSpec spec;
              spec.name = step.name();
              spec.location = str(body, "/location");
              spec.friendlyName = str(body, "/properties/friendlyName");
              spec.description = str(body, "/properties/description");
              spec.storageAccount = str(body, "/properties/storageAccount");
              spec.keyVault = str(body, "/properties/keyVault");
              spec.applicationInsights = str(body, "/properties/applicationInsights");
              spec.containerRegistry = str(body, "/properties/containerRegistry");
              const auto value = rig.finish(rig.ml->createWorkspace(spec, &rig.context));
              ASSERT_TRUE(value);
              check(*value, step.resourceBody());
          }}},
        {QStringLiteral("PATCH workspace"),
         {{},
          [](Rig &rig, const Step &step) {
              const auto value = rig.finish(new Operation<Workspace>(rig.client->arm(), recordedRequest(step), &parseWorkspace,
                                                                     OperationOptions::forCloud(rig.client->cloud()), &rig.context));
              ASSERT_TRUE(value);
              check(*value, step.resourceBody());
          },
          false}},
        {QStringLiteral("GET workspace"),
         {{}, [](Rig &rig, const Step &step) {
              auto got = rig.await<Workspace>([&](QObject *c, auto done) { rig.ml->getWorkspace(c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              check(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("GET workspaces@subscription"),
         {{}, [](Rig &rig, const Step &step) {
              auto got = rig.await<QList<Workspace>>([&](QObject *c, auto done) { rig.ml->listWorkspaces({}, c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              checkList(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("GET workspaces@resourceGroup"),
         {{}, [](Rig &rig, const Step &step) {
              const QString group = step.first().path.section(QLatin1Char('/'), 4, 4);
              auto got = rig.await<QList<Workspace>>([&](QObject *c, auto done) { rig.ml->listWorkspaces(group, c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              checkList(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("POST workspace/listKeys"),
         {{}, [](Rig &rig, const Step &step) {
              auto got = rig.await<WorkspaceKeys>([&](QObject *c, auto done) { rig.ml->listWorkspaceKeys(c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              check(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("POST workspace/diagnose"),
         {{},
          [](Rig &rig, const Step &step) {
              // POST → 202 with only Location (?type=location) → the Location answers the result.
              const auto value = rig.finish(new Operation<QByteArray>(
                  rig.client->arm(), recordedRequest(step), [](const QByteArray &body) -> Result<QByteArray> { return body; },
                  OperationOptions::forCloud(rig.client->cloud()), &rig.context));
              ASSERT_TRUE(value);
              EXPECT_EQ(json::parse(value->toStdString()), step.exchanges.back().responseBody);
          },
          false}},
        // Computes
        {QStringLiteral("PUT compute"),
         {{{}, {QStringLiteral("/properties/properties/osType"), QStringLiteral("/properties/properties/remoteLoginPortPublicAccess"),
                QStringLiteral("/properties/properties/enableNodePublicIp")}},
          [](Rig &rig, const Step &step) {
              const json &body = step.first().requestBody;
              ComputeSpec spec;
              spec.name = step.name();
              spec.location = str(body, "/location");
              spec.description = str(body, "/properties/description");
              spec.vmSize = str(body, "/properties/properties/vmSize");
              if (const QString priority = str(body, "/properties/properties/vmPriority"); !priority.isEmpty())
                  spec.vmPriority = priority;
              spec.minNodeCount = integer(body, "/properties/properties/scaleSettings/minNodeCount", 0);
              spec.maxNodeCount = integer(body, "/properties/properties/scaleSettings/maxNodeCount", 0);
              const auto value = rig.finish(rig.ml->createCompute(spec, &rig.context));
              ASSERT_TRUE(value);
              check(*value, step.resourceBody());
          }}},
        {QStringLiteral("GET compute"),
         {{}, [](Rig &rig, const Step &step) {
              auto got = rig.await<Compute>([&](QObject *c, auto done) { rig.ml->getCompute(step.name(), c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              check(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("GET computes"),
         {{}, [](Rig &rig, const Step &step) {
              auto got = rig.await<QList<Compute>>([&](QObject *c, auto done) { rig.ml->listComputes(c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              checkList(got.value(), step.resourceBody());
          }}},
        // Data
        {QStringLiteral("PUT data"),
         {{}, [](Rig &rig, const Step &step) {
              const json &body = step.first().requestBody;
              const HttpRequest request = requests::createDataContainer(rig.client->cloud(), rig.ws, step.name(),
                                                                        str(body, "/properties/dataType"),
                                                                        str(body, "/properties/description"));
              auto got = rig.await<DataContainer>(
                  [&](QObject *c, auto done) { sendTyped<DataContainer>(*rig.client->arm(), request, &parseDataContainer, c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              check(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("PUT data/version"),
         {{}, [](Rig &rig, const Step &step) {
              const json &body = step.first().requestBody;
              DataVersionSpec spec;
              spec.name = step.name(2);
              spec.version = step.name();
              spec.dataType = str(body, "/properties/dataType");
              spec.dataUri = str(body, "/properties/dataUri");
              spec.description = str(body, "/properties/description");
              auto got = rig.await<DataVersion>([&](QObject *c, auto done) { rig.ml->createDataVersion(spec, c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              check(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("GET data/version"),
         {{}, [](Rig &rig, const Step &step) {
              auto got = rig.await<DataVersion>(
                  [&](QObject *c, auto done) { rig.ml->getDataVersion(step.name(2), step.name(), c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              check(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("GET datastore"),
         {{}, [](Rig &rig, const Step &step) {
              auto got = rig.await<Datastore>([&](QObject *c, auto done) { rig.ml->getDatastore(step.name(), c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              check(got.value(), step.resourceBody());
          }}},
        // Models
        {QStringLiteral("PUT model/version"),
         {{}, [](Rig &rig, const Step &step) {
              const json &body = step.first().requestBody;
              ModelSpec spec;
              spec.name = step.name(2);
              spec.version = step.name();
              spec.modelType = str(body, "/properties/modelType");
              spec.modelUri = str(body, "/properties/modelUri");
              spec.description = str(body, "/properties/description");
              spec.jobName = str(body, "/properties/jobName");
              auto got = rig.await<Model>([&](QObject *c, auto done) { rig.ml->createModelVersion(spec, c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              check(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("GET model/versions"),
         // The recorded client filters by ?version=; ours lists them all (the Deploy step offers each).
         {{{QStringLiteral("version")}, {}}, [](Rig &rig, const Step &step) {
              auto got = rig.await<QList<Model>>([&](QObject *c, auto done) { rig.ml->listModelVersions(step.name(1), c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              checkList(got.value(), step.resourceBody());
          }}},
        // Jobs
        {QStringLiteral("PUT job"),
         {{}, [](Rig &rig, const Step &step) {
              // A job from its definition, as `cerulean-cli pipeline create -f` and runs from runs send it.
              const PipelineOperations ops(rig.client->arm(), rig.client->cloud(), rig.ws);
              const QByteArray definition = QByteArray::fromStdString(step.first().requestBody.at("properties").dump());
              auto got = rig.await<Job>([&](QObject *c, auto done) { ops.submitPipelineJob(step.name(), definition, c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              check(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("GET jobs"),
         {{}, [](Rig &rig, const Step &step) {
              auto got = rig.await<QList<Job>>([&](QObject *c, auto done) { rig.ml->listJobs(c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              checkList(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("GET job"),
         {{}, [](Rig &rig, const Step &step) {
              auto got = rig.await<Job>([&](QObject *c, auto done) { rig.ml->getJob(step.name(), c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              check(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("POST job/cancel"),
         {{}, [](Rig &rig, const Step &step) {
              auto got = rig.await<Empty>([&](QObject *c, auto done) { rig.ml->cancelJob(step.name(1), c, done); });
              EXPECT_TRUE(got.ok()) << got.error().toString().toStdString();
          }}},
        // Online endpoints and deployments
        {QStringLiteral("PUT onlineEndpoint"),
         {{}, [](Rig &rig, const Step &step) {
              const json &body = step.first().requestBody;
              OnlineEndpointSpec spec;
              spec.name = step.name();
              spec.location = str(body, "/location");
              spec.authMode = str(body, "/properties/authMode");
              spec.description = str(body, "/properties/description");
              if (const json *traffic = field(body, "/properties/traffic"); traffic && traffic->is_object())
                  for (const auto &[name, share] : traffic->items())
                      spec.traffic.insert(QString::fromStdString(name), share.get<int>());
              const auto value = rig.finish(rig.ml->createOnlineEndpoint(spec, &rig.context));
              ASSERT_TRUE(value);
              check(*value, step.resourceBody());
          }}},
        {QStringLiteral("PATCH onlineEndpoint"),
         {{},
          [](Rig &rig, const Step &step) {
              const auto value = rig.finish(new Operation<OnlineEndpoint>(rig.client->arm(), recordedRequest(step),
                                                                          &parseOnlineEndpoint,
                                                                          OperationOptions::forCloud(rig.client->cloud()),
                                                                          &rig.context));
              ASSERT_TRUE(value);
              check(*value, step.resourceBody());
          },
          false}},
        {QStringLiteral("GET onlineEndpoints"),
         // The recorded client's Get-by-name is a list filtered by ?name=; ours gets by path.
         {{{QStringLiteral("name")}, {}}, [](Rig &rig, const Step &step) {
              auto got = rig.await<QList<OnlineEndpoint>>([&](QObject *c, auto done) { rig.ml->listOnlineEndpoints(c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              checkList(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("DELETE onlineEndpoint"),
         {{}, [](Rig &rig, const Step &step) {
              rig.finish(rig.ml->deleteOnlineEndpoint(step.name(), &rig.context));
          }}},
        {QStringLiteral("POST onlineEndpoint/listKeys"),
         {{}, [](Rig &rig, const Step &step) {
              auto got = rig.await<EndpointKeys>([&](QObject *c, auto done) { rig.ml->listEndpointKeys(step.name(1), c, done); });
              const json &body = step.resourceBody();
              if (body.value("primaryKey", json()).is_null() && body.value("secondaryKey", json()).is_null()) {
                  // A token-authenticated endpoint: no key to keep, said so, not an empty key.
                  ASSERT_FALSE(got.ok());
                  EXPECT_EQ(got.error().kind, ErrorKind::NotFound);
                  EXPECT_EQ(got.error().code, QStringLiteral("EndpointHasNoKeys"));
                  return;
              }
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              expectText(got->primaryKey, body, "/primaryKey");
              expectText(got->secondaryKey, body, "/secondaryKey");
          }}},
        {QStringLiteral("POST onlineEndpoint/token"),
         {{}, [](Rig &rig, const Step &step) {
              const HttpRequest request = requests::getEndpointToken(rig.client->cloud(), rig.ws, step.name(1));
              auto got = rig.await<EndpointToken>(
                  [&](QObject *c, auto done) { sendTyped<EndpointToken>(*rig.client->arm(), request, &parseEndpointToken, c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              check(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("PUT onlineEndpoint/deployment"),
         {{}, [](Rig &rig, const Step &step) {
              const json &body = step.first().requestBody;
              OnlineDeploymentSpec spec;
              spec.endpointName = step.name(2);
              spec.name = step.name();
              spec.location = str(body, "/location");
              spec.model = str(body, "/properties/model");
              spec.instanceType = str(body, "/properties/instanceType");
              spec.instanceCount = integer(body, "/sku/capacity", 1);
              spec.description = str(body, "/properties/description");
              spec.environmentId = str(body, "/properties/environmentId");
              spec.codeId = str(body, "/properties/codeConfiguration/codeId");
              spec.scoringScript = str(body, "/properties/codeConfiguration/scoringScript");
              if (const json *insights = field(body, "/properties/appInsightsEnabled"))
                  spec.appInsightsEnabled = insights->get<bool>();
              const auto value = rig.finish(rig.ml->createOnlineDeployment(spec, &rig.context));
              ASSERT_TRUE(value);
              check(*value, step.resourceBody());
          }}},
        {QStringLiteral("GET onlineEndpoint/deployment"),
         {{}, [](Rig &rig, const Step &step) {
              auto got = rig.await<OnlineDeployment>(
                  [&](QObject *c, auto done) { rig.ml->getOnlineDeployment(step.name(2), step.name(), c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              check(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("DELETE onlineEndpoint/deployment"),
         {{}, [](Rig &rig, const Step &step) {
              rig.finish(rig.ml->deleteOnlineDeployment(step.name(2), step.name(), &rig.context));
          }}},
        {QStringLiteral("POST onlineEndpoint/deployment/getLogs"),
         {{}, [](Rig &rig, const Step &step) {
              constexpr int tail = 100;
              auto got = rig.await<QString>([&](QObject *c, auto done) {
                  rig.ml->getDeploymentLogs(step.name(3), step.name(1), tail, QStringLiteral("InferenceServer"), c, done);
              });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              expectText(got.value(), step.resourceBody(), "/content");
          }}},
        // Batch endpoints and deployments
        {QStringLiteral("PUT batchEndpoint"),
         {{}, [](Rig &rig, const Step &step) {
              const json &body = step.first().requestBody;
              const auto value = rig.finish(rig.ml->createBatchEndpoint(step.name(), str(body, "/location"),
                                                                        str(body, "/properties/description"),
                                                                        str(body, "/properties/defaults/deploymentName"),
                                                                        &rig.context));
              ASSERT_TRUE(value);
              check(*value, step.resourceBody());
          }}},
        {QStringLiteral("GET batchEndpoint"),
         {{}, [](Rig &rig, const Step &step) {
              auto got = rig.await<BatchEndpoint>([&](QObject *c, auto done) { rig.ml->getBatchEndpoint(step.name(), c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              check(got.value(), step.resourceBody());
          }}},
        {QStringLiteral("PUT batchEndpoint/deployment"),
         // Custom scoring code and environment: our batch deployments score the model as packaged.
         {{{}, {QStringLiteral("/properties/codeConfiguration"), QStringLiteral("/properties/environmentId")}},
          [](Rig &rig, const Step &step) {
              const json &body = step.first().requestBody;
              BatchDeploymentSpec spec;
              spec.endpointName = step.name(2);
              spec.name = step.name();
              spec.location = str(body, "/location");
              spec.compute = str(body, "/properties/compute");
              spec.modelId = str(body, "/properties/model/assetId");
              spec.description = str(body, "/properties/description");
              const auto value = rig.finish(rig.ml->createBatchDeployment(spec, &rig.context));
              ASSERT_TRUE(value);
              check(*value, step.resourceBody());
          }}},
        {QStringLiteral("GET batchEndpoint/deployment"),
         {{}, [](Rig &rig, const Step &step) {
              auto got = rig.await<BatchDeployment>(
                  [&](QObject *c, auto done) { rig.ml->getBatchDeployment(step.name(2), step.name(), c, done); });
              ASSERT_TRUE(got.ok()) << got.error().toString().toStdString();
              check(got.value(), step.resourceBody());
          }}},
    };
    return table;
}

// Exchanges no client operation makes, and why: nothing the app or the CLI does needs them yet.
const std::map<QString, const char *> kNoClientOperation = {
    {QStringLiteral("PUT datastore"), "user-created datastores: uploads go to the workspace's default one"},
    {QStringLiteral("GET datastores"), "only the default datastore is read, by name"},
    {QStringLiteral("POST datastore/listSecrets"), "uploads authenticate with the storage token, not the account key"},
    {QStringLiteral("GET data/versions"), "data assets are listed as containers; a version is read by name"},
    {QStringLiteral("PUT code/version"), "code assets: no command jobs or custom scoring code yet"},
    {QStringLiteral("GET code/version"), "code assets"},
    {QStringLiteral("PUT environment/version"), "environments: deployments of MLflow and AutoML models need none"},
    {QStringLiteral("GET environment/version"), "environments"},
    {QStringLiteral("DELETE environment/version"), "environments"},
    {QStringLiteral("PUT component"), "components: pipeline steps are written inline"},
    {QStringLiteral("PUT component/version"), "components"},
    {QStringLiteral("PUT model"), "model containers are made by the first version"},
    {QStringLiteral("GET models"), "the Deploy step lists model containers itself (ui/models/deploy_controller.cpp)"},
    {QStringLiteral("GET model"), "model containers"},
    {QStringLiteral("DELETE model"), "model containers"},
    {QStringLiteral("PUT connection"), "workspace connections"},
    {QStringLiteral("DELETE connection"), "workspace connections"},
    {QStringLiteral("POST compute/listNodes"), "the compute page shows node counts from the compute itself"},
    {QStringLiteral("GET onlineEndpoint/deployments"), "a deployment is read by name"},
    {QStringLiteral("GET onlineEndpoint/deployment/skus"), "instance types are typed, not chosen from Azure's list"},
    {QStringLiteral("GET batchEndpoints"), "a batch endpoint is read by name"},
    {QStringLiteral("GET batchEndpoint/deployments"), "a batch deployment is read by name"},
    {QStringLiteral("POST workspace/prepareNotebook"), "Azure-only: notebooks"},
    {QStringLiteral("POST location/updateQuotas"), "Azure-only: quotas"},
    {QStringLiteral("PUT compute@ComputeInstance"), "Azure-only: compute instances (the client creates clusters)"},
};

struct StepResult
{
    bool driven = false;
    int exchanges = 0;
    int compared = 0;
    QStringList leftOut;
};

StepResult replayStep(const Step &step)
{
    StepResult result;
    const auto driver = drivers().find(step.key);
    if (driver == drivers().end())
        return result;
    SCOPED_TRACE(step.first().where().toStdString() + " (" + step.key.toStdString() + ")");
    Rig rig(step, driver->second.rules);
    driver->second.run(rig, step);
    EXPECT_TRUE(rig.transport->allServed()) << "the client made " << rig.transport->served() << " of the "
                                            << step.exchanges.size() << " recorded requests";
    EXPECT_TRUE(rig.transport->mismatches().isEmpty()) << rig.transport->mismatches().join(QLatin1Char('\n')).toStdString();
    if (step.isLongRunning()) {
        // One wait per poll, each Azure's default: no recorded answer carries Retry-After.
        EXPECT_EQ(rig.scheduler->waits.size(), size_t(step.pollsOfThePollUrl()));
        for (milliseconds wait : rig.scheduler->waits)
            EXPECT_EQ(wait, kAzurePollInterval);
    }
    result.driven = true;
    result.exchanges = int(step.exchanges.size());
    result.compared = rig.transport->fieldsCompared();
    result.leftOut = rig.transport->fieldsLeftOut();
    return result;
}

const std::vector<Scenario> &scenarios()
{
    static const std::vector<Scenario> all = [] {
        QString error;
        auto loaded = loadScenarios(&error);
        EXPECT_TRUE(error.isEmpty()) << error.toStdString();
        return loaded;
    }();
    return all;
}

// The first step of `key` in `file`.
Step findStep(const QString &file, const QString &key, int nth = 0)
{
    for (const Scenario &scenario : scenarios()) {
        if (scenario.file != file)
            continue;
        QStringList orphans;
        for (const Step &step : stepsOf(scenario, &orphans))
            if (step.key == key && nth-- == 0)
                return step;
    }
    ADD_FAILURE() << "no " << key.toStdString() << " in " << file.toStdString();
    return {};
}

std::vector<std::string> calls(const ReplayTransport &transport)
{
    std::vector<std::string> out;
    for (const HttpRequest &request : transport.requests())
        out.push_back(request.method.toStdString() + " " + request.url.path(QUrl::FullyDecoded).section(QLatin1Char('/'), -2).toStdString()
                      + (QUrlQuery(request.url).hasQueryItem(QStringLiteral("type"))
                             ? "?type=" + QUrlQuery(request.url).queryItemValue(QStringLiteral("type")).toStdString()
                             : std::string()));
    return out;
}

} // namespace

// Every scenario file, every exchange: driven through the client where it has the operation,
// listed with a reason where it has none, and nothing else.
TEST(Replay, EveryRecordedScenarioReplaysThroughTheClient)
{
    ASSERT_EQ(scenarios().size(), 31u) << "expected the 31 scenarios of " << recordingsDir().toStdString();
    int exchanges = 0, replayed = 0, compared = 0, stepsDriven = 0, noOperation = 0;
    std::map<QString, int> uncovered, driverUse;
    std::set<QString> leftOut;
    for (const Scenario &scenario : scenarios()) {
        SCOPED_TRACE(scenario.file.toStdString());
        QStringList orphans;
        const std::vector<Step> steps = stepsOf(scenario, &orphans);
        EXPECT_TRUE(orphans.isEmpty()) << "status polls outside an LRO: " << orphans.join(QStringLiteral(", ")).toStdString();
        exchanges += int(scenario.exchanges.size());
        for (const Step &step : steps) {
            const StepResult result = replayStep(step);
            if (!result.driven) {
                uncovered[step.key] += int(step.exchanges.size());
                continue;
            }
            ++stepsDriven;
            replayed += result.exchanges;
            compared += result.compared;
            ++driverUse[step.key];
            if (!drivers().at(step.key).clientOperation)
                noOperation += result.exchanges;
            for (const QString &name : result.leftOut)
                leftOut.insert(step.key + QLatin1Char(' ') + name);
        }
    }
    // Nothing dropped silently: what is not replayed is exactly the list above, with its reasons.
    std::set<std::string> uncoveredKeys, listed;
    for (const auto &[key, count] : uncovered)
        uncoveredKeys.insert(key.toStdString());
    for (const auto &[key, reason] : kNoClientOperation)
        listed.insert(key.toStdString());
    EXPECT_EQ(uncoveredKeys, listed);
    // Every driver is used by some recording (none is dead code).
    for (const auto &[key, driver] : drivers())
        EXPECT_GT(driverUse[key], 0) << key.toStdString() << " matches no recorded exchange";
    int notReplayed = 0;
    for (const auto &[key, count] : uncovered)
        notReplayed += count;
    EXPECT_EQ(replayed + notReplayed, exchanges);
    EXPECT_GT(compared, 0);
    std::cout << "[ replay   ] " << scenarios().size() << " scenarios, " << exchanges << " exchanges: " << replayed
              << " replayed in " << stepsDriven << " steps (" << noOperation
              << " through Operation<T> alone, no client operation), " << notReplayed
              << " with no client operation; " << compared << " request-body fields equal\n";
    for (const QString &name : leftOut)
        std::cout << "[ replay   ] not sent by our client: " << name.toStdString() << "\n";
    for (const auto &[key, count] : uncovered)
        std::cout << "[ replay   ] no client operation: " << key.toStdString() << " (" << count << "): "
                  << kNoClientOperation.at(key) << "\n";
}

namespace {

template <class T>
bool parsesWithItsFields(Result<T> (*parse)(const QByteArray &), const json &body)
{
    auto parsed = parse(QByteArray::fromStdString(body.dump()));
    EXPECT_TRUE(parsed.ok()) << parsed.error().toString().toStdString();
    if (parsed.ok())
        check(parsed.value(), body);
    return parsed.ok();
}

template <class T>
bool listParsesWithItsFields(Result<T> (*parse)(const QByteArray &), const json &body)
{
    auto page = parsePage<T>(QByteArray::fromStdString(body.dump()), parse);
    EXPECT_TRUE(page.ok()) << page.error().toString().toStdString();
    if (page.ok())
        checkList(page->items, body);
    return page.ok();
}

// What a kind of answer parses into ("compute" and "computes" alike), keyed without the method.
const std::map<QString, std::function<bool(const json &)>> &bodyParsers()
{
    static const std::map<QString, std::function<bool(const json &)>> table = {
        {QStringLiteral("workspace"), [](const json &b) { return parsesWithItsFields(&parseWorkspace, b); }},
        {QStringLiteral("workspaces@subscription"), [](const json &b) { return listParsesWithItsFields(&parseWorkspace, b); }},
        {QStringLiteral("workspaces@resourceGroup"), [](const json &b) { return listParsesWithItsFields(&parseWorkspace, b); }},
        {QStringLiteral("workspace/listKeys"), [](const json &b) { return parsesWithItsFields(&parseWorkspaceKeys, b); }},
        {QStringLiteral("compute"), [](const json &b) { return parsesWithItsFields(&parseCompute, b); }},
        {QStringLiteral("compute@ComputeInstance"), [](const json &b) { return parsesWithItsFields(&parseCompute, b); }},
        {QStringLiteral("computes"), [](const json &b) { return listParsesWithItsFields(&parseCompute, b); }},
        {QStringLiteral("data"), [](const json &b) { return parsesWithItsFields(&parseDataContainer, b); }},
        {QStringLiteral("data/version"), [](const json &b) { return parsesWithItsFields(&parseDataVersion, b); }},
        {QStringLiteral("data/versions"), [](const json &b) { return listParsesWithItsFields(&parseDataVersion, b); }},
        {QStringLiteral("datastore"), [](const json &b) { return parsesWithItsFields(&parseDatastore, b); }},
        {QStringLiteral("datastores"), [](const json &b) { return listParsesWithItsFields(&parseDatastore, b); }},
        {QStringLiteral("model/version"), [](const json &b) { return parsesWithItsFields(&parseModel, b); }},
        {QStringLiteral("model/versions"), [](const json &b) { return listParsesWithItsFields(&parseModel, b); }},
        {QStringLiteral("job"), [](const json &b) { return parsesWithItsFields(&parseJob, b); }},
        {QStringLiteral("jobs"), [](const json &b) { return listParsesWithItsFields(&parseJob, b); }},
        {QStringLiteral("onlineEndpoint"), [](const json &b) { return parsesWithItsFields(&parseOnlineEndpoint, b); }},
        {QStringLiteral("onlineEndpoints"), [](const json &b) { return listParsesWithItsFields(&parseOnlineEndpoint, b); }},
        {QStringLiteral("onlineEndpoint/token"), [](const json &b) { return parsesWithItsFields(&parseEndpointToken, b); }},
        {QStringLiteral("onlineEndpoint/deployment"), [](const json &b) { return parsesWithItsFields(&parseOnlineDeployment, b); }},
        {QStringLiteral("onlineEndpoint/deployments"), [](const json &b) { return listParsesWithItsFields(&parseOnlineDeployment, b); }},
        {QStringLiteral("onlineEndpoint/deployment/getLogs"),
         [](const json &b) {
             auto logs = parseDeploymentLogs(QByteArray::fromStdString(b.dump()));
             EXPECT_TRUE(logs.ok());
             expectText(logs.ok() ? logs.value() : QString(), b, "/content");
             return logs.ok();
         }},
        {QStringLiteral("onlineEndpoint/listKeys"),
         [](const json &b) {
             // Null keys (a token endpoint) are no keys: an error says so (NullKeysOfATokenEndpointAreNoKeys).
             auto keys = parseEndpointKeys(QByteArray::fromStdString(b.dump()));
             const bool none = b.value("primaryKey", json()).is_null() && b.value("secondaryKey", json()).is_null();
             EXPECT_EQ(keys.ok(), !none);
             return keys.ok() || keys.error().kind == ErrorKind::NotFound;
         }},
        {QStringLiteral("batchEndpoint"), [](const json &b) { return parsesWithItsFields(&parseBatchEndpoint, b); }},
        {QStringLiteral("batchEndpoints"), [](const json &b) { return listParsesWithItsFields(&parseBatchEndpoint, b); }},
        {QStringLiteral("batchEndpoint/deployment"), [](const json &b) { return parsesWithItsFields(&parseBatchDeployment, b); }},
        {QStringLiteral("batchEndpoint/deployments"), [](const json &b) { return listParsesWithItsFields(&parseBatchDeployment, b); }},
    };
    return table;
}

// Answers with no type of ours (and nothing in the app or the CLI that shows them).
const std::set<std::string> kNoType = {"code/version", "environment/version", "component", "component/version", "model",
                                       "models", "connection", "compute/listNodes", "datastore/listSecrets",
                                       "onlineEndpoint/deployment/skus", "workspace/prepareNotebook", "location/updateQuotas"};

} // namespace

// Every body Azure sent of a kind we have a type for parses into it, with each field the UI or
// the CLI shows, whether or not a client operation asks for it: the 201 "Creating" answers as
// well as the final reads, lists as well as single resources.
TEST(Replay, EveryRecordedBodyOfAKindWeHaveParsesWithItsFields)
{
    int parsed = 0;
    std::set<std::string> untyped;
    for (const Scenario &scenario : scenarios()) {
        for (const RecordedExchange &e : scenario.exchanges) {
            if (e.isStatusPoll() || !e.responseBody.is_object())
                continue;
            SCOPED_TRACE(e.where().toStdString());
            const QString kind = keyOf(e).section(QLatin1Char(' '), 1);
            const auto parser = bodyParsers().find(kind);
            if (parser == bodyParsers().end()) {
                untyped.insert(kind.toStdString());
                continue;
            }
            parsed += parser->second(e.responseBody) ? 1 : 0;
        }
    }
    EXPECT_EQ(untyped, kNoType);
    std::cout << "[ replay   ] " << parsed << " recorded bodies parsed into our types\n";
}

// --- the LRO families, one by one ---------------------------------------------------------------

// Workspace PUT: 202, empty body, Location (?type=location) and Azure-AsyncOperation
// (?type=async); the async status says Succeeded with percentComplete 100; then the workspace.
TEST(Replay, WorkspacePutIsAcceptedThenPolledByItsAsyncStatusThenRead)
{
    const Step step = findStep(QStringLiteral("ps_CreateScenarioTest.json"), QStringLiteral("PUT workspace"));
    ASSERT_FALSE(step.exchanges.empty());
    ASSERT_EQ(step.first().status, 202);
    ASSERT_TRUE(step.first().responseBody.is_null());
    ASSERT_TRUE(step.first().header("Location").endsWith("type=location"));
    const Driver &driver = drivers().at(step.key);
    Rig rig(step, driver.rules);
    driver.run(rig, step);
    EXPECT_EQ(calls(*rig.transport), (std::vector<std::string>{"PUT workspaces/replay-mlworkspace-test1",
                                                               "GET workspaceOperationsStatus/1mn6WVH3AbFK4lmA0kMhCgbwZf2KgXJm_ruTusFj2U8?type=async",
                                                               "GET workspaces/replay-mlworkspace-test1"}));
    EXPECT_EQ(rig.waits(), (std::vector<long long>{30'000}));
    EXPECT_TRUE(rig.transport->mismatches().isEmpty()) << rig.transport->mismatches().join(QLatin1Char('\n')).toStdString();
}

// Compute PUT: 201 with the resource ("Creating") and Azure-AsyncOperation only (no Location).
TEST(Replay, ComputePutIsCreatedWithOnlyAnAsyncStatus)
{
    const Step step = findStep(QStringLiteral("ps_CreateScenarioTest.json"), QStringLiteral("PUT compute"));
    ASSERT_FALSE(step.exchanges.empty());
    ASSERT_EQ(step.first().status, 201);
    ASSERT_TRUE(step.first().header("Location").isEmpty());
    const Driver &driver = drivers().at(step.key);
    Rig rig(step, driver.rules);
    auto *operation = rig.ml->createCompute(ComputeSpec{step.name(), QStringLiteral("eastus"), QStringLiteral("STANDARD_DS3_V2"),
                                                        QStringLiteral("Dedicated"), 0, 1, 120, {}},
                                            &rig.context);
    std::vector<QString> statuses;
    QObject::connect(operation, &OperationBase::stateChanged, [&](OperationState, const QString &status) { statuses.push_back(status); });
    rig.finish(operation);
    EXPECT_EQ(calls(*rig.transport), (std::vector<std::string>{"PUT computes/batch-cluster",
                                                               "GET computeOperationsStatus/e60f8934-f72e-4f56-b8fc-476bddef8de4",
                                                               "GET computes/batch-cluster"}));
    EXPECT_EQ(statuses, (std::vector<QString>{QStringLiteral("Creating"), QStringLiteral("Succeeded"), QStringLiteral("Succeeded")}));
    ASSERT_TRUE(operation->value());
    EXPECT_EQ(operation->value()->provisioningState, QStringLiteral("Succeeded"));
    EXPECT_EQ(operation->value()->idleTimeBeforeScaleDown, QStringLiteral("PT2M")); // the service's default
}

// Online deployment PUT: 201 "Creating", Azure-AsyncOperation at mfeOperationsStatus, Location
// at the resource, x-ms-async-operation-timeout PT30M; 14 status answers of "Updating" with an
// endTime of 0001-01-01 before "Succeeded". Each poll reports its progress.
TEST(Replay, OnlineDeploymentPutPollsThroughUpdatingAndReportsProgress)
{
    const Step step = findStep(QStringLiteral("ps_CreateScenarioTestOnlineEndpoint.json"), QStringLiteral("PUT onlineEndpoint/deployment"));
    ASSERT_FALSE(step.exchanges.empty());
    ASSERT_EQ(step.statusPolls(), 15);
    ASSERT_EQ(step.first().header("x-ms-async-operation-timeout"), "PT30M");
    ASSERT_EQ(step.exchanges[1].responseBody.value("endTime", std::string()), "0001-01-01T00:00:00+00:00");
    const Driver &driver = drivers().at(step.key);
    Rig rig(step, driver.rules);
    OnlineDeploymentSpec spec;
    spec.endpointName = step.name(2);
    spec.name = step.name();
    spec.location = QStringLiteral("eastus");
    spec.model = str(step.first().requestBody, "/properties/model");
    spec.instanceType = QStringLiteral("Standard_F4s_v2");
    spec.instanceCount = 3;
    auto *operation = rig.ml->createOnlineDeployment(spec, &rig.context);
    std::vector<OperationProgress> reports;
    QObject::connect(operation, &OperationBase::progressed, [&](const OperationProgress &p) { reports.push_back(p); });
    rig.finish(operation);
    EXPECT_EQ(operation->pollCount(), 15);
    EXPECT_EQ(rig.transport->requests().size(), 17u); // PUT, 15 polls, the deployment
    // After the 201 and after each poll but the last: Creating, then Updating for 14 checks.
    ASSERT_EQ(reports.size(), 16u); // one per planned poll (15), and the end
    EXPECT_EQ(reports[0].status, QStringLiteral("Creating"));
    EXPECT_EQ(reports[0].elapsed, milliseconds(0));
    EXPECT_EQ(reports[0].nextPollIn, kAzurePollInterval);
    EXPECT_EQ(reports[0].serviceTimeout, minutes(30));
    EXPECT_EQ(reports[5].status, QStringLiteral("Updating"));
    EXPECT_EQ(reports[5].polls, 5);
    EXPECT_EQ(reports[5].elapsed, 5 * kAzurePollInterval);
    EXPECT_FALSE(reports[5].percentComplete) << "Azure's 0 says nothing";
    EXPECT_EQ(describe(reports[5]), QStringLiteral("Updating, 2 min 30 s so far (5 checks); next check in 30 s; "
                                                   "Azure allows up to 30 min"));
    const OperationProgress &last = reports.back();
    EXPECT_EQ(last.state, OperationState::Succeeded);
    EXPECT_EQ(last.polls, 15);
    EXPECT_EQ(last.elapsed, 15 * kAzurePollInterval); // 7 min 30 s: Azure took 7 min 20 s
    EXPECT_EQ(last.nextPollIn, milliseconds(-1));
    EXPECT_EQ(describe(last), QStringLiteral("Succeeded after 7 min 30 s (15 checks)"));
    ASSERT_TRUE(operation->value());
    EXPECT_EQ(operation->value()->provisioningState, QStringLiteral("Succeeded"));
    EXPECT_EQ(operation->value()->instanceCount, 3);
}

// Online endpoint PATCH: 202 with Location only (mfeOperationResults) and PT30M; the Location
// answers 200 with the operation's status, not the endpoint: the endpoint is then read.
TEST(Replay, EndpointPatchFollowsItsLocationThenReadsTheEndpoint)
{
    const Step step = findStep(QStringLiteral("ps_CreateScenarioTestOnlineEndpoint.json"), QStringLiteral("PATCH onlineEndpoint"));
    ASSERT_FALSE(step.exchanges.empty());
    ASSERT_TRUE(step.first().header("Azure-AsyncOperation").isEmpty());
    ASSERT_TRUE(step.first().header("Location").contains("mfeOperationResults"));
    const Driver &driver = drivers().at(step.key);
    Rig rig(step, driver.rules);
    auto *operation = new Operation<OnlineEndpoint>(rig.client->arm(), recordedRequest(step), &parseOnlineEndpoint,
                                                    OperationOptions::forCloud(rig.client->cloud()), &rig.context);
    const auto value = rig.finish(operation);
    EXPECT_EQ(calls(*rig.transport), (std::vector<std::string>{"PATCH onlineEndpoints/online-pwsh01",
                                                               "GET mfeOperationResults/" + step.exchanges[1].path.section(QLatin1Char('/'), -1).toStdString(),
                                                               "GET onlineEndpoints/online-pwsh01"}));
    ASSERT_TRUE(value);
    EXPECT_EQ(value->name, QStringLiteral("online-pwsh01")); // the endpoint, not the status body's "oeidp:…"
    EXPECT_EQ(value->scoringUri, QUrl(QStringLiteral("https://online-pwsh01.eastus.inference.ml.azure.com/score")));
    EXPECT_EQ(operation->progress().serviceTimeout, minutes(30));
}

// DELETE of a deployment: 202, Location (mfeOperationResults) and Azure-AsyncOperation; the
// status says "Updating" (endTime 0001-01-01) for 11 polls while deleting, then Succeeded; the
// Location then answers 200 with the status body, as the recorded client read it.
TEST(Replay, DeleteWaitsThroughUpdatingThenReadsTheOperationResult)
{
    const Step step = findStep(QStringLiteral("ps_WorkspaceCleanRemoveOnlineEndpoint.json"),
                               QStringLiteral("DELETE onlineEndpoint/deployment"));
    ASSERT_FALSE(step.exchanges.empty());
    ASSERT_EQ(step.exchanges.size(), 14u);
    Rig rig(step, {});
    auto *operation = rig.ml->deleteOnlineDeployment(step.name(2), step.name(), &rig.context);
    std::vector<QString> statuses;
    QObject::connect(operation, &OperationBase::stateChanged, [&](OperationState, const QString &status) { statuses.push_back(status); });
    rig.finish(operation);
    EXPECT_EQ(operation->pollCount(), 12);
    ASSERT_TRUE(rig.transport->allServed());
    EXPECT_EQ(calls(*rig.transport).back(), "GET mfeOperationResults/" + step.exchanges.back().path.section(QLatin1Char('/'), -1).toStdString());
    // One change to Updating (not one per poll), then Succeeded, then the end.
    EXPECT_EQ(statuses, (std::vector<QString>{QStringLiteral("Updating"), QStringLiteral("Succeeded"), QStringLiteral("Succeeded")}));
    EXPECT_EQ(rig.waits(), std::vector<long long>(12, 30'000));
}

// listKeys of an endpoint that authenticates with tokens: 200 with null keys. No empty key is
// handed over (the CLI would keep it in the keychain as if it were one): an error says why.
TEST(Replay, NullKeysOfATokenEndpointAreNoKeys)
{
    const Step step = findStep(QStringLiteral("ps_Get-AzMLWorkspaceOnlineEndpointKey.json"), QStringLiteral("POST onlineEndpoint/listKeys"));
    ASSERT_FALSE(step.exchanges.empty());
    ASSERT_TRUE(step.first().responseBody.at("primaryKey").is_null());
    Rig rig(step, {});
    auto keys = rig.await<EndpointKeys>([&](QObject *c, auto done) { rig.ml->listEndpointKeys(step.name(1), c, done); });
    ASSERT_FALSE(keys.ok());
    EXPECT_EQ(keys.error().kind, ErrorKind::NotFound);
    EXPECT_TRUE(keys.error().toString().contains(QStringLiteral("tokens"))) << keys.error().toString().toStdString();
    EXPECT_FALSE(keys.error().action.isEmpty());
}

// A model version's resource name is its version ("1"): the model keeps its own name.
TEST(Replay, VersionsKeepTheirAssetsName)
{
    const Step step = findStep(QStringLiteral("ps_Get-AzMLWorkspaceModelVersion.json"), QStringLiteral("GET model/versions"));
    ASSERT_FALSE(step.exchanges.empty());
    Rig rig(step, drivers().at(step.key).rules);
    auto models = rig.await<QList<Model>>([&](QObject *c, auto done) { rig.ml->listModelVersions(QStringLiteral("heart-classifier-batch"), c, done); });
    ASSERT_TRUE(models.ok());
    ASSERT_FALSE(models->isEmpty());
    EXPECT_EQ(models->front().name, QStringLiteral("heart-classifier-batch"));
    EXPECT_EQ(models->front().version, QStringLiteral("1"));
}

// Durations as ARM writes them, for the service's timeout and anything else ISO 8601.
TEST(Replay, IsoDurations)
{
    EXPECT_EQ(parseIsoDuration(QStringLiteral("PT30M")), minutes(30));
    EXPECT_EQ(parseIsoDuration(QStringLiteral("PT2M")), minutes(2));
    EXPECT_EQ(parseIsoDuration(QStringLiteral("PT1H30M5S")), hours(1) + minutes(30) + seconds(5));
    EXPECT_EQ(parseIsoDuration(QStringLiteral("P1DT2H")), hours(26));
    EXPECT_EQ(parseIsoDuration(QStringLiteral("PT0.5S")), milliseconds(500));
    EXPECT_EQ(parseIsoDuration(QStringLiteral("PT0S")), milliseconds(0));
    EXPECT_FALSE(parseIsoDuration(QStringLiteral("")));
    EXPECT_FALSE(parseIsoDuration(QStringLiteral("P")));
    EXPECT_FALSE(parseIsoDuration(QStringLiteral("PT")));
    EXPECT_FALSE(parseIsoDuration(QStringLiteral("30M")));
    EXPECT_FALSE(parseIsoDuration(QStringLiteral("P1M"))); // a month has no fixed length
}
