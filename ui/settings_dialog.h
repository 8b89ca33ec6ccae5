#pragma once

#include "ui/app_settings.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace cerulean::ui {

// Edits AppSettings; the caller saves and applies what exec() accepted.
class SettingsDialog final : public QDialog
{
    Q_OBJECT

public:
    explicit SettingsDialog(const AppSettings &settings, QWidget *parent = nullptr);

    AppSettings settings() const;

private:
    void chooseLocalRoot();

    AppSettings m_initial;
    QComboBox *m_appearance = nullptr;
    QLineEdit *m_localRoot = nullptr;
    QCheckBox *m_openLocal = nullptr;
    QSpinBox *m_exitCriterion = nullptr;
    QSpinBox *m_maxConcurrent = nullptr;
    QSpinBox *m_requestTimeout = nullptr;
};

} // namespace cerulean::ui
