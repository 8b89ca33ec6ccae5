// Submitting a job read from an az ml job file (job_submission.h).

#include "core/azure/job_submission.h"

#include "core/azure/json_util.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

#include <algorithm>

namespace cerulean::azure {

namespace {

using namespace detail;

const QString defaultDatastore = QStringLiteral("workspaceblobstore");
const QString codeVersion = QStringLiteral("1");
// The digest names a code version: long enough never to collide, short enough to read.
constexpr qsizetype digestLength = 32;

Result<Empty> anyBody(const QByteArray &) { return Empty{}; }

Result<QString> latestVersion(const QByteArray &body)
{
    const json doc = parseJson(body);
    const json *latest = at(doc, {"properties", "latestVersion"});
    if (latest && latest->is_string() && !latest->get<std::string>().empty())
        return QString::fromStdString(latest->get<std::string>());
    if (latest && latest->is_number_integer())
        return QString::number(latest->get<long long>());
    return AzureError::invalidResponse(QStringLiteral("the environment has no latestVersion"));
}

// One submission's state, shared by its steps.
struct Submission
{
    MachineLearningClient client;
    JobDefinition job;
    QString name;
    QObject *context = nullptr;
    Done<Job> done;
    QString codeId, environmentId;
};
using State = std::shared_ptr<Submission>;

void createJob(const State &s)
{
    const HttpRequest request =
        requests::createJob(s->client.cloud(), s->client.workspace(), s->name, jobPropertiesWith(s->job, s->codeId, s->environmentId));
    sendTyped<Job>(*s->client.client()->arm(), request, &parseJob, s->context, s->done);
}

// Uploads the folder's files from `index` on, one at a time, then registers the code version.
void uploadFiles(const State &s, const std::shared_ptr<const CodeFolder> &folder, const Datastore &store, qsizetype index)
{
    const QString root = QStringLiteral("LocalUpload/%1/%2").arg(folder->digest, QFileInfo(folder->path).fileName());
    if (index == folder->files.size()) {
        const json properties{{"codeUri", s->client.datastoreBlobUrl(store, root).toString().toStdString()}, {"isAnonymous", true}};
        const HttpRequest request = requests::createCodeVersion(s->client.cloud(), s->client.workspace(), folder->digest, codeVersion,
                                                                QByteArray::fromStdString(properties.dump()));
        sendTyped<Empty>(*s->client.client()->arm(), request, &anyBody, s->context, [s, folder](Result<Empty> registered) {
            if (!registered)
                return s->done(registered.error());
            s->codeId = assetVersionId(s->client.workspace(), QStringLiteral("codes"), folder->digest, codeVersion);
            createJob(s);
        });
        return;
    }
    const QString relative = folder->files[index];
    QFile file(QDir(folder->path).filePath(relative));
    if (!file.open(QIODevice::ReadOnly))
        return s->done(AzureError::invalidInput(QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString())));
    BlobUploadOptions options;
    options.contentType = "application/octet-stream";
    uploadBlob(s->client.client(), s->client.datastoreBlobUrl(store, root + QLatin1Char('/') + relative), file.readAll(), options,
               s->context, [s, folder, store, index](Result<Empty> uploaded) {
                   if (!uploaded)
                       return s->done(uploaded.error());
                   uploadFiles(s, folder, store, index + 1);
               });
}

void uploadCode(const State &s)
{
    if (s->job.localCode.isEmpty())
        return createJob(s);
    auto folder = readCodeFolder(s->job.localCode);
    if (!folder)
        return s->done(folder.error());
    auto shared = std::make_shared<const CodeFolder>(std::move(folder).value());
    s->client.getDatastore(defaultDatastore, s->context, [s, shared](Result<Datastore> store) {
        if (!store)
            return s->done(store.error());
        uploadFiles(s, shared, store.value(), 0);
    });
}

void resolveLatest(const State &s)
{
    if (s->job.latestEnvironment.isEmpty())
        return uploadCode(s);
    const HttpRequest request = requests::getEnvironmentContainer(s->client.cloud(), s->client.workspace(), s->job.latestEnvironment);
    sendTyped<QString>(*s->client.client()->arm(), request, &latestVersion, s->context, [s](Result<QString> version) {
        if (!version)
            return s->done(version.error());
        s->environmentId = assetVersionId(s->client.workspace(), QStringLiteral("environments"), s->job.latestEnvironment, version.value());
        uploadCode(s);
    });
}

void registerEnvironment(const State &s)
{
    if (!s->job.environment)
        return resolveLatest(s);
    const InlineEnvironment &e = *s->job.environment;
    const HttpRequest request =
        requests::createEnvironmentVersion(s->client.cloud(), s->client.workspace(), e.name, e.version, e.properties);
    sendTyped<Empty>(*s->client.client()->arm(), request, &anyBody, s->context, [s](Result<Empty> registered) {
        if (!registered)
            return s->done(registered.error());
        resolveLatest(s);
    });
}

} // namespace

Result<CodeFolder> readCodeFolder(const QString &path)
{
    const QFileInfo info(path);
    if (!info.isDir())
        return AzureError::invalidInput(QStringLiteral("the code folder %1 is not a folder").arg(path));
    CodeFolder folder{info.absoluteFilePath(), {}, {}};
    QDirIterator it(folder.path, QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    const QDir root(folder.path);
    while (it.hasNext()) {
        const QString relative = root.relativeFilePath(it.next());
        const QStringList parts = relative.split(QLatin1Char('/'));
        if (parts.contains(QLatin1String(".git")) || parts.contains(QLatin1String("__pycache__")))
            continue;
        folder.files << relative;
    }
    std::sort(folder.files.begin(), folder.files.end());
    QCryptographicHash digest(QCryptographicHash::Sha256);
    for (const QString &relative : folder.files) {
        QFile file(root.filePath(relative));
        if (!file.open(QIODevice::ReadOnly))
            return AzureError::invalidInput(QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
        digest.addData(relative.toUtf8());
        digest.addData(QByteArrayView("\0", 1));
        digest.addData(QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256));
    }
    folder.digest = QString::fromLatin1(digest.result().toHex().left(digestLength));
    return folder;
}

void submitJob(const MachineLearningClient &client, const JobDefinition &job, const QString &name, QObject *context,
               Done<Job> done)
{
    if (name.trimmed().isEmpty())
        return done(AzureError::invalidInput(QStringLiteral("the job needs a name: give one, or `name:` in the file")));
    if (!client.cloud().isLocal()) {
        QStringList local;
        for (const QString &path : job.localPaths)
            if (path != job.localCode)
                local << path;
        if (!local.isEmpty()) {
            AzureError error = AzureError::invalidInput(
                QStringLiteral("the job reads files on this computer, which Azure cannot: %1").arg(local.join(QStringLiteral(", "))));
            error.action = QStringLiteral("Upload them (cerulean-cli data upload), register them (cerulean-cli data register) and "
                                          "name them azureml:NAME:VERSION in the file.");
            return done(error);
        }
    }
    registerEnvironment(std::make_shared<Submission>(Submission{client, job, name, context, std::move(done), {}, {}}));
}

} // namespace cerulean::azure
