#pragma once

#include "core/local/store.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace cerulean::local {

class LocalService;

// What one AutoML job asks of the training engine.
struct TrainingRequest
{
    QString jobName;
    QString trainingCsv;
    QString validationCsv;   // "" = the engine splits or cross-validates
    int crossValidations = 0;  // nCrossValidations (Custom); 0 = auto
    double validationSize = 0; // validationDataSize; 0 = auto
    QString testCsv;           // testData; "" = none
    double testSize = 0;       // testDataSize; 0 = no share of the training rows held out as test
    QString targetColumn;
    QString taskType;        // "Classification" or "Regression"
    QString primaryMetric;   // Azure's name, e.g. "AUC_weighted", "accuracy"
    int maxTrials = 1000;
    int concurrentTrials = 1; // min(maxConcurrentTrials, the cluster's free slots)
    std::chrono::milliseconds timeout{std::chrono::hours(6)};
    std::chrono::milliseconds trialTimeout{0}; // 0 = no per-trial limit
    std::optional<double> exitScore;
    bool enableStackEnsemble = true;
    bool enableVoteEnsemble = true;
    QStringList blockedModels;
    QStringList allowedModels;
    bool explain = true;
    QString outputDir;       // where the engine writes its output directory
};

// One finished trial (a child run on Azure).
struct TrialReport
{
    int index = 0;
    QString algorithm;       // e.g. "XGBoostClassifier", "VotingEnsemble"
    bool succeeded = true;
    QString error;
    Json hyperparameters = Json::object();
    std::map<QString, double> metrics;
    std::chrono::milliseconds duration{0}; // how long the trial trained: its MLflow run starts that long before it ends
    // Artifact files relative to the run's root ("confusion_matrix", "outputs/model.json").
    std::vector<std::pair<QString, QByteArray>> artifacts;
};

struct TrainingOutcome
{
    bool succeeded = false;
    bool canceled = false;
    QString error;           // when !succeeded && !canceled
    int bestTrial = -1;
    Json guardrails = Json::array(); // data guardrail results, Azure's shape
    std::vector<std::pair<QString, QByteArray>> artifacts; // for the parent run
};

// The training engine behind AutoML jobs. Implementations must call onTrial from any
// thread, return soon after cancel becomes true, and never throw.
class TrainingEngine
{
public:
    virtual ~TrainingEngine() = default;
    virtual TrainingOutcome run(const TrainingRequest &request, const std::function<void(const TrialReport &)> &onTrial,
                                const std::atomic<bool> &cancel) = 0;
};

using TrainingEngineFactory = std::function<std::unique_ptr<TrainingEngine>()>;

// The built-in engine (core/automl) when this build has one, else nullptr.
TrainingEngineFactory defaultTrainingEngine();

// Runs AutoML jobs on compute clusters: a cluster is maxNodeCount worker slots, a job
// takes min(maxConcurrentTrials, free slots) of them, jobs queue while none are free.
// Jobs are claimed through the store, so several processes on one root share the slots.
class JobRunner final
{
public:
    explicit JobRunner(LocalService &service, TrainingEngineFactory engine = defaultTrainingEngine());
    ~JobRunner();
    JobRunner(const JobRunner &) = delete;
    JobRunner &operator=(const JobRunner &) = delete;

    // Marks jobs whose process died (or whose heartbeat lapsed) as Failed with the reason.
    int recoverOrphans();
    void start();
    void stop();
    void wake();
    void cancel(const QString &jobId);
    void setEngineFactory(TrainingEngineFactory factory);

    static constexpr std::chrono::milliseconds heartbeatInterval{1000};
    // How often a running command job's log is brought up to date and its cancel looked at.
    static constexpr std::chrono::milliseconds commandPollInterval{200};

private:
    struct Active;
    void loop();
    void schedule();
    void heartbeat();
    void runJob(const std::shared_ptr<Active> &active);
    // Runs a command job to its end; its final status and error, set once its sandbox is gone.
    std::pair<QString, Json> runCommandJob(const std::shared_ptr<Active> &active, const Json &properties, const QString &workspaceId);
    void finishChild(const std::shared_ptr<Active> &active, const TrialReport &trial);

    LocalService &m_service;
    Store &m_store;
    TrainingEngineFactory m_engine;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    bool m_pending = false;
    std::thread m_thread;
    std::map<QString, std::shared_ptr<Active>> m_active; // by job key
};

// Helpers shared with the routes.
bool isTerminalJobStatus(const QString &status);
QString mlflowStatusFor(const QString &jobStatus);
// Writes one artifact file of a run under the store's artifact directory (whole or not at all).
bool writeRunArtifact(const Store &store, const QString &runId, const QString &path, const QByteArray &data);
// Puts a run's artifact files in place, each file whole: written into a staging folder, then
// renamed into the run's folder (the folder itself when the run has none yet). Call it before
// committing the run's records, so that a committed run always has its files.
bool placeRunArtifacts(const Store &store, const QString &runId, const std::vector<std::pair<QString, QByteArray>> &files);
// Removes staging folders that processes which died left behind.
void removeStaleStaging(const Store &store);
// Why `name` cannot name a file in a job's folder (empty, '.', '..', a separator, a NUL, a
// control character, more than 255 characters), as Azure refuses such names; nullopt when it can.
std::optional<QString> invalidFileName(const QString &name);
// `relative` under `folder`, or "" when the result would not be inside `folder`.
QString pathInside(const QString &folder, const QString &relative);

} // namespace cerulean::local
