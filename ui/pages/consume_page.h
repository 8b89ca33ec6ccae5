#pragma once

#include "ui/models/endpoint_client.h"
#include "ui/models/schema_input_model.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableView;
class QTimer;
class QToolButton;

namespace cerulean::ui {

class EndpointTarget;
class ReplyModel;

// Step 7, Consume: a form built from the endpoint's input schema (typed editors, drop-downs
// for categories, prefilled from the example row; more rows), a raw JSON tab kept in sync,
// Send, and the reply as a table with status and latency; copy the request as curl, Python
// or C#, save it as data.json.
class ConsumePage final : public QWidget
{
    Q_OBJECT

public:
    explicit ConsumePage(EndpointTarget *target, QWidget *parent = nullptr);

    ScoringInputModel *inputModel() const { return m_input; }
    ReplyModel *replyModel() const { return m_reply; }
    ScoringMethod method() const;
    void setMethod(ScoringMethod method);
    // The request body Send would post now.
    QByteArray requestBody() const;

    void send();
    // Writes the request (indented) to `path`; false with errorString() on failure.
    bool saveRequestBody(const QString &path);
    QString errorString() const { return m_error; }
    QString snippet(int language) const; // SnippetLanguage as int, for the Copy as menu

    QString statusText() const;
    QString replyErrorText() const;
    // The warning shown before sending (categories the model never saw), empty when none.
    QString warningText() const;

Q_SIGNALS:
    // A reply (or failure) arrived and is shown.
    void replyShown();

private:
    void onSchemaState();
    void onScored(const EndpointReply &reply);
    void refreshJson();
    // Applies the raw JSON to the form; false (and the error on the JSON tab) when it cannot.
    bool applyJson();
    void onTabChanged(int index);
    void refreshWarning();
    void showFailure(const QString &message);
    void saveAs();
    void copySnippet(int language);

    EndpointTarget *m_target;
    ScoringInputModel *m_input;
    ReplyModel *m_reply;
    QLabel *m_schemaStatus;
    QPushButton *m_loadSchema;
    QTabWidget *m_tabs;
    QTableView *m_form;
    QPlainTextEdit *m_json;
    QWidget *m_jsonPage;
    QLabel *m_jsonError;
    QTimer *m_jsonTimer;
    QComboBox *m_method;
    QPushButton *m_send;
    QToolButton *m_copy;
    QLabel *m_status;
    QLabel *m_replyError;
    QLabel *m_warning;
    QTableView *m_replyView;
    QString m_error;
    bool m_applyingJson = false;
    // The raw JSON was typed after the form's last change: it, not the form, is the request.
    bool m_jsonEdited = false;
    bool m_waiting = false;
};

} // namespace cerulean::ui
