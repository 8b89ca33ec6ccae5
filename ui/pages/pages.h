#pragma once

class QString;

namespace cerulean::ui {

class MainWindow;
class Session;

// Builds every page this build has and puts it in its step; both the application and the
// screenshot tour call it, so the tour shows what users get.
void installPages(MainWindow &window, Session &session);

// For the screenshot tour: brings the Data & AutoML and Models pages into a meaningful
// state with real work — the Bank Marketing data loaded and profiled, and a short local
// AutoML run (written under `workDirectory`) open on the Models page. Returns false (and
// leaves the pages as they are) when the shared data is not there.
bool prepareAutoMLPagesForTour(MainWindow &window, const QString &workDirectory);

} // namespace cerulean::ui
