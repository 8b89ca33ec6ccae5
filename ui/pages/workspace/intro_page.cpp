#include "ui/pages/workspace/workspace_wizard.h"

#include "ui/models/workspace_names.h"
#include "ui/pages/workspace/wizard_widgets.h"

#include <QCommandLinkButton>
#include <QLabel>
#include <QVBoxLayout>
#include <QWizardPage>

namespace cerulean::ui {

namespace {

using namespace wizard;

// --- 1. Where the workspace lives ------------------------------------------------------
class IntroPage final : public QWizardPage
{
public:
    explicit IntroPage(WorkspaceWizard &wizard)
        : m_wizard(wizard)
    {
        setObjectName(QStringLiteral("introPage"));
        setTitle(t("Where your workspace lives"));
        setSubTitle(t("A workspace holds your data, jobs, models and endpoints. Start on this machine, or use Azure "
                      "Machine Learning when one machine is not enough."));
        m_localButton = new QCommandLinkButton(t("&Local workspace — one click"),
                                               t("Runs on this machine with no subscription: the same REST surface as Azure, "
                                                 "a real AutoML engine and real endpoints."),
                                               this);
        m_localButton->setObjectName(QStringLiteral("localButton"));
        m_localButton->setToolTip(t("Open the local workspace now (no sign-in needed)."));
        m_azureButton = new QCommandLinkButton(t("&Azure Machine Learning"),
                                               t("Sign in with a device code or a service principal, then pick or create the "
                                                 "resource group and workspace."),
                                               this);
        m_azureButton->setObjectName(QStringLiteral("azureButton"));
        m_azureButton->setToolTip(t("Sign in to Azure and choose a workspace in one of your subscriptions."));
        for (QCommandLinkButton *button : {m_localButton, m_azureButton}) {
            button->setCheckable(true);
            button->setAutoExclusive(true);
        }
        m_localButton->setChecked(true);
        connect(m_localButton, &QCommandLinkButton::clicked, this, [this]() { choose(WorkspaceWizard::Mode::Local); });
        connect(m_azureButton, &QCommandLinkButton::clicked, this, [this]() { choose(WorkspaceWizard::Mode::Azure); });
        m_imported = statusLabel(this, QStringLiteral("importedConfig"));
        m_imported->hide();
        m_az = new AzCommandBox(this);
        auto *layout = new QVBoxLayout(this);
        layout->addWidget(m_localButton);
        layout->addWidget(m_azureButton);
        layout->addWidget(m_imported);
        layout->addStretch(1);
        layout->addWidget(m_az);
        connect(&m_wizard, &WorkspaceWizard::importedChanged, this, [this]() { refresh(); });
        refresh();
    }

    int nextId() const override
    {
        return m_wizard.mode == WorkspaceWizard::Mode::Local ? WorkspacePage::LocalPageId : WorkspacePage::SignInPageId;
    }

    void refresh()
    {
        (m_wizard.mode == WorkspaceWizard::Mode::Local ? m_localButton : m_azureButton)->setChecked(true);
        m_az->setCommand(m_wizard.mode == WorkspaceWizard::Mode::Local ? az::localService(m_wizard.local.root())
                                                                       : az::loginDeviceCode(QStringLiteral("organizations")));
        if (m_wizard.imported) {
            m_imported->setText(t("config.json imported: subscription %1, resource group %2, workspace %3. Sign in to Azure "
                                  "to open it.")
                                    .arg(m_wizard.imported->subscriptionId, m_wizard.imported->resourceGroup,
                                         m_wizard.imported->workspaceName));
            m_imported->show();
        }
    }

private:
    void choose(WorkspaceWizard::Mode mode)
    {
        m_wizard.mode = mode;
        refresh();
        m_wizard.next();
    }

    WorkspaceWizard &m_wizard;
    QCommandLinkButton *m_localButton;
    QCommandLinkButton *m_azureButton;
    QLabel *m_imported;
    AzCommandBox *m_az;
};

} // namespace

QWizardPage *newIntroPage(WorkspaceWizard &wizard)
{
    return new IntroPage(wizard);
}

} // namespace cerulean::ui
