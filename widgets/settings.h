// Typed application settings: each key is declared once with its dotted name and default, and read
// or written through QSettings (organisation "GenRA", application "GenRA Workbench"). Values the
// core needs (device, threads, jar paths) are read here and passed into jobs; external generators
// live with the workspace in <workspace>/generators.json, where the generation core reads them.
#pragma once

#include <QSettings>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <vector>

namespace genra::widgets {

template <typename T>
struct Setting {
    const char* key;
    T defaultValue;

    T value() const {
        QSettings settings;
        return settings.value(QLatin1String(key), QVariant::fromValue(defaultValue)).template value<T>();
    }
    void set(const T& v) const {
        QSettings settings;
        settings.setValue(QLatin1String(key), QVariant::fromValue(v));
    }
};

namespace settings {
// "cpu", "cuda:0", "cuda:1", ... (what core's device parser accepts).
inline const Setting<QString> device{"compute.device", QStringLiteral("cpu")};
// CPU threads for LibTorch; 0 = every core.
inline const Setting<int> threads{"compute.threads", 0};
inline const Setting<int> thumbnailCacheMb{"browser.thumbnailCacheMb", 256};
inline const Setting<QString> meteorJar{"eval.meteorJar", QString()};
inline const Setting<QString> spiceJar{"eval.spiceJar", QString()};
// "en", "de".
inline const Setting<QString> language{"ui.language", QStringLiteral("en")};
inline const Setting<QStringList> recentWorkspaces{"workspace.recent", QStringList()};
inline const Setting<QByteArray> windowGeometry{"window.geometry", QByteArray()};
inline const Setting<QByteArray> windowState{"window.state", QByteArray()};
// The name of the view (central tab) shown when the window closed.
inline const Setting<QString> windowView{"window.view", QString()};
}  // namespace settings

// Devices this LibTorch build can use: "cpu", then "cuda:N" for each visible CUDA device.
QStringList availableDevices();

// Moves `dir` to the front of the recent-workspaces list (at most 8 kept).
void rememberWorkspace(const QString& dir);

// External generators of a workspace: <workspace>/generators.json,
// {"NAME": {"command": ["prog", "arg", ...], "timeout_s": N}}.
struct ExternalGenerator {
    QString name;
    QStringList command;
    int timeoutSeconds = 600;
};
// Reads the file (missing: empty). Throws genra::Error naming the file and key when it is malformed.
std::vector<ExternalGenerator> readExternalGenerators(const QString& workspaceDir);
// Writes the file, keeping keys of each entry this program does not know.
void writeExternalGenerators(const QString& workspaceDir, const std::vector<ExternalGenerator>& generators);

}  // namespace genra::widgets
