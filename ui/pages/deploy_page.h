#pragma once

#include <QWidget>

#include <functional>

class QCheckBox;
class QComboBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace cerulean::ui {

class DeployController;
class Session;
struct DeploySettings;

// The Deploy step: a registered model to a managed online endpoint (name checked against
// Azure's rules as it is typed, auth mode, instance type and count, Application Insights),
// with progress and cancel; then the endpoint's scoring and swagger URIs and its keys
// (hidden, shown on demand, copied, regenerated after a confirmation), and deleting the endpoint.
class DeployPage final : public QWidget
{
    Q_OBJECT

public:
    // Asks the user to confirm a destructive action; true to go ahead.
    using Confirm = std::function<bool(QWidget *parent, const QString &title, const QString &question)>;

    explicit DeployPage(Session &session, QWidget *parent = nullptr);
    ~DeployPage() override;

    DeployController *controller() const { return m_controller; }
    // Replaces the confirmation dialog (tests answer it without a modal loop).
    void setConfirm(Confirm confirm);

    // The form as settings; the Deploy button sends exactly these.
    DeploySettings settings() const;
    // Why the form cannot be sent ("" when it can).
    QString formProblem() const;

    void deploy();
    void regenerateKey(bool primary);
    void deleteEndpoint();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void buildForm();
    void validateName();
    void refreshForm();
    void showDeployment();
    void showKeys();
    void showError(const QString &what);
    void onModels(const QStringList &ids);

    Session &m_session;
    DeployController *m_controller;
    Confirm m_confirm;
    bool m_modelsRequested = false;
    QString m_whenDone; // the status once a key or delete call ends without an error

    QComboBox *m_model = nullptr;
    QToolButton *m_refreshModels = nullptr;
    QLineEdit *m_name = nullptr;
    QLabel *m_nameProblem = nullptr;
    QComboBox *m_authMode = nullptr;
    QComboBox *m_instanceType = nullptr;
    QSpinBox *m_instanceCount = nullptr;
    QCheckBox *m_appInsights = nullptr;
    QPushButton *m_deploy = nullptr;
    QPushButton *m_cancel = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_error = nullptr;

    QGroupBox *m_result = nullptr;
    QLineEdit *m_scoringUri = nullptr;
    QLineEdit *m_swaggerUri = nullptr;
    QLineEdit *m_primaryKey = nullptr;
    QLineEdit *m_secondaryKey = nullptr;
    QToolButton *m_showKeys = nullptr;
    QToolButton *m_copyPrimary = nullptr;
    QToolButton *m_copySecondary = nullptr;
    QPushButton *m_regeneratePrimary = nullptr;
    QPushButton *m_regenerateSecondary = nullptr;
    QPushButton *m_delete = nullptr;
    QLabel *m_keyNote = nullptr;
};

} // namespace cerulean::ui
