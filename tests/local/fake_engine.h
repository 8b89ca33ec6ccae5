#pragma once
// A stand-in for the AutoML engine in the job runner's and the pipelines' tests: one trial
// every `interval` (with a confusion matrix artifact), until maxTrials or cancel; no training.

#include "core/local/job_runner.h"

#include <chrono>
#include <memory>
#include <thread>

namespace cerulean::local::test {

class FakeEngine final : public TrainingEngine
{
public:
    explicit FakeEngine(std::chrono::milliseconds interval) : m_interval(interval) {}
    TrainingOutcome run(const TrainingRequest &request, const std::function<void(const TrialReport &)> &onTrial,
                        const std::atomic<bool> &cancel) override
    {
        TrainingOutcome outcome;
        for (int i = 0; i < request.maxTrials; ++i) {
            const auto until = std::chrono::steady_clock::now() + m_interval;
            while (std::chrono::steady_clock::now() < until && !cancel)
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            if (cancel) {
                outcome.canceled = true;
                return outcome;
            }
            TrialReport t;
            t.index = i;
            t.algorithm = QStringLiteral("FakeClassifier");
            t.metrics[QStringLiteral("AUC_weighted")] = 0.5 + 0.01 * i;
            t.artifacts.emplace_back(QStringLiteral("confusion_matrix"), R"({"schema_type":"confusion_matrix"})");
            onTrial(t);
            outcome.bestTrial = i;
        }
        outcome.succeeded = true;
        return outcome;
    }

private:
    std::chrono::milliseconds m_interval;
};

inline TrainingEngineFactory fakeEngine(std::chrono::milliseconds interval)
{
    return [interval] { return std::unique_ptr<TrainingEngine>(std::make_unique<FakeEngine>(interval)); };
}

} // namespace cerulean::local::test
