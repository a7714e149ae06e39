// The import dialog: one form per importer (COCO captions, Karpathy splits, CSV/TSV, generated-image
// folders) with file pickers, CSV column options, a preview of the input's first rows, and — once
// the import job (run on a worker thread by the JobManager) ends — a summary of what was imported
// and of the errors, grouped by reason.
#pragma once

#include <QDialog>

#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QTableWidget;

namespace genra::data {
class ImportJob;
}

namespace genra::widgets {

class JobManager;

class ImportDialog : public QDialog {
    Q_OBJECT
public:
    enum class Kind { Coco = 1, Karpathy, Csv, Generated };

    ImportDialog(const QString& workspaceDir, const QStringList& datasets, JobManager* jobs, QWidget* parent = nullptr);
    ~ImportDialog() override;

    void setKind(Kind kind);
    Kind kind() const;
    // The input file (captions JSON, Karpathy JSON, CSV/TSV, or the generated images' manifest).
    void setInputFile(const QString& file);
    // Real images' folder, or the generated images' root folder.
    void setImageFolder(const QString& dir);
    void setDatasetName(const QString& name);
    void setCsvOptions(const QString& pathColumn, const QString& captionColumn, const QString& delimiter, bool header);
    void setGenerator(const QString& generator);
    // Image paths in the input that lead outside the image folder (absolute, ../) are refused
    // unless this is set (the import commands' --allow-outside-root).
    void setAllowOutsideRoot(bool allow);

    // Starts the import; false (with the reason in resultText) when the form is incomplete.
    bool startImport();
    bool isRunning() const { return jobId_ != 0; }
    QString resultText() const;
    // The preview: column titles and rows shown (CSV), or the first lines (JSON).
    QStringList previewHeader() const;
    int previewRowCount() const;

Q_SIGNALS:
    void importFinished(bool succeeded);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void updatePreview();
    void updateForm();
    void onFinished(int id, bool succeeded);

    QString workspaceDir_;
    JobManager* jobs_;
    QComboBox* kind_ = nullptr;
    QLabel* kindLabel_ = nullptr;
    QLabel* fileLabel_ = nullptr;
    QLineEdit* file_ = nullptr;
    QPushButton* browseFile_ = nullptr;
    QLabel* folderLabel_ = nullptr;
    QLineEdit* folder_ = nullptr;
    QPushButton* browseFolder_ = nullptr;
    QLabel* nameLabel_ = nullptr;
    QLineEdit* name_ = nullptr;
    QComboBox* dataset_ = nullptr;
    QLabel* splitLabel_ = nullptr;
    QLineEdit* split_ = nullptr;
    QLabel* pathColumnLabel_ = nullptr;
    QLineEdit* pathColumn_ = nullptr;
    QLabel* captionColumnLabel_ = nullptr;
    QLineEdit* captionColumn_ = nullptr;
    QLabel* delimiterLabel_ = nullptr;
    QLineEdit* delimiter_ = nullptr;
    QCheckBox* header_ = nullptr;
    QCheckBox* outsideRoot_ = nullptr;
    QLabel* generatorLabel_ = nullptr;
    QLineEdit* generator_ = nullptr;
    QLabel* previewLabel_ = nullptr;
    QTableWidget* preview_ = nullptr;
    QPlainTextEdit* result_ = nullptr;
    QPushButton* start_ = nullptr;
    QPushButton* close_ = nullptr;
    std::shared_ptr<data::ImportJob> job_;
    int jobId_ = 0;
};

}  // namespace genra::widgets
