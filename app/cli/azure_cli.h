#pragma once

// Helpers shared by the Azure subcommands (login, logout, workspace, compute, data, job,
// model, endpoint): wait for an asynchronous core/azure call, open a client for the
// signed-in identity, print errors with what to do.

#include "app/cli/cli_util.h"
#include "app/cli/command.h"
#include "core/azure/client.h"
#include "core/azure/identity.h"
#include "core/azure/operation.h"
#include "core/azure/secret_store.h"
#include "core/azure/sign_in.h"

#include <QEventLoop>
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

// Waits for a long-running operation, printing its status as it changes (to stderr).
inline void awaitOperation(azure::OperationBase &operation, bool quiet)
{
    QEventLoop loop;
    QObject::connect(&operation, &azure::OperationBase::finished, &loop, &QEventLoop::quit);
    if (!quiet) {
        QObject::connect(&operation, &azure::OperationBase::stateChanged, &loop,
                         [](azure::OperationState state, const QString &status) {
                             printErr(QStringLiteral("  %1%2").arg(azure::toString(state),
                                                                   status.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(status)));
                         });
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

} // namespace cerulean::cli
