#pragma once

// Submitting a job read from an az ml job file (job_yaml.h), as `az ml job create --file` does:
// what the job needs first, then the job.

#include "core/azure/job_yaml.h"
#include "core/azure/ml_client.h"

namespace cerulean::azure {

// Submits `job` as `name`: its inline environment registered as an anonymous environment
// version; `azureml:NAME@latest` resolved to NAME's latest version; its code folder uploaded to
// the workspace's default datastore (LocalUpload/<digest>/<folder>/…) and registered as an
// anonymous code version named by the files' digest, so an unchanged folder is the same version;
// then Jobs_CreateOrUpdate. The job's local input files stay where they are, which only the local
// workspace can read: on Azure the job is refused, naming them. Reports once on `context`.
void submitJob(const MachineLearningClient &client, const JobDefinition &job, const QString &name, QObject *context,
               Done<Job> done);

// The files of a code folder in upload order (paths relative to it, '/'-separated; .git and
// __pycache__ left out), and their digest: what names the folder's code version.
struct CodeFolder
{
    QString path;
    QStringList files;
    QString digest;
};
Result<CodeFolder> readCodeFolder(const QString &path);

} // namespace cerulean::azure
