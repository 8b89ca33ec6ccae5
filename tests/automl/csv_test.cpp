#include "core/automl/csv.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>

using namespace cerulean::automl;

namespace {

std::string sharedDir()
{
    if (const char *dir = std::getenv("CERULEAN_SHARED_DIR"))
        return dir;
    return CERULEAN_SOURCE_DIR "/../shared";
}

std::string testData(const std::string &name)
{
    const char *dir = std::getenv("CERULEAN_TEST_DATA");
    return std::string(dir ? dir : CERULEAN_SOURCE_DIR "/tests/data") + "/automl/" + name;
}

CsvTable parseOk(std::string_view text, const CsvOptions &options = {})
{
    auto result = parseCsv(text, options);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error());
    return result.ok() ? std::move(result).value() : CsvTable{};
}

std::string parseError(std::string_view text, const CsvOptions &options = {})
{
    auto result = parseCsv(text, options);
    EXPECT_FALSE(result.ok());
    return result.ok() ? std::string() : result.error();
}

} // namespace

TEST(Csv, ReadsNumericAndTextColumns)
{
    const auto table = parseOk("a,b,c\n1,x,2.5\n2,y,-3e2\n");
    const Dataset &d = table.data;
    ASSERT_EQ(d.rows, 2u);
    ASSERT_EQ(d.columnCount(), 3u);
    EXPECT_EQ(d.columnNames(), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_TRUE(d.columns[0].numeric);
    EXPECT_FALSE(d.columns[1].numeric);
    EXPECT_TRUE(d.columns[2].numeric);
    EXPECT_DOUBLE_EQ(d.columns[2].numbers[1], -300.0);
    EXPECT_EQ(d.columns[1].text[1], "y");
    EXPECT_EQ(table.info.delimiter, ',');
    EXPECT_FALSE(table.info.crlf);
}

TEST(Csv, DetectsEachDelimiter)
{
    for (char delimiter : {',', ';', '\t', '|'}) {
        std::string text = "name|value|note\nalpha|1|x,y\nbeta|2|u,v\n";
        for (char &c : text) {
            if (c == '|')
                c = delimiter;
        }
        if (delimiter == ',') // the note fields would then need quotes
            text = "name,value,note\nalpha,1,\"x;y\"\nbeta,2,u|v\n";
        const auto table = parseOk(text);
        EXPECT_EQ(table.info.delimiter, delimiter);
        ASSERT_EQ(table.data.columnCount(), 3u) << "delimiter " << delimiter;
        EXPECT_TRUE(table.data.columns[1].numeric);
    }
    EXPECT_EQ(detectDelimiter("a;b;c\n1;2,5;3\n4;5,5;6\n"), ';');
    EXPECT_EQ(detectDelimiter("single\n1\n2\n"), ',');
}

TEST(Csv, QuotedFieldsWithEscapedQuotesDelimitersAndNewlines)
{
    const auto table = parseOk("id,text\n1,\"he said \"\"hi\"\", then left\"\n2,\"two\nlines\"\n3,plain\n");
    const Dataset &d = table.data;
    ASSERT_EQ(d.rows, 3u);
    EXPECT_EQ(d.columns[1].text[0], "he said \"hi\", then left");
    EXPECT_EQ(d.columns[1].text[1], "two\nlines");
    EXPECT_EQ(d.columns[1].text[2], "plain");
    EXPECT_EQ(table.info.lines, 5u);
}

TEST(Csv, CrlfBomAndMissingFinalNewline)
{
    const auto table = parseOk("\xEF\xBB\xBF" "x,y\r\n1,a\r\n2,b");
    ASSERT_EQ(table.data.rows, 2u);
    EXPECT_TRUE(table.info.hadBom);
    EXPECT_TRUE(table.info.crlf);
    EXPECT_EQ(table.data.columns[0].name, "x"); // no BOM bytes in the first name
    EXPECT_EQ(table.data.columns[1].text[1], "b");   // no trailing CR
}

// Found by fuzz_csv (corpus/csv/regression_second_bom): a byte order mark after the first one
// stayed in the first column's name, so the column 'x' of a file saved twice was not found,
// and the name written back lost it on the next read.
TEST(Csv, ASecondByteOrderMarkIsNotPartOfTheFirstName)
{
    const auto twice = parseOk("\xEF\xBB\xBF\xEF\xBB\xBF" "x,y\n1,a\n");
    EXPECT_EQ(twice.data.columns[0].name, "x");
    EXPECT_EQ(twice.data.columnIndex("x"), 0);
    const auto quoted = parseOk("\"\"\xEF\xBB\xBF" "x,y\n1,a\n"); // "" then the mark, as the fuzzer wrote it
    EXPECT_EQ(quoted.data.columns[0].name, "x");
    // After blanks, and alone (corpus/csv/regression_blank_bom): the name is then empty.
    EXPECT_EQ(parseOk("  \xEF\xBB\xBF x,y\n1,a\n").data.columns[0].name, "x");
    CsvOptions pipes;
    pipes.delimiter = '|';
    EXPECT_EQ(parseOk("\t\t\xEF\xBB\xBF\nage\n3\n", pipes).data.columns[0].name, "Column1");
}

TEST(Csv, MissingTokensAndNumericInference)
{
    const auto table = parseOk("n,t,m\n1,NA,\n?,b,null\nNaN,,NULL\n4.5,c,na\n");
    const Dataset &d = table.data;
    ASSERT_TRUE(d.columns[0].numeric);
    EXPECT_TRUE(std::isnan(d.columns[0].numbers[1]));
    EXPECT_TRUE(std::isnan(d.columns[0].numbers[2]));
    EXPECT_DOUBLE_EQ(d.columns[0].numbers[3], 4.5);
    ASSERT_FALSE(d.columns[1].numeric);
    EXPECT_TRUE(d.columns[1].isMissing(0));
    EXPECT_TRUE(d.columns[1].isMissing(2));
    EXPECT_FALSE(d.columns[1].isMissing(1));
    EXPECT_EQ(d.columns[1].missingCount(), 2u);
    // All missing: stored as numeric NaN.
    EXPECT_TRUE(d.columns[2].numeric);
    EXPECT_EQ(d.columns[2].missingCount(), 4u);
}

TEST(Csv, OneNonNumberMakesTheColumnText)
{
    const auto table = parseOk("zip\n02134\n10001\nSW1A\n");
    ASSERT_FALSE(table.data.columns[0].numeric);
    EXPECT_EQ(table.data.columns[0].text[0], "02134"); // original text kept
}

TEST(Csv, NumbersThatLookOdd)
{
    double v = 0;
    EXPECT_TRUE(parseNumber(" 42 ", v));
    EXPECT_DOUBLE_EQ(v, 42);
    EXPECT_TRUE(parseNumber("+1.5", v));
    EXPECT_DOUBLE_EQ(v, 1.5);
    EXPECT_TRUE(parseNumber(".5", v));
    EXPECT_TRUE(parseNumber("1e-3", v));
    EXPECT_DOUBLE_EQ(v, 0.001);
    EXPECT_TRUE(parseNumber("92.89299999999999", v));
    EXPECT_FALSE(parseNumber("inf", v));
    EXPECT_FALSE(parseNumber("nan", v));
    EXPECT_FALSE(parseNumber("1,5", v));
    EXPECT_FALSE(parseNumber("12abc", v));
    EXPECT_FALSE(parseNumber("", v));
    EXPECT_FALSE(parseNumber("-", v));
    EXPECT_FALSE(parseNumber("1e999", v));
}

TEST(Csv, TypeHintsKeepTextOrRequireNumbers)
{
    CsvOptions options;
    options.typeHints = {{"zip", ColumnTypeHint::Text}};
    const auto table = parseOk("zip,n\n02134,1\n10001,2\n", options);
    ASSERT_FALSE(table.data.columns[0].numeric);
    EXPECT_EQ(table.data.columns[0].text[0], "02134");

    CsvOptions numeric;
    numeric.typeHints = {{"age", ColumnTypeHint::Numeric}};
    EXPECT_EQ(parseError("name,age\nann,31\nbob,old\n", numeric), "line 3: column 'age': 'old' is not a number");
}

TEST(Csv, SpacesAroundUnquotedValuesAreTrimmed)
{
    const auto table = parseOk("a , b\n 1 ,  x y \n2,\" z \"\n");
    EXPECT_EQ(table.data.columns[0].name, "a");
    EXPECT_EQ(table.data.columns[1].name, "b");
    EXPECT_TRUE(table.data.columns[0].numeric);
    EXPECT_EQ(table.data.columns[1].text[0], "x y");
    EXPECT_EQ(table.data.columns[1].text[1], " z "); // quoted: exact
}

TEST(Csv, BlankLinesAreSkippedAndEmptyHeaderNamesGetNames)
{
    const auto table = parseOk(",v\n\n1,2\n\n3,4\n\n");
    ASSERT_EQ(table.data.rows, 2u);
    EXPECT_EQ(table.data.columns[0].name, "Column1");
}

TEST(Csv, RaggedRowsNameTheLine)
{
    EXPECT_EQ(parseError("a,b,c\n1,2,3\n1,2\n"), "line 3: 2 fields, expected 3");
    EXPECT_EQ(parseError("a,b\n1,2\n3,4,5\n"), "line 3: 3 fields, expected 2");
    // A quoted newline makes the next record start two lines later.
    EXPECT_EQ(parseError("a,b\n1,\"x\ny\"\n1\n"), "line 4: 1 fields, expected 2");
}

TEST(Csv, InvalidUtf8NamesLineAndByte)
{
    EXPECT_EQ(parseError("a,b\n1,ok\n2,caf\xE9!\n"), "line 3: invalid UTF-8 at byte 6");
    EXPECT_EQ(parseError("a,b\r\n1,\xC3\xA9t\xC3\xA9\r\n2,\xFF\r\n"), "line 3: invalid UTF-8 at byte 3");
    // Overlong encodings and truncated sequences are invalid too.
    EXPECT_EQ(parseError("a\n\xC0\xAF\n"), "line 2: invalid UTF-8 at byte 1");
    EXPECT_EQ(parseError("a\nx\xE2\x82\n"), "line 2: invalid UTF-8 at byte 2");
    // Valid multi-byte text passes.
    const auto table = parseOk("city\nZürich\n東京\n😀\n");
    EXPECT_EQ(table.data.columns[0].text[1], "東京");
}

TEST(Csv, EmptyHeaderOnlyDuplicateNamesAndOpenQuotes)
{
    EXPECT_EQ(parseError(""), "the file is empty");
    EXPECT_EQ(parseError("\n\r\n"), "the file is empty");
    EXPECT_EQ(parseError("\xEF\xBB\xBF"), "the file is empty");
    EXPECT_EQ(parseError("a,b,c\n"), "no data rows: the file has only a header (line 1)");
    EXPECT_EQ(parseError("a,b,a\n1,2,3\n"), "line 1: duplicate column name 'a' (columns 1 and 3)");
    EXPECT_EQ(parseError("a,b\n1,\"open\n2,3\n"), "line 2: a quoted field is not closed before the end of the file");
}

TEST(Csv, MemoryBudgetRefusesCleanly)
{
    std::string text = "a,b\n";
    for (int i = 0; i < 5000; ++i)
        text += std::to_string(i) + ",some text value that is long enough to allocate\n";
    CsvOptions options;
    options.memoryBudgetBytes = 100 * 1024;
    const std::string error = parseError(text, options);
    EXPECT_NE(error.find("over the budget of 0.1 MiB"), std::string::npos) << error;
    options.memoryBudgetBytes = 10 << 20;
    EXPECT_EQ(parseOk(text, options).data.rows, 5000u);
}

TEST(Csv, FileErrorsAndFixtures)
{
    auto missing = readCsvFile("/nonexistent/file.csv");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error(), "cannot open the file: No such file or directory");

    auto empty = readCsvFile(testData("empty.csv"));
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error(), "the file is empty");

    auto ragged = readCsvFile(testData("ragged.csv"));
    ASSERT_FALSE(ragged.ok());
    EXPECT_EQ(ragged.error(), "line 4: 2 fields, expected 3");

    auto latin1 = readCsvFile(testData("latin1.csv"));
    ASSERT_FALSE(latin1.ok());
    EXPECT_EQ(latin1.error(), "line 3: invalid UTF-8 at byte 10");

    auto quirks = readCsvFile(testData("quirks_semicolon.csv"));
    ASSERT_TRUE(quirks.ok()) << quirks.error();
    EXPECT_EQ(quirks->info.delimiter, ';');
    EXPECT_TRUE(quirks->info.hadBom);
    EXPECT_TRUE(quirks->info.crlf);
    ASSERT_EQ(quirks->data.rows, 3u);
    EXPECT_EQ(quirks->data.columns[1].text[1], "multi\r\nline; \"quoted\"");
    EXPECT_TRUE(quirks->data.columns[2].numeric);
    EXPECT_TRUE(quirks->data.columns[2].isMissing(2));
}

TEST(Csv, BankMarketingTrainFile)
{
    const auto start = std::chrono::steady_clock::now();
    auto result = readCsvFile(sharedDir() + "/data/bankmarketing_train.csv");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(result.ok()) << result.error();
    const Dataset &d = result->data;
    EXPECT_EQ(d.rows, 32950u);
    EXPECT_EQ(d.columnCount(), 21u);
    EXPECT_TRUE(result->info.crlf);
    EXPECT_EQ(result->info.delimiter, ',');
    EXPECT_EQ(result->info.lines, 32951u);
    EXPECT_EQ(result->info.bytes, 4150422u);
    const std::vector<std::string> numeric = {"age", "duration", "campaign", "pdays", "previous", "emp.var.rate",
                                              "cons.price.idx", "cons.conf.idx", "euribor3m", "nr.employed"};
    for (const auto &column : d.columns) {
        const bool expectNumeric = std::find(numeric.begin(), numeric.end(), column.name) != numeric.end();
        EXPECT_EQ(column.numeric, expectNumeric) << column.name;
        EXPECT_EQ(column.missingCount(), 0u) << column.name;
    }
    const Column &y = d.columns[static_cast<std::size_t>(d.columnIndex("y"))];
    EXPECT_EQ(std::count(y.text.begin(), y.text.end(), "yes"), 3692);
    const Column &price = d.columns[static_cast<std::size_t>(d.columnIndex("cons.price.idx"))];
    EXPECT_NEAR(price.numbers[0], 92.893, 1e-9);
    std::printf("read bankmarketing_train.csv in %.1f ms\n",
                std::chrono::duration<double, std::milli>(elapsed).count());
}

TEST(Csv, FieldsAreQuotedOnlyWhenNeeded)
{
    EXPECT_EQ(csvField("plain"), "plain");
    EXPECT_EQ(csvField("a,b"), "\"a,b\"");
    EXPECT_EQ(csvField("say \"x\""), "\"say \"\"x\"\"\"");
    EXPECT_EQ(csvField("two\nlines"), "\"two\nlines\"");
    EXPECT_EQ(csvField("a;b", ';'), "\"a;b\"");
    EXPECT_EQ(csvField("a;b", ','), "a;b");
    // What csvField writes, the reader reads back.
    const std::string row = csvField("x") + "," + csvField("a,\"b\"\nc") + "\n";
    const auto table = parseOk("p,q\n" + row);
    EXPECT_EQ(table.data.columns[1].text[0], "a,\"b\"\nc");
}

// Found by fuzz_csv (corpus/csv/regression_trailing_tab): text after a closing quote is kept
// with its trailing tabs, but written back unquoted the reader trimmed them.
TEST(Csv, ValuesWithBlankEdgesReadBackWhole)
{
    EXPECT_EQ(csvField("a\t"), "\"a\t\"");
    EXPECT_EQ(csvField("\ta"), "\"\ta\"");
    EXPECT_EQ(csvField("a\tb"), "a\tb");
    CsvOptions semicolons;
    semicolons.delimiter = ';';
    const auto first = parseOk("c;d\n\"\",1fh\t\t;x\n", semicolons);
    ASSERT_EQ(first.data.columns[0].text[0], ",1fh\t\t");
    const std::string written = "c;d\n" + csvField(first.data.columns[0].text[0], ';') + ";x\n";
    const auto again = parseOk(written, semicolons);
    EXPECT_EQ(again.data.columns[0].text[0], ",1fh\t\t");
}

TEST(Csv, DecimalCommasWithSemicolons)
{
    const auto table = parseOk("rate;label;code\n-1,8;a;1,2,3\n1,1;b;4\n93,994;c;5\n");
    EXPECT_EQ(table.info.delimiter, ';');
    EXPECT_TRUE(table.info.decimalComma);
    ASSERT_TRUE(table.data.columns[0].numeric);
    EXPECT_DOUBLE_EQ(table.data.columns[0].numbers[0], -1.8);
    EXPECT_DOUBLE_EQ(table.data.columns[0].numbers[2], 93.994);
    EXPECT_FALSE(table.data.columns[2].numeric); // two commas: not a number
    // With ',' between fields a decimal comma cannot occur unquoted; quoted it stays text.
    const auto commas = parseOk("rate,label\n\"1,5\",a\n2,b\n");
    EXPECT_FALSE(commas.info.decimalComma);
    EXPECT_FALSE(commas.data.columns[0].numeric);
}
