#include "core/local/local_ca.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cerulean::local {

namespace {

struct KeyFree
{
    void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
struct CertFree
{
    void operator()(X509 *c) const { X509_free(c); }
};
struct BioFree
{
    void operator()(BIO *b) const { BIO_free(b); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

constexpr int kSerialBytes = 16; // random, as CAs do: two certificates never share one
constexpr long kSecondsPerDay = 24 * 60 * 60;
constexpr long kBackdateSeconds = 5 * 60; // clocks a little behind still accept a new certificate

QString openSslError(const QString &what)
{
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0)
        return what;
    char text[256] = {};
    ERR_error_string_n(code, text, sizeof text);
    return what + QStringLiteral(": ") + QString::fromLatin1(text);
}

Key newKey()
{
    return Key(EVP_EC_gen("P-256"));
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

Key readKey(const QString &path)
{
    const QByteArray pem = readFile(path);
    if (pem.isEmpty())
        return nullptr;
    Bio bio(BIO_new_mem_buf(pem.constData(), static_cast<int>(pem.size())));
    Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    return key;
}

Cert readCert(const QString &path)
{
    const QByteArray pem = readFile(path);
    if (pem.isEmpty())
        return nullptr;
    Bio bio(BIO_new_mem_buf(pem.constData(), static_cast<int>(pem.size())));
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    return cert;
}

QByteArray pemOf(EVP_PKEY *key)
{
    Bio bio(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr))
        return {};
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, static_cast<qsizetype>(n));
}

QByteArray pemOf(X509 *cert)
{
    Bio bio(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_X509(bio.get(), cert))
        return {};
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, static_cast<qsizetype>(n));
}

// Written whole or not at all (a new file renamed over the old one); a private key is never
// readable by others, not even briefly: its file is created with mode 0600.
bool writeFile(const QString &path, const QByteArray &data, bool secret, QString *error)
{
    const QByteArray target = QFile::encodeName(path);
    const QByteArray temporary = target + ".new";
    ::unlink(temporary.constData());
    const int fd = ::open(temporary.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, secret ? 0600 : 0644);
    bool ok = fd >= 0;
    qsizetype written = 0;
    while (ok && written < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + written, static_cast<size_t>(data.size() - written));
        ok = n > 0;
        written += ok ? n : 0;
    }
    ok = ok && ::fsync(fd) == 0;
    if (fd >= 0)
        ok = ::close(fd) == 0 && ok;
    ok = ok && ::rename(temporary.constData(), target.constData()) == 0;
    if (!ok) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, QString::fromLocal8Bit(std::strerror(errno)));
        ::unlink(temporary.constData());
    }
    return ok;
}

bool addExtension(X509 *cert, X509V3_CTX *ctx, int nid, const std::string &value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
    if (!ext)
        return false;
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

// A certificate for `key`'s public half named `commonName`, signed by `issuerKey` (itself
// when `issuer` is null), with the extensions given as OpenSSL config values.
Cert makeCertificate(EVP_PKEY *key, const QString &commonName, X509 *issuer, EVP_PKEY *issuerKey,
                     std::chrono::days lifetime, const std::vector<std::pair<int, std::string>> &extensions)
{
    Cert cert(X509_new());
    if (!cert || X509_set_version(cert.get(), 2) != 1) // v3
        return nullptr;
    unsigned char serial[kSerialBytes];
    if (RAND_bytes(serial, sizeof serial) != 1)
        return nullptr;
    serial[0] &= 0x7f; // positive
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, nullptr);
    const bool serialSet = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr;
    BN_free(bn);
    if (!serialSet)
        return nullptr;
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(lifetime.count()) * kSecondsPerDay);
    X509_NAME *name = X509_get_subject_name(cert.get());
    const QByteArray cn = commonName.toUtf8();
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char *>("Cerulean"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char *>(cn.constData()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
    if (X509_set_pubkey(cert.get(), key) != 1)
        return nullptr;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
    for (const auto &[nid, value] : extensions)
        if (!addExtension(cert.get(), &ctx, nid, value))
            return nullptr;
    if (X509_sign(cert.get(), issuerKey, EVP_sha256()) <= 0)
        return nullptr;
    return cert;
}

// Whether the CA can go on signing: its key matches and it outlives a new certificate.
bool caUsable(X509 *ca, EVP_PKEY *key, std::chrono::days certificateLifetime)
{
    if (!ca || !key || X509_check_private_key(ca, key) != 1) {
        ERR_clear_error();
        return false;
    }
    time_t until = time(nullptr) + static_cast<time_t>(certificateLifetime.count()) * kSecondsPerDay;
    return X509_cmp_time(X509_get0_notAfter(ca), &until) > 0;
}

} // namespace

std::optional<LocalTls> prepareLocalTls(const QString &root, QString *error, const LocalCaOptions &options)
{
    QString ignored;
    QString &message = error ? *error : ignored;
    if (root.isEmpty()) {
        message = QStringLiteral("the local workspace has no root folder for its CA");
        return std::nullopt;
    }
    const QString dir = root + QStringLiteral("/tls");
    if (!QDir().mkpath(dir)) {
        message = QStringLiteral("cannot create %1").arg(dir);
        return std::nullopt;
    }
    ::chmod(QFile::encodeName(dir).constData(), 0700);
    LocalTls files{dir + QStringLiteral("/ca.pem"), dir + QStringLiteral("/ca-key.pem"), {}, {}};
    // Two processes starting on one root must not each make a CA and keep half of both.
    const int lock = ::open(QFile::encodeName(dir + QStringLiteral("/.lock")).constData(),
                            O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
        message = QStringLiteral("cannot lock %1/.lock: %2").arg(dir, QString::fromLocal8Bit(std::strerror(errno)));
        if (lock >= 0)
            ::close(lock);
        return std::nullopt;
    }
    const std::unique_ptr<int, void (*)(int *)> unlock(new int(lock), [](int *fd) {
        ::close(*fd); // releases the lock
        delete fd;
    });

    Key caKey = readKey(files.caKey);
    Cert ca = readCert(files.caCertificate);
    if (!caUsable(ca.get(), caKey.get(), options.certificateLifetime)) {
        caKey = newKey();
        if (!caKey) {
            message = openSslError(QStringLiteral("cannot make the local CA's key"));
            return std::nullopt;
        }
        // The CA signs server certificates only (pathlen 0), and is named after its root so
        // that two installs' CAs are told apart in a trust store.
        ca = makeCertificate(caKey.get(), QStringLiteral("Cerulean local workspace CA (%1)").arg(QDir(root).dirName()),
                             nullptr, caKey.get(), options.caLifetime,
                             {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                              {NID_key_usage, "critical,keyCertSign,cRLSign"},
                              {NID_subject_key_identifier, "hash"},
                              {NID_authority_key_identifier, "keyid:always"}});
        if (!ca) {
            message = openSslError(QStringLiteral("cannot make the local CA's certificate"));
            return std::nullopt;
        }
        if (!writeFile(files.caKey, pemOf(caKey.get()), true, &message)
            || !writeFile(files.caCertificate, pemOf(ca.get()), false, &message))
            return std::nullopt;
    } else if (::chmod(QFile::encodeName(files.caKey).constData(), 0600) != 0) {
        message = QStringLiteral("cannot make %1 private (mode 0600)").arg(files.caKey);
        return std::nullopt;
    }

    std::string names;
    for (const QString &dns : options.dnsNames)
        names += (names.empty() ? "" : ",") + ("DNS:" + dns.toStdString());
    for (const QString &ip : options.ipAddresses)
        names += (names.empty() ? "" : ",") + ("IP:" + ip.toStdString());
    Key key = newKey();
    Cert cert = key ? makeCertificate(key.get(), QStringLiteral("Cerulean local workspace"), ca.get(), caKey.get(),
                                      options.certificateLifetime,
                                      {{NID_basic_constraints, "critical,CA:FALSE"},
                                       {NID_key_usage, "critical,digitalSignature"},
                                       {NID_ext_key_usage, "serverAuth"},
                                       {NID_subject_alt_name, names},
                                       {NID_subject_key_identifier, "hash"},
                                       {NID_authority_key_identifier, "keyid"}})
                    : nullptr;
    if (!cert) {
        message = openSslError(QStringLiteral("cannot make the local workspace's server certificate"));
        return std::nullopt;
    }
    // The chain sent is the leaf and the CA (a client that has the CA needs only the leaf; one
    // that was given the CA by another way finds it named).
    files.certificatePem = pemOf(cert.get()) + pemOf(ca.get());
    files.privateKeyPem = pemOf(key.get());
    if (files.certificatePem.isEmpty() || files.privateKeyPem.isEmpty()) {
        message = openSslError(QStringLiteral("cannot write the server certificate as PEM"));
        return std::nullopt;
    }
    return files;
}

} // namespace cerulean::local
