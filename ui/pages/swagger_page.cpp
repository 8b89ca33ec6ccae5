#include "ui/pages/swagger_page.h"

#include "ui/models/endpoint_target.h"
#include "ui/models/schema_model.h"
#include "ui/models/schema_swagger_server.h"
#include "ui/pages/endpoint_bar.h"

#include <QDesktopServices>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace cerulean::ui {

namespace {

constexpr int kDefaultServePort = 8000; // the seed's serve.py port
// A hosted Swagger UI reads any CORS-enabled document given as ?url=. A local one works too:
// docker run -p 9000:8080 swaggerapi/swagger-ui, then http://localhost:9000/?url={url}.
constexpr const char *kDefaultUiTemplate = "https://petstore.swagger.io/?url={url}";

QTableView *makeTable(QAbstractItemModel *model, const QString &name, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setObjectName(name);
    view->setModel(model);
    view->verticalHeader()->hide();
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->horizontalHeader()->setStretchLastSection(true);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    return view;
}

} // namespace

SwaggerPage::SwaggerPage(EndpointTarget *target, QWidget *parent)
    : QWidget(parent)
    , m_target(target)
    , m_operations(new SchemaOperationsModel(target->schema(), this))
    , m_schemaProxy(new QSortFilterProxyModel(this))
    , m_server(std::make_unique<SwaggerFileServer>())
    , m_swaggerUri(new QLineEdit(this))
    , m_fetch(new QPushButton(tr("&Fetch"), this))
    , m_title(new QLabel(this))
    , m_status(new QLabel(this))
    , m_tabs(new QTabWidget(this))
    , m_filter(new QLineEdit(this))
    , m_raw(new QPlainTextEdit(this))
    , m_save(new QPushButton(tr("&Save swagger.json…"), this))
    , m_port(new QSpinBox(this))
    , m_serve(new QPushButton(tr("Se&rve with CORS"), this))
    , m_uiTemplate(new QLineEdit(QString::fromLatin1(kDefaultUiTemplate), this))
    , m_open(new QPushButton(tr("&Open Swagger UI"), this))
    , m_served(new QLabel(this))
{
    setObjectName(QStringLiteral("swaggerPage"));
    auto *bar = new EndpointBar(target, this);

    m_swaggerUri->setObjectName(QStringLiteral("swaggerUri"));
    m_swaggerUri->setToolTip(tr("Where the endpoint publishes its Swagger document (by default the scoring URI "
                                "with /score replaced by /swagger.json)"));
    auto *uriLabel = new QLabel(tr("S&wagger URI:"), this);
    uriLabel->setBuddy(m_swaggerUri);
    m_fetch->setObjectName(QStringLiteral("fetch"));
    m_fetch->setToolTip(tr("Download swagger.json (with the key, when one is set)"));
    connect(m_swaggerUri, &QLineEdit::editingFinished, this, [this] {
        m_target->setSwaggerUri(QUrl::fromUserInput(m_swaggerUri->text().trimmed()));
    });
    connect(m_fetch, &QPushButton::clicked, this, &SwaggerPage::fetch);
    connect(m_target, &EndpointTarget::changed, this, [this] {
        if (!m_swaggerUri->hasFocus())
            m_swaggerUri->setText(m_target->swaggerUri().toString());
    });
    m_swaggerUri->setText(m_target->swaggerUri().toString());

    m_title->setObjectName(QStringLiteral("swaggerTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setObjectName(QStringLiteral("swaggerStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_operationsView = makeTable(m_operations, QStringLiteral("operations"), this);

    m_schemaProxy->setSourceModel(target->schema());
    m_schemaProxy->setFilterKeyColumn(-1);
    m_schemaProxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_schemaView = makeTable(m_schemaProxy, QStringLiteral("inputSchema"), this);
    m_schemaView->setSortingEnabled(true);
    m_schemaView->sortByColumn(-1, Qt::AscendingOrder); // the document's order until a header is clicked
    m_filter->setObjectName(QStringLiteral("schemaFilter"));
    m_filter->setPlaceholderText(tr("Filter columns"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_schemaProxy, &QSortFilterProxyModel::setFilterFixedString);
    auto *schemaPage = new QWidget(this);
    auto *schemaLayout = new QVBoxLayout(schemaPage);
    schemaLayout->addWidget(m_filter);
    schemaLayout->addWidget(m_schemaView);

    m_raw->setObjectName(QStringLiteral("rawSwagger"));
    m_raw->setReadOnly(true);
    m_raw->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    m_tabs->addTab(schemaPage, tr("&Input schema"));
    m_tabs->addTab(m_operationsView, tr("O&perations"));
    m_tabs->addTab(m_raw, tr("Raw &JSON"));

    m_save->setObjectName(QStringLiteral("saveSwagger"));
    connect(m_save, &QPushButton::clicked, this, &SwaggerPage::saveAs);
    m_port->setObjectName(QStringLiteral("servePort"));
    m_port->setRange(0, 65535);
    m_port->setValue(kDefaultServePort);
    m_port->setSpecialValueText(tr("any"));
    m_port->setToolTip(tr("Loopback port to serve swagger.json on (0: any free port)"));
    auto *portLabel = new QLabel(tr("&Port:"), this);
    portLabel->setBuddy(m_port);
    m_serve->setObjectName(QStringLiteral("serve"));
    m_serve->setToolTip(tr("Serve the document on 127.0.0.1 with Access-Control-Allow-Origin: *, so that a Swagger UI "
                           "in the browser can load it"));
    connect(m_serve, &QPushButton::clicked, this, &SwaggerPage::toggleServing);
    m_uiTemplate->setObjectName(QStringLiteral("swaggerUiTemplate"));
    m_uiTemplate->setToolTip(tr("The Swagger UI to open; {url} becomes the served document's address. For a local "
                                "one: docker run -p 9000:8080 swaggerapi/swagger-ui, then http://localhost:9000/?url={url}"));
    auto *uiLabel = new QLabel(tr("Swagger &UI:"), this);
    uiLabel->setBuddy(m_uiTemplate);
    m_open->setObjectName(QStringLiteral("openSwaggerUi"));
    m_open->setToolTip(tr("Open Swagger UI on the served document in the browser"));
    connect(m_open, &QPushButton::clicked, this, [this] { QDesktopServices::openUrl(swaggerUiAddress()); });
    m_served->setObjectName(QStringLiteral("servedAt"));
    m_served->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse);
    m_served->setOpenExternalLinks(true);

    auto *fetchRow = new QHBoxLayout;
    fetchRow->addWidget(uriLabel);
    fetchRow->addWidget(m_swaggerUri, 1);
    fetchRow->addWidget(m_fetch);

    auto *serveRow = new QHBoxLayout;
    serveRow->addWidget(m_save);
    serveRow->addSpacing(12);
    serveRow->addWidget(portLabel);
    serveRow->addWidget(m_port);
    serveRow->addWidget(m_serve);
    serveRow->addWidget(uiLabel);
    serveRow->addWidget(m_uiTemplate, 1);
    serveRow->addWidget(m_open);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(bar);
    layout->addLayout(fetchRow);
    layout->addWidget(m_title);
    layout->addWidget(m_status);
    layout->addWidget(m_tabs, 1);
    layout->addLayout(serveRow);
    layout->addWidget(m_served);

    connect(m_target, &EndpointTarget::schemaStateChanged, this, &SwaggerPage::onSchemaState);
    onSchemaState();
}

SwaggerPage::~SwaggerPage() = default;

QString SwaggerPage::statusText() const
{
    return m_status->text();
}

QString SwaggerPage::rawJson() const
{
    return m_raw->toPlainText();
}

void SwaggerPage::fetch()
{
    if (!m_swaggerUri->text().trimmed().isEmpty())
        m_target->setSwaggerUri(QUrl::fromUserInput(m_swaggerUri->text().trimmed()));
    m_target->loadSchema();
}

void SwaggerPage::onSchemaState()
{
    const bool loaded = !m_target->swaggerJson().isEmpty();
    switch (m_target->schemaState()) {
    case EndpointTarget::SchemaState::None:
        m_status->setText(tr("Enter the endpoint's scoring URI, then fetch its swagger.json."));
        break;
    case EndpointTarget::SchemaState::Loading:
        m_status->setText(tr("Fetching %1 …").arg(m_target->swaggerUri().toString()));
        break;
    case EndpointTarget::SchemaState::Failed:
        m_status->setText(m_target->schemaError());
        break;
    case EndpointTarget::SchemaState::Loaded: {
        const SwaggerDocument &document = m_target->schema()->document();
        m_title->setText(tr("<b>%1</b> — version %2, %3 %4")
                             .arg(document.title.toHtmlEscaped(), document.version.toHtmlEscaped(),
                                  document.specVersion.startsWith(QLatin1Char('2')) ? tr("Swagger") : tr("OpenAPI"),
                                  document.specVersion));
        m_status->setText(tr("%n operation(s), %1 input columns, rows sent as %2", nullptr, int(document.operations.size()))
                              .arg(document.fields.size())
                              .arg(document.shape == RequestShape::Data ? QStringLiteral("{\"data\": […]}")
                                                                        : QStringLiteral("{\"Inputs\": {\"data\": […]}}")));
        const QJsonDocument pretty = QJsonDocument::fromJson(m_target->swaggerJson());
        m_raw->setPlainText(pretty.isNull() ? QString::fromUtf8(m_target->swaggerJson())
                                            : QString::fromUtf8(pretty.toJson(QJsonDocument::Indented)));
        m_schemaView->resizeColumnsToContents();
        m_operationsView->resizeColumnsToContents();
        break;
    }
    }
    m_fetch->setEnabled(m_target->schemaState() != EndpointTarget::SchemaState::Loading);
    m_save->setEnabled(loaded);
    m_serve->setEnabled(loaded || m_server->isRunning());
    m_open->setEnabled(m_server->isRunning());
}

bool SwaggerPage::saveTo(const QString &path)
{
    QSaveFile file(path);
    const QByteArray &json = m_target->swaggerJson();
    if (json.isEmpty() || !file.open(QIODevice::WriteOnly) || file.write(json) != json.size() || !file.commit()) {
        m_status->setText(json.isEmpty() ? tr("Fetch the document first.")
                                         : tr("Could not write %1: %2").arg(path, file.errorString()));
        return false;
    }
    m_status->setText(tr("Saved %1").arg(path));
    return true;
}

void SwaggerPage::saveAs()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save swagger.json"), QStringLiteral("swagger.json"),
                                                      tr("JSON files (*.json)"));
    if (!path.isEmpty())
        saveTo(path);
}

bool SwaggerPage::serve(int port)
{
    if (m_target->swaggerJson().isEmpty()) {
        m_status->setText(tr("Fetch the document first."));
        return false;
    }
    QString error;
    if (!m_server->start(m_target->swaggerJson(), std::uint16_t(port), error)) {
        m_status->setText(error);
        m_served->clear();
        onSchemaState();
        return false;
    }
    const QString url = m_server->documentUrl().toString();
    m_served->setText(tr("Serving <a href=\"%1\">%1</a> with CORS.").arg(url.toHtmlEscaped()));
    m_serve->setText(tr("Stop se&rving"));
    m_port->setEnabled(false);
    onSchemaState();
    return true;
}

void SwaggerPage::stopServing()
{
    m_server->stop();
    m_served->clear();
    m_serve->setText(tr("Se&rve with CORS"));
    m_port->setEnabled(true);
    onSchemaState();
}

void SwaggerPage::toggleServing()
{
    if (m_server->isRunning())
        stopServing();
    else
        serve(m_port->value());
}

QUrl SwaggerPage::servedUrl() const
{
    return m_server->documentUrl();
}

QUrl SwaggerPage::swaggerUiAddress() const
{
    return swaggerUiUrl(m_uiTemplate->text(), m_server->documentUrl());
}

} // namespace cerulean::ui
