#pragma once

#include "core/azure/result.h"

#include <QObject>
#include <QString>
#include <QUrl>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

class QThread;

namespace cerulean::azure {
class AzureClient;
class HttpTransport;
} // namespace cerulean::azure

namespace cerulean::local {
class LocalServer;
} // namespace cerulean::local

namespace cerulean::ui {

class Session;

struct LocalWorkspaceOptions
{
    // State directory of the service; empty: AppDataLocation/local-workspace.
    QString root;
    std::uint16_t port = 0; // 0: any free loopback port
    unsigned serverThreads = 4;
    // The workspace the one click opens (made on first use).
    QString resourceGroup = QStringLiteral("local");
    QString workspaceName = QStringLiteral("local-workspace");
    // Long-running creates on loopback finish quickly: poll often.
    std::chrono::milliseconds pollInterval{200};
    // Null: the process-wide network transport.
    std::shared_ptr<azure::HttpTransport> transport;
    // The keychain service under which the built-in principal's secret is kept for
    // `cerulean-cli pipeline token --local-root` (tests use their own).
    QString secretService = QStringLiteral("cerulean");
};

// Opens the local workspace in one call: starts the in-process local workspace service
// (off the GUI thread), signs in with its built-in service principal through the real
// credential and pipeline (the secret stays in memory; a copy goes to the keychain for the
// command line's token command only when asked), makes the workspace if it is not
// there yet, and connects the Session (Connection::Local). Stops the service when closed
// or destroyed.
class LocalWorkspace final : public QObject
{
    Q_OBJECT

public:
    enum class State
    {
        Closed,
        Starting,   // the service opens its store and listens
        SigningIn,  // token from the service's token endpoint
        Preparing,  // resource group and workspace, made when missing
        Connected,
        Failed,
    };
    Q_ENUM(State)

    explicit LocalWorkspace(Session &session, LocalWorkspaceOptions options = {}, QObject *parent = nullptr);
    ~LocalWorkspace() override;

    static QString defaultRoot();

    // Starts opening; reports through stateChanged and opened/failed. Does nothing while
    // opening or connected.
    void open();
    // Disconnects the session (when it is connected here) and stops the service.
    void close();

    State state() const { return m_state; }
    bool isBusy() const;
    QString root() const;
    // Changes the state directory; ignored unless closed or failed.
    void setRoot(const QString &root);
    QUrl baseUrl() const;
    // The signed-in client (ARM, Graph, storage pipelines) while connected; null otherwise.
    std::shared_ptr<azure::AzureClient> client() const { return m_client; }
    const azure::AzureError &error() const { return m_error; }
    // "Starting the local workspace service…", "Connected to …", or the error.
    QString statusText() const { return m_status; }
    // The keychain key (in options().secretService) of the built-in principal's secret, kept
    // for `cerulean-cli pipeline token --local-root`; empty until the service started.
    QString secretKey() const;
    // Puts the built-in principal's secret in the keychain so that `cerulean-cli pipeline token
    // --local-root` signs in to this workspace; an error when connected to none, or when the
    // keychain is not available (a copy in this process's memory is no use to another).
    void shareSignInWithCommandLine(QObject *context, std::function<void(azure::Result<azure::Empty>)> done);
    // How long the last open took, from open() to connected.
    std::chrono::milliseconds openDuration() const { return m_openDuration; }

Q_SIGNALS:
    void stateChanged(cerulean::ui::LocalWorkspace::State state, const QString &status);
    void opened();
    void failed(const cerulean::azure::AzureError &error);

private:
    void onServerStarted();
    void signIn();
    void ensureWorkspace();
    void createWorkspace();
    void connectSession();
    void fail(azure::AzureError error);
    void setState(State state, const QString &status);
    void stopServer();

    Session &m_session;
    LocalWorkspaceOptions m_options;
    State m_state = State::Closed;
    QString m_status;
    azure::AzureError m_error;
    std::unique_ptr<local::LocalServer> m_server;
    QThread *m_starter = nullptr;
    QString m_startError;
    bool m_startOk = false;
    std::shared_ptr<azure::AzureClient> m_client;
    QString m_subscriptionId;
    QString m_location;
    qint64 m_openStartedMs = 0;
    std::chrono::milliseconds m_openDuration{0};
    int m_generation = 0; // drops replies of an open that was closed meanwhile
};

} // namespace cerulean::ui
