// cerulean-cli score: batch scoring of a CSV file with a model package. The output has the
// input columns, the predicted label and one probability column per class.

#include "app/cli/cli_util.h"
#include "app/cli/command.h"

#include "core/automl/csv.h"
#include "core/automl/model_package.h"
#include "core/automl/schema.h"

#include <QCommandLineParser>
#include <QString>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

namespace cerulean::cli {

int runScore(const QStringList &arguments)
{
    using namespace cerulean::automl;
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Score a CSV file with a trained model package."));
    const QCommandLineOption modelOption(QStringLiteral("model"), QStringLiteral("Model package directory (DIR/best)."),
                                         QStringLiteral("DIR"));
    const QCommandLineOption dataOption(QStringLiteral("data"), QStringLiteral("Rows to score (CSV)."), QStringLiteral("ROWS.csv"));
    const QCommandLineOption outOption(QStringLiteral("out"), QStringLiteral("Predictions CSV to write."), QStringLiteral("PRED.csv"));
    parser.addOptions({modelOption, dataOption, outOption});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    if (!parser.isSet(modelOption) || !parser.isSet(dataOption) || !parser.isSet(outOption)) {
        printErr(QStringLiteral("score: --model, --data and --out are required."));
        return ExitUsage;
    }
    auto q = [](const std::string &s) { return QString::fromStdString(s); };

    auto package = ModelPackage::load(parser.value(modelOption).toStdString());
    if (!package) {
        printErr(QStringLiteral("score: %1").arg(q(package.error())));
        return ExitFailure;
    }
    const InputSchema &schema = package->schema();
    CsvOptions csvOptions;
    csvOptions.typeHints = schema.csvTypeHints();
    auto table = readCsvFile(parser.value(dataOption).toStdString(), csvOptions);
    if (!table) {
        printErr(QStringLiteral("score: %1: %2").arg(parser.value(dataOption), q(table.error())));
        return ExitFailure;
    }
    const Dataset &data = table->data;
    auto conformed = conformToSchema(data, schema);
    if (!conformed) {
        printErr(QStringLiteral("score: %1: %2").arg(parser.value(dataOption), q(conformed.error())));
        return ExitFailure;
    }
    std::vector<std::vector<Cell>> rows(conformed->rows);
    for (std::size_t r = 0; r < conformed->rows; ++r)
        rows[r] = conformed->row(r);

    const auto t0 = std::chrono::steady_clock::now();
    auto proba = package->predictProbaChecked(rows);
    const auto t1 = std::chrono::steady_clock::now();
    if (!proba) {
        printErr(QStringLiteral("score: %1: %2").arg(parser.value(dataOption), q(proba.error())));
        return ExitFailure;
    }

    const std::filesystem::path out = parser.value(outOption).toStdString();
    std::random_device device;
    std::filesystem::path temp = out;
    temp += ".tmp-" + std::to_string(device());
    {
        std::ofstream file(temp, std::ios::binary | std::ios::trunc);
        if (!file) {
            printErr(QStringLiteral("score: cannot create %1").arg(q(temp.string())));
            return ExitFailure;
        }
        std::string line;
        for (const auto &column : data.columns)
            line += csvField(column.name) + ",";
        line += "predicted_label";
        for (const auto &label : schema.classLabels)
            line += "," + csvField("probability_" + label);
        file << line << '\n';
        char number[32];
        for (std::size_t r = 0; r < data.rows; ++r) {
            line.clear();
            for (const auto &column : data.columns)
                line += csvField(column.cellText(r)) + ",";
            const auto &p = (*proba)[r];
            const std::size_t best = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
            line += csvField(schema.classLabels[best]);
            for (double v : p) {
                std::snprintf(number, sizeof number, "%.17g", v);
                line += ",";
                line += number;
            }
            file << line << '\n';
        }
        file.close();
        if (!file) {
            std::error_code ignore;
            std::filesystem::remove(temp, ignore);
            printErr(QStringLiteral("score: cannot write %1").arg(q(out.string())));
            return ExitFailure;
        }
    }
    std::error_code ec;
    std::filesystem::rename(temp, out, ec);
    if (ec) {
        std::filesystem::remove(temp, ec);
        printErr(QStringLiteral("score: cannot write %1").arg(q(out.string())));
        return ExitFailure;
    }
    printErr(QStringLiteral("Scored %1 rows with %2 (version %3) in %4 ms; wrote %5.")
                 .arg(data.rows)
                 .arg(q(package->name()), q(package->version()))
                 .arg(std::chrono::duration<double, std::milli>(t1 - t0).count(), 0, 'f', 2)
                 .arg(parser.value(outOption)));
    return ExitOk;
}

} // namespace cerulean::cli
