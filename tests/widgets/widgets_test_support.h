// Shared by the widget tests: the one QApplication of the test process.
#pragma once

#include <QApplication>
#include <QElapsedTimer>

namespace genra::test {

inline QApplication& app() {
    static int argc = 1;
    static char name[] = "genra_widgets_tests";
    static char* argv[] = {name, nullptr};
    static QApplication instance(argc, argv);
    return instance;
}

// Processes events until `pred` holds; false after timeoutMs.
template <typename Pred>
bool waitFor(Pred pred, int timeoutMs = 20000) {
    QElapsedTimer t;
    t.start();
    while (!pred()) {
        if (t.elapsed() > timeoutMs) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    return true;
}

}  // namespace genra::test
