#include "core/azure/secret_store.h"

#include <QCoreApplication>
#include <QHash>
#include <QMutex>
#include <QPointer>
#include <QTimer>

#include <optional>

#include <qt6keychain/keychain.h>

namespace cerulean::azure {

namespace {

AzureError keychainError(const QKeychain::Job *job, const QString &what)
{
    AzureError error;
    error.kind = job->error() == QKeychain::EntryNotFound ? ErrorKind::NotFound : ErrorKind::Keychain;
    error.code = QStringLiteral("keychain:%1").arg(int(job->error()));
    error.message = QStringLiteral("%1 '%2': %3").arg(what, job->key(), job->errorString());
    switch (job->error()) {
    case QKeychain::EntryNotFound:
        error.action = QStringLiteral("No secret is stored under this name: sign in again ('cerulean-cli login').");
        break;
    case QKeychain::NoBackendAvailable:
        error.action = QStringLiteral("No keychain service is running: start one (GNOME Keyring or KWallet) "
                                      "and unlock it, then retry.");
        break;
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        error.action = QStringLiteral("The keychain refused access: unlock it and allow Cerulean, then retry.");
        break;
    default:
        error.action = QStringLiteral("The keychain failed: check that it is unlocked and retry.");
        break;
    }
    return error;
}

// Once the keychain failed, calls do not go to it again: the reason, without asking anew.
AzureError unavailableError(const QString &what, const QString &key)
{
    AzureError error;
    error.kind = ErrorKind::Keychain;
    error.code = QStringLiteral("keychain:unavailable");
    error.message = QStringLiteral("%1 '%2': the keychain is not available (%3)").arg(what, key, KeychainStatus::instance().reason());
    error.action = KeychainStatus::instance().notice();
    return error;
}

template <class Callback>
auto guarded(QObject *context, Callback done)
{
    return [alive = QPointer<QObject>(context), hadContext = context != nullptr, done = std::move(done)](auto result) {
        if (hadContext && !alive)
            return;
        done(std::move(result));
    };
}

// Reports on a later turn of the event loop, as a keychain job would: callers never see
// their callback run inside the call.
template <class T>
void reportLater(QObject *context, std::function<void(Result<T>)> done, Result<T> result)
{
    QObject *receiver = context ? context : QCoreApplication::instance();
    QTimer::singleShot(0, receiver, [callback = guarded(context, std::move(done)), result = std::move(result)]() mutable {
        callback(std::move(result));
    });
}

// Secrets the keychain could not take, for the rest of the process: never written anywhere.
class SessionSecrets final
{
public:
    static SessionSecrets &instance()
    {
        static SessionSecrets secrets;
        return secrets;
    }

    void put(const QString &service, const QString &key, const QString &secret)
    {
        const QMutexLocker lock(&m_mutex);
        m_secrets.insert(id(service, key), secret);
    }
    std::optional<QString> get(const QString &service, const QString &key) const
    {
        const QMutexLocker lock(&m_mutex);
        const auto found = m_secrets.constFind(id(service, key));
        return found == m_secrets.constEnd() ? std::nullopt : std::optional<QString>(*found);
    }
    bool take(const QString &service, const QString &key)
    {
        const QMutexLocker lock(&m_mutex);
        return m_secrets.remove(id(service, key)) > 0;
    }

private:
    static QString id(const QString &service, const QString &key) { return service + QChar(0x1f) + key; }

    mutable QMutex m_mutex;
    QHash<QString, QString> m_secrets;
};

} // namespace

KeychainStatus &KeychainStatus::instance()
{
    static KeychainStatus status;
    return status;
}

QString KeychainStatus::notice() const
{
    if (isAvailable())
        return {};
    return QStringLiteral("Secrets are kept for this session only: the keychain is not available. To remember them, "
                          "run GNOME Keyring or KWallet and unlock it.");
}

void KeychainStatus::markUnavailable(const QString &reason)
{
    if (!isAvailable())
        return;
    m_reason = reason.trimmed().isEmpty() ? QStringLiteral("no reason given") : reason.trimmed();
    Q_EMIT becameUnavailable(notice());
}

SecretStore::SecretStore(QString service) : m_service(std::move(service)) {}

bool SecretStore::remembers()
{
    return KeychainStatus::instance().isAvailable();
}

QString SecretStore::servicePrincipalKey(const QString &tenantId, const QString &clientId)
{
    return QStringLiteral("service-principal/%1/%2").arg(tenantId, clientId);
}

void SecretStore::write(const QString &key, const QString &secret, QObject *context,
                        std::function<void(Result<Empty>)> done) const
{
    if (!remembers()) {
        SessionSecrets::instance().put(m_service, key, secret);
        reportLater<Empty>(context, std::move(done), Empty{});
        return;
    }
    auto *job = new QKeychain::WritePasswordJob(m_service);
    job->setAutoDelete(true);
    job->setInsecureFallback(false); // a secret never lands in a plain file
    job->setKey(key);
    job->setTextData(secret);
    QObject::connect(job, &QKeychain::Job::finished, job,
                     [service = m_service, key, secret, callback = guarded(context, std::move(done))](QKeychain::Job *finished) {
                         if (finished->error() != QKeychain::NoError) {
                             // The flow goes on with the secret in memory; the notice says it is not remembered.
                             SessionSecrets::instance().put(service, key, secret);
                             KeychainStatus::instance().markUnavailable(finished->errorString());
                         }
                         callback(Result<Empty>(Empty{}));
                     });
    job->start();
}

void SecretStore::read(const QString &key, QObject *context, std::function<void(Result<QString>)> done) const
{
    if (auto held = SessionSecrets::instance().get(m_service, key)) {
        reportLater<QString>(context, std::move(done), *held);
        return;
    }
    if (!remembers()) {
        reportLater<QString>(context, std::move(done), unavailableError(QStringLiteral("could not read the secret"), key));
        return;
    }
    auto *job = new QKeychain::ReadPasswordJob(m_service);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, job, [callback = guarded(context, std::move(done))](QKeychain::Job *finished) {
        if (finished->error() == QKeychain::NoError) {
            callback(Result<QString>(static_cast<QKeychain::ReadPasswordJob *>(finished)->textData()));
            return;
        }
        if (finished->error() != QKeychain::EntryNotFound)
            KeychainStatus::instance().markUnavailable(finished->errorString());
        callback(Result<QString>(keychainError(finished, QStringLiteral("could not read the secret"))));
    });
    job->start();
}

void SecretStore::remove(const QString &key, QObject *context, std::function<void(Result<Empty>)> done) const
{
    const bool heldInMemory = SessionSecrets::instance().take(m_service, key);
    if (!remembers()) {
        if (heldInMemory)
            reportLater<Empty>(context, std::move(done), Empty{});
        else
            reportLater<Empty>(context, std::move(done), unavailableError(QStringLiteral("could not delete the secret"), key));
        return;
    }
    auto *job = new QKeychain::DeletePasswordJob(m_service);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, job, [callback = guarded(context, std::move(done))](QKeychain::Job *finished) {
        if (finished->error() != QKeychain::NoError && finished->error() != QKeychain::EntryNotFound) {
            KeychainStatus::instance().markUnavailable(finished->errorString());
            callback(Result<Empty>(keychainError(finished, QStringLiteral("could not delete the secret"))));
        } else {
            callback(Result<Empty>(Empty{}));
        }
    });
    job->start();
}

} // namespace cerulean::azure
