#include "ui/pages/workspace/workspace_wizard.h"

namespace cerulean::ui {

WorkspaceWizard::WorkspaceWizard(Session &sessionRef, LocalWorkspace &localRef, const WorkspacePageOptions &optionsRef,
                                 QWidget *parent)
    : QWizard(parent)
    , session(sessionRef)
    , local(localRef)
    , options(optionsRef)
    , secrets(optionsRef.secretService)
{
}

void WorkspaceWizard::done(int result)
{
    if (result == QDialog::Accepted)
        Q_EMIT wizardFinished();
}

std::shared_ptr<azure::HttpTransport> WorkspaceWizard::transport() const
{
    return options.transport ? options.transport : azure::AzureClient::networkTransport();
}

azure::MachineLearningClient WorkspaceWizard::ml() const
{
    azure::OperationOptions operationOptions;
    operationOptions.defaultPollInterval = options.pollInterval;
    return azure::MachineLearningClient(client, workspaceRef(), operationOptions);
}

azure::WorkspaceRef WorkspaceWizard::workspaceRef() const
{
    return azure::WorkspaceRef{subscriptionId, resourceGroup, workspaceName};
}

void WorkspaceWizard::setStatus(const QString &text)
{
    status = text;
    Q_EMIT statusChanged(text);
}

} // namespace cerulean::ui
