// The Swagger page against a real scoring endpoint: operations, the input schema table and
// the raw document from the served swagger.json; save it; serve it with CORS for Swagger UI.

#include "consume_test_server.h"

#include "core/azure/transport.h"
#include "ui/models/endpoint_target.h"
#include "ui/models/schema_model.h"
#include "ui/models/schema_swagger_server.h"
#include "ui/pages/swagger_page.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QJsonDocument>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>

using namespace cerulean;
using namespace cerulean::ui;

class SwaggerPageTest final : public QObject
{
    Q_OBJECT

private:
    test::ScoringEndpoint m_endpoint;
    std::shared_ptr<azure::HttpTransport> m_transport;

    // The served document, read by a plain client (not the code under test).
    static QNetworkReply *get(QNetworkAccessManager &network, const QUrl &url, const QByteArray &verb = "GET")
    {
        QNetworkRequest request(url);
        request.setRawHeader("Origin", "https://petstore.swagger.io");
        QNetworkReply *reply = network.sendCustomRequest(request, verb);
        QSignalSpy done(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            done.wait(10000);
        return reply;
    }

private Q_SLOTS:
    void initTestCase()
    {
        const std::string error = m_endpoint.start();
        QVERIFY2(error.empty(), error.c_str());
        m_transport = std::make_shared<azure::QtNetworkTransport>();
    }

    void showsOperationsSchemaAndRawDocument()
    {
        EndpointTarget target(m_transport, nullptr);
        target.setScoringUri(m_endpoint.scoringUri());
        target.setKey(QString::fromLatin1(test::ScoringEndpoint::kKey));
        SwaggerPage page(&target);
        QAbstractItemModelTester operationsTester(page.operationsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(page.schemaProxy(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto *uri = page.findChild<QLineEdit *>(QStringLiteral("swaggerUri"));
        QCOMPARE(uri->text(), m_endpoint.swaggerUri().toString());

        page.fetch();
        QVERIFY(QTest::qWaitFor([&] { return target.schemaState() == EndpointTarget::SchemaState::Loaded; }, 10000));

        QStringList operations;
        for (int row = 0; row < page.operationsModel()->rowCount(); ++row)
            operations << page.operationsModel()->index(row, SchemaOperationsModel::MethodColumn).data().toString() + QLatin1Char(' ')
                              + page.operationsModel()->index(row, SchemaOperationsModel::PathColumn).data().toString();
        QVERIFY2(operations.contains(QStringLiteral("POST /score")), qPrintable(operations.join(QStringLiteral(", "))));
        QVERIFY(operations.contains(QStringLiteral("GET /swagger.json")));

        const automl::InputSchema &schema = m_endpoint.package().schema();
        QCOMPARE(page.schemaProxy()->rowCount(), int(schema.columns.size()));
        for (std::size_t c = 0; c < schema.columns.size(); ++c) {
            const automl::SchemaColumn &column = schema.columns[c];
            const QModelIndex name = target.schema()->index(int(c), SchemaModel::NameColumn);
            QCOMPARE(name.data().toString(), QString::fromStdString(column.name));
            const QString type = target.schema()->index(int(c), SchemaModel::TypeColumn).data().toString();
            const QString values = target.schema()->index(int(c), SchemaModel::ValuesColumn).data().toString();
            if (column.type == automl::ColumnType::Numeric) {
                QVERIFY2(type.startsWith(QStringLiteral("number")), qPrintable(type));
                QVERIFY(values.isEmpty());
            } else if (column.type == automl::ColumnType::Categorical) {
                QCOMPARE(type, QStringLiteral("string"));
                QCOMPARE(values.split(QStringLiteral(", ")).size(), qsizetype(column.categories.size()));
            }
            QVERIFY(!target.schema()->index(int(c), SchemaModel::ExampleColumn).data().toString().isEmpty());
        }
        // The filter narrows the table.
        page.findChild<QLineEdit *>(QStringLiteral("schemaFilter"))->setText(QStringLiteral("cons."));
        QCOMPARE(page.schemaProxy()->rowCount(), 2); // cons.price.idx, cons.conf.idx

        const QJsonDocument raw = QJsonDocument::fromJson(page.rawJson().toUtf8());
        QVERIFY(raw.isObject());
        QCOMPARE(raw.object().value(QStringLiteral("swagger")).toString(), QStringLiteral("2.0"));
    }

    void savesAndServesTheDocumentWithCors()
    {
        EndpointTarget target(m_transport, nullptr);
        target.setScoringUri(m_endpoint.scoringUri());
        SwaggerPage page(&target);
        page.fetch();
        QVERIFY(QTest::qWaitFor([&] { return target.schemaState() == EndpointTarget::SchemaState::Loaded; }, 10000));

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("swagger.json"));
        QVERIFY(page.saveTo(path));
        QFile saved(path);
        QVERIFY(saved.open(QIODevice::ReadOnly));
        QCOMPARE(saved.readAll(), target.swaggerJson());

        QVERIFY2(page.serve(0), qPrintable(page.statusText()));
        const QUrl served = page.servedUrl();
        QCOMPARE(served.host(), QStringLiteral("127.0.0.1"));
        QCOMPARE(served.path(), QStringLiteral("/swagger.json"));

        QNetworkAccessManager network;
        std::unique_ptr<QNetworkReply> reply(get(network, served));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(reply->rawHeader("Access-Control-Allow-Origin"), QByteArray("*"));
        QCOMPARE(reply->readAll(), target.swaggerJson());
        std::unique_ptr<QNetworkReply> preflight(get(network, served, "OPTIONS"));
        QCOMPARE(preflight->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 204);
        QVERIFY(preflight->rawHeader("Access-Control-Allow-Methods").contains("GET"));

        // Swagger UI is opened on the served document.
        const QUrl ui = page.swaggerUiAddress();
        QCOMPARE(ui.host(), QStringLiteral("petstore.swagger.io"));
        QCOMPARE(QUrlQuery(ui).queryItemValue(QStringLiteral("url"), QUrl::FullyDecoded), served.toString());

        // A second server on the same port is refused with a message.
        SwaggerFileServer other;
        QString error;
        QVERIFY(!other.start("{}", served.port(), error));
        QVERIFY(error.contains(QString::number(served.port())));

        page.stopServing();
        QVERIFY(page.servedUrl().isEmpty());
    }

    void aMissingDocumentShowsTheServersAnswer()
    {
        EndpointTarget target(m_transport, nullptr);
        target.setScoringUri(m_endpoint.scoringUri());
        target.setSwaggerUri(QUrl(QString::fromStdString(m_endpoint.server().url()) + QStringLiteral("/nothing.json")));
        SwaggerPage page(&target);
        page.fetch();
        QVERIFY(QTest::qWaitFor([&] { return target.schemaState() == EndpointTarget::SchemaState::Failed; }, 10000));
        QVERIFY2(page.statusText().contains(QStringLiteral("404")), qPrintable(page.statusText()));
        QVERIFY(!page.saveTo(QDir::temp().filePath(QStringLiteral("never-written.json"))));
    }
};

QTEST_MAIN(SwaggerPageTest)
#include "swagger_page_test.moc"
