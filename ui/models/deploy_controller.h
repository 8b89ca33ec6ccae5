#pragma once

#include "core/azure/azure_error.h"
#include "core/azure/operation.h"
#include "core/azure/resources.h"

#include <QObject>
#include <QPointer>
#include <QStringList>

#include <functional>
#include <memory>

namespace cerulean::azure {
class MachineLearningClient;
} // namespace cerulean::azure

namespace cerulean::ui {

class Session;
struct DeploymentRef;

// Why an online endpoint name breaks Azure's rules, "" when it follows them: 3 to 32
// characters, starting with a letter, then letters, digits and hyphens, not ending with a hyphen.
QString endpointNameProblem(const QString &name);

// How long-running work is polled: every few hundred milliseconds on the local workspace
// (it sends no Retry-After), Azure's default pace otherwise.
azure::OperationOptions operationOptionsFor(const Session &session);

// An ML client for the session's workspace, with the credential and transport of the session's
// pipeline; null when the session is not connected.
std::shared_ptr<azure::MachineLearningClient> machineLearningClient(const Session &session);

// What the Deploy step sends: one managed online endpoint with one deployment taking all traffic.
struct DeploySettings
{
    QString modelId; // "azureml:name:version" or the model version's ARM id
    QString endpointName;
    QString deploymentName = QStringLiteral("blue");
    QString authMode = QStringLiteral("key"); // "key" or "aml_token", as DeploymentRef names them
    QString instanceType = QStringLiteral("Standard_DS3_v2");
    int instanceCount = 1;
    bool appInsightsEnabled = true;
};

// Deploys a registered model to an online endpoint (endpoint, deployment, traffic, keys), then
// puts the endpoint's primary key in the keychain under the session's key name and selects the
// deployment in the session so the Swagger, Consume and Benchmark steps use it. Also reads,
// regenerates and deletes the selected endpoint's keys and the endpoint itself. Every call is
// asynchronous on the event loop; replies to an older request are dropped (generation counter).
class DeployController final : public QObject
{
    Q_OBJECT

public:
    enum class State
    {
        Idle,
        Deploying,
        Deployed,
        Failed,
        Canceled,
    };
    static constexpr int kSteps = 5; // endpoint, deployment, traffic, endpoint URIs, keys

    explicit DeployController(Session *session, QObject *parent = nullptr);
    ~DeployController() override;

    State state() const { return m_state; }
    // The error of the last failed call (deploy, keys, delete), with the service's code and request id.
    const azure::AzureError &lastError() const { return m_error; }
    // Keys of the selected endpoint, held in memory while the page shows them (the keychain keeps the primary).
    const azure::EndpointKeys &keys() const { return m_keys; }
    bool busy() const { return m_busy; }

    // Lists the workspace's model versions as "azureml:name:version" (modelsLoaded).
    void loadModels();
    void deploy(const DeploySettings &settings);
    // Stops waiting for the service; what it already created stays (the endpoint can be deleted).
    void cancel();
    // Reads the selected endpoint's keys (keysChanged).
    void loadKeys();
    // Regenerates one key; a new primary key replaces the one in the keychain.
    void regenerateKey(bool primary);
    // Deletes the selected endpoint, forgets its key and clears the session's deployment.
    void deleteEndpoint();

Q_SIGNALS:
    void modelsLoaded(const QStringList &modelIds);
    // step of kSteps; text says what is being waited for.
    void progress(int step, int steps, const QString &text);
    void stateChanged(cerulean::ui::DeployController::State state);
    void busyChanged(bool busy);
    void keysChanged();
    void endpointDeleted();
    // A call other than deploy failed (keys, regenerate, delete, models); lastError() has the details.
    void operationFailed(const QString &what);

private:
    void setState(State state);
    void setBusy(bool busy);
    void fail(const azure::AzureError &error);
    // Emits progress for a step and remembers it, so that a long wait can add the service's word.
    void announce(int step, const QString &text);
    void failOperation(const QString &what, const azure::AzureError &error);
    void track(azure::OperationBase *operation, quint64 generation, std::function<void()> next);
    void createDeployment(quint64 generation);
    void routeTraffic(quint64 generation);
    void readEndpoint(quint64 generation);
    void storeKey(quint64 generation, const azure::OnlineEndpoint &endpoint);
    void select(const azure::OnlineEndpoint &endpoint);
    void followSession();
    // Sets the session's deployment again so that the other steps re-read its key.
    void reannounce(const DeploymentRef &deployment);

    QPointer<Session> m_session;
    std::shared_ptr<azure::MachineLearningClient> m_client;
    DeploySettings m_settings;
    State m_state = State::Idle;
    bool m_busy = false;
    azure::AzureError m_error;
    azure::EndpointKeys m_keys;
    QPointer<azure::OperationBase> m_operation;
    quint64 m_generation = 0;
    quint64 m_keyGeneration = 0;
    bool m_reannouncing = false;
    int m_step = 0;
    QString m_stepText;
};

// The ARM authMode for a DeploymentRef one ("key" -> "Key", "aml_token" -> "AMLToken") and back.
QString armAuthMode(const QString &authMode);
QString sessionAuthMode(const QString &armAuthMode);

} // namespace cerulean::ui
