#include "widgets/language.h"

#include <QCoreApplication>
#include <QFile>
#include <QTranslator>

#include <cstring>
#include <memory>

namespace genra::widgets {

namespace {
// lupdate files classes declared inside `namespace genra::widgets { ... }` under their bare class
// name, while tr() asks with the qualified one: look the qualified context up, then the bare one.
class NamespaceTranslator : public QTranslator {
public:
    QString translate(const char* context, const char* sourceText, const char* disambiguation,
                      int n) const override {
        QString out = QTranslator::translate(context, sourceText, disambiguation, n);
        if (out.isEmpty() && context) {
            const char* bare = std::strrchr(context, ':');
            if (bare && bare[1]) out = QTranslator::translate(bare + 1, sourceText, disambiguation, n);
        }
        return out;
    }
};

QTranslator* installed = nullptr;
QString current = QStringLiteral("en");

QString resourceOf(const QString& code) { return QStringLiteral(":/i18n/genra_%1.qm").arg(code); }
}  // namespace

QStringList availableLanguages() {
    QStringList out{QStringLiteral("en")};
    for (const QString& code : {QStringLiteral("de")})
        if (QFile::exists(resourceOf(code))) out << code;
    return out;
}

QString languageName(const QString& code) {
    if (code == QLatin1String("de")) return QStringLiteral("Deutsch");
    return QStringLiteral("English");
}

bool setLanguage(const QString& code) {
    if (code == current) return true;
    auto translator = std::make_unique<NamespaceTranslator>();
    if (code != QLatin1String("en") && !translator->load(resourceOf(code))) return false;
    if (installed) {
        QCoreApplication::removeTranslator(installed);
        delete installed;
        installed = nullptr;
    }
    if (code != QLatin1String("en")) {
        installed = translator.release();
        QCoreApplication::installTranslator(installed);
    }
    current = code;
    return true;
}

QString currentLanguage() { return current; }

}  // namespace genra::widgets
