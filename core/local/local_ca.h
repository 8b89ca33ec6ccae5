#pragma once

#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

namespace cerulean::local {

// What the local workspace's HTTPS listener uses: the CA's files under <root>/tls, and a
// server certificate and key of this process's own, in memory only.
struct LocalTls
{
    QString caCertificate;     // <root>/tls/ca.pem: what clients trust (REQUESTS_CA_BUNDLE, curl --cacert)
    QString caKey;             // <root>/tls/ca-key.pem, mode 0600: never leaves the workspace root
    QByteArray certificatePem; // the server certificate, then the CA's
    QByteArray privateKeyPem;  // the server certificate's key: never written anywhere
};

struct LocalCaOptions
{
    // The names the server certificate is for: DNS names (a leading "*." is a wildcard for
    // one label) and IP addresses.
    QStringList dnsNames{QStringLiteral("localhost"), QStringLiteral("*.blob.localhost")};
    QStringList ipAddresses{QStringLiteral("127.0.0.1"), QStringLiteral("::1")};
    std::chrono::days caLifetime{3650};
    // Browsers refuse server certificates valid for longer than 398 days.
    std::chrono::days certificateLifetime{397};
};

// Makes the workspace's own certificate authority once per root (an EC P-256 key, kept in
// the root with mode 0600) and, at every call, a fresh server certificate and key it signs
// for the loopback names. A CA whose key is missing, unreadable, not its certificate's, or
// that expires within a certificate's lifetime is made anew (clients must then trust the new
// ca.pem). Processes serving the same root at once agree on one CA (a lock on
// <root>/tls/.lock). Nullopt with a message when a file cannot be written.
std::optional<LocalTls> prepareLocalTls(const QString &root, QString *error,
                                        const LocalCaOptions &options = LocalCaOptions());

} // namespace cerulean::local
