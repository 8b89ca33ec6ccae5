#pragma once

#include <QObject>
#include <QPointer>

namespace cerulean::ui {

// One way to drop stale replies: an operation-scoped context object.
//
// A page that can start the same kind of work again before the last one answered (reload a
// list, follow another job, run a batch again) keeps one OperationScope per kind of work. Each
// begin() ends the previous operation and hands out a fresh context QObject; everything the new
// operation sends names that context, and every workflow object it makes is created as its
// child:
//
//     QObject *context = m_stepsScope.begin();      // the previous read's answers are dropped
//     operations->listSteps(job, context, [this](azure::Result<QList<azure::Job>> steps) { … });
//
//     auto *run = new azure::BatchRun(*operations, {}, m_batchScope.begin());
//     connect(run, &azure::BatchRun::progressed, this, &BatchTab::showProgress);
//
// Ending an operation (begin() again, or end()) deletes its context at once, and the request
// pipeline drops every callback whose context is gone (HttpPipeline::send, QTimer::singleShot):
// no callback compares a generation counter. The workflow objects the operation made (the
// context's children) are silenced at once (signals blocked) and deleted once control is back
// in the event loop, so that one may be the sender of the signal whose slot ends it; their own
// requests name them as context and go with them. The scope's destruction (its owner's) deletes
// everything at once.
//
// A callback must not use its context after it has begun another operation of the same scope.
class OperationScope final
{
public:
    // owner: the object the contexts belong to (their thread, their last owner).
    explicit OperationScope(QObject *owner);
    ~OperationScope();
    OperationScope(const OperationScope &) = delete;
    OperationScope &operator=(const OperationScope &) = delete;

    // Ends the current operation, if any, and returns the context of a new one.
    QObject *begin();
    // The current operation's context; null when none is running.
    QObject *context() const { return m_context.data(); }
    bool isActive() const { return !m_context.isNull(); }
    // Ends the current operation: its answers still on their way are dropped.
    void end();

private:
    QObject *m_owner;
    QPointer<QObject> m_context;
};

} // namespace cerulean::ui
