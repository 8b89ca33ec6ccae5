#pragma once

#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

namespace cerulean::local {

// The files the local workspace's HTTPS listener uses, all under <root>/tls.
struct LocalTlsFiles
{
    QString caCertificate; // ca.pem: the certificate clients trust (REQUESTS_CA_BUNDLE, curl --cacert)
    QString caKey;         // ca-key.pem, mode 0600: never leaves the workspace root
    QString certificate;   // server.pem: the server certificate, then the CA's
    QString privateKey;    // server-key.pem, mode 0600
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
// the root with mode 0600) and, at every call, a fresh server certificate it signs for the
// loopback names. A CA whose key is missing, unreadable, not its certificate's, or that
// expires within a certificate's lifetime is made anew (clients must then trust the new
// ca.pem). Nullopt with a message when a file cannot be written.
std::optional<LocalTlsFiles> prepareLocalTls(const QString &root, QString *error,
                                             const LocalCaOptions &options = LocalCaOptions());

} // namespace cerulean::local
