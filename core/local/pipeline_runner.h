#pragma once

#include "core/local/store.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace cerulean::local {

class LocalService;

// The steps of a pipeline job in the order they run (a step after every step whose output
// it reads), after checking the job's shape: step names, step types (automl, command,
// parallel), and that every ${{parent.inputs.X}}, ${{parent.outputs.X}} and
// ${{parent.jobs.S.outputs.X}} names something that exists. On a bad field: nullopt and
// *error names it ("properties.jobs.train.training_data: …").
std::optional<QStringList> pipelineStepOrder(const Json &properties, QString *error);

// The job's pipeline parameters: literal inputs by name with their values (defaults).
std::map<QString, QString> pipelineParameters(const Json &properties);

// A copy of the pipeline job's properties with parameters assigned (a string, number or
// boolean per literal input; a data input takes a URI). On an unknown name or a value of
// the wrong type: nullopt and *error names the field (prefix + ".name").
std::optional<Json> assignPipelineParameters(const Json &properties, const Json &assignments, const QString &prefix,
                                             QString *error);

// The folder a command step of that name runs in (bound at /job in its sandbox; its outputs
// move to the job's artifact folder when it completes).
QString commandStepFolder(const Store &store, const QString &jobName);

// Runs pipeline jobs: each step becomes a child job of the pipeline (an AutoML job the
// job runner trains, or a command or parallel step run here), with its status, log
// (user_logs/std_log.txt) and outputs. A step starts as soon as every step whose output it
// reads has completed, so independent steps run at the same time, as on Azure; the first
// step that fails fails the pipeline, the steps still running end Canceled and no further
// step starts. Pipeline outputs with an asset name register the step's model; a step whose
// resolved inputs and settings match an earlier completed step reuses that step's outputs
// unless the pipeline forces a rerun.
class PipelineRunner final
{
public:
    explicit PipelineRunner(LocalService &service);
    ~PipelineRunner();
    PipelineRunner(const PipelineRunner &) = delete;
    PipelineRunner &operator=(const PipelineRunner &) = delete;

    // Claims a NotStarted pipeline job and starts running it (returns at once).
    void submit(const QString &jobId);
    void stop();
    // Joins the threads of pipelines that have finished.
    void reap();

    static constexpr std::chrono::milliseconds pollInterval{100};

private:
    struct Active;
    void run(const std::shared_ptr<Active> &active);

    LocalService &m_service;
    std::mutex m_mutex;
    bool m_stopping = false;
    std::map<QString, std::shared_ptr<Active>> m_active; // by job key
};

} // namespace cerulean::local
