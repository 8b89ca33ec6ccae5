// az ml job YAML <-> Jobs_CreateOrUpdate bodies (job_yaml.h).
//
// The keys and enums follow the Azure ML CLI v2 schemas (commandJob, autoMLJob, pipelineJob)
// and what azure-ai-ml sends for them: table-driven where a YAML key maps one to one onto a REST
// key, by hand where the shapes differ (inputs, outputs, compute and asset references).

#include "core/azure/job_yaml.h"

#include "core/azure/json_util.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <set>
#include <span>
#include <string>
#include <vector>

namespace cerulean::azure {

namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;
using detail::member;

const char *const schemaBase = "https://azuremlschemas.azureedge.net/latest/";
const char *const anonymousEnvironment = "CliV2AnonymousEnvironment";
// How a job file marks references: azureml:NAME, file:PATH, NAME@latest, ${{…}}.
const QLatin1String azureml("azureml:");
const QLatin1String filePrefix("file:");
const QLatin1String atLatest("@latest");
const QLatin1String bindingOpen("${{");
const QLatin1String bindingClose("}}");

QString qs(const std::string &text) { return QString::fromStdString(text); }
std::string ss(const QString &text) { return text.toStdString(); }
QString child(const QString &path, const QString &key) { return path.isEmpty() ? key : path + QLatin1Char('.') + key; }

// ---------------------------------------------------------------------------------------------
// Errors: thrown inside the reader, turned into one AzureError at its boundary.

struct YamlFailure
{
    int line = 0, column = 0; // 1-based; 0 when the place is unknown
    QString path;
    QString message;
    QString file; // a component file the job reads; empty: the job's own
};

[[noreturn]] void fail(const YAML::Mark &mark, const QString &path, const QString &message)
{
    throw YamlFailure{mark.is_null() ? 0 : mark.line + 1, mark.is_null() ? 0 : mark.column + 1, path, message, {}};
}

// Anchors and aliases share one node, so a few lines can stand for billions of values once
// expanded (as the reader expands them into JSON), and `&a [*a]` for a value that contains
// itself. az ml's job files hold a few hundred values, a few levels deep.
constexpr int maxValues = 100'000;
constexpr int maxDepth = 64;

void checkSize(const YAML::Node &node, int depth, int &values, const QString &file)
{
    const auto refuse = [&](const QString &message) {
        throw YamlFailure{node.Mark().line + 1, node.Mark().column + 1, QString(), message, file};
    };
    if (++values > maxValues)
        refuse(QStringLiteral("the file stands for more than %1 values (through anchors and aliases)").arg(maxValues));
    if (depth > maxDepth)
        refuse(QStringLiteral("values nested more than %1 deep (or an alias inside its own anchor)").arg(maxDepth));
    if (node.IsMap())
        for (auto it = node.begin(); it != node.end(); ++it) {
            checkSize(it->first, depth + 1, values, file);
            checkSize(it->second, depth + 1, values, file);
        }
    else if (node.IsSequence())
        for (const YAML::Node &item : node)
            checkSize(item, depth + 1, values, file);
}

// The text of a job or component file as a YAML document. yaml-cpp hands bytes through as they
// are, and JSON (so the body sent) takes only UTF-8: a file that is not UTF-8 is refused at the
// first byte that is not, before anything is read from it.
YAML::Node loadYaml(const QByteArray &text, const QString &file)
{
    const QByteArray valid = QString::fromUtf8(text).toUtf8();
    if (valid != text) {
        qsizetype at = 0;
        while (at < text.size() && at < valid.size() && text[at] == valid[at])
            ++at;
        const qsizetype lineStart = text.lastIndexOf('\n', at - 1) + 1;
        throw YamlFailure{int(text.left(at).count('\n')) + 1, int(at - lineStart) + 1, QString(),
                          QStringLiteral("not UTF-8 text (byte 0x%1)").arg(quint8(text[at]), 2, 16, QLatin1Char('0')), file};
    }
    YAML::Node root = YAML::Load(text.toStdString());
    int values = 0;
    checkSize(root, 0, values, file);
    return root;
}

QString describe(const YAML::Node &node)
{
    if (!node || node.IsNull())
        return QStringLiteral("an empty value");
    if (node.IsMap())
        return QStringLiteral("a mapping");
    if (node.IsSequence())
        return QStringLiteral("a list");
    QString text = qs(node.Scalar());
    constexpr qsizetype shown = 40;
    if (text.size() > shown)
        text = text.left(shown) + QStringLiteral("…");
    return QLatin1Char('\'') + text + QLatin1Char('\'');
}

// ---------------------------------------------------------------------------------------------
// Scalars as YAML 1.1 (what az ml's PyYAML reads) resolves plain ones; quoted ones are strings.

bool isQuoted(const YAML::Node &node) { return node.Tag() == "!"; }

const QRegularExpression &intPattern()
{
    static const QRegularExpression re(QStringLiteral("^[-+]?[0-9]+$"));
    return re;
}

const QRegularExpression &floatPattern()
{
    static const QRegularExpression re(QStringLiteral("^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$"));
    return re;
}

std::optional<bool> boolWord(const QString &text)
{
    static const QStringList yes{QStringLiteral("true"), QStringLiteral("yes"), QStringLiteral("on")};
    static const QStringList no{QStringLiteral("false"), QStringLiteral("no"), QStringLiteral("off")};
    const QString lower = text.toLower();
    // PyYAML takes true/True/TRUE, not tRuE.
    if (text != lower && text != text.toUpper() && text != lower.left(1).toUpper() + lower.mid(1))
        return std::nullopt;
    if (yes.contains(lower))
        return true;
    if (no.contains(lower))
        return false;
    return std::nullopt;
}

bool nullWord(const QString &text)
{
    return text.isEmpty() || text == QLatin1String("~") || text == QLatin1String("null") || text == QLatin1String("Null") ||
           text == QLatin1String("NULL");
}

// Any YAML value as JSON, for the parts kept as written (pipeline steps, free-form settings).
json toJson(const YAML::Node &node, const QString &path)
{
    if (!node || node.IsNull())
        return nullptr;
    if (node.IsMap()) {
        json out = json::object();
        for (auto it = node.begin(); it != node.end(); ++it) {
            const std::string key = it->first.Scalar();
            if (out.contains(key))
                fail(it->first.Mark(), child(path, qs(key)), QStringLiteral("the key appears twice"));
            out[key] = toJson(it->second, child(path, qs(key)));
        }
        return out;
    }
    if (node.IsSequence()) {
        json out = json::array();
        int index = 0;
        for (const YAML::Node &item : node)
            out.push_back(toJson(item, path + QStringLiteral("[%1]").arg(index++)));
        return out;
    }
    const QString text = qs(node.Scalar());
    if (isQuoted(node))
        return ss(text);
    if (nullWord(text))
        return nullptr;
    if (const auto b = boolWord(text))
        return *b;
    if (intPattern().match(text).hasMatch()) {
        bool ok = false;
        const qlonglong v = text.toLongLong(&ok);
        if (ok)
            return static_cast<long long>(v);
    }
    if (floatPattern().match(text).hasMatch())
        return text.toDouble();
    return ss(text);
}

// ---------------------------------------------------------------------------------------------
// A mapping being read: each key taken once, the rest refused by name.

class Mapping final
{
public:
    Mapping(const YAML::Node &node, QString path) : m_node(node), m_path(std::move(path))
    {
        if (!node.IsMap())
            fail(node.Mark(), m_path.isEmpty() ? QStringLiteral("(top)") : m_path,
                 QStringLiteral("expected a mapping of keys, not %1").arg(describe(node)));
        for (auto it = node.begin(); it != node.end(); ++it) {
            const std::string key = it->first.Scalar();
            for (const Entry &e : m_entries)
                if (e.key == key)
                    fail(it->first.Mark(), child(m_path, qs(key)), QStringLiteral("the key appears twice"));
            m_entries.push_back(Entry{key, it->first.Mark(), it->second, false});
        }
    }

    const QString &path() const { return m_path; }
    QString at(const char *key) const { return child(m_path, QString::fromLatin1(key)); }
    YAML::Mark mark() const { return m_node.Mark(); }

    // The value of `key`, which the mapping may have.
    std::optional<YAML::Node> take(const char *key)
    {
        m_known.insert(key);
        for (Entry &e : m_entries)
            if (e.key == key) {
                e.used = true;
                return e.value;
            }
        return std::nullopt;
    }
    bool has(const char *key) const
    {
        for (const Entry &e : m_entries)
            if (e.key == key)
                return true;
        return false;
    }
    // The value of `key`, which the mapping must have.
    YAML::Node need(const char *key, const QString &what = {})
    {
        if (auto value = take(key); value && !value->IsNull())
            return *value;
        fail(m_node.Mark(), m_path, QStringLiteral("missing required key '%1'%2").arg(QString::fromLatin1(key), what));
    }
    // Every key no take() asked for is an error: a misspelt key must not pass for a default.
    void rejectOthers() const
    {
        for (const Entry &e : m_entries) {
            if (e.used)
                continue;
            QStringList known;
            for (const std::string &k : m_known)
                known << qs(k);
            fail(e.keyMark, child(m_path, qs(e.key)),
                 QStringLiteral("unknown key '%1'; %2 takes %3")
                     .arg(qs(e.key), m_path.isEmpty() ? QStringLiteral("the job") : QStringLiteral("'%1'").arg(m_path),
                          known.join(QStringLiteral(", "))));
        }
    }

private:
    struct Entry
    {
        std::string key;
        YAML::Mark keyMark;
        YAML::Node value;
        bool used = false;
    };
    YAML::Node m_node;
    QString m_path;
    std::vector<Entry> m_entries;
    std::set<std::string> m_known;
};

// ---------------------------------------------------------------------------------------------
// Bindings: ${{parent.inputs.X}}, ${{parent.outputs.X}}, ${{parent.jobs.STEP.outputs.X}}, and
// inside a command, ${{inputs.X}} and ${{outputs.X}}.

struct Binding
{
    QStringList parts; // "parent", "inputs", "x"
};

// The bindings in `text`; a `${{` without its `}}` is an error.
std::vector<Binding> bindingsIn(const QString &text, const YAML::Mark &mark, const QString &path)
{
    std::vector<Binding> out;
    qsizetype from = 0;
    for (;;) {
        const qsizetype open = text.indexOf(bindingOpen, from);
        if (open < 0)
            return out;
        const qsizetype start = open + bindingOpen.size();
        const qsizetype close = text.indexOf(bindingClose, start);
        if (close < 0)
            fail(mark, path, QStringLiteral("'${{' without its closing '}}' in '%1'").arg(text));
        const QString expression = text.mid(start, close - start).trimmed();
        static const QRegularExpression shape(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$"));
        if (!shape.match(expression).hasMatch())
            fail(mark, path, QStringLiteral("'${{%1}}' is not a binding (write ${{parent.inputs.NAME}} or "
                                            "${{parent.jobs.STEP.outputs.NAME}})")
                                 .arg(expression));
        out.push_back(Binding{expression.split(QLatin1Char('.'))});
        from = close + bindingClose.size();
    }
}

bool isBinding(const QString &text)
{
    const QString t = text.trimmed();
    return t.startsWith(bindingOpen) && t.endsWith(bindingClose);
}

// What a step's bindings may name: the pipeline's inputs and outputs, its steps and theirs.
struct PipelineScope
{
    std::set<QString> inputs, outputs;
    // Step -> its declared outputs; nothing for a step whose outputs are not all declared
    // (AutoML's best_model).
    std::map<QString, std::optional<std::set<QString>>> stepOutputs;
    QString step;                                     // the step being read
    std::set<QString> ownInputs, ownOutputs;          // its own, for ${{inputs.X}} in its command
    bool checkOwn = false;
};

void checkBinding(const Binding &b, const PipelineScope *scope, const YAML::Mark &mark, const QString &path)
{
    const QStringList &p = b.parts;
    const QString written = QStringLiteral("${{%1}}").arg(p.join(QLatin1Char('.')));
    if (p.value(0) == QLatin1String("parent")) {
        if (!scope)
            fail(mark, path, QStringLiteral("%1: only a pipeline's steps bind to a parent").arg(written));
        if (p.size() == 3 && p[1] == QLatin1String("inputs")) {
            if (!scope->inputs.count(p[2]))
                fail(mark, path, QStringLiteral("%1: the pipeline has no input '%2'").arg(written, p[2]));
            return;
        }
        if (p.size() == 3 && p[1] == QLatin1String("outputs")) {
            if (!scope->outputs.count(p[2]))
                fail(mark, path, QStringLiteral("%1: the pipeline has no output '%2'").arg(written, p[2]));
            return;
        }
        if (p.size() == 5 && p[1] == QLatin1String("jobs") && p[3] == QLatin1String("outputs")) {
            const auto step = scope->stepOutputs.find(p[2]);
            if (step == scope->stepOutputs.end() || p[2] == scope->step)
                fail(mark, path, QStringLiteral("%1: there is no other step '%2'").arg(written, p[2]));
            if (step->second && !step->second->count(p[4]))
                fail(mark, path, QStringLiteral("%1: step '%2' has no output '%3'").arg(written, p[2], p[4]));
            return;
        }
        fail(mark, path, QStringLiteral("%1 is not a binding a pipeline understands (parent.inputs.NAME, "
                                        "parent.outputs.NAME or parent.jobs.STEP.outputs.NAME)")
                             .arg(written));
    }
    if (p.size() == 2 && (p[0] == QLatin1String("inputs") || p[0] == QLatin1String("outputs"))) {
        if (!scope || !scope->checkOwn)
            return;
        const bool input = p[0] == QLatin1String("inputs");
        if (!(input ? scope->ownInputs : scope->ownOutputs).count(p[1]))
            fail(mark, path, QStringLiteral("%1: %2 has no %3 '%4'")
                                 .arg(written, scope->step.isEmpty() ? QStringLiteral("the job") : QStringLiteral("step '%1'").arg(scope->step),
                                      input ? QStringLiteral("input") : QStringLiteral("output"), p[1]));
        return;
    }
    fail(mark, path, QStringLiteral("%1 is not a binding (write ${{inputs.NAME}}, ${{outputs.NAME}} or "
                                    "${{parent.…}} in a pipeline step)")
                         .arg(written));
}

// Checks every binding in every string under `node`.
void checkBindings(const YAML::Node &node, const QString &path, const PipelineScope *scope)
{
    if (!node || node.IsNull())
        return;
    if (node.IsMap()) {
        for (auto it = node.begin(); it != node.end(); ++it)
            checkBindings(it->second, child(path, qs(it->first.Scalar())), scope);
    } else if (node.IsSequence()) {
        int index = 0;
        for (const YAML::Node &item : node)
            checkBindings(item, path + QStringLiteral("[%1]").arg(index++), scope);
    } else {
        for (const Binding &b : bindingsIn(qs(node.Scalar()), node.Mark(), path))
            checkBinding(b, scope, node.Mark(), path);
    }
}

// ---------------------------------------------------------------------------------------------
// Field tables: one YAML key, one REST key, one conversion.

struct Choice
{
    const char *yaml;
    const char *rest;
};

enum class Kind
{
    Text,
    Whole,
    Number,
    Flag,
    TextMap,    // string -> string (or null)
    TextList,
    AnyMap,     // kept as written
    Minutes,    // whole minutes <-> ISO 8601 duration
    Seconds,    // whole seconds <-> ISO 8601 duration
    Pick,       // one of `choices`
    PickList,   // a list of `choices`
};

struct Field
{
    const char *yaml;
    const char *rest;
    Kind kind;
    std::span<const Choice> choices = {};
};

// REST enums and how the YAML writes them (azure-ai-ml: camel_to_snake of the REST value).
constexpr Choice logVerbosities[] = {{"not_set", "NotSet"}, {"debug", "Debug"}, {"info", "Info"},
                                     {"warning", "Warning"}, {"error", "Error"}, {"critical", "Critical"}};
constexpr Choice classificationMetrics[] = {{"accuracy", "Accuracy"},
                                            {"auc_weighted", "AUCWeighted"},
                                            {"norm_macro_recall", "NormMacroRecall"},
                                            {"average_precision_score_weighted", "AveragePrecisionScoreWeighted"},
                                            {"precision_score_weighted", "PrecisionScoreWeighted"}};
constexpr Choice classificationModels[] = {
    {"logistic_regression", "LogisticRegression"}, {"sgd", "SGD"},
    {"multinomial_naive_bayes", "MultinomialNaiveBayes"}, {"bernoulli_naive_bayes", "BernoulliNaiveBayes"},
    {"svm", "SVM"}, {"linear_svm", "LinearSVM"}, {"knn", "KNN"}, {"decision_tree", "DecisionTree"},
    {"random_forest", "RandomForest"}, {"extreme_random_trees", "ExtremeRandomTrees"}, {"light_gbm", "LightGBM"},
    {"gradient_boosting", "GradientBoosting"}, {"xg_boost_classifier", "XGBoostClassifier"}};
constexpr Choice blockedTransformers[] = {
    {"text_target_encoder", "TextTargetEncoder"}, {"one_hot_encoder", "OneHotEncoder"},
    {"cat_target_encoder", "CatTargetEncoder"}, {"tf_idf", "TfIdf"}, {"wo_e_target_encoder", "WoETargetEncoder"},
    {"label_encoder", "LabelEncoder"}, {"word_embedding", "WordEmbedding"}, {"naive_bayes", "NaiveBayes"},
    {"count_vectorizer", "CountVectorizer"}, {"hash_one_hot_encoder", "HashOneHotEncoder"}};
constexpr Choice transformerParameterKeys[] = {
    {"imputer", "Imputer"}, {"tf_idf", "TfIdf"}, {"hash_one_hot_encoder", "HashOneHotEncoder"}};
// The client's other AutoML bodies send these two lower-case, as the ARM quickstart template does.
constexpr Choice featurizationModes[] = {{"auto", "auto"}, {"custom", "custom"}, {"off", "off"}};
constexpr Choice stackMetaLearners[] = {
    {"none", "None"}, {"logistic_regression", "LogisticRegression"}, {"logistic_regression_cv", "LogisticRegressionCV"},
    {"light_gbm_classifier", "LightGBMClassifier"}, {"elastic_net", "ElasticNet"}, {"elastic_net_cv", "ElasticNetCV"},
    {"light_gbm_regressor", "LightGBMRegressor"}, {"linear_regression", "LinearRegression"}};
constexpr Choice trainingModes[] = {{"auto", "Auto"}, {"distributed", "Distributed"}, {"non_distributed", "NonDistributed"}};
constexpr Choice jobTiers[] = {{"null", "Null"}, {"spot", "Spot"}, {"basic", "Basic"}, {"standard", "Standard"},
                               {"premium", "Premium"}};
constexpr Choice inputModes[] = {{"ro_mount", "ReadOnlyMount"}, {"rw_mount", "ReadWriteMount"}, {"download", "Download"},
                                 {"direct", "Direct"}, {"eval_mount", "EvalMount"}, {"eval_download", "EvalDownload"}};
constexpr Choice outputModes[] = {{"rw_mount", "ReadWriteMount"}, {"upload", "Upload"}, {"direct", "Direct"}};
constexpr Choice dataTypes[] = {{"uri_file", "uri_file"},       {"uri_folder", "uri_folder"},
                                {"mltable", "mltable"},         {"custom_model", "custom_model"},
                                {"mlflow_model", "mlflow_model"}, {"triton_model", "triton_model"}};
constexpr Choice distributions[] = {{"pytorch", "PyTorch"}, {"mpi", "Mpi"}, {"tensorflow", "TensorFlow"}};
constexpr Choice identities[] = {{"user_identity", "UserIdentity"}, {"managed", "Managed"}, {"aml_token", "AMLToken"}};
constexpr Choice osTypes[] = {{"linux", "Linux"}, {"windows", "Windows"}};

// Written either way ("gradient_boosting", "GradientBoosting"), compared without case or '_'.
QString squashed(QString text) { return text.remove(QLatin1Char('_')).toLower(); }

const Choice *findYaml(std::span<const Choice> choices, const QString &text)
{
    for (const Choice &c : choices)
        if (squashed(QString::fromLatin1(c.yaml)) == squashed(text) || squashed(QString::fromLatin1(c.rest)) == squashed(text))
            return &c;
    return nullptr;
}

QString choiceNames(std::span<const Choice> choices)
{
    QStringList names;
    for (const Choice &c : choices)
        names << QString::fromLatin1(c.yaml);
    return names.join(QStringLiteral(", "));
}

// "PT3H", "PT20M", "PT1H30M5S" (what isodate writes for azure-ai-ml).
QString isoDuration(long long seconds)
{
    if (seconds <= 0)
        return QStringLiteral("PT0S");
    constexpr long long hour = 3600, minute = 60;
    QString out = QStringLiteral("PT");
    if (seconds >= hour)
        out += QString::number(seconds / hour) + QLatin1Char('H');
    if (seconds % hour >= minute)
        out += QString::number(seconds % hour / minute) + QLatin1Char('M');
    if (seconds % minute)
        out += QString::number(seconds % minute) + QLatin1Char('S');
    return out;
}

std::optional<long long> durationSeconds(const QString &iso)
{
    static const QRegularExpression re(QStringLiteral("^P(?:(\\d+)D)?(?:T(?:(\\d+)H)?(?:(\\d+)M)?(?:(\\d+(?:\\.\\d+)?)S)?)?$"));
    const auto m = re.match(iso.trimmed());
    if (!m.hasMatch() || iso.trimmed() == QLatin1String("P") || iso.trimmed() == QLatin1String("PT"))
        return std::nullopt;
    constexpr long long day = 86400, hour = 3600, minute = 60;
    return m.captured(1).toLongLong() * day + m.captured(2).toLongLong() * hour + m.captured(3).toLongLong() * minute +
           static_cast<long long>(m.captured(4).toDouble());
}

// ---------------------------------------------------------------------------------------------
// The reader: a file's YAML to the REST body.

class Reader final
{
public:
    explicit Reader(const JobYamlContext &context) : m_context(context) {}

    JobDefinition read(const YAML::Node &root);

private:
    // A scalar that may be a ${{…}} binding (in a pipeline step) instead of its type.
    bool binding(const YAML::Node &value) const { return m_inStep && value.IsScalar() && isBinding(qs(value.Scalar())); }

    QString text(const YAML::Node &value, const QString &path) const
    {
        if (!value.IsScalar())
            fail(value.Mark(), path, QStringLiteral("expected a string, not %1").arg(describe(value)));
        return qs(value.Scalar());
    }
    json typed(const YAML::Node &value, const QString &path, const Field &field) const;
    json readFields(Mapping &map, std::span<const Field> fields) const;
    json textMap(const YAML::Node &value, const QString &path) const;

    QString computeId(const YAML::Node &value, const QString &path) const;
    QString assetReference(const YAML::Node &value, const QString &path, const QString &collection,
                           QString *latest = nullptr) const;
    QString localPath(const YAML::Node &value, const QString &path, bool folderOnly = false);
    QString dataPath(const YAML::Node &value, const QString &path);
    json input(const YAML::Node &value, const QString &path);
    json inputs(const YAML::Node &value, const QString &path);
    json output(const YAML::Node &value, const QString &path) const;
    json outputs(const YAML::Node &value, const QString &path) const;
    json identity(const YAML::Node &value, const QString &path) const;
    json mltable(const YAML::Node &value, const QString &path);

    void common(Mapping &map, json &properties) const;
    json autoMLTask(Mapping &map);
    void readAutoML(Mapping &map, json &properties);
    void readCommand(Mapping &map, json &properties);
    void readPipeline(Mapping &map, json &properties);
    InlineEnvironment inlineEnvironment(const YAML::Node &value, const QString &path);
    json step(const QString &name, const YAML::Node &value, PipelineScope &scope);
    void inlineComponent(const YAML::Node &reference, const QString &path, json &node, PipelineScope &scope);

    const JobYamlContext &m_context;
    JobDefinition m_job;
    bool m_inStep = false;
};

// Keys every job type takes, besides its own.
constexpr Field commonFields[] = {{"display_name", "displayName", Kind::Text},
                                  {"experiment_name", "experimentName", Kind::Text},
                                  {"description", "description", Kind::Text},
                                  {"tags", "tags", Kind::TextMap},
                                  {"properties", "properties", Kind::TextMap}};
constexpr Field classificationFields[] = {
    {"log_verbosity", "logVerbosity", Kind::Pick, logVerbosities},
    {"primary_metric", "primaryMetric", Kind::Pick, classificationMetrics},
    {"positive_label", "positiveLabel", Kind::Text},
    {"target_column_name", "targetColumnName", Kind::Text},
    {"validation_data_size", "validationDataSize", Kind::Number},
    {"test_data_size", "testDataSize", Kind::Number},
    {"cv_split_column_names", "cvSplitColumnNames", Kind::TextList},
    {"weight_column_name", "weightColumnName", Kind::Text}};
constexpr Field limitFields[] = {{"enable_early_termination", "enableEarlyTermination", Kind::Flag},
                                 {"exit_score", "exitScore", Kind::Number},
                                 {"max_concurrent_trials", "maxConcurrentTrials", Kind::Whole},
                                 {"max_cores_per_trial", "maxCoresPerTrial", Kind::Whole},
                                 {"max_nodes", "maxNodes", Kind::Whole},
                                 {"max_trials", "maxTrials", Kind::Whole},
                                 {"timeout_minutes", "timeout", Kind::Minutes},
                                 {"trial_timeout_minutes", "trialTimeout", Kind::Minutes}};
constexpr Field trainingFields[] = {{"enable_dnn_training", "enableDnnTraining", Kind::Flag},
                                    {"enable_model_explainability", "enableModelExplainability", Kind::Flag},
                                    {"enable_onnx_compatible_models", "enableOnnxCompatibleModels", Kind::Flag},
                                    {"enable_stack_ensemble", "enableStackEnsemble", Kind::Flag},
                                    {"enable_vote_ensemble", "enableVoteEnsemble", Kind::Flag},
                                    {"ensemble_model_download_timeout", "ensembleModelDownloadTimeout", Kind::Minutes},
                                    {"training_mode", "trainingMode", Kind::Pick, trainingModes},
                                    {"allowed_training_algorithms", "allowedTrainingAlgorithms", Kind::PickList, classificationModels},
                                    {"blocked_training_algorithms", "blockedTrainingAlgorithms", Kind::PickList, classificationModels}};
constexpr Field stackEnsembleFields[] = {{"stack_meta_learner_kwargs", "stackMetaLearnerKWargs", Kind::AnyMap},
                                         {"stack_meta_learner_train_percentage", "stackMetaLearnerTrainPercentage", Kind::Number},
                                         {"stack_meta_learner_type", "stackMetaLearnerType", Kind::Pick, stackMetaLearners}};
constexpr Field featurizationFields[] = {{"mode", "mode", Kind::Pick, featurizationModes},
                                         {"blocked_transformers", "blockedTransformers", Kind::PickList, blockedTransformers},
                                         {"column_name_and_types", "columnNameAndTypes", Kind::TextMap},
                                         {"dataset_language", "datasetLanguage", Kind::Text},
                                         {"enable_dnn_featurization", "enableDnnFeaturization", Kind::Flag}};
constexpr Field resourceFields[] = {{"instance_count", "instanceCount", Kind::Whole},
                                    {"instance_type", "instanceType", Kind::Text},
                                    {"shm_size", "shmSize", Kind::Text},
                                    {"docker_args", "dockerArgs", Kind::Text},
                                    {"locations", "locations", Kind::TextList},
                                    {"max_instance_count", "maxInstanceCount", Kind::Whole},
                                    {"properties", "properties", Kind::AnyMap}};
constexpr Field queueFields[] = {{"job_tier", "jobTier", Kind::Pick, jobTiers}};
constexpr Field distributionFields[] = {{"type", "distributionType", Kind::Pick, distributions},
                                        {"process_count_per_instance", "processCountPerInstance", Kind::Whole},
                                        {"worker_count", "workerCount", Kind::Whole},
                                        {"parameter_server_count", "parameterServerCount", Kind::Whole}};
constexpr Field inputFields[] = {{"mode", "mode", Kind::Pick, inputModes}, {"description", "description", Kind::Text}};
constexpr Field outputFields[] = {{"mode", "mode", Kind::Pick, outputModes},
                                  {"name", "assetName", Kind::Text},
                                  {"version", "assetVersion", Kind::Text},
                                  {"description", "description", Kind::Text}};
constexpr Field environmentFields[] = {{"image", "image", Kind::Text},
                                       {"description", "description", Kind::Text},
                                       {"tags", "tags", Kind::TextMap},
                                       {"os_type", "osType", Kind::Pick, osTypes}};

json Reader::typed(const YAML::Node &value, const QString &path, const Field &field) const
{
    if (binding(value))
        return ss(qs(value.Scalar()).trimmed());
    const auto scalar = [&](const char *what) {
        if (!value.IsScalar())
            fail(value.Mark(), path, QStringLiteral("expected %1, not %2").arg(QLatin1String(what), describe(value)));
        return qs(value.Scalar()).trimmed();
    };
    switch (field.kind) {
    case Kind::Text:
        return ss(text(value, path));
    case Kind::Whole: {
        const QString t = scalar("a whole number");
        bool ok = false;
        const qlonglong v = t.toLongLong(&ok);
        if (!ok || !intPattern().match(t).hasMatch())
            fail(value.Mark(), path, QStringLiteral("expected a whole number, not %1").arg(describe(value)));
        return static_cast<long long>(v);
    }
    case Kind::Number: {
        const QString t = scalar("a number");
        if (!floatPattern().match(t).hasMatch())
            fail(value.Mark(), path, QStringLiteral("expected a number, not %1").arg(describe(value)));
        return t.toDouble();
    }
    case Kind::Flag: {
        const QString t = scalar("true or false");
        const auto b = boolWord(t);
        if (!b)
            fail(value.Mark(), path, QStringLiteral("expected true or false, not %1").arg(describe(value)));
        return *b;
    }
    case Kind::Minutes:
    case Kind::Seconds: {
        const QString t = scalar("a whole number");
        bool ok = false;
        const qlonglong v = t.toLongLong(&ok);
        if (!ok || v < 0 || !intPattern().match(t).hasMatch())
            fail(value.Mark(), path,
                 QStringLiteral("expected a whole number of %1, not %2")
                     .arg(field.kind == Kind::Minutes ? QStringLiteral("minutes") : QStringLiteral("seconds"), describe(value)));
        constexpr long long minute = 60;
        return ss(isoDuration(field.kind == Kind::Minutes ? v * minute : v));
    }
    case Kind::Pick: {
        const QString t = scalar("one of the allowed values");
        const Choice *c = findYaml(field.choices, t);
        if (!c)
            fail(value.Mark(), path, QStringLiteral("%1 is not one of %2").arg(describe(value), choiceNames(field.choices)));
        return c->rest;
    }
    case Kind::PickList:
    case Kind::TextList: {
        if (!value.IsSequence())
            fail(value.Mark(), path, QStringLiteral("expected a list, not %1").arg(describe(value)));
        json out = json::array();
        int index = 0;
        for (const YAML::Node &item : value) {
            const QString itemPath = path + QStringLiteral("[%1]").arg(index++);
            out.push_back(typed(item, itemPath,
                                Field{field.yaml, field.rest, field.kind == Kind::PickList ? Kind::Pick : Kind::Text,
                                      field.choices}));
        }
        return out;
    }
    case Kind::TextMap:
        return textMap(value, path);
    case Kind::AnyMap:
        if (!value.IsMap())
            fail(value.Mark(), path, QStringLiteral("expected a mapping, not %1").arg(describe(value)));
        return toJson(value, path);
    }
    return nullptr;
}

json Reader::textMap(const YAML::Node &value, const QString &path) const
{
    Mapping map(value, path);
    json out = json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
        const std::string key = it->first.Scalar();
        map.take(key.c_str());
        const YAML::Node v = it->second;
        if (v.IsNull())
            out[key] = nullptr;
        else
            out[key] = ss(text(v, child(path, qs(key))));
    }
    return out;
}

json Reader::readFields(Mapping &map, std::span<const Field> fields) const
{
    json out = json::object();
    for (const Field &f : fields)
        if (auto value = map.take(f.yaml); value && !value->IsNull())
            out[f.rest] = typed(*value, map.at(f.yaml), f);
    return out;
}

// azureml:cpu, cpu or an ARM id -> the workspace's compute ARM id.
QString Reader::computeId(const YAML::Node &value, const QString &path) const
{
    QString name = text(value, path).trimmed();
    if (name.startsWith(azureml))
        name = name.mid(azureml.size());
    if (name.startsWith(QLatin1Char('/')))
        return name;
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$"));
    if (name == QLatin1String("local"))
        fail(value.Mark(), path, QStringLiteral("'local' means az ml's own docker runs; name a compute of the workspace "
                                                "(azureml:NAME)"));
    if (!valid.match(name).hasMatch())
        fail(value.Mark(), path, QStringLiteral("%1 is not a compute name (azureml:NAME or an ARM id)").arg(describe(value)));
    return m_context.workspace.armId() + QStringLiteral("/computes/") + name;
}

// azureml:NAME:VERSION, azureml:NAME@latest (the name goes to *latest), azureml:<ARM id>, an ARM
// id or a registry asset (azureml://registries/…) -> what the REST body names it by.
QString Reader::assetReference(const YAML::Node &value, const QString &path, const QString &collection, QString *latest) const
{
    const QString written = text(value, path).trimmed();
    QString ref = written;
    if (ref.startsWith(QLatin1String("azureml://")))
        return ref;
    if (ref.startsWith(azureml))
        ref = ref.mid(azureml.size());
    if (ref.startsWith(QLatin1Char('/')))
        return ref;
    // What Azure ML takes as an asset's name or version ("AzureML-sklearn-0.24-ubuntu18.04-py37-cpu", "3").
    static const QRegularExpression assetName(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$"));
    const auto checked = [&](const QString &part, const char *what) {
        if (!assetName.match(part).hasMatch())
            fail(value.Mark(), path,
                 QStringLiteral("'%1' in %2 is not an asset %3 (letters, digits, '.', '-' and '_')").arg(part, describe(value), QLatin1String(what)));
        return part;
    };
    if (ref.endsWith(atLatest) && latest) {
        *latest = checked(ref.chopped(atLatest.size()), "name");
        return {};
    }
    const qsizetype colon = ref.indexOf(QLatin1Char(':'));
    if (written.startsWith(azureml) && colon > 0 && colon < ref.size() - 1)
        return assetVersionId(m_context.workspace, collection, checked(ref.left(colon), "name"), checked(ref.mid(colon + 1), "version"));
    fail(value.Mark(), path,
         QStringLiteral("%1 does not name a version: write azureml:NAME:VERSION%2")
             .arg(describe(value), latest ? QStringLiteral(" or azureml:NAME@latest") : QString()));
}

bool isUri(const QString &text)
{
    static const QRegularExpression scheme(QStringLiteral("^[A-Za-z][A-Za-z0-9+.-]*:"));
    return scheme.match(text).hasMatch();
}

// A local file or folder, relative to the file's folder: its absolute path, which must exist.
QString Reader::localPath(const YAML::Node &value, const QString &path, bool folderOnly)
{
    QString written = text(value, path).trimmed();
    if (written.startsWith(filePrefix) && !written.startsWith(QLatin1String("file://")))
        written = written.mid(filePrefix.size()); // azure-ai-ml's file:./src
    const QFileInfo info(QDir(m_context.baseDir.isEmpty() ? QDir::currentPath() : m_context.baseDir), written);
    if (!info.exists())
        fail(value.Mark(), path, QStringLiteral("the local path '%1' does not exist (looked for %2)").arg(written, info.absoluteFilePath()));
    if (folderOnly && !info.isDir())
        fail(value.Mark(), path, QStringLiteral("the local path '%1' is not a folder").arg(written));
    const QString absolute = QDir::cleanPath(info.absoluteFilePath());
    if (!m_job.localPaths.contains(absolute))
        m_job.localPaths << absolute;
    return absolute;
}

// A data path: a URI or asset reference as written, a local path made absolute.
QString Reader::dataPath(const YAML::Node &value, const QString &path)
{
    const QString written = text(value, path).trimmed();
    if (isUri(written) || isBinding(written))
        return written;
    return localPath(value, path);
}

json Reader::input(const YAML::Node &value, const QString &path)
{
    if (!value || value.IsNull())
        fail(value.Mark(), path, QStringLiteral("an input needs a value or a {type, path} mapping"));
    if (value.IsScalar())
        return json{{"jobInputType", "literal"}, {"value", value.Scalar()}};
    Mapping map(value, path);
    json out = readFields(map, inputFields);
    QString type = QStringLiteral("uri_folder");
    if (auto t = map.take("type"); t && !t->IsNull()) {
        static constexpr Choice literalTypes[] = {{"string", "string"}, {"integer", "integer"}, {"number", "number"},
                                                  {"boolean", "boolean"}};
        if (findYaml(literalTypes, text(*t, map.at("type"))))
            fail(t->Mark(), map.at("type"),
                 QStringLiteral("a %1 input is written as its value (NAME: VALUE), not as a {type, path} mapping").arg(describe(*t)));
        type = qs(typed(*t, map.at("type"), Field{"type", "jobInputType", Kind::Pick, dataTypes}).get<std::string>());
    }
    out["jobInputType"] = ss(type);
    out["uri"] = ss(dataPath(map.need("path", QStringLiteral(" (the data's URI, asset or local path)")), map.at("path")));
    map.rejectOthers();
    return out;
}

json Reader::inputs(const YAML::Node &value, const QString &path)
{
    Mapping map(value, path);
    json out = json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
        const std::string name = it->first.Scalar();
        map.take(name.c_str());
        out[name] = input(it->second, child(path, qs(name)));
    }
    return out;
}

json Reader::output(const YAML::Node &value, const QString &path) const
{
    json out = json::object();
    if (!value || value.IsNull()) {
        out["jobOutputType"] = "uri_folder";
        return out;
    }
    Mapping map(value, path);
    out = readFields(map, outputFields);
    out["jobOutputType"] = "uri_folder";
    if (auto t = map.take("type"); t && !t->IsNull())
        out["jobOutputType"] = typed(*t, map.at("type"), Field{"type", "jobOutputType", Kind::Pick, dataTypes});
    if (auto p = map.take("path"); p && !p->IsNull())
        out["uri"] = ss(text(*p, map.at("path")));
    map.rejectOthers();
    return out;
}

json Reader::outputs(const YAML::Node &value, const QString &path) const
{
    Mapping map(value, path);
    json out = json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
        const std::string name = it->first.Scalar();
        map.take(name.c_str());
        out[name] = output(it->second, child(path, qs(name)));
    }
    return out;
}

json Reader::identity(const YAML::Node &value, const QString &path) const
{
    Mapping map(value, path);
    const YAML::Node type = map.need("type");
    json out{{"identityType", typed(type, map.at("type"), Field{"type", "identityType", Kind::Pick, identities})}};
    if (out["identityType"] == "Managed") {
        constexpr Field managed[] = {{"client_id", "clientId", Kind::Text},
                                     {"object_id", "objectId", Kind::Text},
                                     {"resource_id", "resourceId", Kind::Text}};
        out.update(readFields(map, managed));
    }
    map.rejectOthers();
    return out;
}

void Reader::common(Mapping &map, json &properties) const
{
    properties.update(readFields(map, commonFields));
    if (auto c = map.take("compute"); c && !c->IsNull())
        properties["computeId"] = ss(computeId(*c, map.at("compute")));
    if (auto i = map.take("identity"); i && !i->IsNull())
        properties["identity"] = identity(*i, map.at("identity"));
}

// An MLTable input of an AutoML job: {type: mltable, path}; in a pipeline step also a binding.
json Reader::mltable(const YAML::Node &value, const QString &path)
{
    if (binding(value))
        return json{{"jobInputType", "mltable"}, {"uri", qs(value.Scalar()).trimmed().toStdString()}};
    Mapping map(value, path);
    if (auto t = map.take("type"); t && !t->IsNull() && text(*t, map.at("type")).compare(QLatin1String("mltable"), Qt::CaseInsensitive))
        fail(t->Mark(), map.at("type"), QStringLiteral("AutoML reads an mltable, not %1").arg(describe(*t)));
    json out{{"jobInputType", "mltable"},
             {"uri", ss(dataPath(map.need("path", QStringLiteral(" (the MLTable folder)")), map.at("path")))}};
    out.update(readFields(map, inputFields));
    map.rejectOthers();
    return out;
}

json Reader::autoMLTask(Mapping &map)
{
    json task{{"taskType", "Classification"}};
    const YAML::Node taskNode = map.need("task", QStringLiteral(" (classification)"));
    if (text(taskNode, map.at("task")).trimmed().toLower() != QLatin1String("classification"))
        fail(taskNode.Mark(), map.at("task"),
             QStringLiteral("AutoML task %1 is not supported: Cerulean runs classification").arg(describe(taskNode)));
    task.update(readFields(map, classificationFields));
    if (!task.contains("targetColumnName"))
        map.need("target_column_name", QStringLiteral(" (the column to predict)"));
    // azure-ai-ml's default when the file names none.
    if (!task.contains("primaryMetric"))
        task["primaryMetric"] = "AUCWeighted";
    task["trainingData"] = mltable(map.need("training_data", QStringLiteral(" (the MLTable to train on)")), map.at("training_data"));
    for (const auto &[yaml, rest] : {std::pair{"validation_data", "validationData"}, std::pair{"test_data", "testData"}})
        if (auto v = map.take(yaml); v && !v->IsNull())
            task[rest] = mltable(*v, map.at(yaml));
    if (auto folds = map.take("n_cross_validations"); folds && !folds->IsNull()) {
        const QString t = text(*folds, map.at("n_cross_validations")).trimmed();
        if (binding(*folds))
            task["nCrossValidations"] = ss(t);
        else if (t.compare(QLatin1String("auto"), Qt::CaseInsensitive) == 0)
            task["nCrossValidations"] = {{"mode", "auto"}};
        else
            task["nCrossValidations"] = {{"mode", "custom"},
                                         {"value", typed(*folds, map.at("n_cross_validations"),
                                                         Field{"n_cross_validations", "", Kind::Whole})}};
    }
    if (auto limits = map.take("limits"); limits && !limits->IsNull()) {
        Mapping m(*limits, map.at("limits"));
        task["limitSettings"] = readFields(m, limitFields);
        m.rejectOthers();
    }
    if (auto featurization = map.take("featurization"); featurization && !featurization->IsNull()) {
        Mapping m(*featurization, map.at("featurization"));
        json f = readFields(m, featurizationFields);
        if (auto params = m.take("transformer_params"); params && !params->IsNull()) {
            Mapping pm(*params, m.at("transformer_params"));
            json out = json::object();
            for (auto it = params->begin(); it != params->end(); ++it) {
                const QString keyPath = child(pm.path(), qs(it->first.Scalar()));
                pm.take(it->first.Scalar().c_str());
                const Choice *key = findYaml(transformerParameterKeys, qs(it->first.Scalar()));
                if (!key)
                    fail(it->first.Mark(), keyPath,
                         QStringLiteral("'%1' is not one of %2").arg(qs(it->first.Scalar()), choiceNames(transformerParameterKeys)));
                if (!it->second.IsSequence())
                    fail(it->second.Mark(), keyPath, QStringLiteral("expected a list of {fields, parameters}, not %1").arg(describe(it->second)));
                json list = json::array();
                int index = 0;
                // A copy: `it->second` lives in a proxy that is gone by the loop's first turn.
                const YAML::Node items = it->second;
                for (const YAML::Node &item : items) {
                    Mapping tm(item, keyPath + QStringLiteral("[%1]").arg(index++));
                    constexpr Field columnTransformer[] = {{"fields", "fields", Kind::TextList},
                                                           {"parameters", "parameters", Kind::AnyMap}};
                    list.push_back(readFields(tm, columnTransformer));
                    tm.rejectOthers();
                }
                out[key->rest] = list;
            }
            f["transformerParams"] = out;
        }
        m.rejectOthers();
        task["featurizationSettings"] = f;
    }
    if (auto training = map.take("training"); training && !training->IsNull()) {
        Mapping m(*training, map.at("training"));
        json t = readFields(m, trainingFields);
        if (auto stack = m.take("stack_ensemble_settings"); stack && !stack->IsNull()) {
            Mapping sm(*stack, m.at("stack_ensemble_settings"));
            t["stackEnsembleSettings"] = readFields(sm, stackEnsembleFields);
            sm.rejectOthers();
        }
        m.rejectOthers();
        task["trainingSettings"] = t;
    }
    return task;
}

void Reader::readAutoML(Mapping &map, json &properties)
{
    properties["jobType"] = "AutoML";
    common(map, properties);
    properties["taskDetails"] = autoMLTask(map);
    if (auto v = map.take("environment_variables"); v && !v->IsNull())
        properties["environmentVariables"] = textMap(*v, map.at("environment_variables"));
    if (auto r = map.take("resources"); r && !r->IsNull()) {
        Mapping m(*r, map.at("resources"));
        properties["resources"] = readFields(m, resourceFields);
        m.rejectOthers();
    }
    if (auto q = map.take("queue_settings"); q && !q->IsNull()) {
        Mapping m(*q, map.at("queue_settings"));
        properties["queueSettings"] = readFields(m, queueFields);
        m.rejectOthers();
    }
    if (auto o = map.take("outputs"); o && !o->IsNull())
        properties["outputs"] = outputs(*o, map.at("outputs"));
}

// An inline environment: EnvironmentVersion properties, versioned by their digest.
InlineEnvironment Reader::inlineEnvironment(const YAML::Node &value, const QString &path)
{
    Mapping map(value, path);
    json p = readFields(map, environmentFields);
    if (auto conda = map.take("conda_file"); conda && !conda->IsNull()) {
        if (conda->IsMap()) {
            YAML::Emitter e;
            e << *conda;
            p["condaFile"] = e.c_str();
        } else {
            QFile file(localPath(*conda, map.at("conda_file")));
            if (!file.open(QIODevice::ReadOnly))
                fail(conda->Mark(), map.at("conda_file"), QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
            p["condaFile"] = file.readAll().toStdString();
        }
    }
    if (auto build = map.take("build"); build && !build->IsNull())
        fail(build->Mark(), map.at("build"),
             QStringLiteral("an environment built from a Docker context is not supported; register it first and write "
                            "azureml:NAME:VERSION"));
    for (const char *excluded : {"name", "version"})
        if (auto v = map.take(excluded))
            fail(v->Mark(), map.at(excluded), QStringLiteral("an inline environment has no %1").arg(QLatin1String(excluded)));
    map.rejectOthers();
    if (!p.contains("image"))
        map.need("image", QStringLiteral(" (the Docker image the command runs in)"));
    p["isAnonymous"] = true;
    const QByteArray digest = QCryptographicHash::hash(QByteArray::fromStdString(p.dump()), QCryptographicHash::Md5).toHex();
    return InlineEnvironment{QString::fromLatin1(anonymousEnvironment), QString::fromLatin1(digest),
                             QByteArray::fromStdString(p.dump())};
}

void Reader::readCommand(Mapping &map, json &properties)
{
    properties["jobType"] = "Command";
    common(map, properties);
    const YAML::Node command = map.need("command", QStringLiteral(" (what the job runs)"));
    properties["command"] = ss(text(command, map.at("command")));
    if (auto code = map.take("code"); code && !code->IsNull()) {
        YAML::Node where = *code;
        QString at = map.at("code");
        if (code->IsMap()) { // the older {local_path: src}
            Mapping m(*code, at);
            where = m.need("local_path");
            at = m.at("local_path");
            m.rejectOthers();
        }
        const QString written = text(where, at).trimmed();
        if (written.startsWith(azureml) || written.startsWith(QLatin1String("/subscriptions/")))
            properties["codeId"] = ss(assetReference(where, at, QStringLiteral("codes")));
        else if (isUri(written) && !written.startsWith(filePrefix))
            fail(where.Mark(), at, QStringLiteral("code from %1 is not supported: give a local folder or azureml:NAME:VERSION").arg(describe(where)));
        else
            m_job.localCode = localPath(where, at, true);
    }
    const YAML::Node environment = map.need("environment", QStringLiteral(" (azureml:NAME:VERSION or an inline {image: …})"));
    if (environment.IsMap()) {
        m_job.environment = inlineEnvironment(environment, map.at("environment"));
        properties["environmentId"] =
            ss(assetVersionId(m_context.workspace, QStringLiteral("environments"), m_job.environment->name, m_job.environment->version));
    } else {
        const QString id = assetReference(environment, map.at("environment"), QStringLiteral("environments"), &m_job.latestEnvironment);
        if (!id.isEmpty())
            properties["environmentId"] = ss(id);
    }
    if (auto v = map.take("environment_variables"); v && !v->IsNull())
        properties["environmentVariables"] = textMap(*v, map.at("environment_variables"));
    PipelineScope own;
    own.checkOwn = true;
    if (auto i = map.take("inputs"); i && !i->IsNull()) {
        properties["inputs"] = inputs(*i, map.at("inputs"));
        for (auto it = properties["inputs"].begin(); it != properties["inputs"].end(); ++it)
            own.ownInputs.insert(qs(it.key()));
    }
    if (auto o = map.take("outputs"); o && !o->IsNull()) {
        properties["outputs"] = outputs(*o, map.at("outputs"));
        for (auto it = properties["outputs"].begin(); it != properties["outputs"].end(); ++it)
            own.ownOutputs.insert(qs(it.key()));
    }
    for (const Binding &b : bindingsIn(qs(command.Scalar()), command.Mark(), map.at("command"))) {
        if (b.parts.value(0) == QLatin1String("parent"))
            fail(command.Mark(), map.at("command"), QStringLiteral("${{%1}}: only a pipeline's steps bind to a parent").arg(b.parts.join(QLatin1Char('.'))));
        checkBinding(b, &own, command.Mark(), map.at("command"));
    }
    if (auto d = map.take("distribution"); d && !d->IsNull()) {
        Mapping m(*d, map.at("distribution"));
        m.need("type", QStringLiteral(" (pytorch, mpi or tensorflow)"));
        properties["distribution"] = readFields(m, distributionFields);
        m.rejectOthers();
    }
    if (auto r = map.take("resources"); r && !r->IsNull()) {
        Mapping m(*r, map.at("resources"));
        properties["resources"] = readFields(m, resourceFields);
        m.rejectOthers();
    }
    // Always sent, as Azure's own clients send it (the recorded PUTs of command jobs carry
    // {jobLimitsType: Command} without a timeout) and as the service reports it back.
    json limits = json::object();
    if (auto l = map.take("limits"); l && !l->IsNull()) {
        Mapping m(*l, map.at("limits"));
        constexpr Field commandLimits[] = {{"timeout", "timeout", Kind::Seconds}};
        limits = readFields(m, commandLimits);
        m.rejectOthers();
    }
    limits["jobLimitsType"] = "Command";
    properties["limits"] = limits;
    if (auto q = map.take("queue_settings"); q && !q->IsNull()) {
        Mapping m(*q, map.at("queue_settings"));
        properties["queueSettings"] = readFields(m, queueFields);
        m.rejectOthers();
    }
}

// A pipeline step, checked against its type's keys and kept as written (with local paths made
// absolute): the service and az ml hold AutoML steps so, and the service runs command steps so.
json Reader::step(const QString &name, const YAML::Node &value, PipelineScope &scope)
{
    const QString path = QStringLiteral("jobs.") + name;
    static const QRegularExpression stepName(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,254}$"));
    if (!stepName.match(name).hasMatch())
        fail(value.Mark(), path, QStringLiteral("a step name starts with a letter or '_' and has only letters, digits and '_'"));
    Mapping map(value, path);
    QString type = QStringLiteral("command"); // az ml's default
    YAML::Mark typeMark = value.Mark();
    if (auto t = map.take("type"); t && !t->IsNull()) {
        type = text(*t, map.at("type")).trimmed().toLower();
        typeMark = t->Mark();
    }
    scope.step = name;
    scope.checkOwn = false;
    json node = toJson(value, path);
    node["type"] = ss(type);
    m_inStep = true;
    json checked; // what reading it as a job gives; the step itself is kept as written
    if (type == QLatin1String("automl")) {
        common(map, checked);
        autoMLTask(map);
        for (const char *data : {"training_data", "validation_data", "test_data"})
            if (node.contains(data) && node[data].is_object() && node[data].contains("path"))
                node[data]["path"] = ss(dataPath(value[data]["path"], child(map.at(data), QStringLiteral("path"))));
        for (const char *key : {"environment_variables", "resources", "queue_settings"})
            map.take(key);
    } else if (type == QLatin1String("command")) {
        common(map, checked);
        if (auto c = map.take("component"); c && !c->IsNull()) {
            for (const char *key : {"command", "code"})
                if (auto own = map.take(key))
                    fail(own->Mark(), map.at(key), QStringLiteral("a step from a component takes its %1 from it").arg(QLatin1String(key)));
            for (const char *key : {"environment", "environment_variables", "distribution", "resources", "limits", "queue_settings",
                                    "is_deterministic", "inputs", "outputs"})
                map.take(key);
            map.rejectOthers();
            inlineComponent(*c, map.at("component"), node, scope);
            checkBindings(value, path, &scope);
            m_inStep = false;
            return node;
        }
        const YAML::Node command = map.need("command", QStringLiteral(" (what the step runs)"));
        for (const Binding &b : bindingsIn(text(command, map.at("command")), command.Mark(), map.at("command")))
            if (b.parts.value(0) == QLatin1String("parent"))
                fail(command.Mark(), map.at("command"),
                     QStringLiteral("${{%1}}: a command names its own inputs and outputs; bind the parent's through the step's inputs")
                         .arg(b.parts.join(QLatin1Char('.'))));
        for (const char *key : {"environment", "environment_variables", "distribution", "resources", "limits", "queue_settings",
                                "is_deterministic"})
            map.take(key);
        if (auto code = map.take("code"); code && !code->IsNull() && !isUri(text(*code, map.at("code"))))
            node["code"] = ss(localPath(*code, map.at("code"), true));
        scope.checkOwn = true;
        scope.ownInputs.clear();
        scope.ownOutputs.clear();
        if (auto i = map.take("inputs"); i && !i->IsNull()) {
            Mapping m(*i, map.at("inputs"));
            for (auto it = i->begin(); it != i->end(); ++it) {
                const std::string input = it->first.Scalar();
                m.take(input.c_str());
                scope.ownInputs.insert(qs(input));
                if (it->second.IsMap())
                    node["inputs"][input]["path"] = this->input(it->second, m.at(input.c_str()))["uri"];
                else if (!it->second || it->second.IsNull())
                    fail(it->second.Mark(), m.at(input.c_str()),
                         QStringLiteral("an input needs a value, a binding or a {type, path} mapping"));
            }
        }
    } else if (type == QLatin1String("parallel")) {
        // Batch scoring steps are the service's own (batch endpoints): kept as written.
        for (auto it = value.begin(); it != value.end(); ++it)
            map.take(it->first.Scalar().c_str());
    } else {
        fail(typeMark, map.at("type"), QStringLiteral("a step of type '%1' is not supported: write automl or command").arg(type));
    }
    if (auto o = map.take("outputs"); o && !o->IsNull()) {
        Mapping m(*o, map.at("outputs"));
        for (auto it = o->begin(); it != o->end(); ++it) {
            const std::string out = it->first.Scalar();
            m.take(out.c_str());
            scope.ownOutputs.insert(qs(out));
            if (it->second.IsMap() || !it->second || it->second.IsNull())
                output(it->second, m.at(out.c_str()));
            else if (!isBinding(text(it->second, m.at(out.c_str()))))
                fail(it->second.Mark(), m.at(out.c_str()),
                     QStringLiteral("an output is a {type, mode} mapping or a ${{parent.outputs.NAME}} binding, not %1")
                         .arg(describe(it->second)));
        }
    }
    map.rejectOthers();
    checkBindings(value, path, &scope);
    m_inStep = false;
    return node;
}

// The file a step's `component: file:PATH` names, relative to the job's file.
QString componentFile(const QString &reference, const QString &baseDir)
{
    QString written = reference.trimmed();
    if (written.startsWith(filePrefix))
        written = written.mid(filePrefix.size());
    return QDir::cleanPath(QFileInfo(QDir(baseDir.isEmpty() ? QDir::currentPath() : baseDir), written).absoluteFilePath());
}

// A command component (commandComponent schema) read into the step that uses it: its command,
// code, environment and settings; its inputs' defaults where the step binds nothing; its outputs
// with their types. The service runs the step as one written out.
void Reader::inlineComponent(const YAML::Node &reference, const QString &path, json &node, PipelineScope &scope)
{
    const QString written = text(reference, path).trimmed();
    if (written.startsWith(azureml) || (isUri(written) && !written.startsWith(filePrefix)))
        fail(reference.Mark(), path,
             QStringLiteral("a registered component (%1) is not supported: name its file (file:PATH) or write the step's command")
                 .arg(written));
    const QString file = componentFile(written, m_context.baseDir);
    if (!QFileInfo(file).isFile())
        fail(reference.Mark(), path, QStringLiteral("the component file '%1' does not exist (looked for %2)").arg(written, file));
    const QString componentDir = QFileInfo(file).absolutePath();
    const json stepInputs = node.value("inputs", json::object());
    const json stepOutputs = node.value("outputs", json::object());
    QFile source(file);
    if (!source.open(QIODevice::ReadOnly))
        fail(reference.Mark(), path, QStringLiteral("cannot read the component file %1: %2").arg(file, source.errorString()));
    YAML::Node component;
    try {
        component = loadYaml(source.readAll(), file);
        Mapping map(component, QString());
        for (const char *key : {"$schema", "name", "version", "description", "tags", "properties"})
            map.take(key);
        if (auto t = map.take("type"); t && !t->IsNull() && text(*t, QStringLiteral("type")).trimmed().toLower() != QLatin1String("command"))
            fail(t->Mark(), QStringLiteral("type"), QStringLiteral("a %1 component is not supported: Cerulean runs command components").arg(describe(*t)));
        const YAML::Node command = map.need("command", QStringLiteral(" (what the component runs)"));
        node["command"] = ss(text(command, QStringLiteral("command")));
        if (auto code = map.take("code"); code && !code->IsNull()) {
            const QFileInfo where(QDir(componentDir), text(*code, QStringLiteral("code")).trimmed());
            if (!where.isDir())
                fail(code->Mark(), QStringLiteral("code"), QStringLiteral("the code folder '%1' does not exist (looked for %2)")
                                                               .arg(qs(code->Scalar()), where.absoluteFilePath()));
            const QString absolute = QDir::cleanPath(where.absoluteFilePath());
            if (!m_job.localPaths.contains(absolute))
                m_job.localPaths << absolute;
            node["code"] = ss(absolute);
        }
        for (const char *key : {"display_name", "environment", "environment_variables", "resources", "distribution", "is_deterministic"})
            if (auto v = map.take(key); v && !v->IsNull() && !node.contains(key))
                node[key] = toJson(*v, QString::fromLatin1(key));
        if (auto a = map.take("additional_includes"); a && !a->IsNull())
            fail(a->Mark(), QStringLiteral("additional_includes"), QStringLiteral("additional includes are not supported"));
        scope.ownInputs.clear();
        scope.ownOutputs.clear();
        json inputs = stepInputs.is_object() ? stepInputs : json::object();
        const YAML::Node declaredInputs = map.take("inputs").value_or(YAML::Node());
        if (declaredInputs && !declaredInputs.IsNull()) {
            Mapping m(declaredInputs, QStringLiteral("inputs"));
            for (auto it = declaredInputs.begin(); it != declaredInputs.end(); ++it) {
                m.take(it->first.Scalar().c_str());
                scope.ownInputs.insert(qs(it->first.Scalar()));
                if (!it->second.IsMap())
                    fail(it->second.Mark(), m.at(it->first.Scalar().c_str()),
                         QStringLiteral("expected a {type, default} mapping, not %1").arg(describe(it->second)));
            }
        }
        for (auto it = stepInputs.begin(); stepInputs.is_object() && it != stepInputs.end(); ++it)
            if (!scope.ownInputs.count(qs(it.key())))
                throw YamlFailure{0, 0, QString(), QStringLiteral("%1: the component has no input '%2'").arg(path, qs(it.key())), {}};
        for (auto it = declaredInputs.begin(); declaredInputs.IsMap() && it != declaredInputs.end(); ++it) {
            const std::string name = it->first.Scalar();
            const YAML::Node spec = it->second;
            if (inputs.contains(name))
                continue;
            if (spec["default"] && !spec["default"].IsNull())
                inputs[name] = toJson(spec["default"], QStringLiteral("inputs.") + qs(name));
            else if (!(spec["optional"] && spec["optional"].IsScalar() && boolWord(qs(spec["optional"].Scalar())).value_or(false)))
                throw YamlFailure{0, 0, QString(),
                                  QStringLiteral("%1: the component's input '%2' is required and the step binds nothing to it").arg(path, qs(name)),
                                  {}};
        }
        if (!inputs.empty())
            node["inputs"] = inputs;
        json outputs = stepOutputs.is_object() ? stepOutputs : json::object();
        if (auto declared = map.take("outputs"); declared && !declared->IsNull()) {
            Mapping m(*declared, QStringLiteral("outputs"));
            for (auto it = declared->begin(); it != declared->end(); ++it) {
                const std::string name = it->first.Scalar();
                m.take(name.c_str());
                scope.ownOutputs.insert(qs(name));
                if (!outputs.contains(name))
                    outputs[name] = it->second.IsMap() && it->second["type"] ? json{{"type", it->second["type"].Scalar()}} : json(nullptr);
            }
        }
        for (auto it = stepOutputs.begin(); stepOutputs.is_object() && it != stepOutputs.end(); ++it)
            if (!scope.ownOutputs.count(qs(it.key())))
                throw YamlFailure{0, 0, QString(), QStringLiteral("%1: the component has no output '%2'").arg(path, qs(it.key())), {}};
        if (!outputs.empty())
            node["outputs"] = outputs;
        map.rejectOthers();
        scope.checkOwn = true;
        for (const Binding &b : bindingsIn(qs(command.Scalar()), command.Mark(), QStringLiteral("command")))
            checkBinding(b, &scope, command.Mark(), QStringLiteral("command"));
    } catch (YamlFailure &f) {
        if (f.line > 0 || !f.path.isEmpty())
            f.file = file; // a place in the component's own file
        else
            f = YamlFailure{reference.Mark().line + 1, reference.Mark().column + 1, QString(), f.message, {}};
        throw;
    } catch (const YAML::Exception &e) {
        throw YamlFailure{e.mark.line + 1, e.mark.column + 1, QString(), QStringLiteral("not YAML: %1").arg(qs(e.msg)), file};
    }
    node.erase("component");
}

void Reader::readPipeline(Mapping &map, json &properties)
{
    properties["jobType"] = "Pipeline";
    common(map, properties);
    if (auto s = map.take("settings"); s && !s->IsNull()) {
        json settings;
        Mapping m(*s, map.at("settings"));
        // Free-form as in azure-ai-ml (unknown keys INCLUDE); these are checked.
        settings = toJson(*s, map.at("settings"));
        if (auto c = m.take("default_compute"); c && !c->IsNull())
            settings["default_compute"] = ss(computeId(*c, m.at("default_compute")));
        if (auto d = m.take("default_datastore"); d && !d->IsNull()) {
            QString store = text(*d, m.at("default_datastore")).trimmed();
            if (store.startsWith(azureml))
                store = store.mid(azureml.size());
            settings["default_datastore"] = ss(store.startsWith(QLatin1Char('/')) ? store
                                                                                  : m_context.workspace.armId() + QStringLiteral("/datastores/") + store);
        }
        for (const char *flag : {"continue_on_step_failure", "force_rerun"})
            if (auto f = m.take(flag); f && !f->IsNull())
                settings[flag] = typed(*f, m.at(flag), Field{flag, flag, Kind::Flag});
        properties["settings"] = settings;
    }
    PipelineScope scope;
    json inputs = json::object(), outputs = json::object();
    if (auto i = map.take("inputs"); i && !i->IsNull())
        inputs = this->inputs(*i, map.at("inputs"));
    if (auto o = map.take("outputs"); o && !o->IsNull())
        outputs = this->outputs(*o, map.at("outputs"));
    for (auto it = inputs.begin(); it != inputs.end(); ++it)
        scope.inputs.insert(qs(it.key()));
    for (auto it = outputs.begin(); it != outputs.end(); ++it)
        scope.outputs.insert(qs(it.key()));
    if (map.has("inputs"))
        properties["inputs"] = inputs;
    if (map.has("outputs"))
        properties["outputs"] = outputs;
    const YAML::Node jobs = map.need("jobs", QStringLiteral(" (the pipeline's steps)"));
    Mapping steps(jobs, map.at("jobs"));
    // Every step's declared outputs first: a binding may name a step written after it.
    for (auto it = jobs.begin(); it != jobs.end(); ++it) {
        const YAML::Node step = it->second;
        std::optional<std::set<QString>> declared = std::set<QString>();
        if (step.IsMap() && step["outputs"] && step["outputs"].IsMap())
            for (auto o = step["outputs"].begin(); o != step["outputs"].end(); ++o)
                declared->insert(qs(o->first.Scalar()));
        const QString type = step.IsMap() && step["type"] && step["type"].IsScalar() ? qs(step["type"].Scalar()).trimmed().toLower()
                                                                                      : QStringLiteral("command");
        if (type != QLatin1String("command"))
            declared.reset(); // AutoML's best_model, a batch step's job_output: not all declared
        else if (step.IsMap() && step["component"] && step["component"].IsScalar()) {
            // A component's outputs are declared in its file (read again, and checked, with the step).
            QFile source(componentFile(qs(step["component"].Scalar()), m_context.baseDir));
            try {
                if (!source.open(QIODevice::ReadOnly))
                    throw YAML::BadFile(source.fileName().toStdString());
                const YAML::Node component = loadYaml(source.readAll(), source.fileName());
                if (component.IsMap() && component["outputs"] && component["outputs"].IsMap())
                    for (auto o = component["outputs"].begin(); o != component["outputs"].end(); ++o)
                        declared->insert(qs(o->first.Scalar()));
            } catch (const YAML::Exception &) {
                declared.reset(); // the step says what is wrong with its component when it is read
            } catch (const YamlFailure &) {
                declared.reset();
            }
        }
        scope.stepOutputs[qs(it->first.Scalar())] = declared;
    }
    if (jobs.size() == 0)
        fail(jobs.Mark(), map.at("jobs"), QStringLiteral("a pipeline needs at least one step"));
    json out = json::object();
    for (auto it = jobs.begin(); it != jobs.end(); ++it) {
        const std::string name = it->first.Scalar();
        steps.take(name.c_str());
        out[name] = step(qs(name), it->second, scope);
    }
    properties["jobs"] = out;
}

JobDefinition Reader::read(const YAML::Node &root)
{
    if (!root || root.IsNull())
        fail(YAML::Mark(), QString(), QStringLiteral("the file is empty"));
    Mapping map(root, QString());
    map.take("$schema");
    QString type = QStringLiteral("command"); // az ml's default
    YAML::Mark typeMark = root.Mark();
    if (auto t = map.take("type"); t && !t->IsNull()) {
        type = text(*t, QStringLiteral("type")).trimmed().toLower();
        typeMark = t->Mark();
    }
    if (auto n = map.take("name"); n && !n->IsNull())
        m_job.name = text(*n, QStringLiteral("name")).trimmed();
    json properties = json::object();
    if (type == QLatin1String("automl"))
        readAutoML(map, properties);
    else if (type == QLatin1String("command"))
        readCommand(map, properties);
    else if (type == QLatin1String("pipeline"))
        readPipeline(map, properties);
    else
        fail(typeMark, QStringLiteral("type"),
             QStringLiteral("a job of type '%1' is not supported: write automl (task: classification), command or pipeline").arg(type));
    map.rejectOthers();
    m_job.type = type;
    m_job.properties = QByteArray::fromStdString(properties.dump());
    return m_job;
}

// ---------------------------------------------------------------------------------------------
// The writer: a REST body to YAML.

const json *present(const json &object, const char *key)
{
    const json *v = member(object, key);
    return v && !v->is_null() ? v : nullptr;
}

QString choiceYaml(std::span<const Choice> choices, const QString &rest)
{
    for (const Choice &c : choices)
        if (squashed(QString::fromLatin1(c.rest)) == squashed(rest))
            return QString::fromLatin1(c.yaml);
    // A value newer than these tables: azure-ai-ml's camel_to_snake.
    QString out;
    for (qsizetype i = 0; i < rest.size(); ++i) {
        if (rest[i].isUpper() && i > 0 && (rest[i - 1].isLower() || (i + 1 < rest.size() && rest[i + 1].isLower())))
            out += QLatin1Char('_');
        out += rest[i].toLower();
    }
    return out;
}

ojson ordered(const json &value)
{
    return ojson::parse(value.dump());
}

// One REST value back as YAML; nothing when it cannot be (an unreadable duration).
std::optional<ojson> untyped(const json &value, const Field &field)
{
    switch (field.kind) {
    case Kind::Minutes:
    case Kind::Seconds: {
        if (!value.is_string())
            return std::nullopt;
        const auto seconds = durationSeconds(qs(value.get<std::string>()));
        if (!seconds)
            return std::nullopt;
        constexpr long long minute = 60;
        return field.kind == Kind::Minutes ? *seconds / minute : *seconds;
    }
    case Kind::Pick:
        if (!value.is_string())
            return ordered(value);
        return ss(choiceYaml(field.choices, qs(value.get<std::string>())));
    case Kind::PickList: {
        ojson out = ojson::array();
        if (value.is_array())
            for (const json &item : value)
                out.push_back(item.is_string() ? ojson(ss(choiceYaml(field.choices, qs(item.get<std::string>())))) : ordered(item));
        return out;
    }
    default:
        return ordered(value);
    }
}

ojson writeFields(const json &object, std::span<const Field> fields)
{
    ojson out = ojson::object();
    if (!object.is_object())
        return out;
    for (const Field &f : fields)
        if (const json *v = present(object, f.rest))
            if (auto y = untyped(*v, f))
                out[f.yaml] = *y;
    return out;
}

// "/subscriptions/…/computes/cpu" -> "azureml:cpu".
QString shortCompute(const QString &id)
{
    static const QRegularExpression re(QStringLiteral("/computes/([^/]+)$"), QRegularExpression::CaseInsensitiveOption);
    const auto m = re.match(id);
    return m.hasMatch() ? QStringLiteral("azureml:") + m.captured(1) : id;
}

// ".../environments/NAME/versions/V" -> "azureml:NAME:V".
QString shortAsset(const QString &id, const QString &collection)
{
    const QRegularExpression re(QStringLiteral("^/subscriptions/.*/workspaces/[^/]+/%1/([^/]+)/versions/([^/]+)$").arg(collection),
                                QRegularExpression::CaseInsensitiveOption);
    const auto m = re.match(id);
    return m.hasMatch() ? QStringLiteral("azureml:%1:%2").arg(m.captured(1), m.captured(2)) : id;
}

// An output URI or version the service assigned to a run, not part of the definition.
bool assignedUri(const QString &uri)
{
    return uri.startsWith(QLatin1String("azureml://jobs/")) || uri.contains(QLatin1String("/ExperimentRun/")) ||
           uri.contains(QLatin1String("/paths/azureml/"));
}

// A service-added tag or property (run history, compute state, the local service's bookkeeping).
bool systemKey(const QString &key)
{
    static const QStringList azure{QStringLiteral("ProcessInfoFile"), QStringLiteral("ProcessStatusFile"),
                                   QStringLiteral("StartTimeUtc"), QStringLiteral("EndTimeUtc"),
                                   QStringLiteral("ContentSnapshotId")};
    return key.startsWith(QLatin1String("azureml.")) || key.startsWith(QLatin1String("_azureml.")) ||
           key.startsWith(QLatin1String("_aml_system_")) || azure.contains(key);
}

ojson writeTextMap(const json &map)
{
    ojson out = ojson::object();
    if (map.is_object())
        for (auto it = map.begin(); it != map.end(); ++it)
            if (!systemKey(qs(it.key())))
                out[it.key()] = ordered(it.value());
    return out;
}

ojson writeInput(const json &in)
{
    const QString type = detail::str(in, "jobInputType");
    if (type.compare(QLatin1String("literal"), Qt::CaseInsensitive) == 0) {
        const json *v = present(in, "value");
        if (!v)
            return ojson();
        // A number reads better unquoted (epochs: 10): written so when it reads back as the same text.
        if (v->is_string() && floatPattern().match(qs(v->get<std::string>())).hasMatch()) {
            const ojson number = ojson::parse(v->get<std::string>(), nullptr, false);
            if (number.is_number() && number.dump() == v->get<std::string>())
                return number;
        }
        return ordered(*v);
    }
    ojson out = ojson::object();
    out["type"] = ss(type.toLower());
    out["path"] = ss(detail::str(in, "uri"));
    out.update(writeFields(in, inputFields));
    return out;
}

ojson writeOutput(const json &o)
{
    ojson out = ojson::object();
    out["type"] = ss(detail::str(o, "jobOutputType").isEmpty() ? QStringLiteral("uri_folder") : detail::str(o, "jobOutputType").toLower());
    const QString uri = detail::str(o, "uri");
    if (!uri.isEmpty() && !assignedUri(uri))
        out["path"] = ss(uri);
    constexpr Field kept[] = {{"mode", "mode", Kind::Pick, outputModes},
                              {"name", "assetName", Kind::Text},
                              {"description", "description", Kind::Text}};
    out.update(writeFields(o, kept)); // the asset version is the run's: the next run registers the next
    return out;
}

ojson writeInputs(const json *inputs)
{
    ojson out = ojson::object();
    if (inputs && inputs->is_object())
        for (auto it = inputs->begin(); it != inputs->end(); ++it)
            out[it.key()] = writeInput(it.value());
    return out;
}

ojson writeOutputs(const json *outputs)
{
    ojson out = ojson::object();
    if (outputs && outputs->is_object())
        for (auto it = outputs->begin(); it != outputs->end(); ++it)
            if (it.key() != "default") // the run's own folder
                out[it.key()] = writeOutput(it.value());
    return out;
}

void putIfAny(ojson &doc, const char *key, const ojson &value)
{
    if ((value.is_object() || value.is_array()) && value.empty())
        return;
    if (!value.is_null())
        doc[key] = value;
}

ojson writeIdentity(const json &identity)
{
    ojson out = ojson::object();
    out["type"] = ss(choiceYaml(identities, detail::str(identity, "identityType")));
    constexpr Field managed[] = {{"client_id", "clientId", Kind::Text}, {"object_id", "objectId", Kind::Text},
                                 {"resource_id", "resourceId", Kind::Text}};
    out.update(writeFields(identity, managed));
    return out;
}

ojson writeTask(const json &task)
{
    ojson doc = ojson::object();
    doc["task"] = ss(choiceYaml({}, detail::str(task, "taskType")));
    const ojson plain = writeFields(task, classificationFields);
    for (const char *key : {"log_verbosity", "primary_metric", "positive_label", "target_column_name"})
        if (plain.contains(key))
            doc[key] = plain[key];
    const auto data = [&](const char *rest, const char *yaml) {
        if (const json *d = present(task, rest)) {
            if (d->is_string()) {
                doc[yaml] = *d; // a binding
                return;
            }
            ojson o = ojson::object();
            o["type"] = "mltable";
            o["path"] = ss(detail::str(*d, "uri"));
            o.update(writeFields(*d, inputFields));
            doc[yaml] = o;
        }
    };
    data("trainingData", "training_data");
    data("validationData", "validation_data");
    for (const char *key : {"validation_data_size"})
        if (plain.contains(key))
            doc[key] = plain[key];
    data("testData", "test_data");
    for (const char *key : {"test_data_size", "cv_split_column_names", "weight_column_name"})
        if (plain.contains(key))
            doc[key] = plain[key];
    if (const json *folds = present(task, "nCrossValidations")) {
        if (detail::str(*folds, "mode").compare(QLatin1String("custom"), Qt::CaseInsensitive) == 0 && present(*folds, "value"))
            doc["n_cross_validations"] = ordered((*folds)["value"]);
        else if (folds->is_object())
            doc["n_cross_validations"] = "auto";
    }
    if (const json *limits = present(task, "limitSettings"))
        putIfAny(doc, "limits", writeFields(*limits, limitFields));
    if (const json *f = present(task, "featurizationSettings")) {
        ojson out = writeFields(*f, featurizationFields);
        if (const json *params = present(*f, "transformerParams"); params && params->is_object() && !params->empty()) {
            ojson p = ojson::object();
            for (auto it = params->begin(); it != params->end(); ++it)
                p[ss(choiceYaml(transformerParameterKeys, qs(it.key())))] = ordered(it.value());
            out["transformer_params"] = p;
        }
        putIfAny(doc, "featurization", out);
    }
    if (const json *t = present(task, "trainingSettings")) {
        ojson out = writeFields(*t, trainingFields);
        if (const json *stack = present(*t, "stackEnsembleSettings"))
            putIfAny(out, "stack_ensemble_settings", writeFields(*stack, stackEnsembleFields));
        putIfAny(doc, "training", out);
    }
    return doc;
}

// A pipeline step as the YAML writes it: its type first, then its keys.
ojson writeStep(const json &step)
{
    ojson out = ojson::object();
    if (const json *type = present(step, "type"))
        out["type"] = *type;
    static const char *const first[] = {"task",   "display_name", "description", "command", "code", "environment", "compute",
                                        "primary_metric", "target_column_name", "training_data", "validation_data", "test_data",
                                        "inputs"};
    for (const char *key : first)
        if (const json *v = present(step, key))
            out[key] = ordered(*v);
    for (auto it = step.begin(); it != step.end(); ++it)
        if (!out.contains(it.key()) && it.key() != "outputs")
            out[it.key()] = ordered(it.value());
    if (const json *v = member(step, "outputs"))
        out["outputs"] = ordered(*v);
    return out;
}

ojson writeDocument(const json &p)
{
    const QString jobType = detail::str(p, "jobType");
    ojson doc = ojson::object();
    const auto schema = [&](const char *name) { doc["$schema"] = std::string(schemaBase) + name; };
    if (jobType == QLatin1String("AutoML"))
        schema("autoMLJob.schema.json");
    else if (jobType == QLatin1String("Command"))
        schema("commandJob.schema.json");
    else
        schema("pipelineJob.schema.json");
    doc["type"] = ss(jobType.toLower());
    const ojson common = writeFields(p, commonFields);
    for (const char *key : {"display_name", "experiment_name", "description"})
        if (common.contains(key))
            doc[key] = common[key];
    if (const json *tags = present(p, "tags"))
        putIfAny(doc, "tags", writeTextMap(*tags));
    if (const json *properties = present(p, "properties"))
        putIfAny(doc, "properties", writeTextMap(*properties));
    if (const QString compute = detail::str(p, "computeId"); !compute.isEmpty())
        doc["compute"] = ss(shortCompute(compute));

    if (jobType == QLatin1String("AutoML")) {
        if (const json *task = present(p, "taskDetails"))
            doc.update(writeTask(*task));
        if (const json *v = present(p, "environmentVariables"))
            putIfAny(doc, "environment_variables", writeTextMap(*v));
    } else if (jobType == QLatin1String("Command")) {
        doc["command"] = ss(detail::str(p, "command"));
        if (const QString code = detail::str(p, "codeId"); !code.isEmpty())
            doc["code"] = ss(shortAsset(code, QStringLiteral("codes")));
        if (const QString env = detail::str(p, "environmentId"); !env.isEmpty())
            doc["environment"] = ss(shortAsset(env, QStringLiteral("environments")));
        if (const json *v = present(p, "environmentVariables"))
            putIfAny(doc, "environment_variables", writeTextMap(*v));
        putIfAny(doc, "inputs", writeInputs(present(p, "inputs")));
        if (const json *d = present(p, "distribution"))
            putIfAny(doc, "distribution", writeFields(*d, distributionFields));
        if (const json *l = present(p, "limits")) {
            constexpr Field commandLimits[] = {{"timeout", "timeout", Kind::Seconds}};
            putIfAny(doc, "limits", writeFields(*l, commandLimits));
        }
    } else {
        ojson settings = ojson::object();
        if (const json *s = present(p, "settings"); s && s->is_object())
            for (auto it = s->begin(); it != s->end(); ++it) {
                if (it.key().rfind('_', 0) == 0 || it.value().is_null())
                    continue; // azure-ai-ml's private markers (_source)
                std::string key = it.key();
                if (key == "defaultCompute")
                    key = "default_compute";
                if (key == "forceRerun")
                    key = "force_rerun";
                if (key == "continueOnStepFailure")
                    key = "continue_on_step_failure";
                if (key == "defaultDatastore")
                    key = "default_datastore";
                settings[key] = ordered(it.value());
            }
        if (settings.contains("default_compute") && settings["default_compute"].is_string())
            settings["default_compute"] = ss(shortCompute(qs(settings["default_compute"].get<std::string>())));
        if (settings.contains("default_datastore") && settings["default_datastore"].is_string()) {
            const QString store = qs(settings["default_datastore"].get<std::string>());
            settings["default_datastore"] = ss(QStringLiteral("azureml:") + store.section(QLatin1Char('/'), -1));
        }
        putIfAny(doc, "settings", settings);
        putIfAny(doc, "inputs", writeInputs(present(p, "inputs")));
        putIfAny(doc, "outputs", writeOutputs(present(p, "outputs")));
        ojson steps = ojson::object();
        if (const json *jobs = present(p, "jobs"); jobs && jobs->is_object())
            for (auto it = jobs->begin(); it != jobs->end(); ++it)
                steps[it.key()] = writeStep(it.value());
        doc["jobs"] = steps;
    }
    if (jobType != QLatin1String("Pipeline")) {
        if (const json *r = present(p, "resources"))
            putIfAny(doc, "resources", writeFields(*r, resourceFields));
        if (const json *q = present(p, "queueSettings"); q && detail::str(*q, "jobTier") != QLatin1String("Null"))
            putIfAny(doc, "queue_settings", writeFields(*q, queueFields));
        putIfAny(doc, "outputs", writeOutputs(present(p, "outputs")));
    }
    if (const json *identity = present(p, "identity"))
        doc["identity"] = writeIdentity(*identity);
    return doc;
}

// A string YAML 1.1 or 1.2 would read as something else (a number, a boolean, null), or that
// a plain scalar cannot hold exactly.
bool mustQuote(const QString &text)
{
    static const QRegularExpression numberLike(
        QStringLiteral("^[-+]?(\\.?[0-9][0-9_:.eE+-]*|\\.(inf|Inf|INF|nan|NaN|NAN)|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+)$"));
    static const QStringList words{QStringLiteral("y"), QStringLiteral("Y"), QStringLiteral("n"), QStringLiteral("N")};
    return nullWord(text) || boolWord(text) || words.contains(text) || numberLike.match(text).hasMatch() ||
           text.trimmed() != text;
}

void emit(YAML::Emitter &out, const ojson &value);

void emitString(YAML::Emitter &out, const std::string &s)
{
    const QString text = qs(s);
    // A block literal keeps a multi-line command readable; it always ends in one newline, and a
    // first line that starts with a space would need an indentation indicator yaml-cpp does not write.
    const bool block = text.contains(QLatin1Char('\n')) && text.endsWith(QLatin1Char('\n')) &&
                       !text.endsWith(QLatin1String("\n\n")) && !text.startsWith(QLatin1Char(' ')) &&
                       !text.contains(QLatin1Char('\t')) && !text.contains(QLatin1String(" \n"));
    if (block)
        out << YAML::Literal << s;
    else if (mustQuote(text) || text.contains(QLatin1Char('\n')))
        out << YAML::DoubleQuoted << s;
    else
        out << s;
}

void emit(YAML::Emitter &out, const ojson &value)
{
    if (value.is_object()) {
        if (value.empty()) {
            out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
            return;
        }
        out << YAML::BeginMap;
        for (auto it = value.begin(); it != value.end(); ++it) {
            out << YAML::Key;
            emitString(out, it.key());
            out << YAML::Value;
            emit(out, it.value());
        }
        out << YAML::EndMap;
    } else if (value.is_array()) {
        if (value.empty()) {
            out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
            return;
        }
        out << YAML::BeginSeq;
        for (const ojson &item : value)
            emit(out, item);
        out << YAML::EndSeq;
    } else if (value.is_string()) {
        emitString(out, value.get<std::string>());
    } else if (value.is_null()) {
        out << YAML::Null;
    } else {
        out << value.dump(); // numbers and booleans as JSON writes them
    }
}

} // namespace

QString assetVersionId(const WorkspaceRef &workspace, const QString &collection, const QString &name, const QString &version)
{
    return QStringLiteral("%1/%2/%3/versions/%4").arg(workspace.armId(), collection, name, version);
}

QByteArray jobPropertiesWith(const JobDefinition &job, const QString &codeId, const QString &environmentId)
{
    json p = json::parse(job.properties.toStdString(), nullptr, false);
    if (!p.is_object())
        return job.properties;
    if (!codeId.isEmpty())
        p["codeId"] = ss(codeId);
    if (!environmentId.isEmpty())
        p["environmentId"] = ss(environmentId);
    return QByteArray::fromStdString(p.dump());
}

Result<JobDefinition> readJobYaml(const QByteArray &yaml, const JobYamlContext &context)
{
    const QString file = context.fileName.isEmpty() ? QStringLiteral("job.yml") : context.fileName;
    const auto where = [&](int line, int column) {
        return line > 0 ? QStringLiteral("%1:%2:%3").arg(file).arg(line).arg(column) : file;
    };
    try {
        const YAML::Node root = loadYaml(yaml, QString());
        Reader reader(context);
        return reader.read(root);
    } catch (const YamlFailure &f) {
        const QString at = f.file.isEmpty() ? where(f.line, f.column)
                                            : f.line > 0 ? QStringLiteral("%1:%2:%3").arg(f.file).arg(f.line).arg(f.column)
                                                         : f.file;
        return AzureError::invalidInput(
            QStringLiteral("%1: %2%3").arg(at, f.path.isEmpty() ? QString() : f.path + QStringLiteral(": "), f.message));
    } catch (const YAML::Exception &e) {
        return AzureError::invalidInput(
            QStringLiteral("%1: not YAML: %2").arg(where(e.mark.line + 1, e.mark.column + 1), QString::fromStdString(e.msg)));
    }
}

Result<JobDefinition> readJobYamlFile(const QString &path, const WorkspaceRef &workspace)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return AzureError::invalidInput(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    const QFileInfo info(path);
    return readJobYaml(file.readAll(), JobYamlContext{workspace, info.absolutePath(), path});
}

Result<QByteArray> writeJobYaml(const QByteArray &job)
{
    const json doc = json::parse(job.constData(), job.constData() + job.size(), nullptr, false);
    if (!doc.is_object())
        return AzureError::invalidInput(QStringLiteral("the job is not a JSON object"));
    const json *p = &doc;
    if (const json *properties = member(doc, "properties"); properties && properties->is_object() && !member(doc, "jobType"))
        p = properties;
    const QString jobType = detail::str(*p, "jobType");
    if (jobType != QLatin1String("AutoML") && jobType != QLatin1String("Command") && jobType != QLatin1String("Pipeline"))
        return AzureError::invalidInput(
            QStringLiteral("a %1 job has no az ml YAML here: Cerulean writes AutoML, Command and Pipeline jobs")
                .arg(jobType.isEmpty() ? QStringLiteral("(no jobType)") : jobType));
    if (jobType == QLatin1String("AutoML")) {
        const QString task = detail::str(*p, {"taskDetails", "taskType"});
        if (task != QLatin1String("Classification"))
            return AzureError::invalidInput(QStringLiteral("an AutoML %1 job has no az ml YAML here: Cerulean writes classification")
                                                .arg(task.isEmpty() ? QStringLiteral("(no taskType)") : task));
    }
    YAML::Emitter out;
    out.SetIndent(2);
    emit(out, writeDocument(*p));
    if (!out.good())
        return AzureError::invalidInput(QStringLiteral("the job cannot be written as YAML: %1").arg(qs(out.GetLastError())));
    QByteArray text(out.c_str());
    text += '\n';
    return text;
}

} // namespace cerulean::azure
