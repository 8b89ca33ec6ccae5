#include "ui/models/endpoint_target.h"

#include "core/azure/ml_client.h"
#include "core/azure/secret_store.h"
#include "ui/models/deploy_controller.h"
#include "ui/session.h"

namespace cerulean::ui {

EndpointTarget::EndpointTarget(std::shared_ptr<azure::HttpTransport> transport, Session *session, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_client(new EndpointClient(std::move(transport), this))
    , m_schema(new SchemaModel(this))
{
    connect(m_client, &EndpointClient::swaggerFetched, this, &EndpointTarget::onSwagger);
    if (session) {
        connect(session, &Session::deploymentChanged, this, &EndpointTarget::followDeployment);
        if (session->deployment().isValid())
            followDeployment();
    }
}

EndpointTarget::~EndpointTarget() = default;

QString EndpointTarget::displayName() const
{
    if (!m_endpointName.isEmpty())
        return m_endpointName;
    if (!isSet())
        return tr("no endpoint");
    return m_scoringUri.port() > 0 ? QStringLiteral("%1:%2").arg(m_scoringUri.host()).arg(m_scoringUri.port())
                                   : m_scoringUri.host();
}

QUrl EndpointTarget::swaggerUriFor(const QUrl &scoringUri)
{
    if (!scoringUri.isValid() || scoringUri.isEmpty())
        return {};
    QUrl swagger = scoringUri;
    QString path = swagger.path();
    if (path.endsWith(QLatin1String("/score")))
        path.chop(int(qstrlen("/score")));
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    swagger.setPath(path + QStringLiteral("/swagger.json"));
    swagger.setQuery(QString());
    return swagger;
}

void EndpointTarget::setScoringUri(const QUrl &uri)
{
    if (uri == m_scoringUri)
        return;
    m_scoringUri = uri;
    m_endpointName.clear();
    if (m_swaggerDerived)
        m_swaggerUri = swaggerUriFor(uri);
    Q_EMIT changed();
}

void EndpointTarget::setSwaggerUri(const QUrl &uri)
{
    m_swaggerDerived = uri.isEmpty() || uri == swaggerUriFor(m_scoringUri);
    if (uri == m_swaggerUri)
        return;
    m_swaggerUri = uri;
    Q_EMIT changed();
}

void EndpointTarget::setKey(const QString &key)
{
    ++m_keyGeneration; // a key typed by hand wins over a keychain read still under way
    if (key == m_key)
        return;
    m_key = key;
    Q_EMIT changed();
}

void EndpointTarget::followDeployment()
{
    Session *session = m_session.data();
    if (!session)
        return;
    const DeploymentRef &deployment = session->deployment();
    if (!deployment.isValid())
        return;
    m_scoringUri = deployment.scoringUri;
    m_swaggerUri = deployment.swaggerUri.isEmpty() ? swaggerUriFor(deployment.scoringUri) : deployment.swaggerUri;
    m_swaggerDerived = deployment.swaggerUri.isEmpty();
    m_endpointName = deployment.endpointName;
    m_key.clear();
    Q_EMIT changed();
    if (deployment.authMode == QLatin1String("aml_token") || deployment.authMode == QLatin1String("aad_token")) {
        // A token endpoint takes no key: its own token (AMLToken) or an Entra token for the
        // ML audience (AADToken), asked for with the session's credential.
        const auto ml = machineLearningClient(*session);
        if (!ml)
            return;
        const quint64 generation = ++m_keyGeneration;
        ml->scoringToken(deployment.endpointName, armAuthMode(deployment.authMode), this,
                         [this, generation, keepAlive = ml](const azure::Result<azure::AccessToken> &token) {
                             if (generation != m_keyGeneration || !token.ok())
                                 return; // stale, or refused: the user can paste a token
                             m_key = token->token;
                             Q_EMIT changed();
                         });
        return;
    }
    const QString secretName = session->keySecretName();
    if (secretName.isEmpty() || deployment.authMode != QLatin1String("key"))
        return;
    const quint64 generation = ++m_keyGeneration;
    azure::SecretStore().read(secretName, this, [this, generation](const azure::Result<QString> &key) {
        if (generation != m_keyGeneration || !key.ok())
            return; // stale, or no key kept for this endpoint: the user can type one
        m_key = key.value();
        Q_EMIT changed();
    });
}

void EndpointTarget::loadSchema()
{
    if (!m_swaggerUri.isValid() || m_swaggerUri.isEmpty()) {
        m_schemaState = SchemaState::Failed;
        m_schemaError = tr("Enter the endpoint's scoring URI first.");
        Q_EMIT schemaStateChanged();
        return;
    }
    m_schemaState = SchemaState::Loading;
    m_schemaError.clear();
    Q_EMIT schemaStateChanged();
    m_client->fetchSwagger(m_swaggerUri, m_key);
}

void EndpointTarget::onSwagger(const EndpointReply &reply)
{
    if (!reply.ok()) {
        m_schemaState = SchemaState::Failed;
        m_schemaError = tr("Could not fetch %1: %2").arg(m_swaggerUri.toString(), reply.error.toString());
        Q_EMIT schemaStateChanged();
        return;
    }
    SwaggerDocument document;
    QString error;
    if (!parseSwagger(reply.body, document, error)) {
        m_schemaState = SchemaState::Failed;
        m_schemaError = error;
        Q_EMIT schemaStateChanged();
        return;
    }
    m_swaggerJson = reply.body;
    m_schemaState = SchemaState::Loaded;
    m_schema->setDocument(document);
    Q_EMIT schemaStateChanged();
}

} // namespace cerulean::ui
