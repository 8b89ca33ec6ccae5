#include "ui/pages/workspace/workspace_wizard.h"

#include "ui/models/workspace_names.h"
#include "ui/pages/workspace/wizard_widgets.h"
#include "ui/session.h"

#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>
#include <QWizardPage>

namespace cerulean::ui {

namespace {

using namespace wizard;

// --- 7. Done ---------------------------------------------------------------------------
class DonePage final : public QWizardPage
{
public:
    explicit DonePage(WorkspaceWizard &wizard)
        : m_wizard(wizard)
    {
        setObjectName(QStringLiteral("donePage"));
        setTitle(t("Connected"));
        setSubTitle(t("Every step of the workbench now works in this workspace. Export config.json to use it from the Azure "
                      "ML SDK, the CLI or a notebook."));
        setFinalPage(true);
        m_summary = statusLabel(this, QStringLiteral("doneSummary"));
        m_export = new QPushButton(t("&Export config.json…"), this);
        m_export->setObjectName(QStringLiteral("exportConfigButton"));
        m_export->setToolTip(t("Write config.json (subscription, resource group, workspace; never a secret)."));
        m_status = statusLabel(this, QStringLiteral("doneStatus"));
        m_az = new AzCommandBox(this);
        auto *layout = new QVBoxLayout(this);
        layout->addWidget(m_summary);
        layout->addWidget(m_export, 0, Qt::AlignLeft);
        layout->addWidget(m_status);
        layout->addStretch(1);
        layout->addWidget(m_az);
        connect(m_export, &QPushButton::clicked, this, [this]() { m_wizard.button(QWizard::CustomButton2)->click(); });
        connect(&m_wizard, &WorkspaceWizard::statusChanged, m_status, &QLabel::setText);
        connect(&m_wizard.session, &Session::connectionChanged, this, [this]() { refresh(); });
    }

    void initializePage() override { refresh(); }
    bool isComplete() const override { return m_wizard.session.isConnected(); }

private:
    void refresh()
    {
        const Session &session = m_wizard.session;
        const WorkspaceRef &ws = session.workspace();
        if (!session.isConnected()) {
            m_summary->setText(t("Not connected."));
        } else {
            const QString where = session.cloud() ? session.cloud()->resourceManager.toString() : QString();
            m_summary->setText(t("%1\n\nSubscription: %2\nResource group: %3\nWorkspace: %4\nLocation: %5\nEndpoint: %6")
                                   .arg(session.displayName(), ws.subscriptionId, ws.resourceGroup, ws.workspaceName,
                                        ws.location, where));
        }
        m_export->setEnabled(session.isConnected());
        m_az->setCommand(az::writeConfig(ws.subscriptionId, ws.resourceGroup, ws.workspaceName));
        Q_EMIT completeChanged();
    }

    WorkspaceWizard &m_wizard;
    QLabel *m_summary;
    QPushButton *m_export;
    QLabel *m_status;
    AzCommandBox *m_az;
};

} // namespace

QWizardPage *newDonePage(WorkspaceWizard &wizard)
{
    return new DonePage(wizard);
}

} // namespace cerulean::ui
