#include "ui/pages/workspace/workspace_wizard.h"

#include "core/azure/identity.h"
#include "core/azure/naming.h"
#include "ui/models/workspace_models.h"
#include "ui/models/workspace_names.h"
#include "ui/pages/workspace/wizard_widgets.h"

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>
#include <QWizardPage>

namespace cerulean::ui {

namespace {

using namespace wizard;

// --- 6. Service principal --------------------------------------------------------------
class ServicePrincipalPage final : public QWizardPage
{
public:
    explicit ServicePrincipalPage(WorkspaceWizard &wizard)
        : m_wizard(wizard)
    {
        setObjectName(QStringLiteral("servicePrincipalPage"));
        setTitle(t("Service principal (optional)"));
        setSubTitle(t("An application identity for scripts and CI: its secret is shown once and kept in the keychain, and "
                      "it gets a role on this workspace only."));
        m_name = new QLineEdit(this);
        m_name->setObjectName(QStringLiteral("applicationNameEdit"));
        m_name->setToolTip(t("The application's display name in Microsoft Entra ID; a second run with the same name reuses it."));
        m_nameError = validationLabel(this, QStringLiteral("applicationNameError"));
        m_create = new QPushButton(t("Create application, service principal and &secret"), this);
        m_create->setObjectName(QStringLiteral("createServicePrincipalButton"));
        m_create->setToolTip(t("Create (or find) the application and its service principal, and add a new client secret."));
        m_appId = readOnlyField(this, QStringLiteral("appIdEdit"), t("The application (client) ID: what scripts sign in with."));
        m_principalId = readOnlyField(this, QStringLiteral("principalIdEdit"), t("The service principal's object ID: what roles are assigned to."));
        m_secret = readOnlyField(this, QStringLiteral("newSecretEdit"),
                                 t("The new client secret. Shown only now; it is kept in the keychain."));
        m_secret->setEchoMode(QLineEdit::Password);
        m_showSecret = new QCheckBox(t("S&how"), this);
        m_showSecret->setObjectName(QStringLiteral("showSecretCheck"));
        m_showSecret->setToolTip(t("Show the secret in clear text."));
        connect(m_showSecret, &QCheckBox::toggled, this,
                [this](bool show) { m_secret->setEchoMode(show ? QLineEdit::Normal : QLineEdit::Password); });
        m_copySecret = new QPushButton(t("Cop&y secret"), this);
        m_copySecret->setObjectName(QStringLiteral("copySecretButton"));
        m_copySecret->setToolTip(t("Copy the secret to the clipboard, e.g. into your CI's secret store."));
        connect(m_copySecret, &QPushButton::clicked, this, [this]() { QGuiApplication::clipboard()->setText(m_secret->text()); });
        m_role = new QComboBox(this);
        m_role->setObjectName(QStringLiteral("roleCombo"));
        m_role->setToolTip(t("The role the service principal gets on this workspace."));
        for (const RoleChoice &role : workspaceRoles()) {
            m_role->addItem(role.name, role.guid);
            m_role->setItemData(m_role->count() - 1, role.description, Qt::ToolTipRole);
        }
        m_assign = new QPushButton(t("&Assign role"), this);
        m_assign->setObjectName(QStringLiteral("assignRoleButton"));
        m_assign->setToolTip(t("Assign the role on the workspace's scope."));
        m_assignments = new RoleAssignmentModel(this);
        m_assignments->setObjectName(QStringLiteral("roleAssignmentModel"));
        auto *view = new QTableView(this);
        view->setObjectName(QStringLiteral("roleAssignmentView"));
        view->setModel(m_assignments);
        view->setToolTip(t("The service principal's role assignments on this workspace."));
        view->horizontalHeader()->setStretchLastSection(true);
        view->verticalHeader()->hide();
        view->setSelectionBehavior(QAbstractItemView::SelectRows);
        view->setMaximumHeight(110);
        m_test = new QPushButton(t("&Test sign-in"), this);
        m_test->setObjectName(QStringLiteral("testSignInButton"));
        m_test->setToolTip(t("Sign in as the service principal with the secret from the keychain."));
        m_status = statusLabel(this, QStringLiteral("servicePrincipalStatus"));
        m_error = new ErrorPanel(this);
        m_az = new AzCommandBox(this);

        auto *form = new QFormLayout;
        form->addRow(t("&Display name:"), m_name);
        form->addRow(QString(), m_nameError);
        form->addRow(QString(), m_create);
        form->addRow(t("Application ID:"), m_appId);
        form->addRow(t("Principal ID:"), m_principalId);
        auto *secretRow = new QHBoxLayout;
        secretRow->addWidget(m_secret, 1);
        secretRow->addWidget(m_showSecret);
        secretRow->addWidget(m_copySecret);
        form->addRow(t("Secret:"), secretRow);
        auto *roleRow = new QHBoxLayout;
        roleRow->addWidget(m_role, 1);
        roleRow->addWidget(m_assign);
        form->addRow(buddyLabel(t("&Role:"), m_role), roleRow);
        form->addRow(t("Assignments:"), view);
        form->addRow(QString(), m_test);
        auto *layout = new QVBoxLayout(this);
        layout->addLayout(form);
        layout->addWidget(m_status);
        layout->addWidget(m_error);
        layout->addStretch(1);
        layout->addWidget(m_az);

        connect(m_name, &QLineEdit::textChanged, this, [this]() { update(); });
        connect(m_role, &QComboBox::currentIndexChanged, this, [this]() { update(); });
        connect(m_create, &QPushButton::clicked, this, [this]() { create(); });
        connect(m_assign, &QPushButton::clicked, this, [this]() { assign(); });
        connect(m_test, &QPushButton::clicked, this, [this]() { testSignIn(); });
        update();
    }

    void initializePage() override
    {
        if (m_name->text().isEmpty())
            m_name->setText(QStringLiteral("cerulean-%1").arg(m_wizard.workspaceName));
        update();
    }

    bool isComplete() const override { return !m_busy; } // optional: Next skips it
    bool validatePage() override
    {
        // Shown once: leaving the page forgets it (the keychain keeps it).
        m_secret->clear();
        return true;
    }
    int nextId() const override { return WorkspacePage::DonePageId; }

private:
    void setBusy(bool busy)
    {
        m_busy = busy;
        update();
    }

    void update()
    {
        const QString error = azure::applicationNameError(m_name->text());
        showValidation(m_nameError, error);
        const bool haveClient = m_wizard.client != nullptr;
        m_create->setEnabled(haveClient && !m_busy && error.isEmpty());
        m_assign->setEnabled(haveClient && !m_busy && !m_result.servicePrincipal.id.isEmpty());
        m_test->setEnabled(haveClient && !m_busy && !m_result.secretKey.isEmpty());
        m_copySecret->setEnabled(!m_secret->text().isEmpty());
        m_showSecret->setEnabled(!m_secret->text().isEmpty());
        const QString scope = m_wizard.workspaceRef().armId();
        if (m_result.servicePrincipal.id.isEmpty())
            m_az->setCommand(az::createServicePrincipal(m_name->text(), m_role->currentText(), scope));
        else
            m_az->setCommand(az::assignRole(m_result.servicePrincipal.id, m_role->currentText(), scope));
        Q_EMIT completeChanged();
    }

    void create()
    {
        m_error->clearError();
        m_status->setText(t("Creating the application %1, its service principal and a secret…").arg(m_name->text()));
        setBusy(true);
        azure::setUpServicePrincipal(
            m_wizard.client, m_name->text(), m_wizard.tenant(), m_wizard.secrets, this,
            [this](azure::Result<azure::ServicePrincipalResult> result) {
                if (!result) {
                    setBusy(false);
                    m_status->setText(t("The service principal was not set up."));
                    m_error->setError(result.error());
                    return;
                }
                m_result = result.value();
                m_appId->setText(m_result.application.appId);
                m_principalId->setText(m_result.servicePrincipal.id);
                // Graph shows a secret once; read it back from the keychain to show it this once.
                m_wizard.secrets.read(m_result.secretKey, this, [this](azure::Result<QString> secret) {
                    if (secret)
                        m_secret->setText(secret.value());
                    m_status->setText(
                        (m_result.reusedApplication ? t("Found the application %1 and added a new secret. ")
                                                    : t("Created the application %1 with a service principal and a secret. "))
                            .arg(m_result.application.displayName) +
                        (azure::SecretStore::remembers()
                             ? t("The secret is shown only now and is kept in the keychain (expires %1).")
                             : t("The secret is shown only now and is kept for this session only, with no keychain "
                                 "(expires %1): copy it if you need it later."))
                            .arg(QLocale().toString(m_result.password.endDateTime.date(), QLocale::ShortFormat)));
                    setBusy(false);
                    listAssignments();
                });
            });
    }

    void listAssignments()
    {
        m_wizard.ml().listRoleAssignments(m_wizard.workspaceRef().armId(), m_result.servicePrincipal.id, this,
                                          [this](azure::Result<QList<azure::RoleAssignment>> list) {
                                              if (list)
                                                  m_assignments->setAssignments(list.value());
                                              else
                                                  m_error->setError(list.error());
                                          });
    }

    void assign()
    {
        m_error->clearError();
        const QString role = m_role->currentText();
        m_status->setText(t("Assigning %1 on the workspace…").arg(role));
        setBusy(true);
        m_wizard.ml().assignRole(m_wizard.workspaceRef().armId(), m_role->currentData().toString(), m_result.servicePrincipal.id, this,
                                 [this, role](azure::Result<azure::RoleAssignment> assignment) {
                                     setBusy(false);
                                     if (assignment) {
                                         m_assignments->upsert(assignment.value());
                                         m_status->setText(t("The service principal is %1 on the workspace.").arg(role));
                                     } else if (assignment.error().code == QLatin1String("RoleAssignmentExists")) {
                                         m_status->setText(t("The service principal already has %1 on the workspace.").arg(role));
                                         listAssignments();
                                     } else {
                                         m_status->setText(t("The role was not assigned."));
                                         m_error->setError(assignment.error());
                                     }
                                 });
    }

    void testSignIn()
    {
        m_error->clearError();
        m_status->setText(t("Signing in as %1…").arg(m_result.application.appId));
        setBusy(true);
        m_wizard.secrets.read(m_result.secretKey, this, [this](azure::Result<QString> secret) {
            if (!secret) {
                setBusy(false);
                m_error->setError(secret.error());
                return;
            }
            const azure::Cloud cloud = m_wizard.client->cloud();
            auto credential = std::make_shared<azure::ClientSecretCredential>(
                cloud, m_wizard.tenant(), m_result.application.appId, secret.value(),
                azure::AzureClient::tokenPipeline(m_wizard.transport()));
            credential->getToken({{azure::Cloud::armScope()}, {}, false}, this,
                                 [this, credential](azure::Result<azure::AccessToken> token) {
                                     setBusy(false);
                                     if (token) {
                                         m_status->setText((azure::SecretStore::remembers()
                                                                ? t("The service principal %1 signs in with its secret from the keychain.")
                                                                : t("The service principal %1 signs in with its secret (kept for "
                                                                    "this session only)."))
                                                               .arg(m_result.application.appId));
                                     } else {
                                         m_status->setText(t("The service principal could not sign in (a new secret can take a "
                                                             "minute to reach every Entra ID server)."));
                                         m_error->setError(token.error());
                                     }
                                 });
        });
    }

    WorkspaceWizard &m_wizard;
    QLineEdit *m_name;
    QLabel *m_nameError;
    QPushButton *m_create;
    QLineEdit *m_appId;
    QLineEdit *m_principalId;
    QLineEdit *m_secret;
    QCheckBox *m_showSecret;
    QPushButton *m_copySecret;
    QComboBox *m_role;
    QPushButton *m_assign;
    RoleAssignmentModel *m_assignments;
    QPushButton *m_test;
    QLabel *m_status;
    ErrorPanel *m_error;
    AzCommandBox *m_az;
    azure::ServicePrincipalResult m_result;
    bool m_busy = false;
};

} // namespace

QWizardPage *newServicePrincipalPage(WorkspaceWizard &wizard)
{
    return new ServicePrincipalPage(wizard);
}

} // namespace cerulean::ui
