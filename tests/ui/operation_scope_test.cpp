// The one way pages drop stale replies (ui/operation_scope.h): a new operation's context
// replaces the last one's, so the request pipeline drops the last one's answers, and a
// workflow object made for an operation goes quiet at once and away later, even when its own
// signal is what started the next operation.

#include "core/azure/pipeline.h"
#include "ui/operation_scope.h"

#include <QPointer>
#include <QTimer>
#include <QtTest>

#include <functional>
#include <memory>
#include <vector>

using namespace cerulean;
using namespace cerulean::ui;

namespace {

// Holds every request until the test answers it, in the order the test chooses.
class HeldTransport final : public azure::HttpTransport
{
public:
    void send(const azure::HttpRequest &request, std::chrono::milliseconds, azure::ResponseCallback done) override
    {
        held.push_back({request.url.path(), std::move(done)});
    }

    void answer(const QString &path)
    {
        for (auto it = held.begin(); it != held.end(); ++it)
            if (it->first == path) {
                azure::HttpResponse response;
                response.status = 200;
                response.body = path.toUtf8();
                auto done = std::move(it->second);
                held.erase(it);
                done(response);
                return;
            }
        QFAIL(qPrintable(QStringLiteral("no request for %1").arg(path)));
    }

    std::vector<std::pair<QString, azure::ResponseCallback>> held;
};

// A stand-in for a workflow object (BatchRun, PipelineRun): made for one operation, it reports
// through a signal.
class Workflow final : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    void report() { Q_EMIT reported(); }

Q_SIGNALS:
    void reported();
};

azure::HttpRequest get(const QString &path)
{
    azure::HttpRequest request;
    request.url = QUrl(QStringLiteral("http://127.0.0.1:1") + path);
    return request;
}

} // namespace

class OperationScopeTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aNewOperationDropsTheAnswersOfTheLastOne()
    {
        auto transport = std::make_shared<HeldTransport>();
        const azure::HttpPipeline pipeline(transport, {});
        QObject page;
        OperationScope scope(&page);
        QStringList shown;
        const auto read = [&](const QString &path) {
            pipeline.send(get(path), scope.begin(), [&shown](const azure::HttpResponse &r) { shown << QString::fromUtf8(r.body); });
        };
        read(QStringLiteral("/first"));
        read(QStringLiteral("/second"));
        QVERIFY(scope.isActive());
        // The older answer comes last, as it may over a network: it is not shown.
        transport->answer(QStringLiteral("/second"));
        transport->answer(QStringLiteral("/first"));
        QCOMPARE(shown, QStringList{QStringLiteral("/second")});

        // end(): nothing of the operation answers any more, timers included.
        read(QStringLiteral("/third"));
        bool fired = false;
        QTimer::singleShot(0, scope.context(), [&fired] { fired = true; });
        scope.end();
        QVERIFY(!scope.isActive());
        QVERIFY(scope.context() == nullptr);
        transport->answer(QStringLiteral("/third"));
        QTest::qWait(20);
        QVERIFY(!fired);
        QCOMPARE(shown, QStringList{QStringLiteral("/second")});
    }

    void aWorkflowMayEndItsOwnOperationFromItsSignal()
    {
        QObject page;
        OperationScope scope(&page);
        auto *first = new Workflow(scope.begin());
        QPointer<Workflow> watched = first;
        int reports = 0;
        // Its report starts the next operation: the sender is still on the stack.
        connect(first, &Workflow::reported, &page, [&] {
            ++reports;
            auto *next = new Workflow(scope.begin());
            Q_UNUSED(next);
        });
        first->report();
        QCOMPARE(reports, 1);
        QVERIFY(watched); // not deleted under its own emit
        first->report();  // silenced: the next operation owns the page now
        QCOMPARE(reports, 1);
        QVERIFY(watched->parent() == nullptr);
        QTRY_VERIFY(watched.isNull()); // gone once the event loop runs
        QCOMPARE(scope.context()->children().size(), 1);
    }

    void theScopeTakesItsOperationWithIt()
    {
        QPointer<QObject> context;
        QPointer<Workflow> workflow;
        {
            QObject page;
            OperationScope scope(&page);
            context = scope.begin();
            workflow = new Workflow(context);
        }
        QVERIFY(context.isNull());
        QVERIFY(workflow.isNull()); // at once: no event loop may come to delete it later
    }
};

QTEST_MAIN(OperationScopeTest)
#include "operation_scope_test.moc"
