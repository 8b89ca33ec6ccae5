#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QPromise>
#include <QThreadPool>

#include <functional>
#include <memory>
#include <utility>

namespace cerulean::ui {

// Runs `work` on the global thread pool and hands its result to `done` on `context`'s
// thread. When `context` is destroyed first, the result is dropped: `work` must therefore
// capture only values it owns, never `context`.
template <typename T>
void runInBackground(QObject *context, std::function<T()> work, std::function<void(T)> done)
{
    auto promise = std::make_shared<QPromise<T>>();
    auto *watcher = new QFutureWatcher<T>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context, [watcher, done = std::move(done)]() {
        watcher->deleteLater();
        QFuture<T> future = watcher->future();
        if (future.resultCount() > 0)
            done(future.takeResult());
    });
    watcher->setFuture(promise->future());
    QThreadPool::globalInstance()->start([promise, work = std::move(work)]() {
        promise->start();
        promise->addResult(work());
        promise->finish();
    });
}

} // namespace cerulean::ui
