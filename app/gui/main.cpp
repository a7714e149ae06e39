// genra-workbench: the GenRA Workbench desktop application.
#include "app/gui/main_window.h"
#include "core/util/threads.h"
#include "core/version.h"
#include "widgets/language.h"
#include "widgets/settings.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QIcon>
#include <QPixmap>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv) {
    genra::ensurePassiveOpenMp(argv);
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("GenRA"));
    QApplication::setApplicationName(QStringLiteral("GenRA Workbench"));
    QApplication::setApplicationVersion(QStringLiteral(GENRA_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/genra/genra-workbench.svg")));
    genra::widgets::setLanguage(genra::widgets::settings::language.value());

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
    QCommandLineOption select(QStringLiteral("select"),
                              QApplication::translate("main", "Select KEY=VALUE in the raised panel (e.g. caption=42)"),
                              QStringLiteral("key=value"));
    QCommandLineOption quit(QStringLiteral("quit"), QApplication::translate("main", "Quit after the screenshot"));
    QCommandLineOption size(QStringLiteral("size"),
                            QApplication::translate("main", "Window size, e.g. 1920x1080 (default: the saved or 1280x800)"),
                            QStringLiteral("WxH"));
    QCommandLineOption threads(QStringLiteral("threads"), QApplication::translate("main", "CPU threads"),
                               QStringLiteral("n"), QStringLiteral("0"));
    parser.addOptions({panel, select, screenshot, quit, threads, size});
    parser.process(app);

    genra::gui::MainWindow window;
    if (parser.isSet(threads)) genra::configureThreads(parser.value(threads).toInt());
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
    for (const QString& pair : parser.values(select)) {
        const auto eq = pair.indexOf(QLatin1Char('='));
        const QString target = parser.isSet(panel) ? parser.value(panel) : QStringLiteral("browser");
        if (eq <= 0 || !window.selectInPanel(target, pair.left(eq), pair.mid(eq + 1))) {
            std::fprintf(stderr, "genra-workbench: panel %s cannot select %s\n", target.toLocal8Bit().constData(),
                         pair.toLocal8Bit().constData());
            if (parser.isSet(quit)) return 2;
        }
    }
    if (parser.isSet(size)) {
        const QStringList wh = parser.value(size).split(QLatin1Char('x'));
        const int w = wh.size() == 2 ? wh[0].toInt() : 0;
        const int h = wh.size() == 2 ? wh[1].toInt() : 0;
        if (w < 320 || h < 240) {
            std::fprintf(stderr, "genra-workbench: --size wants WIDTHxHEIGHT, e.g. 1920x1080\n");
            return 2;
        }
        window.resize(w, h);
    } else {
        window.resize(std::max(window.width(), 1280), std::max(window.height(), 800));
    }
    window.show();

    if (parser.isSet(screenshot)) {
        const QString file = parser.value(screenshot);
        const bool quitAfter = parser.isSet(quit);
        // Wait until the workspace is loaded and every panel has its thumbnails (at most a minute).
        auto* poll = new QTimer(&window);
        auto clock = std::make_shared<QElapsedTimer>();
        clock->start();
        QObject::connect(poll, &QTimer::timeout, &window, [&window, poll, clock, file, quitAfter] {
            if (clock->elapsed() < 300 || (window.isBusy() && clock->elapsed() < 60000)) return;
            poll->stop();
            if (window.isBusy()) std::fprintf(stderr, "genra-workbench: panels still loading after 60 s\n");
            const bool ok = window.grab().save(file);
            if (!ok) std::fprintf(stderr, "genra-workbench: cannot write %s\n", file.toLocal8Bit().constData());
            if (quitAfter) QApplication::exit(ok ? 0 : 1);
        });
        poll->start(50);
    }
    return app.exec();
}
