#pragma once

#include "ui/models/endpoint_client.h"
#include "ui/models/schema_model.h"

#include <QObject>
#include <QPointer>
#include <QUrl>

#include <memory>

namespace cerulean::azure {
class HttpTransport;
} // namespace cerulean::azure

namespace cerulean::ui {

class Session;

// The scoring endpoint the Swagger, Consume and Benchmark pages work on: its scoring and
// swagger URIs, its key (in memory only: it comes from the keychain or the user types it),
// and its input schema read from swagger.json. It follows the session's selected deployment
// and can be pointed at any endpoint by hand (a server started with `cerulean-cli serve`).
class EndpointTarget final : public QObject
{
    Q_OBJECT

public:
    enum class SchemaState
    {
        None,
        Loading,
        Loaded,
        Failed,
    };

    EndpointTarget(std::shared_ptr<azure::HttpTransport> transport, Session *session, QObject *parent = nullptr);
    ~EndpointTarget() override;

    QUrl scoringUri() const { return m_scoringUri; }
    QUrl swaggerUri() const { return m_swaggerUri; }
    QString key() const { return m_key; }
    // The endpoint's name when it comes from a deployment, else host:port.
    QString displayName() const;
    bool isSet() const { return m_scoringUri.isValid() && !m_scoringUri.isEmpty(); }

    // Also derives the swagger URI ({scoring without /score}/swagger.json) unless one was set.
    void setScoringUri(const QUrl &uri);
    void setSwaggerUri(const QUrl &uri);
    void setKey(const QString &key);

    // Fetches swagger.json and fills schema(); schemaStateChanged reports the outcome.
    void loadSchema();
    SchemaState schemaState() const { return m_schemaState; }
    QString schemaError() const { return m_schemaError; }
    const QByteArray &swaggerJson() const { return m_swaggerJson; }
    SchemaModel *schema() const { return m_schema; }
    EndpointClient *client() const { return m_client; }

    // The swagger URI a scoring URI implies: its path with the last "/score" replaced.
    static QUrl swaggerUriFor(const QUrl &scoringUri);

Q_SIGNALS:
    void changed();
    void schemaStateChanged();

private:
    void followDeployment();
    void onSwagger(const EndpointReply &reply);

    QPointer<Session> m_session;
    EndpointClient *m_client;
    SchemaModel *m_schema;
    QUrl m_scoringUri;
    QUrl m_swaggerUri;
    bool m_swaggerDerived = true;
    QString m_key;
    QString m_endpointName;
    SchemaState m_schemaState = SchemaState::None;
    QString m_schemaError;
    QByteArray m_swaggerJson;
    quint64 m_keyGeneration = 0;
};

} // namespace cerulean::ui
