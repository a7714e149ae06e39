// Shared by the widget tests: the one QApplication of the test process, waiting for events, the
// main window's saved layout cleared.
#pragma once

#include <QApplication>
#include <QElapsedTimer>
#include <QSettings>
#include <QStandardPaths>

#include <cstdlib>
#include <optional>
#include <string>

namespace genra::test {

inline QApplication& app() {
    static int argc = 1;
    static char name[] = "genra_widgets_tests";
    static char* argv[] = {name, nullptr};
    // Settings (window layout, language, recent workspaces) go to ~/.qttest, never the user's own.
    QStandardPaths::setTestModeEnabled(true);
    // Never destroyed: a QApplication torn down by exit handlers crashes in ~QPointingDevice once a
    // test has sent a mouse event (the device registry is a global static already gone by then).
    static QApplication* instance = new QApplication(argc, argv);
    return *instance;
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

// Lets queued layouts, resizes and replots run (a few rounds of the event loop).
inline void settle() {
    for (int i = 0; i < 4; ++i) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

// Forgets the main window's saved layout, so the next window opens with the default one.
inline void clearLayoutSettings() {
    QSettings settings;
    for (const char* key : {"window.geometry", "window.state", "window.view"}) settings.remove(QLatin1String(key));
}

// Sets an environment variable (seen by child processes) until the end of the scope.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace genra::test
