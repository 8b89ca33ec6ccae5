#include "core/local/kql.h"

#include "core/local/iso_duration.h"

#include <QDateTime>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

namespace cerulean::local::kql {

using cerulean::local::parseIsoDuration;

namespace {

// --- schema ------------------------------------------------------------------------------

const std::vector<Column> &requestsSchema()
{
    static const std::vector<Column> c{
        {QStringLiteral("timestamp"), QStringLiteral("datetime")}, {QStringLiteral("id"), QStringLiteral("string")},
        {QStringLiteral("source"), QStringLiteral("string")},      {QStringLiteral("name"), QStringLiteral("string")},
        {QStringLiteral("url"), QStringLiteral("string")},         {QStringLiteral("success"), QStringLiteral("string")},
        {QStringLiteral("resultCode"), QStringLiteral("string")},  {QStringLiteral("duration"), QStringLiteral("real")},
        {QStringLiteral("performanceBucket"), QStringLiteral("string")},
        {QStringLiteral("customDimensions"), QStringLiteral("dynamic")},
        {QStringLiteral("customMeasurements"), QStringLiteral("dynamic")},
        {QStringLiteral("operation_Name"), QStringLiteral("string")}, {QStringLiteral("operation_Id"), QStringLiteral("string")},
        {QStringLiteral("operation_ParentId"), QStringLiteral("string")},
        {QStringLiteral("cloud_RoleName"), QStringLiteral("string")},
        {QStringLiteral("cloud_RoleInstance"), QStringLiteral("string")}, {QStringLiteral("appId"), QStringLiteral("string")},
        {QStringLiteral("appName"), QStringLiteral("string")},   {QStringLiteral("iKey"), QStringLiteral("string")},
        {QStringLiteral("sdkVersion"), QStringLiteral("string")}, {QStringLiteral("itemId"), QStringLiteral("string")},
        {QStringLiteral("itemType"), QStringLiteral("string")},  {QStringLiteral("itemCount"), QStringLiteral("int")}};
    return c;
}

const std::vector<Column> &tracesSchema()
{
    static const std::vector<Column> c{
        {QStringLiteral("timestamp"), QStringLiteral("datetime")}, {QStringLiteral("message"), QStringLiteral("string")},
        {QStringLiteral("severityLevel"), QStringLiteral("int")},  {QStringLiteral("itemType"), QStringLiteral("string")},
        {QStringLiteral("customDimensions"), QStringLiteral("dynamic")},
        {QStringLiteral("operation_Name"), QStringLiteral("string")}, {QStringLiteral("operation_Id"), QStringLiteral("string")},
        {QStringLiteral("cloud_RoleName"), QStringLiteral("string")},
        {QStringLiteral("cloud_RoleInstance"), QStringLiteral("string")}, {QStringLiteral("appId"), QStringLiteral("string")},
        {QStringLiteral("appName"), QStringLiteral("string")},   {QStringLiteral("itemId"), QStringLiteral("string")},
        {QStringLiteral("itemCount"), QStringLiteral("int")}};
    return c;
}

const std::vector<Column> &exceptionsSchema()
{
    static const std::vector<Column> c{
        {QStringLiteral("timestamp"), QStringLiteral("datetime")}, {QStringLiteral("problemId"), QStringLiteral("string")},
        {QStringLiteral("handledAt"), QStringLiteral("string")},   {QStringLiteral("type"), QStringLiteral("string")},
        {QStringLiteral("message"), QStringLiteral("string")},     {QStringLiteral("assembly"), QStringLiteral("string")},
        {QStringLiteral("method"), QStringLiteral("string")},      {QStringLiteral("outerType"), QStringLiteral("string")},
        {QStringLiteral("outerMessage"), QStringLiteral("string")}, {QStringLiteral("innermostType"), QStringLiteral("string")},
        {QStringLiteral("innermostMessage"), QStringLiteral("string")},
        {QStringLiteral("severityLevel"), QStringLiteral("int")},  {QStringLiteral("details"), QStringLiteral("dynamic")},
        {QStringLiteral("customDimensions"), QStringLiteral("dynamic")},
        {QStringLiteral("operation_Name"), QStringLiteral("string")}, {QStringLiteral("operation_Id"), QStringLiteral("string")},
        {QStringLiteral("cloud_RoleName"), QStringLiteral("string")},
        {QStringLiteral("cloud_RoleInstance"), QStringLiteral("string")}, {QStringLiteral("appId"), QStringLiteral("string")},
        {QStringLiteral("itemId"), QStringLiteral("string")},      {QStringLiteral("itemType"), QStringLiteral("string")},
        {QStringLiteral("itemCount"), QStringLiteral("int")}};
    return c;
}

// --- lexer -------------------------------------------------------------------------------

struct Token
{
    enum Kind { Ident, Number, Span, String, Symbol, End } kind = End;
    QString text;
    double number = 0;
    qint64 spanMs = 0;
    int pos = 0;
};

// KQL's largest timespan (.NET's TimeSpan.MaxValue, 10675199 days), in milliseconds. A longer
// one is refused: it would not fit the arithmetic on times (now - span) that follows.
constexpr double kMaxTimespanMs = 922'337'203'685'477.0;

std::optional<qint64> unitMs(const QString &unit)
{
    if (unit == QLatin1String("d"))
        return 86400000;
    if (unit == QLatin1String("h"))
        return 3600000;
    if (unit == QLatin1String("m"))
        return 60000;
    if (unit == QLatin1String("s"))
        return 1000;
    if (unit == QLatin1String("ms"))
        return 1;
    return std::nullopt;
}

bool lex(const QString &text, std::vector<Token> &out, QString *error)
{
    int i = 0;
    const int n = static_cast<int>(text.size());
    while (i < n) {
        const QChar c = text[i];
        if (c.isSpace()) {
            ++i;
            continue;
        }
        Token t;
        t.pos = i;
        if (c.isLetter() || c == QLatin1Char('_')) {
            int j = i;
            while (j < n && (text[j].isLetterOrNumber() || text[j] == QLatin1Char('_')))
                ++j;
            t.kind = Token::Ident;
            t.text = text.mid(i, j - i);
            i = j;
            // datetime(2026-12-06T07:58:00.123Z): the literal is written bare, as in Kusto,
            // and its '-' and ':' are not operators. Quoted, it is lexed as a string.
            int k = j;
            while (k < n && text[k].isSpace())
                ++k;
            if (t.text.compare(QLatin1String("datetime"), Qt::CaseInsensitive) == 0 && k < n && text[k] == QLatin1Char('(')) {
                int close = k + 1;
                while (close < n && text[close] != QLatin1Char(')') && text[close] != QLatin1Char('"') && text[close] != QLatin1Char('\''))
                    ++close;
                if (close < n && text[close] == QLatin1Char(')')) {
                    out.push_back(t);
                    Token open;
                    open.pos = k;
                    open.kind = Token::Symbol;
                    open.text = QStringLiteral("(");
                    out.push_back(open);
                    t = Token();
                    t.pos = k + 1;
                    t.kind = Token::String;
                    t.text = text.mid(k + 1, close - k - 1).trimmed();
                    i = close;
                }
            }
        } else if (c.isDigit() || (c == QLatin1Char('.') && i + 1 < n && text[i + 1].isDigit())) {
            int j = i;
            while (j < n && (text[j].isDigit() || text[j] == QLatin1Char('.')))
                ++j;
            t.number = text.mid(i, j - i).toDouble();
            int k = j;
            while (k < n && text[k].isLetter())
                ++k;
            const QString unit = text.mid(j, k - j);
            if (!unit.isEmpty()) {
                const auto ms = unitMs(unit);
                if (!ms) {
                    *error = QStringLiteral("Unsupported timespan unit '%1' at position %2 (use d, h, m, s or ms).").arg(unit).arg(j);
                    return false;
                }
                const double spanMs = t.number * static_cast<double>(*ms);
                if (!(spanMs <= kMaxTimespanMs)) {
                    *error = QStringLiteral("The timespan at position %1 is longer than 10675199 days.").arg(i);
                    return false;
                }
                t.kind = Token::Span;
                t.spanMs = static_cast<qint64>(std::llround(spanMs));
            } else {
                t.kind = Token::Number;
            }
            t.text = text.mid(i, k - i);
            i = k;
        } else if (c == QLatin1Char('"') || c == QLatin1Char('\'')) {
            int j = i + 1;
            QString value;
            while (j < n && text[j] != c) {
                if (text[j] == QLatin1Char('\\') && j + 1 < n) {
                    ++j;
                    value += text[j] == QLatin1Char('n') ? QChar(QLatin1Char('\n')) : text[j];
                } else {
                    value += text[j];
                }
                ++j;
            }
            if (j >= n) {
                *error = QStringLiteral("Unterminated string starting at position %1.").arg(i);
                return false;
            }
            t.kind = Token::String;
            t.text = value;
            i = j + 1;
        } else {
            static const char *symbols[] = {"==", "!=", "<>", "<=", ">=", "=~", "!~", "<", ">", "=", "|", ",", "(", ")", "!"};
            bool matched = false;
            for (const char *sym : symbols) {
                const QLatin1String s(sym);
                if (QStringView(text).sliced(i).startsWith(s)) { // no copy: a query may be megabytes
                    t.kind = Token::Symbol;
                    t.text = s;
                    i += static_cast<int>(s.size());
                    matched = true;
                    break;
                }
            }
            if (!matched) {
                *error = QStringLiteral("Unexpected character '%1' at position %2.").arg(c).arg(i);
                return false;
            }
        }
        out.push_back(t);
    }
    Token end;
    end.pos = n;
    out.push_back(end);
    return true;
}

} // namespace

// --- AST -----------------------------------------------------------------------------------

struct Expr
{
    enum Kind { ColumnRef, Literal, DateTime, And, Or, Not, Compare } kind = Literal;
    QString name;   // column name, or comparison operator
    Json value;     // literal
    bool isTime = false;
    std::shared_ptr<Expr> a, b;
};

struct Aggregate
{
    QString out;
    QString func;   // count, avg, sum, min, max, percentile, dcount
    QString column;
    double percent = 0;
};

struct GroupKey
{
    QString out;
    QString column;
    qint64 binMs = 0; // 0 = the value itself
};

struct Operator
{
    enum Kind { Where, Take, Sort, Top, Project, Summarize, Count } kind = Where;
    std::shared_ptr<Expr> where;
    qint64 n = 0;
    std::vector<std::pair<QString, bool>> sort; // column, descending
    std::vector<std::pair<QString, QString>> project; // output name, source column
    std::vector<Aggregate> aggregates;
    std::vector<GroupKey> groups;
};

namespace {

// The parser descends once per parenthesis and the evaluator once per and/or: a query of
// 300,000 '(' (or terms) would overflow the stack. Real queries are far smaller.
constexpr int kMaxNesting = 32;     // parentheses and not(...) inside one another
constexpr int kMaxConditions = 256; // comparisons in one where

class Parser
{
public:
    Parser(std::vector<Token> tokens, QString *error) : m_t(std::move(tokens)), m_error(error) {}

    std::optional<Query> query()
    {
        Query q;
        if (peek().kind != Token::Ident)
            return fail(QStringLiteral("A query starts with a table name (requests, traces or exceptions)."));
        q.table = next().text;
        if (!tableSchema(q.table))
            return fail(QStringLiteral("Unsupported table '%1': the local workspace answers requests, traces and exceptions.")
                            .arg(q.table));
        while (peek().kind != Token::End) {
            if (!symbol("|"))
                return fail(QStringLiteral("Expected '|' at position %1, found '%2'.").arg(peek().pos).arg(peek().text));
            auto op = parseOperator();
            if (!op)
                return std::nullopt;
            q.ops.push_back(*op);
        }
        return q;
    }

private:
    const Token &peek(int ahead = 0) const { return m_t[std::min<size_t>(m_i + ahead, m_t.size() - 1)]; }
    const Token &next() { return m_t[std::min(m_i++, m_t.size() - 1)]; }
    bool symbol(const char *s)
    {
        if (peek().kind == Token::Symbol && peek().text == QLatin1String(s)) {
            ++m_i;
            return true;
        }
        return false;
    }
    bool keyword(const char *k)
    {
        if (peek().kind == Token::Ident && peek().text.compare(QLatin1String(k), Qt::CaseInsensitive) == 0) {
            ++m_i;
            return true;
        }
        return false;
    }
    std::nullopt_t fail(const QString &message)
    {
        if (m_error->isEmpty())
            *m_error = message;
        return std::nullopt;
    }

    std::optional<QString> identifier(const char *what)
    {
        if (peek().kind != Token::Ident) {
            fail(QStringLiteral("Expected %1 at position %2, found '%3'.").arg(QLatin1String(what)).arg(peek().pos).arg(peek().text));
            return std::nullopt;
        }
        return next().text;
    }

    std::optional<qint64> integer()
    {
        // The largest whole number a double holds exactly (2^53): anything above it would not
        // convert to a 64-bit integer reliably (nor is any table that long).
        constexpr double kMaxWholeNumber = 9'007'199'254'740'992.0;
        if (peek().kind != Token::Number || peek().number < 0 || peek().number != std::floor(peek().number)) {
            fail(QStringLiteral("Expected a whole number at position %1.").arg(peek().pos));
            return std::nullopt;
        }
        if (peek().number > kMaxWholeNumber) {
            fail(QStringLiteral("The number at position %1 is larger than 2^53.").arg(peek().pos));
            return std::nullopt;
        }
        return static_cast<qint64>(next().number);
    }

    std::optional<std::shared_ptr<Operator>> parseOperator()
    {
        auto op = std::make_shared<Operator>();
        const Token &t = peek();
        if (keyword("where")) {
            op->kind = Operator::Where;
            m_conditions = 0;
            auto e = orExpr();
            if (!e)
                return std::nullopt;
            op->where = *e;
        } else if (keyword("take") || keyword("limit")) {
            op->kind = Operator::Take;
            const auto n = integer();
            if (!n)
                return std::nullopt;
            op->n = *n;
        } else if (keyword("order") || keyword("sort")) {
            op->kind = Operator::Sort;
            if (!keyword("by"))
                return fail(QStringLiteral("Expected 'by' after '%1'.").arg(t.text));
            if (!sortKeys(*op))
                return std::nullopt;
        } else if (keyword("top")) {
            op->kind = Operator::Top;
            const auto n = integer();
            if (!n)
                return std::nullopt;
            op->n = *n;
            if (!keyword("by"))
                return fail(QStringLiteral("Expected 'by' after 'top %1'.").arg(op->n));
            if (!sortKeys(*op))
                return std::nullopt;
        } else if (keyword("project")) {
            op->kind = Operator::Project;
            do {
                const auto name = identifier("a column name");
                if (!name)
                    return std::nullopt;
                if (symbol("=")) {
                    const auto source = identifier("a column name");
                    if (!source)
                        return std::nullopt;
                    op->project.emplace_back(*name, *source);
                } else {
                    op->project.emplace_back(*name, *name);
                }
            } while (symbol(","));
        } else if (keyword("summarize")) {
            op->kind = Operator::Summarize;
            do {
                if (!aggregate(*op))
                    return std::nullopt;
            } while (symbol(","));
            if (keyword("by")) {
                do {
                    if (!groupKey(*op))
                        return std::nullopt;
                } while (symbol(","));
            }
        } else if (keyword("count")) {
            op->kind = Operator::Count;
        } else {
            return fail(QStringLiteral("Unsupported operator '%1' at position %2: the local workspace supports where, take, "
                                       "limit, order by, sort by, top, project, summarize and count.")
                            .arg(t.text)
                            .arg(t.pos));
        }
        return op;
    }

    bool sortKeys(Operator &op)
    {
        do {
            const auto name = identifier("a column name");
            if (!name)
                return false;
            bool desc = true; // Kusto sorts descending unless told otherwise
            if (keyword("asc"))
                desc = false;
            else
                keyword("desc");
            op.sort.emplace_back(*name, desc);
        } while (symbol(","));
        return true;
    }

    bool aggregate(Operator &op)
    {
        Aggregate a;
        if (peek().kind == Token::Ident && peek(1).kind == Token::Symbol && peek(1).text == QLatin1String("=")) {
            a.out = next().text;
            next();
        }
        const auto func = identifier("an aggregation function");
        if (!func)
            return false;
        a.func = func->toLower();
        static const QStringList known{QStringLiteral("count"), QStringLiteral("avg"), QStringLiteral("sum"), QStringLiteral("min"),
                                       QStringLiteral("max"), QStringLiteral("percentile"), QStringLiteral("dcount")};
        if (!known.contains(a.func)) {
            fail(QStringLiteral("Unsupported aggregation '%1': use count(), avg(), sum(), min(), max(), dcount() or percentile().")
                     .arg(*func));
            return false;
        }
        if (!symbol("(")) {
            fail(QStringLiteral("Expected '(' after '%1'.").arg(*func));
            return false;
        }
        if (a.func != QLatin1String("count")) {
            const auto column = identifier("a column name");
            if (!column)
                return false;
            a.column = *column;
            if (a.func == QLatin1String("percentile")) {
                if (!symbol(",") || peek().kind != Token::Number) {
                    fail(QStringLiteral("percentile() takes a column and a percentage, e.g. percentile(duration, 95)."));
                    return false;
                }
                a.percent = next().number;
                if (a.percent < 0 || a.percent > 100) {
                    fail(QStringLiteral("The percentage of percentile() must be between 0 and 100."));
                    return false;
                }
            }
        }
        if (!symbol(")")) {
            fail(QStringLiteral("Expected ')' at position %1.").arg(peek().pos));
            return false;
        }
        if (a.out.isEmpty()) {
            if (a.func == QLatin1String("count"))
                a.out = QStringLiteral("count_");
            else if (a.func == QLatin1String("percentile"))
                a.out = QStringLiteral("percentile_%1_%2").arg(a.column).arg(a.percent);
            else
                a.out = a.func + QLatin1Char('_') + a.column;
        }
        op.aggregates.push_back(a);
        return true;
    }

    bool groupKey(Operator &op)
    {
        GroupKey g;
        if (peek().kind == Token::Ident && peek(1).kind == Token::Symbol && peek(1).text == QLatin1String("=")) {
            g.out = next().text;
            next();
        }
        if (keyword("bin") || keyword("floor")) {
            if (!symbol("("))
                return fail(QStringLiteral("Expected '(' after bin.")), false;
            const auto column = identifier("a column name");
            if (!column)
                return false;
            g.column = *column;
            if (!symbol(",") || (peek().kind != Token::Span && peek().kind != Token::Number))
                return fail(QStringLiteral("bin() takes a column and a size, e.g. bin(timestamp, 1m).")), false;
            const Token &size = next();
            const double sizeMs = size.kind == Token::Span ? static_cast<double>(size.spanMs) : size.number;
            if (!(sizeMs >= 1 && sizeMs <= kMaxTimespanMs))
                return fail(QStringLiteral("The size of bin() must be positive.")), false;
            g.binMs = static_cast<qint64>(sizeMs);
            if (!symbol(")"))
                return fail(QStringLiteral("Expected ')' after bin(...).")), false;
        } else {
            const auto column = identifier("a column name");
            if (!column)
                return false;
            g.column = *column;
        }
        if (g.out.isEmpty())
            g.out = g.column;
        op.groups.push_back(g);
        return true;
    }

    std::optional<std::shared_ptr<Expr>> orExpr()
    {
        auto left = andExpr();
        while (left && keyword("or")) {
            auto right = andExpr();
            if (!right)
                return std::nullopt;
            auto e = std::make_shared<Expr>();
            e->kind = Expr::Or;
            e->a = *left;
            e->b = *right;
            left = e;
        }
        return left;
    }

    std::optional<std::shared_ptr<Expr>> andExpr()
    {
        auto left = unary();
        while (left && keyword("and")) {
            auto right = unary();
            if (!right)
                return std::nullopt;
            auto e = std::make_shared<Expr>();
            e->kind = Expr::And;
            e->a = *left;
            e->b = *right;
            left = e;
        }
        return left;
    }

    // One level deeper for a parenthesised condition; false (with the message) past the bound.
    bool enter()
    {
        if (++m_nesting <= kMaxNesting)
            return true;
        fail(QStringLiteral("The condition at position %1 nests parentheses deeper than %2 levels.")
                 .arg(peek().pos)
                 .arg(kMaxNesting));
        return false;
    }

    std::optional<std::shared_ptr<Expr>> unary()
    {
        if (keyword("not")) {
            if (!symbol("("))
                return fail(QStringLiteral("Expected '(' after not."));
            if (!enter())
                return std::nullopt;
            auto inner = orExpr();
            --m_nesting;
            if (!inner || !symbol(")"))
                return fail(QStringLiteral("Expected ')' to close not(...)."));
            auto e = std::make_shared<Expr>();
            e->kind = Expr::Not;
            e->a = *inner;
            return e;
        }
        if (symbol("(")) {
            if (!enter())
                return std::nullopt;
            auto inner = orExpr();
            --m_nesting;
            if (!inner || !symbol(")"))
                return fail(QStringLiteral("Expected ')' at position %1.").arg(peek().pos));
            return inner;
        }
        if (++m_conditions > kMaxConditions)
            return fail(QStringLiteral("The where at position %1 has more than %2 conditions.").arg(peek().pos).arg(kMaxConditions));
        auto left = operand();
        if (!left)
            return std::nullopt;
        static const QStringList wordOps{QStringLiteral("contains"), QStringLiteral("has"), QStringLiteral("startswith"),
                                         QStringLiteral("endswith"), QStringLiteral("contains_cs"), QStringLiteral("has_cs")};
        QString op;
        const Token &t = peek();
        if (t.kind == Token::Symbol && QStringList{QStringLiteral("=="), QStringLiteral("!="), QStringLiteral("<>"), QStringLiteral("<"),
                                                   QStringLiteral("<="), QStringLiteral(">"), QStringLiteral(">="), QStringLiteral("=~"),
                                                   QStringLiteral("!~")}
                                           .contains(t.text)) {
            op = next().text == QLatin1String("<>") ? QStringLiteral("!=") : m_t[m_i - 1].text;
        } else if (t.kind == Token::Symbol && t.text == QLatin1String("!") && peek(1).kind == Token::Ident &&
                   wordOps.contains(peek(1).text.toLower())) {
            next();
            op = QLatin1Char('!') + next().text.toLower();
        } else if (t.kind == Token::Ident && wordOps.contains(t.text.toLower())) {
            op = next().text.toLower();
        } else if (t.kind == Token::Symbol && t.text == QLatin1String("=")) {
            return fail(QStringLiteral("Use '==' to compare at position %1 ('=' is assignment in KQL).").arg(t.pos));
        } else {
            return fail(QStringLiteral("Expected a comparison (==, !=, <, <=, >, >=, =~, contains, has, startswith) at "
                                       "position %1, found '%2'.")
                            .arg(t.pos)
                            .arg(t.text));
        }
        auto right = operand();
        if (!right)
            return std::nullopt;
        auto e = std::make_shared<Expr>();
        e->kind = Expr::Compare;
        e->name = op;
        e->a = *left;
        e->b = *right;
        return e;
    }

    std::optional<std::shared_ptr<Expr>> operand()
    {
        auto e = std::make_shared<Expr>();
        const Token t = peek();
        if (t.kind == Token::String) {
            next();
            e->value = t.text.toStdString();
        } else if (t.kind == Token::Number) {
            next();
            e->value = t.number;
        } else if (t.kind == Token::Span) {
            next();
            e->value = t.spanMs;
        } else if (t.kind == Token::Symbol && t.text == QLatin1String("-") ) {
            return fail(QStringLiteral("Unexpected '-' at position %1.").arg(t.pos));
        } else if (t.kind == Token::Ident) {
            const QString word = t.text.toLower();
            if (word == QLatin1String("true") || word == QLatin1String("false")) {
                next();
                e->value = word == QLatin1String("true");
            } else if (word == QLatin1String("ago") || word == QLatin1String("now") || word == QLatin1String("datetime")) {
                next();
                if (!symbol("("))
                    return fail(QStringLiteral("Expected '(' after %1.").arg(t.text));
                e->kind = Expr::DateTime;
                e->isTime = true;
                if (word == QLatin1String("ago")) {
                    if (peek().kind != Token::Span)
                        return fail(QStringLiteral("ago() takes a timespan such as 30m, 1h or 7d."));
                    e->value = -next().spanMs; // relative to now
                    e->name = QStringLiteral("relative");
                } else if (word == QLatin1String("now")) {
                    e->value = 0;
                    e->name = QStringLiteral("relative");
                } else {
                    QString text;
                    while (peek().kind != Token::End && !(peek().kind == Token::Symbol && peek().text == QLatin1String(")")))
                        text += next().text;
                    const QDateTime dt = QDateTime::fromString(text, Qt::ISODateWithMs);
                    if (!dt.isValid())
                        return fail(QStringLiteral("datetime(%1) is not an ISO 8601 date-time.").arg(text));
                    e->value = dt.toMSecsSinceEpoch();
                    e->name = QStringLiteral("absolute");
                }
                if (!symbol(")"))
                    return fail(QStringLiteral("Expected ')' after %1(...).").arg(t.text));
            } else if (peek(1).kind == Token::Symbol && peek(1).text == QLatin1String("(")) {
                return fail(QStringLiteral("Unsupported function '%1' at position %2: the local workspace supports ago(), "
                                           "now() and datetime() in conditions.")
                                .arg(t.text)
                                .arg(t.pos));
            } else {
                next();
                e->kind = Expr::ColumnRef;
                e->name = t.text;
            }
        } else {
            return fail(QStringLiteral("Expected a column, a literal or ago() at position %1, found '%2'.").arg(t.pos).arg(t.text));
        }
        return e;
    }

    std::vector<Token> m_t;
    size_t m_i = 0;
    QString *m_error;
    int m_nesting = 0;
    int m_conditions = 0;
};

// --- evaluation ------------------------------------------------------------------------------

struct Context
{
    const std::vector<Column> *schema;
    qint64 now;
    QString *error;
};

bool hasColumn(const std::vector<Column> &schema, const QString &name)
{
    return std::any_of(schema.begin(), schema.end(), [&](const Column &c) { return c.name == name; });
}

const Column *column(const std::vector<Column> &schema, const QString &name)
{
    for (const Column &c : schema)
        if (c.name == name)
            return &c;
    return nullptr;
}

bool checkColumns(const Expr &e, const std::vector<Column> &schema, QString *error)
{
    if (e.kind == Expr::ColumnRef && !hasColumn(schema, e.name)) {
        *error = QStringLiteral("Failed to resolve scalar expression named '%1'.").arg(e.name);
        return false;
    }
    return (!e.a || checkColumns(*e.a, schema, error)) && (!e.b || checkColumns(*e.b, schema, error));
}

Json evaluate(const Expr &e, const Json &row, qint64 now)
{
    switch (e.kind) {
    case Expr::ColumnRef: {
        const std::string key = e.name.toStdString();
        return row.contains(key) ? row[key] : Json();
    }
    case Expr::Literal: return e.value;
    case Expr::DateTime: return e.name == QLatin1String("relative") ? Json(now + e.value.get<qint64>()) : e.value;
    default: return Json();
    }
}

QString textOf(const Json &v)
{
    if (v.is_string())
        return QString::fromStdString(v.get<std::string>());
    if (v.is_boolean())
        return v.get<bool>() ? QStringLiteral("True") : QStringLiteral("False");
    if (v.is_null())
        return {};
    return QString::fromStdString(v.dump());
}

bool test(const Expr &e, const Json &row, qint64 now)
{
    switch (e.kind) {
    case Expr::And: return test(*e.a, row, now) && test(*e.b, row, now);
    case Expr::Or: return test(*e.a, row, now) || test(*e.b, row, now);
    case Expr::Not: return !test(*e.a, row, now);
    case Expr::Compare: break;
    default: {
        const Json v = evaluate(e, row, now);
        return v.is_boolean() && v.get<bool>();
    }
    }
    const Json a = evaluate(*e.a, row, now);
    const Json b = evaluate(*e.b, row, now);
    const QString &op = e.name;
    if (a.is_null() || b.is_null())
        return op == QLatin1String("!=") && !(a.is_null() && b.is_null());
    if (a.is_number() && b.is_number()) {
        const double x = a.get<double>(), y = b.get<double>();
        if (op == QLatin1String("==") || op == QLatin1String("=~"))
            return x == y;
        if (op == QLatin1String("!=") || op == QLatin1String("!~"))
            return x != y;
        if (op == QLatin1String("<"))
            return x < y;
        if (op == QLatin1String("<="))
            return x <= y;
        if (op == QLatin1String(">"))
            return x > y;
        if (op == QLatin1String(">="))
            return x >= y;
    }
    const QString x = textOf(a), y = textOf(b);
    // Booleans compare with their text case-insensitively (success == true, success == "True").
    const Qt::CaseSensitivity boolCase = a.is_boolean() || b.is_boolean() ? Qt::CaseInsensitive : Qt::CaseSensitive;
    if (op == QLatin1String("=="))
        return x.compare(y, boolCase) == 0;
    if (op == QLatin1String("!="))
        return x.compare(y, boolCase) != 0;
    if (op == QLatin1String("=~"))
        return x.compare(y, Qt::CaseInsensitive) == 0;
    if (op == QLatin1String("!~"))
        return x.compare(y, Qt::CaseInsensitive) != 0;
    const bool negate = op.startsWith(QLatin1Char('!'));
    const QString word = negate ? op.mid(1) : op;
    bool r = false;
    if (word == QLatin1String("contains"))
        r = x.contains(y, Qt::CaseInsensitive);
    else if (word == QLatin1String("contains_cs"))
        r = x.contains(y, Qt::CaseSensitive);
    else if (word == QLatin1String("has") || word == QLatin1String("has_cs")) {
        const QRegularExpression term(QStringLiteral("(^|[^A-Za-z0-9])") + QRegularExpression::escape(y) + QStringLiteral("($|[^A-Za-z0-9])"),
                                      word == QLatin1String("has") ? QRegularExpression::CaseInsensitiveOption
                                                                   : QRegularExpression::NoPatternOption);
        r = term.match(x).hasMatch();
    } else if (word == QLatin1String("startswith"))
        r = x.startsWith(y, Qt::CaseInsensitive);
    else if (word == QLatin1String("endswith"))
        r = x.endsWith(y, Qt::CaseInsensitive);
    else {
        const int cmp = x.compare(y);
        r = op == QLatin1String("<") ? cmp < 0 : op == QLatin1String("<=") ? cmp <= 0 : op == QLatin1String(">") ? cmp > 0 : cmp >= 0;
        return r;
    }
    return negate ? !r : r;
}

int compareValues(const Json &a, const Json &b)
{
    if (a.is_null() || b.is_null())
        return a.is_null() == b.is_null() ? 0 : (a.is_null() ? -1 : 1);
    if (a.is_number() && b.is_number()) {
        const double x = a.get<double>(), y = b.get<double>();
        return x < y ? -1 : x > y ? 1 : 0;
    }
    return QString::compare(textOf(a), textOf(b));
}

void collectLowerBound(const Expr &e, qint64 now, qint64 &bound)
{
    if (e.kind == Expr::And) {
        collectLowerBound(*e.a, now, bound);
        collectLowerBound(*e.b, now, bound);
        return;
    }
    if (e.kind != Expr::Compare || !e.a || !e.b)
        return;
    if (e.a->kind == Expr::ColumnRef && e.a->name == QLatin1String("timestamp") && e.b->kind == Expr::DateTime &&
        (e.name == QLatin1String(">") || e.name == QLatin1String(">="))) {
        const qint64 t = e.b->name == QLatin1String("relative") ? now + e.b->value.get<qint64>() : e.b->value.get<qint64>();
        bound = std::max(bound, t);
    }
}

} // namespace

const std::vector<Column> *tableSchema(const QString &table)
{
    if (table == QLatin1String("requests"))
        return &requestsSchema();
    if (table == QLatin1String("traces"))
        return &tracesSchema();
    if (table == QLatin1String("exceptions"))
        return &exceptionsSchema();
    return nullptr;
}

qint64 Query::lowerBoundMs(qint64 nowMs) const
{
    qint64 bound = 0;
    for (const auto &op : ops) {
        if (op->kind != Operator::Where)
            break;
        collectLowerBound(*op->where, nowMs, bound);
    }
    return bound;
}

std::optional<Query> parse(const QString &text, QString *error)
{
    QString message;
    std::vector<Token> tokens;
    if (!lex(text, tokens, &message)) {
        *error = message;
        return std::nullopt;
    }
    Parser parser(std::move(tokens), &message);
    auto q = parser.query();
    if (!q)
        *error = message.isEmpty() ? QStringLiteral("The query could not be parsed.") : message;
    return q;
}

std::optional<Table> run(const Query &query, Rows rows, qint64 nowMs, QString *error)
{
    std::vector<Column> schema = *tableSchema(query.table);
    for (const auto &opPtr : query.ops) {
        const Operator &op = *opPtr;
        switch (op.kind) {
        case Operator::Where: {
            if (!checkColumns(*op.where, schema, error))
                return std::nullopt;
            Rows kept;
            for (Json &row : rows)
                if (test(*op.where, row, nowMs))
                    kept.push_back(std::move(row));
            rows = std::move(kept);
            break;
        }
        case Operator::Take:
            if (static_cast<qint64>(rows.size()) > op.n)
                rows.resize(static_cast<size_t>(op.n));
            break;
        case Operator::Sort:
        case Operator::Top: {
            for (const auto &[name, desc] : op.sort)
                if (!hasColumn(schema, name)) {
                    *error = QStringLiteral("Failed to resolve scalar expression named '%1'.").arg(name);
                    return std::nullopt;
                }
            std::stable_sort(rows.begin(), rows.end(), [&](const Json &a, const Json &b) {
                for (const auto &[name, desc] : op.sort) {
                    const std::string key = name.toStdString();
                    const int c = compareValues(a.value(key, Json()), b.value(key, Json()));
                    if (c != 0)
                        return desc ? c > 0 : c < 0;
                }
                return false;
            });
            if (op.kind == Operator::Top && static_cast<qint64>(rows.size()) > op.n)
                rows.resize(static_cast<size_t>(op.n));
            break;
        }
        case Operator::Project: {
            std::vector<Column> next;
            for (const auto &[out, source] : op.project) {
                const Column *c = column(schema, source);
                if (!c) {
                    *error = QStringLiteral("Failed to resolve scalar expression named '%1'.").arg(source);
                    return std::nullopt;
                }
                next.push_back({out, c->type});
            }
            for (Json &row : rows) {
                Json projected = Json::object();
                for (const auto &[out, source] : op.project)
                    projected[out.toStdString()] = row.value(source.toStdString(), Json());
                row = std::move(projected);
            }
            schema = std::move(next);
            break;
        }
        case Operator::Count: {
            rows = Rows{Json{{"Count", static_cast<qint64>(rows.size())}}};
            schema = {{QStringLiteral("Count"), QStringLiteral("long")}};
            break;
        }
        case Operator::Summarize: {
            std::vector<Column> next;
            for (const GroupKey &g : op.groups) {
                const Column *c = column(schema, g.column);
                if (!c) {
                    *error = QStringLiteral("Failed to resolve scalar expression named '%1'.").arg(g.column);
                    return std::nullopt;
                }
                if (g.binMs > 0 && c->type != QLatin1String("datetime") && c->type != QLatin1String("real") &&
                    c->type != QLatin1String("long") && c->type != QLatin1String("int")) {
                    *error = QStringLiteral("bin() needs a numeric or datetime column; '%1' is %2.").arg(g.column, c->type);
                    return std::nullopt;
                }
                next.push_back({g.out, c->type});
            }
            for (const Aggregate &a : op.aggregates) {
                if (a.func != QLatin1String("count")) {
                    const Column *c = column(schema, a.column);
                    if (!c) {
                        *error = QStringLiteral("Failed to resolve scalar expression named '%1'.").arg(a.column);
                        return std::nullopt;
                    }
                    const bool numeric = c->type == QLatin1String("real") || c->type == QLatin1String("long") ||
                                         c->type == QLatin1String("int") || c->type == QLatin1String("datetime");
                    if (!numeric && a.func != QLatin1String("dcount") && a.func != QLatin1String("min") &&
                        a.func != QLatin1String("max")) {
                        *error = QStringLiteral("%1() needs a numeric column; '%2' is %3.").arg(a.func, a.column, c->type);
                        return std::nullopt;
                    }
                    next.push_back({a.out, a.func == QLatin1String("dcount") ? QStringLiteral("long")
                                           : (a.func == QLatin1String("min") || a.func == QLatin1String("max")) ? c->type
                                                                                                               : QStringLiteral("real")});
                } else {
                    next.push_back({a.out, QStringLiteral("long")});
                }
            }
            // Group rows by their key values.
            std::map<std::string, std::pair<Json, std::vector<const Json *>>> groups;
            for (const Json &row : rows) {
                Json key = Json::array();
                for (const GroupKey &g : op.groups) {
                    Json v = row.value(g.column.toStdString(), Json());
                    if (g.binMs > 0 && v.is_number())
                        v = static_cast<qint64>(std::floor(v.get<double>() / static_cast<double>(g.binMs))) * g.binMs;
                    key.push_back(v);
                }
                auto &slot = groups[key.dump()];
                slot.first = key;
                slot.second.push_back(&row);
            }
            if (op.groups.empty() && groups.empty())
                groups[std::string("[]")] = {Json::array(), {}};
            Rows out;
            for (auto &[k, group] : groups) {
                Json row = Json::object();
                for (size_t i = 0; i < op.groups.size(); ++i)
                    row[op.groups[i].out.toStdString()] = group.first[i];
                for (const Aggregate &a : op.aggregates) {
                    const std::string outKey = a.out.toStdString();
                    if (a.func == QLatin1String("count")) {
                        row[outKey] = static_cast<qint64>(group.second.size());
                        continue;
                    }
                    std::vector<double> values;
                    std::vector<Json> raw;
                    for (const Json *r : group.second) {
                        const Json v = r->value(a.column.toStdString(), Json());
                        if (v.is_number())
                            values.push_back(v.get<double>());
                        if (!v.is_null())
                            raw.push_back(v);
                    }
                    if (a.func == QLatin1String("dcount")) {
                        std::vector<std::string> distinct;
                        for (const Json &v : raw)
                            distinct.push_back(v.dump());
                        std::sort(distinct.begin(), distinct.end());
                        row[outKey] = static_cast<qint64>(std::unique(distinct.begin(), distinct.end()) - distinct.begin());
                    } else if (a.func == QLatin1String("min") || a.func == QLatin1String("max")) {
                        Json best;
                        for (const Json &v : raw)
                            if (best.is_null() || (a.func == QLatin1String("min") ? compareValues(v, best) < 0 : compareValues(v, best) > 0))
                                best = v;
                        row[outKey] = best;
                    } else if (values.empty()) {
                        row[outKey] = nullptr;
                    } else if (a.func == QLatin1String("sum") || a.func == QLatin1String("avg")) {
                        double sum = 0;
                        for (double v : values)
                            sum += v;
                        row[outKey] = a.func == QLatin1String("sum") ? sum : sum / static_cast<double>(values.size());
                    } else { // percentile: nearest rank
                        std::sort(values.begin(), values.end());
                        const double rank = std::ceil(a.percent / 100.0 * static_cast<double>(values.size()));
                        const size_t index = static_cast<size_t>(std::clamp(rank - 1.0, 0.0, static_cast<double>(values.size() - 1)));
                        row[outKey] = values[index];
                    }
                }
                out.push_back(std::move(row));
            }
            // Stable output: by the group keys.
            std::stable_sort(out.begin(), out.end(), [&](const Json &a, const Json &b) {
                for (const GroupKey &g : op.groups) {
                    const int c = compareValues(a.value(g.out.toStdString(), Json()), b.value(g.out.toStdString(), Json()));
                    if (c != 0)
                        return c < 0;
                }
                return false;
            });
            rows = std::move(out);
            schema = std::move(next);
            break;
        }
        }
    }
    Table table;
    table.columns = schema;
    for (const Json &row : rows) {
        std::vector<Json> cells;
        for (const Column &c : schema) {
            Json v = row.value(c.name.toStdString(), Json());
            if (c.type == QLatin1String("datetime") && v.is_number())
                v = QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(v.get<double>()), Qt::UTC)
                        .toString(Qt::ISODateWithMs)
                        .toStdString();
            else if (c.type == QLatin1String("dynamic") && (v.is_object() || v.is_array()))
                v = v.dump();
            else if (c.type == QLatin1String("string") && v.is_boolean())
                v = v.get<bool>() ? "True" : "False";
            cells.push_back(std::move(v));
        }
        table.rows.push_back(std::move(cells));
    }
    return table;
}

Json Table::toJson() const
{
    Json cols = Json::array();
    for (const Column &c : columns)
        cols.push_back({{"name", c.name.toStdString()}, {"type", c.type.toStdString()}});
    Json rowsJson = Json::array();
    for (const auto &r : rows)
        rowsJson.push_back(Json(r));
    return Json{{"name", name.toStdString()}, {"columns", cols}, {"rows", rowsJson}};
}

std::optional<std::pair<qint64, qint64>> parseTimespan(const QString &text, qint64 nowMs)
{
    const QStringList parts = text.split(QLatin1Char('/'));
    const auto dt = [](const QString &s) {
        const QDateTime d = QDateTime::fromString(s, Qt::ISODateWithMs);
        return d.isValid() ? std::optional<qint64>(d.toMSecsSinceEpoch()) : std::nullopt;
    };
    if (parts.size() == 1) {
        const auto d = parseIsoDuration(parts[0]);
        if (!d)
            return std::nullopt;
        return std::pair{nowMs - d->count(), nowMs};
    }
    if (parts.size() != 2)
        return std::nullopt;
    const auto start = dt(parts[0]);
    if (!start)
        return std::nullopt;
    if (const auto end = dt(parts[1]))
        return std::pair{*start, *end};
    if (const auto d = parseIsoDuration(parts[1]))
        return std::pair{*start, *start + d->count()};
    return std::nullopt;
}

} // namespace cerulean::local::kql
