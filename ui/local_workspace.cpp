#include "ui/local_workspace.h"

#include "core/azure/client.h"
#include "core/azure/identity.h"
#include "core/azure/ml_client.h"
#include "core/azure/secret_store.h"
#include "core/local/local_server.h"
#include "ui/session.h"

#include <QDateTime>
#include <QDir>
#include <QStandardPaths>
#include <QThread>

namespace cerulean::ui {

namespace {

constexpr const char *kLocalLocation = "local";

azure::WorkspaceRef armRef(const QString &subscriptionId, const LocalWorkspaceOptions &options)
{
    return azure::WorkspaceRef{subscriptionId, options.resourceGroup, options.workspaceName};
}

} // namespace

LocalWorkspace::LocalWorkspace(Session &session, LocalWorkspaceOptions options, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_options(std::move(options))
{
}

LocalWorkspace::~LocalWorkspace()
{
    // The session is left alone here: at exit it may already be gone with the window.
    ++m_generation;
    if (m_starter) {
        m_starter->wait();
        delete m_starter;
        m_starter = nullptr;
    }
    stopServer();
}

QString LocalWorkspace::defaultRoot()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(QStringLiteral("local-workspace"));
}

QString LocalWorkspace::root() const
{
    return m_options.root.isEmpty() ? defaultRoot() : m_options.root;
}

void LocalWorkspace::setRoot(const QString &root)
{
    if (m_state == State::Closed || m_state == State::Failed)
        m_options.root = root;
}

bool LocalWorkspace::isBusy() const
{
    return m_state == State::Starting || m_state == State::SigningIn || m_state == State::Preparing;
}

QUrl LocalWorkspace::baseUrl() const
{
    // Read only once the starter thread is gone: it writes m_startOk.
    return m_server && !m_starter && m_startOk ? m_server->baseUrl() : QUrl();
}

void LocalWorkspace::open()
{
    if (isBusy() || m_state == State::Connected)
        return;
    ++m_generation;
    m_error = {};
    m_openStartedMs = QDateTime::currentMSecsSinceEpoch();
    if (!QDir().mkpath(root())) {
        fail(azure::AzureError::invalidInput(tr("Could not create the local workspace folder %1.").arg(QDir::toNativeSeparators(root()))));
        return;
    }
    setState(State::Starting, tr("Starting the local workspace service in %1…").arg(QDir::toNativeSeparators(root())));

    local::LocalServerOptions serverOptions;
    serverOptions.service.root = root();
    serverOptions.port = m_options.port;
    serverOptions.threads = m_options.serverThreads;
    m_server = std::make_unique<local::LocalServer>(serverOptions);
    m_startOk = false;
    m_startError.clear();
    // Opening the store, recovering jobs and restoring deployments touches the disk: never on
    // the GUI thread. The worker writes m_startOk/m_startError and nothing else.
    local::LocalServer *server = m_server.get();
    m_starter = QThread::create([this, server]() { m_startOk = server->start(&m_startError); });
    m_starter->setObjectName(QStringLiteral("local-workspace-start"));
    connect(m_starter, &QThread::finished, this, &LocalWorkspace::onServerStarted);
    m_starter->start();
}

void LocalWorkspace::onServerStarted()
{
    if (!m_starter)
        return;
    m_starter->wait();
    delete m_starter;
    m_starter = nullptr;
    if (!m_startOk) {
        fail(azure::AzureError::transport(tr("The local workspace service did not start: %1").arg(m_startError)));
        return;
    }
    signIn();
}

void LocalWorkspace::signIn()
{
    const local::LocalPrincipal principal = m_server->service().builtInPrincipal();
    m_subscriptionId = m_server->service().subscriptionId();
    const azure::Cloud cloud = azure::Cloud::local(m_server->baseUrl());
    auto transport = m_options.transport ? m_options.transport : azure::AzureClient::networkTransport();
    // The built-in principal's secret lives only in this credential, in memory.
    auto credential = std::make_shared<azure::ClientSecretCredential>(cloud, principal.tenantId, principal.clientId,
                                                                      principal.clientSecret,
                                                                      azure::AzureClient::tokenPipeline(transport));
    m_client = std::make_shared<azure::AzureClient>(cloud, credential, transport);
    setState(State::SigningIn, tr("Signing in to the local workspace at %1…").arg(m_server->baseUrl().toString()));
    const int generation = m_generation;
    credential->getToken({{azure::Cloud::armScope()}, {}, false}, this, [this, generation](azure::Result<azure::AccessToken> token) {
        if (generation != m_generation)
            return;
        if (!token) {
            fail(token.error());
            return;
        }
        ensureWorkspace();
    });
}

QString LocalWorkspace::secretKey() const
{
    if (!m_server || !m_client)
        return {};
    const local::LocalPrincipal principal = m_server->service().builtInPrincipal();
    return azure::SecretStore::servicePrincipalKey(principal.tenantId, principal.clientId);
}

void LocalWorkspace::shareSignInWithCommandLine(QObject *context, std::function<void(azure::Result<azure::Empty>)> done)
{
    if (m_state != State::Connected || !m_server) {
        azure::AzureError error = azure::AzureError::invalidInput(tr("The local workspace is not open."));
        error.action = tr("Open the local workspace in the Workspace step first.");
        done(error);
        return;
    }
    // As `cerulean-cli local-service` does: the built-in principal's secret (made anew by this
    // process) goes to the keychain, where `cerulean-cli pipeline token --local-root` reads it.
    // Only when asked: opening the workspace never touches the keychain.
    const azure::SecretStore secrets(m_options.secretService);
    secrets.write(secretKey(), m_server->service().builtInPrincipal().clientSecret, context,
                  [done = std::move(done)](azure::Result<azure::Empty> written) {
                      if (written && !azure::SecretStore::remembers()) {
                          // Held in this process's memory only, which another program cannot read.
                          azure::AzureError error;
                          error.kind = azure::ErrorKind::Keychain;
                          error.code = QStringLiteral("keychain:unavailable");
                          error.message = tr("The command line cannot sign in to this workspace: the keychain is not "
                                             "available (%1).")
                                              .arg(azure::KeychainStatus::instance().reason());
                          error.action = tr("Run GNOME Keyring or KWallet and unlock it, then restart Cerulean; or run "
                                            "`cerulean-cli local-service` in a session with a keychain.");
                          done(error);
                          return;
                      }
                      done(std::move(written));
                  });
}

void LocalWorkspace::ensureWorkspace()
{
    setState(State::Preparing, tr("Opening the workspace %1…").arg(m_options.workspaceName));
    const azure::MachineLearningClient ml(m_client, armRef(m_subscriptionId, m_options));
    const int generation = m_generation;
    ml.getWorkspace(this, [this, generation](azure::Result<azure::Workspace> workspace) {
        if (generation != m_generation)
            return;
        if (workspace) {
            m_location = workspace->location;
            connectSession();
        } else if (workspace.error().httpStatus == 404) {
            createWorkspace(); // first use of this root
        } else {
            fail(workspace.error());
        }
    });
}

void LocalWorkspace::createWorkspace()
{
    setState(State::Preparing, tr("Creating the workspace %1 (first use)…").arg(m_options.workspaceName));
    azure::OperationOptions operationOptions;
    operationOptions.defaultPollInterval = m_options.pollInterval;
    const azure::MachineLearningClient ml(m_client, armRef(m_subscriptionId, m_options), operationOptions);
    const int generation = m_generation;
    auto *group = ml.createResourceGroup(m_options.resourceGroup, QString::fromLatin1(kLocalLocation), this);
    connect(group, &azure::OperationBase::finished, this, [this, group, generation, ml]() {
        group->deleteLater();
        if (generation != m_generation)
            return;
        if (group->state() != azure::OperationState::Succeeded) {
            fail(group->error());
            return;
        }
        azure::WorkspaceSpec spec;
        spec.name = m_options.workspaceName;
        spec.location = QString::fromLatin1(kLocalLocation);
        spec.friendlyName = tr("Local workspace");
        spec.description = tr("Made by Cerulean on this machine.");
        auto *workspace = ml.createWorkspace(spec, this);
        connect(workspace, &azure::OperationBase::finished, this, [this, workspace, generation]() {
            workspace->deleteLater();
            if (generation != m_generation)
                return;
            if (workspace->state() != azure::OperationState::Succeeded || !workspace->value()) {
                fail(workspace->error());
                return;
            }
            m_location = workspace->value()->location;
            connectSession();
        });
        workspace->start();
    });
    group->start();
}

void LocalWorkspace::connectSession()
{
    WorkspaceRef ref;
    ref.subscriptionId = m_subscriptionId;
    ref.resourceGroup = m_options.resourceGroup;
    ref.workspaceName = m_options.workspaceName;
    ref.location = m_location.isEmpty() ? QString::fromLatin1(kLocalLocation) : m_location;
    m_openDuration = std::chrono::milliseconds(QDateTime::currentMSecsSinceEpoch() - m_openStartedMs);
    m_session.connectTo(Session::Connection::Local, std::make_shared<const azure::Cloud>(m_client->cloud()), m_client->arm(), ref,
                        root());
    // Tools that take https only (az, MSAL) use the HTTPS listener once they trust its CA.
    const QString https = m_server->httpsBaseUrl().isEmpty()
                              ? QString()
                              : tr(" and %1 (HTTPS: trust the CA in %2; Python tools: REQUESTS_CA_BUNDLE=%2)")
                                    .arg(m_server->httpsBaseUrl().toString(), QDir::toNativeSeparators(m_server->caCertificateFile()));
    setState(State::Connected, tr("Connected to the local workspace %1 at %2%3 (opened in %4 ms).")
                                   .arg(ref.workspaceName, m_server->baseUrl().toString(), https)
                                   .arg(m_openDuration.count()));
    Q_EMIT opened();
}

void LocalWorkspace::close()
{
    ++m_generation;
    if (m_starter) {
        m_starter->wait();
        delete m_starter;
        m_starter = nullptr;
    }
    if (m_client && m_session.connection() == Session::Connection::Local && m_session.pipeline() == m_client->arm())
        m_session.disconnectFromWorkspace();
    m_client.reset();
    stopServer();
    setState(State::Closed, tr("The local workspace is closed."));
}

void LocalWorkspace::fail(azure::AzureError error)
{
    m_error = std::move(error);
    m_client.reset();
    stopServer();
    setState(State::Failed, m_error.toString());
    Q_EMIT failed(m_error);
}

void LocalWorkspace::setState(State state, const QString &status)
{
    m_state = state;
    m_status = status;
    Q_EMIT stateChanged(state, status);
}

void LocalWorkspace::stopServer()
{
    if (!m_server)
        return;
    m_server->stop();
    m_server.reset();
    m_startOk = false;
}

} // namespace cerulean::ui
