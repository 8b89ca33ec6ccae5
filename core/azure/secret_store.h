#pragma once

#include "core/azure/result.h"

#include <QObject>
#include <QString>

#include <functional>

namespace cerulean::azure {

// Secrets (service principal secrets, endpoint keys) in the system keychain through
// QtKeychain — never in settings, files or logs. Every call is asynchronous and reports once.
class SecretStore final
{
public:
    explicit SecretStore(QString service = QStringLiteral("cerulean"));

    void write(const QString &key, const QString &secret, QObject *context, std::function<void(Result<Empty>)> done) const;
    // A missing entry is an error of kind NotFound.
    void read(const QString &key, QObject *context, std::function<void(Result<QString>)> done) const;
    // Removing a missing entry succeeds: the entry is gone either way.
    void remove(const QString &key, QObject *context, std::function<void(Result<Empty>)> done) const;

    const QString &service() const { return m_service; }

    // The key under which a service principal's secret is kept.
    static QString servicePrincipalKey(const QString &tenantId, const QString &clientId);

private:
    QString m_service;
};

} // namespace cerulean::azure
