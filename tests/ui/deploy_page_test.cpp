// The Deploy page against a real local workspace service: endpoint name rules as typed, a
// model made by a real AutoML job deployed with progress, URIs and hidden keys, the primary key
// in the keychain under the session's name and the session's deployment set, scoring with it,
// regenerating (with a confirmation), cancel, the service's errors, and deleting the endpoint.

#include "local_deploy_workspace.h"

#include "core/azure/ml_client.h"
#include "core/azure/secret_store.h"
#include "ui/models/deploy_controller.h"
#include "ui/models/endpoint_target.h"
#include "ui/pages/deploy_page.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QToolButton>
#include <QtTest>

using namespace cerulean;
using namespace cerulean::ui;
using namespace std::chrono_literals;

namespace {

constexpr int kDeployTimeoutMs = 60'000;

struct Scored
{
    bool done = false;
    bool ok = false;
    int status = 0;
    QByteArray body;
};

} // namespace

class DeployPageTest final : public QObject
{
    Q_OBJECT

private:
    test::LocalDeployWorkspace m_workspace;
    std::unique_ptr<Session> m_session;
    std::unique_ptr<DeployPage> m_page;
    QStringList m_confirmations;
    bool m_answer = true;

    template <class T>
    T *child(const char *name) const
    {
        return m_page->findChild<T *>(QLatin1String(name));
    }

    // Scores the test rows with a key over HTTP, waiting on the event loop.
    Scored score(const QUrl &uri, const QString &key)
    {
        auto client = std::make_shared<azure::AzureClient>(azure::Cloud::local(m_workspace.server().baseUrl()), nullptr);
        auto result = std::make_shared<Scored>();
        QObject context;
        azure::scoreEndpoint(client, uri, m_workspace.scoringBody(2), key, &context, [result](azure::Result<QByteArray> reply) {
            result->done = true;
            result->ok = reply.ok();
            result->status = reply.ok() ? 200 : reply.error().httpStatus;
            result->body = reply.ok() ? reply.value() : reply.error().message.toUtf8();
        });
        QDeadlineTimer deadline(10s);
        while (!result->done && !deadline.hasExpired())
            QTest::qWait(10);
        return *result;
    }

    azure::Result<QString> readKeychain(const QString &name)
    {
        std::optional<azure::Result<QString>> read;
        QObject context;
        azure::SecretStore().read(name, &context, [&read](azure::Result<QString> value) { read = std::move(value); });
        QDeadlineTimer deadline(10s);
        while (!read && !deadline.hasExpired())
            QTest::qWait(10);
        if (!read)
            return azure::AzureError::timeout(QStringLiteral("keychain read"));
        return *read;
    }

    void setName(const QString &name)
    {
        auto *edit = child<QLineEdit>("endpointName");
        edit->clear();
        QTest::keyClicks(edit, name);
    }

    bool deployAndWait(const QString &name)
    {
        setName(name);
        child<QComboBox>("model")->setCurrentText(m_workspace.modelId());
        if (!child<QPushButton>("deploy")->isEnabled())
            return false;
        QTest::mouseClick(child<QPushButton>("deploy"), Qt::LeftButton);
        QDeadlineTimer deadline(kDeployTimeoutMs);
        while (m_page->controller()->state() == DeployController::State::Deploying && !deadline.hasExpired())
            QTest::qWait(20);
        return m_page->controller()->state() == DeployController::State::Deployed;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_workspace.start(), qPrintable(m_workspace.error()));
        m_session = std::make_unique<Session>();
        m_workspace.connect(*m_session);
        m_page = std::make_unique<DeployPage>(*m_session);
        m_page->setConfirm([this](QWidget *, const QString &title, const QString &) {
            m_confirmations << title;
            return m_answer;
        });
        m_page->resize(1000, 700);
        m_page->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
    }

    void modelsComeFromTheWorkspaceWithTheSessionsModelChosen()
    {
        auto *model = child<QComboBox>("model");
        QTRY_VERIFY2_WITH_TIMEOUT(model->findText(m_workspace.modelId()) >= 0,
                                  qPrintable(QStringLiteral("%1 models listed; %2").arg(model->count()).arg(m_page->controller()->lastError().toString())),
                                  10'000);
        QCOMPARE(model->currentText(), m_workspace.modelId());
    }

    void endpointNameIsCheckedAsTyped_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("why"); // a word the explanation must contain; "" when valid
        QTest::newRow("valid") << QStringLiteral("bank-ep-1") << QString();
        QTest::newRow("digit first") << QStringLiteral("1bank") << QStringLiteral("letter");
        QTest::newRow("hyphen first") << QStringLiteral("-bank") << QStringLiteral("letter");
        QTest::newRow("too short") << QStringLiteral("ab") << QStringLiteral("3 to 32");
        QTest::newRow("too long") << QStringLiteral("a").repeated(33) << QStringLiteral("3 to 32");
        QTest::newRow("underscore") << QStringLiteral("bank_ep") << QStringLiteral("'_'");
        QTest::newRow("trailing hyphen") << QStringLiteral("bank-") << QStringLiteral("hyphen");
        QTest::newRow("32 chars") << QStringLiteral("b").repeated(32) << QString();
    }

    void endpointNameIsCheckedAsTyped()
    {
        QFETCH(QString, name);
        QFETCH(QString, why);
        setName(name);
        const QString shown = child<QLabel>("endpointNameProblem")->text();
        QCOMPARE(endpointNameProblem(name), shown);
        if (why.isEmpty()) {
            QVERIFY2(shown.isEmpty(), qPrintable(shown));
            QVERIFY(child<QPushButton>("deploy")->isEnabled());
        } else {
            QVERIFY2(shown.contains(why), qPrintable(shown));
            QVERIFY(!child<QPushButton>("deploy")->isEnabled());
        }
    }

    void deployShowsUrisKeysAndSelectsTheDeployment()
    {
        QSignalSpy progress(m_page->controller(), &DeployController::progress);
        QSignalSpy deploymentChanged(m_session.get(), &Session::deploymentChanged);
        QVERIFY(child<QCheckBox>("appInsights")->isChecked());
        QVERIFY2(deployAndWait(QStringLiteral("bank-ep")), qPrintable(child<QLabel>("deployError")->text()));
        // Each step is announced; a long-running one adds its polls' progress to the same step.
        QSet<int> steps;
        bool polled = false;
        for (const QList<QVariant> &emitted : progress) {
            steps.insert(emitted.at(0).toInt());
            polled = polled || emitted.at(2).toString().contains(QStringLiteral("so far"));
        }
        QCOMPARE(steps.size(), DeployController::kSteps);
        QVERIFY(polled);
        QCOMPARE(child<QProgressBar>("deployProgress")->value(), child<QProgressBar>("deployProgress")->maximum());

        const DeploymentRef &deployment = m_session->deployment();
        QCOMPARE(deployment.endpointName, QStringLiteral("bank-ep"));
        QCOMPARE(deployment.deploymentName, QStringLiteral("blue"));
        QCOMPARE(deployment.authMode, QStringLiteral("key"));
        QVERIFY(deployment.scoringUri.port() > 0);
        QVERIFY(deploymentChanged.size() >= 1);
        QCOMPARE(child<QLineEdit>("scoringUri")->text(), deployment.scoringUri.toString());
        QCOMPARE(child<QLineEdit>("swaggerUri")->text(), deployment.swaggerUri.toString());
        QVERIFY(!deployment.swaggerUri.isEmpty());

        // The deployment as the service stored it: what the form said.
        const local::ApiResponse stored = m_workspace.call("GET", m_workspace.workspaceId() + QStringLiteral("/onlineEndpoints/bank-ep/deployments/blue"));
        QCOMPARE(stored.status, 200);
        QCOMPARE(stored.json()["properties"]["appInsightsEnabled"].get<bool>(), true);
        QCOMPARE(QString::fromStdString(stored.json()["properties"]["instanceType"].get<std::string>()), QStringLiteral("Standard_DS3_v2"));

        // Keys: hidden until shown; the primary one is in the keychain under the session's name.
        auto *primary = child<QLineEdit>("primaryKey");
        QTRY_VERIFY_WITH_TIMEOUT(!primary->text().isEmpty(), 5000);
        QCOMPARE(primary->echoMode(), QLineEdit::Password);
        QCOMPARE(child<QLineEdit>("secondaryKey")->echoMode(), QLineEdit::Password);
        QVERIFY(primary->displayText() != primary->text());
        child<QToolButton>("showKeys")->click();
        QCOMPARE(primary->echoMode(), QLineEdit::Normal);
        QCOMPARE(primary->displayText(), primary->text());
        child<QToolButton>("showKeys")->click();
        QCOMPARE(primary->echoMode(), QLineEdit::Password);
        child<QToolButton>("copyPrimary")->click();
        QCOMPARE(QGuiApplication::clipboard()->text(), primary->text());
        QGuiApplication::clipboard()->clear();

        const auto kept = readKeychain(m_session->keySecretName());
        QVERIFY2(kept.ok(), qPrintable(kept.error().toString()));
        QCOMPARE(kept.value(), primary->text());

        // Scoring works with the key and is refused without it.
        const Scored good = score(deployment.scoringUri, primary->text());
        QVERIFY2(good.ok, good.body.constData());
        QVERIFY(good.body.contains("result") || good.body.contains("Results") || good.body.startsWith('['));
        const Scored bad = score(deployment.scoringUri, QStringLiteral("not-the-key"));
        QCOMPARE(bad.status, 401);
    }

    void regeneratingAsksFirstThenReplacesTheKeyEverywhere()
    {
        QVERIFY(m_session->deployment().isValid());
        const QString before = child<QLineEdit>("primaryKey")->text();
        const QString secondaryBefore = child<QLineEdit>("secondaryKey")->text();
        QVERIFY(!before.isEmpty());

        // Declined: nothing changes.
        m_answer = false;
        m_confirmations.clear();
        QTest::mouseClick(child<QPushButton>("regeneratePrimary"), Qt::LeftButton);
        QCOMPARE(m_confirmations.size(), 1);
        QVERIFY(m_confirmations.front().contains(QStringLiteral("primary")));
        QTest::qWait(300);
        QCOMPARE(child<QLineEdit>("primaryKey")->text(), before);
        QVERIFY(!m_page->controller()->busy());

        // Confirmed: a new primary key, in the keychain, accepted by the endpoint; the old one is refused.
        m_answer = true;
        QTest::mouseClick(child<QPushButton>("regeneratePrimary"), Qt::LeftButton);
        QVERIFY(m_page->controller()->busy());
        QTRY_VERIFY_WITH_TIMEOUT(!m_page->controller()->busy(), 10'000);
        QTRY_VERIFY_WITH_TIMEOUT(!child<QLineEdit>("primaryKey")->text().isEmpty() && child<QLineEdit>("primaryKey")->text() != before, 10'000);
        const QString after = child<QLineEdit>("primaryKey")->text();
        QVERIFY(child<QLabel>("deployStatus")->text().contains(QStringLiteral("New primary key")));
        QCOMPARE(child<QLineEdit>("secondaryKey")->text(), secondaryBefore);
        const auto kept = readKeychain(m_session->keySecretName());
        QVERIFY(kept.ok());
        QCOMPARE(kept.value(), after);
        QTRY_COMPARE_WITH_TIMEOUT(score(m_session->deployment().scoringUri, before).status, 401, 5000);
        QVERIFY(score(m_session->deployment().scoringUri, after).ok);
        QVERIFY(score(m_session->deployment().scoringUri, secondaryBefore).ok);
    }

    void serviceErrorsShowCodeMessageAndRequestId()
    {
        const DeploymentRef kept = m_session->deployment();
        setName(QStringLiteral("missing-model-ep"));
        child<QComboBox>("model")->setCurrentText(QStringLiteral("azureml:no-such-model:7"));
        QTest::mouseClick(child<QPushButton>("deploy"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->controller()->state() == DeployController::State::Failed, 20'000);
        const QString shown = child<QLabel>("deployError")->text();
        QVERIFY2(shown.contains(QStringLiteral("BadRequest")), qPrintable(shown));
        QVERIFY2(shown.contains(QStringLiteral("no-such-model")), qPrintable(shown));
        QVERIFY2(shown.contains(QStringLiteral("request id")), qPrintable(shown));
        QVERIFY(!m_page->controller()->lastError().requestId.isEmpty());
        QVERIFY(shown.contains(m_page->controller()->lastError().requestId));
        QVERIFY(m_session->deployment() == kept); // a failed deploy does not change the selection
        QVERIFY(child<QPushButton>("deploy")->isEnabled());
        child<QComboBox>("model")->setCurrentText(m_workspace.modelId());
    }

    void cancelStopsWaitingAndLeavesTheFormUsable()
    {
        setName(QStringLiteral("canceled-ep"));
        QTest::mouseClick(child<QPushButton>("deploy"), Qt::LeftButton);
        QVERIFY(m_page->controller()->state() == DeployController::State::Deploying);
        QVERIFY(child<QPushButton>("cancelDeploy")->isEnabled());
        QVERIFY(!child<QPushButton>("deploy")->isEnabled());
        QTest::mouseClick(child<QPushButton>("cancelDeploy"), Qt::LeftButton);
        QVERIFY(m_page->controller()->state() == DeployController::State::Canceled);
        QVERIFY(child<QPushButton>("deploy")->isEnabled());
        QVERIFY(!child<QPushButton>("cancelDeploy")->isEnabled());
        QVERIFY(child<QLabel>("deployStatus")->text().contains(QStringLiteral("Canceled")));
        QCOMPARE(m_session->deployment().endpointName, QStringLiteral("bank-ep"));
        // Late replies of the canceled deploy change nothing.
        QTest::qWait(1000);
        QVERIFY(m_page->controller()->state() == DeployController::State::Canceled);
        QCOMPARE(m_session->deployment().endpointName, QStringLiteral("bank-ep"));
    }

    void deleteAsksThenRemovesEndpointKeyAndSelection()
    {
        const QString secretName = m_session->keySecretName();
        m_answer = false;
        m_confirmations.clear();
        QTest::mouseClick(child<QPushButton>("deleteEndpoint"), Qt::LeftButton);
        QCOMPARE(m_confirmations.size(), 1);
        QVERIFY(m_session->deployment().isValid());

        m_answer = true;
        QSignalSpy deleted(m_page->controller(), &DeployController::endpointDeleted);
        QTest::mouseClick(child<QPushButton>("deleteEndpoint"), Qt::LeftButton);
        QVERIFY(deleted.wait(20'000));
        QVERIFY(!m_session->deployment().isValid());
        QVERIFY(child<QLabel>("deployStatus")->text().contains(QStringLiteral("deleted")));
        QVERIFY(child<QLineEdit>("scoringUri")->text().isEmpty());
        QVERIFY(child<QLineEdit>("primaryKey")->text().isEmpty());
        QVERIFY(!child<QPushButton>("deleteEndpoint")->isEnabled());
        QCOMPARE(m_workspace.call("GET", m_workspace.workspaceId() + QStringLiteral("/onlineEndpoints/bank-ep")).status, 404);
        const auto gone = readKeychain(secretName);
        QVERIFY(!gone.ok());
        QVERIFY(gone.error().kind == azure::ErrorKind::NotFound);
    }

    // An Azure ML token endpoint: no keys; the steps that score it (Consume, Benchmark, through
    // EndpointTarget) send the endpoint's own token, and its hidden keys open nothing.
    void amlTokenEndpointScoresWithItsOwnTokenOnly()
    {
        auto *auth = child<QComboBox>("authMode");
        auth->setCurrentIndex(auth->findData(QStringLiteral("aml_token")));
        QVERIFY2(deployAndWait(QStringLiteral("bank-tok")), qPrintable(child<QLabel>("deployError")->text()));
        const DeploymentRef deployment = m_session->deployment();
        QCOMPARE(deployment.endpointName, QStringLiteral("bank-tok"));
        QCOMPARE(deployment.authMode, QStringLiteral("aml_token"));
        QVERIFY(child<QLineEdit>("primaryKey")->text().isEmpty());

        EndpointTarget target(azure::AzureClient::networkTransport(), m_session.get());
        QTRY_VERIFY_WITH_TIMEOUT(!target.key().isEmpty(), 10'000);
        const Scored good = score(deployment.scoringUri, target.key());
        QVERIFY2(good.ok, good.body.constData());
        const QString endpointId = m_workspace.workspaceId() + QStringLiteral("/onlineEndpoints/bank-tok");
        const auto stored = m_workspace.server().service().store().resource(endpointId);
        QVERIFY(stored.has_value());
        const QString hidden = QString::fromStdString(stored->doc["_local"]["keys"].value("primaryKey", std::string()));
        QVERIFY(!hidden.isEmpty());
        QCOMPARE(score(deployment.scoringUri, hidden).status, 401);
        auth->setCurrentIndex(auth->findData(QStringLiteral("key")));
    }

    void cleanupTestCase()
    {
        m_page.reset();
        m_session.reset();
    }
};

QTEST_MAIN(DeployPageTest)
#include "deploy_page_test.moc"
