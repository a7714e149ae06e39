// The settings dialog: compute device (CPU / each CUDA device this LibTorch build sees), threads,
// thumbnail cache size, the open workspace's external generators (kept in
// <workspace>/generators.json, where the generation core reads them), METEOR/SPICE jar paths, and
// the interface language. OK writes the typed settings (widgets/settings.h) and the generators file.
#pragma once

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTableWidget;
class QPushButton;
class QDialogButtonBox;
class QGroupBox;

namespace genra::widgets {

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    // `workspaceDir` empty: the generator list is disabled (it belongs to a workspace).
    explicit SettingsDialog(const QString& workspaceDir, QWidget* parent = nullptr);
    // Writes every setting; false (with a message box unless quiet) when the generator list is invalid.
    bool save(bool quiet = false);
    QString errorText() const { return error_; }

    // For tests and automation.
    QComboBox* deviceBox() const { return device_; }
    QComboBox* languageBox() const { return language_; }
    QSpinBox* threadsBox() const { return threads_; }
    QSpinBox* cacheBox() const { return cacheMb_; }
    QTableWidget* generatorTable() const { return generators_; }

    void accept() override;

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    QString workspaceDir_;
    QComboBox* device_ = nullptr;
    QSpinBox* threads_ = nullptr;
    QSpinBox* cacheMb_ = nullptr;
    QLineEdit* meteor_ = nullptr;
    QLineEdit* spice_ = nullptr;
    QComboBox* language_ = nullptr;
    QTableWidget* generators_ = nullptr;
    QPushButton* addGenerator_ = nullptr;
    QPushButton* removeGenerator_ = nullptr;
    QGroupBox* computeBox_ = nullptr;
    QGroupBox* generatorsBox_ = nullptr;
    QGroupBox* evalBox_ = nullptr;
    QLabel* deviceLabel_ = nullptr;
    QLabel* threadsLabel_ = nullptr;
    QLabel* cacheLabel_ = nullptr;
    QLabel* meteorLabel_ = nullptr;
    QLabel* spiceLabel_ = nullptr;
    QLabel* languageLabel_ = nullptr;
    QDialogButtonBox* buttons_ = nullptr;
    QString error_;
};

}  // namespace genra::widgets
