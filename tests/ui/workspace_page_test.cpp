// The Workspace step against a real local workspace service: the one-click local path, and
// the Azure branch driven against the service as if it were Azure (same REST surface: token
// endpoint, subscriptions, resource groups, workspace create LROs, Graph, role assignments).
// The keychain is the real Secret Service (ctest runs under dbus + gnome-keyring).

#include "core/azure/client.h"
#include "core/azure/identity.h"
#include "core/azure/requests.h"
#include "core/azure/secret_store.h"
#include "core/azure/sign_in.h"
#include "core/azure/workspace_config.h"
#include "core/local/local_server.h"
#include "ui/local_workspace.h"
#include "ui/main_window.h"
#include "ui/models/workspace_models.h"
#include "ui/models/workspace_names.h"
#include "ui/pages/pages.h"
#include "ui/pages/workspace_page.h"
#include "ui/session.h"
#include "ui/theme.h"

#include "gui_stall_probe.h"

#include <QAbstractItemModelTester>
#include <QAbstractItemView>
#include <QCheckBox>
#include <QComboBox>
#include <QCommandLinkButton>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QWizard>
#include <QtTest>

#include <memory>
#include <optional>

using namespace cerulean;
using namespace cerulean::ui;

namespace {

constexpr int kConnectTimeoutMs = 60000;
constexpr int kCallTimeoutMs = 30000;

template <class T>
T *child(QWizard *wizard, int pageId, const char *name)
{
    T *found = wizard->page(pageId)->findChild<T *>(QString::fromLatin1(name));
    if (!found)
        qWarning("no %s on page %d", name, pageId);
    return found;
}

// Sends one request through a pipeline and waits for the answer.
azure::HttpResponse sendAndWait(const azure::HttpPipeline &pipeline, azure::HttpRequest request)
{
    std::optional<azure::HttpResponse> response;
    QObject context;
    pipeline.send(std::move(request), &context, [&](const azure::HttpResponse &r) { response = r; });
    QDeadlineTimer deadline(kCallTimeoutMs);
    while (!response && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return response.value_or(azure::HttpResponse{});
}

azure::Result<QString> readSecret(const azure::SecretStore &store, const QString &key)
{
    std::optional<azure::Result<QString>> result;
    QObject context;
    store.read(key, &context, [&](azure::Result<QString> r) { result = std::move(r); });
    QDeadlineTimer deadline(kCallTimeoutMs);
    while (!result && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return result ? *result : azure::Result<QString>(azure::AzureError::timeout(QStringLiteral("keychain")));
}

// With CERULEAN_WIZARD_SHOTS=DIR set, saves the page as it stands at the tour's screen size
// and at the smallest laptop screen, for a person to look at; otherwise does nothing.
void shoot(QWidget &page, const char *name)
{
    const QString dir = qEnvironmentVariable("CERULEAN_WIZARD_SHOTS");
    if (dir.isEmpty())
        return;
    const QSize before = page.size();
    for (const QSize size : {QSize(1366, 768), QSize(1024, 640)}) {
        page.resize(size);
        QCoreApplication::processEvents();
        page.grab().save(QDir(dir).filePath(QStringLiteral("%1-%2x%3.png").arg(QLatin1String(name)).arg(size.width()).arg(size.height())));
    }
    page.resize(before);
    QCoreApplication::processEvents();
}

} // namespace

class WorkspacePageTest final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<local::LocalServer> m_server; // the "Azure" of the Azure-branch tests
    QString m_secretService;

    WorkspacePageOptions options(const QString &localRoot = {}) const
    {
        WorkspacePageOptions o;
        o.local.root = localRoot.isEmpty() ? m_dir.filePath(QStringLiteral("unused-local")) : localRoot;
        o.secretService = m_secretService;
        o.rememberSignIn = false; // never touch the user's settings
        o.pollInterval = std::chrono::milliseconds(100);
        o.defaultLocation = QStringLiteral("local");
        return o;
    }

    // Fills the sign-in page for the built-in principal of the test service.
    void fillServicePrincipal(QWizard *wizard, const QString &secret)
    {
        const local::LocalPrincipal sp = m_server->service().builtInPrincipal();
        child<QRadioButton>(wizard, WorkspacePage::SignInPageId, "servicePrincipalRadio")->setChecked(true);
        child<QLineEdit>(wizard, WorkspacePage::SignInPageId, "tenantEdit")->setText(sp.tenantId);
        child<QLineEdit>(wizard, WorkspacePage::SignInPageId, "clientIdEdit")->setText(sp.clientId);
        child<QLineEdit>(wizard, WorkspacePage::SignInPageId, "secretEdit")->setText(secret);
        child<QLineEdit>(wizard, WorkspacePage::SignInPageId, "authorityEdit")->setText(m_server->baseUrl().toString());
    }

    bool signInAsAzure(WorkspacePage &page)
    {
        QWizard *wizard = page.wizard();
        child<QCommandLinkButton>(wizard, WorkspacePage::IntroPageId, "azureButton")->click();
        if (wizard->currentId() != WorkspacePage::SignInPageId)
            return false;
        fillServicePrincipal(wizard, m_server->service().builtInPrincipal().clientSecret);
        auto *signIn = child<QPushButton>(wizard, WorkspacePage::SignInPageId, "signInButton");
        if (!signIn->isEnabled())
            return false;
        signIn->click();
        QDeadlineTimer deadline(kCallTimeoutMs);
        while (!page.azureClient() && !deadline.hasExpired())
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        return page.azureClient() != nullptr && wizard->button(QWizard::NextButton)->isEnabled();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_secretService = QStringLiteral("cerulean-test-workspace-%1").arg(QCoreApplication::applicationPid());
        local::LocalServerOptions serverOptions;
        serverOptions.service.root = m_dir.filePath(QStringLiteral("azure-like"));
        serverOptions.service.startWorkers = false; // the wizard needs ARM, identity and Graph only
        serverOptions.threads = 2;
        m_server = std::make_unique<local::LocalServer>(serverOptions);
        QString error;
        QVERIFY2(m_server->start(&error), qPrintable(error));
    }

    void cleanupTestCase() { m_server.reset(); }

    // The naming rules themselves are core's (tests/local/workflows_test.cpp).
    void azCommandsNameWhatThePageDoes()
    {
        // The az lines name what the page does and never carry a secret.
        QVERIFY(az::loginServicePrincipal(QStringLiteral("t"), QStringLiteral("c")).contains(QStringLiteral("$AZURE_CLIENT_SECRET")));
        QCOMPARE(az::createResourceGroup(QStringLiteral("rg ml"), QStringLiteral("westeurope")),
                 QStringLiteral("az group create --name 'rg ml' --location westeurope"));
        QVERIFY(az::createWorkspace(QStringLiteral("s"), QStringLiteral("g"), QStringLiteral("w"), QStringLiteral("l"))
                    .startsWith(QStringLiteral("az ml workspace create")));
    }

    void modelsPassTheModelTester()
    {
        ArmChoiceModel choices;
        QAbstractItemModelTester tester(&choices, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const int stale = choices.beginLoad();
        const int current = choices.beginLoad();
        QVERIFY(!choices.setChoices(stale, {{QStringLiteral("old"), QStringLiteral("old"), {}, {}, {}, {}}}));
        QCOMPARE(choices.rowCount(), 0);
        QVERIFY(choices.setChoices(current, {{QStringLiteral("b"), QStringLiteral("b"), QStringLiteral("local"), {}, {}, {}},
                                             {QStringLiteral("A"), QStringLiteral("a"), {}, {}, {}, {}}}));
        QCOMPARE(choices.rowCount(), 2);
        QCOMPARE(choices.index(0, ArmChoiceModel::NameColumn).data().toString(), QStringLiteral("A")); // sorted by name
        QCOMPARE(choices.rowOfKey(QStringLiteral("B")), 1);                                            // ARM names ignore case
        QCOMPARE(choices.upsert({QStringLiteral("c"), QStringLiteral("c"), {}, {}, {}, {}}), 2);
        QCOMPARE(choices.upsert({QStringLiteral("c2"), QStringLiteral("c"), {}, QStringLiteral("Succeeded"), {}, {}}), 2);
        QCOMPARE(choices.index(2, ArmChoiceModel::StateColumn).data().toString(), QStringLiteral("Succeeded"));
        choices.clear();
        QCOMPARE(choices.rowCount(), 0);

        RoleAssignmentModel roles;
        QAbstractItemModelTester roleTester(&roles, QAbstractItemModelTester::FailureReportingMode::QtTest);
        azure::RoleAssignment a;
        a.id = QStringLiteral("/x/roleAssignments/1");
        a.roleDefinitionId = QStringLiteral("/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/") +
                             QString::fromLatin1(azure::BuiltInRole::contributor);
        a.principalId = QStringLiteral("p");
        roles.upsert(a);
        roles.upsert(a);
        QCOMPARE(roles.rowCount(), 1);
        QCOMPARE(roles.index(0, RoleAssignmentModel::RoleColumn).data().toString(), QStringLiteral("Contributor"));
        QVERIFY(roles.hasRole(QString::fromLatin1(azure::BuiltInRole::contributor)));
        QVERIFY(!roles.hasRole(QString::fromLatin1(azure::BuiltInRole::owner)));
        roles.setAssignments({});
        QCOMPARE(roles.rowCount(), 0);
    }

    void oneClickLocalConnectsTheSession()
    {
        const QString root = m_dir.filePath(QStringLiteral("one-click"));
        Session session;
        WorkspacePage page(session, options(root));
        page.resize(1100, 700);
        page.show();
        QWizard *wizard = page.wizard();
        QCOMPARE(wizard->currentId(), int(WorkspacePage::IntroPageId));
        QVERIFY(!wizard->button(QWizard::CustomButton2)->isEnabled()); // nothing to export yet

        // The event loop keeps turning while the service starts (its store opens off the GUI thread).
        test::GuiStallProbe probe;
        probe.start();

        QSignalSpy opened(page.localWorkspace(), &LocalWorkspace::opened);
        child<QCommandLinkButton>(wizard, WorkspacePage::IntroPageId, "localButton")->click(); // the one click
        QCOMPARE(wizard->currentId(), int(WorkspacePage::LocalPageId));
        QTRY_VERIFY_WITH_TIMEOUT(session.isConnected(), kConnectTimeoutMs);
        probe.stop();
        QCOMPARE(opened.size(), 1);
        qInfo("local workspace opened in %lld ms; longest GUI-thread stall meanwhile %lld ms of its own work, %lld ms wall clock",
              qint64(page.localWorkspace()->openDuration().count()), qint64(probe.maxBusy().count()),
              qint64(probe.maxGap().count()));
        // Sign-in and the workspace's first creation take about a second: had opening waited on
        // the service on the GUI thread, that thread would have been busy far beyond the budget.
        QVERIFY2(probe.maxBusy() <= test::GuiStallProbe::kBudget,
                 qPrintable(QStringLiteral("the GUI thread stalled %1 ms").arg(probe.maxBusy().count())));

        QCOMPARE(session.connection(), Session::Connection::Local);
        QCOMPARE(session.workspace().workspaceName, QStringLiteral("local-workspace"));
        QCOMPARE(session.workspace().resourceGroup, QStringLiteral("local"));
        QVERIFY(!session.workspace().subscriptionId.isEmpty());
        QCOMPARE(session.displayName(), QStringLiteral("Local workspace: local-workspace"));
        QVERIFY(session.cloud() && session.cloud()->isLocal());
        QTRY_COMPARE(wizard->currentId(), int(WorkspacePage::DonePageId));
        QVERIFY(child<QLabel>(wizard, WorkspacePage::DonePageId, "doneSummary")->text().contains(session.workspace().subscriptionId));
        QVERIFY(wizard->button(QWizard::CustomButton2)->isEnabled());
        QVERIFY(QFileInfo(root).isDir() && !QDir(root).isEmpty());
        QCOMPARE(session.localRoot(), page.localWorkspace()->root());

        // Opening the workspace left the keychain alone: the built-in principal's secret goes
        // there only when asked, for `cerulean-cli pipeline token --local-root`; then it signs
        // in at the service's token endpoint as that command would.
        const QString secretKey = page.localWorkspace()->secretKey();
        const QStringList ids = secretKey.split(QLatin1Char('/'));
        QCOMPARE(ids.size(), 3);
        azure::Result<QString> secret = readSecret(azure::SecretStore(m_secretService), secretKey);
        QVERIFY(!secret.ok());
        QCOMPARE(secret.error().kind, azure::ErrorKind::NotFound);
        std::optional<azure::Result<azure::Empty>> shared;
        page.localWorkspace()->shareSignInWithCommandLine(this, [&shared](azure::Result<azure::Empty> r) { shared = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(shared.has_value(), kCallTimeoutMs);
        QVERIFY2(shared->ok(), qPrintable(shared->error().toString()));
        secret = readSecret(azure::SecretStore(m_secretService), secretKey);
        QVERIFY2(secret.ok(), qPrintable(secret.error().toString()));
        azure::ClientSecretCredential commandLine(*session.cloud(), ids.at(1), ids.at(2), secret.value(),
                                                  azure::AzureClient::tokenPipeline(azure::AzureClient::networkTransport()));
        std::optional<azure::Result<azure::AccessToken>> token;
        QObject tokenContext;
        commandLine.getToken({{azure::Cloud::armScope()}, {}, false}, &tokenContext,
                             [&token](azure::Result<azure::AccessToken> t) { token = std::move(t); });
        QTRY_VERIFY_WITH_TIMEOUT(token.has_value(), kCallTimeoutMs);
        QVERIFY2(token->ok(), qPrintable(token->error().toString()));

        // The session's pipeline is signed in: ARM answers with the workspace.
        const azure::WorkspaceRef ref{session.workspace().subscriptionId, session.workspace().resourceGroup,
                                      session.workspace().workspaceName};
        azure::HttpResponse response = sendAndWait(*session.pipeline(), azure::requests::getWorkspace(*session.cloud(), ref));
        QCOMPARE(response.status, 200);
        QVERIFY(response.body.contains("local-workspace"));

        // Closing disconnects and stops the service; the state stays in the root and opens again.
        const QString subscription = session.workspace().subscriptionId;
        const QUrl base = page.localWorkspace()->baseUrl();
        QVERIFY(base.port() > 0);
        page.localWorkspace()->close();
        QVERIFY(!session.isConnected());
        QCOMPARE(page.localWorkspace()->state(), LocalWorkspace::State::Closed);
        page.openLocalWorkspace();
        QTRY_VERIFY_WITH_TIMEOUT(session.isConnected(), kConnectTimeoutMs);
        QCOMPARE(session.workspace().subscriptionId, subscription);
        page.localWorkspace()->close();
    }

    void localFailureIsShownWithRetry()
    {
        // A root that cannot be a folder: a file is in the way.
        const QString blocked = m_dir.filePath(QStringLiteral("blocked"));
        {
            QFile file(blocked);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("not a folder");
        }
        Session session;
        WorkspacePage page(session, options(blocked + QStringLiteral("/root")));
        page.show();
        page.openLocalWorkspace();
        QTRY_COMPARE_WITH_TIMEOUT(page.localWorkspace()->state(), LocalWorkspace::State::Failed, kConnectTimeoutMs);
        QVERIFY(!session.isConnected());
        QWizard *wizard = page.wizard();
        auto *error = child<QLabel>(wizard, WorkspacePage::LocalPageId, "error");
        QVERIFY(error->isVisible());
        QVERIFY(error->text().contains(QStringLiteral("blocked")));
        QVERIFY(child<QPushButton>(wizard, WorkspacePage::LocalPageId, "localRetry")->isVisible());
        QVERIFY(!wizard->button(QWizard::NextButton)->isEnabled());
    }

    void signInValidatesAsYouType()
    {
        Session session;
        WorkspacePage page(session, options());
        page.show();
        QWizard *wizard = page.wizard();
        child<QCommandLinkButton>(wizard, WorkspacePage::IntroPageId, "azureButton")->click();
        QCOMPARE(wizard->currentId(), int(WorkspacePage::SignInPageId));
        QVERIFY(!wizard->button(QWizard::NextButton)->isEnabled()); // not signed in yet

        auto *tenant = child<QLineEdit>(wizard, WorkspacePage::SignInPageId, "tenantEdit");
        auto *tenantError = child<QLabel>(wizard, WorkspacePage::SignInPageId, "tenantError");
        auto *signIn = child<QPushButton>(wizard, WorkspacePage::SignInPageId, "signInButton");
        auto *secret = child<QLineEdit>(wizard, WorkspacePage::SignInPageId, "secretEdit");
        QVERIFY(signIn->isEnabled()); // device code with the defaults
        QVERIFY(!secret->isVisible()); // a device code needs no secret
        tenant->clear();
        QTest::keyClicks(tenant, QStringLiteral("not a tenant"));
        QVERIFY(tenantError->isVisible());
        QVERIFY(!signIn->isEnabled());
        tenant->setText(QStringLiteral("contoso.onmicrosoft.com"));
        QVERIFY(!tenantError->isVisible());
        QVERIFY(signIn->isEnabled());

        // Service principal: a GUID client ID and a secret are required.
        child<QRadioButton>(wizard, WorkspacePage::SignInPageId, "servicePrincipalRadio")->setChecked(true);
        QVERIFY(secret->isVisible());
        QVERIFY(!signIn->isEnabled());
        auto *clientId = child<QLineEdit>(wizard, WorkspacePage::SignInPageId, "clientIdEdit");
        QVERIFY(clientId->text().isEmpty()); // Azure CLI's public client is not a service principal
        clientId->setText(QStringLiteral("my-app"));
        QVERIFY(child<QLabel>(wizard, WorkspacePage::SignInPageId, "clientIdError")->isVisible());
        clientId->setText(QStringLiteral("11111111-2222-3333-4444-555555555555"));
        QVERIFY(!signIn->isEnabled());
        secret->setText(QStringLiteral("x"));
        QVERIFY(signIn->isEnabled());
        auto *authority = child<QLineEdit>(wizard, WorkspacePage::SignInPageId, "authorityEdit");
        authority->setText(QStringLiteral("http://login.example.com"));
        QVERIFY(child<QLabel>(wizard, WorkspacePage::SignInPageId, "authorityError")->isVisible());
        QVERIFY(!signIn->isEnabled());
        authority->clear();
        QVERIFY(signIn->isEnabled());
        // The az line follows the fields and never holds the secret.
        const QString command =
            child<QPlainTextEdit>(wizard, WorkspacePage::SignInPageId, "azCommandText")->toPlainText();
        QVERIFY(command.startsWith(QStringLiteral("az login --service-principal --tenant contoso.onmicrosoft.com")));
        QVERIFY(!command.contains(QStringLiteral(" x")));

        // Back to the start, the other branch: the local page.
        wizard->back();
        QCOMPARE(wizard->currentId(), int(WorkspacePage::IntroPageId));
    }

    void badSecretShowsCodeAndRequestId()
    {
        Session session;
        WorkspacePage page(session, options());
        page.show();
        QWizard *wizard = page.wizard();
        child<QCommandLinkButton>(wizard, WorkspacePage::IntroPageId, "azureButton")->click();
        fillServicePrincipal(wizard, QStringLiteral("not-the-secret"));
        child<QPushButton>(wizard, WorkspacePage::SignInPageId, "signInButton")->click();
        auto *error = child<QLabel>(wizard, WorkspacePage::SignInPageId, "error");
        QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), kCallTimeoutMs);
        const QString text = error->text();
        QVERIFY2(text.contains(QStringLiteral("HTTP 401")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("invalid_client")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("AADSTS7000215")), qPrintable(text));
        const QRegularExpression requestId(QStringLiteral("Request ID: [0-9a-f-]{36}"));
        QVERIFY2(requestId.match(text).hasMatch(), qPrintable(text));
        QVERIFY(!page.azureClient());
        QVERIFY(!wizard->button(QWizard::NextButton)->isEnabled());
        // The refused secret did not reach the keychain.
        const local::LocalPrincipal sp = m_server->service().builtInPrincipal();
        const azure::SecretStore store(m_secretService);
        auto kept = readSecret(store, azure::SecretStore::servicePrincipalKey(sp.tenantId, sp.clientId + QStringLiteral("-none")));
        QCOMPARE(kept.error().kind, azure::ErrorKind::NotFound);
    }

    void deviceCodeShowsTheCodeAndSignsIn()
    {
        Session session;
        WorkspacePage page(session, options());
        page.show();
        QWizard *wizard = page.wizard();
        child<QCommandLinkButton>(wizard, WorkspacePage::IntroPageId, "azureButton")->click();
        child<QLineEdit>(wizard, WorkspacePage::SignInPageId, "authorityEdit")->setText(m_server->baseUrl().toString());
        auto *code = child<QLineEdit>(wizard, WorkspacePage::SignInPageId, "deviceCodeEdit");
        auto *link = child<QLabel>(wizard, WorkspacePage::SignInPageId, "deviceCodeLink");
        QStringList codes;
        QStringList links;
        connect(code, &QLineEdit::textChanged, this, [&](const QString &text) {
            codes << text;
            links << link->text();
        });
        child<QPushButton>(wizard, WorkspacePage::SignInPageId, "signInButton")->click();
        auto *status = child<QLabel>(wizard, WorkspacePage::SignInPageId, "signInStatus");
        auto *error = child<QLabel>(wizard, WorkspacePage::SignInPageId, "error");
        QTRY_VERIFY_WITH_TIMEOUT(!codes.isEmpty(), kCallTimeoutMs);
        // Nobody approved the code yet: the sign-in waits (the credential polls every second).
        QTest::qWait(1500);
        QVERIFY2(!page.azureClient(), "signed in without an approval");
        QVERIFY(status->text().startsWith(QStringLiteral("Waiting for you to approve")));
        // The user approves it, proving it with the local workspace's principal secret (what the
        // sign-in page asks for and `cerulean-cli login --approve` reads from the keychain).
        std::optional<azure::Result<azure::DeviceCodeDecision>> decided;
        azure::decideLocalDeviceCode(azure::AzureClient::tokenPipeline(azure::AzureClient::networkTransport()),
                                     azure::Cloud::local(m_server->baseUrl()), codes.constFirst(),
                                     m_server->service().builtInPrincipal().clientSecret, true, this,
                                     [&](azure::Result<azure::DeviceCodeDecision> result) { decided = std::move(result); });
        QTRY_VERIFY_WITH_TIMEOUT(decided.has_value(), kCallTimeoutMs);
        QVERIFY2(decided->ok(), qPrintable(decided->error().toString()));
        QCOMPARE(decided->value().userCode, codes.constFirst());
        QVERIFY((*decided)->approved);
        QTRY_VERIFY2_WITH_TIMEOUT(page.azureClient() != nullptr,
                                  qPrintable(status->text() + QLatin1Char('\n') + error->text()), kCallTimeoutMs);
        QCOMPARE(codes.size(), 1);
        QVERIFY(!codes.constFirst().isEmpty());
        QVERIFY(code->isReadOnly());
        QVERIFY2(links.constFirst().contains(QStringLiteral("/devicelogin")), qPrintable(links.constFirst()));
        QVERIFY(child<QLabel>(wizard, WorkspacePage::SignInPageId, "signInStatus")->text().startsWith(QStringLiteral("Signed in")));
        QVERIFY(wizard->button(QWizard::NextButton)->isEnabled());
    }

    void azureBranchCreatesGroupWorkspaceAndServicePrincipal()
    {
        Session session;
        WorkspacePage page(session, options());
        page.resize(1100, 760);
        page.show();
        QWizard *wizard = page.wizard();
        QVERIFY(signInAsAzure(page));
        shoot(page, "3-sign-in");
        // The secret of a service principal sign-in went to the keychain.
        const local::LocalPrincipal sp = m_server->service().builtInPrincipal();
        const azure::SecretStore store(m_secretService);
        auto kept = readSecret(store, azure::SecretStore::servicePrincipalKey(sp.tenantId, sp.clientId));
        QVERIFY2(kept.ok(), qPrintable(kept.error().toString()));
        QCOMPARE(kept.value(), sp.clientSecret);
        QVERIFY(child<QLineEdit>(wizard, WorkspacePage::SignInPageId, "secretEdit")->text().isEmpty());
        // Cleared because it is kept, not because something is missing.
        QVERIFY(child<QLabel>(wizard, WorkspacePage::SignInPageId, "secretError")->text().isEmpty());

        // Subscription and resource group.
        wizard->next();
        QCOMPARE(wizard->currentId(), int(WorkspacePage::GroupPageId));
        auto *subscriptions = wizard->page(WorkspacePage::GroupPageId)->findChild<ArmChoiceModel *>(QStringLiteral("subscriptionModel"));
        auto *groups = wizard->page(WorkspacePage::GroupPageId)->findChild<ArmChoiceModel *>(QStringLiteral("resourceGroupModel"));
        QVERIFY(subscriptions && groups);
        QAbstractItemModelTester subscriptionTester(subscriptions, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester groupTester(groups, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE_WITH_TIMEOUT(subscriptions->rowCount(), 1, kCallTimeoutMs);
        QCOMPARE(subscriptions->choice(0)->key, m_server->service().subscriptionId());
        auto *newGroup = child<QCheckBox>(wizard, WorkspacePage::GroupPageId, "newGroupCheck");
        auto *groupName = child<QLineEdit>(wizard, WorkspacePage::GroupPageId, "newGroupName");
        auto *groupError = child<QLabel>(wizard, WorkspacePage::GroupPageId, "groupNameError");
        auto *createGroup = child<QPushButton>(wizard, WorkspacePage::GroupPageId, "createGroupButton");
        QTRY_VERIFY_WITH_TIMEOUT(!groups->isLoading(), kCallTimeoutMs);
        newGroup->setChecked(true);
        QVERIFY(!wizard->button(QWizard::NextButton)->isEnabled());
        QTest::keyClicks(groupName, QStringLiteral("rg wizard"));
        QVERIFY(groupError->isVisible());
        QVERIFY(!createGroup->isEnabled());
        groupName->setText(QStringLiteral("rg-wizard."));
        QVERIFY(groupError->text().contains(QStringLiteral("end with")));
        groupName->setText(QStringLiteral("rg-wizard"));
        QVERIFY(!groupError->isVisible());
        QVERIFY(createGroup->isEnabled());
        QVERIFY(child<QPlainTextEdit>(wizard, WorkspacePage::GroupPageId, "azCommandText")
                    ->toPlainText()
                    .contains(QStringLiteral("az group create --name rg-wizard --location local")));
        createGroup->click();
        QTRY_VERIFY_WITH_TIMEOUT(!newGroup->isChecked(), kCallTimeoutMs);
        auto *groupCombo = child<QComboBox>(wizard, WorkspacePage::GroupPageId, "resourceGroupCombo");
        QCOMPARE(groupCombo->currentText(), QStringLiteral("rg-wizard"));
        QVERIFY(wizard->button(QWizard::NextButton)->isEnabled());
        shoot(page, "4-group");

        // Workspace: none yet, so "create" is offered; names are checked as typed.
        wizard->next();
        QCOMPARE(wizard->currentId(), int(WorkspacePage::WorkspacePickPageId));
        auto *workspaces = wizard->page(WorkspacePage::WorkspacePickPageId)->findChild<ArmChoiceModel *>(QStringLiteral("workspaceModel"));
        QAbstractItemModelTester workspaceTester(workspaces, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto *newWorkspace = child<QCheckBox>(wizard, WorkspacePage::WorkspacePickPageId, "newWorkspaceCheck");
        QTRY_VERIFY_WITH_TIMEOUT(newWorkspace->isChecked(), kCallTimeoutMs);
        auto *name = child<QLineEdit>(wizard, WorkspacePage::WorkspacePickPageId, "newWorkspaceName");
        auto *nameError = child<QLabel>(wizard, WorkspacePage::WorkspacePickPageId, "workspaceNameError");
        auto *create = child<QPushButton>(wizard, WorkspacePage::WorkspacePickPageId, "createWorkspaceButton");
        auto *cancel = child<QPushButton>(wizard, WorkspacePage::WorkspacePickPageId, "cancelCreateButton");
        auto *progress = child<QProgressBar>(wizard, WorkspacePage::WorkspacePickPageId, "createProgress");
        QTest::keyClicks(name, QStringLiteral("ws"));
        QVERIFY(nameError->text().contains(QStringLiteral("3 to 33")));
        QVERIFY(!create->isEnabled());
        name->setText(QStringLiteral("ws.wizard"));
        QVERIFY(nameError->isVisible());
        name->setText(QStringLiteral("ws-cancelled"));
        QVERIFY(create->isEnabled());

        // Cancel: the first step stops before its answer is read; nothing more is started.
        create->click();
        QVERIFY(cancel->isVisible());
        QVERIFY(!wizard->button(QWizard::NextButton)->isEnabled());
        cancel->click();
        auto *status = child<QLabel>(wizard, WorkspacePage::WorkspacePickPageId, "workspaceStatus");
        QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith(QStringLiteral("Canceled")), kCallTimeoutMs);
        QVERIFY(!cancel->isVisible());
        QCOMPARE(progress->value(), 0);

        name->setText(QStringLiteral("ws-wizard"));
        create->click();
        QTRY_VERIFY_WITH_TIMEOUT(!newWorkspace->isChecked(), kConnectTimeoutMs);
        auto *workspaceError = child<QLabel>(wizard, WorkspacePage::WorkspacePickPageId, "error");
        QVERIFY2(!workspaceError->isVisible(), qPrintable(workspaceError->text()));
        auto *workspaceCombo = child<QComboBox>(wizard, WorkspacePage::WorkspacePickPageId, "workspaceCombo");
        QTRY_COMPARE_WITH_TIMEOUT(workspaceCombo->currentText(), QStringLiteral("ws-wizard"), kCallTimeoutMs);
        QVERIFY(workspaces->rowOfKey(QStringLiteral("ws-cancelled")) < 0);
        QTRY_VERIFY(wizard->button(QWizard::NextButton)->isEnabled());

        shoot(page, "5-workspace");
        // Next connects the session to the chosen workspace.
        wizard->next();
        QVERIFY(session.isConnected());
        QCOMPARE(session.workspace().subscriptionId, m_server->service().subscriptionId());
        QCOMPARE(session.workspace().resourceGroup, QStringLiteral("rg-wizard"));
        QCOMPARE(session.workspace().workspaceName, QStringLiteral("ws-wizard"));
        QCOMPARE(wizard->currentId(), int(WorkspacePage::ServicePrincipalPageId));

        // Service principal: application, principal and secret (shown once, kept in the keychain).
        auto *appName = child<QLineEdit>(wizard, WorkspacePage::ServicePrincipalPageId, "applicationNameEdit");
        QCOMPARE(appName->text(), QStringLiteral("cerulean-ws-wizard"));
        auto *assign = child<QPushButton>(wizard, WorkspacePage::ServicePrincipalPageId, "assignRoleButton");
        auto *test = child<QPushButton>(wizard, WorkspacePage::ServicePrincipalPageId, "testSignInButton");
        QVERIFY(!assign->isEnabled() && !test->isEnabled());
        child<QPushButton>(wizard, WorkspacePage::ServicePrincipalPageId, "createServicePrincipalButton")->click();
        auto *appId = child<QLineEdit>(wizard, WorkspacePage::ServicePrincipalPageId, "appIdEdit");
        auto *shown = child<QLineEdit>(wizard, WorkspacePage::ServicePrincipalPageId, "newSecretEdit");
        QTRY_VERIFY_WITH_TIMEOUT(!shown->text().isEmpty(), kCallTimeoutMs);
        QVERIFY(!appId->text().isEmpty());
        QCOMPARE(shown->echoMode(), QLineEdit::Password);
        auto stored = readSecret(store, azure::SecretStore::servicePrincipalKey(sp.tenantId, appId->text()));
        QVERIFY2(stored.ok(), qPrintable(stored.error().toString()));
        QCOMPARE(stored.value(), shown->text());
        shoot(page, "6-service-principal");

        auto *roles = wizard->page(WorkspacePage::ServicePrincipalPageId)->findChild<RoleAssignmentModel *>(QStringLiteral("roleAssignmentModel"));
        QAbstractItemModelTester roleTester(roles, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto *role = child<QComboBox>(wizard, WorkspacePage::ServicePrincipalPageId, "roleCombo");
        role->setCurrentIndex(role->findText(QStringLiteral("Contributor")));
        QTRY_VERIFY(assign->isEnabled());
        assign->click();
        QTRY_VERIFY_WITH_TIMEOUT(roles->hasRole(QString::fromLatin1(azure::BuiltInRole::contributor)), kCallTimeoutMs);
        QCOMPARE(roles->rowCount(), 1);
        QVERIFY(roles->assignment(0)->scope.endsWith(QStringLiteral("/workspaces/ws-wizard")));
        // A second assignment of the same role is not a second row.
        QTRY_VERIFY(assign->isEnabled());
        assign->click();
        auto *spStatus = child<QLabel>(wizard, WorkspacePage::ServicePrincipalPageId, "servicePrincipalStatus");
        QTRY_VERIFY_WITH_TIMEOUT(assign->isEnabled() && spStatus->text().contains(QStringLiteral("Contributor on the workspace")),
                                 kCallTimeoutMs);
        QCOMPARE(roles->rowCount(), 1);

        test->click();
        QTRY_VERIFY_WITH_TIMEOUT(spStatus->text().contains(QStringLiteral("signs in")), kCallTimeoutMs);
        QVERIFY(!child<QLabel>(wizard, WorkspacePage::ServicePrincipalPageId, "error")->isVisible());

        // Leaving the page forgets the shown secret; the summary can export config.json.
        wizard->next();
        QVERIFY(shown->text().isEmpty());
        QCOMPARE(wizard->currentId(), int(WorkspacePage::DonePageId));
        shoot(page, "7-done");
        const QString configPath = m_dir.filePath(QStringLiteral("exported/config.json"));
        QDir().mkpath(QFileInfo(configPath).path());
        QVERIFY(page.exportConfig(configPath).ok());
        QFile file(configPath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray json = file.readAll();
        QVERIFY(!json.contains(sp.clientSecret.toUtf8()));
        QVERIFY(!json.contains(stored.value().toUtf8()));
        auto config = azure::parseWorkspaceConfig(json);
        QVERIFY(config.ok());
        QCOMPARE(config->subscriptionId, m_server->service().subscriptionId());
        QCOMPARE(config->resourceGroup, QStringLiteral("rg-wizard"));
        QCOMPARE(config->workspaceName, QStringLiteral("ws-wizard"));

        QSignalSpy finished(&page, &WorkspacePage::finished);
        wizard->button(QWizard::FinishButton)->click();
        QCOMPARE(finished.size(), 1);
        QVERIFY(page.isVisible() && wizard->isVisible()); // embedded: finishing does not close it
    }

    void configJsonRoundTrip()
    {
        // A config.json written by the previous test's workspace opens that workspace again.
        const QString configPath = m_dir.filePath(QStringLiteral("exported/config.json"));
        QVERIFY(QFile::exists(configPath));
        Session session;
        WorkspacePage page(session, options());
        page.show();
        QWizard *wizard = page.wizard();
        auto imported = page.importConfig(configPath);
        QVERIFY(imported.ok());
        QVERIFY(page.statusText().contains(QStringLiteral("ws-wizard")));
        auto *importedLabel = child<QLabel>(wizard, WorkspacePage::IntroPageId, "importedConfig");
        QVERIFY(importedLabel->isVisible() && importedLabel->text().contains(QStringLiteral("rg-wizard")));
        QVERIFY(signInAsAzure(page));
        wizard->next();
        auto *groupCombo = child<QComboBox>(wizard, WorkspacePage::GroupPageId, "resourceGroupCombo");
        QTRY_COMPARE_WITH_TIMEOUT(groupCombo->currentText(), QStringLiteral("rg-wizard"), kCallTimeoutMs);
        QTRY_VERIFY(wizard->button(QWizard::NextButton)->isEnabled());
        wizard->next();
        auto *workspaceCombo = child<QComboBox>(wizard, WorkspacePage::WorkspacePickPageId, "workspaceCombo");
        QTRY_COMPARE_WITH_TIMEOUT(workspaceCombo->currentText(), QStringLiteral("ws-wizard"), kCallTimeoutMs);
        QTRY_VERIFY(wizard->button(QWizard::NextButton)->isEnabled());
        wizard->next();
        QCOMPARE(session.workspace().subscriptionId, imported->subscriptionId);
        QCOMPARE(session.workspace().resourceGroup, imported->resourceGroup);
        QCOMPARE(session.workspace().workspaceName, imported->workspaceName);

        // Export writes the same triple back.
        const QString again = m_dir.filePath(QStringLiteral("exported/again.json"));
        QVERIFY(page.exportConfig(again).ok());
        auto reread = azure::readWorkspaceConfig(again);
        QVERIFY(reread.ok());
        QCOMPARE(reread.value(), imported.value());

        // A broken file is refused with the field named, and nothing else changes.
        const QString broken = m_dir.filePath(QStringLiteral("exported/broken.json"));
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"subscription_id": "s", "resource_group": 7})");
        file.close();
        auto refused = page.importConfig(broken);
        QVERIFY(!refused.ok());
        QVERIFY2(page.statusText().contains(QStringLiteral("resource_group")), qPrintable(page.statusText()));
    }

    void exportNeedsAConnection()
    {
        Session session;
        WorkspacePage page(session, options());
        auto written = page.exportConfig(m_dir.filePath(QStringLiteral("never.json")));
        QVERIFY(!written.ok());
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("never.json"))));
    }

    void everyControlHasATooltipAndTheKeyboardWorks()
    {
        Session session;
        WorkspacePage page(session, options());
        page.show();
        QWizard *wizard = page.wizard();
        QStringList missing;
        for (int id : wizard->pageIds()) {
            const QWizardPage *wizardPage = wizard->page(id);
            for (QWidget *w : wizardPage->findChildren<QWidget *>()) {
                const bool control = qobject_cast<QAbstractButton *>(w) || qobject_cast<QLineEdit *>(w) ||
                                     qobject_cast<QComboBox *>(w) || qobject_cast<QPlainTextEdit *>(w) ||
                                     qobject_cast<QProgressBar *>(w);
                // Parts of composite widgets (a combo's line edit, a table's corner button) are not controls.
                const QWidget *parent = w->parentWidget();
                if (control && w->toolTip().isEmpty() && !qobject_cast<const QLineEdit *>(parent) &&
                    !qobject_cast<const QComboBox *>(parent) && !qobject_cast<const QAbstractItemView *>(parent))
                    missing << QStringLiteral("%1/%2").arg(wizardPage->objectName(), w->objectName().isEmpty() ? QString::fromLatin1(w->metaObject()->className()) : w->objectName());
            }
        }
        // A label with a mnemonic must lead somewhere, or the '&' shows as text.
        for (int id : wizard->pageIds())
            for (QLabel *label : wizard->page(id)->findChildren<QLabel *>())
                if (label->textFormat() != Qt::PlainText && label->text().contains(QRegularExpression(QStringLiteral("&\\w"))) &&
                    !label->buddy() && !label->text().contains(QStringLiteral("<a ")))
                    missing << QStringLiteral("label without buddy: %1").arg(label->text());
        for (auto which : {QWizard::NextButton, QWizard::BackButton, QWizard::FinishButton, QWizard::CustomButton1, QWizard::CustomButton2})
            if (wizard->button(which)->toolTip().isEmpty())
                missing << QStringLiteral("wizard button %1").arg(int(which));
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QStringLiteral(", "))));

        // Keyboard: Tab to the Azure choice and press Space.
        auto *azure = child<QCommandLinkButton>(wizard, WorkspacePage::IntroPageId, "azureButton");
        azure->setFocus();
        QTest::keyClick(azure, Qt::Key_Space);
        QCOMPARE(wizard->currentId(), int(WorkspacePage::SignInPageId));
    }

    void errorsReadUnderTheDarkPaletteAndTabFollowsTheForm()
    {
        const QPalette light = QApplication::palette();
        applyAppearance(*qApp, Appearance::Dark);
        {
            Session session;
            WorkspacePage page(session, options());
            page.show();
            QWizard *wizard = page.wizard();
            child<QCommandLinkButton>(wizard, WorkspacePage::IntroPageId, "azureButton")->click();
            QWizardPage *signIn = wizard->page(WorkspacePage::SignInPageId);
            auto *tenant = child<QLineEdit>(wizard, WorkspacePage::SignInPageId, "tenantEdit");
            tenant->setText(QStringLiteral("not a tenant"));
            auto *tenantError = child<QLabel>(wizard, WorkspacePage::SignInPageId, "tenantError");
            QVERIFY(tenantError->isVisible());
            tenantError->ensurePolished();
            // The validation text and the page's own text read on the dark page (WCAG AA: 4.5).
            const QColor background = signIn->palette().color(QPalette::Window);
            QVERIFY2(background.lightnessF() < 0.5, qPrintable(background.name()));
            const QColor error = tenantError->palette().color(tenantError->foregroundRole());
            QVERIFY2(contrastRatio(error, background) >= 4.5,
                     qPrintable(QStringLiteral("%1 on %2: %3").arg(error.name(), background.name()).arg(contrastRatio(error, background))));
            const QColor text = tenant->palette().color(QPalette::Text);
            QVERIFY(contrastRatio(text, tenant->palette().color(QPalette::Base)) >= 4.5);

            // Tab walks the form in reading order: method, tenant, client, secret, authority, Sign in.
            child<QRadioButton>(wizard, WorkspacePage::SignInPageId, "servicePrincipalRadio")->setChecked(true);
            const QStringList expected{QStringLiteral("servicePrincipalRadio"), QStringLiteral("tenantEdit"),
                                       QStringLiteral("clientIdEdit"), QStringLiteral("secretEdit"),
                                       QStringLiteral("authorityEdit"), QStringLiteral("signInButton")};
            QStringList chain;
            QWidget *w = signIn;
            do {
                w = w->nextInFocusChain();
                if (signIn->isAncestorOf(w) && (w->focusPolicy() & Qt::TabFocus) && w->isVisible() && expected.contains(w->objectName()))
                    chain << w->objectName();
            } while (w != signIn && chain.size() < 50);
            QCOMPARE(chain, expected);
        }
        QApplication::setPalette(light);
        // Light again: the same red reads on the light window too.
        QVERIFY(contrastRatio(errorTextColor(QApplication::palette()), QApplication::palette().color(QPalette::Window)) >= 4.5);
    }

    void installedInTheWindowOnTheWorkspaceStep()
    {
        Session session;
        MainWindow window;
        QElapsedTimer clock;
        clock.start();
        installPages(window, session);
        window.showStep(Step::Workspace);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        qInfo("window with every page built and shown in %lld ms", clock.elapsed());
        QVERIFY(qobject_cast<WorkspacePage *>(window.page(Step::Workspace)));
        QVERIFY(window.isReachable(Step::Workspace));
        QCOMPARE(window.currentStep(), Step::Workspace);
        QCOMPARE(window.connectionText(), QStringLiteral("Not connected"));
    }
};

QTEST_MAIN(WorkspacePageTest)
#include "workspace_page_test.moc"
