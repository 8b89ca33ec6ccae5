// The app's flows where the keychain cannot keep a secret: opening the local workspace, deploying
// a model to it, scoring the endpoint from the Consume step and signing in with a service
// principal, through the real window. keychain_fallback_test.sh runs this program on a real
// D-Bus (or none) in each situation a user meets: no session bus at all, a bus without a
// Secret Service, a locked GNOME Keyring, and an unlocked one as the control
// (CERULEAN_EXPECT_KEYCHAIN=available). Every flow completes either way; without a keychain
// the window shows its notice once, the secrets stay in memory and no file holds them.

#include "core/azure/ml_client.h"
#include "core/azure/secret_store.h"
#include "core/local/local_server.h"
#include "ui/main_window.h"
#include "ui/models/deploy_controller.h"
#include "ui/models/endpoint_target.h"
#include "ui/models/reply_model.h"
#include "ui/models/schema_input_model.h"
#include "ui/pages/consume_page.h"
#include "ui/pages/deploy_page.h"
#include "ui/pages/pages.h"
#include "ui/pages/swagger_page.h"
#include "ui/pages/workspace_page.h"
#include "ui/session.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCommandLinkButton>
#include <QDirIterator>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QWizard>
#include <QtTest>

#include <memory>
#include <optional>

using namespace cerulean;
using namespace cerulean::ui;

namespace {

constexpr int kOpenMs = 60'000;
constexpr int kCallMs = 30'000;
constexpr int kDeployMs = 90'000;

template <class T>
T *wizardChild(QWizard *wizard, int pageId, const char *name)
{
    return wizard->page(pageId)->findChild<T *>(QString::fromLatin1(name));
}

azure::Result<QString> readSecret(const azure::SecretStore &store, const QString &key)
{
    std::optional<azure::Result<QString>> result;
    QObject context;
    store.read(key, &context, [&](azure::Result<QString> r) { result = std::move(r); });
    QDeadlineTimer deadline(kCallMs);
    while (!result && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return result ? *result : azure::Result<QString>(azure::AzureError::timeout(QStringLiteral("keychain read")));
}

// Files under `root` whose bytes contain `secret` (relative paths).
QStringList filesHolding(const QString &root, const QString &secret)
{
    QStringList found;
    const QByteArray needle = secret.toUtf8();
    QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile file(path);
        if (file.open(QIODevice::ReadOnly) && file.readAll().contains(needle))
            found << QDir(root).relativeFilePath(path);
    }
    return found;
}

} // namespace

class KeychainFallbackTest final : public QObject
{
    Q_OBJECT

private:
    const bool m_expectKeychain = qEnvironmentVariable("CERULEAN_EXPECT_KEYCHAIN") == QLatin1String("available");
    QTemporaryDir m_dir;
    std::unique_ptr<QSignalSpy> m_notices;
    std::unique_ptr<local::LocalServer> m_azureLike; // the "Azure" the service principal signs in to
    std::unique_ptr<Session> m_session;
    std::unique_ptr<MainWindow> m_window;
    QString m_endpointKey;

    WorkspacePage *workspacePage() const { return qobject_cast<WorkspacePage *>(m_window->page(Step::Workspace)); }

    // What the flow may show: the notice exactly when no keychain is expected.
    void checkNotice(const char *after)
    {
        if (m_expectKeychain) {
            QVERIFY2(m_window->keychainNotice().isEmpty(), after);
            QVERIFY2(azure::KeychainStatus::instance().isAvailable(), qPrintable(azure::KeychainStatus::instance().reason()));
            QCOMPARE(m_notices->count(), 0);
        } else {
            QVERIFY2(m_window->keychainNotice().contains(QStringLiteral("kept for this session only")), after);
            QVERIFY(m_window->keychainNotice().contains(QStringLiteral("GNOME Keyring or KWallet")));
            QCOMPARE(m_notices->count(), 1); // once, however many secrets followed
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // Before anything can touch the keychain: every announcement is counted.
        m_notices = std::make_unique<QSignalSpy>(&azure::KeychainStatus::instance(), &azure::KeychainStatus::becameUnavailable);
        qInfo("D-Bus session: %s; expecting the keychain to be %s", qPrintable(qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS", QStringLiteral("(none)"))),
              m_expectKeychain ? "available" : "unavailable");

        local::LocalServerOptions options;
        options.service.root = m_dir.filePath(QStringLiteral("azure-like"));
        options.service.startWorkers = false; // the sign-in needs the token endpoint only
        options.threads = 2;
        m_azureLike = std::make_unique<local::LocalServer>(options);
        QString error;
        QVERIFY2(m_azureLike->start(&error), qPrintable(error));

        m_session = std::make_unique<Session>();
        m_window = std::make_unique<MainWindow>();
        installPages(*m_window, *m_session);
        m_window->resize(1366, 768);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void cleanupTestCase()
    {
        m_window.reset(); // stops the local workspace and its endpoints
        m_session.reset();
        m_azureLike.reset();
    }

    // The local workspace opens without asking the keychain anything (a locked keyring would
    // otherwise fail here, or on a desktop ask the user to unlock or create one).
    void openingTheLocalWorkspaceLeavesTheKeychainAlone()
    {
        WorkspacePage *page = workspacePage();
        QVERIFY(page);
        page->setLocalRoot(m_dir.filePath(QStringLiteral("local-workspace")));
        page->openLocalWorkspace();
        QTRY_VERIFY2_WITH_TIMEOUT(page->localWorkspace()->state() == LocalWorkspace::State::Connected,
                                  qPrintable(page->localWorkspace()->statusText()), kOpenMs);
        QCOMPARE(m_session->connection(), Session::Connection::Local);
        QCOMPARE(m_notices->count(), 0);
        QVERIFY(azure::KeychainStatus::instance().isAvailable());
        QVERIFY(m_window->keychainNotice().isEmpty());
    }

    void deployCompletesAndTheOtherStepsGetTheKey()
    {
        // A real model package (tests/serving's fixture) registered in the workspace.
        const QString package = qEnvironmentVariable("CERULEAN_TEST_PACKAGE");
        QVERIFY2(QFileInfo(package).isDir(), qPrintable(package));
        const WorkspaceRef &ws = m_session->workspace();
        const azure::MachineLearningClient ml(workspacePage()->localWorkspace()->client(),
                                              azure::WorkspaceRef{ws.subscriptionId, ws.resourceGroup, ws.workspaceName});
        azure::ModelSpec model;
        model.name = QStringLiteral("bank-quick");
        model.version = QStringLiteral("1");
        model.modelUri = QUrl::fromLocalFile(package).toString();
        std::optional<azure::Result<azure::Model>> registered;
        ml.createModelVersion(model, this, [&](azure::Result<azure::Model> r) { registered = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(registered.has_value(), kCallMs);
        QVERIFY2(registered->ok(), qPrintable(registered->error().toString()));
        m_session->setModelId(QStringLiteral("azureml:bank-quick:1"));

        auto *deploy = qobject_cast<DeployPage *>(m_window->page(Step::Deploy));
        QVERIFY(deploy);
        m_window->showStep(Step::Deploy);
        auto *models = deploy->findChild<QComboBox *>(QStringLiteral("model"));
        QTRY_VERIFY_WITH_TIMEOUT(models->findText(QStringLiteral("azureml:bank-quick:1")) >= 0, kCallMs);
        models->setCurrentText(QStringLiteral("azureml:bank-quick:1"));
        deploy->findChild<QLineEdit *>(QStringLiteral("endpointName"))->setText(QStringLiteral("bank-fallback"));
        deploy->findChild<QCheckBox *>(QStringLiteral("appInsights"))->setChecked(false);
        deploy->deploy();
        DeployController *controller = deploy->controller();
        QTRY_VERIFY2_WITH_TIMEOUT(controller->state() != DeployController::State::Deploying, "still deploying", kDeployMs);
        QVERIFY2(controller->state() == DeployController::State::Deployed, qPrintable(controller->lastError().toString()));
        QVERIFY(m_session->deployment().isValid());
        m_endpointKey = controller->keys().primaryKey;
        QVERIFY(!m_endpointKey.isEmpty());

        const QString keyNote = deploy->findChild<QLabel *>(QStringLiteral("keyNote"))->text();
        QVERIFY2(keyNote.contains(m_expectKeychain ? QStringLiteral("system keychain") : QStringLiteral("this session only")),
                 qPrintable(keyNote));
        checkNotice("after deploying");
        // The endpoint's key, as the other steps read it (the keychain, or memory without one).
        auto kept = readSecret(azure::SecretStore(), m_session->keySecretName());
        QVERIFY2(kept.ok(), qPrintable(kept.error().toString()));
        QCOMPARE(kept.value(), m_endpointKey);
    }

    void consumeScoresWithTheKeptKey()
    {
        QVERIFY(!m_endpointKey.isEmpty());
        auto *swagger = qobject_cast<SwaggerPage *>(m_window->page(Step::Swagger));
        auto *consume = qobject_cast<ConsumePage *>(m_window->page(Step::Consume));
        QVERIFY(swagger && consume);
        auto *target = swagger->findChild<EndpointTarget *>();
        QVERIFY(target);
        QTRY_COMPARE_WITH_TIMEOUT(target->key(), m_endpointKey, kCallMs);
        m_window->showStep(Step::Swagger);
        swagger->fetch();
        QTRY_VERIFY_WITH_TIMEOUT(target->schemaState() == EndpointTarget::SchemaState::Loaded, kCallMs);
        m_window->showStep(Step::Consume);
        if (consume->inputModel()->columnCount() <= ScoringInputModel::FirstRowColumn)
            consume->inputModel()->addInputRow();
        QSignalSpy replies(consume, &ConsumePage::replyShown);
        consume->send();
        QTRY_VERIFY_WITH_TIMEOUT(replies.count() == 1, kCallMs);
        QVERIFY2(consume->replyErrorText().isEmpty(), qPrintable(consume->replyErrorText()));
        QVERIFY(consume->replyModel()->rowCount() > 0);
        checkNotice("after scoring");
    }

    // The one thing that needs the keychain itself: letting another process (the Pipelines
    // step's token command) sign in to the app's local workspace, only when asked.
    void commandLineSignInIsPutInTheKeychainOnlyWhenAsked()
    {
        auto *pipelines = m_window->page(Step::Pipelines);
        auto *share = pipelines->findChild<QPushButton *>(QStringLiteral("shareSignIn"));
        QVERIFY(share);
        QVERIFY(!share->isHidden()); // offered on the local workspace (its tab is not the current one)
        LocalWorkspace *local = workspacePage()->localWorkspace();
        const azure::SecretStore store(workspacePage()->options().secretService);
        auto before = readSecret(store, local->secretKey());
        QVERIFY(!before.ok()); // not there after opening, deploying and scoring
        share->click();
        auto *message = pipelines->findChild<QLabel *>(QStringLiteral("message"));
        QTRY_VERIFY_WITH_TIMEOUT(share->isEnabled(), kCallMs);
        if (m_expectKeychain) {
            QVERIFY2(message->text().startsWith(QStringLiteral("The command line can sign in")), qPrintable(message->text()));
            auto kept = readSecret(store, local->secretKey());
            QVERIFY2(kept.ok(), qPrintable(kept.error().toString()));
        } else {
            QVERIFY2(message->text().contains(QStringLiteral("The command line cannot sign in to this workspace")),
                     qPrintable(message->text()));
        }
        checkNotice("after asking for the command line's sign-in");
    }

    void servicePrincipalSignInCompletes()
    {
        QWizard *wizard = workspacePage()->wizard();
        m_window->showStep(Step::Workspace);
        wizard->restart();
        wizardChild<QCommandLinkButton>(wizard, WorkspacePage::IntroPageId, "azureButton")->click();
        QCOMPARE(wizard->currentId(), int(WorkspacePage::SignInPageId));
        const local::LocalPrincipal sp = m_azureLike->service().builtInPrincipal();
        wizardChild<QRadioButton>(wizard, WorkspacePage::SignInPageId, "servicePrincipalRadio")->setChecked(true);
        wizardChild<QLineEdit>(wizard, WorkspacePage::SignInPageId, "tenantEdit")->setText(sp.tenantId);
        wizardChild<QLineEdit>(wizard, WorkspacePage::SignInPageId, "clientIdEdit")->setText(sp.clientId);
        wizardChild<QLineEdit>(wizard, WorkspacePage::SignInPageId, "secretEdit")->setText(sp.clientSecret);
        wizardChild<QLineEdit>(wizard, WorkspacePage::SignInPageId, "authorityEdit")->setText(m_azureLike->baseUrl().toString());
        wizardChild<QPushButton>(wizard, WorkspacePage::SignInPageId, "signInButton")->click();
        auto *status = wizardChild<QLabel>(wizard, WorkspacePage::SignInPageId, "signInStatus");
        QTRY_VERIFY2_WITH_TIMEOUT(workspacePage()->azureClient() != nullptr, qPrintable(status->text()), kCallMs);
        QVERIFY2(status->text().startsWith(QStringLiteral("Signed in")), qPrintable(status->text()));
        QVERIFY2(status->text().contains(m_expectKeychain ? QStringLiteral("The secret is in the keychain")
                                                           : QStringLiteral("kept for this session only")),
                 qPrintable(status->text()));
        QVERIFY(wizard->button(QWizard::NextButton)->isEnabled());
        QVERIFY(wizardChild<QLineEdit>(wizard, WorkspacePage::SignInPageId, "secretEdit")->text().isEmpty());
        auto kept = readSecret(azure::SecretStore(workspacePage()->options().secretService),
                               azure::SecretStore::servicePrincipalKey(sp.tenantId, sp.clientId));
        QVERIFY2(kept.ok(), qPrintable(kept.error().toString()));
        QCOMPARE(kept.value(), sp.clientSecret);
        checkNotice("after signing in");
    }

    // Held in memory means held nowhere else: no file under the home, the settings or the
    // app's data (the local service's own store, the endpoint's issuer, is the test's folder).
    void noFileHoldsASecret()
    {
        const QString home = QDir::homePath();
        QVERIFY2(home.startsWith(QDir::tempPath()) || qEnvironmentVariableIsSet("CERULEAN_TEST_HOME_IS_TEMP"),
                 qPrintable(QStringLiteral("HOME %1 is not a throw-away folder; keychain_fallback_test.sh makes one").arg(home)));
        const QString secret = m_azureLike->service().builtInPrincipal().clientSecret;
        QVERIFY(!m_endpointKey.isEmpty() && !secret.isEmpty());
        for (const QString &root : {home, QStandardPaths::writableLocation(QStandardPaths::AppDataLocation),
                                    QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation)}) {
            QVERIFY2(filesHolding(root, m_endpointKey).isEmpty(), qPrintable(filesHolding(root, m_endpointKey).join(QLatin1Char(' '))));
            QVERIFY2(filesHolding(root, secret).isEmpty(), qPrintable(filesHolding(root, secret).join(QLatin1Char(' '))));
        }
        checkNotice("at the end");
        qInfo("the keychain: %s", azure::KeychainStatus::instance().isAvailable()
                                      ? "available"
                                      : qPrintable(azure::KeychainStatus::instance().reason()));
    }
};

QTEST_MAIN(KeychainFallbackTest)
#include "keychain_fallback_test.moc"
