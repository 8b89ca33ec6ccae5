// az ml job YAML in and out (core/azure/job_yaml.h): the files az ml takes (copied from
// Azure/azureml-examples into tests/azure/job_yaml, each citing its source) become the REST bodies
// Jobs_CreateOrUpdate takes; a job's body written as YAML reads back as the same job; a bad file
// is refused naming its line, column and key.
#include "core/azure/job_submission.h"
#include "core/azure/job_yaml.h"
#include "core/azure/requests.h"
#include "tests/azure/replay.h"
#include "tests/azure/test_support.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

using namespace cerulean::azure;
using namespace cerulean::azure::test;
using nlohmann::json;

namespace {

const WorkspaceRef ws{QStringLiteral("sub-1"), QStringLiteral("rg-1"), QStringLiteral("ws-1")};
const QString wsId = QStringLiteral("/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws-1");

// An ARM id under the test's workspace.
std::string inWs(const char *path) { return QString(wsId + QLatin1String(path)).toStdString(); }

QByteArray fixture(const char *name)
{
    QFile file(QStringLiteral(CERULEAN_SOURCE_DIR "/tests/azure/job_yaml/") + QLatin1String(name));
    EXPECT_TRUE(file.open(QIODevice::ReadOnly)) << name;
    return file.readAll();
}

// A folder holding what the fixtures' local paths name (MLTable folders, a code folder).
class JobYaml : public ::testing::Test
{
protected:
    void SetUp() override
    {
        ASSERT_TRUE(dir.isValid());
        for (const char *folder : {"training-mltable-folder", "validation-mltable-folder", "test-mltable-folder", "src"}) {
            ASSERT_TRUE(QDir(dir.path()).mkpath(QLatin1String(folder)));
            QFile mltable(dir.filePath(QLatin1String(folder) + QStringLiteral("/MLTable")));
            ASSERT_TRUE(mltable.open(QIODevice::WriteOnly));
            mltable.write("paths:\n  - file: ./data.csv\n");
        }
        ASSERT_TRUE(QDir(dir.path()).mkpath(QStringLiteral("components/src")));
        for (const char *component : {"component_preprocessing.yaml", "component_register_model.yaml"})
            ASSERT_TRUE(QFile::copy(QStringLiteral(CERULEAN_SOURCE_DIR "/tests/azure/job_yaml/components/") + QLatin1String(component),
                                    dir.filePath(QStringLiteral("components/") + QLatin1String(component))));
    }

    JobYamlContext context(const char *fileName = "job.yml") const
    {
        return JobYamlContext{ws, dir.path(), QLatin1String(fileName)};
    }

    Result<JobDefinition> read(const QByteArray &yaml, const char *fileName = "job.yml") const
    {
        return readJobYaml(yaml, context(fileName));
    }

    // The job read from `yaml`, or a test failure.
    JobDefinition ok(const QByteArray &yaml) const
    {
        auto job = read(yaml);
        EXPECT_TRUE(job) << job.error().message.toStdString();
        return job ? job.value() : JobDefinition{};
    }

    // The error a bad file gives.
    QString error(const QByteArray &yaml, const char *fileName = "job.yml") const
    {
        auto job = read(yaml, fileName);
        EXPECT_FALSE(job) << "accepted:\n" << yaml.toStdString();
        return job ? QString() : job.error().message;
    }

    QString path(const char *name) const { return QDir::cleanPath(dir.filePath(QLatin1String(name))); }

    QTemporaryDir dir;
};

json parse(const QByteArray &bytes) { return json::parse(bytes.toStdString()); }

// YAML -> REST -> YAML -> REST: the second body is the first; the text is a fixed point.
void expectRoundTrip(const JobYaml &test, const JobDefinition &first, const std::function<Result<JobDefinition>(const QByteArray &)> &read)
{
    const auto yaml = writeJobYaml(first.properties);
    ASSERT_TRUE(yaml) << yaml.error().message.toStdString();
    const auto second = read(yaml.value());
    ASSERT_TRUE(second) << second.error().message.toStdString() << "\n" << yaml->toStdString();
    EXPECT_EQ(parse(second->properties), parse(first.properties)) << yaml->toStdString();
    EXPECT_EQ(second->type, first.type);
    const auto again = writeJobYaml(second->properties);
    ASSERT_TRUE(again);
    EXPECT_EQ(again.value(), yaml.value());
    (void)test;
}

} // namespace

TEST_F(JobYaml, AutoMLClassificationFromTheAzureExampleIsTheRestBody)
{
    const JobDefinition job = ok(fixture("automl-classification-bankmarketing.yml"));
    EXPECT_EQ(job.type, QStringLiteral("automl"));
    EXPECT_TRUE(job.name.isEmpty()); // the example keeps `name:` commented out
    const json p = parse(job.properties);
    EXPECT_EQ(p["jobType"], "AutoML");
    EXPECT_EQ(p["experimentName"], "dpv2-cli-automl-classifier-experiment");
    EXPECT_EQ(p["description"], "A Classification job using bank marketing");
    EXPECT_EQ(p["computeId"], inWs("/computes/cpu-cluster"));
    const json &t = p["taskDetails"];
    EXPECT_EQ(t["taskType"], "Classification");
    EXPECT_EQ(t["logVerbosity"], "Debug");
    EXPECT_EQ(t["primaryMetric"], "Accuracy");
    EXPECT_EQ(t["targetColumnName"], "y");
    EXPECT_EQ(t["trainingData"], (json{{"jobInputType", "mltable"}, {"uri", path("training-mltable-folder").toStdString()}}));
    EXPECT_EQ(t["validationData"]["uri"], path("validation-mltable-folder").toStdString());
    EXPECT_EQ(t["testData"]["uri"], path("test-mltable-folder").toStdString());
    EXPECT_EQ(t["limitSettings"], (json{{"timeout", "PT3H"},
                                        {"maxTrials", 40},
                                        {"maxConcurrentTrials", 5},
                                        {"trialTimeout", "PT20M"},
                                        {"enableEarlyTermination", true},
                                        {"exitScore", 0.92}}));
    EXPECT_EQ(t["featurizationSettings"],
              (json{{"mode", "custom"},
                    {"transformerParams", {{"Imputer", {{{"fields", {"job"}}, {"parameters", {{"strategy", "most_frequent"}}}}}}}},
                    {"blockedTransformers", {"WordEmbedding"}}}));
    EXPECT_EQ(t["trainingSettings"], (json{{"enableModelExplainability", true},
                                           {"allowedTrainingAlgorithms", {"GradientBoosting", "LogisticRegression"}}}));
    EXPECT_EQ(job.localPaths.size(), 3);
    EXPECT_FALSE(job.environment);
}

TEST_F(JobYaml, AutoMLReadsAsTheClientsOwnAutoMLBody)
{
    // The settings of an AutoMLClassificationSpec, written as az ml YAML, give the body
    // requests::createAutoMLClassificationJob sends for the spec: one REST shape, one casing.
    AutoMLClassificationSpec spec;
    spec.name = QStringLiteral("j1");
    spec.experimentName = QStringLiteral("exp");
    spec.computeId = wsId + QStringLiteral("/computes/cpu");
    spec.trainingDataUri = QStringLiteral("azureml:bank:1");
    spec.targetColumnName = QStringLiteral("y");
    spec.primaryMetric = QStringLiteral("AUCWeighted");
    spec.maxTrials = 7;
    spec.nCrossValidations = 3;
    spec.blockedTrainingAlgorithms = {QStringLiteral("KNN")};
    const json sent = parse(requests::createAutoMLClassificationJob(Cloud::azure(), ws, spec).body)["properties"];
    const JobDefinition job = ok(R"(type: automl
experiment_name: exp
compute: azureml:cpu
task: classification
log_verbosity: info
primary_metric: auc_weighted
target_column_name: y
training_data: {type: mltable, path: azureml:bank:1}
n_cross_validations: 3
featurization: {mode: auto}
limits: {max_trials: 7, max_concurrent_trials: 2, timeout_minutes: 60, trial_timeout_minutes: 20, enable_early_termination: true}
training:
  enable_model_explainability: true
  enable_onnx_compatible_models: false
  enable_vote_ensemble: true
  enable_stack_ensemble: true
  blocked_training_algorithms: [knn]
)");
    EXPECT_EQ(parse(job.properties), sent);
}

TEST_F(JobYaml, CommandJobWithAnInlineEnvironmentRegistersItFirst)
{
    const JobDefinition job = ok(fixture("hello-world-full.yml"));
    EXPECT_EQ(job.type, QStringLiteral("command")); // no `type:`: az ml's default
    const json p = parse(job.properties);
    EXPECT_EQ(p["jobType"], "Command");
    EXPECT_EQ(p["command"], "echo $hello_str");
    EXPECT_EQ(p["environmentVariables"], (json{{"hello_str", "hello world"}}));
    EXPECT_EQ(p["tags"], (json{{"hello", "world"}}));
    EXPECT_EQ(p["displayName"], "hello-world-example");
    EXPECT_EQ(p["computeId"], inWs("/computes/cpu-cluster"));
    const std::string description = p["description"];
    EXPECT_EQ(description.rfind("# Azure Machine Learning \"hello world\" job\n\nThis is", 0), 0u) << description;
    EXPECT_EQ(description.back(), '\n');
    ASSERT_TRUE(job.environment);
    EXPECT_EQ(job.environment->name, QStringLiteral("CliV2AnonymousEnvironment"));
    EXPECT_EQ(parse(job.environment->properties), (json{{"image", "python:latest"}, {"isAnonymous", true}}));
    EXPECT_EQ(p["environmentId"], assetVersionId(ws, QStringLiteral("environments"), job.environment->name, job.environment->version).toStdString());
    // The same definition is the same version; another image is another.
    EXPECT_EQ(ok(fixture("hello-world-full.yml")).environment->version, job.environment->version);
    QByteArray other = fixture("hello-world-full.yml");
    other.replace("python:latest", "python:3.11");
    EXPECT_NE(ok(other).environment->version, job.environment->version);
}

TEST_F(JobYaml, CommandJobWithCodeAndALiteralInput)
{
    const JobDefinition job = ok(fixture("hello-iris-literal.yml"));
    const json p = parse(job.properties);
    EXPECT_EQ(p["command"], "echo \"--iris-csv: ${{inputs.iris_csv}}\"\npython hello-iris.py --iris-csv ${{inputs.iris_csv}}\n");
    EXPECT_EQ(p["inputs"], (json{{"iris_csv", {{"jobInputType", "literal"},
                                               {"value", "https://azuremlexamples.blob.core.windows.net/datasets/iris.csv"}}}}));
    EXPECT_EQ(p["environmentId"],
              inWs("/environments/AzureML-sklearn-1.0-ubuntu20.04-py38-cpu/versions/3"));
    EXPECT_EQ(job.localCode, path("src")); // uploaded and registered before the job; then codeId
    EXPECT_FALSE(p.contains("codeId"));
    // A registered code version and data inputs, with every mode.
    const json q = parse(ok(R"(command: python train.py --data ${{inputs.data}} --out ${{outputs.model}}
code: azureml:train-src:2
environment: azureml:/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/environments/e/versions/1
inputs:
  data: {type: uri_file, path: azureml://datastores/workspaceblobstore/paths/iris.csv, mode: download}
  folder: {path: ./src}
  epochs: 10
  rate: 0.01
  verbose: true
outputs:
  model: {type: mlflow_model, mode: upload, name: iris-model}
  logs:
distribution: {type: pytorch, process_count_per_instance: 2}
resources: {instance_count: 2, shm_size: 8g}
limits: {timeout: 3600}
)").properties);
    EXPECT_EQ(q["codeId"], inWs("/codes/train-src/versions/2"));
    EXPECT_EQ(q["environmentId"], "/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/environments/e/versions/1");
    EXPECT_EQ(q["inputs"]["data"], (json{{"jobInputType", "uri_file"}, {"uri", "azureml://datastores/workspaceblobstore/paths/iris.csv"},
                                         {"mode", "Download"}}));
    EXPECT_EQ(q["inputs"]["folder"], (json{{"jobInputType", "uri_folder"}, {"uri", path("src").toStdString()}}));
    EXPECT_EQ(q["inputs"]["epochs"], (json{{"jobInputType", "literal"}, {"value", "10"}}));
    EXPECT_EQ(q["inputs"]["rate"]["value"], "0.01");
    EXPECT_EQ(q["inputs"]["verbose"]["value"], "true");
    EXPECT_EQ(q["outputs"]["model"], (json{{"jobOutputType", "mlflow_model"}, {"mode", "Upload"}, {"assetName", "iris-model"}}));
    EXPECT_EQ(q["outputs"]["logs"], (json{{"jobOutputType", "uri_folder"}}));
    EXPECT_EQ(q["distribution"], (json{{"distributionType", "PyTorch"}, {"processCountPerInstance", 2}}));
    EXPECT_EQ(q["resources"], (json{{"instanceCount", 2}, {"shmSize", "8g"}}));
    EXPECT_EQ(q["limits"], (json{{"jobLimitsType", "Command"}, {"timeout", "PT1H"}}));
}

TEST_F(JobYaml, EnvironmentAtLatestIsLeftToResolve)
{
    const JobDefinition job = ok("command: echo hi\nenvironment: azureml:my-env@latest\n");
    EXPECT_EQ(job.latestEnvironment, QStringLiteral("my-env"));
    EXPECT_FALSE(parse(job.properties).contains("environmentId"));
}

TEST_F(JobYaml, PipelineWithCommandStepsFromTheAzureExample)
{
    const JobDefinition job = ok(fixture("hello-pipeline-io.yml"));
    EXPECT_EQ(job.type, QStringLiteral("pipeline"));
    const json p = parse(job.properties);
    EXPECT_EQ(p["jobType"], "Pipeline");
    const json &steps = p["jobs"];
    ASSERT_EQ(steps.size(), 2u);
    // Steps without a type are command steps; kept as written, the type made explicit.
    EXPECT_EQ(steps["hello_job"]["type"], "command");
    EXPECT_EQ(steps["hello_job"]["compute"], "azureml:cpu-cluster");
    EXPECT_EQ(steps["hello_job"]["outputs"], (json{{"world_output", nullptr}}));
    EXPECT_EQ(steps["world_job"]["inputs"]["world_input"], "${{parent.jobs.hello_job.outputs.world_output}}");
    EXPECT_EQ(steps["world_job"]["environment"], "azureml:AzureML-sklearn-0.24-ubuntu18.04-py37-cpu@latest");
}

TEST_F(JobYaml, PipelineWithAnAutoMLStepBetweenCommandSteps)
{
    const JobDefinition job = ok(fixture("automl-pipeline.yml"));
    const json p = parse(job.properties);
    EXPECT_EQ(p["displayName"], "pipeline-with-automl-classification");
    EXPECT_EQ(p["settings"], (json{{"default_compute", inWs("/computes/cpu-cluster-msi")},
                                   {"continue_on_step_failure", false}}));
    EXPECT_EQ(p["inputs"]["classification_train_data"],
              (json{{"jobInputType", "mltable"}, {"uri", path("training-mltable-folder").toStdString()}}));
    EXPECT_EQ(p["inputs"]["model_base_name"], (json{{"jobInputType", "literal"}, {"value", "bankmarketing_example_model"}}));
    EXPECT_EQ(p["outputs"]["trained_model"], (json{{"jobOutputType", "mlflow_model"}, {"assetName", "bank-model"}}));
    const json &automl = p["jobs"]["classification_node"];
    EXPECT_EQ(automl["type"], "automl");
    EXPECT_EQ(automl["task"], "classification");
    EXPECT_EQ(automl["limits"], (json{{"max_trials", 1}, {"max_concurrent_trials", 1}}));
    EXPECT_EQ(automl["training"]["enable_stack_ensemble"], false);
    EXPECT_EQ(automl["training_data"], "${{parent.jobs.preprocessing_node.outputs.preprocessed_train_data}}");
    EXPECT_EQ(automl["outputs"]["best_model"], "${{parent.outputs.trained_model}}");
    EXPECT_EQ(p["jobs"]["preprocessing_node"]["command"],
              "cp -r ${{inputs.train_data}} ${{outputs.preprocessed_train_data}} && cp -r ${{inputs.validation_data}} "
              "${{outputs.preprocessed_validation_data}}");
}

TEST_F(JobYaml, StepsFromComponentFilesAreWrittenOut)
{
    // The az ml example as published: its command steps load their components from files.
    const JobDefinition job = ok(fixture("automl-components-pipeline.yml"));
    const json steps = parse(job.properties)["jobs"];
    const json &pre = steps["preprocessing_node"];
    EXPECT_FALSE(pre.contains("component"));
    EXPECT_EQ(pre["type"], "command");
    EXPECT_EQ(pre["display_name"], "Data Preprocessing");
    EXPECT_EQ(pre["command"], "python preprocess.py --train_data ${{inputs.train_data}} --validation_data ${{inputs.validation_data}} "
                              "--scale ${{inputs.scale}} --preprocessed_train_data ${{outputs.preprocessed_train_data}} "
                              "--preprocessed_validation_data ${{outputs.preprocessed_validation_data}}");
    EXPECT_EQ(pre["code"], path("components/src").toStdString()); // relative to the component's file
    EXPECT_EQ(pre["environment"], "azureml:AzureML-sklearn-0.24-ubuntu18.04-py37-cpu:1");
    EXPECT_EQ(pre["inputs"], (json{{"train_data", "${{parent.inputs.classification_train_data}}"},
                                   {"validation_data", "${{parent.inputs.classification_validate_data}}"},
                                   {"scale", 1.5}})); // the component's default where the step binds nothing
    EXPECT_EQ(pre["outputs"], (json{{"preprocessed_train_data", {{"type", "mltable"}}}, {"preprocessed_validation_data", {{"type", "mltable"}}}}));
    const json &reg = steps["register_model_node"];
    EXPECT_EQ(reg["inputs"]["model_base_name"], "bankmarketing_example_model");
    EXPECT_EQ(reg["outputs"], (json{{"model_id_path", {{"type", "uri_folder"}}}})); // declared by the component only
    EXPECT_EQ(steps["classification_node"]["outputs"], (json{{"best_model", {{"type", "mlflow_model"}}}}));
    EXPECT_TRUE(job.localPaths.contains(path("components/src")));

    // What the component does not declare, or needs and is not given, is refused.
    QByteArray yaml = fixture("automl-components-pipeline.yml");
    const QString unknown = error(QByteArray(yaml).replace("      model_base_name: bankmarketing_example_model", "      model_name: x"));
    EXPECT_TRUE(unknown.startsWith(QLatin1String("job.yml:55:16: jobs.register_model_node.component: the component has no input 'model_name'")))
        << unknown.toStdString();
    const QString required = error(QByteArray(yaml).replace("      model_base_name: bankmarketing_example_model\n", ""));
    EXPECT_TRUE(required.contains(QLatin1String("the component's input 'model_base_name' is required"))) << required.toStdString();
    const QString binding = error(QByteArray(yaml).replace("${{parent.jobs.classification_node.outputs.best_model}}",
                                                            "${{parent.jobs.preprocessing_node.outputs.model_id_path}}"));
    EXPECT_TRUE(binding.contains(QLatin1String("step 'preprocessing_node' has no output 'model_id_path'"))) << binding.toStdString();
    // An error in the component's file names that file and its line.
    QFile bad(dir.filePath(QStringLiteral("components/component_register_model.yaml")));
    ASSERT_TRUE(bad.open(QIODevice::WriteOnly | QIODevice::Truncate));
    bad.write("type: command\ninputs:\n  model_input_path: {type: uri_folder}\n  model_base_name: {type: string}\ncommand: echo\nenvironmnet: x\n");
    bad.close();
    const QString inFile = error(yaml);
    EXPECT_TRUE(inFile.startsWith(QDir::cleanPath(dir.filePath(QStringLiteral("components/component_register_model.yaml"))) +
                                  QStringLiteral(":6:1: environmnet: unknown key 'environmnet'")))
        << inFile.toStdString();
}

TEST_F(JobYaml, EveryExampleReadsBackAsTheSameJob)
{
    for (const char *name : {"automl-classification-bankmarketing.yml", "hello-world-full.yml", "hello-iris-literal.yml",
                             "hello-pipeline-io.yml", "automl-pipeline.yml", "automl-components-pipeline.yml"}) {
        SCOPED_TRACE(name);
        expectRoundTrip(*this, ok(fixture(name)), [&](const QByteArray &yaml) { return read(yaml); });
    }
}

TEST_F(JobYaml, WrittenYamlIsWhatAzMlReads)
{
    const auto yaml = writeJobYaml(ok(fixture("automl-classification-bankmarketing.yml")).properties);
    ASSERT_TRUE(yaml);
    const QString text = QString::fromUtf8(yaml.value());
    for (const char *line : {"$schema: https://azuremlschemas.azureedge.net/latest/autoMLJob.schema.json\n", "type: automl\n",
                             "compute: azureml:cpu-cluster\n", "task: classification\n", "log_verbosity: debug\n",
                             "primary_metric: accuracy\n",
                             // "y" unquoted is a boolean to some YAML readers
                             "target_column_name: \"y\"\n", "  type: mltable\n", "  timeout_minutes: 180\n",
                             "  trial_timeout_minutes: 20\n", "  exit_score: 0.92\n", "  mode: custom\n",
                             "    - word_embedding\n", "    imputer:\n", "      - fields:\n", "          - job\n",
                             "    - gradient_boosting\n"})
        EXPECT_TRUE(text.contains(QLatin1String(line))) << line << "\n---\n" << text.toStdString();
}

TEST_F(JobYaml, AJobAzureReportedReadsBackAsItsDefinition)
{
    // A command job as Azure answered its GET (recorded from live Azure ML): the service's own
    // fields (status, services, run properties, compute tags, the default output, nulls) are not
    // part of the definition the YAML carries.
    const json recording = loadJson(sharedDir() + QStringLiteral("/azure-recordings/ps_Get-AzMLWorkspaceJob.json"));
    ASSERT_TRUE(recording.is_array()) << "the recordings are not at " << sharedDir().toStdString();
    json body;
    for (const json &exchange : recording)
        if (exchange["method"] == "GET" && exchange["response_body"].contains("properties"))
            body = exchange["response_body"];
    ASSERT_TRUE(body.is_object());
    const auto yaml = writeJobYaml(QByteArray::fromStdString(body.dump()));
    ASSERT_TRUE(yaml) << yaml.error().message.toStdString();
    const WorkspaceRef recorded{QStringLiteral("9e223dbe-3399-4e19-88eb-0975f02ac87f"), QStringLiteral("ml-psh-test"),
                                QStringLiteral("mlworkspace-test1")};
    const auto back = readJobYaml(yaml.value(), JobYamlContext{recorded, dir.path(), QStringLiteral("shown.yml")});
    ASSERT_TRUE(back) << back.error().message.toStdString() << "\n" << yaml->toStdString();
    const json &p = body["properties"];
    EXPECT_EQ(parse(back->properties), (json{{"jobType", "Command"},
                                             {"displayName", p["displayName"]},
                                             {"experimentName", p["experimentName"]},
                                             {"computeId", p["computeId"]},
                                             {"command", p["command"]},
                                             {"environmentId", p["environmentId"]},
                                             {"limits", {{"jobLimitsType", "Command"}}},
                                             {"resources", {{"instanceCount", 1}, {"shmSize", "2g"}}}}))
        << yaml->toStdString();
    EXPECT_TRUE(yaml->contains("environment: azureml:commandjobenv1:1\n")) << yaml->toStdString();
}

namespace {

class RecordedToken final : public TokenCredential
{
public:
    void getToken(const TokenRequestContext &, QObject *context, TokenCallback done) override
    {
        QTimer::singleShot(0, context, [done]() {
            done(AccessToken{QStringLiteral("t"), std::chrono::system_clock::now() + std::chrono::hours(1)});
        });
    }
};

// A YAML single-quoted scalar: what a person writes for text with double quotes in it.
QString singleQuoted(const QString &text)
{
    return QLatin1Char('\'') + QString(text).replace(QLatin1Char('\''), QStringLiteral("''")) + QLatin1Char('\'');
}

QString textAt(const json &doc, const char *key) { return QString::fromStdString(doc.at(key).get<std::string>()); }

} // namespace

TEST_F(JobYaml, CommandJobsAreSentAsAzureRecordedThem)
{
    // Every command job Azure PowerShell created against live Azure ML (../shared/azure-recordings,
    // ids rewritten), written as the az ml file a person would write for it: read into the very
    // body that client sent, submitted through the recorded exchange (nothing asked that it did
    // not ask), and the job Azure answered, shown as YAML, reads back as the job that was sent
    // with the resources the service filled in.
    QString loadError;
    const std::vector<Scenario> scenarios = loadScenarios(&loadError);
    ASSERT_TRUE(loadError.isEmpty()) << loadError.toStdString();
    int jobs = 0;
    for (const Scenario &scenario : scenarios)
        for (const RecordedExchange &put : scenario.exchanges) {
            if (put.method != "PUT" || !put.path.contains(QLatin1String("/jobs/")) || !put.requestBody.is_object() ||
                put.requestBody.value("properties", json::object()).value("jobType", "") != "Command")
                continue;
            SCOPED_TRACE(put.where().toStdString());
            ++jobs;
            const json &sent = put.requestBody.at("properties");
            // /subscriptions/S/resourceGroups/R/providers/Microsoft.MachineLearningServices/workspaces/W/jobs/NAME
            const QStringList segments = put.path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
            ASSERT_EQ(segments.size(), 10) << put.path.toStdString();
            const WorkspaceRef where{segments[1], segments[3], segments[7]};
            const QString name = segments[9];
            const QString environment = textAt(sent, "environmentId");
            const QByteArray yaml =
                QStringLiteral("$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\n"
                               "type: command\nname: %1\ndisplay_name: %2\nexperiment_name: %3\ncompute: azureml:%4\n"
                               "command: %5\nenvironment: azureml:%6:%7\n")
                    .arg(name, textAt(sent, "displayName"), textAt(sent, "experimentName"),
                         textAt(sent, "computeId").section(QLatin1Char('/'), -1), singleQuoted(textAt(sent, "command")),
                         environment.section(QLatin1Char('/'), -3, -3), environment.section(QLatin1Char('/'), -1))
                    .toUtf8();
            const auto job = readJobYaml(yaml, JobYamlContext{where, dir.path(), QStringLiteral("job.yml")});
            ASSERT_TRUE(job) << job.error().message.toStdString();
            EXPECT_EQ(job->name, name);
            EXPECT_EQ(parse(job->properties), sent) << yaml.toStdString();

            auto transport = std::make_shared<ReplayTransport>(std::vector<RecordedExchange>{put}, ReplayRules{},
                                                               QString::fromLatin1(kMlApiVersion));
            const MachineLearningClient ml(std::make_shared<AzureClient>(Cloud::azure(), std::make_shared<RecordedToken>(), transport),
                                           where);
            QObject context;
            std::optional<Result<Job>> answer;
            submitJob(ml, job.value(), job->name, &context, [&](Result<Job> r) { answer = std::move(r); });
            ASSERT_TRUE(waitUntil([&]() { return answer.has_value(); }));
            ASSERT_TRUE(answer->ok()) << answer->error().toString().toStdString();
            EXPECT_EQ(answer->value().name, name);
            EXPECT_EQ(answer->value().jobType, QStringLiteral("Command"));
            EXPECT_TRUE(transport->allServed());
            EXPECT_TRUE(transport->mismatches().isEmpty()) << transport->mismatches().join(QLatin1Char('\n')).toStdString();
            ASSERT_EQ(transport->requests().size(), 1u);
            EXPECT_EQ(parse(transport->requests().front().body), put.requestBody);

            const auto shown = writeJobYaml(QByteArray::fromStdString(put.responseBody.dump()));
            ASSERT_TRUE(shown) << shown.error().message.toStdString();
            const auto back = readJobYaml(shown.value(), JobYamlContext{where, dir.path(), QStringLiteral("shown.yml")});
            ASSERT_TRUE(back) << back.error().message.toStdString() << "\n" << shown->toStdString();
            json expected = sent;
            for (const auto &[key, value] : put.responseBody.at("properties").at("resources").items())
                if (!value.is_null())
                    expected["resources"][key] = value;
            EXPECT_EQ(parse(back->properties), expected) << shown->toStdString();
        }
    EXPECT_EQ(jobs, 2) << "the recordings hold two command jobs (ps_CreateScenarioTest)";
}

TEST_F(JobYaml, AServicePipelineJobLosesOnlyWhatItsRunWasGiven)
{
    // What the local service answers for a pipeline run: outputs with the URI and model version the
    // run was given, its bookkeeping properties, the settings with ARM ids.
    const json body{{"name", "p1"},
                    {"properties",
                     {{"jobType", "Pipeline"},
                      {"status", "Completed"},
                      {"experimentName", "cli"},
                      {"properties", {{"azureml.pipeline.registeredModel.m", "bank:3"}}},
                      {"settings", {{"default_compute", inWs("/computes/cpu")}, {"_source", "YAML.JOB"}}},
                      {"inputs", {{"rate", {{"jobInputType", "literal"}, {"value", "0.5"}}}}},
                      {"outputs",
                       {{"m", {{"jobOutputType", "mlflow_model"}, {"assetName", "bank"}, {"assetVersion", "3"}, {"uri", "azureml://jobs/p1_t/outputs/best_model"}}},
                        {"default", {{"jobOutputType", "uri_folder"}, {"uri", "azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.p1"}}}}},
                      {"jobs", {{"t", {{"type", "command"}, {"command", "echo ${{inputs.r}}"}, {"inputs", {{"r", "${{parent.inputs.rate}}"}}},
                                       {"outputs", {{"o", "${{parent.outputs.m}}"}}}}}}}}}};
    const auto yaml = writeJobYaml(QByteArray::fromStdString(body.dump()));
    ASSERT_TRUE(yaml) << yaml.error().message.toStdString();
    const json back = parse(ok(yaml.value()).properties);
    EXPECT_EQ(back["outputs"], (json{{"m", {{"jobOutputType", "mlflow_model"}, {"assetName", "bank"}}}}));
    EXPECT_EQ(back["settings"], (json{{"default_compute", inWs("/computes/cpu")}}));
    EXPECT_FALSE(back.contains("properties"));
    EXPECT_EQ(back["inputs"], body["properties"]["inputs"]);
    EXPECT_EQ(back["jobs"], body["properties"]["jobs"]);
}

// --- bad files: each error names the file, line, column and key -----------------------------

TEST_F(JobYaml, AnUnknownTopLevelKeyIsNamedWithItsLine)
{
    const QString e = error("type: command\ncommand: echo hi\nenvironment: azureml:env:1\ncompte: azureml:cpu\n", "hello.yml");
    EXPECT_TRUE(e.startsWith(QLatin1String("hello.yml:4:1: compte: unknown key 'compte'"))) << e.toStdString();
    EXPECT_TRUE(e.contains(QLatin1String("compute"))) << e.toStdString(); // the keys it could have meant
    const QString nested = error(fixture("automl-classification-bankmarketing.yml").replace("  max_trials: 40", "  max_trails: 40"));
    EXPECT_TRUE(nested.startsWith(QLatin1String("job.yml:35:3: limits.max_trails: unknown key 'max_trails'"))) << nested.toStdString();
}

TEST_F(JobYaml, AWrongTypeIsNamedWithItsLine)
{
    // The published serverless example writes `resources` as a string.
    const QString resources = error(fixture("automl-classification-bankmarketing-serverless.yml"), "serverless.yml");
    EXPECT_TRUE(resources.startsWith(QLatin1String("serverless.yml:52:3: resources: expected a mapping of keys, not 'instance_type=")))
        << resources.toStdString();
    const QString trials = error(fixture("automl-classification-bankmarketing.yml").replace("max_trials: 40", "max_trials: ten"));
    EXPECT_TRUE(trials.startsWith(QLatin1String("job.yml:35:15: limits.max_trials: expected a whole number, not 'ten'")))
        << trials.toStdString();
    const QString flag = error("type: automl\ntask: classification\ntarget_column_name: y\ntraining_data: {type: mltable, path: ./src}\n"
                               "training:\n  enable_vote_ensemble: maybe\n");
    EXPECT_TRUE(flag.startsWith(QLatin1String("job.yml:6:25: training.enable_vote_ensemble: expected true or false, not 'maybe'")))
        << flag.toStdString();
    const QString metric = error("type: automl\ntask: classification\nprimary_metric: r2_score\n");
    EXPECT_TRUE(metric.startsWith(QLatin1String("job.yml:3:17: primary_metric: 'r2_score' is not one of accuracy, auc_weighted"))) << metric.toStdString();
    const QString list = error("command: echo\nenvironment: azureml:e:1\ntags: [a, b]\n");
    EXPECT_TRUE(list.startsWith(QLatin1String("job.yml:3:7: tags: expected a mapping of keys, not a list"))) << list.toStdString();
}

TEST_F(JobYaml, AMissingRequiredKeyIsNamed)
{
    QByteArray automl = fixture("automl-classification-bankmarketing.yml");
    automl.replace("target_column_name: \"y\"\n", "");
    const QString target = error(automl);
    EXPECT_TRUE(target.contains(QLatin1String("missing required key 'target_column_name'"))) << target.toStdString();
    EXPECT_TRUE(target.startsWith(QLatin1String("job.yml:4:1: "))) << target.toStdString(); // the job's first key
    const QString command = error("environment: azureml:env:1\ncompute: azureml:cpu\n");
    EXPECT_TRUE(command.startsWith(QLatin1String("job.yml:1:1: missing required key 'command'"))) << command.toStdString();
    const QString path = error("command: echo ${{inputs.d}}\nenvironment: azureml:e:1\ninputs:\n  d:\n    type: uri_file\n");
    EXPECT_TRUE(path.startsWith(QLatin1String("job.yml:5:5: inputs.d: missing required key 'path'"))) << path.toStdString();
    const QString jobs = error("type: pipeline\ninputs:\n  x: 1\n");
    EXPECT_TRUE(jobs.contains(QLatin1String("missing required key 'jobs'"))) << jobs.toStdString();
}

TEST_F(JobYaml, ABadBindingIsNamedWithItsStepAndLine)
{
    QByteArray io = fixture("hello-pipeline-io.yml");
    const QString step = error(QByteArray(io).replace("parent.jobs.hello_job.outputs", "parent.jobs.helo_job.outputs"));
    EXPECT_TRUE(step.startsWith(QLatin1String("job.yml:17:20: jobs.world_job.inputs.world_input: "
                                              "${{parent.jobs.helo_job.outputs.world_output}}: there is no other step 'helo_job'")))
        << step.toStdString();
    const QString output = error(QByteArray(io).replace("hello_job.outputs.world_output}}", "hello_job.outputs.world_out}}"));
    EXPECT_TRUE(output.contains(QLatin1String("step 'hello_job' has no output 'world_out'"))) << output.toStdString();
    const QString unclosed = error(QByteArray(io).replace("cat ${{inputs.world_input}}/world.txt", "cat ${{inputs.world_input/world.txt"));
    EXPECT_TRUE(unclosed.startsWith(QLatin1String("job.yml:13:14: jobs.world_job.command: '${{' without its closing '}}'")))
        << unclosed.toStdString();
    const QString own = error(QByteArray(io).replace("cat ${{inputs.world_input}}", "cat ${{inputs.world}}"));
    EXPECT_TRUE(own.contains(QLatin1String("jobs.world_job.command: ${{inputs.world}}: step 'world_job' has no input 'world'")))
        << own.toStdString();
    const QString parentInput = error(fixture("automl-pipeline.yml").replace("${{parent.inputs.classification_validate_data}}",
                                                                             "${{parent.inputs.classification_test_data}}"));
    EXPECT_TRUE(parentInput.contains(QLatin1String("jobs.preprocessing_node.inputs.validation_data: "
                                                   "${{parent.inputs.classification_test_data}}: the pipeline has no input "
                                                   "'classification_test_data'")))
        << parentInput.toStdString();
    const QString parentInCommand = error(QByteArray(io).replace("cat ${{inputs.world_input}}", "cat ${{parent.jobs.hello_job.outputs.world_output}}"));
    EXPECT_TRUE(parentInCommand.startsWith(QLatin1String("job.yml:13:14: jobs.world_job.command: "
                                                         "${{parent.jobs.hello_job.outputs.world_output}}: a command names its own")))
        << parentInCommand.toStdString();
    const QString outsidePipeline = error("command: echo ${{parent.inputs.x}}\nenvironment: azureml:e:1\n");
    EXPECT_TRUE(outsidePipeline.startsWith(QLatin1String("job.yml:1:10: command: ${{parent.inputs.x}}: only a pipeline's steps bind"))) << outsidePipeline.toStdString();
    const QString expression = error("command: echo ${{ inputs.x + 1 }}\nenvironment: azureml:e:1\ninputs: {x: 1}\n");
    EXPECT_TRUE(expression.contains(QLatin1String("'${{inputs.x + 1}}' is not a binding"))) << expression.toStdString();
}

TEST_F(JobYaml, AnUnsupportedTypeIsNamed)
{
    const QString sweep = error("$schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json\ntype: sweep\n");
    EXPECT_TRUE(sweep.startsWith(QLatin1String("job.yml:2:7: type: a job of type 'sweep' is not supported"))) << sweep.toStdString();
    const QString regression = error("type: automl\ntask: regression\n");
    EXPECT_TRUE(regression.startsWith(QLatin1String("job.yml:2:7: task: AutoML task 'regression' is not supported"))) << regression.toStdString();
    const QString step = error("type: pipeline\njobs:\n  s:\n    type: spark\n    entry: {file: a.py}\n");
    EXPECT_TRUE(step.startsWith(QLatin1String("job.yml:4:11: jobs.s.type: a step of type 'spark' is not supported"))) << step.toStdString();
    const QString component = error("type: pipeline\njobs:\n  s:\n    component: azureml:register_model:1\n");
    EXPECT_TRUE(component.startsWith(QLatin1String("job.yml:4:16: jobs.s.component: a registered component (azureml:register_model:1) "
                                                   "is not supported")))
        << component.toStdString();
}

TEST_F(JobYaml, MalformedFilesAreRefusedWithTheirPlace)
{
    const QString syntax = error("command: echo\nenvironment: [a,\n  b\n");
    EXPECT_TRUE(syntax.startsWith(QLatin1String("job.yml:"))) << syntax.toStdString();
    EXPECT_TRUE(syntax.contains(QLatin1String("not YAML"))) << syntax.toStdString();
    const QString twice = error("command: echo a\nenvironment: azureml:e:1\ncommand: echo b\n");
    EXPECT_TRUE(twice.startsWith(QLatin1String("job.yml:3:1: command: the key appears twice"))) << twice.toStdString();
    EXPECT_TRUE(error("").contains(QLatin1String("the file is empty")));
    const QString list = error("- command: echo\n");
    EXPECT_TRUE(list.contains(QLatin1String("expected a mapping of keys, not a list"))) << list.toStdString();
    const QString missing = error("command: echo\nenvironment: azureml:e:1\ncode: ./nowhere\n");
    EXPECT_TRUE(missing.startsWith(QLatin1String("job.yml:3:7: code: the local path './nowhere' does not exist"))) << missing.toStdString();
    const QString version = error("command: echo\nenvironment: azureml:myenv\n");
    EXPECT_TRUE(version.contains(QLatin1String("environment: 'azureml:myenv' does not name a version"))) << version.toStdString();
    // Names and versions are what Azure takes, so that the written file reads back the same.
    const QString colonInName = error("command: echo\nenvironment: azureml:azureMl:env@latest\n");
    EXPECT_TRUE(colonInName.startsWith(QLatin1String("job.yml:2:14: environment: 'azureMl:env' in 'azureml:azureMl:env@latest' is not an asset name")))
        << colonInName.toStdString();
    const QString badVersion = error("command: echo\nenvironment: azureml:e:1/versions/2\n");
    EXPECT_TRUE(badVersion.contains(QLatin1String("'1/versions/2' in 'azureml:e:1/versions/2' is not an asset version"))) << badVersion.toStdString();
    const QString local = error("command: echo\nenvironment: azureml:e:1\ncompute: local\n");
    EXPECT_TRUE(local.startsWith(QLatin1String("job.yml:3:10: compute: 'local'"))) << local.toStdString();
    // Bytes that are not UTF-8 (Latin-1, a stray byte) anywhere, even in a comment: the body sent is JSON.
    const QString latin1 = error("command: echo caf\xe9\nenvironment: azureml:e:1\n");
    EXPECT_TRUE(latin1.startsWith(QLatin1String("job.yml:1:18: not UTF-8 text (byte 0xe9)"))) << latin1.toStdString();
    const QString comment = error("command: echo\nenvironment: azureml:e:1\n# \x80\n");
    EXPECT_TRUE(comment.startsWith(QLatin1String("job.yml:3:3: not UTF-8 text (byte 0x80)"))) << comment.toStdString();
    // Aliases that expand to a billion values, or into themselves, are refused before being expanded.
    QByteArray laughs = "type: pipeline\nsettings:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (char level = 'b'; level <= 'j'; ++level) {
        const QByteArray previous = QByteArray("*") + char(level - 1);
        laughs += QByteArray("  ") + level + ": &" + level + " [" + previous + QByteArray(", " + previous).repeated(9) + "]\n";
    }
    laughs += "jobs: {s: {command: echo}}\n";
    const QString expanded = error(laughs);
    EXPECT_TRUE(expanded.contains(QLatin1String("the file stands for more than 100000 values"))) << expanded.toStdString();
    const QString itself = error("type: pipeline\nsettings: &s {x: *s}\njobs: {}\n");
    EXPECT_TRUE(itself.contains(QLatin1String("nested more than 64 deep"))) << itself.toStdString();
    QFile component(dir.filePath(QStringLiteral("components/component_register_model.yaml")));
    ASSERT_TRUE(component.open(QIODevice::WriteOnly | QIODevice::Truncate));
    component.write("type: command\ncommand: echo \xc3\n");
    component.close();
    const QString inComponent = error(fixture("automl-components-pipeline.yml"));
    EXPECT_TRUE(inComponent.startsWith(component.fileName() + QStringLiteral(":2:15: not UTF-8 text (byte 0xc3)"))) << inComponent.toStdString();
}

TEST_F(JobYaml, OnlyJobsThatHaveYamlAreWritten)
{
    EXPECT_FALSE(writeJobYaml(R"({"properties":{"jobType":"Sweep"}})"));
    EXPECT_FALSE(writeJobYaml(R"({"properties":{"jobType":"AutoML","taskDetails":{"taskType":"ImageClassification"}}})"));
    EXPECT_FALSE(writeJobYaml("not json"));
    // A body or its properties.
    EXPECT_TRUE(writeJobYaml(R"({"jobType":"Command","command":"echo","environmentId":"x"})"));
}

TEST_F(JobYaml, StringsThatLookLikeOtherThingsStayStrings)
{
    // Literal values and names YAML would read as numbers, booleans or null, multi-line commands
    // with and without a final newline, and leading spaces: written so they read back the same.
    const json p{{"jobType", "Command"},
                 {"command", "echo a\n  b"},
                 {"environmentId", inWs("/environments/e/versions/1")},
                 {"limits", {{"jobLimitsType", "Command"}}},
                 {"displayName", "yes"},
                 {"description", " lead"},
                 {"tags", {{"n", "null"}, {"v", "1.0"}, {"t", "true"}, {"y", "y"}, {"empty", ""}, {"tab", "a\tb"}}},
                 {"inputs", {{"a", {{"jobInputType", "literal"}, {"value", "007"}}},
                             {"b", {{"jobInputType", "literal"}, {"value", "on"}}},
                             {"c", {{"jobInputType", "literal"}, {"value", "line\nline\n"}}}}}};
    const auto yaml = writeJobYaml(QByteArray::fromStdString(p.dump()));
    ASSERT_TRUE(yaml);
    EXPECT_EQ(parse(ok(yaml.value()).properties), p) << yaml->toStdString();
}
