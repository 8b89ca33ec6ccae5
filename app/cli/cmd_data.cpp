#include "app/cli/azure_cli.h"

#include <QFile>

namespace cerulean::cli {

using namespace cerulean::azure;

namespace {
QJsonObject containerJson(const DataContainer &d)
{
    return {{QStringLiteral("name"), d.name}, {QStringLiteral("dataType"), d.dataType},
            {QStringLiteral("latestVersion"), d.latestVersion}, {QStringLiteral("description"), d.description}};
}
QJsonObject versionJson(const DataVersion &d)
{
    return {{QStringLiteral("name"), d.name}, {QStringLiteral("version"), d.version}, {QStringLiteral("dataType"), d.dataType},
            {QStringLiteral("dataUri"), d.dataUri}, {QStringLiteral("id"), d.id}};
}
} // namespace

int runData(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Data assets.\n  list | show NAME VERSION | register NAME VERSION --uri URI [--type uri_file|mltable]\n"
        "  upload FILE --account A --container C --blob PATH   (Blob Storage, Entra token for storage)"));
    parser.addPositionalArgument(QStringLiteral("verb"), QStringLiteral("list | show | register | upload"));
    parser.addPositionalArgument(QStringLiteral("args"), QStringLiteral("NAME VERSION, or FILE."), QStringLiteral("[args...]"));
    const WorkspaceOptions options;
    options.addTo(parser);
    const QCommandLineOption uri(QStringLiteral("uri"), QStringLiteral("Data URI."), QStringLiteral("uri"));
    const QCommandLineOption type(QStringLiteral("type"), QStringLiteral("uri_file (default) or mltable."), QStringLiteral("type"),
                                  QStringLiteral("uri_file"));
    const QCommandLineOption account(QStringLiteral("account"), QStringLiteral("Storage account."), QStringLiteral("name"));
    const QCommandLineOption container(QStringLiteral("container"), QStringLiteral("Blob container."), QStringLiteral("name"));
    const QCommandLineOption blob(QStringLiteral("blob"), QStringLiteral("Blob path."), QStringLiteral("path"));
    parser.addOptions({uri, type, account, container, blob});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    const QString verb = verbOf(parser, {QStringLiteral("list"), QStringLiteral("show"), QStringLiteral("register"),
                                         QStringLiteral("upload")},
                                QStringLiteral("data"));
    if (verb.isEmpty())
        return ExitUsage;
    const QString first = parser.positionalArguments().value(1);
    const QString second = parser.positionalArguments().value(2);
    const bool json = parser.isSet(options.json);
    if ((verb == QLatin1String("show") || verb == QLatin1String("register")) && (first.isEmpty() || second.isEmpty())) {
        printErr(QStringLiteral("data %1: NAME and VERSION are required.").arg(verb));
        return ExitUsage;
    }
    if (verb == QLatin1String("register") && (!parser.isSet(uri) ||
                                              (parser.value(type) != QLatin1String("uri_file") && parser.value(type) != QLatin1String("mltable")))) {
        printErr(QStringLiteral("data register: --uri is required and --type must be uri_file or mltable."));
        return ExitUsage;
    }
    if (verb == QLatin1String("upload") && (first.isEmpty() || !parser.isSet(account) || !parser.isSet(container) || !parser.isSet(blob))) {
        printErr(QStringLiteral("data upload: FILE, --account, --container and --blob are required."));
        return ExitUsage;
    }
    if (verb == QLatin1String("upload")) {
        QFile file(first);
        if (!file.open(QIODevice::ReadOnly)) {
            printErr(QStringLiteral("data upload: cannot read %1: %2").arg(first, file.errorString()));
            return ExitFailure;
        }
        auto client = openClient();
        if (!client)
            return failWith(client.error());
        const QUrl url = client.value()->cloud().blobUrl(parser.value(account), parser.value(container), parser.value(blob));
        BlobUploadOptions upload;
        upload.contentType = first.endsWith(QLatin1String(".csv")) ? QByteArray("text/csv") : QByteArray("application/octet-stream");
        auto done = await<Empty>([&](QObject *c, auto d) { uploadBlob(client.value(), url, file.readAll(), upload, c, d); });
        if (!done)
            return failWith(done.error());
        printOut(url.toString());
        return ExitOk;
    }
    auto ml = openWorkspace(options, parser);
    if (!ml)
        return failWith(ml.error());
    if (verb == QLatin1String("list")) {
        return listOrFail<DataContainer>([&](QObject *c, auto done) { ml.value()->listDataAssets(c, done); }, json, containerJson,
                                         {QStringLiteral("name"), QStringLiteral("dataType"), QStringLiteral("latestVersion")});
    }
    if (verb == QLatin1String("show")) {
        return showOrFail<DataVersion>([&](QObject *c, auto done) { ml.value()->getDataVersion(first, second, c, done); }, json,
                                       versionJson);
    }
    DataVersionSpec spec;
    spec.name = first;
    spec.version = second;
    spec.dataUri = parser.value(uri);
    spec.dataType = parser.value(type);
    if (spec.dataType == QLatin1String("mltable"))
        spec.referencedUris = {spec.dataUri};
    return showOrFail<DataVersion>([&](QObject *c, auto done) { ml.value()->createDataVersion(spec, c, done); }, json, versionJson);
}

} // namespace cerulean::cli
