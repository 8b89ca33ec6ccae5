// Writes a small real model package for the end-to-end tests and benchmarks: one XGBoost
// trained on the first rows of Bank Marketing (trainQuickPackage), plus one_row.json.
//   make_test_package OUT_DIR [ROWS]

#include "core/automl/csv.h"
#include "core/automl/engine.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <string>

int main(int argc, char **argv)
{
    using namespace cerulean::automl;
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR [ROWS]\n", argv[0]);
        return 2;
    }
    const std::filesystem::path out = argv[1];
    const std::size_t rows = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 4000;
    const char *shared = std::getenv("CERULEAN_SHARED_DIR");
    const std::string csv = std::string(shared && *shared ? shared : CERULEAN_SOURCE_DIR "/../shared")
                            + "/data/bankmarketing_train.csv";
    auto table = readCsvFile(csv);
    if (!table) {
        std::fprintf(stderr, "cannot read %s: %s\n", csv.c_str(), table.error().c_str());
        return 1;
    }
    Dataset data = std::move(table->data);
    if (rows > 0 && rows < data.rows) {
        std::vector<std::size_t> first(rows);
        std::iota(first.begin(), first.end(), std::size_t{0});
        data = data.selectRows(first);
    }
    std::error_code ec;
    std::filesystem::remove_all(out, ec);
    auto package = trainQuickPackage(data, "y", out);
    if (!package) {
        std::fprintf(stderr, "cannot train the package: %s\n", package.error().c_str());
        return 1;
    }
    std::printf("%s\n", out.c_str());
    return 0;
}
