// genra-workbench: the GenRA Workbench desktop application.
#include "app/gui/main_window.h"
#include "core/util/threads.h"
#include "core/version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QPixmap>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("GenRA"));
    QApplication::setApplicationName(QStringLiteral("GenRA Workbench"));
    QApplication::setApplicationVersion(QStringLiteral(GENRA_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "GenRA Workbench"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("workspace"), QApplication::translate("main", "Workspace folder to open"));
    QCommandLineOption panel(QStringLiteral("panel"), QApplication::translate("main", "Panel to raise"),
                             QStringLiteral("name"));
    QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                  QApplication::translate("main", "Save a screenshot of the window to FILE"),
                                  QStringLiteral("file"));
    QCommandLineOption quit(QStringLiteral("quit"), QApplication::translate("main", "Quit after the screenshot"));
    QCommandLineOption threads(QStringLiteral("threads"), QApplication::translate("main", "CPU threads"),
                               QStringLiteral("n"), QStringLiteral("0"));
    parser.addOptions({panel, screenshot, quit, threads});
    parser.process(app);

    genra::configureThreads(parser.value(threads).toInt());

    genra::gui::MainWindow window;
    const QStringList args = parser.positionalArguments();
    if (!args.isEmpty() && !window.openWorkspace(args.first(), false, parser.isSet(quit))) {
        if (parser.isSet(quit)) {
            std::fprintf(stderr, "genra-workbench: %s\n", window.lastError().toLocal8Bit().constData());
            return 1;
        }
    }
    if (parser.isSet(panel) && !window.raisePanel(parser.value(panel))) {
        std::fprintf(stderr, "genra-workbench: no panel named %s\n", parser.value(panel).toLocal8Bit().constData());
        return 2;
    }
    window.resize(std::max(window.width(), 1280), std::max(window.height(), 800));
    window.show();

    if (parser.isSet(screenshot)) {
        const QString file = parser.value(screenshot);
        const bool quitAfter = parser.isSet(quit);
        QTimer::singleShot(300, &window, [&window, file, quitAfter] {
            const bool ok = window.grab().save(file);
            if (!ok) std::fprintf(stderr, "genra-workbench: cannot write %s\n", file.toLocal8Bit().constData());
            if (quitAfter) QApplication::exit(ok ? 0 : 1);
        });
    }
    return app.exec();
}
