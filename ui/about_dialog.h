#pragma once

#include <QDialog>

namespace cerulean::ui {

// Cerulean's version and the versions of the libraries it runs on.
class AboutDialog final : public QDialog
{
    Q_OBJECT

public:
    explicit AboutDialog(QWidget *parent = nullptr);

    static QString versionReport();
};

} // namespace cerulean::ui
