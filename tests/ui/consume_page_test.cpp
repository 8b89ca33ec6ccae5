// The Consume page against a real scoring endpoint: the form is built from the served
// swagger.json, a send returns the model's own prediction, a wrong key shows the server's
// 401 message, and the raw JSON tab stays in sync with the form.

#include "consume_test_server.h"

#include "core/azure/transport.h"
#include "ui/models/endpoint_snippets.h"
#include "ui/models/endpoint_target.h"
#include "ui/models/reply_model.h"
#include "ui/models/schema_input_model.h"
#include "ui/models/schema_model.h"
#include "ui/models/schema_swagger.h"
#include "ui/pages/consume_page.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace cerulean;
using namespace cerulean::ui;

namespace {

QByteArray readShared(const QString &relative)
{
    QFile file(QString::fromStdString(test::sharedDir()) + QLatin1Char('/') + relative);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

} // namespace

class ConsumePageTest final : public QObject
{
    Q_OBJECT

private:
    test::ScoringEndpoint m_endpoint;
    std::shared_ptr<azure::HttpTransport> m_transport;

    std::unique_ptr<EndpointTarget> makeTarget(const QString &key)
    {
        auto target = std::make_unique<EndpointTarget>(m_transport, nullptr);
        target->setScoringUri(m_endpoint.scoringUri());
        target->setKey(key);
        return target;
    }

    static bool loadSchema(EndpointTarget &target)
    {
        QSignalSpy spy(&target, &EndpointTarget::schemaStateChanged);
        target.loadSchema();
        return QTest::qWaitFor([&] { return target.schemaState() == EndpointTarget::SchemaState::Loaded
                                            || target.schemaState() == EndpointTarget::SchemaState::Failed; },
                               10000)
               && target.schemaState() == EndpointTarget::SchemaState::Loaded;
    }

private Q_SLOTS:
    void initTestCase()
    {
        const std::string error = m_endpoint.start();
        QVERIFY2(error.empty(), error.c_str());
        m_transport = std::make_shared<azure::QtNetworkTransport>();
    }

    void parsesAzureAutoMLSwaggerFiles()
    {
        // Both shapes Azure AutoML deployments publish: {"data": […]} and {"Inputs": {"data": […]}}.
        for (const QString &file : {QStringLiteral("azure-contract/_repos/richardvlas/Operationalizing-Machine-Learning/swagger.json"),
                                    QStringLiteral("azure-contract/_repos/udacity/nd00333_AZMLND_C2/starter_files/swagger.json")}) {
            const QByteArray json = readShared(file);
            QVERIFY2(!json.isEmpty(), qPrintable(file));
            SwaggerDocument document;
            QString error;
            QVERIFY2(parseSwagger(json, document, error), qPrintable(error));
            QCOMPARE(document.fields.size(), 20);
            QCOMPARE(document.fields.first().name, QStringLiteral("age"));
            QCOMPARE(document.fields.first().type, FieldType::Integer);
            QCOMPARE(document.fields.at(1).name, QStringLiteral("job"));
            QCOMPARE(document.fields.at(1).type, FieldType::String);
            QCOMPARE(document.fields.last().name, QStringLiteral("nr.employed"));
            QCOMPARE(document.fields.last().type, FieldType::Number);
            QVERIFY(document.fields.first().required);
            const auto score = std::find_if(document.operations.begin(), document.operations.end(),
                                            [](const SwaggerOperation &op) { return op.path == QLatin1String("/score"); });
            QVERIFY(score != document.operations.end());
            QCOMPARE(score->method, QStringLiteral("POST"));
            QVERIFY(score->needsKey);
        }
    }

    void refusesDocumentsWithoutAnInputSchema()
    {
        SwaggerDocument document;
        QString error;
        QVERIFY(!parseSwagger("{\"swagger\": \"2.0\", \"paths\": {}}", document, error));
        QVERIFY(error.contains(QStringLiteral("/score")));
        QVERIFY(!parseSwagger("{\"swagger\": ", document, error));
        QVERIFY(error.contains(QStringLiteral("not JSON")));
    }

    void formIsBuiltFromTheServedSchema()
    {
        auto target = makeTarget(QString::fromLatin1(test::ScoringEndpoint::kKey));
        QCOMPARE(target->swaggerUri(), m_endpoint.swaggerUri());
        QVERIFY(loadSchema(*target));
        QAbstractItemModelTester schemaTester(target->schema(), QAbstractItemModelTester::FailureReportingMode::QtTest);

        const automl::InputSchema &schema = m_endpoint.package().schema();
        QCOMPARE(target->schema()->rowCount(), int(schema.columns.size()));

        ConsumePage page(target.get());
        QAbstractItemModelTester inputTester(page.inputModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        ScoringInputModel *input = page.inputModel();
        QCOMPARE(input->rowCount(), int(schema.columns.size()));
        QCOMPARE(input->inputRowCount(), 1);
        for (int f = 0; f < int(schema.columns.size()); ++f) {
            const automl::SchemaColumn &column = schema.columns[std::size_t(f)];
            QCOMPARE(input->index(f, ScoringInputModel::FieldColumn).data().toString(), QString::fromStdString(column.name));
            // Prefilled from the package's example row, typed.
            const automl::Cell &example = schema.exampleRow[std::size_t(f)];
            const QVariant value = input->value(0, f);
            if (const auto *number = std::get_if<double>(&example))
                QCOMPARE(value.toDouble(), *number);
            else if (const auto *text = std::get_if<std::string>(&example))
                QCOMPARE(value.toString(), QString::fromStdString(*text));
            // Categories become a drop-down of the training values.
            const QStringList categories = input->index(f, ScoringInputModel::FirstRowColumn)
                                               .data(ScoringInputModel::EnumValuesRole)
                                               .toStringList();
            if (column.type == automl::ColumnType::Categorical) {
                QCOMPARE(categories.size(), qsizetype(column.categories.size()));
                auto *view = page.findChild<QTableView *>(QStringLiteral("inputForm"));
                QVERIFY(view);
                std::unique_ptr<QWidget> editor(view->itemDelegate()->createEditor(
                    view->viewport(), QStyleOptionViewItem(), input->index(f, ScoringInputModel::FirstRowColumn)));
                auto *combo = qobject_cast<QComboBox *>(editor.get());
                QVERIFY(combo);
                QCOMPARE(combo->count(), int(column.categories.size()));
            }
        }
        // A number column refuses text, naming the column.
        const int age = schema.columnIndex("age");
        QVERIFY(age >= 0);
        QString error;
        QVERIFY(!input->setValue(0, age, QStringLiteral("forty"), &error));
        QVERIFY(error.contains(QStringLiteral("age")));
        QVERIFY(input->setValue(0, age, QStringLiteral("41"), &error));
        QCOMPARE(input->value(0, age).toDouble(), 41.0);
    }

    void sendReturnsTheModelsPrediction()
    {
        auto target = makeTarget(QString::fromLatin1(test::ScoringEndpoint::kKey));
        QVERIFY(loadSchema(*target));
        ConsumePage page(target.get());
        QAbstractItemModelTester replyTester(page.replyModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.setMethod(ScoringMethod::PredictProba);
        page.inputModel()->addInputRow();
        const int job = m_endpoint.package().schema().columnIndex("job");
        QVERIFY(page.inputModel()->setValue(1, job, QStringLiteral("student")));

        QSignalSpy shown(&page, &ConsumePage::replyShown);
        page.send();
        QVERIFY(shown.wait(10000));
        QVERIFY2(page.replyErrorText().isEmpty(), qPrintable(page.replyErrorText()));
        QVERIFY2(page.statusText().startsWith(QStringLiteral("HTTP 200")), qPrintable(page.statusText()));
        QVERIFY(page.statusText().contains(QStringLiteral(" ms")));

        // What the package itself predicts for the same cells.
        std::vector<std::vector<automl::Cell>> rows;
        for (int r = 0; r < page.inputModel()->inputRowCount(); ++r) {
            std::vector<automl::Cell> row;
            for (int f = 0; f < page.inputModel()->rowCount(); ++f) {
                const QVariant v = page.inputModel()->value(r, f);
                if (!v.isValid())
                    row.emplace_back(std::monostate{});
                else if (v.typeId() == QMetaType::QString)
                    row.emplace_back(v.toString().toStdString());
                else
                    row.emplace_back(v.toDouble());
            }
            rows.push_back(std::move(row));
        }
        const auto expected = m_endpoint.package().predictProba(rows).value();
        const auto labels = m_endpoint.package().classLabels();
        ReplyModel *reply = page.replyModel();
        QCOMPARE(reply->rowCount(), 2);
        QCOMPARE(reply->columnCount(), ReplyModel::FirstClassColumn + int(labels.size()));
        for (int r = 0; r < 2; ++r) {
            const ScoredRow &row = reply->result().rows.at(r);
            std::size_t best = 0;
            for (std::size_t c = 0; c < labels.size(); ++c) {
                const qsizetype column = reply->result().classLabels.indexOf(QString::fromStdString(labels[c]));
                QVERIFY(column >= 0);
                QVERIFY(std::abs(row.probabilities.at(column) - expected[std::size_t(r)][c]) < 1e-12);
                if (expected[std::size_t(r)][c] > expected[std::size_t(r)][best])
                    best = c;
            }
            QCOMPARE(row.label, QString::fromStdString(labels[best]));
        }
        QCOMPARE(reply->headerData(ReplyModel::FirstClassColumn, Qt::Horizontal).toString(),
                 QStringLiteral("P(%1)").arg(reply->result().classLabels.first()));

        // predict gives labels only.
        page.setMethod(ScoringMethod::Predict);
        page.send();
        QVERIFY(shown.wait(10000));
        QCOMPARE(reply->rowCount(), 2);
        QCOMPARE(reply->columnCount(), int(ReplyModel::FirstClassColumn));
        QVERIFY(labels.front() == reply->result().rows.at(0).label.toStdString()
                || labels.back() == reply->result().rows.at(0).label.toStdString());
    }

    void aWrongKeyShowsTheServersMessage()
    {
        auto target = makeTarget(QStringLiteral("not-the-key"));
        QVERIFY(loadSchema(*target));
        ConsumePage page(target.get());
        QSignalSpy shown(&page, &ConsumePage::replyShown);
        page.send();
        QVERIFY(shown.wait(10000));
        QVERIFY2(page.statusText().startsWith(QStringLiteral("HTTP 401")), qPrintable(page.statusText()));
        QVERIFY2(page.replyErrorText().contains(QStringLiteral("not valid for this endpoint")), qPrintable(page.replyErrorText()));
        QVERIFY(page.replyErrorText().contains(QStringLiteral("invalid_key")));
        QCOMPARE(page.replyModel()->rowCount(), 0);
    }

    void unreachableEndpointSaysSo()
    {
        auto target = std::make_unique<EndpointTarget>(m_transport, nullptr);
        target->setScoringUri(QUrl(QStringLiteral("http://127.0.0.1:1/score")));
        target->loadSchema();
        QVERIFY(QTest::qWaitFor([&] { return target->schemaState() == EndpointTarget::SchemaState::Failed; }, 10000));
        QVERIFY(target->schemaError().contains(QStringLiteral("127.0.0.1:1")));
    }

    void rawJsonStaysInSyncWithTheForm()
    {
        auto target = makeTarget(QString::fromLatin1(test::ScoringEndpoint::kKey));
        QVERIFY(loadSchema(*target));
        ConsumePage page(target.get());
        page.setMethod(ScoringMethod::Predict);
        auto *json = page.findChild<QPlainTextEdit *>(QStringLiteral("rawJson"));
        QVERIFY(json);
        auto rowsIn = [](const QString &text) {
            const QJsonObject body = QJsonDocument::fromJson(text.toUtf8()).object();
            return body.value(QStringLiteral("Inputs")).toObject().value(QStringLiteral("data")).toArray();
        };
        QCOMPARE(rowsIn(json->toPlainText()).size(), 1);
        page.inputModel()->addInputRow();
        QCOMPARE(rowsIn(json->toPlainText()).size(), 2);

        // Typing JSON updates the form after a pause.
        QJsonObject body = QJsonDocument::fromJson(json->toPlainText().toUtf8()).object();
        QJsonObject inputs = body.value(QStringLiteral("Inputs")).toObject();
        QJsonArray data = inputs.value(QStringLiteral("data")).toArray();
        QJsonObject first = data.at(0).toObject();
        first.insert(QStringLiteral("age"), 77);
        data.replace(0, first);
        data.append(first);
        inputs.insert(QStringLiteral("data"), data);
        body.insert(QStringLiteral("Inputs"), inputs);
        json->setPlainText(QString::fromUtf8(QJsonDocument(body).toJson()));
        const int age = m_endpoint.package().schema().columnIndex("age");
        QVERIFY(QTest::qWaitFor([&] { return page.inputModel()->inputRowCount() == 3; }, 3000));
        QCOMPARE(page.inputModel()->value(0, age).toDouble(), 77.0);

        // A wrong type is refused with the row and column named; the form keeps its rows.
        json->setPlainText(QStringLiteral("{\"data\": [{\"age\": \"old\"}]}"));
        auto *error = page.findChild<QLabel *>(QStringLiteral("jsonError"));
        QVERIFY(QTest::qWaitFor([&] { return !error->text().isEmpty(); }, 3000));
        QVERIFY2(error->text().contains(QStringLiteral("Row 1, column age")), qPrintable(error->text()));
        QCOMPARE(page.inputModel()->inputRowCount(), 3);
        json->setPlainText(QStringLiteral("{\"data\": [{\"agee\": 1}]}"));
        QVERIFY(QTest::qWaitFor([&] { return error->text().contains(QStringLiteral("agee")); }, 3000));
    }

    void copiesSnippetsAndSavesDataJson()
    {
        auto target = makeTarget(QString::fromLatin1(test::ScoringEndpoint::kKey));
        QVERIFY(loadSchema(*target));
        ConsumePage page(target.get());
        page.setMethod(ScoringMethod::Predict);
        const QString uri = m_endpoint.scoringUri().toString();
        const QString curl = page.snippet(int(SnippetLanguage::Curl));
        QVERIFY(curl.startsWith(QStringLiteral("curl -sS -X POST '%1'").arg(uri)));
        QVERIFY(curl.contains(QStringLiteral("Authorization: Bearer $ENDPOINT_KEY")));
        const QString python = page.snippet(int(SnippetLanguage::Python));
        QVERIFY(python.contains(QStringLiteral("requests.post(scoring_uri")));
        QVERIFY(python.contains(QStringLiteral("os.environ['ENDPOINT_KEY']")));
        const QString csharp = page.snippet(int(SnippetLanguage::CSharp));
        QVERIFY(csharp.contains(QStringLiteral("PostAsync(\"%1\"").arg(uri)));
        for (const QString &snippet : {curl, python, csharp})
            QVERIFY2(!snippet.contains(QString::fromLatin1(test::ScoringEndpoint::kKey)), "a snippet holds the key");

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("data.json"));
        QVERIFY(page.saveRequestBody(path));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(file.readAll()), QJsonDocument::fromJson(page.requestBody()));
    }

    void replyParserReadsEveryForm()
    {
        ScoringResult result;
        QString error;
        QVERIFY(parseScoringReply("{\"result\": [\"yes\", \"no\"]}", {}, result, error));
        QCOMPARE(result.rows.size(), 2);
        QCOMPARE(result.rows.at(0).label, QStringLiteral("yes"));
        // Azure's older scoring scripts: JSON text inside a JSON string.
        QVERIFY(parseScoringReply("\"{\\\"result\\\": [\\\"no\\\"]}\"", {}, result, error));
        QCOMPARE(result.rows.at(0).label, QStringLiteral("no"));
        QVERIFY(parseScoringReply("{\"Results\": [[0.25, 0.75]]}", {QStringLiteral("no"), QStringLiteral("yes")}, result, error));
        QCOMPARE(result.rows.at(0).label, QStringLiteral("yes"));
        QCOMPARE(result.rows.at(0).probabilities.at(1), 0.75);
        QVERIFY(!parseScoringReply("{\"message\": \"x\"}", {}, result, error));
        QVERIFY(error.contains(QStringLiteral("result")));
    }

    // The form and the raw JSON are one request: whichever was edited last is sent, switching
    // tabs carries it across, and a broken raw JSON only stops a send when it is the request.
    void formAndRawJsonAreOneState()
    {
        auto target = makeTarget(QString::fromLatin1(test::ScoringEndpoint::kKey));
        QVERIFY(loadSchema(*target));
        ConsumePage page(target.get());
        auto *tabs = page.findChild<QTabWidget *>(QStringLiteral("requestTabs"));
        auto *json = page.findChild<QPlainTextEdit *>(QStringLiteral("rawJson"));
        auto *jsonError = page.findChild<QLabel *>(QStringLiteral("jsonError"));
        QVERIFY(tabs && json && jsonError);
        const int age = m_endpoint.package().schema().columnIndex("age");
        QSignalSpy shown(&page, &ConsumePage::replyShown);

        // Broken JSON typed in the raw tab, then back to the form: the form is the request.
        tabs->setCurrentIndex(1);
        json->setPlainText(QStringLiteral("{\"data\": [{\"age\": "));
        QVERIFY(QTest::qWaitFor([&] { return !jsonError->text().isEmpty(); }, 3000));
        tabs->setCurrentIndex(0);
        QVERIFY2(jsonError->text().isEmpty(), qPrintable(jsonError->text()));
        QCOMPARE(QJsonDocument::fromJson(json->toPlainText().toUtf8()), QJsonDocument::fromJson(page.requestBody()));
        QVERIFY2(page.statusText().contains(QStringLiteral("not applied")), qPrintable(page.statusText()));
        page.send();
        QVERIFY(shown.wait(10000));
        QVERIFY2(page.statusText().startsWith(QStringLiteral("HTTP 200")), qPrintable(page.statusText()));
        QVERIFY2(page.replyErrorText().isEmpty(), qPrintable(page.replyErrorText()));
        QCOMPARE(page.replyModel()->rowCount(), 1);

        // Valid JSON typed and the tab left at once (no pause): the form holds it.
        tabs->setCurrentIndex(1);
        QJsonObject body = QJsonDocument::fromJson(json->toPlainText().toUtf8()).object();
        QJsonObject inputs = body.value(QStringLiteral("Inputs")).toObject();
        QJsonArray data = inputs.value(QStringLiteral("data")).toArray();
        QJsonObject first = data.at(0).toObject();
        first.insert(QStringLiteral("age"), 55);
        data.replace(0, first);
        inputs.insert(QStringLiteral("data"), data);
        body.insert(QStringLiteral("Inputs"), inputs);
        json->setPlainText(QString::fromUtf8(QJsonDocument(body).toJson()));
        tabs->setCurrentIndex(0);
        QCOMPARE(page.inputModel()->value(0, age).toDouble(), 55.0);

        // Broken JSON that is the request (typed last, Send pressed on its tab): nothing is sent,
        // the error is on its tab, and the older reply is gone.
        tabs->setCurrentIndex(1);
        json->setPlainText(QStringLiteral("{\"data\": [{\"age\": \"old\"}]}"));
        page.send();
        QCOMPARE(tabs->currentIndex(), 1);
        QVERIFY2(jsonError->text().contains(QStringLiteral("Row 1, column age")), qPrintable(jsonError->text()));
        QVERIFY2(page.replyErrorText().contains(QStringLiteral("raw JSON")), qPrintable(page.replyErrorText()));
        QCOMPARE(page.replyModel()->rowCount(), 0);
        QVERIFY(!shown.wait(300));
        QCOMPARE(page.inputModel()->value(0, age).toDouble(), 55.0);

        // Editing the form afterwards makes the form the request again.
        QVERIFY(page.inputModel()->setValue(0, age, 60));
        QVERIFY(jsonError->text().isEmpty());
        QCOMPARE(QJsonDocument::fromJson(json->toPlainText().toUtf8()), QJsonDocument::fromJson(page.requestBody()));
        page.send();
        QVERIFY(shown.wait(10000));
        QVERIFY2(page.statusText().startsWith(QStringLiteral("HTTP 200")), qPrintable(page.statusText()));
    }

    // A failed send replaces the previous 200 reply with the error: code, message, request id.
    void aFailedSendClearsThePreviousReply()
    {
        auto target = makeTarget(QString::fromLatin1(test::ScoringEndpoint::kKey));
        QVERIFY(loadSchema(*target));
        ConsumePage page(target.get());
        QSignalSpy shown(&page, &ConsumePage::replyShown);
        page.send();
        QVERIFY(shown.wait(10000));
        QCOMPARE(page.replyModel()->rowCount(), 1);

        target->setKey(QStringLiteral("not-the-key"));
        page.send();
        QVERIFY(shown.wait(10000));
        QVERIFY2(page.statusText().startsWith(QStringLiteral("HTTP 401")), qPrintable(page.statusText()));
        QCOMPARE(page.replyModel()->rowCount(), 0);
        const QString error = page.replyErrorText();
        QVERIFY2(error.contains(QStringLiteral("invalid_key")), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("not valid for this endpoint")), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("[request id ")) && !error.contains(QStringLiteral("[request id -,")),
                 qPrintable(error));

        // A send that cannot start clears an earlier success too.
        target->setKey(QString::fromLatin1(test::ScoringEndpoint::kKey));
        page.send();
        QVERIFY(shown.wait(10000));
        QCOMPARE(page.replyModel()->rowCount(), 1);
        target->setScoringUri(QUrl());
        page.send();
        QCOMPARE(page.replyModel()->rowCount(), 0);
        QVERIFY2(page.replyErrorText().contains(QStringLiteral("scoring URI")), qPrintable(page.replyErrorText()));
    }

    // Letters typed in a number cell are refused with a word, not dropped without one.
    void numberCellsRefuseLettersVisibly()
    {
        auto target = makeTarget(QString::fromLatin1(test::ScoringEndpoint::kKey));
        QVERIFY(loadSchema(*target));
        ConsumePage page(target.get());
        auto *view = page.findChild<QTableView *>(QStringLiteral("inputForm"));
        QVERIFY(view);
        ScoringInputModel *input = page.inputModel();
        int checked = 0;
        for (int f = 0; f < input->rowCount(); ++f) {
            const auto type = FieldType(input->index(f, 0).data(ScoringInputModel::FieldTypeRole).toInt());
            if (type != FieldType::Integer && type != FieldType::Number)
                continue;
            const QModelIndex cell = input->index(f, ScoringInputModel::FirstRowColumn);
            std::unique_ptr<QWidget> editor(view->itemDelegate()->createEditor(view->viewport(), QStyleOptionViewItem(), cell));
            auto *edit = qobject_cast<QLineEdit *>(editor.get());
            QVERIFY(edit);
            page.findChild<QLabel *>(QStringLiteral("replyStatus"))->clear();
            QTest::keyClicks(edit, QStringLiteral("4x"));
            QCOMPARE(edit->text(), QStringLiteral("4"));
            const QString name = input->index(f, ScoringInputModel::FieldColumn).data().toString();
            QVERIFY2(page.statusText().contains(name) && page.statusText().contains(QStringLiteral("refused")),
                     qPrintable(page.statusText()));
            ++checked;
        }
        QVERIFY(checked >= 2);
    }

    // A category the schema does not list is sent (Azure takes it) but warned about first.
    void anUnknownCategoryIsWarnedAboutBeforeSending()
    {
        auto target = makeTarget(QString::fromLatin1(test::ScoringEndpoint::kKey));
        QVERIFY(loadSchema(*target));
        ConsumePage page(target.get());
        const int job = m_endpoint.package().schema().columnIndex("job");
        QVERIFY(job >= 0);
        QVERIFY(page.warningText().isEmpty());
        QVERIFY(page.inputModel()->setValue(0, job, QStringLiteral("astronaut")));
        QVERIFY2(page.warningText().contains(QStringLiteral("job \"astronaut\"")), qPrintable(page.warningText()));
        const QModelIndex cell = page.inputModel()->index(job, ScoringInputModel::FirstRowColumn);
        QVERIFY(cell.data(Qt::ToolTipRole).toString().contains(QStringLiteral("not among the values seen in training")));
        QVERIFY(cell.data(Qt::ForegroundRole).isValid());
        QSignalSpy shown(&page, &ConsumePage::replyShown);
        page.send();
        QVERIFY(shown.wait(10000));
        QVERIFY2(page.statusText().startsWith(QStringLiteral("HTTP 200")), qPrintable(page.statusText()));
        QVERIFY(page.inputModel()->setValue(0, job, QStringLiteral("student")));
        QVERIFY(page.warningText().isEmpty());
        QVERIFY(!cell.data(Qt::ForegroundRole).isValid());
    }

    // The body shows 92.893, not the 92.89299999999999 a computed double holds.
    void rawJsonHasNoFloatNoise()
    {
        auto target = makeTarget(QString::fromLatin1(test::ScoringEndpoint::kKey));
        QVERIFY(loadSchema(*target));
        ConsumePage page(target.get());
        ScoringInputModel *input = page.inputModel();
        int number = -1;
        for (int f = 0; f < input->rowCount() && number < 0; ++f)
            if (FieldType(input->index(f, 0).data(ScoringInputModel::FieldTypeRole).toInt()) == FieldType::Number)
                number = f;
        QVERIFY(number >= 0);
        const double noisy = 92.89299999999999;
        QVERIFY(noisy != 92.893); // one unit in the last place apart
        QVERIFY(input->setValue(0, number, noisy));
        auto *json = page.findChild<QPlainTextEdit *>(QStringLiteral("rawJson"));
        for (const QString &body : {json->toPlainText(), QString::fromUtf8(page.requestBody())}) {
            QVERIFY2(body.contains(QStringLiteral("92.893")) && !body.contains(QStringLiteral("92.8929")), qPrintable(body));
        }
        // Digits a person typed are all kept.
        QVERIFY(input->setValue(0, number, QStringLiteral("1.23456789012345")));
        QVERIFY(json->toPlainText().contains(QStringLiteral("1.23456789012345")));
    }

    // Tab walks the request values only, down each request row, then leaves the table for
    // Method and Send instead of wrapping.
    void tabWalksTheValuesAndReachesSend()
    {
        auto target = makeTarget(QString::fromLatin1(test::ScoringEndpoint::kKey));
        QVERIFY(loadSchema(*target));
        ConsumePage page(target.get());
        page.inputModel()->addInputRow();
        page.resize(1366, 768);
        page.show();
        QVERIFY(QTest::qWaitForWindowActive(&page));
        auto *view = page.findChild<QTableView *>(QStringLiteral("inputForm"));
        auto *method = page.findChild<QComboBox *>(QStringLiteral("method"));
        auto *send = page.findChild<QPushButton *>(QStringLiteral("send"));
        QVERIFY(view && method && send);
        // The chain runs top to bottom, the request before Method and Send.
        QStringList chain;
        auto *key = page.findChild<QWidget *>(QStringLiteral("endpointKey"));
        QVERIFY(key);
        for (QWidget *w = key->nextInFocusChain(); w != key; w = w->nextInFocusChain())
            if (w->isVisible() && (w->focusPolicy() & Qt::TabFocus) && !w->objectName().isEmpty())
                chain << w->objectName();
        QCOMPARE(chain.mid(0, 7), (QStringList{QStringLiteral("loadSchema"), QStringLiteral("requestTabs"),
                                               QStringLiteral("qt_tabwidget_tabbar"), QStringLiteral("addRow"),
                                               QStringLiteral("inputForm"), QStringLiteral("method"), QStringLiteral("send")}));
        view->setFocus();
        QTRY_VERIFY(view->currentIndex().isValid());
        const int fields = page.inputModel()->rowCount();
        const int values = fields * page.inputModel()->inputRowCount();
        for (int i = 0; i < values; ++i) {
            const QModelIndex current = view->currentIndex();
            QCOMPARE(current.row(), i % fields);
            QCOMPARE(current.column(), ScoringInputModel::FirstRowColumn + i / fields);
            QWidget *focus = QApplication::focusWidget();
            QVERIFY(focus == view || view->isAncestorOf(focus));
            QTest::keyClick(focus, Qt::Key_Tab);
        }
        QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget *>(method));
        QTest::keyClick(method, Qt::Key_Tab);
        QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget *>(send));
    }
};

QTEST_MAIN(ConsumePageTest)
#include "consume_page_test.moc"
