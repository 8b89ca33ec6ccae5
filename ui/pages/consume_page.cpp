#include "ui/pages/consume_page.h"

#include "ui/models/endpoint_snippets.h"
#include "ui/models/endpoint_target.h"
#include "ui/models/reply_model.h"
#include "ui/pages/endpoint_bar.h"
#include "ui/theme.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDoubleValidator>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSaveFile>
#include <QShortcut>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTableView>
#include <QTextCursor>
#include <QTimer>
#include <QToolTip>
#include <QToolButton>
#include <QVBoxLayout>

#include <functional>

namespace cerulean::ui {

namespace {

constexpr auto kJsonApplyDelay = std::chrono::milliseconds(400);

// Typed editors for the form: a drop-down of the training categories (still editable: the
// model handles unseen ones), true/false for booleans, validated line edits for numbers.
class FieldDelegate final : public QStyledItemDelegate
{
public:
    // `refused` hears of every keystroke a number editor turns down, so that it never vanishes
    // without a word.
    explicit FieldDelegate(std::function<void(const QString &)> refused, QObject *parent)
        : QStyledItemDelegate(parent)
        , m_refused(std::move(refused))
    {
    }

    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        const auto type = FieldType(index.data(ScoringInputModel::FieldTypeRole).toInt());
        const QStringList values = index.data(ScoringInputModel::EnumValuesRole).toStringList();
        if (!values.isEmpty() || type == FieldType::Boolean) {
            auto *combo = new QComboBox(parent);
            combo->setEditable(type != FieldType::Boolean);
            combo->addItems(type == FieldType::Boolean ? QStringList{QStringLiteral("true"), QStringLiteral("false")}
                                                       : values);
            combo->setInsertPolicy(QComboBox::NoInsert);
            return combo;
        }
        auto *edit = new QLineEdit(parent);
        if (type == FieldType::Integer) {
            edit->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("-?\\d{0,18}")), edit));
        } else if (type == FieldType::Number) {
            auto *validator = new QDoubleValidator(edit);
            validator->setLocale(QLocale::c()); // JSON numbers use a dot, whatever the user's locale
            validator->setNotation(QDoubleValidator::ScientificNotation);
            edit->setValidator(validator);
        }
        if (type == FieldType::Integer || type == FieldType::Number) {
            const QString message = type == FieldType::Integer
                                        ? tr("%1 takes a whole number: that key was refused.")
                                        : tr("%1 takes a number (digits, '.', '-', 'e'): that key was refused.");
            const QString text = message.arg(index.siblingAtColumn(ScoringInputModel::FieldColumn).data().toString());
            connect(edit, &QLineEdit::inputRejected, edit, [this, edit, text] {
                QToolTip::showText(edit->mapToGlobal(QPoint(0, edit->height())), text, edit);
                if (m_refused)
                    m_refused(text);
            });
        }
        Q_UNUSED(option);
        return edit;
    }

    void setEditorData(QWidget *editor, const QModelIndex &index) const override
    {
        const QString text = index.data(Qt::DisplayRole).toString();
        if (auto *combo = qobject_cast<QComboBox *>(editor)) {
            const int found = combo->findText(text);
            if (found >= 0)
                combo->setCurrentIndex(found);
            else if (combo->isEditable())
                combo->setEditText(text);
            return;
        }
        if (auto *edit = qobject_cast<QLineEdit *>(editor))
            edit->setText(text);
    }

    void setModelData(QWidget *editor, QAbstractItemModel *model, const QModelIndex &index) const override
    {
        if (auto *combo = qobject_cast<QComboBox *>(editor))
            model->setData(index, combo->currentText());
        else if (auto *edit = qobject_cast<QLineEdit *>(editor))
            model->setData(index, edit->text());
    }

private:
    std::function<void(const QString &)> m_refused;
};

// The form's table, where Tab walks the request values only (down a request row, then the
// next one), never the read-only Column and Type cells, and leaves the table after the last
// value instead of wrapping to the first, so that the keyboard reaches Send.
class ConsumeFormView final : public QTableView
{
public:
    using QTableView::QTableView;

protected:
    QModelIndex moveCursor(CursorAction action, Qt::KeyboardModifiers modifiers) override
    {
        if (action != MoveNext && action != MovePrevious)
            return QTableView::moveCursor(action, modifiers);
        const QAbstractItemModel *values = model();
        const int fields = values ? values->rowCount() : 0;
        const int rows = values ? values->columnCount() - ScoringInputModel::FirstRowColumn : 0;
        if (fields <= 0 || rows <= 0)
            return {};
        const QModelIndex current = currentIndex();
        if (!current.isValid() || current.column() < ScoringInputModel::FirstRowColumn)
            return action == MoveNext ? values->index(current.isValid() ? current.row() : 0, ScoringInputModel::FirstRowColumn)
                                      : QModelIndex();
        const int step = action == MoveNext ? 1 : -1;
        const int next = (current.column() - ScoringInputModel::FirstRowColumn) * fields + current.row() + step;
        if (next < 0 || next >= fields * rows)
            return {};
        return values->index(next % fields, ScoringInputModel::FirstRowColumn + next / fields);
    }

    void closeEditor(QWidget *editor, QAbstractItemDelegate::EndEditHint hint) override
    {
        const bool forward = hint == QAbstractItemDelegate::EditNextItem;
        if ((forward || hint == QAbstractItemDelegate::EditPreviousItem)
            && !moveCursor(forward ? MoveNext : MovePrevious, Qt::NoModifier).isValid()) {
            QTableView::closeEditor(editor, QAbstractItemDelegate::NoHint);
            QWidget::focusNextPrevChild(forward); // past the last value: on to the next control
            return;
        }
        QTableView::closeEditor(editor, hint);
    }

    void focusInEvent(QFocusEvent *event) override
    {
        QTableView::focusInEvent(event);
        // Arriving by keyboard on a read-only cell: start on that line's first value.
        const QModelIndex current = currentIndex();
        if (model() && (!current.isValid() || current.column() < ScoringInputModel::FirstRowColumn)
            && model()->columnCount() > ScoringInputModel::FirstRowColumn && model()->rowCount() > 0)
            setCurrentIndex(model()->index(current.isValid() ? current.row() : 0, ScoringInputModel::FirstRowColumn));
    }
};

QString statusPhrase(int status)
{
    switch (status) {
    case 200:
        return QStringLiteral("OK");
    case 400:
        return QStringLiteral("Bad Request");
    case 401:
        return QStringLiteral("Unauthorized");
    case 403:
        return QStringLiteral("Forbidden");
    case 404:
        return QStringLiteral("Not Found");
    case 413:
        return QStringLiteral("Payload Too Large");
    case 500:
        return QStringLiteral("Internal Server Error");
    case 503:
        return QStringLiteral("Service Unavailable");
    default:
        return {};
    }
}

} // namespace

ConsumePage::ConsumePage(EndpointTarget *target, QWidget *parent)
    : QWidget(parent)
    , m_target(target)
    , m_input(new ScoringInputModel(target->schema(), this))
    , m_reply(new ReplyModel(this))
    , m_schemaStatus(new QLabel(this))
    , m_loadSchema(new QPushButton(tr("&Load schema"), this))
    , m_tabs(new QTabWidget(this))
    , m_form(new ConsumeFormView(this))
    , m_json(new QPlainTextEdit(this))
    , m_jsonPage(new QWidget(this))
    , m_jsonError(new QLabel(this))
    , m_jsonTimer(new QTimer(this))
    , m_method(new QComboBox(this))
    , m_send(new QPushButton(tr("&Send"), this))
    , m_copy(new QToolButton(this))
    , m_status(new QLabel(this))
    , m_replyError(new QLabel(this))
    , m_warning(new QLabel(this))
    , m_replyView(new QTableView(this))
{
    setObjectName(QStringLiteral("consumePage"));
    auto *bar = new EndpointBar(target, this);

    m_schemaStatus->setObjectName(QStringLiteral("schemaStatus"));
    m_schemaStatus->setWordWrap(true);
    m_loadSchema->setObjectName(QStringLiteral("loadSchema"));
    m_loadSchema->setToolTip(tr("Fetch the endpoint's swagger.json and build the form from its input schema"));
    connect(m_loadSchema, &QPushButton::clicked, m_target, &EndpointTarget::loadSchema);

    // The form: one line per input column, one column per request row.
    m_form->setObjectName(QStringLiteral("inputForm"));
    m_form->setModel(m_input);
    m_form->setItemDelegate(new FieldDelegate([this](const QString &message) { m_status->setText(message); }, m_form));
    m_form->setEditTriggers(QAbstractItemView::AllEditTriggers);
    m_form->setSelectionBehavior(QAbstractItemView::SelectItems);
    m_form->setSelectionMode(QAbstractItemView::SingleSelection);
    m_form->verticalHeader()->hide();
    m_form->verticalHeader()->setDefaultSectionSize(m_form->fontMetrics().height() + 10);
    m_form->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_form->horizontalHeader()->setStretchLastSection(true);
    m_form->setAlternatingRowColors(true);
    auto *addRow = new QPushButton(tr("&Add row"), this);
    addRow->setObjectName(QStringLiteral("addRow"));
    addRow->setToolTip(tr("Add a request row (a copy of the last one)"));
    auto *removeRow = new QPushButton(tr("Re&move row"), this);
    removeRow->setToolTip(tr("Remove the request row of the selected cell"));
    auto *reset = new QPushButton(tr("Reset to &example"), this);
    reset->setToolTip(tr("One row holding the schema's example values"));
    connect(addRow, &QPushButton::clicked, m_input, &ScoringInputModel::addInputRow);
    connect(removeRow, &QPushButton::clicked, this, [this] {
        const QModelIndex current = m_form->currentIndex();
        const int row = current.isValid() && current.column() >= ScoringInputModel::FirstRowColumn
                            ? current.column() - ScoringInputModel::FirstRowColumn
                            : m_input->inputRowCount() - 1;
        if (m_input->inputRowCount() > 1)
            m_input->removeInputRow(row);
    });
    connect(reset, &QPushButton::clicked, m_input, &ScoringInputModel::resetToExample);
    auto *formPage = new QWidget(this);
    auto *formLayout = new QVBoxLayout(formPage);
    auto *formButtons = new QHBoxLayout;
    formButtons->addWidget(addRow);
    formButtons->addWidget(removeRow);
    formButtons->addWidget(reset);
    formButtons->addStretch();
    formLayout->addLayout(formButtons);
    formLayout->addWidget(m_form);

    // Raw JSON, kept in sync both ways (typing waits for a pause before it is applied).
    m_json->setObjectName(QStringLiteral("rawJson"));
    m_json->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_json->setTabChangesFocus(true);
    m_jsonError->setObjectName(QStringLiteral("jsonError"));
    m_jsonError->setWordWrap(true);
    m_jsonError->setStyleSheet(errorTextStyleSheet());
    m_jsonTimer->setSingleShot(true);
    m_jsonTimer->setInterval(kJsonApplyDelay);
    connect(m_jsonTimer, &QTimer::timeout, this, &ConsumePage::applyJson);
    connect(m_json, &QPlainTextEdit::textChanged, this, [this] {
        if (m_applyingJson)
            return;
        m_jsonEdited = true; // the text is now the request, until the form changes again
        m_jsonTimer->start();
    });
    auto *jsonLayout = new QVBoxLayout(m_jsonPage);
    jsonLayout->addWidget(m_json);
    jsonLayout->addWidget(m_jsonError);

    m_tabs->setObjectName(QStringLiteral("requestTabs"));
    m_tabs->addTab(formPage, tr("&Form"));
    m_tabs->addTab(m_jsonPage, tr("Raw &JSON"));
    connect(m_tabs, &QTabWidget::currentChanged, this, &ConsumePage::onTabChanged);

    m_method->setObjectName(QStringLiteral("method"));
    m_method->addItem(QStringLiteral("predict"), int(ScoringMethod::Predict));
    m_method->addItem(QStringLiteral("predict_proba"), int(ScoringMethod::PredictProba));
    m_method->setCurrentIndex(1);
    m_method->setToolTip(tr("predict returns each row's label; predict_proba also returns the probability of "
                            "every class (sent as GlobalParameters.method)"));
    connect(m_method, &QComboBox::currentIndexChanged, this, &ConsumePage::refreshJson);
    auto *methodLabel = new QLabel(tr("&Method:"), this);
    methodLabel->setBuddy(m_method);

    m_send->setObjectName(QStringLiteral("send"));
    m_send->setDefault(true);
    m_send->setToolTip(tr("Send the request to the scoring URI (Ctrl+Return)"));
    connect(m_send, &QPushButton::clicked, this, &ConsumePage::send);
    auto *sendShortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this);
    connect(sendShortcut, &QShortcut::activated, this, &ConsumePage::send);

    m_copy->setText(tr("&Copy as"));
    m_copy->setPopupMode(QToolButton::InstantPopup);
    m_copy->setToolTip(tr("Copy this request as a curl command, Python or C# code. The key is read from the "
                          "ENDPOINT_KEY environment variable, so the snippet never holds it."));
    auto *copyMenu = new QMenu(m_copy);
    copyMenu->addAction(tr("curl"), this, [this] { copySnippet(int(SnippetLanguage::Curl)); });
    copyMenu->addAction(tr("Python (requests)"), this, [this] { copySnippet(int(SnippetLanguage::Python)); });
    copyMenu->addAction(tr("C# (HttpClient)"), this, [this] { copySnippet(int(SnippetLanguage::CSharp)); });
    m_copy->setMenu(copyMenu);
    auto *save = new QPushButton(tr("Save &data.json…"), this);
    save->setToolTip(tr("Save the request body as a JSON file (for curl, ab or the benchmark)"));
    connect(save, &QPushButton::clicked, this, &ConsumePage::saveAs);

    m_status->setObjectName(QStringLiteral("replyStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_replyError->setObjectName(QStringLiteral("replyError"));
    m_replyError->setWordWrap(true);
    m_replyError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_replyError->setStyleSheet(errorTextStyleSheet());
    m_replyError->hide();
    m_warning->setObjectName(QStringLiteral("requestWarning"));
    m_warning->setWordWrap(true);
    m_warning->setStyleSheet(errorTextStyleSheet());
    m_warning->hide();
    m_replyView->setObjectName(QStringLiteral("replyTable"));
    m_replyView->setModel(m_reply);
    m_replyView->verticalHeader()->hide();
    m_replyView->horizontalHeader()->setStretchLastSection(true);
    m_replyView->setEditTriggers(QAbstractItemView::NoEditTriggers);

    auto *top = new QHBoxLayout;
    top->addWidget(m_schemaStatus, 1);
    top->addWidget(m_loadSchema);

    auto *actions = new QHBoxLayout;
    actions->addWidget(methodLabel);
    actions->addWidget(m_method);
    actions->addWidget(m_send);
    actions->addWidget(m_copy);
    actions->addWidget(save);
    actions->addStretch();

    auto *replyBox = new QWidget(this);
    auto *replyLayout = new QVBoxLayout(replyBox);
    replyLayout->setContentsMargins(0, 0, 0, 0);
    auto *replyTitle = new QLabel(tr("<b>Reply</b>"), this);
    replyLayout->addWidget(replyTitle);
    replyLayout->addWidget(m_status);
    replyLayout->addWidget(m_replyError);
    replyLayout->addWidget(m_replyView, 1);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_tabs);
    splitter->addWidget(replyBox);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(bar);
    layout->addLayout(top);
    layout->addLayout(actions);
    layout->addWidget(m_warning);
    layout->addWidget(splitter, 1);

    // Top to bottom, except that the request comes before Method and Send: fill it in, then
    // Tab on to send it. (Qt 6.4 mends the chain badly when a widget with a focus proxy, such
    // as the tab widget, comes first in setTabOrder: it only ever comes second here.)
    QWidget *barLast = bar; // the bar takes no focus itself: its last field does
    for (QWidget *w = bar->nextInFocusChain(); bar->isAncestorOf(w); w = w->nextInFocusChain())
        if (w->focusPolicy() & Qt::TabFocus)
            barLast = w;
    setTabOrder(barLast, m_loadSchema);
    setTabOrder(m_loadSchema, addRow);
    setTabOrder(addRow, removeRow);
    setTabOrder(removeRow, reset);
    setTabOrder(reset, m_form);
    setTabOrder(m_form, m_json);
    setTabOrder(m_json, m_method);
    setTabOrder(m_method, m_send);
    setTabOrder(m_send, m_copy);
    setTabOrder(m_copy, save);
    setTabOrder(save, m_replyView);
    setTabOrder(m_loadSchema, m_tabs);

    connect(m_input, &ScoringInputModel::bodyChanged, this, &ConsumePage::refreshJson);
    connect(m_input, &ScoringInputModel::bodyChanged, this, &ConsumePage::refreshWarning);
    connect(m_input, &ScoringInputModel::valueRejected, this, [this](const QString &message) {
        m_status->setText(message);
    });
    connect(m_target, &EndpointTarget::schemaStateChanged, this, &ConsumePage::onSchemaState);
    connect(m_target->client(), &EndpointClient::scored, this, &ConsumePage::onScored);
    connect(m_input, &QAbstractItemModel::modelReset, this, [this] { m_form->resizeColumnsToContents(); });
    onSchemaState();
    refreshJson();
    refreshWarning();
}

ScoringMethod ConsumePage::method() const
{
    return ScoringMethod(m_method->currentData().toInt());
}

void ConsumePage::setMethod(ScoringMethod method)
{
    m_method->setCurrentIndex(m_method->findData(int(method)));
}

QByteArray ConsumePage::requestBody() const
{
    return m_input->requestBody(method());
}

QString ConsumePage::statusText() const
{
    return m_status->text();
}

QString ConsumePage::replyErrorText() const
{
    return m_replyError->isHidden() ? QString() : m_replyError->text();
}

QString ConsumePage::warningText() const
{
    return m_warning->isHidden() ? QString() : m_warning->text();
}

void ConsumePage::refreshWarning()
{
    const QStringList unknown = m_input->unknownCategories();
    m_warning->setText(unknown.isEmpty()
                           ? QString()
                           : tr("Not among the values seen in training: %1. The endpoint accepts them, but the model "
                                "may not handle them as you expect.")
                                 .arg(unknown.join(QStringLiteral("; "))));
    m_warning->setVisible(!unknown.isEmpty());
}

void ConsumePage::onSchemaState()
{
    const SchemaModel *schema = m_target->schema();
    switch (m_target->schemaState()) {
    case EndpointTarget::SchemaState::None:
        m_schemaStatus->setText(tr("Enter the scoring URI (and key) of an endpoint, then load its schema."));
        break;
    case EndpointTarget::SchemaState::Loading:
        m_schemaStatus->setText(tr("Reading %1 …").arg(m_target->swaggerUri().toString()));
        break;
    case EndpointTarget::SchemaState::Loaded:
        m_schemaStatus->setText(tr("%n input column(s) from %1", nullptr, int(schema->fields().size()))
                                    .arg(m_target->swaggerUri().toString()));
        break;
    case EndpointTarget::SchemaState::Failed:
        m_schemaStatus->setText(m_target->schemaError());
        break;
    }
    m_loadSchema->setEnabled(m_target->schemaState() != EndpointTarget::SchemaState::Loading);
    m_send->setEnabled(!schema->isEmpty() || !m_json->toPlainText().trimmed().isEmpty());
}

void ConsumePage::refreshJson()
{
    if (m_applyingJson)
        return;
    m_applyingJson = true;
    // Replaced through a cursor rather than setPlainText so that Ctrl+Z in the raw JSON brings
    // back what was there (text the form just replaced, valid or not).
    QTextCursor cursor(m_json->document());
    cursor.select(QTextCursor::Document);
    cursor.insertText(m_target->schema()->isEmpty() ? QString() : QString::fromUtf8(m_input->requestBody(method(), 2)));
    m_jsonError->clear();
    m_jsonEdited = false;
    m_applyingJson = false;
}

bool ConsumePage::applyJson()
{
    QString error;
    ScoringMethod parsed = method();
    m_applyingJson = true;
    const bool ok = m_input->setRequestBody(m_json->toPlainText().toUtf8(), error, &parsed);
    if (ok)
        setMethod(parsed);
    m_applyingJson = false;
    m_jsonError->setText(ok ? QString() : error);
    if (ok)
        m_jsonEdited = false;
    return ok;
}

void ConsumePage::onTabChanged(int index)
{
    if (m_tabs->widget(index) == m_jsonPage || !m_jsonEdited)
        return; // the raw JSON always shows the form's state
    // Leaving the raw JSON for the form: what was typed becomes the form, or, when it cannot,
    // the form stays the request and the JSON shows it again.
    m_jsonTimer->stop();
    if (applyJson())
        return;
    const QString error = m_jsonError->text();
    refreshJson();
    m_status->setText(tr("The raw JSON was not applied (%1); the form kept its values and is what Send sends "
                         "(Ctrl+Z in the raw JSON brings the text back).")
                          .arg(error));
}

void ConsumePage::showFailure(const QString &message)
{
    m_reply->clear();
    m_replyError->setText(message);
    m_replyError->show();
    m_status->setText(tr("Not sent"));
}

void ConsumePage::send()
{
    if (!m_target->isSet()) {
        showFailure(tr("Enter the endpoint's scoring URI first."));
        return;
    }
    if (m_target->schema()->isEmpty()) {
        showFailure(tr("Load the endpoint's schema first (the form and the body are built from it)."));
        return;
    }
    // Whichever was edited last is the request: the raw JSON only when it was typed after the
    // form's last change (then applied at once, without waiting for the pause).
    m_jsonTimer->stop();
    if (m_jsonEdited && !applyJson()) {
        m_tabs->setCurrentWidget(m_jsonPage);
        m_json->setFocus();
        showFailure(tr("The raw JSON has an error (shown under it): fix it, or edit the form, which then becomes "
                       "the request."));
        return;
    }
    // The previous reply goes now, so that a failure never sits next to an older success.
    m_reply->clear();
    m_replyError->hide();
    m_waiting = true;
    m_status->setText(tr("Sending %n row(s) to %1 …", nullptr, m_input->inputRowCount()).arg(m_target->scoringUri().toString()));
    m_target->client()->score(m_target->scoringUri(), m_target->key(), requestBody());
}

void ConsumePage::onScored(const EndpointReply &reply)
{
    if (!m_waiting)
        return; // a request sent by another page through the same client
    m_waiting = false;
    const double ms = double(reply.latency.count()) / 1000.0;
    const QString status = reply.status > 0 ? QStringLiteral("HTTP %1 %2").arg(reply.status).arg(statusPhrase(reply.status)).trimmed()
                                            : tr("No reply");
    m_status->setText(tr("%1 · %2 ms").arg(status, QString::number(ms, 'f', ms < 10 ? 2 : 1)));
    if (!reply.ok()) {
        m_reply->clear();
        m_replyError->setText(reply.error.toString());
        m_replyError->show();
        Q_EMIT replyShown();
        return;
    }
    ScoringResult result;
    QString error;
    if (!parseScoringReply(reply.body, {}, result, error)) {
        m_reply->clear();
        m_replyError->setText(error);
        m_replyError->show();
    } else {
        m_reply->setResult(result);
        m_replyError->hide();
        m_replyView->resizeColumnsToContents();
    }
    Q_EMIT replyShown();
}

bool ConsumePage::saveRequestBody(const QString &path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(m_input->requestBody(method(), 2) + '\n') < 0 || !file.commit()) {
        m_error = tr("Could not write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

void ConsumePage::saveAs()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the request body"), QStringLiteral("data.json"),
                                                      tr("JSON files (*.json)"));
    if (path.isEmpty())
        return;
    if (!saveRequestBody(path))
        m_status->setText(m_error);
    else
        m_status->setText(tr("Saved %1").arg(path));
}

QString ConsumePage::snippet(int language) const
{
    return scoringSnippet(SnippetLanguage(language), m_target->scoringUri(), m_input->requestBody(method(), 2),
                          !m_target->key().isEmpty());
}

void ConsumePage::copySnippet(int language)
{
    QApplication::clipboard()->setText(snippet(language));
    m_status->setText(tr("Copied to the clipboard (set ENDPOINT_KEY to the endpoint key before running it)."));
}

} // namespace cerulean::ui
