#pragma once

#include "core/azure/azure_error.h"
#include "core/azure/client.h"
#include "core/azure/identity.h"
#include "core/azure/sign_in.h"

#include <QObject>
#include <QPointer>

#include <memory>
#include <optional>

namespace cerulean::azure {

class HttpTransport;

// Who signs in, and how.
struct SignInRequest
{
    enum class Method
    {
        DeviceCode,   // a person approves a code in a browser; no secret is handled
        ClientSecret, // a service principal; the secret goes to the keychain
    };
    Method method = Method::ClientSecret;
    QString tenantId;
    QString clientId;
    QString secret;    // ClientSecret only
    QString authority; // empty: Azure's; a loopback URL: the local workspace service
};

struct SignInOptions
{
    // Null: the process-wide network transport.
    std::shared_ptr<HttpTransport> transport;
    QString secretService = QStringLiteral("cerulean");
    // Keep who signed in with a secret (never the secret) in QSettings, for the next start.
    bool rememberProfile = true;
    // The CLI fails when the keychain refuses the secret (it could not sign in next time);
    // the GUI signs in anyway and says so.
    bool requireKeychain = false;
};

struct SignedIn
{
    std::shared_ptr<AzureClient> client;
    SignInProfile profile;
    // Set when the credential works but the keychain refused its secret.
    std::optional<AzureError> keychainError;
};

// Azure CLI's public client: device code sign-in needs no app registration of one's own.
inline constexpr const char *kAzureCliClientId = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

// Sign-in as the GUI and `cerulean-cli login` do it: credential → token for ARM → secret to
// the keychain → profile to the settings. One attempt at a time; start() again abandons the
// previous one, whose late answers are dropped.
class SignInWorkflow final : public QObject
{
    Q_OBJECT

public:
    enum class Stage
    {
        Idle,
        DeviceCode, // waiting for the person to approve the code
        Token,      // asking the authority for a token
        Keychain,   // keeping the secret
        Done,
        Failed,
        Canceled,
    };
    Q_ENUM(Stage)

    explicit SignInWorkflow(SignInOptions options = {}, QObject *parent = nullptr);
    ~SignInWorkflow() override;

    // The request's fields against the naming rules; the error names each one that is wrong.
    static std::optional<AzureError> validate(const SignInRequest &request);
    // The cloud the request's authority names.
    static Cloud cloudFor(const SignInRequest &request);

    void start(SignInRequest request);
    // Stops waiting (for a device code's approval, or a token); the attempt ends Canceled.
    void cancel();

    Stage stage() const { return m_stage; }
    bool isBusy() const;
    // Done: the client signed in, for the rest of the session.
    const std::optional<SignedIn> &signedIn() const { return m_signedIn; }
    // Failed or Canceled: what went wrong.
    const AzureError &error() const { return m_error; }

Q_SIGNALS:
    void stageChanged(cerulean::azure::SignInWorkflow::Stage stage);
    void deviceCodeReady(const cerulean::azure::DeviceCodeInfo &info);
    void finished();

private:
    std::shared_ptr<HttpTransport> transport() const;
    void onToken(const SignInRequest &request, const Result<AccessToken> &token);
    void keepSecret(const SignInRequest &request);
    void complete(const SignInRequest &request, std::optional<AzureError> keychainError);
    void fail(Stage stage, AzureError error);
    void setStage(Stage stage);

    SignInOptions m_options;
    Stage m_stage = Stage::Idle;
    // Owns the callbacks of the current attempt: deleting it drops the answers of an abandoned one.
    QPointer<QObject> m_attempt;
    std::shared_ptr<TokenCredential> m_credential;
    std::optional<SignedIn> m_signedIn;
    AzureError m_error;
};

} // namespace cerulean::azure
