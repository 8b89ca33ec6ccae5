#pragma once

#include "core/azure/result.h"
#include "ui/operation_scope.h"

#include <QJsonObject>
#include <QUrl>
#include <QWidget>

#include <functional>

class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace cerulean::ui {

class PipelineSelection;

// Publishing the selected pipeline behind a REST trigger: its URL, the command that gets a
// token and a curl call with a $TOKEN placeholder; and triggering it from here with an
// experiment and parameter values.
class PublishTab final : public QWidget
{
    Q_OBJECT

public:
    explicit PublishTab(PipelineSelection &selection, QWidget *parent = nullptr);

    // What the "Let the command line sign in" button does on the local workspace: puts its
    // built-in principal's secret in the keychain for the token command (LocalWorkspace::
    // shareSignInWithCommandLine). Without one the button is hidden.
    using CommandLineSignIn = std::function<void(QObject *context, std::function<void(azure::Result<azure::Empty>)> done)>;
    void setCommandLineSignIn(CommandLineSignIn share);

private:
    void showShareSignIn();
    void startOver();
    void jobSelected(const QString &job);
    void publish();
    void trigger();
    void showTrigger(const QString &experiment, const QJsonObject &parameters);

    PipelineSelection &m_selection;
    OperationScope m_publishScope;
    OperationScope m_triggerScope;
    QUrl m_triggerUrl;
    QLineEdit *m_endpointName = nullptr;
    QPushButton *m_publish = nullptr;
    QLineEdit *m_triggerUrlEdit = nullptr;
    QLineEdit *m_tokenCommand = nullptr;
    QPushButton *m_shareSignIn = nullptr;
    CommandLineSignIn m_commandLineSignIn;
    QPlainTextEdit *m_curl = nullptr;
    QLineEdit *m_triggerExperiment = nullptr;
    QLineEdit *m_triggerValues = nullptr;
    QPushButton *m_trigger = nullptr;
};

} // namespace cerulean::ui
