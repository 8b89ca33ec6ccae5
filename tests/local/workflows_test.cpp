// The sign-in and workspace provisioning workflows of core/azure, without widgets, against
// the local workspace service on a loopback socket: what the wizard and `cerulean-cli login`
// and `workspace create` run. Azure's naming rules are checked here too, and the local
// service must agree with them.

#include "core/azure/client.h"
#include "core/azure/ml_client.h"
#include "core/azure/naming.h"
#include "core/azure/secret_store.h"
#include "core/azure/sign_in_workflow.h"
#include "core/azure/workspace_provisioning.h"
#include "core/local/local_server.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUuid>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

using namespace cerulean;
using namespace cerulean::azure;
using namespace std::chrono_literals;

namespace {

bool turnUntil(const std::function<bool()> &pred, std::chrono::milliseconds timeout)
{
    QDeadlineTimer deadline(timeout);
    while (!pred()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 20);
    }
    return true;
}

template <class T>
Result<T> await(const std::function<void(QObject *, Done<T>)> &call, std::chrono::milliseconds timeout = 30s)
{
    std::optional<Result<T>> out;
    QObject context;
    call(&context, [&out](Result<T> result) { out.emplace(std::move(result)); });
    if (!turnUntil([&out] { return out.has_value(); }, timeout))
        return AzureError::timeout(QStringLiteral("the test's wait"));
    return std::move(*out);
}

// Runs a long-running operation to its end; the error, or none when it succeeded.
std::optional<AzureError> finish(OperationBase *operation)
{
    std::unique_ptr<OperationBase> owned(operation);
    if (!turnUntil([operation] { return operation->isDone(); }, 60s))
        return AzureError::timeout(QStringLiteral("the test's wait"));
    if (operation->state() != OperationState::Succeeded)
        return operation->error();
    return std::nullopt;
}

std::string text(const AzureError &error)
{
    return error.toString().toStdString();
}

class Workflows : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        s_dir = std::make_unique<QTemporaryDir>();
        local::LocalServerOptions options;
        options.service.root = s_dir->path();
        options.service.startWorkers = false; // ARM, identity and Graph only
        options.threads = 2;
        s_server = std::make_unique<local::LocalServer>(options);
        QString error;
        ASSERT_TRUE(s_server->start(&error)) << error.toStdString();
    }

    static void TearDownTestSuite()
    {
        s_server.reset();
        s_dir.reset();
    }

    static SignInRequest principalRequest(const QString &secret)
    {
        const local::LocalPrincipal principal = s_server->service().builtInPrincipal();
        SignInRequest request;
        request.method = SignInRequest::Method::ClientSecret;
        request.tenantId = principal.tenantId;
        request.clientId = principal.clientId;
        request.secret = secret;
        request.authority = s_server->baseUrl().toString();
        return request;
    }

    static SignInOptions signInOptions()
    {
        SignInOptions options;
        options.secretService = QStringLiteral("cerulean-workflows-test");
        options.rememberProfile = false;
        options.requireKeychain = true;
        return options;
    }

    // Signs in with the service's built-in principal through the workflow.
    static std::shared_ptr<AzureClient> signIn()
    {
        SignInWorkflow flow(signInOptions());
        QSignalSpy finished(&flow, &SignInWorkflow::finished);
        flow.start(principalRequest(s_server->service().builtInPrincipal().clientSecret));
        if (!turnUntil([&finished] { return finished.size() > 0; }, 30s) || !flow.signedIn())
            return nullptr;
        return flow.signedIn()->client;
    }

    static MachineLearningClient ml(const std::shared_ptr<AzureClient> &client, const WorkspaceRef &ref)
    {
        OperationOptions polling;
        polling.defaultPollInterval = 100ms;
        return MachineLearningClient(client, ref, polling);
    }

    static inline std::unique_ptr<QTemporaryDir> s_dir;
    static inline std::unique_ptr<local::LocalServer> s_server;
};

} // namespace

TEST(NamingRules, FollowAzure)
{
    EXPECT_TRUE(resourceGroupNameError(QStringLiteral("rg-ml_(dev).1")).isEmpty());
    EXPECT_FALSE(resourceGroupNameError(QString()).isEmpty());
    EXPECT_TRUE(resourceGroupNameError(QStringLiteral("rg.")).contains(QStringLiteral("end with")));
    EXPECT_TRUE(resourceGroupNameError(QStringLiteral("rg ml")).contains(QStringLiteral("only")));
    EXPECT_TRUE(resourceGroupNameError(QString(91, QLatin1Char('a'))).contains(QStringLiteral("90")));
    EXPECT_TRUE(workspaceNameError(QStringLiteral("ws-bank_1")).isEmpty());
    EXPECT_TRUE(workspaceNameError(QStringLiteral("ws")).contains(QStringLiteral("3 to 33")));
    EXPECT_TRUE(workspaceNameError(QStringLiteral("-ws1")).contains(QStringLiteral("start")));
    EXPECT_TRUE(workspaceNameError(QStringLiteral("ws.bank")).contains(QStringLiteral("only")));
    EXPECT_TRUE(workspaceNameError(QString(34, QLatin1Char('w'))).contains(QStringLiteral("34")));
    EXPECT_TRUE(locationError(QStringLiteral("westeurope")).isEmpty());
    EXPECT_FALSE(locationError(QStringLiteral("West Europe")).isEmpty());
    EXPECT_TRUE(tenantError(QStringLiteral("contoso.onmicrosoft.com")).isEmpty());
    EXPECT_TRUE(tenantError(QStringLiteral("organizations")).isEmpty());
    EXPECT_TRUE(tenantError(QStringLiteral("72f988bf-86f1-41af-91ab-2d7cd011db47")).isEmpty());
    EXPECT_FALSE(tenantError(QStringLiteral("not a tenant")).isEmpty());
    EXPECT_FALSE(clientIdError(QStringLiteral("my-app")).isEmpty());
    EXPECT_TRUE(authorityError(QString()).isEmpty());
    EXPECT_TRUE(authorityError(QStringLiteral("http://127.0.0.1:8080")).isEmpty());
    EXPECT_FALSE(authorityError(QStringLiteral("http://login.example.com")).isEmpty()); // http only on loopback
    EXPECT_FALSE(authorityError(QStringLiteral("login.microsoftonline.com")).isEmpty());

    const DependentNames names = dependentNamesFor(QStringLiteral("Bank_Marketing-Workspace-For-Tests"), QStringLiteral("a1b2c3"));
    EXPECT_TRUE(names.storageAccount.size() <= 24 && names.storageAccount.size() >= 3);
    EXPECT_TRUE(QRegularExpression(QStringLiteral("^[a-z0-9]+$")).match(names.storageAccount).hasMatch());
    EXPECT_TRUE(names.keyVault.size() <= 24 && names.keyVault.at(0).isLetter());
    EXPECT_TRUE(names.storageAccount.endsWith(QStringLiteral("a1b2c3")));
}

TEST(NamingRules, ThePlanHasTheArmIdsOfOneResourceGroup)
{
    WorkspaceProvisioningRequest request;
    request.workspace = {QStringLiteral("sub-1"), QStringLiteral("rg-1"), QStringLiteral("ws-Bank")};
    request.location = QStringLiteral("westeurope");
    request.suffix = QStringLiteral("abc123");
    const WorkspacePlan plan = planWorkspace(request);
    const QString group = QStringLiteral("/subscriptions/sub-1/resourceGroups/rg-1/providers/");
    EXPECT_EQ(plan.spec.storageAccount, group + QStringLiteral("Microsoft.Storage/storageAccounts/stwsbankabc123"));
    EXPECT_EQ(plan.spec.keyVault, group + QStringLiteral("Microsoft.KeyVault/vaults/kv-wsbank-abc123"));
    EXPECT_EQ(plan.spec.applicationInsights, group + QStringLiteral("Microsoft.Insights/components/ws-Bank-insights"));
    EXPECT_EQ(plan.spec.friendlyName, QStringLiteral("ws-Bank"));
    EXPECT_EQ(request.workspace.armId(), group + QStringLiteral("Microsoft.MachineLearningServices/workspaces/ws-Bank"));
    // Two plans without a suffix do not collide on the global names.
    request.suffix.clear();
    EXPECT_NE(planWorkspace(request).names.storageAccount, planWorkspace(request).names.storageAccount);

    request.workspace.workspace = QStringLiteral("ws.bank");
    request.location = QStringLiteral("West Europe");
    const auto invalid = validate(request);
    ASSERT_TRUE(invalid.has_value());
    EXPECT_EQ(invalid->kind, ErrorKind::InvalidInput);
    EXPECT_TRUE(invalid->message.contains(QStringLiteral("workspace name"))) << text(*invalid);
    EXPECT_TRUE(invalid->message.contains(QStringLiteral("location"))) << text(*invalid);
}

TEST_F(Workflows, SignInChecksTheSecretKeepsItAndRefusesAWrongOne)
{
    // A wrong secret: Entra's error from the token route, nothing kept.
    SignInWorkflow flow(signInOptions());
    QSignalSpy finished(&flow, &SignInWorkflow::finished);
    QSignalSpy stages(&flow, &SignInWorkflow::stageChanged);
    flow.start(principalRequest(QStringLiteral("not-the-secret")));
    ASSERT_TRUE(turnUntil([&finished] { return finished.size() == 1; }, 30s));
    EXPECT_EQ(flow.stage(), SignInWorkflow::Stage::Failed);
    EXPECT_FALSE(flow.signedIn().has_value());
    EXPECT_EQ(flow.error().code, QStringLiteral("invalid_client")) << text(flow.error());

    // Invalid input is refused before any request.
    SignInRequest bad = principalRequest(QStringLiteral("x"));
    bad.clientId = QStringLiteral("my-app");
    EXPECT_TRUE(SignInWorkflow::validate(bad).has_value());
    flow.start(bad);
    EXPECT_EQ(finished.size(), 2);
    EXPECT_EQ(flow.error().kind, ErrorKind::InvalidInput);

    // The right secret: a token for ARM, the secret in the keychain, a client that works.
    stages.clear();
    const QString secret = s_server->service().builtInPrincipal().clientSecret;
    flow.start(principalRequest(secret));
    ASSERT_TRUE(turnUntil([&finished] { return finished.size() == 3; }, 30s));
    ASSERT_TRUE(flow.signedIn().has_value()) << text(flow.error());
    EXPECT_EQ(stages.size(), 3); // token, keychain, done
    EXPECT_FALSE(flow.signedIn()->keychainError.has_value());
    EXPECT_TRUE(flow.signedIn()->client->cloud().isLocal());
    const SecretStore store(signInOptions().secretService);
    const local::LocalPrincipal principal = s_server->service().builtInPrincipal();
    auto kept = await<QString>([&](QObject *c, auto d) {
        store.read(SecretStore::servicePrincipalKey(principal.tenantId, principal.clientId), c, d);
    });
    ASSERT_TRUE(kept.ok()) << text(kept.error());
    EXPECT_EQ(kept.value(), secret);
    const MachineLearningClient client = ml(flow.signedIn()->client, {});
    auto subscriptions = await<QList<Subscription>>([&](QObject *c, auto d) { client.listSubscriptions(c, d); });
    ASSERT_TRUE(subscriptions.ok()) << text(subscriptions.error());
    EXPECT_EQ(subscriptions->size(), 1);
    await<Empty>([&](QObject *c, auto d) { store.remove(SecretStore::servicePrincipalKey(principal.tenantId, principal.clientId), c, d); });
}

TEST_F(Workflows, ProvisioningMakesTheFourResourcesInOrder)
{
    auto client = signIn();
    ASSERT_TRUE(client);
    const QString sub = s_server->service().subscriptionId();
    const WorkspaceRef ref{sub, QStringLiteral("rg-provisioned"), QStringLiteral("ws-provisioned")};
    ASSERT_FALSE(finish(ml(client, ref).createResourceGroup(ref.resourceGroup, QStringLiteral("local"), nullptr)).has_value());

    WorkspaceProvisioningRequest request;
    request.workspace = ref;
    request.location = QStringLiteral("local");
    request.tenantId = s_server->service().builtInPrincipal().tenantId;
    WorkspaceProvisioning provisioning(ml(client, ref), request);
    QSignalSpy started(&provisioning, &WorkspaceProvisioning::stepStarted);
    QSignalSpy done(&provisioning, &WorkspaceProvisioning::stepFinished);
    QSignalSpy finished(&provisioning, &WorkspaceProvisioning::finished);
    provisioning.start();
    ASSERT_TRUE(turnUntil([&finished] { return finished.size() == 1; }, 60s));
    ASSERT_EQ(provisioning.state(), OperationState::Succeeded) << text(provisioning.error());
    ASSERT_EQ(started.size(), WorkspaceProvisioning::kStepCount);
    ASSERT_EQ(done.size(), WorkspaceProvisioning::kStepCount);
    for (int i = 0; i < WorkspaceProvisioning::kStepCount; ++i) {
        EXPECT_EQ(started.at(i).at(0).value<WorkspaceProvisioning::Step>(), static_cast<WorkspaceProvisioning::Step>(i));
        EXPECT_EQ(done.at(i).at(0).value<WorkspaceProvisioning::Step>(), static_cast<WorkspaceProvisioning::Step>(i));
    }
    EXPECT_EQ(provisioning.stepsDone(), WorkspaceProvisioning::kStepCount);
    ASSERT_TRUE(provisioning.workspace().has_value());
    EXPECT_EQ(provisioning.workspace()->name, ref.workspace);

    // The workspace ARM now shows references the three resources the plan named.
    auto shown = await<Workspace>([&](QObject *c, auto d) { ml(client, ref).getWorkspace(c, d); });
    ASSERT_TRUE(shown.ok()) << text(shown.error());
    EXPECT_EQ(shown->provisioningState, QStringLiteral("Succeeded"));
    EXPECT_EQ(shown->storageAccount.toLower(), provisioning.plan().spec.storageAccount.toLower());
    EXPECT_EQ(shown->keyVault.toLower(), provisioning.plan().spec.keyVault.toLower());
    EXPECT_EQ(shown->applicationInsights.toLower(), provisioning.plan().spec.applicationInsights.toLower());
}

TEST_F(Workflows, ProvisioningStopsAtTheFirstFailureWithAzuresErrorAndCancelStops)
{
    auto client = signIn();
    ASSERT_TRUE(client);
    const QString sub = s_server->service().subscriptionId();

    // No such resource group: the first step fails with ARM's code and request id; nothing more starts.
    WorkspaceProvisioningRequest missing;
    missing.workspace = {sub, QStringLiteral("rg-missing"), QStringLiteral("ws-nowhere")};
    missing.location = QStringLiteral("local");
    WorkspaceProvisioning failing(ml(client, missing.workspace), missing);
    QSignalSpy failingStarted(&failing, &WorkspaceProvisioning::stepStarted);
    QSignalSpy failingFinished(&failing, &WorkspaceProvisioning::finished);
    failing.start();
    ASSERT_TRUE(turnUntil([&failingFinished] { return failingFinished.size() == 1; }, 30s));
    EXPECT_EQ(failing.state(), OperationState::Failed);
    EXPECT_EQ(failing.failedStep(), WorkspaceProvisioning::Step::StorageAccount);
    EXPECT_EQ(failing.error().httpStatus, 404);
    EXPECT_EQ(failing.error().code, QStringLiteral("ResourceGroupNotFound")) << text(failing.error());
    EXPECT_FALSE(failing.error().requestId.isEmpty());
    EXPECT_EQ(failingStarted.size(), 1);
    EXPECT_EQ(failing.stepsDone(), 0);

    // A name Azure refuses fails before any request.
    WorkspaceProvisioningRequest invalid = missing;
    invalid.workspace.workspace = QStringLiteral("w");
    WorkspaceProvisioning refused(ml(client, invalid.workspace), invalid);
    QSignalSpy refusedStarted(&refused, &WorkspaceProvisioning::stepStarted);
    refused.start();
    EXPECT_EQ(refused.state(), OperationState::Failed);
    EXPECT_EQ(refused.error().kind, ErrorKind::InvalidInput);
    EXPECT_EQ(refusedStarted.size(), 0);

    // Cancel during the first step: it ends Canceled and starts nothing more.
    WorkspaceProvisioningRequest request;
    request.workspace = {sub, QStringLiteral("rg-canceled"), QStringLiteral("ws-canceled")};
    request.location = QStringLiteral("local");
    ASSERT_FALSE(finish(ml(client, request.workspace).createResourceGroup(request.workspace.resourceGroup, QStringLiteral("local"), nullptr))
                     .has_value());
    WorkspaceProvisioning canceled(ml(client, request.workspace), request);
    QSignalSpy canceledStarted(&canceled, &WorkspaceProvisioning::stepStarted);
    QSignalSpy canceledFinished(&canceled, &WorkspaceProvisioning::finished);
    canceled.start();
    canceled.cancel();
    ASSERT_TRUE(turnUntil([&canceledFinished] { return canceledFinished.size() == 1; }, 30s));
    EXPECT_EQ(canceled.state(), OperationState::Canceled);
    EXPECT_EQ(canceledStarted.size(), 1);
    turnUntil([] { return false; }, 300ms); // a late answer must not start the next step
    EXPECT_EQ(canceledStarted.size(), 1);
    auto workspace = await<Workspace>([&](QObject *c, auto d) { ml(client, request.workspace).getWorkspace(c, d); });
    ASSERT_FALSE(workspace.ok());
    EXPECT_EQ(workspace.error().httpStatus, 404);
}

// The local service answers as Azure does: a name the core rules refuse, it refuses too.
TEST_F(Workflows, TheLocalServiceAgreesWithTheNamingRules)
{
    auto client = signIn();
    ASSERT_TRUE(client);
    const QString sub = s_server->service().subscriptionId();
    const MachineLearningClient arm = ml(client, {sub, QStringLiteral("rg-names"), QString()});
    ASSERT_FALSE(finish(arm.createResourceGroup(QStringLiteral("rg-names"), QStringLiteral("local"), nullptr)).has_value());
    for (const QString &name : {QStringLiteral("rg.ok_(1)"), QStringLiteral("rg."), QStringLiteral("rg ml"), QString(91, QLatin1Char('g'))}) {
        const auto refused = finish(arm.createResourceGroup(name, QStringLiteral("local"), nullptr));
        EXPECT_EQ(refused.has_value(), !resourceGroupNameError(name).isEmpty()) << name.toStdString();
    }
    for (const QString &name : {QStringLiteral("ws-ok_1"), QStringLiteral("ws"), QStringLiteral("-ws1"), QStringLiteral("ws.bank"),
                                QString(34, QLatin1Char('w'))}) {
        WorkspaceSpec spec;
        spec.name = name;
        spec.location = QStringLiteral("local");
        const auto refused = finish(arm.createWorkspace(spec, nullptr));
        EXPECT_EQ(refused.has_value(), !workspaceNameError(name).isEmpty()) << name.toStdString();
    }
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
