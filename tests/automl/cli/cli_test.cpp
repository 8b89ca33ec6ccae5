// cerulean-cli automl and score run as real processes, as a user runs them: on files with
// other separators, line ends, class counts and column types than Bank Marketing, and on
// bad input, where the command must fail with a clear message and leave nothing behind.

#include "core/automl/csv.h"

#include <QProcess>
#include <QString>
#include <QStringList>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <unistd.h>

using namespace cerulean::automl;
namespace fs = std::filesystem;

namespace {

struct CliRun
{
    int exitCode = -1;
    std::string out;
    std::string err;
};

// Small budgets: max-trials ends these runs in seconds; the timeout only bounds a slow
// (sanitized, loaded) machine.
const QStringList kQuick = {QStringLiteral("--timeout-minutes"), QStringLiteral("1"), QStringLiteral("--max-trials"),
                            QStringLiteral("8"), QStringLiteral("--max-concurrent"), QStringLiteral("2"),
                            QStringLiteral("--seed"), QStringLiteral("7")};

CliRun cli(const QStringList &arguments)
{
    QProcess process;
    process.start(QStringLiteral(CERULEAN_CLI_PATH), arguments);
    CliRun run;
    if (!process.waitForStarted(10000))
        return run;
    process.closeWriteChannel();
    if (!process.waitForFinished(240000)) {
        process.kill();
        process.waitForFinished();
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    run.out = process.readAllStandardOutput().toStdString();
    run.err = process.readAllStandardError().toStdString();
    return run;
}

QString q(const fs::path &p) { return QString::fromStdString(p.string()); }

fs::path fixture(const std::string &name)
{
    const char *env = std::getenv("CERULEAN_TEST_DATA");
    return fs::path(env ? env : CERULEAN_SOURCE_DIR "/tests/data") / "automl" / name;
}

class TempDir
{
public:
    explicit TempDir(const std::string &name)
        : m_path(fs::temp_directory_path() / ("cerulean-cli-test-" + std::to_string(::getpid()) + "-" + name))
    {
        fs::remove_all(m_path);
        fs::create_directories(m_path);
    }
    ~TempDir() { fs::remove_all(m_path); }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const fs::path &path() const { return m_path; }
    fs::path operator/(const std::string &name) const { return m_path / name; }

    // Nothing but the listed entries (no half-written output, no temporary directories).
    std::set<std::string> entries() const
    {
        std::set<std::string> names;
        for (const auto &entry : fs::directory_iterator(m_path))
            names.insert(entry.path().filename().string());
        return names;
    }

private:
    fs::path m_path;
};

void writeFile(const fs::path &path, const std::string &text)
{
    std::ofstream out(path, std::ios::binary);
    out << text;
}

nlohmann::json lastJsonLine(const std::string &out)
{
    const auto end = out.find_last_not_of('\n');
    const auto start = out.rfind('\n', end);
    return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start + 1), nullptr, false);
}

// Checks a predictions file: the input columns, predicted_label, one probability per class
// summing to 1, the label the most probable class. Returns the predicted labels.
std::vector<std::string> readPredictions(const fs::path &path, std::size_t rows, const std::vector<std::string> &classes,
                                         const std::vector<std::string> &inputColumns)
{
    auto table = readCsvFile(path.string());
    EXPECT_TRUE(table.ok()) << table.error();
    if (!table.ok())
        return {};
    const Dataset &d = table->data;
    EXPECT_EQ(d.rows, rows);
    for (const auto &name : inputColumns)
        EXPECT_GE(d.columnIndex(name), 0) << "input column " << name << " kept";
    const int label = d.columnIndex("predicted_label");
    EXPECT_GE(label, 0);
    std::vector<int> probability;
    for (const auto &c : classes) {
        probability.push_back(d.columnIndex("probability_" + c));
        EXPECT_GE(probability.back(), 0) << "probability_" << c;
    }
    if (label < 0 || std::find(probability.begin(), probability.end(), -1) != probability.end())
        return {};
    std::vector<std::string> labels;
    for (std::size_t r = 0; r < d.rows; ++r) {
        double sum = 0, best = -1;
        std::string argmax;
        for (std::size_t c = 0; c < classes.size(); ++c) {
            const Column &column = d.columns[static_cast<std::size_t>(probability[c])];
            const double p = column.numeric ? column.numbers[r] : std::stod(column.text[r]);
            EXPECT_GE(p, 0.0);
            EXPECT_LE(p, 1.0);
            sum += p;
            if (p > best) {
                best = p;
                argmax = classes[c];
            }
        }
        // XGBoost's multiclass softmax is computed in single precision.
        EXPECT_NEAR(sum, 1.0, 1e-6) << "row " << r + 1;
        labels.push_back(d.columns[static_cast<std::size_t>(label)].cellText(r));
        EXPECT_EQ(labels.back(), argmax) << "row " << r + 1;
    }
    return labels;
}

double accuracy(const std::vector<std::string> &predicted, const Dataset &truth, const std::string &target)
{
    const int t = truth.columnIndex(target);
    if (t < 0 || predicted.size() != truth.rows || predicted.empty())
        return 0;
    std::size_t hits = 0;
    for (std::size_t r = 0; r < truth.rows; ++r)
        hits += predicted[r] == truth.columns[static_cast<std::size_t>(t)].cellText(r) ? 1 : 0;
    return static_cast<double>(hits) / static_cast<double>(truth.rows);
}

TEST(CliAutoml, SemicolonFileWithIdConstantAndHighCardinalityColumnsTrainsAndScores)
{
    TempDir dir("churn");
    const fs::path out = dir / "run";
    QStringList args = {QStringLiteral("automl"), QStringLiteral("--data"), q(fixture("generalization/churn_semicolon.csv")),
                        QStringLiteral("--target"), QStringLiteral("churned"), QStringLiteral("--test"),
                        q(fixture("generalization/churn_semicolon_test.csv")), QStringLiteral("--out"), q(out),
                        QStringLiteral("--json")};
    args += kQuick;
    const CliRun run = cli(args);
    ASSERT_EQ(run.exitCode, 0) << run.err;
    const nlohmann::json summary = lastJsonLine(run.out);
    ASSERT_TRUE(summary.is_object()) << run.out;
    EXPECT_EQ(summary.value("stop_reason", ""), "max_trials");
    const double testAuc = summary["test_metrics"].value("AUC_weighted", 0.0);
    EXPECT_GT(testAuc, 0.85) << run.err;
    // The guardrails say what they did with the ID-like and the constant column.
    EXPECT_NE(run.err.find("customer_id"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("source"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("Leaderboard"), std::string::npos);

    EXPECT_TRUE(fs::exists(out / "leaderboard.json"));
    EXPECT_TRUE(fs::exists(out / "guardrails.json"));
    EXPECT_TRUE(fs::exists(out / "best" / "model.json"));
    EXPECT_EQ(dir.entries(), (std::set<std::string>{"run"})) << "no temporary directory left";
    std::ifstream boardFile(out / "leaderboard.json");
    const nlohmann::json board = nlohmann::json::parse(boardFile, nullptr, false);
    ASSERT_TRUE(board.is_object());
    EXPECT_GE(board["runs"].size(), 8u);
    EXPECT_EQ(board["best_run_id"], summary["best_run_id"]);
    for (const auto &r : board["runs"])
        EXPECT_TRUE(fs::exists(out / "runs" / std::to_string(r["run_id"].get<int>()) / "metrics.json"));

    // score: the target column present in the rows is ignored.
    const fs::path predictions = dir / "pred.csv";
    const CliRun scored = cli({QStringLiteral("score"), QStringLiteral("--model"), q(out / "best"), QStringLiteral("--data"),
                            q(fixture("generalization/churn_semicolon_test.csv")), QStringLiteral("--out"), q(predictions)});
    ASSERT_EQ(scored.exitCode, 0) << scored.err;
    EXPECT_NE(scored.err.find("Scored 200 rows"), std::string::npos) << scored.err;
    auto truth = readCsvFile(fixture("generalization/churn_semicolon_test.csv").string());
    ASSERT_TRUE(truth.ok()) << truth.error();
    const auto labels = readPredictions(predictions, 200, {"no", "yes"}, {"customer_id", "plan", "city", "churned"});
    EXPECT_GT(accuracy(labels, truth->data, "churned"), 0.8);
    // The reported test accuracy is the package's own: scoring agrees with it.
    EXPECT_NEAR(accuracy(labels, truth->data, "churned"), summary["test_metrics"].value("accuracy", -1.0), 1e-9);

    // The same rows without the target column predict the same labels.
    const fs::path noTarget = dir / "rows.csv";
    {
        std::ifstream in(fixture("generalization/churn_semicolon_test.csv"), std::ios::binary);
        std::ofstream outFile(noTarget, std::ios::binary);
        std::string line;
        while (std::getline(in, line))
            outFile << line.substr(0, line.rfind(';')) << "\r\n";
    }
    const fs::path predictions2 = dir / "pred2.csv";
    const CliRun scored2 = cli({QStringLiteral("score"), QStringLiteral("--model"), q(out / "best"), QStringLiteral("--data"),
                             q(noTarget), QStringLiteral("--out"), q(predictions2)});
    ASSERT_EQ(scored2.exitCode, 0) << scored2.err;
    EXPECT_EQ(readPredictions(predictions2, 200, {"no", "yes"}, {"customer_id"}), labels);
}

TEST(CliAutoml, MulticlassTabFileWithNumericLabelsCrossValidatesAndScores)
{
    TempDir dir("wine");
    const fs::path out = dir / "run";
    QStringList args = {QStringLiteral("automl"), QStringLiteral("--data"), q(fixture("generalization/wine_quality.tsv")),
                        QStringLiteral("--target"), QStringLiteral("quality"), QStringLiteral("--test-size"),
                        QStringLiteral("0.25"), QStringLiteral("--validation"), QStringLiteral("cv:3"),
                        QStringLiteral("--out"), q(out), QStringLiteral("--json")};
    args += kQuick;
    const CliRun run = cli(args);
    ASSERT_EQ(run.exitCode, 0) << run.err;
    const nlohmann::json summary = lastJsonLine(run.out);
    ASSERT_TRUE(summary.is_object()) << run.out;
    EXPECT_GT(summary["test_metrics"].value("AUC_weighted", 0.0), 0.85) << run.err;
    EXPECT_GT(summary["test_metrics"].value("accuracy", 0.0), 0.65) << run.err;
    EXPECT_NE(run.err.find("3-fold cross-validation"), std::string::npos) << run.err;

    const fs::path predictions = dir / "pred.csv";
    const CliRun scored = cli({QStringLiteral("score"), QStringLiteral("--model"), q(out / "best"), QStringLiteral("--data"),
                            q(fixture("generalization/wine_quality.tsv")), QStringLiteral("--out"), q(predictions)});
    ASSERT_EQ(scored.exitCode, 0) << scored.err;
    auto truth = readCsvFile(fixture("generalization/wine_quality.tsv").string());
    ASSERT_TRUE(truth.ok());
    const auto labels = readPredictions(predictions, 450, {"3", "5", "7"}, {"volatile acidity", "quality"});
    EXPECT_GT(accuracy(labels, truth->data, "quality"), 0.7);
}

TEST(CliAutoml, FourImbalancedClassesInAPipeFileWithMissingValues)
{
    TempDir dir("sensors");
    const fs::path out = dir / "run";
    QStringList args = {QStringLiteral("automl"), QStringLiteral("--data"), q(fixture("generalization/sensors_pipe.csv")),
                        QStringLiteral("--target"), QStringLiteral("state"), QStringLiteral("--validation"),
                        QStringLiteral("split:0.3"), QStringLiteral("--metric"), QStringLiteral("norm_macro_recall"),
                        QStringLiteral("--out"), q(out)};
    args += kQuick;
    const CliRun run = cli(args);
    ASSERT_EQ(run.exitCode, 0) << run.err;
    // Without --json the report goes to stdout: the guardrails saw the imbalance and the
    // missing humidity values.
    EXPECT_NE(run.out.find("Class balancing detection"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("humidity"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("<- best"), std::string::npos) << run.out;

    const fs::path predictions = dir / "pred.csv";
    const CliRun scored = cli({QStringLiteral("score"), QStringLiteral("--model"), q(out / "best"), QStringLiteral("--data"),
                            q(fixture("generalization/sensors_pipe.csv")), QStringLiteral("--out"), q(predictions)});
    ASSERT_EQ(scored.exitCode, 0) << scored.err;
    auto truth = readCsvFile(fixture("generalization/sensors_pipe.csv").string());
    ASSERT_TRUE(truth.ok());
    const auto labels =
        readPredictions(predictions, 500, {"intrusion", "normal", "overheat", "unbalanced"}, {"door_open", "state"});
    EXPECT_GT(accuracy(labels, truth->data, "state"), 0.85);
    EXPECT_GT(std::set<std::string>(labels.begin(), labels.end()).size(), 2u) << "not one class for every row";
}

// One bad input: a non-zero exit, the expected words in the message, nothing written.
void expectCleanFailure(const QStringList &arguments, const std::vector<std::string> &words, int exitCode = 1)
{
    TempDir dir("bad");
    const fs::path out = dir / "run";
    QStringList args = arguments;
    args << QStringLiteral("--out") << q(out);
    args += kQuick;
    const CliRun run = cli(args);
    EXPECT_EQ(run.exitCode, exitCode) << run.err;
    for (const auto &word : words)
        EXPECT_NE(run.err.find(word), std::string::npos) << "'" << word << "' in: " << run.err;
    EXPECT_TRUE(dir.entries().empty()) << "nothing half written";
}

TEST(CliAutoml, BadInputIsAClearErrorAndWritesNothing)
{
    const QString churn = q(fixture("generalization/churn_semicolon.csv"));
    const QString automl = QStringLiteral("automl"), data = QStringLiteral("--data"), target = QStringLiteral("--target");
    // Missing target column: the columns are listed.
    expectCleanFailure({automl, data, churn, target, QStringLiteral("churn")},
                       {"target column 'churn' not found", "customer_id", "support_calls", "churned"});
    // Empty file, ragged rows, undecodable bytes: the line is named.
    expectCleanFailure({automl, data, q(fixture("empty.csv")), target, QStringLiteral("y")}, {"empty.csv"});
    expectCleanFailure({automl, data, q(fixture("ragged.csv")), target, QStringLiteral("c")},
                       {"line 4: 2 fields, expected 3"});
    expectCleanFailure({automl, data, q(fixture("latin1.csv")), target, QStringLiteral("name")},
                       {"line 3: invalid UTF-8"});
    // A test file whose columns differ from training: they are named.
    expectCleanFailure({automl, data, churn, target, QStringLiteral("churned"), QStringLiteral("--test"),
                        q(fixture("generalization/sensors_pipe.csv"))},
                       {"test data columns differ from training", "customer_id", "temperature"});
    // Usage errors exit with 2.
    expectCleanFailure({automl, data, churn}, {"--data, --target and --out are required"}, 2);
    expectCleanFailure({automl, data, churn, target, QStringLiteral("churned"), QStringLiteral("--validation"),
                        QStringLiteral("folds")},
                       {"--validation must be"}, 2);

    TempDir made("made");
    // A single class.
    writeFile(made / "one_class.csv", "a,b,y\n1,2,yes\n3,4,yes\n5,6,yes\n");
    expectCleanFailure({automl, data, q(made / "one_class.csv"), target, QStringLiteral("y")},
                       {"single class ('yes')"});
    // A column with no values at all.
    std::string text = "a,empty,y\n";
    for (int i = 0; i < 40; ++i)
        text += std::to_string(i) + ",," + (i % 2 ? "yes" : "no") + "\n";
    writeFile(made / "all_missing.csv", text);
    expectCleanFailure({automl, data, q(made / "all_missing.csv"), target, QStringLiteral("y")},
                       {"no values at all: empty"});

    // An existing, non-empty output directory is never written into.
    TempDir existing("existing");
    fs::create_directories(existing / "run");
    writeFile(existing / "run" / "keep.txt", "mine");
    QStringList args = {automl, data, churn, target, QStringLiteral("churned"), QStringLiteral("--out"),
                        q(existing / "run")};
    args += kQuick;
    const CliRun run = cli(args);
    EXPECT_EQ(run.exitCode, 1);
    EXPECT_NE(run.err.find("already exists and is not empty"), std::string::npos) << run.err;
    EXPECT_EQ(existing.entries(), (std::set<std::string>{"run"}));
    EXPECT_TRUE(fs::exists(existing / "run" / "keep.txt"));
    EXPECT_FALSE(fs::exists(existing / "run" / "leaderboard.json"));
}

TEST(CliScore, RejectedRowsAndMissingColumnsAreErrorsAndWriteNothing)
{
    TempDir dir("score");
    const fs::path out = dir / "run";
    QStringList args = {QStringLiteral("automl"), QStringLiteral("--data"), q(fixture("generalization/churn_semicolon.csv")),
                        QStringLiteral("--target"), QStringLiteral("churned"), QStringLiteral("--no-explain"),
                        QStringLiteral("--out"), q(out), QStringLiteral("--timeout-minutes"), QStringLiteral("1"),
                        QStringLiteral("--max-trials"), QStringLiteral("2"), QStringLiteral("--seed"), QStringLiteral("7")};
    const CliRun run = cli(args);
    ASSERT_EQ(run.exitCode, 0) << run.err;
    const QString model = q(out / "best");

    // Text in a numeric column: the row and the column are named.
    writeFile(dir / "text_in_number.csv",
              "customer_id;plan;city;tenure_months;monthly_fee;support_calls;source\n"
              "C1;plus;city_001;12;40.5;1;web\n"
              "C2;plus;city_002;12;forty;1;web\n");
    CliRun scored = cli({QStringLiteral("score"), QStringLiteral("--model"), model, QStringLiteral("--data"),
                      q(dir / "text_in_number.csv"), QStringLiteral("--out"), q(dir / "p1.csv")});
    EXPECT_EQ(scored.exitCode, 1);
    EXPECT_NE(scored.err.find("monthly_fee"), std::string::npos) << scored.err;
    EXPECT_NE(scored.err.find("row 2"), std::string::npos) << scored.err;
    EXPECT_NE(scored.err.find("forty"), std::string::npos) << scored.err;
    EXPECT_FALSE(fs::exists(dir / "p1.csv"));

    // A column the model needs is missing: it is named.
    writeFile(dir / "missing_column.csv", "customer_id,plan,city,tenure_months,source\nC1,plus,city_001,12,web\n");
    scored = cli({QStringLiteral("score"), QStringLiteral("--model"), model, QStringLiteral("--data"),
                  q(dir / "missing_column.csv"), QStringLiteral("--out"), q(dir / "p2.csv")});
    EXPECT_EQ(scored.exitCode, 1);
    EXPECT_NE(scored.err.find("monthly_fee"), std::string::npos) << scored.err;
    EXPECT_NE(scored.err.find("support_calls"), std::string::npos) << scored.err;
    EXPECT_FALSE(fs::exists(dir / "p2.csv"));

    // Not a model package.
    scored = cli({QStringLiteral("score"), QStringLiteral("--model"), q(dir.path()), QStringLiteral("--data"),
                  q(dir / "missing_column.csv"), QStringLiteral("--out"), q(dir / "p3.csv")});
    EXPECT_EQ(scored.exitCode, 1);
    EXPECT_NE(scored.err.find("model.json"), std::string::npos) << scored.err;
    EXPECT_FALSE(fs::exists(dir / "p3.csv"));

    // Usage.
    scored = cli({QStringLiteral("score"), QStringLiteral("--model"), model});
    EXPECT_EQ(scored.exitCode, 2);
    EXPECT_NE(scored.err.find("--model, --data and --out are required"), std::string::npos) << scored.err;
}

} // namespace
