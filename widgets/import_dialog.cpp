#include "widgets/import_dialog.h"

#include "core/data/csv.h"
#include "core/data/importers.h"
#include "widgets/job_manager.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace genra::widgets {

namespace {

constexpr int kPreviewRows = 8;
constexpr qint64 kPreviewBytes = 64 * 1024;

QHBoxLayout* withButton(QLineEdit* edit, QPushButton* button) {
    auto* row = new QHBoxLayout;
    row->addWidget(edit, 1);
    row->addWidget(button);
    return row;
}

}  // namespace

ImportDialog::ImportDialog(const QString& workspaceDir, const QStringList& datasets, JobManager* jobs, QWidget* parent)
    : QDialog(parent), workspaceDir_(workspaceDir), jobs_(jobs) {
    setObjectName(QStringLiteral("importDialog"));
    kind_ = new QComboBox(this);
    kind_->addItems({QString(), QString(), QString(), QString()});
    kindLabel_ = new QLabel(this);
    fileLabel_ = new QLabel(this);
    file_ = new QLineEdit(this);
    browseFile_ = new QPushButton(this);
    folderLabel_ = new QLabel(this);
    folder_ = new QLineEdit(this);
    browseFolder_ = new QPushButton(this);
    nameLabel_ = new QLabel(this);
    name_ = new QLineEdit(this);
    dataset_ = new QComboBox(this);
    dataset_->addItems(datasets);
    splitLabel_ = new QLabel(this);
    split_ = new QLineEdit(this);
    pathColumnLabel_ = new QLabel(this);
    pathColumn_ = new QLineEdit(this);
    captionColumnLabel_ = new QLabel(this);
    captionColumn_ = new QLineEdit(this);
    delimiterLabel_ = new QLabel(this);
    delimiter_ = new QLineEdit(this);
    header_ = new QCheckBox(this);
    header_->setChecked(true);
    outsideRoot_ = new QCheckBox(this);
    generatorLabel_ = new QLabel(this);
    generator_ = new QLineEdit(QStringLiteral("external"), this);
    previewLabel_ = new QLabel(this);
    preview_ = new QTableWidget(this);
    preview_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    preview_->horizontalHeader()->setStretchLastSection(true);
    preview_->setMinimumHeight(160);
    result_ = new QPlainTextEdit(this);
    result_->setReadOnly(true);
    result_->setMaximumHeight(140);
    start_ = new QPushButton(this);
    start_->setDefault(true);
    close_ = new QPushButton(this);

    auto* form = new QFormLayout;
    form->addRow(kindLabel_, kind_);
    form->addRow(fileLabel_, withButton(file_, browseFile_));
    form->addRow(folderLabel_, withButton(folder_, browseFolder_));
    auto* nameRow = new QHBoxLayout;
    nameRow->addWidget(name_);
    nameRow->addWidget(dataset_);
    form->addRow(nameLabel_, nameRow);
    form->addRow(splitLabel_, split_);
    form->addRow(pathColumnLabel_, pathColumn_);
    form->addRow(captionColumnLabel_, captionColumn_);
    form->addRow(delimiterLabel_, delimiter_);
    form->addRow(QString(), header_);
    form->addRow(QString(), outsideRoot_);
    form->addRow(generatorLabel_, generator_);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(start_);
    buttons->addWidget(close_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(previewLabel_);
    layout->addWidget(preview_, 1);
    layout->addWidget(result_);
    layout->addLayout(buttons);
    resize(760, 640);

    retranslate();
    updateForm();

    connect(kind_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        updateForm();
        updatePreview();
    });
    connect(file_, &QLineEdit::editingFinished, this, &ImportDialog::updatePreview);
    for (auto* edit : {delimiter_}) connect(edit, &QLineEdit::editingFinished, this, &ImportDialog::updatePreview);
    connect(header_, &QCheckBox::toggled, this, &ImportDialog::updatePreview);
    connect(browseFile_, &QPushButton::clicked, this, [this] {
        const QString filter = kind() == Kind::Csv ? tr("Delimited text (*.csv *.tsv *.tab *.txt);;All files (*)")
                                                   : kind() == Kind::Generated ? tr("Manifest (*.tsv *.csv);;All files (*)")
                                                                               : tr("JSON (*.json);;All files (*)");
        const QString f = QFileDialog::getOpenFileName(this, tr("Choose the input file"), file_->text(), filter);
        if (!f.isEmpty()) setInputFile(f);
    });
    connect(browseFolder_, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Choose the image folder"), folder_->text());
        if (!d.isEmpty()) setImageFolder(d);
    });
    connect(start_, &QPushButton::clicked, this, &ImportDialog::startImport);
    connect(close_, &QPushButton::clicked, this, &QDialog::reject);
    if (jobs_) connect(jobs_, &JobManager::jobFinished, this, &ImportDialog::onFinished);
}

ImportDialog::~ImportDialog() = default;

void ImportDialog::retranslate() {
    setWindowTitle(tr("Import Dataset"));
    kindLabel_->setText(tr("Format:"));
    kind_->setItemText(0, tr("COCO captions JSON"));
    kind_->setItemText(1, tr("Karpathy split JSON (COCO, Flickr30k, Shapes)"));
    kind_->setItemText(2, tr("CSV/TSV of image paths and captions"));
    kind_->setItemText(3, tr("Folder of generated images"));
    browseFile_->setText(tr("Browse…"));
    browseFolder_->setText(tr("Browse…"));
    nameLabel_->setText(tr("Dataset:"));
    name_->setPlaceholderText(tr("name (default: the file's name)"));
    splitLabel_->setText(tr("Split:"));
    split_->setPlaceholderText(tr("default: from the file name (COCO) or \"train\" (CSV)"));
    pathColumnLabel_->setText(tr("Image path column:"));
    pathColumn_->setPlaceholderText(tr("auto-detect (image, filepath, path, file_name, filename)"));
    captionColumnLabel_->setText(tr("Caption column:"));
    captionColumn_->setPlaceholderText(tr("auto-detect (caption, text)"));
    delimiterLabel_->setText(tr("Delimiter:"));
    delimiter_->setPlaceholderText(tr("by extension: tab for .tsv, comma otherwise"));
    header_->setText(tr("First row is a header"));
    outsideRoot_->setText(tr("Allow image paths outside the image folder"));
    outsideRoot_->setToolTip(tr("Absolute paths and paths with ../ in the input are refused unless this is checked: "
                                "a file from elsewhere could otherwise make the import read any file."));
    generatorLabel_->setText(tr("Generator name:"));
    previewLabel_->setText(tr("Preview of the first rows:"));
    start_->setText(tr("Import"));
    close_->setText(tr("Close"));
    updateForm();
}

void ImportDialog::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslate();
    QDialog::changeEvent(event);
}

void ImportDialog::setKind(Kind kind) { kind_->setCurrentIndex(static_cast<int>(kind) - 1); }

ImportDialog::Kind ImportDialog::kind() const { return static_cast<Kind>(kind_->currentIndex() + 1); }

void ImportDialog::setInputFile(const QString& file) {
    file_->setText(file);
    if (name_->text().isEmpty() && kind() != Kind::Generated) name_->setPlaceholderText(QFileInfo(file).completeBaseName());
    updatePreview();
}

void ImportDialog::setImageFolder(const QString& dir) { folder_->setText(dir); }
void ImportDialog::setDatasetName(const QString& name) {
    name_->setText(name);
    const int index = dataset_->findText(name);
    if (index >= 0) dataset_->setCurrentIndex(index);
}

void ImportDialog::setCsvOptions(const QString& pathColumn, const QString& captionColumn, const QString& delimiter,
                                 bool header) {
    pathColumn_->setText(pathColumn);
    captionColumn_->setText(captionColumn);
    delimiter_->setText(delimiter);
    header_->setChecked(header);
    updatePreview();
}

void ImportDialog::setGenerator(const QString& generator) { generator_->setText(generator); }

void ImportDialog::setAllowOutsideRoot(bool allow) { outsideRoot_->setChecked(allow); }

void ImportDialog::updateForm() {
    const Kind k = kind();
    const bool csv = k == Kind::Csv;
    const bool generated = k == Kind::Generated;
    fileLabel_->setText(k == Kind::Coco       ? tr("Captions JSON:")
                        : k == Kind::Karpathy ? tr("Karpathy JSON:")
                        : csv                 ? tr("CSV/TSV file:")
                                              : tr("Manifest (optional):"));
    folderLabel_->setText(generated ? tr("Generated images root:") : tr("Images folder:"));
    name_->setVisible(!generated);
    dataset_->setVisible(generated);
    for (QWidget* w : {static_cast<QWidget*>(splitLabel_), static_cast<QWidget*>(split_)})
        w->setVisible(k == Kind::Coco || csv);
    for (QWidget* w : {static_cast<QWidget*>(pathColumnLabel_), static_cast<QWidget*>(pathColumn_),
                       static_cast<QWidget*>(captionColumnLabel_), static_cast<QWidget*>(captionColumn_),
                       static_cast<QWidget*>(delimiterLabel_), static_cast<QWidget*>(delimiter_),
                       static_cast<QWidget*>(header_)})
        w->setVisible(csv);
    generatorLabel_->setVisible(generated);
    generator_->setVisible(generated);
}

void ImportDialog::updatePreview() {
    preview_->clear();
    preview_->setRowCount(0);
    preview_->setColumnCount(0);
    const QString path = file_->text();
    if (path.isEmpty()) return;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        previewLabel_->setText(tr("Cannot read %1: %2").arg(path, f.errorString()));
        return;
    }
    // Only the head of the file: a preview must not read a multi-gigabyte list.
    const QByteArray head = f.read(kPreviewBytes);
    const bool truncated = !f.atEnd();
    previewLabel_->setText(tr("Preview of the first rows:"));
    const bool delimited = kind() == Kind::Csv || kind() == Kind::Generated;
    if (!delimited) {
        const QStringList lines = QString::fromUtf8(head).split(QLatin1Char('\n')).mid(0, 20);
        preview_->setColumnCount(1);
        preview_->setHorizontalHeaderLabels({QFileInfo(path).fileName()});
        preview_->setRowCount(static_cast<int>(lines.size()));
        for (int r = 0; r < lines.size(); ++r) preview_->setItem(r, 0, new QTableWidgetItem(lines[r].left(400)));
        return;
    }
    try {
        const char delimiter = delimiter_->text().isEmpty() ? data::delimiterForFile(path.toStdString())
                                                            : data::parseDelimiter(delimiter_->text().toStdString());
        std::string text = head.toStdString();
        if (truncated) text = text.substr(0, text.rfind('\n') == std::string::npos ? text.size() : text.rfind('\n') + 1);
        data::CsvReader reader(std::move(text), delimiter, path.toStdString());
        data::CsvRecord record;
        QStringList header;
        std::vector<QStringList> rows;
        while (static_cast<int>(rows.size()) < kPreviewRows && reader.next(record)) {
            QStringList fields;
            for (const auto& field : record.fields) fields << QString::fromStdString(field);
            if (header.isEmpty() && header_->isChecked() && kind() == Kind::Csv) {
                header = fields;
            } else {
                rows.push_back(fields);
            }
        }
        int columns = static_cast<int>(header.size());
        for (const auto& row : rows) columns = std::max(columns, static_cast<int>(row.size()));
        if (header.isEmpty())
            for (int c = 0; c < columns; ++c) header << tr("column %1").arg(c);
        preview_->setColumnCount(columns);
        preview_->setHorizontalHeaderLabels(header);
        preview_->setRowCount(static_cast<int>(rows.size()));
        for (int r = 0; r < static_cast<int>(rows.size()); ++r)
            for (int c = 0; c < rows[static_cast<std::size_t>(r)].size(); ++c)
                preview_->setItem(r, c, new QTableWidgetItem(rows[static_cast<std::size_t>(r)][c]));
    } catch (const std::exception& e) {
        previewLabel_->setText(tr("The preview stopped: %1").arg(QString::fromStdString(e.what())));
    }
}

QStringList ImportDialog::previewHeader() const {
    QStringList out;
    for (int c = 0; c < preview_->columnCount(); ++c) {
        const auto* item = preview_->horizontalHeaderItem(c);
        out << (item ? item->text() : QString());
    }
    return out;
}

int ImportDialog::previewRowCount() const { return preview_->rowCount(); }

QString ImportDialog::resultText() const { return result_->toPlainText(); }

bool ImportDialog::startImport() {
    if (isRunning()) return false;
    const QString file = file_->text().trimmed();
    const QString folder = folder_->text().trimmed();
    const Kind k = kind();
    if ((k != Kind::Generated && file.isEmpty()) || folder.isEmpty()) {
        result_->setPlainText(k == Kind::Generated ? tr("Choose the folder of generated images.")
                                                   : tr("Choose the input file and the images folder."));
        return false;
    }
    if (k == Kind::Generated && dataset_->currentText().isEmpty()) {
        result_->setPlainText(tr("Generated images join a dataset already in the workspace; import one first."));
        return false;
    }
    try {
        auto fillCommon = [&](data::ImportCommon& c) {
            c.workspace = workspaceDir_.toStdString();
            c.name = name_->text().trimmed().toStdString();
            c.allowOutsideRoot = outsideRoot_->isChecked();
        };
        if (k == Kind::Coco) {
            data::CocoImportOptions o;
            fillCommon(o);
            o.captionsFile = file.toStdString();
            o.imageRoot = folder.toStdString();
            o.split = split_->text().trimmed().toStdString();
            job_ = std::make_shared<data::CocoImportJob>(o);
        } else if (k == Kind::Karpathy) {
            data::KarpathyImportOptions o;
            fillCommon(o);
            o.jsonFile = file.toStdString();
            o.imageRoot = folder.toStdString();
            job_ = std::make_shared<data::KarpathyImportJob>(o);
        } else if (k == Kind::Csv) {
            data::CsvImportOptions o;
            fillCommon(o);
            o.file = file.toStdString();
            o.imageRoot = folder.toStdString();
            o.header = header_->isChecked();
            o.pathColumn = pathColumn_->text().trimmed().toStdString();
            o.captionColumn = captionColumn_->text().trimmed().toStdString();
            if (!delimiter_->text().isEmpty()) o.delimiter = data::parseDelimiter(delimiter_->text().toStdString());
            if (!split_->text().trimmed().isEmpty()) o.split = split_->text().trimmed().toStdString();
            job_ = std::make_shared<data::CsvImportJob>(o);
        } else {
            data::GeneratedImportOptions o;
            o.workspace = workspaceDir_.toStdString();
            o.root = folder.toStdString();
            o.dataset = dataset_->currentText().toStdString();
            o.manifest = file.toStdString();
            o.generator = generator_->text().trimmed().isEmpty() ? "external" : generator_->text().trimmed().toStdString();
            o.allowOutsideRoot = outsideRoot_->isChecked();
            job_ = std::make_shared<data::GeneratedImportJob>(o);
        }
    } catch (const std::exception& e) {
        result_->setPlainText(QString::fromStdString(e.what()));
        return false;
    }
    result_->setPlainText(tr("Importing… (progress in the Jobs panel)"));
    start_->setEnabled(false);
    jobId_ = jobs_->start(job_);  // shared: its summary is read after it finishes
    return true;
}

void ImportDialog::onFinished(int id, bool succeeded) {
    if (id != jobId_) return;
    jobId_ = 0;
    start_->setEnabled(true);
    QString text;
    const JobRecord* record = jobs_->record(id);
    if (record && record->state == JobRecord::State::Cancelled) {
        text = tr("Cancelled. What was imported so far is kept; import again to resume.") + QLatin1Char('\n');
    } else if (!succeeded) {
        text = tr("The import failed: %1").arg(record ? record->error : QString()) + QLatin1Char('\n');
        if (job_ && !job_->started()) text += tr("Nothing was written to the workspace.") + QLatin1Char('\n');
    }
    if (job_ && (succeeded || job_->started())) text += QString::fromStdString(job_->summary().describe());
    result_->setPlainText(text.trimmed());
    Q_EMIT importFinished(succeeded);
}

}  // namespace genra::widgets
