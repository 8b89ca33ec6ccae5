#pragma once

// Helpers shared by the Azure subcommands (login, logout, workspace, compute, data, job,
// model, endpoint): wait for an asynchronous core/azure call, open a client for the
// signed-in identity, print errors with what to do.

#include "app/cli/cli_util.h"
#include "app/cli/command.h"
#include "core/azure/client.h"
#include "core/azure/identity.h"
#include "core/azure/ml_client.h"
#include "core/azure/workspace_config.h"
#include "core/azure/operation.h"
#include "core/azure/secret_store.h"
#include "core/azure/sign_in.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace cerulean::cli {

// Runs the event loop until an asynchronous call reports. The CLI may wait; the GUI never does.
template <class T>
azure::Result<T> await(const std::function<void(QObject *, std::function<void(azure::Result<T>)>)> &call)
{
    std::optional<azure::Result<T>> result;
    QEventLoop loop;
    QObject context;
    call(&context, [&](azure::Result<T> value) {
        result = std::move(value);
        loop.quit();
    });
    if (!result)
        loop.exec();
    return std::move(*result);
}

// Waits for a long-running operation, printing its progress at every poll (to stderr): the
// service's status, the time so far and when it is checked next.
inline void awaitOperation(azure::OperationBase &operation, bool quiet)
{
    QEventLoop loop;
    QObject::connect(&operation, &azure::OperationBase::finished, &loop, &QEventLoop::quit);
    if (!quiet) {
        QObject::connect(&operation, &azure::OperationBase::progressed, &loop,
                         [](const azure::OperationProgress &progress) { printErr(QStringLiteral("  ") + azure::describe(progress)); });
    }
    if (operation.state() == azure::OperationState::NotStarted)
        operation.start();
    if (!operation.isDone())
        loop.exec();
}

inline int failWith(const azure::AzureError &error)
{
    printErr(QStringLiteral("error: ") + error.toString());
    return ExitFailure;
}

// The signed-in identity: profile from the settings, secret from the keychain.
inline azure::Result<std::shared_ptr<azure::AzureClient>> openClient()
{
    QSettings settings;
    const azure::SignInProfile profile = azure::loadSignInProfile(settings);
    if (!profile.isValid()) {
        azure::AzureError error = azure::AzureError::invalidInput(QStringLiteral("not signed in"));
        error.action = QStringLiteral("Sign in first: cerulean-cli login --tenant T --client-id C --secret-stdin");
        return error;
    }
    const azure::SecretStore store;
    const QString key = azure::SecretStore::servicePrincipalKey(profile.tenantId, profile.clientId);
    auto secret = await<QString>([&](QObject *context, auto done) { store.read(key, context, done); });
    if (!secret)
        return secret.error();
    const azure::Cloud cloud = profile.cloud();
    auto transport = azure::AzureClient::networkTransport();
    auto credential = std::make_shared<azure::ClientSecretCredential>(
        cloud, profile.tenantId, profile.clientId, secret.value(), azure::AzureClient::tokenPipeline(transport));
    return std::make_shared<azure::AzureClient>(cloud, credential, transport);
}

// Options every workspace-scoped subcommand takes.
struct WorkspaceOptions
{
    QCommandLineOption config{QStringLiteral("config"), QStringLiteral("config.json of the workspace (default ./config.json)."),
                              QStringLiteral("path")};
    QCommandLineOption subscription{QStringLiteral("subscription"), QStringLiteral("Subscription ID."), QStringLiteral("id")};
    QCommandLineOption resourceGroup{QStringLiteral("resource-group"), QStringLiteral("Resource group."), QStringLiteral("name")};
    QCommandLineOption workspace{QStringLiteral("workspace"), QStringLiteral("Workspace name."), QStringLiteral("name")};
    QCommandLineOption json{QStringLiteral("json"), QStringLiteral("Print JSON instead of text.")};

    void addTo(QCommandLineParser &parser) const { parser.addOptions({config, subscription, resourceGroup, workspace, json}); }

    // Flags win over config.json; config.json is read only when a flag is missing.
    azure::Result<azure::WorkspaceRef> resolve(const QCommandLineParser &parser) const
    {
        azure::WorkspaceRef ref{parser.value(subscription), parser.value(resourceGroup), parser.value(workspace)};
        if (ref.subscriptionId.isEmpty() || ref.resourceGroup.isEmpty() || ref.workspace.isEmpty()) {
            const QString path = parser.isSet(config) ? parser.value(config) : QStringLiteral("config.json");
            if (!QFileInfo::exists(path)) {
                azure::AzureError error = azure::AzureError::invalidInput(
                    QStringLiteral("no workspace given and %1 does not exist").arg(path));
                error.action = QStringLiteral("Pass --subscription, --resource-group and --workspace, or --config PATH.");
                return error;
            }
            auto file = azure::readWorkspaceConfig(path);
            if (!file)
                return file.error();
            if (ref.subscriptionId.isEmpty())
                ref.subscriptionId = file->subscriptionId;
            if (ref.resourceGroup.isEmpty())
                ref.resourceGroup = file->resourceGroup;
            if (ref.workspace.isEmpty())
                ref.workspace = file->workspaceName;
        }
        return ref;
    }
};

// The ML client for the signed-in identity and the chosen workspace.
inline azure::Result<std::shared_ptr<azure::MachineLearningClient>> openWorkspace(const WorkspaceOptions &options,
                                                                                 const QCommandLineParser &parser)
{
    auto ref = options.resolve(parser);
    if (!ref)
        return ref.error();
    auto client = openClient();
    if (!client)
        return client.error();
    return std::make_shared<azure::MachineLearningClient>(client.value(), ref.value());
}

inline void printJson(const QJsonValue &value)
{
    const QJsonDocument doc = value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
    printOut(QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).trimmed());
}

// Prints a list as JSON or as aligned text columns.
template <class T>
int printList(const QList<T> &items, bool json, const std::function<QJsonObject(const T &)> &toJson,
              const QStringList &columns)
{
    if (json) {
        QJsonArray array;
        for (const T &item : items)
            array.append(toJson(item));
        printJson(array);
        return ExitOk;
    }
    for (const T &item : items) {
        const QJsonObject object = toJson(item);
        QStringList cells;
        for (const QString &column : columns)
            cells << object.value(column).toVariant().toString();
        printOut(cells.join(QStringLiteral("  ")));
    }
    return ExitOk;
}

template <class T>
int printOne(const T &item, bool json, const std::function<QJsonObject(const T &)> &toJson)
{
    const QJsonObject object = toJson(item);
    if (json) {
        printJson(object);
        return ExitOk;
    }
    for (auto it = object.begin(); it != object.end(); ++it)
        printOut(QStringLiteral("%1: %2").arg(it.key(), it.value().toVariant().toString()));
    return ExitOk;
}

// Awaits a listing call and prints it (or the error): what every `list` verb does.
template <class T>
int listOrFail(const std::function<void(QObject *, std::function<void(azure::Result<QList<T>>)>)> &call, bool json,
               const std::function<QJsonObject(const T &)> &toJson, const QStringList &columns)
{
    auto list = await<QList<T>>(call);
    return list ? printList<T>(list.value(), json, toJson, columns) : failWith(list.error());
}

// Awaits a get call and prints the item (or the error): what every `show` verb does.
template <class T>
int showOrFail(const std::function<void(QObject *, std::function<void(azure::Result<T>)>)> &call, bool json,
               const std::function<QJsonObject(const T &)> &toJson)
{
    auto item = await<T>(call);
    return item ? printOne<T>(item.value(), json, toJson) : failWith(item.error());
}

// Waits for a long-running delete (owned here) and says what was deleted.
inline int deleteOrFail(azure::Operation<azure::Empty> *started, bool quiet, const QString &what)
{
    std::unique_ptr<azure::Operation<azure::Empty>> operation(started);
    awaitOperation(*operation, quiet);
    if (operation->state() != azure::OperationState::Succeeded)
        return failWith(operation->error());
    printOut(QStringLiteral("Deleted %1.").arg(what));
    return ExitOk;
}

// The verb is the first positional argument; prints usage when it is missing or unknown.
inline QString verbOf(const QCommandLineParser &parser, const QStringList &verbs, const QString &command)
{
    const QString verb = parser.positionalArguments().value(0);
    if (!verbs.contains(verb)) {
        printErr(QStringLiteral("%1: expected one of: %2").arg(command, verbs.join(QStringLiteral(", "))));
        return {};
    }
    return verb;
}

} // namespace cerulean::cli
