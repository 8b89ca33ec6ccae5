#include "core/automl/csv.h"
#include "core/automl/featurizer.h"
#include "core/automl/schema.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace cerulean::automl;

namespace {

Dataset parse(std::string_view text, const CsvOptions &options = {})
{
    auto result = parseCsv(text, options);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error());
    return result.ok() ? std::move(result->data) : Dataset{};
}

std::string manyRows()
{
    std::string text = "age,color,zip,note,y\n";
    for (int i = 0; i < 200; ++i) {
        text += std::to_string(20 + i % 50) + "," + (i % 4 == 0 ? "red" : i % 4 == 1 ? "green" : "blue") + ",0" +
                std::to_string(2100 + i % 7) + ",note number " + std::to_string(i) + "," + (i % 3 ? "no" : "yes") +
                "\n";
    }
    return text;
}

} // namespace

TEST(Schema, ColumnsTypesCategoriesAndExamples)
{
    const Dataset d = parse(manyRows());
    const InputSchema schema = makeInputSchema(d, d.columnIndex("y"), {"no", "yes"});
    ASSERT_EQ(schema.columns.size(), 4u);
    EXPECT_EQ(schema.target, "y");
    EXPECT_EQ(schema.classLabels, (std::vector<std::string>{"no", "yes"}));
    EXPECT_EQ(schema.columns[0].name, "age");
    EXPECT_EQ(schema.columns[0].type, ColumnType::Numeric);
    EXPECT_EQ(schema.columns[1].type, ColumnType::Categorical);
    EXPECT_EQ(schema.columns[1].categories, (std::vector<std::string>{"blue", "green", "red"}));
    EXPECT_EQ(schema.columns[2].type, ColumnType::Numeric); // "02100" read as a number without hints
    EXPECT_EQ(schema.columns[3].type, ColumnType::Text);    // unique notes: identifiers
    EXPECT_TRUE(schema.columns[3].categories.empty());
    ASSERT_EQ(schema.exampleRow.size(), 4u);
    EXPECT_EQ(std::get<double>(schema.exampleRow[0]), 20.0);
    EXPECT_EQ(std::get<std::string>(schema.exampleRow[1]), "red");
    EXPECT_EQ(std::get<std::string>(schema.columns[1].example), "red");
    EXPECT_EQ(schema.columnIndex("zip"), 2);
    EXPECT_EQ(schema.columnIndex("y"), -1);
}

TEST(Schema, JsonRoundTrip)
{
    const Dataset d = parse(manyRows());
    InputSchema schema = makeInputSchema(d, d.columnIndex("y"), {"no", "yes"});
    schema.exampleRow[0] = Cell{};
    const std::string json = schema.toJson();
    auto loaded = InputSchema::fromJson(json);
    ASSERT_TRUE(loaded.ok()) << loaded.error();
    EXPECT_EQ(loaded->toJson(), json);
    EXPECT_EQ(loaded->columns[1].categories, schema.columns[1].categories);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(loaded->exampleRow[0]));
    EXPECT_EQ(loaded->columns[2].type, ColumnType::Numeric);
    EXPECT_FALSE(InputSchema::fromJson("[]").ok());
    EXPECT_FALSE(InputSchema::fromJson(R"({"columns":[{"name":"a","type":"colour"}]})").ok());
    EXPECT_EQ(InputSchema::fromJson(R"({"columns":[{"name":"a","type":"colour"}]})").error(),
              "input schema: column 'a' has an unknown type");
}

TEST(Schema, ConformReordersConvertsAndNamesMissingColumns)
{
    const Dataset train = parse("n,t,y\n1,a,x\n2,b,y\n3,a,x\n");
    const InputSchema schema = makeInputSchema(train, 2, {"x", "y"});

    // Other order, numbers as text via a hint, text stored as numbers, and an extra column.
    CsvOptions options;
    options.typeHints = {{"n", ColumnTypeHint::Text}};
    const Dataset other = parse("t,extra,n\n5,q,7\n6,q,NA\n", options);
    auto conformed = conformToSchema(other, schema);
    ASSERT_TRUE(conformed.ok()) << conformed.error();
    ASSERT_EQ(conformed->columnNames(), (std::vector<std::string>{"n", "t"}));
    EXPECT_TRUE(conformed->columns[0].numeric);
    EXPECT_DOUBLE_EQ(conformed->columns[0].numbers[0], 7.0);
    EXPECT_TRUE(std::isnan(conformed->columns[0].numbers[1]));
    EXPECT_FALSE(conformed->columns[1].numeric);
    EXPECT_EQ(conformed->columns[1].text[1], "6");

    auto missing = conformToSchema(parse("a,b\n1,2\n"), schema);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error(), "missing columns: n, t (the data has: a, b)");

    auto notNumber = conformToSchema(parse("n,t\nabc,a\n"), schema);
    ASSERT_FALSE(notNumber.ok());
    EXPECT_EQ(notNumber.error(), "column 'n', row 1: 'abc' is not a number");

    // Type hints from the schema keep text columns as text when reading.
    const auto hints = schema.csvTypeHints();
    ASSERT_EQ(hints.size(), 2u);
    EXPECT_EQ(hints[1].second, ColumnTypeHint::Text);
}

TEST(Schema, TargetClasses)
{
    const Dataset d = parse("y,n\nyes,3\nno,1\nNA,\nyes,3\nmaybe,10\n");
    auto text = encodeTarget(d.columns[0]);
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(text->labels, (std::vector<std::string>{"maybe", "no", "yes"}));
    EXPECT_EQ(text->rowLabels, (std::vector<int>{2, 1, -1, 2, 0}));
    EXPECT_EQ(text->counts, (std::vector<std::size_t>{1, 1, 2}));

    auto numeric = encodeTarget(d.columns[1]);
    ASSERT_TRUE(numeric.ok());
    EXPECT_EQ(numeric->labels, (std::vector<std::string>{"1", "3", "10"})); // numeric order
    EXPECT_EQ(numeric->rowLabels, (std::vector<int>{1, 0, -1, 1, 2}));

    const Dataset single = parse("y\na\na\n");
    auto one = encodeTarget(single.columns[0]);
    ASSERT_FALSE(one.ok());
    EXPECT_EQ(one.error(), "the target column 'y' has a single class ('a'); classification needs at least two");
    const Dataset empty = parse("y,x\nNA,1\n,2\n");
    EXPECT_EQ(encodeTarget(empty.columns[0]).error(), "the target column 'y' has no values");
}

TEST(Schema, OrderMatchesTheFeaturizerInputs)
{
    const Dataset d = parse(manyRows());
    const int target = d.columnIndex("y");
    auto classes = encodeTarget(d.columns[static_cast<std::size_t>(target)]);
    ASSERT_TRUE(classes.ok());
    auto fitted = Featurizer::fit(d, target, classes->rowLabels, 2);
    ASSERT_TRUE(fitted.ok()) << fitted.error();
    const InputSchema schema = makeInputSchema(d, target, classes->labels);
    ASSERT_EQ(schema.columns.size(), fitted->featurizer.inputColumns().size());
    for (std::size_t i = 0; i < schema.columns.size(); ++i)
        EXPECT_EQ(schema.columns[i].name, fitted->featurizer.inputColumns()[i].name);
    // The example row featurizes.
    std::vector<float> out(fitted->featurizer.featureCount());
    EXPECT_FALSE(fitted->featurizer.transformRow(schema.exampleRow, out).has_value());
    // The unique "note" column is dropped; nothing in the features comes from it.
    EXPECT_EQ(fitted->featurizer.inputColumns()[3].transform, ColumnTransform::Dropped);
}
