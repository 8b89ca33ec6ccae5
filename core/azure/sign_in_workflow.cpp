#include "core/azure/sign_in_workflow.h"

#include "core/azure/naming.h"
#include "core/azure/secret_store.h"

#include <QCoreApplication>
#include <QSettings>

namespace cerulean::azure {

namespace {

QString signInText(const char *text)
{
    return QCoreApplication::translate("SignInWorkflow", text);
}

} // namespace

SignInWorkflow::SignInWorkflow(SignInOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
}

SignInWorkflow::~SignInWorkflow() = default;

std::optional<AzureError> SignInWorkflow::validate(const SignInRequest &request)
{
    QStringList problems;
    for (const QString &problem : {tenantError(request.tenantId), clientIdError(request.clientId), authorityError(request.authority)})
        if (!problem.isEmpty())
            problems << problem;
    if (request.method == SignInRequest::Method::ClientSecret && request.secret.isEmpty())
        problems << signInText("Enter the client secret.");
    if (problems.isEmpty())
        return std::nullopt;
    return AzureError::invalidInput(problems.join(QLatin1Char(' ')));
}

Cloud SignInWorkflow::cloudFor(const SignInRequest &request)
{
    const QString authority = request.authority.trimmed();
    return authority.isEmpty() ? Cloud::azure() : cloudForAuthority(QUrl(authority, QUrl::StrictMode));
}

bool SignInWorkflow::isBusy() const
{
    return m_stage == Stage::DeviceCode || m_stage == Stage::Token || m_stage == Stage::Keychain;
}

std::shared_ptr<HttpTransport> SignInWorkflow::transport() const
{
    return m_options.transport ? m_options.transport : AzureClient::networkTransport();
}

void SignInWorkflow::start(SignInRequest request)
{
    delete m_attempt; // a previous attempt's answers go nowhere
    m_attempt = new QObject(this);
    m_credential.reset();
    m_signedIn.reset();
    m_error = {};
    if (auto invalid = validate(request)) {
        fail(Stage::Failed, *invalid);
        return;
    }
    request.tenantId = request.tenantId.trimmed();
    request.clientId = request.clientId.trimmed();
    request.authority = request.authority.trimmed();
    const Cloud cloud = cloudFor(request);
    auto tokens = AzureClient::tokenPipeline(transport());
    if (request.method == SignInRequest::Method::ClientSecret) {
        m_credential = std::make_shared<ClientSecretCredential>(cloud, request.tenantId, request.clientId, request.secret, tokens);
        setStage(Stage::Token);
    } else {
        QPointer<QObject> attempt = m_attempt;
        m_credential = std::make_shared<DeviceCodeCredential>(cloud, request.tenantId, request.clientId, tokens,
                                                              [this, attempt](const DeviceCodeInfo &info) {
                                                                  if (!attempt)
                                                                      return;
                                                                  setStage(Stage::DeviceCode);
                                                                  Q_EMIT deviceCodeReady(info);
                                                              });
        setStage(Stage::Token);
    }
    m_credential->getToken({{Cloud::armScope()}, {}, false}, m_attempt,
                           [this, request](Result<AccessToken> token) { onToken(request, token); });
}

void SignInWorkflow::onToken(const SignInRequest &request, const Result<AccessToken> &token)
{
    if (!token) {
        fail(token.error().kind == ErrorKind::Canceled ? Stage::Canceled : Stage::Failed, token.error());
        return;
    }
    if (request.method == SignInRequest::Method::ClientSecret)
        keepSecret(request);
    else
        complete(request, std::nullopt);
}

void SignInWorkflow::keepSecret(const SignInRequest &request)
{
    setStage(Stage::Keychain);
    const SecretStore store(m_options.secretService);
    store.write(SecretStore::servicePrincipalKey(request.tenantId, request.clientId), request.secret, m_attempt,
                [this, request](Result<Empty> stored) {
                    std::optional<AzureError> problem;
                    if (!stored) {
                        problem = stored.error();
                    } else if (!SecretStore::remembers()) {
                        // Held in this process's memory only: good for this session, not for the next.
                        AzureError error;
                        error.kind = ErrorKind::Keychain;
                        error.message = QStringLiteral("No keychain answers, so the secret is kept for this session only and "
                                                       "cannot be remembered; run GNOME Keyring or KWallet and unlock it.");
                        problem = error;
                    }
                    if (problem && m_options.requireKeychain) {
                        fail(Stage::Failed, *problem);
                        return;
                    }
                    complete(request, problem);
                });
}

void SignInWorkflow::complete(const SignInRequest &request, std::optional<AzureError> keychainError)
{
    SignedIn result;
    result.profile.tenantId = request.tenantId;
    result.profile.clientId = request.clientId;
    result.profile.authority = request.authority.isEmpty() ? QUrl() : QUrl(request.authority, QUrl::StrictMode);
    result.client = std::make_shared<AzureClient>(cloudFor(request), m_credential, transport());
    result.keychainError = std::move(keychainError);
    // Only a secret can sign in again unattended, so only its identity is remembered.
    if (request.method == SignInRequest::Method::ClientSecret && m_options.rememberProfile && !result.keychainError) {
        QSettings settings;
        saveSignInProfile(settings, result.profile);
    }
    m_signedIn = std::move(result);
    setStage(Stage::Done);
    Q_EMIT finished();
}

void SignInWorkflow::cancel()
{
    if (!isBusy())
        return;
    delete m_attempt;
    if (auto device = std::dynamic_pointer_cast<DeviceCodeCredential>(m_credential))
        device->cancel(); // stops polling; its callback went with the attempt
    fail(Stage::Canceled, AzureError::canceled());
}

void SignInWorkflow::fail(Stage stage, AzureError error)
{
    m_error = std::move(error);
    setStage(stage);
    Q_EMIT finished();
}

void SignInWorkflow::setStage(Stage stage)
{
    if (stage == m_stage)
        return;
    m_stage = stage;
    Q_EMIT stageChanged(stage);
}

} // namespace cerulean::azure
