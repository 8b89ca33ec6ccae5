#include "ui/session.h"

#include <QSignalSpy>
#include <QtTest>

using namespace cerulean::ui;

class SessionTest final : public QObject
{
    Q_OBJECT

private:
    static WorkspaceRef workspace()
    {
        return {QStringLiteral("sub-1"), QStringLiteral("rg-ml"), QStringLiteral("ws-bank"), QStringLiteral("local")};
    }

private Q_SLOTS:
    void notConnectedAtFirst()
    {
        Session session;
        QCOMPARE(session.connection(), Session::Connection::None);
        QVERIFY(!session.isConnected());
        QCOMPARE(session.displayName(), QStringLiteral("Not connected"));
        QVERIFY(!session.pipeline());
        QVERIFY(session.keySecretName().isEmpty());
    }

    void displayNameSaysWhereItIsConnected()
    {
        Session session;
        QSignalSpy changed(&session, &Session::connectionChanged);
        session.connectTo(Session::Connection::Azure, nullptr, nullptr, workspace());
        QCOMPARE(changed.size(), 1);
        QCOMPARE(session.displayName(), QStringLiteral("Azure: sub-1 / rg-ml / ws-bank"));
        session.connectTo(Session::Connection::Local, nullptr, nullptr, workspace());
        QCOMPARE(session.displayName(), QStringLiteral("Local workspace: ws-bank"));
        QCOMPARE(session.workspace().armId(),
                 QStringLiteral("/subscriptions/sub-1/resourceGroups/rg-ml/providers/"
                                "Microsoft.MachineLearningServices/workspaces/ws-bank"));
    }

    void selectionsSignalOnlyOnChange()
    {
        Session session;
        QSignalSpy job(&session, &Session::jobChanged);
        session.setJobName(QStringLiteral("job-1"));
        session.setJobName(QStringLiteral("job-1"));
        QCOMPARE(job.size(), 1);
        QSignalSpy deployment(&session, &Session::deploymentChanged);
        DeploymentRef ref;
        ref.endpointName = QStringLiteral("bank-ep");
        ref.deploymentName = QStringLiteral("blue");
        ref.scoringUri = QUrl(QStringLiteral("http://127.0.0.1:5001/score"));
        session.setDeployment(ref);
        session.setDeployment(ref);
        QCOMPARE(deployment.size(), 1);
        QCOMPARE(session.deployment().scoringUri.path(), QStringLiteral("/score"));
    }

    void keysAreNamedPerWorkspaceAndEndpointNeverHeld()
    {
        Session session;
        session.connectTo(Session::Connection::Local, nullptr, nullptr, workspace());
        DeploymentRef ref;
        ref.endpointName = QStringLiteral("bank-ep");
        session.setDeployment(ref);
        QCOMPARE(session.keySecretName(), Session::endpointKeySecretName(workspace(), QStringLiteral("bank-ep")));
        WorkspaceRef other = workspace();
        other.workspaceName = QStringLiteral("ws-other");
        QVERIFY(Session::endpointKeySecretName(other, QStringLiteral("bank-ep")) != session.keySecretName());
    }

    void connectingElsewhereClearsWhatBelongedToTheOldWorkspace()
    {
        Session session;
        session.connectTo(Session::Connection::Local, nullptr, nullptr, workspace());
        session.setDataAsset(QStringLiteral("azureml:bank:1"), QStringLiteral("/tmp/bank.csv"));
        session.setJobName(QStringLiteral("job-1"));
        session.setBestRunId(QStringLiteral("run-7"));
        session.setModelId(QStringLiteral("azureml:bank-model:1"));
        DeploymentRef ref;
        ref.endpointName = QStringLiteral("bank-ep");
        session.setDeployment(ref);
        QSignalSpy deployment(&session, &Session::deploymentChanged);
        QSignalSpy data(&session, &Session::dataAssetChanged);
        session.disconnectFromWorkspace();
        QCOMPARE(deployment.size(), 1);
        QCOMPARE(data.size(), 1);
        QVERIFY(session.dataAsset().isEmpty());
        QVERIFY(session.jobName().isEmpty());
        QVERIFY(session.bestRunId().isEmpty());
        QVERIFY(session.modelId().isEmpty());
        QVERIFY(!session.deployment().isValid());
        QCOMPARE(session.displayName(), QStringLiteral("Not connected"));
        QVERIFY(!session.workspace().isValid());
    }
};

QTEST_GUILESS_MAIN(SessionTest)
#include "session_test.moc"
