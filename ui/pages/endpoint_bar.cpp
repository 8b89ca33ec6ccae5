#include "ui/pages/endpoint_bar.h"

#include "ui/models/endpoint_target.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace cerulean::ui {

EndpointBar::EndpointBar(EndpointTarget *target, QWidget *parent)
    : QWidget(parent)
    , m_target(target)
    , m_scoringUri(new QLineEdit(this))
    , m_key(new QLineEdit(this))
    , m_reveal(new QToolButton(this))
{
    m_scoringUri->setObjectName(QStringLiteral("scoringUri"));
    m_scoringUri->setPlaceholderText(QStringLiteral("http://127.0.0.1:5001/score"));
    m_scoringUri->setToolTip(tr("The endpoint's scoring URI: the deployed endpoint's, or that of a server started "
                                "with cerulean-cli serve."));
    m_scoringUri->setClearButtonEnabled(true);
    m_key->setObjectName(QStringLiteral("endpointKey"));
    m_key->setEchoMode(QLineEdit::Password);
    m_key->setPlaceholderText(tr("none"));
    m_key->setToolTip(tr("The endpoint key, sent as \"Authorization: Bearer <key>\". It is kept in memory only "
                         "(a deployed endpoint's key comes from the keychain)."));
    m_reveal->setText(tr("Show"));
    m_reveal->setToolTip(tr("Show the key while the button is held down"));
    m_reveal->setFocusPolicy(Qt::NoFocus);

    auto *uriLabel = new QLabel(tr("Scoring &URI:"), this);
    uriLabel->setBuddy(m_scoringUri);
    auto *keyLabel = new QLabel(tr("&Key:"), this);
    keyLabel->setBuddy(m_key);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(uriLabel);
    layout->addWidget(m_scoringUri, 3);
    layout->addWidget(keyLabel);
    layout->addWidget(m_key, 1);
    layout->addWidget(m_reveal);

    connect(m_scoringUri, &QLineEdit::editingFinished, this, [this] {
        m_target->setScoringUri(QUrl::fromUserInput(m_scoringUri->text().trimmed()));
    });
    connect(m_key, &QLineEdit::textEdited, this, [this](const QString &key) { m_target->setKey(key.trimmed()); });
    connect(m_reveal, &QToolButton::pressed, this, [this] { m_key->setEchoMode(QLineEdit::Normal); });
    connect(m_reveal, &QToolButton::released, this, [this] { m_key->setEchoMode(QLineEdit::Password); });
    connect(m_target, &EndpointTarget::changed, this, &EndpointBar::showTarget);
    showTarget();
}

void EndpointBar::showTarget()
{
    const QString uri = m_target->scoringUri().toString();
    if (m_scoringUri->text() != uri && !m_scoringUri->hasFocus())
        m_scoringUri->setText(uri);
    if (m_key->text() != m_target->key() && !m_key->hasFocus())
        m_key->setText(m_target->key());
}

} // namespace cerulean::ui
