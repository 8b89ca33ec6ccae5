#include "ui/models/endpoint_snippets.h"

#include <QStringList>

namespace cerulean::ui {

namespace {

// 'text' for a POSIX shell: single quotes, with embedded quotes closed and escaped.
QString shellQuote(const QString &text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

// A Python triple-quoted raw string cannot hold ''' — JSON never needs it, but be safe.
QString pythonLiteral(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QStringLiteral("'''"), QStringLiteral("\\'\\'\\'"));
    return QStringLiteral("'''") + escaped + QStringLiteral("'''");
}

// A C# verbatim string: double quotes are doubled.
QString csharpLiteral(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QStringLiteral("@\"") + escaped + QLatin1Char('"');
}

} // namespace

QString scoringSnippet(SnippetLanguage language, const QUrl &scoringUri, const QByteArray &body, bool withKey)
{
    const QString url = scoringUri.toString(QUrl::FullyEncoded);
    const QString json = QString::fromUtf8(body);
    const QString variable = QString::fromLatin1(kEndpointKeyVariable);
    switch (language) {
    case SnippetLanguage::Curl: {
        QStringList lines{QStringLiteral("curl -sS -X POST %1").arg(shellQuote(url)),
                          QStringLiteral("  -H 'Content-Type: application/json'")};
        if (withKey)
            lines << QStringLiteral("  -H \"Authorization: Bearer $%1\"").arg(variable);
        lines << QStringLiteral("  --data-binary %1").arg(shellQuote(json));
        return lines.join(QStringLiteral(" \\\n")) + QLatin1Char('\n');
    }
    case SnippetLanguage::Python: {
        QString code = QStringLiteral("import json\nimport os\n\nimport requests\n\n");
        code += QStringLiteral("scoring_uri = %1\n").arg(pythonLiteral(url));
        code += QStringLiteral("data = json.loads(%1)\n").arg(pythonLiteral(json));
        code += QStringLiteral("headers = {\"Content-Type\": \"application/json\"}\n");
        if (withKey)
            code += QStringLiteral("headers[\"Authorization\"] = f\"Bearer {os.environ['%1']}\"\n").arg(variable);
        code += QStringLiteral("response = requests.post(scoring_uri, data=json.dumps(data), headers=headers)\n"
                               "print(response.status_code)\nprint(response.json())\n");
        return code;
    }
    case SnippetLanguage::CSharp: {
        QString code = QStringLiteral("using System;\nusing System.Net.Http;\nusing System.Net.Http.Headers;\nusing System.Text;\n\n"
                                      "using var client = new HttpClient();\n");
        if (withKey)
            code += QStringLiteral("client.DefaultRequestHeaders.Authorization =\n"
                                   "    new AuthenticationHeaderValue(\"Bearer\", Environment.GetEnvironmentVariable(\"%1\"));\n")
                        .arg(variable);
        code += QStringLiteral("var body = %1;\n").arg(csharpLiteral(json));
        code += QStringLiteral("var content = new StringContent(body, Encoding.UTF8, \"application/json\");\n"
                               "var response = await client.PostAsync(\"%1\", content);\n"
                               "Console.WriteLine((int)response.StatusCode);\n"
                               "Console.WriteLine(await response.Content.ReadAsStringAsync());\n")
                    .arg(url);
        return code;
    }
    }
    return {};
}

} // namespace cerulean::ui
