#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace cerulean::local {

// The Azure ML CLI v2 YAML (pipelineJob schema) of a pipeline job, from its REST JSON (the
// job resource or its properties): type, display and experiment names, settings, inputs
// (literals as values, data as type + path), outputs (with the model name they register),
// and the steps. `az ml job create --file` accepts it. nullopt with *error when the JSON
// is not a pipeline job.
std::optional<QString> pipelineJobYaml(const QByteArray &jobJson, QString *error);

} // namespace cerulean::local
