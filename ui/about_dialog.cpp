#include "ui/about_dialog.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QSysInfo>
#include <QVBoxLayout>

#include <boost/version.hpp>
#include <nlohmann/json.hpp>
#include <xgboost/c_api.h>

namespace cerulean::ui {

QString AboutDialog::versionReport()
{
    int xgbMajor = 0;
    int xgbMinor = 0;
    int xgbPatch = 0;
    XGBoostVersion(&xgbMajor, &xgbMinor, &xgbPatch);
    return QStringLiteral("Cerulean %1\nQt %2 (built with %3)\nQt Charts %3\nXGBoost %4.%5.%6\n"
                          "Boost %7.%8.%9 (Beast, Asio)\nnlohmann_json %10.%11.%12\n%13")
        .arg(QStringLiteral(CERULEAN_VERSION), QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR))
        .arg(xgbMajor)
        .arg(xgbMinor)
        .arg(xgbPatch)
        .arg(BOOST_VERSION / 100000)
        .arg(BOOST_VERSION / 100 % 1000)
        .arg(BOOST_VERSION % 100)
        .arg(NLOHMANN_JSON_VERSION_MAJOR)
        .arg(NLOHMANN_JSON_VERSION_MINOR)
        .arg(NLOHMANN_JSON_VERSION_PATCH)
        .arg(QSysInfo::prettyProductName());
}

AboutDialog::AboutDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("About Cerulean"));
    setObjectName(QStringLiteral("aboutDialog"));

    auto *icon = new QLabel(this);
    icon->setPixmap(QIcon(QStringLiteral(":/icons/cerulean.svg")).pixmap(64, 64));
    icon->setAlignment(Qt::AlignTop);

    auto *title = new QLabel(tr("<h2>Cerulean %1</h2>"
                                "<p>Operationalize machine learning on Azure Machine Learning, "
                                "or on a local workspace with no cloud at all.</p>")
                                 .arg(QStringLiteral(CERULEAN_VERSION)),
                             this);
    title->setWordWrap(true);

    auto *versions = new QLabel(versionReport(), this);
    versions->setObjectName(QStringLiteral("versions"));
    versions->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *data = new QLabel(tr("Sample data: Bank Marketing, UCI Machine Learning Repository "
                               "(Moro, Cortez and Rita), CC BY 4.0."),
                            this);
    data->setWordWrap(true);

    auto *text = new QVBoxLayout;
    text->addWidget(title);
    text->addWidget(versions);
    text->addWidget(data);

    auto *row = new QHBoxLayout;
    row->addWidget(icon);
    row->addLayout(text, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(row);
    layout->addWidget(buttons);
}

} // namespace cerulean::ui
