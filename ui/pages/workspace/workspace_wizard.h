#pragma once

#include "core/azure/client.h"
#include "core/azure/ml_client.h"
#include "core/azure/secret_store.h"
#include "core/azure/workspace_config.h"
#include "ui/pages/workspace_page.h"

#include <QWizard>

#include <memory>
#include <optional>

namespace cerulean::ui {

// The wizard and the selection its pages share (the licensewizard shape: pages read and write
// these fields, never each other's widgets). The work itself is done by core's workflows.
class WorkspaceWizard final : public QWizard
{
    Q_OBJECT

public:
    enum class Mode
    {
        Local,
        Azure
    };

    WorkspaceWizard(Session &sessionRef, LocalWorkspace &localRef, const WorkspacePageOptions &optionsRef, QWidget *parent);

    // Embedded in the window: finishing moves the workbench on instead of closing a dialog,
    // and Escape does nothing.
    void done(int result) override;

    std::shared_ptr<azure::HttpTransport> transport() const;
    // A client of the chosen subscription, resource group and workspace.
    azure::MachineLearningClient ml() const;
    azure::WorkspaceRef workspaceRef() const;
    // The tenant that owns the subscription (service principals are made there).
    QString tenant() const { return subscriptionTenant.isEmpty() ? signInTenant : subscriptionTenant; }
    void setStatus(const QString &text);

    Session &session;
    LocalWorkspace &local;
    const WorkspacePageOptions &options;
    azure::SecretStore secrets;
    Mode mode = Mode::Local;
    std::shared_ptr<azure::AzureClient> client;
    QString signInTenant;
    std::optional<azure::WorkspaceConfig> imported;
    QString subscriptionId, subscriptionTenant, resourceGroup, workspaceName, workspaceLocation;
    QString status;

Q_SIGNALS:
    void wizardFinished();
    void importedChanged();
    void statusChanged(const QString &text);
};

// The pages, one file each.
QWizardPage *newIntroPage(WorkspaceWizard &wizard);
QWizardPage *newLocalPage(WorkspaceWizard &wizard);
QWizardPage *newSignInPage(WorkspaceWizard &wizard);
QWizardPage *newGroupPage(WorkspaceWizard &wizard);
QWizardPage *newWorkspacePickPage(WorkspaceWizard &wizard);
QWizardPage *newServicePrincipalPage(WorkspaceWizard &wizard);
QWizardPage *newDonePage(WorkspaceWizard &wizard);

} // namespace cerulean::ui
