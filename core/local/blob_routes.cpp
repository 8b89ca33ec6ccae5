// Blob storage for the workspace's default datastore: Create Container, List Blobs, Put Blob,
// Put Block, Put Block List, Set Blob Metadata, Get Blob (with Range), Get Blob Properties and
// Delete Blob, authorised by a bearer token or by Shared Key signed with the storage account's
// key, as on Azure. Path-style /blob/{account}/{container}/{blob}, or host-style
// {account}.blob.localhost with /{container}/{blob} (LocalService::pathStyle).

#include "core/local/arm_internal.h"
#include "core/local/service.h"
#include "core/serving/scoring_service.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QMessageAuthenticationCode>
#include <QRegularExpression>
#include <QSaveFile>
#include <QXmlStreamReader>

#include <algorithm>
#include <filesystem>

namespace cerulean::local {

namespace {

constexpr const char *kStorageVersion = "2023-11-03";

QByteArray httpDate(const QDateTime &t)
{
    return QLocale::c().toString(t.toUTC(), QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'")).toLatin1();
}

ApiResponse storageError(int status, const char *code, const QString &message)
{
    ApiResponse r;
    r.status = status;
    const QString requestId = newGuid();
    r.setHeader("Content-Type", "application/xml");
    r.setHeader("x-ms-error-code", code);
    r.setHeader("x-ms-version", kStorageVersion);
    QString escaped = message.toHtmlEscaped();
    r.body = QStringLiteral("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>%1</Code><Message>%2\nRequestId:%3\nTime:%4</Message></Error>")
                 .arg(QString::fromLatin1(code), escaped, requestId, isoNow())
                 .toUtf8();
    return r;
}

QByteArray etagOf(const QString &path)
{
    const QFileInfo info(path);
    return "\"0x" + QByteArray::number(info.lastModified().toMSecsSinceEpoch() * 1000 + info.size() % 1000, 16).toUpper() + "\"";
}

// Shared Key (Blob service, version 2009-09-19 and later): the string to sign.
QByteArray stringToSign(const ApiRequest &request, const QString &canonicalResource, const QByteArray &contentLength)
{
    QByteArray s = request.method + '\n';
    for (const char *h : {"Content-Encoding", "Content-Language"})
        s += request.header(h) + '\n';
    s += (contentLength == "0" ? QByteArray() : contentLength) + '\n';
    for (const char *h : {"Content-MD5", "Content-Type", "Date", "If-Modified-Since", "If-Match", "If-None-Match",
                          "If-Unmodified-Since", "Range"})
        s += request.header(h) + '\n';
    QList<std::pair<QByteArray, QByteArray>> msHeaders;
    for (const auto &[name, value] : request.headers)
        if (name.toLower().startsWith("x-ms-"))
            msHeaders.append({name.toLower(), value.trimmed()});
    std::sort(msHeaders.begin(), msHeaders.end());
    for (const auto &[name, value] : msHeaders)
        s += name + ':' + value + '\n';
    s += canonicalResource.toUtf8();
    QList<std::pair<QString, QString>> params;
    for (const auto &[key, value] : request.query.queryItems(QUrl::FullyDecoded))
        params.append({key.toLower(), value});
    std::sort(params.begin(), params.end());
    for (const auto &[key, value] : params)
        s += '\n' + key.toUtf8() + ':' + value.toUtf8();
    return s;
}

// Azure's rules for a blob name, and what a name needs to be one file under its container:
// 1 to 1,024 characters, no control character (a NUL would cut the file name short), no
// empty, "." or ".." segment (they would name another file or leave the container).
std::optional<QString> blobNameProblem(const QString &name)
{
    constexpr qsizetype kMaxBlobName = 1024;
    if (name.isEmpty() || name.size() > kMaxBlobName)
        return QStringLiteral("The blob name must have 1 to %1 characters.").arg(kMaxBlobName);
    for (const QChar c : name)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return QStringLiteral("The blob name contains the control character U+%1.")
                .arg(c.unicode(), 4, 16, QLatin1Char('0'));
    for (const QString &part : name.split(QLatin1Char('/'))) {
        if (part.isEmpty())
            return QStringLiteral("The blob name has an empty path segment (a leading, trailing or doubled '/').");
        if (part == QLatin1String(".") || part == QLatin1String(".."))
            return QStringLiteral("The blob name has a '%1' path segment.").arg(part);
    }
    return std::nullopt;
}

// Reads the file in pieces: a 256 MB block is never held in memory to be hashed.
QByteArray md5OfFile(const QString &path)
{
    QFile f(path);
    QCryptographicHash hash(QCryptographicHash::Md5);
    if (f.open(QIODevice::ReadOnly))
        hash.addData(&f);
    return hash.result();
}

// Moves an uploaded body into place (the same file system: a rename, atomic).
bool moveInto(const QString &from, const QString &to)
{
    QDir().mkpath(QFileInfo(to).absolutePath());
    std::error_code ec;
    std::filesystem::rename(from.toStdString(), to.toStdString(), ec);
    return !ec;
}

// A blob's metadata (x-ms-meta-* headers) beside its blocks, one "name:value" a line:
// header values never hold a line break.
QList<std::pair<QByteArray, QByteArray>> metadataOf(const ApiRequest &request)
{
    QList<std::pair<QByteArray, QByteArray>> meta;
    for (const auto &[name, value] : request.headers)
        if (name.toLower().startsWith("x-ms-meta-"))
            meta.append({name.toLower(), value.trimmed()});
    std::sort(meta.begin(), meta.end());
    return meta;
}

bool writeMetadata(const QString &path, const QList<std::pair<QByteArray, QByteArray>> &meta)
{
    if (meta.isEmpty())
        return !QFileInfo::exists(path) || QFile::remove(path);
    QDir().mkpath(QFileInfo(path).absolutePath());
    QByteArray text;
    for (const auto &[name, value] : meta)
        text += name + ':' + value + '\n';
    QSaveFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(text) == text.size() && f.commit();
}

void addMetadataHeaders(ApiResponse &r, const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return;
    for (const QByteArray &line : f.readAll().split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            r.setHeader(line.left(colon), line.mid(colon + 1));
    }
}

QString xmlEscaped(const QString &text) { return text.toHtmlEscaped(); }

} // namespace

std::optional<ApiResponse> LocalService::blobAccessDenied(const ApiRequest &request, const QString &subPath) const
{
    const QStringList seg = subPath.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    if (seg.size() < 2)
        return storageError(400, "InvalidUri", QStringLiteral("The requested URI does not represent any resource on the server."));
    const QString account = seg[0];
    const QString container = seg[1];
    const QString blob = QStringList(seg.mid(2)).join(QLatin1Char('/'));

    // The account must be one of the workspace storage accounts.
    std::optional<StoredResource> storage;
    for (const StoredResource &a : m_store->byKindAndState(QStringLiteral("microsoft.storage/storageaccounts"), {}))
        if (a.name == account)
            storage = a;
    if (!storage)
        return storageError(404, "ResourceNotFound", QStringLiteral("The storage account '%1' does not exist.").arg(account));

    // Authorisation: a bearer token for Azure Storage, or Shared Key with one of the account's
    // keys. Both are on the headers: nothing of the body is needed.
    const QByteArray auth = request.header("Authorization");
    bool allowed = false;
    if (auth.startsWith("Bearer ")) {
        const std::optional<QString> audience = m_store->tokenAudience(QString::fromLatin1(auth.mid(7).trimmed()));
        if (audience && *audience == Audience::storage())
            return std::nullopt;
        // Azure Storage's answer to a token it cannot use: 401 with the resource it wants.
        ApiResponse r = storageError(401, "InvalidAuthenticationInfo",
                                     QStringLiteral("Server failed to authenticate the request. Please refer to the "
                                                    "information in the www-authenticate header."));
        const QString detail = audience ? QStringLiteral("Audience validation failed. Audience did not match.")
                                        : QStringLiteral("Signature validation failed or the token has expired.");
        r.body.replace("</Message></Error>", QStringLiteral("</Message><AuthenticationErrorDetail>%1</AuthenticationErrorDetail></Error>")
                                                 .arg(detail)
                                                 .toUtf8());
        r.setHeader("WWW-Authenticate", QStringLiteral("Bearer authorization_uri=%1/%2/oauth2/authorize resource_id=%3")
                                            .arg(linkBase(request), tenantId(), Audience::storage())
                                            .toLatin1());
        return r;
    }
    if (auth.startsWith("SharedKey ")) {
        const QByteArray credential = auth.mid(10).trimmed();
        const qsizetype colon = credential.indexOf(':');
        if (colon > 0 && credential.left(colon) == account.toUtf8()) {
            const QByteArray signature = credential.mid(colon + 1);
            QByteArray contentLength = request.header("Content-Length");
            if (contentLength.isEmpty() && !request.body.isEmpty())
                contentLength = QByteArray::number(request.body.size());
            if (contentLength.isEmpty() && !request.bodyFile.isEmpty())
                contentLength = QByteArray::number(QFileInfo(request.bodyFile).size());
            // The signature covers the length: a body of unknown length cannot be checked
            // before it is read (Azure wants Content-Length on these requests too).
            if (contentLength.isEmpty() && !request.header("Transfer-Encoding").isEmpty())
                return storageError(411, "MissingContentLengthHeader",
                                    QStringLiteral("The Content-Length header is required with Shared Key."));
            // Path-style loopback URLs sign either the Azure resource path or the full path.
            const QStringList resources{QLatin1Char('/') + account + QLatin1Char('/') + container +
                                            (blob.isEmpty() ? QString() : QLatin1Char('/') + blob),
                                        QLatin1Char('/') + account + request.path};
            // Every candidate is computed and compared in full: how long the check takes
            // tells nothing about which key or how much of a signature matched.
            for (const auto &key : storage->doc["_local"].value("keys", Json::array())) {
                const QByteArray rawKey = QByteArray::fromBase64(QByteArray::fromStdString(key.get<std::string>()),
                                                                 QByteArray::Base64UrlEncoding);
                const QByteArray rawKeyStd = QByteArray::fromBase64(QByteArray::fromStdString(key.get<std::string>()));
                for (const QString &resource : resources)
                    for (const QByteArray &k : {rawKey, rawKeyStd}) {
                        const QByteArray expected = QMessageAuthenticationCode::hash(
                                                        stringToSign(request, resource, contentLength), k,
                                                        QCryptographicHash::Sha256)
                                                        .toBase64();
                        allowed = serving::constantTimeEquals(
                                      std::string_view(expected.constData(), static_cast<std::size_t>(expected.size())),
                                      std::string_view(signature.constData(), static_cast<std::size_t>(signature.size())))
                                  || allowed;
                    }
            }
            if (!allowed)
                return storageError(403, "AuthenticationFailed",
                                    QStringLiteral("Server failed to authenticate the request. Make sure the value of "
                                                   "Authorization header is formed correctly including the signature."));
        }
    }
    if (!allowed)
        return storageError(auth.isEmpty() ? 401 : 403, auth.isEmpty() ? "NoAuthenticationInformation" : "AuthenticationFailed",
                            auth.isEmpty() ? QStringLiteral("Server failed to authenticate the request. Please refer to "
                                                            "the information in the www-authenticate header.")
                                           : QStringLiteral("Server failed to authenticate the request."));
    return std::nullopt;
}

ApiResponse LocalService::handleBlob(const ApiRequest &request, const QString &subPath)
{
    // dispatch() admitted the request (blobAccessDenied): the account exists, the URI names
    // a container, the credential holds.
    const QStringList seg = subPath.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    const QString account = seg[0];
    const QString container = seg[1];
    // The name as sent: empty segments count (a split would hide them).
    const QString blob = seg.size() > 2 ? subPath.section(QLatin1Char('/'), 3) : QString();

    static const QRegularExpression containerName(QStringLiteral("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$"));
    if (!containerName.match(container).hasMatch())
        return storageError(400, "InvalidResourceName", QStringLiteral("The specifed resource name contains invalid characters."));
    const QString containerDir = m_store->blobsDir() + QLatin1Char('/') + account + QLatin1Char('/') + container;
    const QString comp = request.queryValue(QStringLiteral("comp"));

    if (blob.isEmpty()) {
        if (request.queryValue(QStringLiteral("restype")) == QLatin1String("container") && request.method == "PUT") {
            if (QFileInfo(containerDir).isDir())
                return storageError(409, "ContainerAlreadyExists", QStringLiteral("The specified container already exists."));
            QDir().mkpath(containerDir);
            ApiResponse r{201, {}, {}};
            r.setHeader("ETag", etagOf(containerDir));
            r.setHeader("x-ms-version", kStorageVersion);
            return r;
        }
        // List Blobs: every blob under the container, in name order, with the prefix asked.
        if (request.queryValue(QStringLiteral("restype")) == QLatin1String("container") && request.method == "GET" &&
            comp == QLatin1String("list")) {
            if (!QFileInfo(containerDir).isDir())
                return storageError(404, "ContainerNotFound", QStringLiteral("The specified container does not exist."));
            const QString prefix = request.queryValue(QStringLiteral("prefix"));
            QStringList names;
            for (QDirIterator it(containerDir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories); it.hasNext();) {
                const QString name = QDir(containerDir).relativeFilePath(it.next());
                if (name.startsWith(prefix))
                    names << name;
            }
            names.sort();
            QString xml = QStringLiteral("<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"%1\" "
                                         "ContainerName=\"%2\"><Prefix>%3</Prefix><Blobs>")
                              .arg(xmlEscaped(linkBase(request) + QLatin1Char('/')), container, xmlEscaped(prefix));
            for (const QString &name : names) {
                const QString path = containerDir + QLatin1Char('/') + name;
                const QFileInfo info(path);
                xml += QStringLiteral("<Blob><Name>%1</Name><Properties><Creation-Time>%2</Creation-Time>"
                                      "<Last-Modified>%2</Last-Modified><Etag>%3</Etag><Content-Length>%4</Content-Length>"
                                      "<Content-Type>application/octet-stream</Content-Type><BlobType>BlockBlob</BlobType>"
                                      "<AccessTier>Hot</AccessTier><LeaseStatus>unlocked</LeaseStatus>"
                                      "<LeaseState>available</LeaseState><ServerEncrypted>true</ServerEncrypted>"
                                      "</Properties></Blob>")
                           .arg(xmlEscaped(name), QString::fromLatin1(httpDate(info.lastModified())),
                                QString::fromLatin1(etagOf(path)))
                           .arg(info.size());
            }
            xml += QStringLiteral("</Blobs><NextMarker /></EnumerationResults>");
            ApiResponse r{200, {}, xml.toUtf8()};
            r.setHeader("Content-Type", "application/xml");
            r.setHeader("x-ms-version", kStorageVersion);
            return r;
        }
        return storageError(400, "InvalidQueryParameterValue",
                            QStringLiteral("Only Create Container and List Blobs are supported on a container URL."));
    }
    if (const auto problem = blobNameProblem(blob))
        return storageError(400, "InvalidResourceName", *problem);
    const QString &cleaned = blob;
    const QString blobPath = containerDir + QLatin1Char('/') + cleaned;
    const QString blockDir = m_store->blobsDir() + QStringLiteral("/.blocks/") + account + QLatin1Char('/') + container +
                             QLatin1Char('/') + sha256Hex(cleaned).left(32);
    const QString metaPath = blockDir + QStringLiteral("/metadata");

    const auto written = [&](int status) {
        ApiResponse r{status, {}, {}};
        r.setHeader("ETag", etagOf(blobPath));
        r.setHeader("Last-Modified", httpDate(QFileInfo(blobPath).lastModified()));
        r.setHeader("x-ms-request-server-encrypted", "true");
        r.setHeader("x-ms-version", kStorageVersion);
        return r;
    };
    const auto writeFile = [&](const QString &path, const QByteArray &data) {
        QDir().mkpath(QFileInfo(path).absolutePath());
        QSaveFile f(path);
        return f.open(QIODevice::WriteOnly) && f.write(data) == data.size() && f.commit();
    };

    if (request.method == "PUT" && comp.isEmpty()) {
        const QByteArray type = request.header("x-ms-blob-type");
        if (type.isEmpty())
            return storageError(400, "MissingRequiredHeader", QStringLiteral("An HTTP header that's mandatory for this request is not specified: x-ms-blob-type."));
        if (type != "BlockBlob")
            return storageError(400, "InvalidHeaderValue", QStringLiteral("Only BlockBlob is supported (x-ms-blob-type)."));
        QByteArray md5;
        if (!request.bodyFile.isEmpty()) {
            md5 = md5OfFile(request.bodyFile);
            if (!moveInto(request.bodyFile, blobPath))
                return storageError(500, "InternalError", QStringLiteral("The blob could not be written."));
        } else {
            md5 = QCryptographicHash::hash(request.body, QCryptographicHash::Md5);
            if (!writeFile(blobPath, request.body))
                return storageError(500, "InternalError", QStringLiteral("The blob could not be written."));
        }
        if (!writeMetadata(metaPath, metadataOf(request)))
            return storageError(500, "InternalError", QStringLiteral("The blob's metadata could not be written."));
        ApiResponse r = written(201);
        r.setHeader("Content-MD5", md5.toBase64());
        return r;
    }
    // Set Blob Metadata: replaces the whole set (none clears it), as on Azure.
    if (request.method == "PUT" && comp == QLatin1String("metadata")) {
        if (!QFileInfo(blobPath).isFile())
            return storageError(404, "BlobNotFound", QStringLiteral("The specified blob does not exist."));
        if (!writeMetadata(metaPath, metadataOf(request)))
            return storageError(500, "InternalError", QStringLiteral("The blob's metadata could not be written."));
        return written(200);
    }
    if (request.method == "PUT" && comp == QLatin1String("block")) {
        const QString blockId = request.queryValue(QStringLiteral("blockid"));
        const QByteArray rawId = QByteArray::fromBase64(blockId.toLatin1());
        if (blockId.isEmpty() || rawId.isEmpty() || rawId.size() > 64)
            return storageError(400, "InvalidQueryParameterValue", QStringLiteral("Value for one of the query parameters specified in the request URI is invalid: blockid."));
        const QString blockPath = blockDir + QStringLiteral("/uncommitted/") + QString::fromLatin1(rawId.toHex());
        const QByteArray md5 = request.bodyFile.isEmpty() ? QCryptographicHash::hash(request.body, QCryptographicHash::Md5)
                                                          : md5OfFile(request.bodyFile);
        if (!(request.bodyFile.isEmpty() ? writeFile(blockPath, request.body) : moveInto(request.bodyFile, blockPath)))
            return storageError(500, "InternalError", QStringLiteral("The block could not be written."));
        ApiResponse r{201, {}, {}};
        r.setHeader("Content-MD5", md5.toBase64());
        r.setHeader("x-ms-request-server-encrypted", "true");
        r.setHeader("x-ms-version", kStorageVersion);
        return r;
    }
    if (request.method == "PUT" && comp == QLatin1String("blocklist")) {
        QXmlStreamReader xml(request.body);
        QStringList files;
        bool inList = false;
        while (!xml.atEnd()) {
            xml.readNext();
            if (xml.isStartElement() && xml.name() == QLatin1String("BlockList")) {
                inList = true;
            } else if (xml.isStartElement() && inList &&
                       (xml.name() == QLatin1String("Latest") || xml.name() == QLatin1String("Uncommitted") ||
                        xml.name() == QLatin1String("Committed"))) {
                const QString which = xml.name().toString();
                const QByteArray rawId = QByteArray::fromBase64(xml.readElementText().trimmed().toLatin1());
                const QString hex = QString::fromLatin1(rawId.toHex());
                const QString uncommitted = blockDir + QStringLiteral("/uncommitted/") + hex;
                const QString committed = blockDir + QStringLiteral("/committed/") + hex;
                QString chosen;
                if (which != QLatin1String("Committed") && QFileInfo::exists(uncommitted))
                    chosen = uncommitted;
                else if (which != QLatin1String("Uncommitted") && QFileInfo::exists(committed))
                    chosen = committed;
                if (rawId.isEmpty() || chosen.isEmpty())
                    return storageError(400, "InvalidBlockList", QStringLiteral("The specified block list is invalid."));
                files << chosen;
            }
        }
        if (xml.hasError() || !inList)
            return storageError(400, "InvalidXmlDocument", QStringLiteral("XML specified is not syntactically valid: %1").arg(xml.errorString()));
        QDir().mkpath(QFileInfo(blobPath).absolutePath());
        QSaveFile out(blobPath);
        if (!out.open(QIODevice::WriteOnly))
            return storageError(500, "InternalError", QStringLiteral("The blob could not be written."));
        for (const QString &f : files) {
            QFile part(f);
            if (!part.open(QIODevice::ReadOnly))
                return storageError(500, "InternalError", QStringLiteral("A block could not be read."));
            constexpr qint64 kCopyChunk = 1 << 20;
            while (!part.atEnd())
                if (out.write(part.read(kCopyChunk)) < 0)
                    return storageError(500, "InternalError", QStringLiteral("The blob could not be written."));
        }
        if (!out.commit())
            return storageError(500, "InternalError", QStringLiteral("The blob could not be written."));
        // The blocks in the list become the committed set; the rest are dropped, as on Azure.
        const QString committedDir = blockDir + QStringLiteral("/committed");
        const QString staging = blockDir + QStringLiteral("/committed.new");
        QDir(staging).removeRecursively();
        QDir().mkpath(staging);
        for (const QString &f : files)
            QFile::copy(f, staging + QLatin1Char('/') + QFileInfo(f).fileName());
        QDir(committedDir).removeRecursively();
        QDir().rename(staging, committedDir);
        QDir(blockDir + QStringLiteral("/uncommitted")).removeRecursively();
        if (!writeMetadata(metaPath, metadataOf(request)))
            return storageError(500, "InternalError", QStringLiteral("The blob's metadata could not be written."));
        return written(201);
    }
    if (request.method == "GET" || request.method == "HEAD") {
        QFile f(blobPath);
        if (!QFileInfo(blobPath).isFile() || !f.open(QIODevice::ReadOnly))
            return storageError(404, "BlobNotFound", QStringLiteral("The specified blob does not exist."));
        const qint64 size = f.size();
        ApiResponse r = written(200);
        r.setHeader("Content-Type", "application/octet-stream");
        r.setHeader("x-ms-blob-type", "BlockBlob");
        r.setHeader("Accept-Ranges", "bytes");
        addMetadataHeaders(r, metaPath);
        QByteArray range = request.header("x-ms-range");
        if (range.isEmpty())
            range = request.header("Range");
        static const QRegularExpression rangeRe(QStringLiteral("^bytes=(\\d+)-(\\d*)$"));
        const auto m = rangeRe.match(QString::fromLatin1(range));
        qint64 from = 0, to = size - 1;
        if (m.hasMatch()) {
            from = m.captured(1).toLongLong();
            if (!m.captured(2).isEmpty())
                to = std::min(size - 1, m.captured(2).toLongLong());
            if (from >= size)
                return storageError(416, "InvalidRange", QStringLiteral("The range specified is invalid for the current size of the resource."));
            r.status = 206;
            r.setHeader("Content-Range", QStringLiteral("bytes %1-%2/%3").arg(from).arg(to).arg(size).toLatin1());
        }
        if (request.method == "GET") {
            f.seek(from);
            r.body = f.read(to - from + 1);
        } else {
            r.setHeader("x-ms-content-length", QByteArray::number(size));
        }
        return r;
    }
    if (request.method == "DELETE") {
        if (!QFile::remove(blobPath))
            return storageError(404, "BlobNotFound", QStringLiteral("The specified blob does not exist."));
        QDir(blockDir).removeRecursively();
        ApiResponse r{202, {}, {}};
        r.setHeader("x-ms-version", kStorageVersion);
        return r;
    }
    return storageError(400, "UnsupportedHttpVerb", QStringLiteral("The resource doesn't support the specified HTTP verb."));
}

} // namespace cerulean::local
