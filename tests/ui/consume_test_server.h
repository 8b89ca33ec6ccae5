#pragma once

// A real scoring endpoint for the Swagger, Consume and Benchmark page tests: an XGBoost model
// package trained on the first Bank Marketing rows (core/automl's trainQuickPackage), served
// in-process by core/serving's ScoringServer on a loopback port with a key.

#include "core/automl/csv.h"
#include "core/automl/engine.h"
#include "core/automl/model_package.h"
#include "core/serving/model_package_scorer.h"
#include "core/serving/scoring_service.h"

#include <QDir>
#include <QString>
#include <QTemporaryDir>
#include <QUrl>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>

namespace cerulean::test {

inline std::string sharedDir()
{
    const char *env = std::getenv("CERULEAN_SHARED_DIR");
    return env && *env ? env : CERULEAN_SOURCE_DIR "/../shared";
}

class ScoringEndpoint final
{
public:
    static constexpr const char *kKey = "test-primary-key-0123456789";
    static constexpr std::size_t kTrainingRows = 3000;

    // Returns an error message, or an empty string when the endpoint is up.
    std::string start()
    {
        if (!m_dir.isValid())
            return "no temporary folder";
        const std::filesystem::path packageDir = std::filesystem::path(m_dir.path().toStdString()) / "package";
        auto table = automl::readCsvFile(sharedDir() + "/data/bankmarketing_train.csv");
        if (!table)
            return table.error();
        std::vector<std::size_t> first(kTrainingRows);
        std::iota(first.begin(), first.end(), std::size_t{0});
        auto package = automl::trainQuickPackage(table->data.selectRows(first), "y", packageDir);
        if (!package)
            return package.error();
        std::string error;
        m_scorer = serving::ModelPackageScorer::load(packageDir, error);
        if (!m_scorer)
            return error;
        serving::ScoringServerOptions options;
        options.http.threads = 2;
        options.scoring.primaryKey = kKey;
        options.scoring.endpointName = "bank-marketing-test";
        m_server = std::make_unique<serving::ScoringServer>(m_scorer, options);
        if (auto failure = m_server->start())
            return *failure;
        return {};
    }

    QUrl scoringUri() const { return QUrl(QString::fromStdString(m_server->url()) + QStringLiteral("/score")); }
    QUrl swaggerUri() const { return QUrl(QString::fromStdString(m_server->url()) + QStringLiteral("/swagger.json")); }
    const automl::ModelPackage &package() const { return m_scorer->package(); }
    serving::ScoringServer &server() { return *m_server; }

private:
    QTemporaryDir m_dir;
    std::shared_ptr<serving::ModelPackageScorer> m_scorer;
    std::unique_ptr<serving::ScoringServer> m_server;
};

} // namespace cerulean::test
