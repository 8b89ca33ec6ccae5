#pragma once

// Jobs in the YAML of `az ml job create --file` (Azure ML CLI v2): AutoML classification,
// command and pipeline jobs, read into the body Jobs_CreateOrUpdate takes and written back from
// a job's REST body. yaml-cpp stays inside this serializer.
//
// Reading maps the file's snake_case keys to the REST shape (AutoML: properties.taskDetails with
// the REST enums, limits in ISO 8601 durations; command: command, codeId, environmentId, inputs
// and outputs as jobInputType/jobOutputType objects; pipeline: inputs, outputs, settings, and the
// steps in properties.jobs as the YAML writes them, which is how the service and az ml hold
// AutoML steps). `azureml:NAME` references to computes, environments and code become the
// workspace's ARM ids; local paths are resolved against the file's folder. Every error names the
// file, line, column and key.

#include "core/azure/resources.h"
#include "core/azure/result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

namespace cerulean::azure {

// What a job file's references resolve against.
struct JobYamlContext
{
    WorkspaceRef workspace; // azureml:NAME references become this workspace's ARM ids
    QString baseDir;        // relative local paths are relative to it (the file's folder)
    QString fileName;       // how errors name the file ("job.yml")
};

// An environment a command job writes inline (`environment: {image: …}`): registered before the
// job as an anonymous environment version, named and versioned as az ml does, so the same
// definition is registered once.
struct InlineEnvironment
{
    QString name;          // "CliV2AnonymousEnvironment"
    QString version;       // a digest of the definition
    QByteArray properties; // EnvironmentVersions_CreateOrUpdate's "properties"
};

// A job read from a file: what Jobs_CreateOrUpdate takes, and what must exist before it.
struct JobDefinition
{
    QString name;           // the file's `name:`; empty when it has none
    QString type;           // "automl", "command" or "pipeline"
    QByteArray properties;  // the body's "properties" (compact JSON)
    std::optional<InlineEnvironment> environment; // register first; properties name it already
    QString latestEnvironment; // `environment: azureml:NAME@latest`: resolve NAME's latest version first
    QString localCode;      // a command job's code folder (absolute): upload and register, then codeId
    QStringList localPaths; // local files and folders the job reads (absolute paths in properties)
};

// The job in `yaml` (the text of a job file). An AzureError (InvalidInput) whose message reads
// "job.yml:12:5: limits.max_trials: expected a whole number, not 'ten'" when it is not one.
// Takes any bytes and never throws: the entry point for fuzzing (a default context looks up
// relative paths in the current directory).
Result<JobDefinition> readJobYaml(const QByteArray &yaml, const JobYamlContext &context);
// The file at `path`, relative references resolved against its folder.
Result<JobDefinition> readJobYamlFile(const QString &path, const WorkspaceRef &workspace);

// A job as az ml YAML, from its GET body or the body's "properties": what the service reports
// of its definition, without what it fills in as the job runs (status, services, the run's own
// output, system properties and tags, output URIs and asset versions it assigned). Reading the
// text back gives the same job.
Result<QByteArray> writeJobYaml(const QByteArray &job);

// The job's properties with the ids of what submitting it registered or looked up first
// (empty: left as read).
QByteArray jobPropertiesWith(const JobDefinition &job, const QString &codeId, const QString &environmentId);

// The ARM id of an environment or code version that a job file names `azureml:NAME:VERSION`.
QString assetVersionId(const WorkspaceRef &workspace, const QString &collection, const QString &name,
                       const QString &version);

} // namespace cerulean::azure
