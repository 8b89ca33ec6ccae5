#pragma once

// Code that sends the same scoring request from a terminal or a program, for the Consume
// page's "Copy as" menu. The key is read from the ENDPOINT_KEY environment variable so that
// a copied snippet never carries the secret.

#include <QByteArray>
#include <QString>
#include <QUrl>

namespace cerulean::ui {

inline constexpr const char *kEndpointKeyVariable = "ENDPOINT_KEY";

enum class SnippetLanguage
{
    Curl,
    Python,
    CSharp,
};

QString scoringSnippet(SnippetLanguage language, const QUrl &scoringUri, const QByteArray &body, bool withKey);

} // namespace cerulean::ui
