#pragma once

#include <QWidget>

#include <memory>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTabWidget;
class QTableView;

namespace cerulean::ui {

class EndpointTarget;
class SchemaOperationsModel;
class SwaggerFileServer;

// Step 6, Swagger: fetch the endpoint's swagger.json; its operations, the input schema as a
// table (name, type, enum values, example — the model the Consume form is built from) and
// the raw JSON; save it; serve it with CORS on a local port for Swagger UI and open the
// browser (what the seed's swagger.sh and serve.py did).
class SwaggerPage final : public QWidget
{
    Q_OBJECT

public:
    explicit SwaggerPage(EndpointTarget *target, QWidget *parent = nullptr);
    ~SwaggerPage() override;

    void fetch();
    bool saveTo(const QString &path);
    // Serves the fetched document on `port` (0: any free port); false with statusText() on failure.
    bool serve(int port);
    void stopServing();
    QUrl servedUrl() const;
    QUrl swaggerUiAddress() const;

    SchemaOperationsModel *operationsModel() const { return m_operations; }
    QSortFilterProxyModel *schemaProxy() const { return m_schemaProxy; }
    QString statusText() const;
    QString rawJson() const;

private:
    void onSchemaState();
    void saveAs();
    void toggleServing();

    EndpointTarget *m_target;
    SchemaOperationsModel *m_operations;
    QSortFilterProxyModel *m_schemaProxy;
    std::unique_ptr<SwaggerFileServer> m_server;
    QLineEdit *m_swaggerUri;
    QPushButton *m_fetch;
    QLabel *m_title;
    QLabel *m_status;
    QTabWidget *m_tabs;
    QTableView *m_operationsView;
    QLineEdit *m_filter;
    QTableView *m_schemaView;
    QPlainTextEdit *m_raw;
    QPushButton *m_save;
    QSpinBox *m_port;
    QPushButton *m_serve;
    QLineEdit *m_uiTemplate;
    QPushButton *m_open;
    QLabel *m_served;
};

} // namespace cerulean::ui
