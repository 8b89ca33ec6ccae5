#include "ui/pages/workspace/workspace_wizard.h"

#include "ui/local_workspace.h"
#include "ui/models/workspace_names.h"
#include "ui/pages/workspace/wizard_widgets.h"

#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>
#include <QWizardPage>

namespace cerulean::ui {

namespace {

using namespace wizard;

// --- 2. The local workspace ------------------------------------------------------------
class LocalPage final : public QWizardPage
{
public:
    explicit LocalPage(WorkspaceWizard &wizard)
        : m_wizard(wizard)
    {
        setObjectName(QStringLiteral("localPage"));
        setTitle(t("Local workspace"));
        setSubTitle(t("The local workspace service runs inside Cerulean and keeps its state in a folder on this machine."));
        m_status = statusLabel(this, QStringLiteral("localStatus"));
        m_progress = new QProgressBar(this);
        m_progress->setObjectName(QStringLiteral("localProgress"));
        m_progress->setRange(0, 0);
        m_progress->setToolTip(t("Starting the service, signing in with its built-in service principal, opening the workspace."));
        m_error = new ErrorPanel(this);
        m_retry = new QPushButton(t("&Retry"), this);
        m_retry->setObjectName(QStringLiteral("localRetry"));
        m_retry->setToolTip(t("Try to open the local workspace again."));
        m_retry->hide();
        connect(m_retry, &QPushButton::clicked, this, [this]() { m_wizard.local.open(); });
        m_az = new AzCommandBox(this);
        auto *layout = new QVBoxLayout(this);
        layout->addWidget(m_status);
        layout->addWidget(m_progress);
        layout->addWidget(m_error);
        layout->addWidget(m_retry, 0, Qt::AlignLeft);
        layout->addStretch(1);
        layout->addWidget(m_az);
        connect(&m_wizard.local, &LocalWorkspace::stateChanged, this, [this]() { refresh(); });
        refresh();
    }

    void initializePage() override
    {
        m_wizard.mode = WorkspaceWizard::Mode::Local;
        if (m_wizard.local.state() != LocalWorkspace::State::Connected)
            m_wizard.local.open();
        refresh();
    }

    bool isComplete() const override { return m_wizard.local.state() == LocalWorkspace::State::Connected; }
    int nextId() const override { return WorkspacePage::DonePageId; }

private:
    void refresh()
    {
        const LocalWorkspace &local = m_wizard.local;
        m_status->setText(local.statusText().isEmpty() ? t("The local workspace is not open yet.") : local.statusText());
        m_progress->setVisible(local.isBusy());
        if (local.state() == LocalWorkspace::State::Failed) {
            m_error->setError(local.error());
            m_status->setText(t("The local workspace did not open."));
        } else {
            m_error->clearError();
        }
        m_retry->setVisible(local.state() == LocalWorkspace::State::Failed || local.state() == LocalWorkspace::State::Closed);
        m_az->setCommand(az::localService(local.root()));
        Q_EMIT completeChanged();
    }

    WorkspaceWizard &m_wizard;
    QLabel *m_status;
    QProgressBar *m_progress;
    ErrorPanel *m_error;
    QPushButton *m_retry;
    AzCommandBox *m_az;
};

} // namespace

QWizardPage *newLocalPage(WorkspaceWizard &wizard)
{
    return new LocalPage(wizard);
}

} // namespace cerulean::ui
