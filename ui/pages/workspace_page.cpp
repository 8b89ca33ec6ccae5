#include "ui/pages/workspace_page.h"

#include "core/azure/client.h"
#include "ui/main_window.h"
#include "ui/pages/workspace/workspace_wizard.h"
#include "ui/session.h"

#include <QAbstractButton>
#include <QCommandLinkButton>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFileDialog>
#include <QThread>
#include <QVBoxLayout>

namespace cerulean::ui {

// --- the page --------------------------------------------------------------------------
WorkspacePage::WorkspacePage(Session &session, WorkspacePageOptions options, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_options(std::move(options))
    , m_local(new LocalWorkspace(session,
                                 [this] {
                                     LocalWorkspaceOptions local = m_options.local;
                                     local.secretService = m_options.secretService;
                                     return local;
                                 }(),
                                 this))
    , m_wizard(new WorkspaceWizard(session, *m_local, m_options, this))
{
    setObjectName(QStringLiteral("workspacePage"));
    m_wizard->setObjectName(QStringLiteral("workspaceWizard"));
    m_wizard->setWindowFlags(Qt::Widget); // a page of the window, not a dialog
    m_wizard->setWizardStyle(QWizard::ModernStyle);
    m_wizard->setOptions(QWizard::NoBackButtonOnStartPage | QWizard::NoCancelButton | QWizard::HaveCustomButton1 |
                         QWizard::HaveCustomButton2);
    m_wizard->setButtonText(QWizard::CustomButton1, tr("&Import config.json…"));
    m_wizard->setButtonText(QWizard::CustomButton2, tr("E&xport config.json…"));
    m_wizard->button(QWizard::CustomButton1)->setToolTip(tr("Read a workspace's config.json (Azure ML SDK format) and open it after signing in."));
    m_wizard->button(QWizard::CustomButton2)->setToolTip(tr("Write the connected workspace's config.json (no secret is written)."));
    m_wizard->button(QWizard::BackButton)->setToolTip(tr("Go back one page."));
    m_wizard->button(QWizard::NextButton)->setToolTip(tr("Go on to the next page."));
    m_wizard->button(QWizard::FinishButton)->setToolTip(tr("Done: go on to Data & AutoML."));
    m_wizard->setPage(IntroPageId, newIntroPage(*m_wizard));
    m_wizard->setPage(LocalPageId, newLocalPage(*m_wizard));
    m_wizard->setPage(SignInPageId, newSignInPage(*m_wizard));
    m_wizard->setPage(GroupPageId, newGroupPage(*m_wizard));
    m_wizard->setPage(WorkspacePickPageId, newWorkspacePickPage(*m_wizard));
    m_wizard->setPage(ServicePrincipalPageId, newServicePrincipalPage(*m_wizard));
    m_wizard->setPage(DonePageId, newDonePage(*m_wizard));
    m_wizard->setStartId(IntroPageId);

    auto updateExport = [this]() { m_wizard->button(QWizard::CustomButton2)->setEnabled(m_session.isConnected()); };
    updateExport();
    connect(&m_session, &Session::connectionChanged, this, updateExport);
    connect(m_wizard, &QWizard::customButtonClicked, this, [this](int which) {
        if (which == QWizard::CustomButton1) {
            const QString path = QFileDialog::getOpenFileName(this, tr("Import config.json"), QString(),
                                                              tr("Workspace configuration (config.json *.json)"));
            if (!path.isEmpty())
                importConfig(path);
        } else if (which == QWizard::CustomButton2) {
            const QString path = QFileDialog::getSaveFileName(this, tr("Export config.json"), QStringLiteral("config.json"),
                                                              tr("Workspace configuration (config.json *.json)"));
            if (!path.isEmpty())
                exportConfig(path);
        }
    });
    connect(m_wizard, &WorkspaceWizard::wizardFinished, this, &WorkspacePage::finished);
    // The one-click path ends on the summary as soon as the workspace is open.
    connect(m_local, &LocalWorkspace::opened, this, [this]() {
        if (m_wizard->currentId() == LocalPageId)
            m_wizard->next();
    });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_wizard);
}

WorkspacePage::~WorkspacePage() = default;

QWizard *WorkspacePage::wizard() const
{
    return m_wizard;
}

void WorkspacePage::setLocalRoot(const QString &root)
{
    m_local->setRoot(root);
}

void WorkspacePage::openLocalWorkspace()
{
    m_wizard->mode = WorkspaceWizard::Mode::Local;
    if (m_wizard->currentId() != IntroPageId)
        m_wizard->restart();
    if (auto *intro = m_wizard->page(IntroPageId)->findChild<QCommandLinkButton *>(QStringLiteral("localButton")))
        intro->click(); // goes on to the local page, which opens the workspace
}

std::shared_ptr<azure::AzureClient> WorkspacePage::azureClient() const
{
    return m_wizard->client;
}

azure::Result<azure::WorkspaceConfig> WorkspacePage::importConfig(const QString &path)
{
    auto config = azure::readWorkspaceConfig(path);
    if (!config) {
        m_wizard->setStatus(tr("Could not import %1: %2").arg(QDir::toNativeSeparators(path), config.error().toString()));
        return config;
    }
    m_wizard->imported = config.value();
    m_wizard->mode = WorkspaceWizard::Mode::Azure;
    m_wizard->setStatus(tr("Imported %1: subscription %2, resource group %3, workspace %4.")
                            .arg(QDir::toNativeSeparators(path), config->subscriptionId, config->resourceGroup,
                                 config->workspaceName));
    Q_EMIT m_wizard->importedChanged();
    return config;
}

azure::Result<azure::Empty> WorkspacePage::exportConfig(const QString &path) const
{
    if (!m_session.isConnected()) {
        azure::AzureError error = azure::AzureError::invalidInput(tr("No workspace is connected yet."));
        error.action = tr("Open the local workspace or choose an Azure workspace first.");
        m_wizard->setStatus(error.toString());
        return error;
    }
    const WorkspaceRef &ws = m_session.workspace();
    auto written = azure::writeWorkspaceConfig(path, {ws.subscriptionId, ws.resourceGroup, ws.workspaceName});
    m_wizard->setStatus(written ? tr("Wrote %1.").arg(QDir::toNativeSeparators(path))
                                : tr("Could not write %1: %2").arg(QDir::toNativeSeparators(path), written.error().toString()));
    return written;
}

QString WorkspacePage::statusText() const
{
    return m_wizard->status;
}

bool prepareWorkspacePageForTour(MainWindow &window, const QString &workDirectory)
{
    auto *page = qobject_cast<WorkspacePage *>(window.page(Step::Workspace));
    if (!page)
        return false;
    page->setLocalRoot(QDir(workDirectory).filePath(QStringLiteral("local-workspace")));
    page->openLocalWorkspace();
    constexpr std::chrono::seconds kTimeout{60};
    QDeadlineTimer deadline(kTimeout);
    while (!deadline.hasExpired() && page->localWorkspace()->state() != LocalWorkspace::State::Connected &&
           page->localWorkspace()->state() != LocalWorkspace::State::Failed) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        QThread::msleep(10);
    }
    QCoreApplication::processEvents();
    return page->localWorkspace()->state() == LocalWorkspace::State::Connected &&
           page->wizard()->currentId() == WorkspacePage::DonePageId;
}

} // namespace cerulean::ui

