// libFuzzer target over pipeline definitions as the local workspace reads them: the job's
// shape and bindings (pipelineStepOrder), its parameters and a REST trigger's assignments
// (assignPipelineParameters), the az ml YAML reader and writer (readJobYaml, writeJobYaml), and
// the job PUT through the service's ARM route.
//
// Input: a pipeline definition, then optionally a NUL byte and a JSON object of parameter
// assignments. definitionFromText() turns the definition's text into the job's properties:
// JSON (the REST body) or the Azure ML CLI's YAML; the seeds in corpus/pipeline are written
// so that either reader finds their steps.
//
// It fails when the step order is not each step exactly once, when parameters that were
// accepted make the pipeline invalid, when the service answers 5xx to a definition, or on
// any sanitizer report.

#include "core/local/pipeline_runner.h"
#include "core/azure/job_yaml.h"
#include "core/serving/json_depth.h"
#include "tests/fuzz/fuzz_support.h"

#include <optional>
#include <set>

using namespace cerulean;
using namespace cerulean::fuzz;

namespace {

// The job's properties from the definition's text; nullopt when it is not one.
std::optional<Json> definitionFromText(std::string_view text)
{
    if (serving::jsonTooDeep(text))
        return std::nullopt;
    Json doc = Json::parse(text.begin(), text.end(), nullptr, false);
    if (doc.is_discarded()) {
        // Not JSON: an az ml job file. Its reader takes any bytes; what it gives is the body.
        const azure::Result<azure::JobDefinition> job = azure::readJobYaml(qbytes(text), azure::JobYamlContext{});
        if (!job.ok())
            return std::nullopt;
        doc = Json::parse(job->properties.constData(), job->properties.constData() + job->properties.size(), nullptr, false);
        if (!doc.is_object())
            violated("readJobYaml gave properties that are not a JSON object", job->properties);
        return doc;
    }
    if (!doc.is_object())
        return std::nullopt;
    // A whole job resource ({"properties": {...}}) or its properties.
    if (doc.contains("properties") && doc["properties"].is_object() && doc["properties"].contains("jobType"))
        return doc["properties"];
    return doc;
}

LocalWorkspace &workspace()
{
    static LocalWorkspace instance;
    return instance;
}

void checkOrder(const Json &properties, const QStringList &order, const char *what)
{
    std::set<QString> steps;
    for (auto it = properties["jobs"].begin(); it != properties["jobs"].end(); ++it)
        steps.insert(QString::fromStdString(it.key()));
    std::set<QString> placed(order.begin(), order.end());
    if (placed != steps || static_cast<std::size_t>(order.size()) != steps.size())
        violated(what, order.join(QLatin1Char(',')).toUtf8());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view input = bytes(data, size);
    const std::size_t split = input.find('\0');
    const std::string_view text = input.substr(0, split);
    const std::optional<std::string_view> assignmentText =
        split == std::string_view::npos ? std::nullopt : std::optional(input.substr(split + 1));

    // The YAML writer takes any bytes; what it refuses it says why.
    if (const auto yaml = azure::writeJobYaml(qbytes(text)); !yaml.ok() && yaml.error().message.isEmpty())
        violated("writeJobYaml refused without a message");
    QString error;

    const std::optional<Json> properties = definitionFromText(text);
    if (!properties)
        return 0;
    (void)local::pipelineParameters(*properties);
    error.clear();
    const auto order = local::pipelineStepOrder(*properties, &error);
    if (!order) {
        if (error.isEmpty())
            violated("a refused pipeline has no message");
        return 0;
    }
    checkOrder(*properties, *order, "the step order is not every step once");

    if (assignmentText && !serving::jsonTooDeep(*assignmentText)) {
        const Json assignments = Json::parse(assignmentText->begin(), assignmentText->end(), nullptr, false);
        if (!assignments.is_discarded()) {
            const auto assigned =
                local::assignPipelineParameters(*properties, assignments, QStringLiteral("ParameterAssignments"), &error);
            if (assigned) {
                const auto again = local::pipelineStepOrder(*assigned, &error);
                if (!again)
                    violated("accepted parameters made the pipeline invalid", error.toUtf8());
                checkOrder(*assigned, *again, "the step order after assignment is not every step once");
            }
        }
    }

    // The same definition as a job PUT: validation through the service (bindings, computes,
    // data references), rolled back so that every input finds the same workspace.
    LocalWorkspace &w = workspace();
    Json job{{"properties", *properties}};
    job["properties"]["jobType"] = "Pipeline";
    w.service().store().transaction([&] {
        expectClientError(w.call("PUT", w.workspace + QStringLiteral("/jobs/fuzzpipe"), QByteArray::fromStdString(job.dump())),
                          "the pipeline job PUT");
        return false;
    });
    return 0;
}
