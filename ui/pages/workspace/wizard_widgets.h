#pragma once

#include "core/azure/azure_error.h"

#include <QGroupBox>
#include <QLabel>

class QCheckBox;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace cerulean::ui::wizard {

// Translated text in the workspace wizard's context.
QString t(const char *text, const char *disambiguation = nullptr, int n = -1);

// The `az` command equivalent to a wizard page, read-only and copyable.
class AzCommandBox final : public QGroupBox
{
public:
    explicit AzCommandBox(QWidget *parent);
    void setCommand(const QString &command);
    QString command() const;

private:
    QPlainTextEdit *m_text;
};

// What went wrong, as Azure said it: status, code, message, request id and what to do.
class ErrorPanel final : public QLabel
{
public:
    explicit ErrorPanel(QWidget *parent);
    void setError(const azure::AzureError &error);
    void clearError();
};

// A picker of existing ARM resources with a "create new" alternative: shared by the
// resource group and workspace pages.
struct NewResourceFields
{
    QCheckBox *create = nullptr;
    QLineEdit *name = nullptr;
    QLineEdit *location = nullptr;
    QLabel *nameError = nullptr;
    QLabel *locationError = nullptr;
    QPushButton *button = nullptr;
};

QLabel *validationLabel(QWidget *parent, const QString &name);
void showValidation(QLabel *label, const QString &message);
QLabel *statusLabel(QWidget *parent, const QString &name);
// A form label whose mnemonic focuses `buddy` (QFormLayout only does that for widget rows).
QLabel *buddyLabel(const QString &text, QWidget *buddy);
QLineEdit *readOnlyField(QWidget *parent, const QString &name, const QString &toolTip);

} // namespace cerulean::ui::wizard
