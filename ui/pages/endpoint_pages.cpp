#include "ui/pages/endpoint_pages.h"

#include "core/automl/csv.h"
#include "core/automl/engine.h"
#include "core/azure/client.h"
#include "core/serving/model_package_scorer.h"
#include "core/serving/scoring_service.h"
#include "ui/main_window.h"
#include "ui/models/endpoint_target.h"
#include "ui/models/reply_model.h"
#include "ui/models/schema_input_model.h"
#include "ui/pages/benchmark_page.h"
#include "ui/pages/consume_page.h"
#include "ui/pages/swagger_page.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QThread>

#include <numeric>

namespace cerulean::ui {

namespace {

bool waitFor(const std::function<bool()> &done, std::chrono::milliseconds timeout)
{
    QDeadlineTimer deadline(timeout);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        QThread::msleep(5);
    }
    return true;
}

class RunningTourEndpoint final : public TourEndpoint
{
public:
    std::shared_ptr<serving::ModelPackageScorer> scorer;
    std::unique_ptr<serving::ScoringServer> server;
    ~RunningTourEndpoint() override
    {
        if (server)
            server->stop(std::chrono::milliseconds(200));
    }
};

// The Bank Marketing training file: under $CERULEAN_SHARED_DIR, else in a "shared" folder
// beside one of the folders above the executable (the source tree's sibling).
QString tourDataFile()
{
    const QString relative = QStringLiteral("data/bankmarketing_train.csv");
    const QString shared = qEnvironmentVariable("CERULEAN_SHARED_DIR");
    if (!shared.isEmpty())
        return QDir(shared).filePath(relative);
    QDir dir(QCoreApplication::applicationDirPath());
    for (int up = 0; up < 6 && dir.cdUp(); ++up) {
        const QString candidate = dir.filePath(QStringLiteral("shared/") + relative);
        if (QFileInfo::exists(candidate))
            return candidate;
    }
    return {};
}

} // namespace

EndpointPages installEndpointPages(MainWindow &window, Session &session)
{
    EndpointPages pages;
    auto *target = new EndpointTarget(azure::AzureClient::networkTransport(), &session);
    pages.swagger = new SwaggerPage(target);
    target->setParent(pages.swagger);
    pages.target = target;
    pages.consume = new ConsumePage(target);
    ConsumePage *consume = pages.consume;
    pages.benchmark = new BenchmarkPage(target, [consume] { return consume->requestBody(); });
    window.setPage(Step::Swagger, pages.swagger);
    window.setPage(Step::Consume, pages.consume);
    window.setPage(Step::Benchmark, pages.benchmark);
    return pages;
}

std::unique_ptr<TourEndpoint> prepareEndpointPagesForTour(MainWindow &window, const QString &workDirectory)
{
    auto *swagger = qobject_cast<SwaggerPage *>(window.page(Step::Swagger));
    auto *consume = qobject_cast<ConsumePage *>(window.page(Step::Consume));
    auto *benchmark = qobject_cast<BenchmarkPage *>(window.page(Step::Benchmark));
    auto *target = swagger ? swagger->findChild<EndpointTarget *>() : nullptr;
    if (!swagger || !consume || !benchmark || !target)
        return nullptr;

    auto table = automl::readCsvFile(tourDataFile().toStdString());
    if (!table)
        return nullptr;
    constexpr std::size_t kRows = 3000;
    std::vector<std::size_t> rows(std::min(kRows, table->data.rows));
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    const QString packageDir = QDir(workDirectory).filePath(QStringLiteral("tour-endpoint-package"));
    QDir(packageDir).removeRecursively();
    if (!automl::trainQuickPackage(table->data.selectRows(rows), "y", packageDir.toStdString()))
        return nullptr;

    auto endpoint = std::make_unique<RunningTourEndpoint>();
    std::string error;
    endpoint->scorer = serving::ModelPackageScorer::load(packageDir.toStdString(), error);
    if (!endpoint->scorer)
        return nullptr;
    // A key made for this tour only; it lives in memory for the few seconds the tour takes.
    const QString key = QString::number(QRandomGenerator::system()->generate64(), 16);
    serving::ScoringServerOptions options;
    options.scoring.primaryKey = key.toStdString();
    options.scoring.endpointName = "bank-marketing";
    endpoint->server = std::make_unique<serving::ScoringServer>(endpoint->scorer, options);
    if (endpoint->server->start())
        return nullptr;

    target->setScoringUri(QUrl(QString::fromStdString(endpoint->server->url()) + QStringLiteral("/score")));
    target->setKey(key);
    return driveEndpointPagesForTour(window) ? std::move(endpoint) : nullptr;
}

bool driveEndpointPagesForTour(MainWindow &window)
{
    auto *swagger = qobject_cast<SwaggerPage *>(window.page(Step::Swagger));
    auto *consume = qobject_cast<ConsumePage *>(window.page(Step::Consume));
    auto *benchmark = qobject_cast<BenchmarkPage *>(window.page(Step::Benchmark));
    auto *target = swagger ? swagger->findChild<EndpointTarget *>() : nullptr;
    if (!swagger || !consume || !benchmark || !target || !target->isSet())
        return false;
    swagger->fetch();
    if (!waitFor([target] { return target->schemaState() == EndpointTarget::SchemaState::Loaded; }, std::chrono::seconds(10)))
        return false;
    if (consume->inputModel()->columnCount() <= ScoringInputModel::FirstRowColumn)
        consume->inputModel()->addInputRow();
    bool replied = false;
    const auto replyConnection = QObject::connect(consume, &ConsumePage::replyShown, consume, [&replied] { replied = true; });
    consume->send();
    const bool sent = waitFor([&replied] { return replied; }, std::chrono::seconds(10));
    QObject::disconnect(replyConnection);
    if (!sent || consume->replyModel()->rowCount() == 0)
        return false;

    bool finished = false;
    const auto runConnection = QObject::connect(benchmark, &BenchmarkPage::runFinished, benchmark, [&finished] { finished = true; });
    bool ran = true;
    for (bool keepAlive : {false, true}) {
        finished = false;
        benchmark->setRequests(2000);
        benchmark->setConcurrency(4);
        benchmark->setKeepAlive(keepAlive);
        if (!benchmark->run() || !waitFor([&finished] { return finished; }, std::chrono::seconds(60))) {
            ran = false;
            break;
        }
    }
    QObject::disconnect(runConnection);
    return ran;
}


} // namespace cerulean::ui
