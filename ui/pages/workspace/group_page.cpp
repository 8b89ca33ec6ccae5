#include "ui/pages/workspace/workspace_wizard.h"

#include "core/azure/naming.h"
#include "ui/models/workspace_models.h"
#include "ui/models/workspace_names.h"
#include "ui/pages/workspace/wizard_widgets.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>
#include <QWizardPage>

namespace cerulean::ui {

namespace {

using namespace wizard;

// --- 4. Subscription and resource group ------------------------------------------------
class GroupPage final : public QWizardPage
{
public:
    explicit GroupPage(WorkspaceWizard &wizard)
        : m_wizard(wizard)
    {
        setObjectName(QStringLiteral("groupPage"));
        setTitle(t("Subscription and resource group"));
        setSubTitle(t("The subscription pays for the workspace; the resource group holds it with its storage account, key "
                      "vault and Application Insights."));
        m_subscriptions = new ArmChoiceModel(this);
        m_subscriptions->setObjectName(QStringLiteral("subscriptionModel"));
        m_groups = new ArmChoiceModel(this);
        m_groups->setObjectName(QStringLiteral("resourceGroupModel"));
        m_subscription = new QComboBox(this);
        m_subscription->setObjectName(QStringLiteral("subscriptionCombo"));
        m_subscription->setModel(m_subscriptions);
        m_subscription->setToolTip(t("The subscriptions your identity can see."));
        m_group = new QComboBox(this);
        m_group->setObjectName(QStringLiteral("resourceGroupCombo"));
        m_group->setModel(m_groups);
        m_group->setToolTip(t("An existing resource group of the subscription."));
        auto *refresh = new QPushButton(t("&Refresh"), this);
        refresh->setObjectName(QStringLiteral("refreshSubscriptionsButton"));
        refresh->setToolTip(t("List the subscriptions and resource groups again."));
        m_new.create = new QCheckBox(t("Create a &new resource group"), this);
        m_new.create->setObjectName(QStringLiteral("newGroupCheck"));
        m_new.create->setToolTip(t("Make a resource group for the workspace instead of using an existing one."));
        m_new.name = new QLineEdit(this);
        m_new.name->setObjectName(QStringLiteral("newGroupName"));
        m_new.name->setToolTip(t("Up to 90 letters, digits, '_', '-', '.', '(' and ')', not ending in '.'."));
        m_new.location = new QLineEdit(m_wizard.options.defaultLocation, this);
        m_new.location->setObjectName(QStringLiteral("newGroupLocation"));
        m_new.location->setToolTip(t("The Azure region, e.g. westeurope or eastus (the local workspace uses 'local')."));
        m_new.nameError = validationLabel(this, QStringLiteral("groupNameError"));
        m_new.locationError = validationLabel(this, QStringLiteral("groupLocationError"));
        m_new.button = new QPushButton(t("Create resource &group"), this);
        m_new.button->setObjectName(QStringLiteral("createGroupButton"));
        m_new.button->setToolTip(t("Create the resource group now."));
        m_status = statusLabel(this, QStringLiteral("groupStatus"));
        m_error = new ErrorPanel(this);
        m_az = new AzCommandBox(this);

        auto *form = new QFormLayout;
        auto *subscriptionRow = new QHBoxLayout;
        subscriptionRow->addWidget(m_subscription, 1);
        subscriptionRow->addWidget(refresh);
        form->addRow(buddyLabel(t("&Subscription:"), m_subscription), subscriptionRow);
        form->addRow(t("Resource &group:"), m_group);
        form->addRow(QString(), m_new.create);
        form->addRow(t("&Name:"), m_new.name);
        form->addRow(QString(), m_new.nameError);
        form->addRow(t("&Location:"), m_new.location);
        form->addRow(QString(), m_new.locationError);
        form->addRow(QString(), m_new.button);
        auto *layout = new QVBoxLayout(this);
        layout->addLayout(form);
        layout->addWidget(m_status);
        layout->addWidget(m_error);
        layout->addStretch(1);
        layout->addWidget(m_az);

        connect(refresh, &QPushButton::clicked, this, [this]() { loadSubscriptions(); });
        connect(m_subscription, &QComboBox::currentIndexChanged, this, [this]() { subscriptionChosen(); });
        connect(m_group, &QComboBox::currentIndexChanged, this, [this]() { update(); });
        connect(m_new.create, &QCheckBox::toggled, this, [this]() { update(); });
        connect(m_new.name, &QLineEdit::textChanged, this, [this]() { update(); });
        connect(m_new.location, &QLineEdit::textChanged, this, [this]() { update(); });
        connect(m_new.button, &QPushButton::clicked, this, [this]() { createGroup(); });
        connect(&m_wizard, &WorkspaceWizard::importedChanged, this, [this]() { preselect(); });
        update();
    }

    void initializePage() override { loadSubscriptions(); }

    bool isComplete() const override
    {
        return !m_busy && !m_wizard.subscriptionId.isEmpty() && !m_new.create->isChecked() && m_group->currentIndex() >= 0;
    }

    bool validatePage() override
    {
        const ArmChoice *group = m_groups->choice(m_group->currentIndex());
        if (!group)
            return false;
        m_wizard.resourceGroup = group->key;
        m_wizard.workspaceLocation = group->location;
        return true;
    }

    int nextId() const override { return WorkspacePage::WorkspacePickPageId; }

private:
    void setBusy(bool busy)
    {
        m_busy = busy;
        update();
    }

    void update()
    {
        const bool creating = m_new.create->isChecked();
        const QString nameError = creating ? azure::resourceGroupNameError(m_new.name->text()) : QString();
        const QString locError = creating ? azure::locationError(m_new.location->text().trimmed()) : QString();
        showValidation(m_new.nameError, m_new.name->text().isEmpty() ? QString() : nameError);
        showValidation(m_new.locationError, locError);
        for (QWidget *w : {static_cast<QWidget *>(m_new.name), static_cast<QWidget *>(m_new.location),
                           static_cast<QWidget *>(m_new.button)})
            w->setEnabled(creating && !m_busy);
        m_new.button->setEnabled(creating && !m_busy && nameError.isEmpty() && locError.isEmpty() && !m_wizard.subscriptionId.isEmpty());
        m_group->setEnabled(!creating && !m_busy);
        const ArmChoice *group = m_groups->choice(m_group->currentIndex());
        QString command = az::setSubscription(m_wizard.subscriptionId);
        if (creating)
            command += QLatin1Char('\n') + az::createResourceGroup(m_new.name->text(), m_new.location->text());
        else if (group)
            command += QStringLiteral("\naz group show --name %1").arg(group->key);
        m_az->setCommand(command);
        Q_EMIT completeChanged();
    }

    void loadSubscriptions()
    {
        if (!m_wizard.client)
            return;
        m_error->clearError();
        m_status->setText(t("Listing subscriptions…"));
        const int generation = m_subscriptions->beginLoad();
        m_wizard.ml().listSubscriptions(this, [this, generation](azure::Result<QList<azure::Subscription>> list) {
            if (!list) {
                m_subscriptions->endLoadWithError(generation);
                m_status->setText(t("Could not list the subscriptions."));
                m_error->setError(list.error());
                return;
            }
            if (!m_subscriptions->setChoices(generation, ArmChoiceModel::fromSubscriptions(list.value())))
                return;
            m_status->setText(list->isEmpty() ? t("This identity sees no subscription: ask for a role on one.")
                                              : t("%n subscription(s).", nullptr, int(list->size())));
            preselect();
        });
    }

    void preselect()
    {
        int row = m_wizard.imported ? m_subscriptions->rowOfKey(m_wizard.imported->subscriptionId) : -1;
        if (row < 0)
            row = m_subscriptions->rowOfKey(m_wizard.subscriptionId);
        if (row < 0 && m_subscriptions->rowCount() > 0)
            row = 0;
        if (row != m_subscription->currentIndex())
            m_subscription->setCurrentIndex(row);
        else
            subscriptionChosen();
    }

    void subscriptionChosen()
    {
        const ArmChoice *subscription = m_subscriptions->choice(m_subscription->currentIndex());
        m_wizard.subscriptionId = subscription ? subscription->key : QString();
        m_wizard.subscriptionTenant = subscription ? subscription->tenantId : QString();
        loadGroups(QString());
    }

    void loadGroups(const QString &select)
    {
        const int generation = m_groups->beginLoad();
        update();
        if (m_wizard.subscriptionId.isEmpty())
            return;
        m_wizard.resourceGroup.clear();
        m_wizard.ml().listResourceGroups(this, [this, generation, select](azure::Result<QList<azure::ResourceGroup>> list) {
            if (!list) {
                m_groups->endLoadWithError(generation);
                m_error->setError(list.error());
                update();
                return;
            }
            if (!m_groups->setChoices(generation, ArmChoiceModel::fromResourceGroups(list.value())))
                return;
            QString wanted = select;
            if (wanted.isEmpty() && m_wizard.imported &&
                m_wizard.imported->subscriptionId.compare(m_wizard.subscriptionId, Qt::CaseInsensitive) == 0)
                wanted = m_wizard.imported->resourceGroup;
            const int row = m_groups->rowOfKey(wanted);
            m_group->setCurrentIndex(row >= 0 ? row : (m_groups->rowCount() > 0 ? 0 : -1));
            if (m_groups->rowCount() == 0)
                m_new.create->setChecked(true);
            update();
        });
    }

    void createGroup()
    {
        const QString name = m_new.name->text();
        const QString location = m_new.location->text().trimmed();
        if (!azure::resourceGroupNameError(name).isEmpty() || !azure::locationError(location).isEmpty())
            return;
        m_error->clearError();
        m_status->setText(t("Creating the resource group %1 in %2…").arg(name, location));
        setBusy(true);
        auto *operation = m_wizard.ml().createResourceGroup(name, location, this);
        connect(operation, &azure::OperationBase::finished, this, [this, operation, name]() {
            operation->deleteLater();
            setBusy(false);
            if (operation->state() != azure::OperationState::Succeeded || !operation->value()) {
                m_status->setText(t("The resource group was not created."));
                m_error->setError(operation->error());
                return;
            }
            const azure::ResourceGroup &group = *operation->value();
            m_status->setText(t("Created the resource group %1.").arg(group.name));
            const int row = m_groups->upsert(ArmChoiceModel::fromResourceGroups({group}).constFirst());
            m_new.create->setChecked(false);
            m_group->setCurrentIndex(row);
            update();
        });
        operation->start();
    }

    WorkspaceWizard &m_wizard;
    ArmChoiceModel *m_subscriptions;
    ArmChoiceModel *m_groups;
    QComboBox *m_subscription;
    QComboBox *m_group;
    NewResourceFields m_new;
    QLabel *m_status;
    ErrorPanel *m_error;
    AzCommandBox *m_az;
    bool m_busy = false;
};

} // namespace

QWizardPage *newGroupPage(WorkspaceWizard &wizard)
{
    return new GroupPage(wizard);
}

} // namespace cerulean::ui
