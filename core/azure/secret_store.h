#pragma once

#include "core/azure/result.h"

#include <QObject>
#include <QString>

#include <functional>

namespace cerulean::azure {

// Whether this process reaches the system keychain. The first time the keychain does not
// answer, is locked or refuses, SecretStore stops asking it and keeps secrets in memory until
// the process ends (never in a file); this object says so once, for the window's notice and
// the command line's one line on stderr.
class KeychainStatus final : public QObject
{
    Q_OBJECT

public:
    static KeychainStatus &instance();

    // True until a keychain call failed in this process.
    bool isAvailable() const { return m_reason.isEmpty(); }
    // What the keychain said when it failed ("Cannot autolaunch D-Bus without X11 $DISPLAY").
    QString reason() const { return m_reason; }
    // For the user: secrets are not remembered, and how to get a keychain. Empty while available.
    QString notice() const;

Q_SIGNALS:
    // Once per process, at the first failure, before the call that failed reports.
    void becameUnavailable(const QString &notice);

private:
    friend class SecretStore;
    KeychainStatus() = default;
    void markUnavailable(const QString &reason);

    QString m_reason;
};

// Secrets (service principal secrets, endpoint keys) in the system keychain through
// QtKeychain — never in settings, files or logs. Every call is asynchronous and reports once.
// Without a usable keychain (KeychainStatus), writes succeed into memory for the rest of the
// process and reads find them there.
class SecretStore final
{
public:
    explicit SecretStore(QString service = QStringLiteral("cerulean"));

    void write(const QString &key, const QString &secret, QObject *context, std::function<void(Result<Empty>)> done) const;
    // A missing entry is an error of kind NotFound; an unusable keychain one of kind Keychain.
    void read(const QString &key, QObject *context, std::function<void(Result<QString>)> done) const;
    // Removing a missing entry succeeds: the entry is gone either way. Without a keychain only
    // the copy in memory can be removed, and that is an error unless there was one.
    void remove(const QString &key, QObject *context, std::function<void(Result<Empty>)> done) const;

    const QString &service() const { return m_service; }
    // True when secrets written now reach the keychain (KeychainStatus::isAvailable()).
    static bool remembers();

    // The key under which a service principal's secret is kept.
    static QString servicePrincipalKey(const QString &tenantId, const QString &clientId);

private:
    QString m_service;
};

} // namespace cerulean::azure
