#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QToolButton;

namespace cerulean::ui {

class EndpointTarget;

// The scoring URI and key of the endpoint the Swagger, Consume and Benchmark pages talk to,
// one strip at the top of each; every strip edits the same EndpointTarget. The key is shown
// as dots unless the eye button is held down.
class EndpointBar final : public QWidget
{
    Q_OBJECT

public:
    explicit EndpointBar(EndpointTarget *target, QWidget *parent = nullptr);

    QLineEdit *scoringUriEdit() const { return m_scoringUri; }
    QLineEdit *keyEdit() const { return m_key; }

private:
    void showTarget();

    EndpointTarget *m_target;
    QLineEdit *m_scoringUri;
    QLineEdit *m_key;
    QToolButton *m_reveal;
};

} // namespace cerulean::ui
