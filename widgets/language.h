// The user interface language: translations compiled from translations/genra_<code>.ts into the
// widgets library's resources (:/i18n/genra_<code>.qm) and switched at run time. Widgets retranslate
// themselves on QEvent::LanguageChange.
#pragma once

#include <QString>
#include <QStringList>

namespace genra::widgets {

// Language codes with a translation ("en" first: the source language).
QStringList availableLanguages();
// The language's own name ("English", "Deutsch").
QString languageName(const QString& code);
// Installs the translation for `code` (replacing the previous one); false when there is none.
bool setLanguage(const QString& code);
QString currentLanguage();

}  // namespace genra::widgets
