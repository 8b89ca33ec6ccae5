#include "ui/models/deploy_controller.h"

#include "core/azure/client.h"
#include "core/azure/ml_client.h"
#include "core/azure/requests.h"
#include "core/azure/secret_store.h"
#include "ui/session.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>

namespace cerulean::ui {

namespace {

constexpr int kMinNameLength = 3;
constexpr int kMaxNameLength = 32;
// The local workspace answers LROs at once but sends no Retry-After.
constexpr std::chrono::milliseconds kLocalPollInterval{250};

// A model container's name, from one item of GET …/models.
azure::Result<QString> parseModelContainerName(const QByteArray &body)
{
    const QJsonDocument document = QJsonDocument::fromJson(body);
    const QString name = document.object().value(QStringLiteral("name")).toString();
    if (name.isEmpty())
        return azure::AzureError::invalidResponse(QStringLiteral("A model in the list has no 'name'."));
    return name;
}

} // namespace

QString endpointNameProblem(const QString &name)
{
    if (name.isEmpty())
        return DeployController::tr("Enter an endpoint name.");
    if (name.size() < kMinNameLength || name.size() > kMaxNameLength)
        return DeployController::tr("The name must be %1 to %2 characters long (it has %3).")
            .arg(kMinNameLength)
            .arg(kMaxNameLength)
            .arg(name.size());
    const QChar first = name.front();
    if (!(first.isLetter() && first.unicode() < 128))
        return DeployController::tr("The name must start with a letter (a–z or A–Z).");
    static const QRegularExpression allowed(QStringLiteral("^[A-Za-z0-9-]+$"));
    if (!allowed.match(name).hasMatch()) {
        for (const QChar c : name)
            if (!(c.unicode() < 128 && (c.isLetterOrNumber() || c == QLatin1Char('-'))))
                return DeployController::tr("'%1' is not allowed: use letters, digits and hyphens.").arg(c);
    }
    if (name.endsWith(QLatin1Char('-')))
        return DeployController::tr("The name must not end with a hyphen.");
    return {};
}

azure::OperationOptions operationOptionsFor(const Session &session)
{
    azure::OperationOptions options;
    if (session.cloud() && session.cloud()->isLocal())
        options.defaultPollInterval = kLocalPollInterval;
    return options;
}

std::shared_ptr<azure::MachineLearningClient> machineLearningClient(const Session &session)
{
    if (!session.isConnected() || !session.cloud() || !session.pipeline())
        return nullptr;
    const auto &pipeline = *session.pipeline();
    azure::PipelineOptions base = pipeline.options();
    auto client = std::make_shared<azure::AzureClient>(*session.cloud(), base.credential, pipeline.transport(), base);
    const WorkspaceRef &ws = session.workspace();
    return std::make_shared<azure::MachineLearningClient>(
        std::move(client), azure::WorkspaceRef{ws.subscriptionId, ws.resourceGroup, ws.workspaceName},
        operationOptionsFor(session));
}

QString armAuthMode(const QString &authMode)
{
    if (authMode == QLatin1String("aml_token"))
        return QStringLiteral("AMLToken");
    if (authMode == QLatin1String("aad_token"))
        return QStringLiteral("AADToken");
    return QStringLiteral("Key");
}

QString sessionAuthMode(const QString &armAuthMode)
{
    if (armAuthMode.compare(QLatin1String("AMLToken"), Qt::CaseInsensitive) == 0)
        return QStringLiteral("aml_token");
    if (armAuthMode.compare(QLatin1String("AADToken"), Qt::CaseInsensitive) == 0)
        return QStringLiteral("aad_token");
    return QStringLiteral("key");
}

DeployController::DeployController(Session *session, QObject *parent)
    : QObject(parent)
    , m_session(session)
{
    if (session) {
        connect(session, &Session::connectionChanged, this, [this] {
            m_client.reset(); // another workspace, another client
            followSession();
        });
        connect(session, &Session::deploymentChanged, this, &DeployController::followSession);
        followSession();
    }
}

DeployController::~DeployController()
{
    if (m_operation)
        m_operation->cancel();
}

void DeployController::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void DeployController::setBusy(bool busy)
{
    if (m_busy == busy)
        return;
    m_busy = busy;
    Q_EMIT busyChanged(busy);
}

void DeployController::followSession()
{
    // A deployment chosen elsewhere (or made here) is the one whose keys this step shows.
    Session *session = m_session.data();
    if (!session)
        return;
    if (m_state == State::Deploying || m_reannouncing)
        return;
    if (!session->deployment().isValid()) {
        m_keys = {};
        Q_EMIT keysChanged();
        setState(State::Idle);
        return;
    }
    setState(State::Deployed);
    if (session->deployment().authMode == QLatin1String("key"))
        loadKeys();
    else {
        m_keys = {};
        Q_EMIT keysChanged();
    }
}

void DeployController::fail(const azure::AzureError &error)
{
    m_error = error;
    m_operation.clear();
    setBusy(false);
    setState(State::Failed);
}

void DeployController::failOperation(const QString &what, const azure::AzureError &error)
{
    m_error = error;
    Q_EMIT operationFailed(what); // before busy ends, so the page shows the error rather than success
    setBusy(false);
}

void DeployController::loadModels()
{
    Session *session = m_session.data();
    if (!session)
        return;
    if (!m_client)
        m_client = machineLearningClient(*session);
    if (!m_client) {
        Q_EMIT modelsLoaded({});
        return;
    }
    const auto client = m_client;
    const azure::HttpRequest request = azure::requests::getArmResource(
        client->cloud(), client->workspace().armId() + QStringLiteral("/models"), QString::fromLatin1(azure::kMlApiVersion));
    azure::listAll<QString>(client->client()->arm(), request, &parseModelContainerName, this,
                            [this, client](azure::Result<QList<QString>> names) {
                                if (!names.ok()) {
                                    failOperation(tr("List the models"), names.error());
                                    return;
                                }
                                struct Gather
                                {
                                    QStringList ids;
                                    qsizetype pending = 0;
                                };
                                auto gather = std::make_shared<Gather>();
                                gather->pending = names->size();
                                if (gather->pending == 0) {
                                    Q_EMIT modelsLoaded({});
                                    return;
                                }
                                for (const QString &name : names.value()) {
                                    client->listModelVersions(name, this, [this, gather, name](azure::Result<QList<azure::Model>> versions) {
                                        // A version's own resource name is its version number: the container names the model.
                                        if (versions.ok())
                                            for (const azure::Model &model : versions.value())
                                                gather->ids << QStringLiteral("azureml:%1:%2")
                                                                   .arg(name, model.version.isEmpty() ? model.name : model.version);
                                        if (--gather->pending == 0) {
                                            gather->ids.sort();
                                            Q_EMIT modelsLoaded(gather->ids);
                                        }
                                    });
                                }
                            });
}

void DeployController::announce(int step, const QString &text)
{
    m_step = step;
    m_stepText = text;
    Q_EMIT progress(step, kSteps, text);
}

void DeployController::track(azure::OperationBase *operation, quint64 generation, std::function<void()> next)
{
    m_operation = operation;
    // Azure takes minutes over a deployment and answers every 30 s: each poll says where it is.
    connect(operation, &azure::OperationBase::progressed, this, [this, generation](const azure::OperationProgress &polled) {
        if (generation == m_generation && polled.nextPollIn >= std::chrono::milliseconds(0))
            Q_EMIT progress(m_step, kSteps, m_stepText + QLatin1Char(' ') + azure::describe(polled));
    });
    connect(operation, &azure::OperationBase::finished, this, [this, operation, generation, next = std::move(next)] {
        operation->deleteLater();
        if (generation != m_generation)
            return; // canceled or superseded
        if (operation->state() != azure::OperationState::Succeeded) {
            fail(operation->error());
            return;
        }
        next();
    });
    operation->start();
}

void DeployController::deploy(const DeploySettings &settings)
{
    Session *session = m_session.data();
    if (!session)
        return;
    if (!m_client)
        m_client = machineLearningClient(*session);
    if (!m_client) {
        fail(azure::AzureError::invalidInput(tr("Connect to a workspace first.")));
        return;
    }
    const QString problem = endpointNameProblem(settings.endpointName);
    if (!problem.isEmpty()) {
        fail(azure::AzureError::invalidInput(tr("Endpoint name: %1").arg(problem)));
        return;
    }
    if (settings.modelId.trimmed().isEmpty()) {
        fail(azure::AzureError::invalidInput(tr("Choose a registered model to deploy.")));
        return;
    }
    if (settings.instanceCount < 1) {
        fail(azure::AzureError::invalidInput(tr("Instance count must be at least 1.")));
        return;
    }
    m_settings = settings;
    m_error = {};
    const quint64 generation = ++m_generation;
    setBusy(true);
    setState(State::Deploying);
    announce(1, tr("Creating endpoint %1…").arg(settings.endpointName));
    azure::OnlineEndpointSpec spec;
    spec.name = settings.endpointName;
    spec.location = session->workspace().location;
    spec.authMode = armAuthMode(settings.authMode);
    track(m_client->createOnlineEndpoint(spec, this), generation, [this, generation] { createDeployment(generation); });
}

void DeployController::createDeployment(quint64 generation)
{
    announce(2, tr("Creating deployment %1 (starting the scoring container)…").arg(m_settings.deploymentName));
    azure::OnlineDeploymentSpec spec;
    spec.endpointName = m_settings.endpointName;
    spec.name = m_settings.deploymentName;
    spec.location = m_session ? m_session->workspace().location : QString();
    spec.model = m_settings.modelId.trimmed();
    spec.instanceType = m_settings.instanceType;
    spec.instanceCount = m_settings.instanceCount;
    spec.appInsightsEnabled = m_settings.appInsightsEnabled;
    track(m_client->createOnlineDeployment(spec, this), generation, [this, generation] { routeTraffic(generation); });
}

void DeployController::routeTraffic(quint64 generation)
{
    announce(3, tr("Sending all traffic to %1…").arg(m_settings.deploymentName));
    azure::OnlineEndpointSpec spec;
    spec.name = m_settings.endpointName;
    spec.location = m_session ? m_session->workspace().location : QString();
    spec.authMode = armAuthMode(m_settings.authMode);
    spec.traffic.insert(m_settings.deploymentName, 100);
    track(m_client->createOnlineEndpoint(spec, this), generation, [this, generation] { readEndpoint(generation); });
}

void DeployController::readEndpoint(quint64 generation)
{
    m_operation.clear();
    announce(4, tr("Reading the scoring URI…"));
    m_client->getOnlineEndpoint(m_settings.endpointName, this, [this, generation](azure::Result<azure::OnlineEndpoint> endpoint) {
        if (generation != m_generation)
            return;
        if (!endpoint.ok()) {
            fail(endpoint.error());
            return;
        }
        storeKey(generation, endpoint.value());
    });
}

void DeployController::storeKey(quint64 generation, const azure::OnlineEndpoint &endpoint)
{
    if (sessionAuthMode(endpoint.authMode) != QLatin1String("key")) {
        m_keys = {};
        Q_EMIT keysChanged();
        select(endpoint);
        return;
    }
    announce(5, tr("Putting the endpoint key in the keychain…"));
    m_client->listEndpointKeys(endpoint.name, this, [this, generation, endpoint](azure::Result<azure::EndpointKeys> keys) {
        if (generation != m_generation)
            return;
        if (!keys.ok()) {
            fail(keys.error());
            return;
        }
        m_keys = keys.value();
        Q_EMIT keysChanged();
        Session *session = m_session.data();
        if (!session)
            return;
        // The key is kept before the deployment is announced: the other steps read it from the
        // store (the keychain, or this session's memory without one, in which case writing succeeds too).
        const QString secretName = Session::endpointKeySecretName(session->workspace(), endpoint.name);
        azure::SecretStore().write(secretName, m_keys.primaryKey, this, [this, generation, endpoint](azure::Result<azure::Empty> written) {
            if (generation != m_generation)
                return;
            if (!written.ok()) {
                fail(written.error());
                return;
            }
            select(endpoint);
        });
    });
}

void DeployController::select(const azure::OnlineEndpoint &endpoint)
{
    Session *session = m_session.data();
    m_operation.clear();
    setBusy(false);
    setState(State::Deployed);
    if (!session)
        return;
    DeploymentRef ref;
    ref.endpointName = endpoint.name;
    ref.deploymentName = m_settings.deploymentName;
    ref.scoringUri = endpoint.scoringUri;
    ref.swaggerUri = endpoint.swaggerUri;
    ref.authMode = sessionAuthMode(endpoint.authMode);
    if (session->deployment() == ref) {
        // Same endpoint again (a redeploy): announce it anew so the other steps re-read the key.
        reannounce(ref);
        return;
    }
    session->setDeployment(ref);
}

void DeployController::reannounce(const DeploymentRef &deployment)
{
    Session *session = m_session.data();
    if (!session)
        return;
    // Session signals only changes, and the other steps read the key when the deployment changes.
    m_reannouncing = true;
    session->setDeployment({});
    m_reannouncing = false;
    session->setDeployment(deployment);
}

void DeployController::cancel()
{
    if (m_state != State::Deploying)
        return;
    ++m_generation;
    if (m_operation)
        m_operation->cancel();
    m_operation.clear();
    m_error = azure::AzureError::canceled();
    setBusy(false);
    setState(State::Canceled);
}

void DeployController::loadKeys()
{
    Session *session = m_session.data();
    if (!session || !session->deployment().isValid())
        return;
    if (!m_client)
        m_client = machineLearningClient(*session);
    if (!m_client)
        return;
    const quint64 generation = ++m_keyGeneration;
    m_client->listEndpointKeys(session->deployment().endpointName, this, [this, generation](azure::Result<azure::EndpointKeys> keys) {
        if (generation != m_keyGeneration)
            return;
        if (!keys.ok()) {
            failOperation(tr("Read the endpoint keys"), keys.error());
            return;
        }
        m_keys = keys.value();
        Q_EMIT keysChanged();
    });
}

void DeployController::regenerateKey(bool primary)
{
    Session *session = m_session.data();
    if (!session || !session->deployment().isValid() || m_busy)
        return;
    if (!m_client)
        m_client = machineLearningClient(*session);
    if (!m_client)
        return;
    const DeploymentRef deployment = session->deployment();
    setBusy(true);
    auto *operation = m_client->regenerateEndpointKeys(deployment.endpointName, primary, this);
    connect(operation, &azure::OperationBase::finished, this, [this, operation, primary, deployment] {
        operation->deleteLater();
        if (operation->state() != azure::OperationState::Succeeded) {
            failOperation(tr("Regenerate the key"), operation->error());
            return;
        }
        const quint64 generation = ++m_keyGeneration;
        m_client->listEndpointKeys(deployment.endpointName, this, [this, generation, primary, deployment](azure::Result<azure::EndpointKeys> keys) {
            if (generation != m_keyGeneration)
                return;
            if (!keys.ok()) {
                failOperation(tr("Read the endpoint keys"), keys.error());
                return;
            }
            m_keys = keys.value();
            Q_EMIT keysChanged();
            Session *s = m_session.data();
            if (!primary || !s) {
                setBusy(false);
                return;
            }
            const QString secretName = Session::endpointKeySecretName(s->workspace(), deployment.endpointName);
            azure::SecretStore().write(secretName, m_keys.primaryKey, this, [this, deployment](azure::Result<azure::Empty> written) {
                setBusy(false);
                if (!written.ok()) {
                    failOperation(tr("Keep the new key in the keychain"), written.error());
                    return;
                }
                Session *current = m_session.data();
                if (current && current->deployment() == deployment)
                    reannounce(deployment);
            });
        });
    });
    operation->start();
}

void DeployController::deleteEndpoint()
{
    Session *session = m_session.data();
    if (!session || !session->deployment().isValid() || m_busy)
        return;
    if (!m_client)
        m_client = machineLearningClient(*session);
    if (!m_client)
        return;
    const DeploymentRef deployment = session->deployment();
    const QString secretName = session->keySecretName();
    setBusy(true);
    auto *operation = m_client->deleteOnlineEndpoint(deployment.endpointName, this);
    connect(operation, &azure::OperationBase::finished, this, [this, operation, deployment, secretName] {
        operation->deleteLater();
        if (operation->state() != azure::OperationState::Succeeded) {
            failOperation(tr("Delete the endpoint"), operation->error());
            return;
        }
        azure::SecretStore().remove(secretName, this, [this, deployment](azure::Result<azure::Empty>) {
            // A key left behind in the keychain would only be stale; the endpoint is gone either way.
            setBusy(false);
            m_keys = {};
            Q_EMIT keysChanged();
            Session *current = m_session.data();
            if (current && current->deployment().endpointName == deployment.endpointName)
                current->setDeployment({});
            setState(State::Idle);
            Q_EMIT endpointDeleted();
        });
    });
    operation->start();
}

} // namespace cerulean::ui
