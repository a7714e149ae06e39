#include "widgets/settings_dialog.h"

#include "widgets/language.h"
#include "widgets/settings.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QThread>
#include <QVBoxLayout>

namespace genra::widgets {

namespace {
// The inverse of QProcess::splitCommand: arguments with spaces or quotes are double-quoted, with
// literal quotes tripled as splitCommand expects.
QString joinCommand(const QStringList& args) {
    QStringList parts;
    for (QString a : args) {
        if (a.isEmpty() || a.contains(QLatin1Char(' ')) || a.contains(QLatin1Char('"')) || a.contains(QLatin1Char('\t'))) {
            a.replace(QStringLiteral("\""), QStringLiteral("\"\"\""));
            a = QLatin1Char('"') + a + QLatin1Char('"');
        }
        parts << a;
    }
    return parts.join(QLatin1Char(' '));
}
}  // namespace

SettingsDialog::SettingsDialog(const QString& workspaceDir, QWidget* parent)
    : QDialog(parent), workspaceDir_(workspaceDir) {
    setObjectName(QStringLiteral("settingsDialog"));
    device_ = new QComboBox(this);
    device_->addItems(availableDevices());
    device_->setCurrentIndex(std::max(0, device_->findText(settings::device.value())));
    threads_ = new QSpinBox(this);
    threads_->setRange(0, 1024);
    threads_->setValue(settings::threads.value());
    cacheMb_ = new QSpinBox(this);
    cacheMb_->setRange(16, 65536);
    cacheMb_->setSuffix(QStringLiteral(" MB"));
    cacheMb_->setValue(settings::thumbnailCacheMb.value());
    meteor_ = new QLineEdit(settings::meteorJar.value(), this);
    spice_ = new QLineEdit(settings::spiceJar.value(), this);
    language_ = new QComboBox(this);
    for (const QString& code : availableLanguages()) language_->addItem(languageName(code), code);
    language_->setCurrentIndex(std::max(0, language_->findData(settings::language.value())));
    generators_ = new QTableWidget(0, 3, this);
    generators_->horizontalHeader()->setStretchLastSection(false);
    generators_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    addGenerator_ = new QPushButton(this);
    removeGenerator_ = new QPushButton(this);
    for (auto* l : {&deviceLabel_, &threadsLabel_, &cacheLabel_, &meteorLabel_, &spiceLabel_, &languageLabel_})
        *l = new QLabel(this);

    computeBox_ = new QGroupBox(this);
    auto* compute = new QFormLayout(computeBox_);
    compute->addRow(deviceLabel_, device_);
    compute->addRow(threadsLabel_, threads_);
    compute->addRow(cacheLabel_, cacheMb_);
    compute->addRow(languageLabel_, language_);
    generatorsBox_ = new QGroupBox(this);
    auto* gen = new QVBoxLayout(generatorsBox_);
    gen->addWidget(generators_);
    auto* genButtons = new QHBoxLayout;
    genButtons->addWidget(addGenerator_);
    genButtons->addWidget(removeGenerator_);
    genButtons->addStretch(1);
    gen->addLayout(genButtons);
    evalBox_ = new QGroupBox(this);
    auto* eval = new QFormLayout(evalBox_);
    eval->addRow(meteorLabel_, meteor_);
    eval->addRow(spiceLabel_, spice_);
    buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(computeBox_);
    layout->addWidget(generatorsBox_, 1);
    layout->addWidget(evalBox_);
    layout->addWidget(buttons_);
    resize(640, 560);

    generatorsBox_->setEnabled(!workspaceDir_.isEmpty());
    if (!workspaceDir_.isEmpty()) {
        try {
            for (const auto& g : readExternalGenerators(workspaceDir_)) {
                const int row = generators_->rowCount();
                generators_->insertRow(row);
                generators_->setItem(row, 0, new QTableWidgetItem(g.name));
                generators_->setItem(row, 1, new QTableWidgetItem(joinCommand(g.command)));
                generators_->setItem(row, 2, new QTableWidgetItem(QString::number(g.timeoutSeconds)));
            }
        } catch (const std::exception& e) {
            error_ = QString::fromStdString(e.what());
        }
    }
    retranslate();
    connect(addGenerator_, &QPushButton::clicked, this, [this] {
        const int row = generators_->rowCount();
        generators_->insertRow(row);
        generators_->setItem(row, 2, new QTableWidgetItem(QStringLiteral("600")));
        generators_->editItem(generators_->item(row, 2));
    });
    connect(removeGenerator_, &QPushButton::clicked, this, [this] {
        if (generators_->currentRow() >= 0) generators_->removeRow(generators_->currentRow());
    });
    connect(buttons_, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void SettingsDialog::retranslate() {
    setWindowTitle(tr("Settings"));
    computeBox_->setTitle(tr("Computation and display"));
    deviceLabel_->setText(tr("Device:"));
    threadsLabel_->setText(tr("CPU threads:"));
    threads_->setSpecialValueText(tr("every core (%1)").arg(QThread::idealThreadCount()));
    cacheLabel_->setText(tr("Thumbnail cache:"));
    languageLabel_->setText(tr("Language:"));
    generatorsBox_->setTitle(workspaceDir_.isEmpty() ? tr("External generators (open a workspace to edit them)")
                                                     : tr("External generators of this workspace"));
    generators_->setHorizontalHeaderLabels({tr("Name"), tr("Command"), tr("Timeout (s)")});
    addGenerator_->setText(tr("Add"));
    removeGenerator_->setText(tr("Remove"));
    evalBox_->setTitle(tr("Caption metrics (Java)"));
    meteorLabel_->setText(tr("METEOR jar:"));
    spiceLabel_->setText(tr("SPICE jar:"));
}

void SettingsDialog::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslate();
    QDialog::changeEvent(event);
}

bool SettingsDialog::save(bool quiet) {
    std::vector<ExternalGenerator> list;
    for (int row = 0; row < generators_->rowCount(); ++row) {
        auto text = [&](int column) {
            const auto* item = generators_->item(row, column);
            return item ? item->text().trimmed() : QString();
        };
        ExternalGenerator g;
        g.name = text(0);
        g.command = QProcess::splitCommand(text(1));
        bool ok = false;
        g.timeoutSeconds = text(2).toInt(&ok);
        if (g.name.isEmpty() && g.command.isEmpty()) continue;
        if (g.name.isEmpty() || g.command.isEmpty() || !ok || g.timeoutSeconds <= 0) {
            error_ = tr("External generator in row %1 needs a name, a command and a positive timeout.").arg(row + 1);
            if (!quiet) QMessageBox::warning(this, tr("Settings"), error_);
            return false;
        }
        list.push_back(g);
    }
    if (!workspaceDir_.isEmpty()) {
        try {
            writeExternalGenerators(workspaceDir_, list);
        } catch (const std::exception& e) {
            error_ = QString::fromStdString(e.what());
            if (!quiet) QMessageBox::warning(this, tr("Settings"), error_);
            return false;
        }
    }
    settings::device.set(device_->currentText());
    settings::threads.set(threads_->value());
    settings::thumbnailCacheMb.set(cacheMb_->value());
    settings::meteorJar.set(meteor_->text().trimmed());
    settings::spiceJar.set(spice_->text().trimmed());
    settings::language.set(language_->currentData().toString());
    error_.clear();
    return true;
}

void SettingsDialog::accept() {
    if (save()) QDialog::accept();
}

}  // namespace genra::widgets
