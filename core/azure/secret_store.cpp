#include "core/azure/secret_store.h"

#include <QPointer>

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

template <class Callback>
auto guarded(QObject *context, Callback done)
{
    return [alive = QPointer<QObject>(context), hadContext = context != nullptr, done = std::move(done)](auto result) {
        if (hadContext && !alive)
            return;
        done(std::move(result));
    };
}

} // namespace

SecretStore::SecretStore(QString service) : m_service(std::move(service)) {}

QString SecretStore::servicePrincipalKey(const QString &tenantId, const QString &clientId)
{
    return QStringLiteral("service-principal/%1/%2").arg(tenantId, clientId);
}

void SecretStore::write(const QString &key, const QString &secret, QObject *context,
                        std::function<void(Result<Empty>)> done) const
{
    auto *job = new QKeychain::WritePasswordJob(m_service);
    job->setAutoDelete(true);
    job->setInsecureFallback(false); // a secret never lands in a plain file
    job->setKey(key);
    job->setTextData(secret);
    QObject::connect(job, &QKeychain::Job::finished, job, [callback = guarded(context, std::move(done))](QKeychain::Job *finished) {
        if (finished->error() != QKeychain::NoError)
            callback(Result<Empty>(keychainError(finished, QStringLiteral("could not store the secret"))));
        else
            callback(Result<Empty>(Empty{}));
    });
    job->start();
}

void SecretStore::read(const QString &key, QObject *context, std::function<void(Result<QString>)> done) const
{
    auto *job = new QKeychain::ReadPasswordJob(m_service);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, job, [callback = guarded(context, std::move(done))](QKeychain::Job *finished) {
        if (finished->error() != QKeychain::NoError)
            callback(Result<QString>(keychainError(finished, QStringLiteral("could not read the secret"))));
        else
            callback(Result<QString>(static_cast<QKeychain::ReadPasswordJob *>(finished)->textData()));
    });
    job->start();
}

void SecretStore::remove(const QString &key, QObject *context, std::function<void(Result<Empty>)> done) const
{
    auto *job = new QKeychain::DeletePasswordJob(m_service);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, job, [callback = guarded(context, std::move(done))](QKeychain::Job *finished) {
        if (finished->error() != QKeychain::NoError && finished->error() != QKeychain::EntryNotFound)
            callback(Result<Empty>(keychainError(finished, QStringLiteral("could not delete the secret"))));
        else
            callback(Result<Empty>(Empty{}));
    });
    job->start();
}

} // namespace cerulean::azure
