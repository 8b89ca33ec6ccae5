#pragma once

#include "ui/models/leaderboard_run.h"

#include <QWidget>

#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTabWidget;

namespace cerulean::ui {

class ConfusionMatrixModel;
class CurveChart;
class CurveTableModel;
class ImportanceChart;
class ImportanceModel;
class LeaderboardModel;
class MetricsTableModel;
class Session;

// Step 3: the leaderboard of an AutoML run and, for the selected models, their metrics,
// confusion matrix, curves (overlaid) and feature importance; charts export as PNG and
// metrics as CSV. Shows a job submitted on the Data & AutoML step, or opens a run folder
// written by `cerulean-cli automl --out DIR` or by a run trained without a workspace.
class ModelsPage final : public QWidget
{
    Q_OBJECT

public:
    explicit ModelsPage(Session &session, QWidget *parent = nullptr);

    // Loads a run folder; false with the reason shown on the page and in *error.
    bool openRunFolder(const QString &path, QString *error = nullptr);
    // The same, with the files read and parsed on a worker thread (a finished run's folder
    // holds every trial's metrics and curves: reading it would stall the window).
    void openRunFolderInBackground(const QString &path);
    void chooseRunFolder();
    // Shows a finished AutoML job's runs (read through MLflow by the Data & AutoML step).
    void showJobResult(const std::shared_ptr<const RunFolder> &result);

    LeaderboardModel *leaderboard() const { return m_leaderboard; }
    QSortFilterProxyModel *leaderboardProxy() const { return m_proxy; }
    MetricsTableModel *metrics() const { return m_metrics; }
    ConfusionMatrixModel *confusion() const { return m_confusion; }
    CurveTableModel *curves() const { return m_curves; }
    ImportanceModel *importance() const { return m_importance; }
    CurveChart *curveChart() const { return m_curveChart; }
    // Selects runs by id in the leaderboard (the detail tabs follow the selection).
    void selectRuns(const QList<int> &runIds);
    void showCurve(CurveKind kind);

    // Registers the run's best model (its package folder) as a model version in the
    // connected workspace and makes it the session's model (modelRegistered). Local workspace
    // only: Azure would need the package uploaded to a datastore first.
    void registerBestModel();

    bool exportCurvePng(const QString &path);
    bool exportMetricsCsv(const QString &path);
    QString statusText() const;

Q_SIGNALS:
    void runFolderOpened(const QString &path);
    // A model version was registered from the best run: "azureml:name:version".
    void modelRegistered(const QString &modelId);

private:
    bool showRunFolder(std::optional<RunFolder> folder, const QString &message, QString *error);
    void selectionChanged();
    void refreshCurves();
    void confusionCellClicked(const QModelIndex &index);
    void setStatus(const QString &text);
    void refreshRegister();
    void registerVersion(const QString &name, const QString &version, const QString &modelUri);

    Session &m_session;
    std::optional<RunFolder> m_folder;
    LeaderboardModel *m_leaderboard;
    QSortFilterProxyModel *m_proxy;
    MetricsTableModel *m_metrics;
    ConfusionMatrixModel *m_confusion;
    CurveTableModel *m_curves;
    ImportanceModel *m_importance;
    QLabel *m_summary = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_register = nullptr;
    bool m_registering = false;
    QLineEdit *m_filter = nullptr;
    QTableView *m_board = nullptr;
    QTabWidget *m_tabs = nullptr;
    QCheckBox *m_normalized = nullptr;
    QComboBox *m_curveKind = nullptr;
    QComboBox *m_curveClass = nullptr;
    QComboBox *m_evaluation = nullptr;
    QLabel *m_confusionNote = nullptr;
    CurveChart *m_curveChart = nullptr;
    ImportanceChart *m_importanceChart = nullptr;
};

} // namespace cerulean::ui
