#pragma once

#include "core/azure/result.h"
#include "core/azure/workspace_config.h"
#include "ui/local_workspace.h"

#include <QUrl>
#include <QWidget>

#include <chrono>
#include <memory>

class QWizard;

namespace cerulean::azure {
class AzureClient;
class HttpTransport;
} // namespace cerulean::azure

namespace cerulean::ui {

class MainWindow;
class Session;
class WorkspaceWizard;

struct WorkspacePageOptions
{
    LocalWorkspaceOptions local;
    // The keychain service the service principal secrets go to (tests use their own).
    QString secretService = QStringLiteral("cerulean");
    // Keep who signed in (never the secret) in the settings, as `cerulean-cli login` does, and
    // prefill the sign-in page from it.
    bool rememberSignIn = true;
    // Null: the process-wide network transport.
    std::shared_ptr<azure::HttpTransport> transport;
    // Polling of Azure's long-running creates when the service sends no Retry-After.
    std::chrono::milliseconds pollInterval{5000};
    QString defaultLocation = QStringLiteral("westeurope");
};

// Step 1, Workspace: a QWizard. The local workspace in one click, or Azure: sign in with a
// device code or a service principal (secret to the keychain), pick or create the
// subscription's resource group and workspace, set up a service principal with a role on
// the workspace and test its sign-in; import and export config.json. Every wizard page shows
// the equivalent `az` command. Finishing connects the Session.
class WorkspacePage final : public QWidget
{
    Q_OBJECT

public:
    enum PageId
    {
        IntroPageId,
        LocalPageId,
        SignInPageId,
        GroupPageId,
        WorkspacePickPageId,
        ServicePrincipalPageId,
        DonePageId,
    };

    explicit WorkspacePage(Session &session, WorkspacePageOptions options = {}, QWidget *parent = nullptr);
    ~WorkspacePage() override;

    QWizard *wizard() const;
    LocalWorkspace *localWorkspace() const { return m_local; }
    const WorkspacePageOptions &options() const { return m_options; }
    // Only while the local workspace is closed (the screenshot tour uses its own root).
    void setLocalRoot(const QString &root);

    // The one click: opens the local workspace and shows its progress in the wizard.
    void openLocalWorkspace();

    // The Azure identity signed in on the sign-in page (null before).
    std::shared_ptr<azure::AzureClient> azureClient() const;

    // config.json in the Azure ML SDK's format. Import preselects its subscription, resource
    // group and workspace once signed in; export writes the connected workspace.
    azure::Result<azure::WorkspaceConfig> importConfig(const QString &path);
    azure::Result<azure::Empty> exportConfig(const QString &path) const;
    // What the last import, export or action reported, for the status line.
    QString statusText() const;

Q_SIGNALS:
    // The wizard was finished: the workbench moves on to the next step.
    void finished();

private:
    Session &m_session;
    WorkspacePageOptions m_options;
    LocalWorkspace *m_local;
    WorkspaceWizard *m_wizard;
};

// For the screenshot tour: opens the local workspace under `workDirectory` and waits (up to
// a minute) until the wizard shows it connected. False when it did not connect.
bool prepareWorkspacePageForTour(MainWindow &window, const QString &workDirectory);

} // namespace cerulean::ui
