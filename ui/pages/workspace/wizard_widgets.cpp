#include "ui/pages/workspace/wizard_widgets.h"

#include "ui/pages/workspace_page.h"
#include "ui/theme.h"

#include <QClipboard>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>

namespace cerulean::ui::wizard {

namespace {
constexpr int kAzCommandLines = 4;
constexpr int kAzCommandMargin = 12;
} // namespace

QString t(const char *text, const char *disambiguation, int n)
{
    return WorkspacePage::tr(text, disambiguation, n);
}

AzCommandBox::AzCommandBox(QWidget *parent)
    : QGroupBox(t("Equivalent az command"), parent)
{
    setObjectName(QStringLiteral("azCommand"));
    m_text = new QPlainTextEdit(this);
    m_text->setObjectName(QStringLiteral("azCommandText"));
    m_text->setReadOnly(true);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setMaximumHeight(m_text->fontMetrics().lineSpacing() * kAzCommandLines + kAzCommandMargin);
    m_text->setToolTip(t("The Azure CLI command that does what this page does, for scripts and CI."));
    m_text->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    auto *copy = new QPushButton(t("Copy"), this);
    copy->setObjectName(QStringLiteral("azCopy"));
    copy->setToolTip(t("Copy the command to the clipboard."));
    connect(copy, &QPushButton::clicked, this, [this]() { QGuiApplication::clipboard()->setText(command()); });
    auto *row = new QHBoxLayout(this);
    row->addWidget(m_text, 1);
    row->addWidget(copy, 0, Qt::AlignTop);
}

void AzCommandBox::setCommand(const QString &command)
{
    if (command != m_text->toPlainText())
        m_text->setPlainText(command);
}

QString AzCommandBox::command() const
{
    return m_text->toPlainText();
}

ErrorPanel::ErrorPanel(QWidget *parent)
    : QLabel(parent)
{
    setObjectName(QStringLiteral("error"));
    setWordWrap(true);
    setTextFormat(Qt::PlainText);
    setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    setToolTip(t("The error the service returned; select it to copy the request ID for a support case."));
    setStyleSheet(QStringLiteral("QLabel { color: palette(text); border: 1px solid #c4314b; border-radius: 4px; "
                                 "padding: 6px; background: rgba(196, 49, 75, 0.10); }"));
    hide();
}

void ErrorPanel::setError(const azure::AzureError &error)
{
    QStringList lines;
    QString head = error.httpStatus > 0 ? t("Error: HTTP %1").arg(error.httpStatus) : t("Error");
    QString code = error.code;
    if (!error.aadstsCode.isEmpty())
        code += (code.isEmpty() ? QString() : QStringLiteral(" ")) + QStringLiteral("(%1)").arg(error.aadstsCode);
    if (!code.isEmpty())
        head += t(", code %1").arg(code);
    lines << head;
    if (!error.message.isEmpty())
        lines << t("Message: %1").arg(error.message.trimmed());
    for (const azure::ErrorDetail &detail : error.details)
        lines << QStringLiteral("  • %1: %2").arg(detail.code, detail.message);
    if (!error.requestId.isEmpty() || !error.clientRequestId.isEmpty())
        lines << t("Request ID: %1 (client request ID %2)")
                     .arg(error.requestId.isEmpty() ? QStringLiteral("-") : error.requestId,
                          error.clientRequestId.isEmpty() ? QStringLiteral("-") : error.clientRequestId);
    if (!error.action.isEmpty())
        lines << t("What to do: %1").arg(error.action);
    setText(lines.join(QLatin1Char('\n')));
    show();
}

void ErrorPanel::clearError()
{
    clear();
    hide();
}

QLabel *validationLabel(QWidget *parent, const QString &name)
{
    auto *label = new QLabel(parent);
    label->setObjectName(name);
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("QLabel { %1 }").arg(errorTextStyleSheet()));
    label->hide();
    return label;
}

void showValidation(QLabel *label, const QString &message)
{
    label->setText(message);
    label->setVisible(!message.isEmpty());
}

QLabel *statusLabel(QWidget *parent, const QString &name)
{
    auto *label = new QLabel(parent);
    label->setObjectName(name);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

QLabel *buddyLabel(const QString &text, QWidget *buddy)
{
    auto *label = new QLabel(text, buddy->parentWidget());
    label->setBuddy(buddy);
    return label;
}

QLineEdit *readOnlyField(QWidget *parent, const QString &name, const QString &toolTip)
{
    auto *edit = new QLineEdit(parent);
    edit->setObjectName(name);
    edit->setReadOnly(true);
    edit->setToolTip(toolTip);
    return edit;
}

} // namespace cerulean::ui::wizard
