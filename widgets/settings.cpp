#include "widgets/settings.h"

#include "core/util/error.h"

#include <torch/cuda.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace genra::widgets {

namespace {
QString generatorsFile(const QString& workspaceDir) {
    return QDir(workspaceDir).filePath(QStringLiteral("generators.json"));
}

QJsonObject readGeneratorsObject(const QString& file) {
    QFile f(file);
    if (!f.exists()) return {};
    if (!f.open(QIODevice::ReadOnly)) throw Error(file.toStdString() + ": cannot read: " + f.errorString().toStdString());
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &error);
    if (error.error != QJsonParseError::NoError) {
        throw ParseError(file.toStdString(), "offset " + std::to_string(error.offset), error.errorString().toStdString());
    }
    if (!doc.isObject()) throw ParseError(file.toStdString(), "top level", "expected an object of generators");
    return doc.object();
}
}  // namespace

QStringList availableDevices() {
    QStringList devices{QStringLiteral("cpu")};
    const auto count = torch::cuda::device_count();
    for (std::size_t i = 0; i < count; ++i) devices << QStringLiteral("cuda:%1").arg(i);
    return devices;
}

void rememberWorkspace(const QString& dir) {
    QStringList recent = settings::recentWorkspaces.value();
    const QString clean = QDir::cleanPath(QDir(dir).absolutePath());
    recent.removeAll(clean);
    recent.prepend(clean);
    while (recent.size() > 8) recent.removeLast();
    settings::recentWorkspaces.set(recent);
}

std::vector<ExternalGenerator> readExternalGenerators(const QString& workspaceDir) {
    const QString file = generatorsFile(workspaceDir);
    const QJsonObject root = readGeneratorsObject(file);
    std::vector<ExternalGenerator> out;
    for (auto it = root.begin(); it != root.end(); ++it) {
        const std::string where = "key \"" + it.key().toStdString() + "\"";
        if (!it.value().isObject()) throw ParseError(file.toStdString(), where, "expected an object");
        const QJsonObject entry = it.value().toObject();
        ExternalGenerator g;
        g.name = it.key();
        const QJsonValue command = entry.value(QStringLiteral("command"));
        if (!command.isArray()) throw ParseError(file.toStdString(), where + ".command", "expected an array of strings");
        for (const auto& part : command.toArray()) {
            if (!part.isString()) throw ParseError(file.toStdString(), where + ".command", "expected strings");
            g.command << part.toString();
        }
        const QJsonValue timeout = entry.value(QStringLiteral("timeout_s"));
        if (!timeout.isUndefined()) {
            if (!timeout.isDouble() || timeout.toDouble() <= 0) {
                throw ParseError(file.toStdString(), where + ".timeout_s", "expected a positive number");
            }
            g.timeoutSeconds = timeout.toInt();
        }
        out.push_back(std::move(g));
    }
    return out;
}

void writeExternalGenerators(const QString& workspaceDir, const std::vector<ExternalGenerator>& generators) {
    const QString file = generatorsFile(workspaceDir);
    const QJsonObject old = readGeneratorsObject(file);
    QJsonObject root;
    for (const auto& g : generators) {
        QJsonObject entry = old.value(g.name).toObject();
        entry.insert(QStringLiteral("command"), QJsonArray::fromStringList(g.command));
        entry.insert(QStringLiteral("timeout_s"), g.timeoutSeconds);
        root.insert(g.name, entry);
    }
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly)) throw Error(file.toStdString() + ": cannot write: " + out.errorString().toStdString());
    out.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!out.commit()) throw Error(file.toStdString() + ": cannot write: " + out.errorString().toStdString());
}

}  // namespace genra::widgets
