#include "ui/pages/workspace/workspace_wizard.h"

#include "core/azure/naming.h"
#include "core/azure/workspace_provisioning.h"
#include "ui/models/workspace_models.h"
#include "ui/models/workspace_names.h"
#include "ui/pages/workspace/wizard_widgets.h"
#include "ui/session.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>
#include <QWizardPage>

namespace cerulean::ui {

namespace {

using namespace wizard;

// --- 5. Workspace ----------------------------------------------------------------------
class WorkspacePickPage final : public QWizardPage
{
public:
    explicit WorkspacePickPage(WorkspaceWizard &wizard)
        : m_wizard(wizard)
    {
        setObjectName(QStringLiteral("workspacePage"));
        setTitle(t("Workspace"));
        setSubTitle(t("Pick a workspace of the resource group, or create one with its storage account, key vault and "
                      "Application Insights."));
        m_workspaces = new ArmChoiceModel(this);
        m_workspaces->setObjectName(QStringLiteral("workspaceModel"));
        m_workspace = new QComboBox(this);
        m_workspace->setObjectName(QStringLiteral("workspaceCombo"));
        m_workspace->setModel(m_workspaces);
        m_workspace->setToolTip(t("The Azure Machine Learning workspaces of the resource group."));
        auto *refresh = new QPushButton(t("&Refresh"), this);
        refresh->setObjectName(QStringLiteral("refreshWorkspacesButton"));
        refresh->setToolTip(t("List the workspaces again."));
        m_new.create = new QCheckBox(t("Create a &new workspace"), this);
        m_new.create->setObjectName(QStringLiteral("newWorkspaceCheck"));
        m_new.create->setToolTip(t("Make a workspace (and the resources it needs) in this resource group."));
        m_new.name = new QLineEdit(this);
        m_new.name->setObjectName(QStringLiteral("newWorkspaceName"));
        m_new.name->setToolTip(t("3 to 33 characters: letters, digits, '-' and '_', starting with a letter or digit."));
        m_new.location = new QLineEdit(this);
        m_new.location->setObjectName(QStringLiteral("newWorkspaceLocation"));
        m_new.location->setToolTip(t("The Azure region of the workspace; by default the resource group's."));
        m_new.nameError = validationLabel(this, QStringLiteral("workspaceNameError"));
        m_new.locationError = validationLabel(this, QStringLiteral("workspaceLocationError"));
        m_new.button = new QPushButton(t("Create &workspace"), this);
        m_new.button->setObjectName(QStringLiteral("createWorkspaceButton"));
        m_new.button->setToolTip(t("Create the storage account, key vault, Application Insights and the workspace."));
        m_progress = new QProgressBar(this);
        m_progress->setObjectName(QStringLiteral("createProgress"));
        m_progress->setRange(0, azure::WorkspaceProvisioning::kStepCount);
        m_progress->setToolTip(t("The resources made so far, out of four."));
        m_progress->hide();
        m_cancel = new QPushButton(t("Cancel creation"), this);
        m_cancel->setObjectName(QStringLiteral("cancelCreateButton"));
        m_cancel->setToolTip(t("Stop waiting; what Azure already made stays (delete the resource group to remove it)."));
        m_cancel->hide();
        m_status = statusLabel(this, QStringLiteral("workspaceStatus"));
        m_error = new ErrorPanel(this);
        m_az = new AzCommandBox(this);

        auto *form = new QFormLayout;
        auto *pick = new QHBoxLayout;
        pick->addWidget(m_workspace, 1);
        pick->addWidget(refresh);
        form->addRow(buddyLabel(t("&Workspace:"), m_workspace), pick);
        form->addRow(QString(), m_new.create);
        form->addRow(t("&Name:"), m_new.name);
        form->addRow(QString(), m_new.nameError);
        form->addRow(t("&Location:"), m_new.location);
        form->addRow(QString(), m_new.locationError);
        auto *createRow = new QHBoxLayout;
        createRow->addWidget(m_new.button);
        createRow->addWidget(m_progress, 1);
        createRow->addWidget(m_cancel);
        form->addRow(QString(), createRow);
        auto *layout = new QVBoxLayout(this);
        layout->addLayout(form);
        layout->addWidget(m_status);
        layout->addWidget(m_error);
        layout->addStretch(1);
        layout->addWidget(m_az);

        connect(refresh, &QPushButton::clicked, this, [this]() { load(QString()); });
        connect(m_workspace, &QComboBox::currentIndexChanged, this, [this]() { update(); });
        connect(m_new.create, &QCheckBox::toggled, this, [this]() { update(); });
        connect(m_new.name, &QLineEdit::textChanged, this, [this]() { update(); });
        connect(m_new.location, &QLineEdit::textChanged, this, [this]() { update(); });
        connect(m_new.button, &QPushButton::clicked, this, [this]() { create(); });
        connect(m_cancel, &QPushButton::clicked, this, [this]() { cancel(); });
    }

    void initializePage() override
    {
        m_new.location->setText(m_wizard.workspaceLocation.isEmpty() ? m_wizard.options.defaultLocation
                                                                     : m_wizard.workspaceLocation);
        load(QString());
    }

    bool isComplete() const override
    {
        const ArmChoice *ws = m_workspaces->choice(m_workspace->currentIndex());
        return !m_busy && !m_new.create->isChecked() && ws &&
               (ws->state.isEmpty() || ws->state.compare(QLatin1String("Succeeded"), Qt::CaseInsensitive) == 0);
    }

    bool validatePage() override
    {
        const ArmChoice *ws = m_workspaces->choice(m_workspace->currentIndex());
        if (!ws)
            return false;
        m_wizard.workspaceName = ws->key;
        m_wizard.workspaceLocation = ws->location;
        const WorkspaceRef ref{m_wizard.subscriptionId, m_wizard.resourceGroup, m_wizard.workspaceName, m_wizard.workspaceLocation};
        const azure::Cloud &cloud = m_wizard.client->cloud();
        // A loopback service is the local workspace, whichever way the user reached it.
        m_wizard.session.connectTo(cloud.isLocal() ? Session::Connection::Local : Session::Connection::Azure,
                                   std::make_shared<const azure::Cloud>(cloud), m_wizard.client->arm(), ref);
        m_wizard.setStatus(t("Connected: %1").arg(m_wizard.session.displayName()));
        return true;
    }

    int nextId() const override { return WorkspacePage::ServicePrincipalPageId; }

private:
    void setBusy(bool busy)
    {
        m_busy = busy;
        m_progress->setVisible(busy);
        m_cancel->setVisible(busy);
        update();
    }

    void update()
    {
        const bool creating = m_new.create->isChecked();
        const QString nameError = creating ? azure::workspaceNameError(m_new.name->text()) : QString();
        const QString locError = creating ? azure::locationError(m_new.location->text().trimmed()) : QString();
        showValidation(m_new.nameError, m_new.name->text().isEmpty() ? QString() : nameError);
        showValidation(m_new.locationError, locError);
        m_new.name->setEnabled(creating && !m_busy);
        m_new.location->setEnabled(creating && !m_busy);
        m_new.button->setEnabled(creating && !m_busy && nameError.isEmpty() && locError.isEmpty());
        m_workspace->setEnabled(!creating && !m_busy);
        const ArmChoice *ws = m_workspaces->choice(m_workspace->currentIndex());
        if (creating)
            m_az->setCommand(az::createWorkspace(m_wizard.subscriptionId, m_wizard.resourceGroup, m_new.name->text(),
                                                 m_new.location->text().trimmed()));
        else
            m_az->setCommand(QStringLiteral("az ml workspace show --subscription %1 --resource-group %2 --name %3")
                                 .arg(m_wizard.subscriptionId, m_wizard.resourceGroup, ws ? ws->key : QStringLiteral("<workspace>")));
        Q_EMIT completeChanged();
    }

    void load(const QString &select)
    {
        m_error->clearError();
        const int generation = m_workspaces->beginLoad();
        update();
        m_status->setText(t("Listing the workspaces of %1…").arg(m_wizard.resourceGroup));
        m_wizard.ml().listWorkspaces(m_wizard.resourceGroup, this,
                                     [this, generation, select](azure::Result<QList<azure::Workspace>> list) {
                                         if (!list) {
                                             m_workspaces->endLoadWithError(generation);
                                             m_status->setText(t("Could not list the workspaces."));
                                             m_error->setError(list.error());
                                             update();
                                             return;
                                         }
                                         if (!m_workspaces->setChoices(generation, ArmChoiceModel::fromWorkspaces(list.value())))
                                             return;
                                         QString wanted = select;
                                         if (wanted.isEmpty() && m_wizard.imported &&
                                             m_wizard.imported->resourceGroup.compare(m_wizard.resourceGroup, Qt::CaseInsensitive) == 0)
                                             wanted = m_wizard.imported->workspaceName;
                                         const int row = m_workspaces->rowOfKey(wanted);
                                         m_workspace->setCurrentIndex(row >= 0 ? row : (m_workspaces->rowCount() > 0 ? 0 : -1));
                                         m_new.create->setChecked(m_workspaces->rowCount() == 0);
                                         m_status->setText(t("%n workspace(s) in %1.", nullptr, int(list->size())).arg(m_wizard.resourceGroup));
                                         update();
                                     });
    }

    // The storage account, key vault and Application Insights ARM needs before the workspace
    // itself: core's WorkspaceProvisioning makes them, this page shows how far it got.
    void create()
    {
        const QString name = m_new.name->text();
        const QString location = m_new.location->text().trimmed();
        if (!azure::workspaceNameError(name).isEmpty() || !azure::locationError(location).isEmpty())
            return;
        m_error->clearError();
        azure::WorkspaceProvisioningRequest request;
        request.workspace = azure::WorkspaceRef{m_wizard.subscriptionId, m_wizard.resourceGroup, name};
        request.location = location;
        request.tenantId = m_wizard.tenant();
        auto *provisioning = new azure::WorkspaceProvisioning(m_wizard.ml(), request, this);
        m_provisioning = provisioning;
        using Step = azure::WorkspaceProvisioning::Step;
        connect(provisioning, &azure::WorkspaceProvisioning::stepStarted, this, [this](Step step, const QString &what) {
            m_status->setText(t("Creating %1 (%2 of %3)…").arg(what).arg(int(step) + 1).arg(azure::WorkspaceProvisioning::kStepCount));
        });
        connect(provisioning, &azure::WorkspaceProvisioning::stepStatus, this, [this, provisioning](Step step, const QString &status) {
            m_status->setText(t("Creating %1: %2…").arg(provisioning->describe(step), status));
        });
        connect(provisioning, &azure::WorkspaceProvisioning::stepFinished, this,
                [this, provisioning]() { m_progress->setValue(provisioning->stepsDone()); });
        connect(provisioning, &azure::WorkspaceProvisioning::finished, this, [this, provisioning]() { finishCreate(provisioning); });
        m_progress->setValue(0);
        setBusy(true);
        provisioning->start();
    }

    void finishCreate(azure::WorkspaceProvisioning *provisioning)
    {
        provisioning->deleteLater();
        setBusy(false);
        switch (provisioning->state()) {
        case azure::OperationState::Succeeded: {
            const QString name = provisioning->plan().spec.name;
            m_status->setText(t("Created the workspace %1.").arg(name));
            m_new.create->setChecked(false);
            load(name);
            break;
        }
        case azure::OperationState::Canceled:
            m_status->setText(t("Canceled. What was made so far stays in the resource group."));
            break;
        default:
            m_status->setText(provisioning->failedStep() ? t("Creating %1 failed.").arg(provisioning->describe(*provisioning->failedStep()))
                                                         : t("The workspace was not created."));
            m_error->setError(provisioning->error());
            break;
        }
    }

    void cancel()
    {
        if (m_provisioning)
            m_provisioning->cancel();
    }

    WorkspaceWizard &m_wizard;
    ArmChoiceModel *m_workspaces;
    QComboBox *m_workspace;
    NewResourceFields m_new;
    QProgressBar *m_progress;
    QPushButton *m_cancel;
    QLabel *m_status;
    ErrorPanel *m_error;
    AzCommandBox *m_az;
    QPointer<azure::WorkspaceProvisioning> m_provisioning;
    bool m_busy = false;
};

} // namespace

QWizardPage *newWorkspacePickPage(WorkspaceWizard &wizard)
{
    return new WorkspacePickPage(wizard);
}

} // namespace cerulean::ui
