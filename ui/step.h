#pragma once

#include <QString>

#include <array>

namespace cerulean::ui {

// The steps of the flow, in the order a data scientist takes them.
enum class Step
{
    Workspace,
    DataAutoML,
    Models,
    Deploy,
    Logs,
    Swagger,
    Consume,
    Benchmark,
    Pipelines,
};

inline constexpr std::array allSteps{Step::Workspace, Step::DataAutoML, Step::Models,
                                     Step::Deploy,    Step::Logs,       Step::Swagger,
                                     Step::Consume,   Step::Benchmark,  Step::Pipelines};

// What the navigation list shows and what a page not yet available says it will do.
struct StepInfo
{
    QString title;
    QString summary;
    QString slug; // file name stem for screenshots: "01-workspace"
};

StepInfo stepInfo(Step step);

} // namespace cerulean::ui
