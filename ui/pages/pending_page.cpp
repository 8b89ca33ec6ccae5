#include "ui/pages/pending_page.h"

#include <QLabel>
#include <QVBoxLayout>

namespace cerulean::ui {

PendingPage::PendingPage(Step step, QWidget *parent)
    : QWidget(parent)
{
    const StepInfo info = stepInfo(step);
    setObjectName(QStringLiteral("pendingPage-") + info.slug);

    auto *title = new QLabel(QStringLiteral("<h2>%1</h2>").arg(info.title.toHtmlEscaped().replace(QStringLiteral("&amp;&amp;"), QStringLiteral("&amp;"))), this);
    auto *summary = new QLabel(info.summary, this);
    summary->setWordWrap(true);
    auto *status = new QLabel(tr("<i>This step is not available in this version of Cerulean yet.</i>"), this);
    status->setObjectName(QStringLiteral("pendingNote"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 24, 24, 24);
    layout->addWidget(title);
    layout->addWidget(summary);
    layout->addSpacing(12);
    layout->addWidget(status);
    layout->addStretch(1);
}

} // namespace cerulean::ui
